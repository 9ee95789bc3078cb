"""The engine's one-pass compiled counts and row lists equal the numpy expressions they
stand for (whole-population passes of a day: friends per account, who asks the desk,
group seats and members, accounts with group members, the bands' member sample)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.accounts import accounts_with_group_members, friends_per_account
from sim.desk import PRESALE_NEED, _askers
from sim.metrics import member_samples
from sim.population import ACTIVE, GROUP, LOST, MUTED, Population
from sim.rules.groups import _group_members, _unseated


def random_population(n: int, accounts: int, groups: int, seed: int) -> Population:
    rng = np.random.default_rng(seed)
    pop = Population()
    pop.add(n)
    pop.state[:] = rng.integers(2, 6, n)  # active, muted, lost, banned
    member = (pop.state == ACTIVE) | (pop.state == MUTED)
    pop.account[:] = np.where(member, rng.integers(0, accounts, n), -1)
    pop.channels[:] = np.where(member, rng.integers(0, 16, n), 0)
    pop.group[:] = np.where(member & (rng.random(n) < 0.5), rng.integers(0, groups, n), -1)
    # need values on both sides of the threshold, some exactly at its float32 value
    pop.need[:] = np.where(rng.random(n) < 0.1, np.float32(PRESALE_NEED), rng.random(n, dtype=np.float32))
    pop.last_buy[:] = rng.integers(-1, 5, n)
    pop.trust[:] = rng.random(n, dtype=np.float32)
    pop.fatigue[:] = rng.random(n, dtype=np.float32)
    return pop


@pytest.mark.parametrize("seed", range(5))
def test_compiled_passes_equal_their_numpy_expressions(seed):
    pop = random_population(5_000 + 997 * seed, accounts=7, groups=13, seed=seed)
    in_pool = pop.in_pool()
    friends = friends_per_account(pop.state, pop.account, 7)
    assert friends.dtype == np.int64 and np.array_equal(friends, np.bincount(pop.account[in_pool], minlength=7))
    for day in (0, 1, 3):
        due, bought = _askers(pop.state, pop.need, np.float32(PRESALE_NEED), pop.last_buy, day)
        assert np.array_equal(due, np.flatnonzero(in_pool & (pop.need >= PRESALE_NEED)))
        assert np.array_equal(bought, np.flatnonzero(in_pool & (pop.last_buy == day - 1) & (day > 0)))
    assert np.array_equal(_unseated(pop.channels, pop.group), np.flatnonzero(((pop.channels & GROUP) > 0) & (pop.group < 0)))
    in_group = (pop.group >= 0) & ((pop.channels & GROUP) > 0)
    assert np.array_equal(_group_members(pop.group, pop.channels, 13), np.bincount(pop.group[in_group], minlength=13))
    has = np.bincount(pop.account[(pop.channels & GROUP) > 0], minlength=7) > 0
    assert np.array_equal(accounts_with_group_members(pop.account, pop.channels, 7), has)
    members = np.flatnonzero(in_pool)
    for max_sample in (1_000, 10**6):
        sample = members[::max(1, members.size // max_sample)]
        trust, fatigue = member_samples(pop, members.size, max_sample)
        assert trust.tobytes() == pop.trust[sample].tobytes() and fatigue.tobytes() == pop.fatigue[sample].tobytes()


def test_a_member_on_no_account_is_refused():
    pop = random_population(100, accounts=3, groups=2, seed=1)
    pop.state[0], pop.account[0] = ACTIVE, 5
    with pytest.raises(ValueError, match="outside 0..2"):
        friends_per_account(pop.state, pop.account, 3)
    pop.state[0], pop.channels[0] = LOST, GROUP
    with pytest.raises(ValueError, match="outside 0..2"):
        accounts_with_group_members(pop.account, pop.channels, 3)
