"""Strategies side by side: replications with common random numbers, then statistics.

Replication ``i`` of every strategy runs on the same seed stream ``i`` (see
:func:`sim.model.seed_sequence`), so differences are paired: the noise that the
strategies share cancels, and the confidence intervals of the difference are narrower
than those of either strategy alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from experiments.executors import map_runs
from experiments.runstore import stored_run
from experiments.stats import crossover_day, crossover_summary, mean_ci, paired_difference
from sim.api import identity, simulate, to_json
from sim.scenario import Scenario

#: summary metrics compared (with CIs) in ``comparison.json``
COMPARED = (
    "gmv_total", "gmv_private", "gmv_public", "gmv_30", "gmv_90", "gmv_180", "gmv_365",
    "orders", "customers_acquired", "acquisition_cost", "pool_final", "active_final",
    "retention_30", "retention_90", "retention_180", "retention_365", "monthly_churn",
    "repurchase_rate", "referrals", "top20_gmv_share", "mutes", "deletes", "bans", "lost_to_bans",
    "inquiries", "answered_share", "mean_wait_minutes", "p90_wait_minutes", "followups",
    "staff_cost", "operating_cost", "profit", "roi", "referrers",
)


def run_one(scenario_json: str, strategy: str, seed: int, replication: int,
            check: bool | None = None) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One replication, from plain arguments (so any executor can ship it to a worker)."""
    scenario = Scenario.model_validate_json(scenario_json)
    result = simulate(scenario, strategy, seed=seed, replication=replication, check=check)
    return result.summary, result.daily, result.retention, result.cohorts


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

    def cumulative_gmv(self) -> pd.DataFrame:
        """Cumulative GMV per day: one column per (strategy, replication)."""
        d = self.daily.assign(cum_gmv=self.daily.groupby(["strategy", "replication"])["gmv"].cumsum())
        return d.pivot_table(index="day", columns=["strategy", "replication"], values="cum_gmv")

    @property
    def figures(self):
        """Plotly figures of this comparison, one method per report chart."""
        from reports.figures import ComparisonFigures

        return ComparisonFigures(self)

    def write(self, out: str | Path, report: bool = True) -> list[Path]:
        """Write ``comparison.json``, ``daily.parquet``, ``runs.parquet`` and ``report.html``."""
        from sim.files import write_atomic, write_parquet_atomic

        out = Path(out)
        written = [
            write_parquet_atomic(out / "daily.parquet", self.daily),
            write_parquet_atomic(out / "runs.parquet", self.runs),
            write_parquet_atomic(out / "retention.parquet", self.retention),
        ]
        # what `siyu report DIR` needs to rebuild the page (reports.loading.load_comparison)
        if self.cohorts is not None:
            written.append(write_parquet_atomic(out / "cohorts.parquet", self.cohorts))
        written.append(write_atomic(out / "scenario.json", self.scenario.model_dump_json(indent=2) + "\n"))
        if self.scenario._source_text is not None:
            written.append(write_atomic(out / "scenario.toml", self.scenario._source_text))
        if report:
            from reports.compare_report import render_comparison

            written.append(write_atomic(out / "report.html", render_comparison(self)))
        # comparison.json last: its presence says the directory is complete
        written.append(write_atomic(out / "comparison.json", to_json(self.summary)))
        return written


def compare(scenario: Scenario | str | Path, strategies: Sequence[str] = ("harvest", "nurture"),
            replications: int = 20, seed: int | None = None, days: int | None = None,
            workers: int = 1, on_run_done: Callable[[], None] | None = None,
            store: str | Path | None = None, check: bool | None = None) -> Comparison:
    """Run each strategy ``replications`` times on shared seeds and compare them.

    With ``store`` (a directory), every finished run is saved there at once and runs
    already there are not run again (:mod:`experiments.runstore`): an interrupted
    comparison resumes. ``check`` asserts the model invariants every day (:mod:`sim.invariants`).

    ``difference`` and ``crossover_day`` in the summary are for the second strategy
    minus (overtaking) the first.
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    strategies = list(strategies)
    if len(strategies) < 2:
        from sim.errors import SiyuInputError

        raise SiyuInputError("compare needs at least two strategies, e.g. harvest,nurture")
    seed = scenario.seed if seed is None else int(seed)
    payload = scenario.model_dump_json()
    tasks = [(payload, s, seed, r) for s in strategies for r in range(replications)]
    scenario.check_memory(copies=min(workers, len(tasks)))
    fn = functools.partial(run_one, check=check)
    if store is not None:
        fn = functools.partial(stored_run, str(store), fn)
    outputs = map_runs(fn, tasks, workers=workers, on_done=on_run_done)

    summaries, dailies, curves, cohorts = [], [], [], []
    for (_, strategy, _, rep), (summary, daily, curve, cohort) in zip(tasks, outputs):
        summaries.append(summary)
        dailies.append(daily.assign(strategy=strategy, replication=rep))
        curves.append(curve.assign(strategy=strategy, replication=rep))
        cohorts.append(cohort.assign(strategy=strategy, replication=rep))
    runs = pd.DataFrame(summaries)
    daily = pd.concat(dailies, ignore_index=True)
    retention = pd.concat(curves, ignore_index=True)
    summary = _statistics(scenario, strategies, replications, seed, runs, daily)
    return Comparison(scenario, strategies, replications, seed, runs, daily, retention, summary,
                      cohorts=pd.concat(cohorts, ignore_index=True))


def _statistics(scenario, strategies, replications, seed, runs, daily) -> dict:
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
    return out

