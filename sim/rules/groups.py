"""Group chats: who is in which group, how lively a group is, what its members say.

A WeChat group holds at most ``platform.group_member_cap`` (500) members. New group
members fill their account's open group; a full group makes the account open a new one.
Besides the brand's own messages (:func:`sim.rules.messaging.exposure`), members see each other's
chatter: some of it useful (questions answered by peers, photos: social proof, it builds
trust), all of it tiring. A group's *vitality* falls when members leave — people talk
less in a group that is emptying — and recovers with the brand's valuable content.

Group stays. Each member's *first* stay in a group chat is kept (``group_joined``,
``group_left``, ``group_quit`` of :mod:`sim.population`), as retention keeps the first stay in
the pool. The engine has no separate "leave the group" behaviour: a member leaves her group
when she leaves the pool. She **quits** it when she deletes or leaves (the churn of
:mod:`sim.rules.churn`, the walk-outs of :mod:`sim.rules.buying`); losing the group with a
banned account is not her choice and ends the stay without a quit (a censored stay, like the
run's end). :func:`sim.customer_value.group_stays` turns the stays into quit rates and the
Kaplan-Meier median stay.
"""

from __future__ import annotations

import numpy as np

from sim.accounts import GroupBook
from sim.compiled import njit
from sim.population import BANNED, GROUP, MUTED, NEVER, Population



def assign_groups(pop: Population, groups: GroupBook, cap: int, day: int) -> int:
    """Seat pool members who are in a group channel but not yet in a group; returns how
    many groups were opened. Members of one account fill its newest group first; a
    member's first seat starts her first group stay on ``day``."""
    waiting = _unseated(pop.channels, pop.group)
    if waiting.size == 0:
        return 0
    first = waiting[pop.group_joined[waiting] == NEVER]
    pop.group_joined[first] = day
    accounts = pop.account[waiting].astype(np.int64)
    order = np.argsort(accounts, kind="stable")
    waiting, accounts = waiting[order], accounts[order]
    opened = 0
    bounds = np.flatnonzero(np.diff(accounts)) + 1
    for rows in np.split(waiting, bounds):  # one pass per account with newcomers
        account = int(pop.account[rows[0]])
        start = 0
        while start < rows.size:
            g = groups.open_group(account)
            room = cap - int(groups.members[g])
            if room <= 0:
                g = groups.new_group(account)
                opened += 1
                room = cap
            take = rows[start:start + room]
            pop.group[take] = g
            groups.members[g] += take.size
            start += take.size
    return opened


def end_group_stays(pop: Population, rows: np.ndarray, state: int, day: int) -> None:
    """``rows`` leave the pool today (to ``state``, LOST or BANNED): those in their first
    group stay end it, as a quit unless their account was banned."""
    seated = rows[(pop.group[rows] >= 0) & (pop.group_left[rows] == NEVER)]
    pop.group_left[seated] = day
    pop.group_quit[seated] = state != BANNED


def group_chatter(pop: Population, groups: GroupBook, brand_value: np.ndarray, private) -> np.ndarray:
    """Members' own messages per day in each group, after updating membership and vitality.

    ``brand_value`` is the brand's valuable group messages per day, per account.
    """
    if groups.size == 0:  # no group opened yet: nobody to count, nothing said
        return np.zeros(0)
    counted = _group_members(pop.group, pop.channels, groups.size)
    if counted is None:
        raise ValueError(f"a customer is in a group outside 0..{groups.size - 1}")
    members = counted.astype(float)
    before = np.maximum(groups.members.astype(float), 1)
    shrink = np.minimum(members / before, 1.0) ** private.group_vitality_loss
    feed = private.group_vitality_recovery * brand_value[groups.account] if groups.size else np.zeros(0)
    groups.vitality = np.clip(groups.vitality * shrink + feed * (1 - groups.vitality * shrink), 0, 1)
    groups.members = members.astype(np.int64)
    return private.group_chatter_per_member * members * groups.vitality


@njit(cache=True)
def _unseated(channels, group):
    """Rows in a group channel but in no group yet, in row order."""
    rows = np.empty(group.size, np.int64)
    n = 0
    for i in range(group.size):
        if (channels[i] & GROUP) > 0 and group[i] < 0:
            rows[n] = i
            n += 1
    return rows[:n].copy()


@njit(cache=True)
def _group_members(group, channels, n_groups):
    """Members of each group who are (still) in the group channel; ``None`` if a group
    number is out of range."""
    members = np.zeros(n_groups, np.int64)
    for i in range(group.size):
        g = group[i]
        if g >= 0 and (channels[i] & GROUP) > 0:
            if g >= n_groups:
                return None
            members[g] += 1
    return members


def chatter_per_group(chatter: np.ndarray, private) -> np.ndarray:
    """Chatter messages a member of each group reads today (people skim: capped); a last
    entry of 0 for people in no group (group -1)."""
    per_group = np.minimum(chatter, private.group_chatter_cap) * private.group_reach
    return np.concatenate([per_group, [0.0]]).astype(np.float32)


@njit(cache=True)
def member_chatter(per_group, group, muted, muted_reach):
    """What one person reads of their group's chatter: muted members less."""
    read = per_group[group]  # group -1 (none) reads the trailing 0
    return read * muted_reach if muted else read


def chatter_seen(pop: Population, chatter: np.ndarray, private) -> np.ndarray:
    """Chatter messages each member reads today (:func:`member_chatter` for everyone;
    :func:`sim.rules.messaging.exposure` applies the same rule inside its own pass)."""
    return _everyones_chatter(chatter_per_group(chatter, private), pop.group, pop.state, np.float32(private.muted_reach))


@njit(cache=True)
def _everyones_chatter(per_group, group, state, muted_reach):
    seen = np.empty(group.size, np.float32)
    for i in range(group.size):
        seen[i] = member_chatter(per_group, group[i], state[i] == MUTED, muted_reach)
    return seen
