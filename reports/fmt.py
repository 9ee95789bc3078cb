"""Numbers as a reader expects them: yuan in k/M (English) or 万/亿 (Chinese), shares as %.

The one implementation lives in :mod:`experiments.numbers` (the lowest layer that prints
numbers: sweeps describe their peaks in sentences); the reports use it through here.
"""

from __future__ import annotations

from experiments.numbers import (MISSING, clamp, count, difference, interval, money, of, pct, pct_whole, plain,
                                 ratio, stat, unit, value, with_ci, yuan)

__all__ = ["MISSING", "clamp", "count", "difference", "interval", "money", "of", "pct", "pct_whole", "plain",
           "ratio", "stat", "unit", "value", "with_ci", "yuan", "money_tick"]


def money_tick(x: float, lang: str = "en") -> str:
    """A yuan amount as an axis tick: the units of :func:`money` (万/亿, k/M) without trailing
    zeros, so round ticks read ``150万``, ``2.5亿``, ``500k``."""
    big, small, units = (1e8, 1e4, ("亿", "万")) if lang == "zh" else (1e6, 1e3, ("M", "k"))
    for scale, suffix in zip((big, small), units):
        if abs(x) >= scale:
            return f"{x / scale:,.6g}{suffix}"
    return f"{x:,.6g}"
