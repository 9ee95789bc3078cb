"""One run of the engine: :func:`run` returns a :class:`Result`.

``run`` takes a strategy *object* (:class:`sim.policy.Policy`); ``siyu.simulate`` (and
:func:`agents.simulate`) also take a strategy's name and the scenario file's default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.files import write_atomic, write_parquet_atomic
from sim.metrics import cohort_retention, retention_curve, summarize
from sim.model import PoolModel, seed_sequence
from sim.outcomes import DAILY_COLUMNS, daily_dtypes
from sim.population import (DEAL_SEEKER, NEVER, SOURCE_ARRIVAL, SOURCE_INITIAL, SOURCE_REFERRAL, STATE_NAMES,
                            Population)
from sim import state
from sim.outlook import member_outlook
from sim.resources import require_memory
from sim.scenario import Scenario
from sim.warm_start import HistoryEnd, MeasuredPool, Phased, with_history


#: days ahead of each customer's outlook (``p_active_90``, ``expected_purchases_90``)
OUTLOOK_DAYS = 90


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
    customers: pd.DataFrame | None = field(default=None, repr=False)  # one row per customer (customers_table)

    def write(self, out: str | Path) -> list[Path]:
        """Write ``daily.parquet`` and ``summary.json`` into ``out`` (atomically), the
        summary last: its presence says the result is complete."""
        out = Path(out)
        daily = write_parquet_atomic(out / "daily.parquet", self.daily)
        return [write_atomic(out / "summary.json", to_json(self.summary)), daily]


def to_json(data: object) -> str:
    """Stable, readable JSON (sorted nowhere: key order is the contract's order)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def identity(scenario: Scenario, strategy: str, seed: int, replication: int | None) -> dict:
    """What makes a run reproducible: the scenario, its hash, strategy, seed, version."""
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


def customers_table(pop: Population, scenario: Scenario) -> pd.DataFrame:
    """Everyone who ever joined the pool, one row each (``Result.customers``):

    ``id`` (the row), ``state`` (active, muted, lost or banned at the end), ``source`` (how
    they last joined: a public channel's name, ``initial`` pool, ``referral`` or
    ``arrival``), ``persona_fit`` (False for deal-seekers), ``joined_day`` and ``left_day``
    (first joining and first leaving, 0-based; missing if never), ``orders``, ``spend``
    (yuan, all channels), ``last_purchase_day`` (missing if never), ``trust`` and ``fatigue``
    at the end, ``group_joined_day`` and ``group_left_day`` (her first stay in a group chat;
    missing if none, or still going) and ``group_quit`` (that stay ended by her quitting, not
    by a ban: :mod:`sim.rules.groups`)."""
    channels = {i: c.name for i, c in enumerate(scenario.public_channels)}
    channels |= {SOURCE_INITIAL: "initial", SOURCE_REFERRAL: "referral", SOURCE_ARRIVAL: "arrival"}

    def day(values: np.ndarray) -> pd.Series:
        return pd.Series(values.astype(np.int64)).where(values != NEVER).astype("Int64")

    return pd.DataFrame({
        "id": np.arange(pop.size),
        "state": pd.Categorical.from_codes(pop.state.astype(np.int64), STATE_NAMES),
        "source": pd.Series(pop.source).map(channels).fillna("unknown").astype("category"),
        "persona_fit": pop.segment != DEAL_SEEKER,
        "joined_day": day(pop.first_join), "left_day": day(pop.first_left),
        "orders": pop.orders.astype(np.int64), "spend": pop.spend.astype(np.float64),
        "last_purchase_day": day(pop.last_buy),
        "trust": pop.trust.astype(np.float64), "fatigue": pop.fatigue.astype(np.float64),
        "group_joined_day": day(pop.group_joined), "group_left_day": day(pop.group_left),
        "group_quit": pop.group_quit.copy(),
    })


def pool_outlook(ahead: pd.DataFrame, members: np.ndarray) -> dict:
    """The outlook of the pool at the end (``members``: its rows): ``outlook_active_90``, the
    expected share of today's members active in 90 days (the mean of their P(active)), and
    ``outlook_purchases_90``, the orders they are expected to place in those 90 days."""
    if not members.any():
        return {"outlook_active_90": None, "outlook_purchases_90": 0.0}
    return {"outlook_active_90": float(ahead["p_active"].to_numpy()[members].mean()),
            "outlook_purchases_90": float(ahead["expected_purchases"].to_numpy()[members].sum())}


def daily_table(records: pd.DataFrame) -> pd.DataFrame:
    """The daily records (a DataCollector's frame) as the daily table: declared columns,
    in order, with their declared dtypes (:mod:`sim.outcomes`)."""
    return records.reset_index(drop=True)[list(DAILY_COLUMNS)].astype(daily_dtypes())


def run(scenario: Scenario, strategy, seed: int | None = None, replication: int | None = None,
        days: int | None = None, check: bool | None = None, history=None,
        save_state: str | Path | None = None, outlook_paths: int = 0) -> Result:
    """Run one scenario under one strategy object.

    ``seed`` defaults to the scenario's; ``replication`` picks the ``i``-th independent
    stream of that seed (what comparisons use, shared across strategies).
    ``check=True`` asserts the model invariants after every day (:mod:`sim.invariants`;
    default: on when the environment has ``SIYU_CHECK=1``). A run that would not fit in the
    memory this process can use is refused before it starts (:mod:`sim.resources`).

    A scenario with a warm-up (``[start] days``) needs ``history``, the strategy object that
    ran those days (:mod:`sim.warm_start`); only the scenario's own days are counted.
    ``save_state`` writes the pool's end state there (:mod:`sim.state`), for a later
    scenario's ``[start] state``. ``outlook_paths`` > 0 adds each customer's
    ``p_active_90`` and ``expected_purchases_90`` to ``Result.customers``, from that many
    forward simulations of the next 90 days on fresh streams (:mod:`sim.outlook`), and the
    pool's ``outlook_active_90`` and ``outlook_purchases_90`` to the summary (:func:`pool_outlook`).
    """
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    seed = scenario.seed if seed is None else int(seed)
    require_memory(scenario)
    if scenario.start.state:
        state.check_fits(scenario, scenario.start.state, f"<{scenario.name}>")
    n = scenario.start.days or (state.read(scenario.start.state)[0]["day"] if scenario.start.state else 0)
    if n == 0:
        model = measured = PoolModel(scenario, strategy, seed_sequence(seed, replication), check=check)
        model.run()
        daily = daily_table(model.datacollector.get_model_vars_dataframe())
    else:
        if history is None and not scenario.start.state:
            raise TypeError(f"scenario '{scenario.name}' starts after {n} days of history: pass the strategy that "
                            "ran them (history=...), or run it with siyu.simulate, which reads [start] strategy")
        model = PoolModel(with_history(scenario, n), Phased(history or strategy, strategy, n),
                          seed_sequence(seed, replication), check=check)
        if scenario.start.state:  # the saved pool, continued on this run's own streams
            state.restore(model, scenario.start.state)
        else:
            model.run(n)
        end = HistoryEnd.of(model)
        model.run(scenario.days)
        daily = daily_table(model.datacollector.get_model_vars_dataframe().iloc[-scenario.days:])
        daily["day"] -= n
        measured = MeasuredPool(model, scenario, end, n)
    if save_state is not None:
        state.save(model, save_state)
    name = model.strategy.name or type(model.strategy).__name__
    summary = identity(scenario, name, seed, replication) | summarize(measured, daily)
    if n:
        summary["pool_initial"] = measured.pool_initial
    customers = customers_table(measured.population, scenario)
    if outlook_paths:
        ahead = member_outlook(model, strategy, days=OUTLOOK_DAYS, paths=outlook_paths, offset=n)
        kept = measured.kept if n else slice(None)
        customers["p_active_90"] = ahead["p_active"].to_numpy()[kept]
        customers["expected_purchases_90"] = ahead["expected_purchases"].to_numpy()[kept]
        summary |= pool_outlook(ahead, model.population.in_pool())
    return Result(scenario=scenario, strategy=name, seed=seed, replication=replication, daily=daily,
                  summary=summary, retention=retention_curve(measured.population, scenario.days),
                  cohorts=cohort_retention(measured.population, scenario.days), customers=customers)
