"""A robust comparison: the strategies compared across plausible worlds, not one.

A scenario's ``[uncertainties]`` (:class:`sim.scenario.Uncertainty`) say which values its
assumptions could plausibly take. :func:`robust_compare` samples ``worlds`` of them by Latin
hypercube (``scipy.stats.qmc``, seeded from the scenario's root seed, mapped through each
range's inverse CDF), runs every strategy ``replications`` times in every world with
common random numbers (replication ``r`` of every world and strategy draws from stream
``r``, so a difference between strategies in one world is paired, and differences
between worlds come from the assumptions, not from fresh noise), and keeps every run in
the run store: a killed robust comparison resumes where it stopped.

What it reports, per compared metric (:data:`ROBUST_METRICS`): the share of worlds each
strategy wins (Wilson 95 % CI), the distribution of the paired difference (second minus
first) across worlds, each strategy's regret against the best strategy of each world,
the boxes of assumptions where the verdict reverses (:mod:`experiments.flips`), and, for
one metric, what each assumption alone would have to be for the verdict to flip.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from experiments.design import Experiment, Factor, SweepSpec, unit_sample
from experiments.executors import executor as make_executor
from experiments.flips import flip_boxes, scenario_value, what_would_have_to_be_true
from experiments.runs import run_all, stored
from experiments.store import ExperimentStore
from sim.errors import SiyuInputError
from sim.files import write_atomic, write_parquet_atomic
from sim.outcomes import BY_NAME
from sim.resources import require_memory
from sim.scenario import Scenario, get_path
from sim.simulation import to_json

#: metrics a robust comparison reports (those the horizon holds)
ROBUST_METRICS = ("gmv_total", "gmv_30", "gmv_90", "gmv_365", "profit", "retention_90", "pool_final")
#: the metric whose flip point each assumption's bisection looks for, by default
FLIP_METRIC = "gmv_total"


@dataclass
class Robust:
    """The outcome of :func:`robust_compare`: the tidy run table and the analyses."""

    runs: pd.DataFrame = field(repr=False)          # world x strategy x replication, sampled values as columns
    flip_points: pd.DataFrame = field(repr=False)   # the one-at-a-time evaluations behind what_would_have_to_be_true
    summary: dict = field(repr=False)               # what robust.json holds

    def write(self, out: str | Path) -> list[Path]:
        """``robust_runs.parquet``, ``robust_flip_points.parquet``, then ``robust.json``."""
        out = Path(out)
        return [write_parquet_atomic(out / "robust_runs.parquet", self.runs),
                write_parquet_atomic(out / "robust_flip_points.parquet", self.flip_points),
                write_atomic(out / "robust.json", to_json(self.summary))]

    @classmethod
    def load(cls, directory: str | Path) -> "Robust":
        """What :meth:`write` wrote into ``directory``."""
        d = Path(directory)
        return cls(pd.read_parquet(d / "robust_runs.parquet"), pd.read_parquet(d / "robust_flip_points.parquet"),
                   json.loads((d / "robust.json").read_text(encoding="utf-8")))


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float | None, float | None]:
    """Wilson score interval of a share ``k / n`` (sound at 0 and n, unlike the normal one)."""
    if n == 0:
        return None, None
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


#: how worlds are drawn: Latin hypercube (every range cut into ``worlds`` strata, one world
#: in each), or scrambled Sobol (low discrepancy in every projection; best at powers of 2)
SAMPLINGS = ("lhs", "sobol")


def sample_worlds(scenario: Scenario, worlds: int, seed: int, sampling: str = "lhs") -> pd.DataFrame:
    """``worlds`` draws of the scenario's uncertain assumptions (index: point) by
    ``sampling`` (:data:`SAMPLINGS`), each as the world runs it (a whole-number field
    rounded), so the table and the runs agree."""
    paths = list(scenario.uncertainties)
    u = unit_sample(sampling, len(paths), worlds, seed)
    frame = pd.DataFrame({p: scenario.uncertainties[p].ppf(u[:, j]) for j, p in enumerate(paths)})
    frame.index.name = "point"
    return whole_numbers(scenario, frame)


def whole_numbers(scenario: Scenario, points: pd.DataFrame) -> pd.DataFrame:
    """``points`` with the columns of whole-number fields rounded to integers, as a world runs them."""
    plain_world = scenario.world({}).model_dump()
    points = points.copy()
    for p in points.columns:
        current = get_path(plain_world, p)
        if isinstance(current, int) and not isinstance(current, bool):
            points[p] = points[p].round().astype(int)
    return points


def check_robust(scenario: Scenario, worlds: int, flip_metric: str, sampling: str = "lhs") -> None:
    """Refuse, before anything runs, a robust comparison that cannot be made."""
    if sampling not in SAMPLINGS:
        raise SiyuInputError(f"--sampling: expected one of {', '.join(SAMPLINGS)}, got {sampling!r}")
    if not scenario.uncertainties:
        raise SiyuInputError(f"--uncertain: scenario '{scenario.name}' declares no [uncertainties.\"path\"] "
                             "ranges to vary; expected at least one, e.g. [uncertainties.\"category.quality\"] "
                             "low = 0.7, high = 0.95")
    if worlds < 2:
        raise SiyuInputError(f"--uncertain: expected at least 2 worlds, got {worlds}")
    if flip_metric not in ROBUST_METRICS:
        raise SiyuInputError(f"--flip-metric: expected one of {', '.join(ROBUST_METRICS)}, got {flip_metric!r}")


def design(scenario: Scenario, strategies: Sequence[str], replications: int, seed: int, worlds: int,
           sampling: str = "lhs") -> Experiment:
    """The robust comparison as a design: the scenario (without its ranges) as base, one
    uncertainty factor per declared range, ``worlds`` points drawn by ``sampling`` (so the
    design's size is what will run, not a full grid of the ranges), common random numbers
    across worlds."""
    base = scenario.world({})
    plain_world = base.model_dump()
    whole = {p for p in scenario.uncertainties
             if isinstance(get_path(plain_world, p), int) and not isinstance(get_path(plain_world, p), bool)}
    spec = SweepSpec(name=f"{scenario.name} (robust)", strategies=list(strategies), replications=replications,
                     seed=seed, outputs=["gmv_total"], sampling={"method": sampling, "samples": worlds},
                     uncertainties={p: Factor(low=u.low, high=u.high, integer=p in whole)
                                    for p, u in scenario.uncertainties.items()})
    return Experiment(spec, base, f"<{scenario.name}>", resolved=True)


class Evaluator:
    """Runs design points into one store and returns their run summaries (stored runs are reused)."""

    def __init__(self, scenario: Scenario, experiment: Experiment, store: ExperimentStore, ex, progress):
        self.scenario, self.experiment, self.store, self.ex, self.progress = scenario, experiment, store, ex, progress

    def __call__(self, points: pd.DataFrame) -> pd.DataFrame:
        specs = self.experiment.runs(whole_numbers(self.scenario, points))
        run_all(specs, self.store, self.ex, self.progress)
        rows = []
        for spec, run in zip(specs, stored(specs, self.store, tables=False)):
            rows.append({"point": spec.point, "strategy": spec.strategy, "replication": spec.replication}
                        | dict(spec.factors) | {m: run.summary.get(m) for m in ROBUST_METRICS})
        return pd.DataFrame(rows)


def robust_compare(scenario: Scenario | str | Path, strategies: Sequence[str] = ("harvest", "nurture"),
                   worlds: int = 50, replications: int = 2, seed: int | None = None, days: int | None = None,
                   workers: int = 1, store: str | Path | None = None, executor: str = "process",
                   address: str | None = None, flip_metric: str = FLIP_METRIC, flip_steps: int = 4,
                   on_runs_done: Callable[[int], None] | None = None,
                   on_damaged: Callable[[str], None] | None = None, sampling: str = "lhs") -> Robust:
    """Compare ``strategies`` in ``worlds`` plausible worlds (see the module docstring).

    Runs are kept in ``store`` (a directory; a temporary one without it). ``flip_steps``
    bisection steps per assumption look for the value where the ``flip_metric`` verdict flips;
    ``sampling`` says how the worlds are drawn (:data:`SAMPLINGS`)."""
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    check_robust(scenario, worlds, flip_metric, sampling)
    strategies = list(strategies)
    if len(strategies) < 2 or len(set(strategies)) != len(strategies):
        raise SiyuInputError("--strategies: a robust comparison needs at least two different strategies")
    seed = scenario.seed if seed is None else seed
    experiment = design(scenario, strategies, replications, seed, worlds, sampling)
    require_memory(experiment.base, copies=workers)
    points = sample_worlds(scenario, worlds, seed, sampling)
    if store is None:
        with tempfile.TemporaryDirectory(prefix="siyu-robust-") as tmp:
            return _run(scenario, experiment, points, Path(tmp), workers, executor, address, flip_metric, flip_steps,
                        on_runs_done, on_damaged, sampling)
    return _run(scenario, experiment, points, Path(store), workers, executor, address, flip_metric, flip_steps,
                on_runs_done, on_damaged, sampling)


def _run(scenario, experiment, points, root, workers, executor, address, flip_metric, flip_steps, progress,
         on_damaged, sampling) -> Robust:
    with ExperimentStore(root, on_damaged) as store:
        store.begin("robust", experiment, None, len(points) * len(experiment.spec.strategies) *
                    experiment.spec.replications, replace=True)
        with make_executor(executor, workers, address) as ex:
            evaluate = Evaluator(scenario, experiment, store, ex, progress)
            runs = evaluate(points).rename(columns={"point": "world"})
            wwt, flip_points = what_would_have_to_be_true(scenario, evaluate, experiment.spec.strategies,
                                                          flip_metric, flip_steps)
        store.finish(runs_done=len(runs))
    summary = analyse(scenario, experiment.spec.strategies, runs, replications=experiment.spec.replications,
                      seed=experiment.seed, sampling=sampling)
    summary["what_would_have_to_be_true"] = {"metric": flip_metric, "assumptions": wwt}
    return Robust(runs, flip_points, summary)


def per_world(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per world, one column per strategy: the metric's mean over replications."""
    return runs.pivot_table(index="world", columns="strategy", values=metric, aggfunc="mean")


def analyse(scenario: Scenario, strategies: list[str], runs: pd.DataFrame, replications: int, seed: int,
            sampling: str = "lhs") -> dict:
    """What ``robust.json`` holds (see the module docstring)."""
    paths = list(scenario.uncertainties)
    first, second = strategies[0], strategies[1]
    worlds = runs.groupby("world")[paths].first()
    out = {"scenario": scenario.name, "scenario_hash": scenario.hash, "seed": seed, "worlds": len(worlds),
           "replications": replications, "sampling": sampling, "compared": {"first": first, "second": second},
           "uncertainties": {p: scenario.uncertainties[p].model_dump(mode="json") | {"scenario_value": scenario_value(scenario, p)}
                             for p in paths},
           "metrics": {}}
    for m in ROBUST_METRICS:
        if runs[m].isna().all():
            continue  # e.g. gmv_365 on a shorter horizon
        table = per_world(runs, m)[strategies].dropna()
        direction = BY_NAME[m].direction or 1
        score = table * direction
        best = score.max(axis=1)
        wins = score.eq(best, axis=0) & score.ne(score.min(axis=1), axis=0)  # a tie is nobody's win
        n = len(table)
        shares = {}
        for s in strategies:
            k = int(wins[s].sum())
            lo, hi = wilson(k, n)
            shares[s] = {"wins": k, "share": k / n, "ci_low": lo, "ci_high": hi}
        regret = best.to_numpy()[:, None] - score.to_numpy()
        regrets = {}
        for j, s in enumerate(strategies):
            r = np.sort(regret[:, j])
            tail = r[-max(1, int(math.ceil(0.1 * n))):]
            regrets[s] = {"mean": float(r.mean()), "worst10_mean": float(tail.mean()), "max": float(r.max())}
        d = (table[second] - table[first]).to_numpy()
        base = float(table[first].mean())
        q = np.quantile(d, [0.05, 0.5, 0.95])
        diff = {"mean": float(d.mean()), "median": float(q[1]), "q05": float(q[0]), "q95": float(q[2]),
                "share_positive": float((d > 0).mean()),
                "relative_median": float(q[1] / base) if base else None,
                "relative_q05": float(q[0] / base) if base else None,
                "relative_q95": float(q[2] / base) if base else None}
        majority = second if diff["share_positive"] >= 0.5 else first
        out["metrics"][m] = {"win_share": shares, "difference": diff, "regret": regrets, "verdict": majority,
                             "flips": flip_boxes(worlds.loc[table.index], d * direction, first, second, m,
                                                 scenario)}
    return out
