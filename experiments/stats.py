"""Honest uncertainty for replications: t-intervals, paired differences, crossover days."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def _measured(x) -> bool:
    """A value a replication measured: not None, and not NaN (None once it sits in a table)."""
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _clean(values) -> np.ndarray:
    return np.array([v for v in values if _measured(v)], float)


def mean_ci(values, level: float = 0.95) -> dict:
    """Mean and a Student-t confidence interval over replications (``None`` if no values)."""
    x = _clean(values)
    if x.size == 0:
        return {"mean": None, "ci_low": None, "ci_high": None}
    m = float(x.mean())
    if x.size < 2:
        return {"mean": m, "ci_low": m, "ci_high": m}
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return {"mean": m, "ci_low": m - half, "ci_high": m + half}


def paired_difference(first, second, level: float = 0.95) -> dict:
    """``second - first`` per replication (they share seeds): mean, t-interval, paired t-test p."""
    pairs = [(a, b) for a, b in zip(first, second) if _measured(a) and _measured(b)]
    if not pairs:
        return {"mean": None, "ci_low": None, "ci_high": None, "p_value": None}
    d = np.array([b - a for a, b in pairs], float)
    out = mean_ci(d, level)
    if d.size < 2:
        p = None
    elif np.all(d == d[0]):  # no spread: the difference is exact
        p = 1.0 if d[0] == 0 else 0.0
    else:
        p = float(stats.ttest_1samp(d, 0.0).pvalue)
    return out | {"p_value": p}


def crossover_day(first_cum: np.ndarray, second_cum: np.ndarray) -> int | None:
    """First day (1-based) from which ``second`` stays strictly above ``first`` to the end;
    ``None`` if it never does (or is not ahead on the last day)."""
    ahead = np.asarray(second_cum) > np.asarray(first_cum)
    if ahead.size == 0 or not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(behind[-1] + 2) if behind.size else 1


def crossover_summary(days: list[int | None], level: float = 0.95) -> dict:
    """Mean crossover day with CI over the replications that crossed, and the share that did."""
    crossed = [d for d in days if d is not None]
    out = mean_ci(crossed, level)
    return out | {"share_crossed": (len(crossed) / len(days)) if days else None}
