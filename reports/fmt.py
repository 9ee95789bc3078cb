"""Numbers as a reader expects them: yuan in k/M (English) or 万/亿 (Chinese), shares as %.

The one implementation lives in :mod:`experiments.numbers` (the lowest layer that prints
numbers: sweeps describe their peaks in sentences); the reports use it through here.
"""

from __future__ import annotations

from experiments.numbers import (MISSING, clamp, count, difference, interval, money, of, pct, pct_whole, plain,
                                 ratio, stat, unit, value, with_ci, yuan)

__all__ = ["MISSING", "clamp", "count", "difference", "interval", "money", "of", "pct", "pct_whole", "plain",
           "ratio", "stat", "unit", "value", "with_ci", "yuan"]
