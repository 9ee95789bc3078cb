"""Each member's next 90 days, by the model itself: the probability of being active and the
expected purchases (the numbers CLV tools show as P(alive) and expected transactions).

Why simulate rather than fit BG/NBD to the simulated log: the model already says how a
member behaves next (her trust, fatigue, need, the strategy's messages, the accounts she is
on), and BG/NBD would throw that away for two summary numbers per customer (frequency and
recency) and a stationarity that a strategy switch, a campaign or a ban breaks. The forward
paths answer for *this* pool under *this* strategy.

How: the finished model's state (:mod:`sim.state`) is continued ``paths`` times for
``days`` days, each path on fresh random streams (children of the run's own seed sequence,
spawned after every stream the run used), under the same strategy, without new campaigns
or arrivals. A member's ``p_active`` is the share of paths in which she is an active member
(in the pool, not muted) at the end; ``expected_purchases`` the mean number of orders she
placed over the paths. The frame's ``attrs`` keep each path's share of active members and
total orders (what one future holds, for prediction intervals).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim import state
from sim.model import PoolModel
from sim.population import ACTIVE
from sim.warm_start import Phased, with_history

#: the forward streams are the run's seed sequence's children from this index on (the run
#: itself uses its first children: one per rule stream and Mesa's own)
FIRST_PATH_CHILD = 1000


def member_outlook(model, strategy, days: int = 90, paths: int = 8, offset: int = 0) -> pd.DataFrame:
    """``p_active`` and ``expected_purchases`` over the next ``days`` days for every customer
    row of ``model`` (index = row). ``offset`` is the days of history before the run's day 0
    (the strategy counts its days from there)."""
    if paths < 1 or days < 1:
        raise ValueError(f"member outlook: expected paths >= 1 and days >= 1, got paths={paths}, days={days}")
    rows = model.population.size
    active = np.zeros(rows)
    purchases = np.zeros(rows)
    share_by_path, orders_by_path = [], []
    forward = model.scenario.with_overrides(days=days, campaigns=[], **{"market.arrivals": []})
    ss = model.seed_sequence
    seeds = [np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, FIRST_PATH_CHILD + k)) for k in range(paths)]
    with tempfile.TemporaryDirectory(prefix="siyu-outlook-") as tmp:
        saved = state.save(model, Path(tmp) / "end.npz")
        for seed in seeds:
            path = PoolModel(with_history(forward, model.day), Phased(strategy, strategy, offset), seed,
                             check=model.invariants is not None)
            state.restore(path, saved)
            before = path.population.orders[:rows].astype(np.int64)
            path.run(days)
            now_active = path.population.state[:rows] == ACTIVE
            bought = path.population.orders[:rows].astype(np.int64) - before
            active += now_active
            purchases += bought
            share_by_path.append(float(now_active.mean()) if rows else 0.0)
            orders_by_path.append(int(bought.sum()))
    out = pd.DataFrame({"p_active": active / paths, "expected_purchases": purchases / paths})
    # each path's share of active members and total orders: the spread of what one future holds
    out.attrs |= {"active_share_by_path": share_by_path, "orders_by_path": orders_by_path}
    return out
