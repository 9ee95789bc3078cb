"""Group chats: member caps, seating, vitality, chatter."""

from __future__ import annotations

import numpy as np
import pytest

from sim.accounts import GroupBook
from sim.rules import groups as rules_groups
from sim.population import ACTIVE, FIT, FRIEND, GROUP, LOST, MUTED, Population
from sim.scenario import Scenario
from conftest import pool_model


def members(n: int, account: int = 0) -> Population:
    pop = Population()
    rows = pop.add(n)
    pop.state[rows] = ACTIVE
    pop.channels[rows] = FRIEND | GROUP
    pop.account[rows] = account
    return pop


def test_groups_fill_to_the_cap_then_open_new_ones():
    pop = members(1200)
    pop.account[600:] = 1
    book = GroupBook()
    opened = rules_groups.assign_groups(pop, book, cap=500, day=0)
    assert sorted(book.members.tolist()) == [100, 100, 500, 500]
    assert opened == 2 and (pop.group >= 0).all()
    for g in range(book.size):  # a group belongs to one account
        assert len(set(pop.account[pop.group == g].tolist())) == 1


def test_group_quietens_as_members_leave_and_brand_value_revives_it():
    s = Scenario().private
    pop = members(400)
    book = GroupBook()
    rules_groups.assign_groups(pop, book, cap=500, day=0)
    lively = rules_groups.group_chatter(pop, book, np.zeros(1), s)[0]
    pop.state[:200] = LOST
    pop.channels[:200] = 0
    pop.group[:200] = -1
    quiet = rules_groups.group_chatter(pop, book, np.zeros(1), s)[0]
    assert quiet < lively / 2 * 0.9  # half the members, and each of them talks less
    before = book.vitality[0]
    rules_groups.group_chatter(pop, book, np.array([5.0]), s)
    assert book.vitality[0] > before


def test_chatter_is_skimmed_and_muted_members_read_less():
    s = Scenario().private
    pop = members(3)
    pop.group[:] = [0, 0, -1]
    pop.state[1] = MUTED
    seen = rules_groups.chatter_seen(pop, np.array([1000.0]), s)
    assert seen[0] == pytest.approx(s.group_chatter_cap * s.group_reach)
    assert seen[1] == pytest.approx(seen[0] * s.muted_reach) and seen[2] == 0


def test_member_caps_hold_in_a_full_run_and_thresholds_keep_groups_fit():
    s = Scenario.from_toml("scenarios/default.toml").with_overrides(
        days=60, **{"platform.group_member_cap": 50, "market.audience": 8000, "market.initial_pool": 0})
    m = pool_model(s, "nurture", seed=3)
    m.run()
    pop = m.population
    seated = (pop.group >= 0) & pop.in_pool()
    assert seated.any()
    assert np.bincount(pop.group[seated]).max() <= 50
    assert (pop.segment[seated] == FIT).all()  # nurture's join threshold: persona-fit only
    assert m.datacollector.get_model_vars_dataframe()["groups"].iloc[-1] > 1
