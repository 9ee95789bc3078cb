"""The world: Mesa structure, conservation of people, determinism."""

from __future__ import annotations

import mesa
import numpy as np

import siyu
from agents.operator import OperatorAccount
from sim.population import ACTIVE, MUTED
from conftest import pool_model


def test_model_is_mesa_with_accounts_as_agents(small):
    m = pool_model(small, "nurture", seed=1)
    assert isinstance(m, mesa.Model)
    ops = list(m.agents_by_type[OperatorAccount])
    assert len(ops) == small.accounts.count
    assert ops[0].friend_cap == 10_000
    m.run(5)
    assert m.day == 5 and m.steps == 5
    assert sum(o.friends for o in ops) > 0
    assert len(m.datacollector.get_model_vars_dataframe()) == 5


def test_everyone_is_counted_every_day(small):
    m = pool_model(small, "harvest", seed=2)
    for _ in range(60):
        m.step()
        counts = m.population.counts()
        assert counts.sum() == small.market.audience
        assert m.today["pool"] == counts[ACTIVE] + counts[MUTED]
        friends = np.bincount(m.population.account[m.population.in_pool()], minlength=m.accounts.count)
        assert (friends <= m.accounts.cap).all()


def test_daily_totals_match_customer_totals(small):
    r = siyu.simulate(small, "nurture", seed=3)
    # people bought what the daily table says they bought
    assert r.summary["orders"] == r.daily["orders"].sum()
    assert abs(r.summary["gmv_total"] - r.daily["gmv"].sum()) < 1e-6 * max(1, r.summary["gmv_total"])


def test_strategies_share_random_streams(small):
    """Common random numbers: the day-0 pool is drawn identically under both strategies."""
    a = pool_model(small, "harvest", seed=4).population
    b = pool_model(small, "nurture", seed=4).population
    assert np.array_equal(a.tolerance, b.tolerance) and np.array_equal(a.segment, b.segment)


def test_a_ban_loses_that_accounts_friends(small):
    s = small.with_overrides(**{"platform.ban_base_hazard": 1.0, "platform.replace_banned_after_days": 5})
    r = siyu.simulate(s, "harvest", seed=5, days=10)
    assert r.daily["bans"].iloc[0] == s.accounts.count
    assert r.daily["lost_to_bans"].iloc[0] > 0
    assert r.daily["pool"].iloc[0] < 50  # the day-0 friends are gone
