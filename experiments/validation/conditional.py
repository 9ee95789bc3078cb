"""siyu's forecast of each real customer, conditioned on her own history.

BG/NBD forecasts a customer's future from her own calibration history (repeat count x,
time of her last purchase t_x, time since her first T): someone who bought often and
recently is likely still buying, someone who bought often and then stopped is likely gone.
A fresh simulation of the cohort knows none of that: it forecasts what an average customer
with that first-purchase day does, however the real one behaved since.

A simulation can be conditioned the same way. The cohort is simulated many times (each
simulated person arrives on a real customer's first-purchase day, having bought), every
simulated person's history up to the split is summarised exactly as the real log is
(:func:`experiments.validation.btyd.summarise`), and each real customer's forecast is read
from the :data:`NEIGHBOURS` simulated people whose history is nearest hers, through a
least-squares plane at her own history (:func:`_local_linear`). It is a nearest-neighbour
estimate of the model's own E[future | history] (approximate Bayesian computation with the
simulated people as prior draws and local-linear regression adjustment): with a large
enough pool it converges to the model's conditional expectation, whatever the model's
mechanisms, so siyu and BG/NBD forecast from the same information. On logs drawn from
BG/NBD itself it reproduces BG/NBD's closed-form conditional expectations
(tests/test_conditional.py). Nothing in the real log after the split is read.

Distance between two histories: weeks since the last purchase and weeks since the first,
and the repeat count weighted as :data:`PURCHASE_WEEKS` weeks per purchase (a purchase more
or less is a larger difference than a week, so people with the same count are matched
first wherever the pool has enough of them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from experiments.executors import map_runs
from experiments.translog import simulate_transactions
from experiments.validation.btyd import summarise
from experiments.validation.holdout import BINS, WEEK
from sim.scenario import Scenario

#: simulated people each real customer's forecast is read from
NEIGHBOURS = 400
#: simulated people the pool holds at least (more replications for smaller cohorts)
POOL = 200_000
#: replications at least, whatever the cohort's size, and at most (a run of a small cohort
#: costs about as much as one of a large cohort: the days, not the people, dominate)
MIN_REPLICATIONS, MAX_REPLICATIONS = 20, 100
#: one repeat purchase counts as this many weeks in the distance between two histories
PURCHASE_WEEKS = 8.0
#: the local plane's ridge, per neighbour and squared week (small: it only decides the
#: plane's tilt along a feature on which all the neighbours agree)
RIDGE = 1e-3
#: real customers solved at once (bounds the memory: CHUNK x NEIGHBOURS x outcomes)
CHUNK = 256


def replications_for(customers: int) -> int:
    """How many simulated cohorts a pool of :data:`POOL` people takes (within the bounds)."""
    return min(max(MIN_REPLICATIONS, ceil(POOL / max(customers, 1))), MAX_REPLICATIONS)


def history(tx: pd.DataFrame, split: int) -> pd.DataFrame:
    """Each customer first seen by day ``split``: repeat purchases ``x``, weeks since her last
    purchase ``recency`` and weeks since her first ``T``, at ``split``."""
    s = summarise(tx, split, WEEK)
    return pd.DataFrame({"x": s["x"], "recency": s["T"] - s["t_x"], "T": s["T"]})


def _place(h: pd.DataFrame) -> np.ndarray:
    return np.column_stack([h["x"].to_numpy(float) * PURCHASE_WEEKS, h["recency"].to_numpy(float),
                            h["T"].to_numpy(float)])


def _weekly(tx: pd.DataFrame, customers: pd.Index, split: int, end: int) -> np.ndarray:
    """Purchases per customer (rows in ``customers``' order) in each week after ``split``."""
    weeks = (end - split) // WEEK
    later = tx[(tx["day"] > split) & (tx["day"] <= split + weeks * WEEK)]
    row = customers.get_indexer(later["customer"].to_numpy())
    week = (later["day"].to_numpy() - split - 1) // WEEK
    kept = row >= 0
    out = np.zeros((len(customers), weeks), np.uint16)
    np.add.at(out, (row[kept], week[kept]), 1)
    return out


def run_summary(log: pd.DataFrame, split: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """What the forecast needs of one simulated log: each person's place (her history at
    ``split``) and her purchases in each week after it, up to ``end``."""
    h = history(log, split)
    return _place(h), _weekly(log, h.index, split, end)


def simulated_summary(scenario_json: str, seed: int, stream: int, split: int, end: int):
    """One replication of a cohort scenario, reduced to its :func:`run_summary` (runs on
    any executor)."""
    scenario = Scenario.model_validate_json(scenario_json)
    return run_summary(simulate_transactions(scenario, "custom", seed, stream), split, end)


def simulate(scenario: Scenario, customers: int, split: int, end: int, first_stream: int,
             workers: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`replications_for` ``customers`` runs of ``scenario`` (a cohort scenario whose
    levers are its custom strategy's) on streams ``first_stream`` onwards, summarised."""
    short = scenario.with_overrides(days=end).model_dump_json()
    tasks = [(short, scenario.seed, first_stream + r, split, end) for r in range(replications_for(customers))]
    return map_runs(simulated_summary, tasks, workers=workers)


@dataclass
class Conditional:
    """A cohort's forecast after ``split``, each customer conditioned on her history."""

    curve: np.ndarray      # expected cumulative purchases of the cohort at the end of each week
    shares: np.ndarray     # expected share of customers with 0, 1, ..., 7+ purchases
    expected: pd.Series    # expected purchases per customer
    groups: np.ndarray     # the curve from each group of replications alone (its Monte Carlo spread)
    pool: int              # simulated people the forecast drew on
    runs: int              # simulated runs of the cohort they came from


def _local_linear(place: np.ndarray, outcome: np.ndarray, target: np.ndarray, k: int) -> np.ndarray:
    """Each target's expected outcome from its ``k`` nearest simulated people, adjusted for
    how far they sit from it (ABC's local-linear regression adjustment, Beaumont, Zhang &
    Balding 2002): a least-squares plane through the neighbours' outcomes, read at the
    target. Where the pool is thin (a heavy buyer who stopped long ago) the neighbours lean
    towards commoner histories, and their plain mean would inherit those histories' future."""
    k = min(k, len(place))
    _, nearest = cKDTree(place).query(target, k=k)
    nearest = np.asarray(nearest).reshape(len(target), k)
    out = np.empty((len(target), outcome.shape[1]))
    ridge = RIDGE * k * np.diag([0.0, 1.0, 1.0, 1.0])  # keeps the plane defined where a feature is constant
    for lo in range(0, len(target), CHUNK):
        rows = nearest[lo:lo + CHUNK]
        offset = place[rows] - target[lo:lo + CHUNK, None, :]
        design = np.concatenate([np.ones(offset.shape[:2] + (1,)), offset], axis=2)
        normal = np.einsum("nki,nkj->nij", design, design) + ridge
        moment = np.einsum("nki,nko->nio", design, outcome[rows])
        out[lo:lo + CHUNK] = np.linalg.solve(normal, moment)[:, 0, :]
    return out


def forecast(runs: Iterable[tuple[np.ndarray, np.ndarray]], real: pd.DataFrame, split: int, end: int,
             groups: int = 1) -> Conditional:
    """Forecast the customers of the ``real`` log (day-numbered, one row per customer-day)
    from day ``split`` to ``end``, from the :func:`run_summary` of each of the model's
    simulated logs of the same cohort. ``groups`` > 1 also forecasts the cohort's curve from
    each of that many disjoint groups of the runs alone (with proportionally fewer
    neighbours)."""
    runs = list(runs)
    if not runs:
        raise ValueError("forecast needs at least one simulated run")
    place = np.vstack([p for p, _ in runs])
    weekly = np.vstack([w for _, w in runs])
    replication = np.concatenate([np.full(len(p), r) for r, (p, _) in enumerate(runs)])
    real_history = history(real, split)
    target = _place(real_history)
    weeks = weekly.shape[1]
    # what is read off each simulated person: her cumulative purchases at the end of each
    # week, and which bin of the histogram her total falls in
    cumulative = np.cumsum(weekly, axis=1, dtype=float)
    total = weekly.sum(axis=1, dtype=np.int64)
    outcome = np.hstack([cumulative, np.eye(BINS)[np.minimum(total, BINS - 1)]])

    def read(rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Per real customer: cumulative purchases by week (never negative or falling) and
        the chance of each bin (never negative, summing to 1)."""
        est = _local_linear(place[rows], outcome[rows], target, k)
        curve = np.maximum.accumulate(np.maximum(est[:, :weeks], 0), axis=1)
        chance = np.maximum(est[:, weeks:], 0)
        return curve, chance / np.maximum(chance.sum(axis=1, keepdims=True), 1e-12)

    per_customer, chance = read(np.arange(len(place)), NEIGHBOURS)
    # at most one group per run, so that none is empty
    per_group = np.array_split(np.arange(len(runs)), min(groups, len(runs))) if groups > 1 else []
    group_curves = [read(np.flatnonzero(np.isin(replication, g)), max(NEIGHBOURS // groups, 20))[0].sum(axis=0)
                    for g in per_group]
    return Conditional(curve=per_customer.sum(axis=0), shares=chance.mean(axis=0),
                       expected=pd.Series(per_customer[:, -1] if weeks else 0.0, index=real_history.index),
                       groups=np.array(group_curves).reshape(len(group_curves), weeks), pool=len(place),
                       runs=len(runs))
