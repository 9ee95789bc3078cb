"""The Python API of one run: :func:`simulate` returns a :class:`Result`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from agents.strategy import Strategy
from sim.metrics import cohort_retention, retention_curve, summarize
from sim.model import DAILY_COLUMNS, PoolModel, seed_sequence
from sim.scenario import Scenario


@dataclass
class Result:
    """One run: ``daily`` (a row per day), ``summary`` (headline metrics with the run's
    identity: scenario, hash, strategy, seed, version) and the cohort ``retention`` curve."""

    scenario: Scenario
    strategy: str
    seed: int
    replication: int | None
    daily: pd.DataFrame
    summary: dict
    retention: pd.DataFrame = field(repr=False)
    cohorts: pd.DataFrame | None = field(default=None, repr=False)  # retention by join month (report heatmap)

    def write(self, out: str | Path) -> list[Path]:
        """Write ``summary.json`` and ``daily.parquet`` into ``out`` (atomically)."""
        from sim.files import write_atomic, write_parquet_atomic

        out = Path(out)
        return [
            write_atomic(out / "summary.json", to_json(self.summary)),
            write_parquet_atomic(out / "daily.parquet", self.daily),
        ]


def to_json(data: object) -> str:
    """Stable, readable JSON (sorted nowhere: key order is the contract's order)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def identity(scenario: Scenario, strategy: str, seed: int, replication: int | None) -> dict:
    """What makes a run reproducible: the scenario, its hash, strategy, seed, version."""
    from sim import __version__

    out = {
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "strategy": strategy,
        "seed": seed,
    }
    if replication is not None:
        out["replication"] = replication
    out.update({"days": scenario.days, "version": __version__})
    return out


def simulate(scenario: Scenario | str | Path, strategy: Strategy | str | None = None,
             seed: int | None = None, replication: int | None = None, days: int | None = None,
             check: bool | None = None) -> Result:
    """Run one scenario under one strategy.

    ``seed`` defaults to the scenario's; ``replication`` picks the ``i``-th independent
    stream of that seed (what :func:`sim.compare` uses, shared across strategies).
    ``check=True`` asserts the model invariants after every day (:mod:`sim.invariants`;
    default: on when the environment has ``SIYU_CHECK=1``).
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    seed = scenario.seed if seed is None else int(seed)
    model = PoolModel(scenario, strategy, seed_sequence(seed, replication), check=check)
    model.run()
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    daily = daily[list(DAILY_COLUMNS)].astype({c: "int64" for c in DAILY_COLUMNS if c not in _FLOAT_COLUMNS})
    name = model.strategy.name or type(model.strategy).__name__
    summary = identity(scenario, name, seed, replication) | summarize(model, daily)
    return Result(scenario=scenario, strategy=name, seed=seed, replication=replication, daily=daily,
                  summary=summary, retention=retention_curve(model.population, scenario.days),
                  cohorts=cohort_retention(model.population, scenario.days))


_FLOAT_COLUMNS = {"gmv_private", "gmv_public", "gmv", "take_paid", "acquisition_cost", "reward_cost",
                  "mean_wait_minutes", "p90_wait_minutes", "staff_cost", "operating_cost", "group_chatter",
                  "mean_trust", "mean_fatigue", "trust_p10", "trust_p50", "trust_p90",
                  "fatigue_p10", "fatigue_p50", "fatigue_p90"}

