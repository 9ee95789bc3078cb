"""Where the verdict reverses: scenario discovery over sampled worlds, and the value each
assumption alone would have to take.

:func:`flip_boxes` fits a shallow classification tree (CART, scikit-learn) on the sampled
assumptions to "the minority strategy wins this world" and reads each leaf where the
minority wins as a box of assumptions, with its coverage (share of all reversed worlds
inside the box) and density (share of worlds inside the box that are reversed), the two
measures PRIM reports. A tree's leaves are boxes by construction, and its thresholds are
midpoints between sampled worlds, so a box edge is as sharp as the sampling allows.

:func:`what_would_have_to_be_true` moves one assumption at a time (the others at the
scenario's values), evaluates both ends of its range and the scenario value with common
random numbers, and bisects every bracket where the verdict changes sign. The flip value
is the linear root inside the last bracket; its CI runs to the nearest evaluated points,
on each side, whose paired difference's 95 % t-interval excludes zero (the range end if
none does), never narrower than the last bracket.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.tree import DecisionTreeClassifier

from sim.outcomes import BY_NAME
from sim.scenario import Levers, Scenario, get_path

#: at most this many boxes per metric, by coverage
MAX_BOXES = 3
#: a box is reported when most of its worlds are reversed
MIN_DENSITY = 0.5


def scenario_value(scenario: Scenario, path: str) -> float | None:
    """The value the scenario itself gives ``path``; an unwritten lever of one strategy
    reads ``[strategy.levers.all]``, then the lever's default (strategy presets aside)."""
    data = scenario.world({}).model_dump()
    v = get_path(data, path)
    parts = path.split(".")
    if v is None and parts[:2] == ["strategy", "levers"] and len(parts) == 4:
        v = get_path(data, f"strategy.levers.all.{parts[3]}")
        if v is None and parts[3] in Levers.model_fields:
            v = Levers.model_fields[parts[3]].default
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def flip_boxes(worlds: pd.DataFrame, better: np.ndarray, first: str, second: str, metric: str,
               scenario: Scenario) -> dict:
    """Boxes of assumptions where the minority strategy wins. ``better`` is, per world, how
    much better ``second`` did than ``first`` (positive: second wins)."""
    wins_second = better > 0
    majority_second = wins_second.mean() >= 0.5
    reversed_ = wins_second != majority_second
    majority, minority = (second, first) if majority_second else (first, second)
    out = {"majority": majority, "minority": minority, "reversed_worlds": int(reversed_.sum()),
           "worlds": int(len(better)), "boxes": []}
    if reversed_.sum() == 0 or reversed_.all():
        return out
    x = worlds.to_numpy(float)
    n = len(x)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(2, n // 20), random_state=0).fit(x, reversed_)
    t = tree.tree_
    boxes = []

    def walk(node: int, box: dict[str, list[float]]) -> None:
        if t.children_left[node] == -1:
            inside = np.ones(n, bool)
            for p, (lo, hi) in box.items():
                col = worlds[p].to_numpy(float)
                inside &= (col > lo) & (col <= hi)
            hit = int((inside & reversed_).sum())
            if inside.sum() and hit / inside.sum() > MIN_DENSITY:
                limits = [{"path": p, "low": None if math.isinf(lo) else float(lo),
                           "high": None if math.isinf(hi) else float(hi)} for p, (lo, hi) in box.items()
                          if not (math.isinf(lo) and math.isinf(hi))]
                boxes.append({"limits": limits, "coverage": hit / int(reversed_.sum()),
                              "density": hit / int(inside.sum()), "worlds": int(inside.sum())})
            return
        p, cut = worlds.columns[t.feature[node]], float(t.threshold[node])
        lo, hi = box.get(p, [-math.inf, math.inf])
        walk(t.children_left[node], box | {p: [lo, min(hi, cut)]})
        walk(t.children_right[node], box | {p: [max(lo, cut), hi]})

    walk(0, {})
    out["boxes"] = sorted(boxes, key=lambda b: (-b["coverage"], -b["density"]))[:MAX_BOXES]
    return out


def _signed(rows: pd.DataFrame, strategies: list[str], metric: str, direction: int) -> tuple[float, float, int]:
    """Mean and standard error over replications of (second - first) x direction."""
    wide = rows.pivot_table(index="replication", columns="strategy", values=metric, aggfunc="mean")
    d = ((wide[strategies[1]] - wide[strategies[0]]) * direction).to_numpy(float)
    se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else math.nan
    return float(d.mean()), se, int(d.size)


def what_would_have_to_be_true(scenario: Scenario, evaluate: Callable[[pd.DataFrame], pd.DataFrame],
                               strategies: list[str], metric: str, steps: int) -> tuple[list[dict], pd.DataFrame]:
    """Per uncertain assumption: where the verdict on ``metric`` flips, one at a time."""
    direction = BY_NAME[metric].direction or 1
    paths = list(scenario.uncertainties)
    base = {p: scenario_value(scenario, p) for p in paths}
    usable = [p for p in paths if base[p] is not None]
    evaluated: dict[str, list[tuple[float, float, float, int]]] = {p: [] for p in usable}
    frames = []

    def run(asks: list[tuple[str, float]]) -> None:
        rows = [{q: (x if q == p else base[q]) for q in usable} for p, x in asks]
        offset = sum(len(f["point"].unique()) for f in frames)  # evaluation ids run on across batches
        points = pd.DataFrame(rows, columns=usable, index=pd.RangeIndex(offset, offset + len(rows), name="point"))
        table = evaluate(points)
        for i, (p, x) in enumerate(asks):
            m, se, k = _signed(table[table["point"] == offset + i], strategies, metric, direction)
            evaluated[p].append((x, m, se, k))
        frames.append(table.assign(assumption=[asks[i - offset][0] for i in table["point"]]))

    run([(p, x) for p in usable for x in (scenario.uncertainties[p].low, base[p], scenario.uncertainties[p].high)])
    at_base = {p: evaluated[p][1][1] for p in usable}
    brackets = {}
    for p in usable:
        (lo, dlo, *_), (b, db, *_), (hi, dhi, *_) = evaluated[p][:3]
        brackets[p] = [(a, c) for a, c, da, dc in ((lo, b, dlo, db), (b, hi, db, dhi)) if (da > 0) != (dc > 0)]
    for _ in range(steps):
        asks = [(p, (a + c) / 2) for p in usable for a, c in brackets[p]]
        if not asks:
            break
        run(asks)
        for p in usable:
            new = []
            for a, c in brackets[p]:
                mid = (a + c) / 2
                dm = next(m for x, m, *_ in reversed(evaluated[p]) if x == mid)
                da = next(m for x, m, *_ in evaluated[p] if x == a)
                new.append((a, mid) if (da > 0) != (dm > 0) else (mid, c))
            brackets[p] = new
    result = []
    for p in paths:
        u = scenario.uncertainties[p]
        row = {"path": p, "scenario_value": base[p], "low": u.low, "high": u.high, "source": u.source,
               "flips": [], "winner_at_scenario": None}
        if p in usable:
            row["winner_at_scenario"] = strategies[1] if at_base[p] > 0 else strategies[0]
            for a, c in brackets[p]:
                row["flips"].append(_root(evaluated[p], a, c, u.low, u.high))
        result.append(row)
    flip_points = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return result, flip_points


def _root(points: list[tuple[float, float, float, int]], a: float, c: float, low: float, high: float) -> dict:
    """The linear root of the mean difference inside [a, c] and its CI (see the module docstring)."""
    by_x = {x: (m, se, k) for x, m, se, k in points}
    (ma, *_), (mc, *_) = by_x[a], by_x[c]
    root = a + (c - a) * (ma / (ma - mc)) if ma != mc else (a + c) / 2

    def excludes_zero(x: float) -> bool:
        m, se, k = by_x[x]
        if k < 2 or not math.isfinite(se):
            return True  # one replication: no interval, only the bracket bounds the flip
        half = float(stats.t.ppf(0.975, k - 1)) * se
        return abs(m) > half

    xs = sorted(by_x)
    left = [x for x in xs if x <= min(a, c) and excludes_zero(x)]
    right = [x for x in xs if x >= max(a, c) and excludes_zero(x)]
    lo = max(left) if left else low
    hi = min(right) if right else high
    return {"value": float(root), "ci_low": float(min(lo, a, c)), "ci_high": float(max(hi, a, c)),
            "bracket": [float(min(a, c)), float(max(a, c))]}
