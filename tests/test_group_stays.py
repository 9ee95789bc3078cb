"""Group stays: the group quit rate at 30 / 90 days and the Kaplan-Meier median days in a
group before quitting (sim.customer_value.group_stays)."""

from __future__ import annotations

import numpy as np
import pytest

import siyu
from conftest import ROOT
from sim import state
from sim.accounts import GroupBook
from sim.customer_value import kaplan_meier_median
from sim.population import ACTIVE, BANNED, GROUP, LOST, NEVER, Population
from sim.rules.churn import leave_pool
from sim.rules.groups import assign_groups
from sim.scenario import Scenario

DAYS = 120


@pytest.fixture(scope="module")
def small_module():
    return Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        **{"market.audience": 6000, "market.initial_pool": 500})


@pytest.fixture(scope="module")
def harvest(small_module):
    return siyu.simulate(small_module.with_overrides(days=DAYS), "harvest", seed=5)


def test_kaplan_meier_median_by_hand():
    # every stay ended: the plain median (the first day half have ended by)
    assert kaplan_meier_median(np.array([1, 2, 3, 4]), np.ones(4, bool)) == 2
    # censored stays stay at risk on their day: S(1) = 4/5, S(2) = 4/5 * 3/4, S(3) = 0.6 * 1/2
    assert kaplan_meier_median(np.array([1, 2, 2, 3, 5]), np.array([1, 0, 1, 1, 0], bool)) == 3
    # half never reached: no median
    assert kaplan_meier_median(np.array([1, 4, 4, 4]), np.array([1, 0, 0, 0], bool)) is None
    assert kaplan_meier_median(np.zeros(0, np.int64), np.zeros(0, bool)) is None


def test_kaplan_meier_without_censoring_is_the_sample_median():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 100, 1001):
        d = rng.integers(0, 50, n)
        assert kaplan_meier_median(d, np.ones(n, bool)) == np.quantile(d, 0.5, method="inverted_cdf")


def test_censoring_lengthens_the_median_over_the_quitters_alone():
    rng = np.random.default_rng(1)
    d = rng.integers(0, 100, 500)
    ended = rng.random(500) < 0.6
    assert kaplan_meier_median(d, ended) > np.median(d[ended])


def test_quit_rates_and_median_agree_with_the_customer_table(harvest):
    c, s = harvest.customers, harvest.summary
    seated = c["group_joined_day"].notna()
    assert seated.sum() > 100
    joined = c["group_joined_day"].astype("float")
    stay = c["group_left_day"].astype("float") - joined
    assert (stay.dropna() >= 0).all()
    quit_ = c["group_quit"].to_numpy()
    assert not quit_[~seated.to_numpy()].any() and c.loc[c["group_quit"], "group_left_day"].notna().all()
    for d in (30, 90):
        watched = seated & (joined + d <= DAYS)
        expected = (c["group_quit"] & (stay <= d))[watched].mean()
        assert s[f"group_quit_{d}"] == pytest.approx(expected)
    assert 0 < s["group_quit_30"] < s["group_quit_90"] < 1
    ended = c["group_left_day"].notna().to_numpy()
    durations = np.where(ended, stay.fillna(0), DAYS - 1 - joined.fillna(0))[seated.to_numpy()]
    assert s["group_median_days"] == kaplan_meier_median(durations.astype(int), quit_[seated.to_numpy()])


def test_a_stay_lost_with_a_banned_account_is_not_a_quit():
    pop = Population()
    pop.add(4)
    pop.state[:] = ACTIVE
    pop.channels[:] = GROUP
    pop.account[:] = 0
    book = GroupBook()
    assign_groups(pop, book, cap=500, day=3)
    assert (pop.group_joined == 3).all()
    leave_pool(pop, np.array([0]), LOST, day=10)
    leave_pool(pop, np.array([1]), BANNED, day=12)
    assert list(pop.group_left) == [10, 12, NEVER, NEVER] and list(pop.group_quit) == [True, False, False, False]
    # only the first stay is kept: a second seat and exit leave it as it was
    pop.state[0], pop.channels[0], pop.account[0] = ACTIVE, GROUP, 0
    assign_groups(pop, book, cap=500, day=20)
    leave_pool(pop, np.array([0]), BANNED, day=25)
    assert pop.group_joined[0] == 3 and pop.group_left[0] == 10 and pop.group_quit[0]


def test_a_saved_state_from_before_group_stays_still_reads(small_module, tmp_path):
    s = small_module.with_overrides(days=30)
    writer = siyu.simulate(s, "harvest", seed=1, save_state=tmp_path / "pool.npz")
    assert writer.summary["group_quit_30"] is not None
    with np.load(tmp_path / "pool.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if not k.startswith("pop.group_")} | {"pop.group": z["pop.group"]}
    np.savez_compressed(tmp_path / "old.npz", **arrays)
    meta, read = state.read(tmp_path / "old.npz")
    assert "pop.group_joined" not in read
    follow = s.with_overrides(start={"state": str(tmp_path / "old.npz")}, days=40)
    r = siyu.simulate(follow, "harvest", seed=3)
    c = r.customers
    # the saved pool's seated members start their stays on day 0, as a fresh run's initial pool
    assert (c["group_joined_day"] == 0).sum() > 0
    assert r.summary["group_quit_30"] is not None and 0 <= r.summary["group_quit_30"] <= 1
