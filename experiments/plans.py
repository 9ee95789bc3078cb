"""Plan against plan: the same strategies on two scenarios, with common random numbers.

"Our current plan against the proposed one" is two scenario files (the second changes a
few assumptions: quality, staffing, channel costs). Each plan is compared as usual
(:func:`experiments.compare.compare`) on the **same root seed**, so replication ``i`` of
every strategy in both plans draws from the same stream ``i``, rule by rule: the paired
difference (second plan minus first) of every compared metric cancels the noise the plans
share. A plan compared with itself gives identical runs and differences of exactly 0.

The statistics (:func:`plan_statistics`) are added to the first plan's ``comparison.json``
under the key ``plans``; the second plan's full comparison is written beside it (``plan_b/``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from experiments.compare import Comparison, compare
from experiments.stats import crossover_day, crossover_summary, paired_difference
from sim import money
from sim.outcomes import COMPARED
from sim.scenario import Scenario

#: fields that name a plan rather than assume anything about the world
NOT_ASSUMPTIONS = ("name", "description", "seed")
#: where the second plan's comparison is kept inside the output directory
SECOND_PLAN_DIR = "plan_b"


def flat_values(scenario: Scenario) -> dict[str, Any]:
    """Every parameter of ``scenario`` by dotted path (the paths ``--set`` and sweep files
    use; list items that have a name by ``[name]``, others by ``[index]``)."""
    out: dict[str, Any] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            named = all("name" in x for x in node) and len({x["name"] for x in node}) == len(node)
            for i, item in enumerate(node):
                walk(item, f"{path}[{item['name'] if named else i}]")
        else:
            out[path] = node

    data = scenario.model_dump(mode="json")
    data.pop("uncertainties", None)
    walk(data, "")
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b) or (math.isnan(float(a)) and math.isnan(float(b)))
    return a == b


def differing_assumptions(first: Scenario, second: Scenario) -> list[dict]:
    """The parameters whose values differ between the plans (a path only one plan has is
    listed with ``None`` for the other), in the first plan's order. Names and the seed are
    left out (both plans run on one seed)."""
    a, b = flat_values(first), flat_values(second)
    paths = list(a) + [p for p in b if p not in a]
    return [{"path": p, "first": a.get(p), "second": b.get(p)}
            for p in paths if p not in NOT_ASSUMPTIONS and not _same(a.get(p), b.get(p))]


def _cumulative_profit(c: Comparison, strategy: str):
    d = c.daily[c.daily["strategy"] == strategy]
    p = money.profit(d["gmv"], c.scenario.category.margin, d["take_paid"], d["acquisition_cost"], d["reward_cost"],
                     d["operating_cost"])
    return d.assign(profit=p).pivot(index="day", columns="replication", values="profit").cumsum()


def plan_statistics(first: Comparison, second: Comparison, labels: tuple[str, str] | None = None) -> dict:
    """What ``comparison.json`` holds under ``plans``: per strategy, the paired difference
    (second plan minus first, replication by replication) of every compared metric with its
    95 % CI and p-value, the day the second plan's cumulative profit overtakes the first's
    for good (mean and CI over the replications that do), and the assumptions that differ."""
    labels = labels or (first.scenario.name, second.scenario.name)
    strategies = [s for s in first.strategies if s in second.strategies]
    out: dict = {
        "first": {"label": labels[0], "scenario": first.scenario.name, "scenario_hash": first.scenario.hash},
        "second": {"label": labels[1], "scenario": second.scenario.name, "scenario_hash": second.scenario.hash},
        "strategies": strategies, "seed": first.seed, "replications": first.replications,
        "difference": {}, "payback_day": {}, "payback_days": {},
        "assumptions": differing_assumptions(first.scenario, second.scenario),
    }
    for s in strategies:
        a = first.runs[first.runs["strategy"] == s].sort_values("replication")
        b = second.runs[second.runs["strategy"] == s].sort_values("replication")
        out["difference"][s] = {m: paired_difference(a[m].tolist(), b[m].tolist()) for m in COMPARED}
        pa, pb = _cumulative_profit(first, s), _cumulative_profit(second, s)
        days = [crossover_day(pa[r].to_numpy(), pb[r].to_numpy()) for r in range(first.replications)]
        out["payback_day"][s] = crossover_summary(days)
        out["payback_days"][s] = days
    return out


@dataclass
class PlanComparison:
    """Two plans compared: each plan's own comparison and the statistics between them."""

    first: Comparison
    second: Comparison
    summary: dict   # what comparison.json holds under ``plans``


def compare_plans(first: Scenario | str | Path, second: Scenario | str | Path,
                  strategies: Sequence[str] = ("harvest", "nurture"), replications: int = 20,
                  seed: int | None = None, days: int | None = None, store: str | Path | None = None,
                  labels: tuple[str, str] | None = None,
                  on_run_done: Callable[[], None] | None = None, **kwargs) -> PlanComparison:
    """Run ``strategies`` on both plans with common random numbers and compare them.

    Both plans run on one root seed: ``seed``, else the first plan's. Runs are kept in
    the run store at ``store`` (the first plan) and ``store/plan_b`` (the second), so an
    interrupted comparison resumes. Other keyword arguments go to
    :func:`experiments.compare.compare` (``workers``, ``check``, ``executor``, ...).
    The first plan's summary gains the key ``plans``.
    """
    first = first if isinstance(first, Scenario) else Scenario.from_toml(first)
    second = second if isinstance(second, Scenario) else Scenario.from_toml(second)
    seed = first.seed if seed is None else seed
    a = compare(first, strategies, replications, seed=seed, days=days, store=store, on_run_done=on_run_done, **kwargs)
    b = compare(second, strategies, replications, seed=seed, days=days, on_run_done=on_run_done,
                store=None if store is None else Path(store) / SECOND_PLAN_DIR, **kwargs)
    summary = plan_statistics(a, b, labels)
    a.summary["plans"] = summary
    return PlanComparison(a, b, summary)
