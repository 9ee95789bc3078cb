"""Strategies side by side: replications with common random numbers, then statistics.

A comparison is a design with one point (:func:`experiments.design.single_point`): every
strategy runs ``replications`` times, replication ``i`` of every strategy on the same
seed stream ``i`` (see :func:`sim.model.seed_sequence`), so differences are paired: the
noise that the strategies share cancels, and the confidence intervals of the difference
are narrower than those of either strategy alone. Runs go through the run store like
every experiment's (:mod:`experiments.runs`), so an interrupted comparison resumes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from agents.strategy import lever_sheet
from experiments.design import single_point
from experiments.executors import executor as make_executor
from experiments.robust import FLIP_METRIC, Robust, check_robust, robust_compare
from experiments.runs import run_all, stored
from experiments.stats import crossover_day, crossover_summary, mean_ci, paired_difference
from experiments.store import ExperimentStore
from sim import money
from sim.errors import SiyuInputError
from sim.files import write_atomic, write_parquet_atomic
from sim.outcomes import COMPARED
from sim.resources import require_memory
from sim.scenario import Scenario
from sim.simulation import identity, to_json

#: files a finished comparison directory holds (comparison.json last: its presence says it is complete)
DATA_FILES = ("daily.parquet", "runs.parquet", "retention.parquet", "cohorts.parquet", "scenario.json",
              "scenario.toml", "comparison.json")


@dataclass
class Comparison:
    """The outcome of :func:`compare`: per-run tables and the statistics between strategies."""

    scenario: Scenario
    strategies: list[str]
    replications: int
    seed: int
    runs: pd.DataFrame = field(repr=False)       # one row per (strategy, replication): the run summaries
    daily: pd.DataFrame = field(repr=False)      # daily rows of every run, with strategy and replication
    retention: pd.DataFrame = field(repr=False)  # cohort retention curve of every run
    summary: dict = field(repr=False)            # what comparison.json holds
    cohorts: pd.DataFrame | None = field(default=None, repr=False)  # retention by join month of every run
    robust: Robust | None = field(default=None, repr=False)  # across plausible worlds (compare(..., uncertain=N))

    def cumulative_gmv(self) -> pd.DataFrame:
        """Cumulative GMV per day: one column per (strategy, replication)."""
        d = self.daily.assign(cum_gmv=self.daily.groupby(["strategy", "replication"])["gmv"].cumsum())
        return d.pivot_table(index="day", columns=["strategy", "replication"], values="cum_gmv")

    def write(self, out: str | Path, extra: dict[str, str | bytes] | None = None) -> list[Path]:
        """Write the comparison's data: ``daily.parquet``, ``runs.parquet``,
        ``retention.parquet``, ``cohorts.parquet``, ``scenario.json`` (and ``scenario.toml``,
        the file it was read from), the ``extra`` files (name -> text or bytes, e.g. the report),
        then ``comparison.json`` last. ``siyu report DIR`` rebuilds the report from them
        (:func:`reports.loading.load_comparison`)."""
        out = Path(out)
        written = [
            write_parquet_atomic(out / "daily.parquet", self.daily),
            write_parquet_atomic(out / "runs.parquet", self.runs),
            write_parquet_atomic(out / "retention.parquet", self.retention),
        ]
        if self.cohorts is not None:
            written.append(write_parquet_atomic(out / "cohorts.parquet", self.cohorts))
        written.append(write_atomic(out / "scenario.json", self.scenario.model_dump_json(indent=2) + "\n"))
        if self.scenario._source_text is not None:
            written.append(write_atomic(out / "scenario.toml", self.scenario._source_text))
        if self.robust is not None:
            written.extend(self.robust.write(out))
        for name, text in (extra or {}).items():
            written.append(write_atomic(out / name, text))
        written.append(write_atomic(out / "comparison.json", to_json(self.summary)))
        return written


def compare(scenario: Scenario | str | Path, strategies: Sequence[str] = ("harvest", "nurture"),
            replications: int = 20, seed: int | None = None, days: int | None = None,
            workers: int = 1, on_run_done: Callable[[], None] | None = None,
            store: str | Path | None = None, check: bool | None = None, executor: str = "process",
            address: str | None = None, on_damaged: Callable[[str], None] | None = None,
            uncertain: int = 0, flip_metric: str = FLIP_METRIC, flip_steps: int = 4,
            on_robust_runs_done: Callable[[int], None] | None = None, sampling: str = "lhs",
            outlook: int = 0) -> Comparison:
    """Run each strategy ``replications`` times on shared seeds and compare them.

    Runs are kept in the run store at ``store`` (a directory: ``OUT`` for ``siyu compare
    --out OUT``, which holds ``OUT/manifest.json`` and ``OUT/runs``); runs already there are
    not run again, so an interrupted comparison resumes. Without ``store`` they go to a
    temporary directory. ``check`` asserts the model invariants every day.

    ``uncertain=N`` also compares the strategies in ``N`` plausible worlds sampled from the
    scenario's ``[uncertainties]`` (:func:`experiments.robust.robust_compare`, ``replications``
    runs per world and strategy, stored under ``store/robust``; worlds drawn by ``sampling``,
    ``"lhs"`` or ``"sobol"``); the result is ``.robust``.

    ``outlook=N`` > 0 fills every run's ``outlook_active_90`` and ``outlook_purchases_90``
    from ``N`` forward simulations of the pool's next 90 days (:mod:`sim.outlook`), so the
    comparison gives them per strategy with CIs; without it they are null (no extra cost).

    ``difference`` and ``crossover_day`` in the summary are for the second strategy
    minus (overtaking) the first.
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    strategies = list(strategies)
    if replications < 2:
        raise SiyuInputError(f"--replications: at least 2 (a confidence interval needs two), got {replications}")
    if len(strategies) < 2:
        raise SiyuInputError("--strategies: compare needs at least two strategies, e.g. harvest,nurture")
    if len(set(strategies)) != len(strategies):
        raise SiyuInputError(f"--strategies: each strategy once, got {', '.join(strategies)}")
    if uncertain:
        check_robust(scenario, uncertain, flip_metric, sampling)
    experiment = single_point(scenario, strategies, replications, seed)
    experiment.check = check
    experiment.outlook_paths = outlook
    specs = experiment.runs()
    require_memory(scenario, copies=min(workers, len(specs)))
    with tempfile.TemporaryDirectory(prefix="siyu-compare-") as tmp:
        root = Path(tmp) if store is None else Path(store)
        c = _run(experiment, specs, root, workers, executor, address, on_run_done, on_damaged)
        if uncertain:
            c.robust = robust_compare(scenario, strategies, worlds=uncertain, replications=replications, seed=seed,
                                      workers=workers, store=root / "robust", executor=executor, address=address,
                                      flip_metric=flip_metric, flip_steps=flip_steps,
                                      on_runs_done=on_robust_runs_done, on_damaged=on_damaged, sampling=sampling)
        return c


def _run(experiment, specs, root: Path, workers, executor, address, on_run_done, on_damaged) -> Comparison:
    progress = (lambda n: [on_run_done() for _ in range(n)]) if on_run_done else None
    with ExperimentStore(root, on_damaged) as store:
        store.begin("comparison", experiment, None, len(specs), replace=True)
        with make_executor(executor, workers, address) as ex:
            run_all(specs, store, ex, progress)
        runs = stored(specs, store)
        store.finish(runs_done=len(specs))
    scenario, strategies = experiment.base, list(experiment.spec.strategies)
    summaries, dailies, curves, cohorts = [], [], [], []
    for spec, run in zip(specs, runs):
        summary = {k: v for k, v in run.summary.items() if k != "contribution"}  # summary.json's keys
        summaries.append(summary)
        tag = {"strategy": spec.strategy, "replication": spec.replication}
        dailies.append(run.tables["daily"].assign(**tag))
        curves.append(run.tables["retention"].assign(**tag))
        cohorts.append(run.tables["cohorts"].assign(**tag))
    runs_table = pd.DataFrame(summaries)
    daily = pd.concat(dailies, ignore_index=True)
    summary = statistics(scenario, strategies, experiment.spec.replications, experiment.seed, runs_table, daily)
    return Comparison(scenario, strategies, experiment.spec.replications, experiment.seed, runs_table, daily,
                      pd.concat(curves, ignore_index=True), summary, cohorts=pd.concat(cohorts, ignore_index=True))


def statistics(scenario, strategies, replications, seed, runs, daily) -> dict:
    """What ``comparison.json`` holds: per strategy the mean and CI of every compared metric
    (:data:`sim.outcomes.COMPARED`), the paired difference of the second strategy minus the
    first, the day the second overtakes the first on cumulative GMV (and on cumulative
    profit: ``payback_day``), per strategy the customer value by channel with CIs, and the
    levers each strategy ran with (``strategy_levers``: preset, scenario-file overrides, the result)."""
    ident = identity(scenario, strategies[0], seed, None)
    out = {k: ident[k] for k in ("scenario", "scenario_hash")}
    out |= {"replications": replications, "seed": seed, "days": scenario.days, "version": ident["version"]}
    per = {s: runs[runs["strategy"] == s].sort_values("replication") for s in strategies}
    out["strategies"] = {
        s: {m: mean_ci(per[s][m].tolist()) for m in COMPARED} for s in strategies}
    first, second = strategies[0], strategies[1]
    out["difference"] = {
        m: paired_difference(per[first][m].tolist(), per[second][m].tolist()) for m in COMPARED}
    cum = {s: daily[daily["strategy"] == s].pivot(index="day", columns="replication", values="gmv").cumsum()
           for s in (first, second)}
    days = [crossover_day(cum[first][r].to_numpy(), cum[second][r].to_numpy()) for r in range(replications)]
    out["crossover_day"] = crossover_summary(days)
    out["crossover_days"] = days
    out["compared"] = {"first": first, "second": second}
    out["strategy_levers"] = {s: lever_sheet(scenario, s) for s in strategies}
    margin = scenario.category.margin
    profit = {s: daily[daily["strategy"] == s].assign(
        profit=lambda d: money.profit(d["gmv"], margin, d["take_paid"], d["acquisition_cost"], d["reward_cost"],
                                      d["operating_cost"])).pivot(index="day", columns="replication", values="profit")
        .cumsum() for s in (first, second)}
    paid = [crossover_day(profit[first][r].to_numpy(), profit[second][r].to_numpy()) for r in range(replications)]
    out["payback_day"] = crossover_summary(paid)  # the second's cumulative profit overtakes the first's for good
    if "by_channel" in runs:
        out["by_channel"] = {s: channel_statistics(per[s]["by_channel"].tolist()) for s in strategies}
    return out


def channel_statistics(rows: list) -> dict:
    """Customer value by acquisition channel over replications: per channel, the mean and
    95 % CI of each figure of a run's ``by_channel`` (:mod:`sim.customer_value`)."""
    channels: dict[str, dict[str, list]] = {}
    for row in rows:
        for name, figures in (row or {}).items():
            for key, value in (figures or {}).items():
                channels.setdefault(name, {}).setdefault(key, []).append(value)
    return {name: {key: mean_ci(values) for key, values in figures.items()} for name, figures in channels.items()}
