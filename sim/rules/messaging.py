"""Messaging: what each pool member sees today (Moments, group, private and official
messages from the brand, members' group chatter, one-to-one care and recall).

Where a rule uses an *expected* number of messages seen (reach x posts) rather than
drawing each message, it is because fatigue and trust are sums over many small
messages: the expectation keeps them smooth and cheap, and the randomness that matters
(who mutes, who buys, who refers) is still drawn per customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.compiled import F32, njit
from sim.population import FRIEND, GROUP, MOMENTS, MUTED, OFFICIAL, Population
from sim.rules.groups import member_chatter


@dataclass
class Exposure:
    """What each customer saw today (expected messages) and the fatigue it added."""

    value: np.ndarray
    promo: np.ndarray
    fatigue: np.ndarray


def moments_seen(posts: np.ndarray, threshold: float, fold_reach: float) -> np.ndarray:
    """Effective Moments posts per viewer: posts beyond the daily threshold are folded."""
    return np.minimum(posts, threshold) + fold_reach * np.maximum(posts - threshold, 0)


def exposure(pop: Population, schedule: dict[str, np.ndarray], levers, private, behaviour,
             extra_value: tuple[np.ndarray, float] | None = None,
             extra_promo: tuple[np.ndarray, float] | None = None,
             chatter: np.ndarray | None = None) -> Exposure:
    """Messages each pool member sees today, by their account's schedule and channels.

    All members of one account with the same channels and mute status see the same
    expected messages, so the work is a lookup table (32 rows per account: channel
    flags x muted) and a gather. ``extra_value`` / ``extra_promo`` are ``(rows,
    messages)``: one-to-one private messages (super-user care, recall) to a few pool
    members, read at private-message reach. ``chatter`` is other members' group messages
    a member of each group reads (:func:`sim.rules.groups.chatter_per_group`; each person
    reads :func:`sim.rules.groups.member_chatter` of it): partly useful, all tiring.
    """
    b = behaviour
    if not any(schedule[kind].any() for kind in ("moments", "group", "private", "official")) and (
            chatter is None or not chatter.any()):
        # nothing posted, nobody chatting: every table below is zero, so is what anyone sees
        value, promo, fatigue = (np.zeros(pop.size, F32) for _ in range(3))
    else:
        value, promo, fatigue = _posted(pop, schedule, levers, private, behaviour, chatter)
    for extra, kind_fatigue, target in ((extra_value, b.fatigue_value, value), (extra_promo, b.fatigue_promo, promo)):
        if extra is None or extra[0].size == 0:
            continue
        rows, messages = extra
        read = messages * private.private_reach * np.where(pop.state[rows] == MUTED, private.muted_reach, 1.0)
        target[rows] += read.astype(F32)
        fatigue[rows] += (read * kind_fatigue * b.fatigue_private_factor).astype(F32)
    return Exposure(value=value, promo=promo, fatigue=fatigue)


def _posted(pop: Population, schedule: dict[str, np.ndarray], levers, private, behaviour,
            chatter: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, promotions and fatigue each member gets from the accounts' posts and the
    group chatter (:func:`exposure` without the one-to-one messages)."""
    b = behaviour
    m = moments_seen(schedule["moments"], private.moments_fold_threshold, private.moments_fold_reach) * private.moments_reach
    g = schedule["group"] * private.group_reach
    p = schedule["private"] * private.private_reach
    o = schedule["official"] * private.official_reach
    combo = np.arange(32)
    has = {bit: ((combo & bit) > 0).astype(float) for bit in (MOMENTS, GROUP, FRIEND, OFFICIAL)}
    mult = np.where(combo >= 16, private.muted_reach, 1.0)
    seen = (m[:, None] * has[MOMENTS] + g[:, None] * has[GROUP] + p[:, None] * has[FRIEND] + o[:, None] * has[OFFICIAL]) * mult
    weighted = (m[:, None] * has[MOMENTS] * b.fatigue_moments_factor + g[:, None] * has[GROUP] * b.fatigue_group_factor
                + p[:, None] * has[FRIEND] * b.fatigue_private_factor + o[:, None] * has[OFFICIAL]) * mult
    v = levers.value_share
    per_message = v * b.fatigue_value + (1 - v) * b.fatigue_promo

    def table(per_combo: np.ndarray) -> np.ndarray:
        # one block of 32 zeros at the end: people outside the pool have account -1 and no
        # channels, so their key is -32, which indexes that block
        return np.concatenate([per_combo.ravel(), np.zeros(32)]).astype(F32)

    per_group = np.zeros(1, F32) if chatter is None else chatter
    return _look_up(pop.account, pop.channels, pop.state, pop.group,
                    table(v * seen), table((1 - v) * seen), table(per_message * weighted),
                    per_group, F32(private.muted_reach), F32(private.group_chatter_value),
                    F32(private.group_chatter_fatigue * b.fatigue_group_factor))


@njit(cache=True)
def _look_up(account, channels, state, group, value_table, promo_table, fatigue_table, chatter_per_group,
             muted_reach, chatter_value, chatter_fatigue):
    """Each customer's row of the three tables (key: account, channel flags, muted) plus
    what they read of their group's chatter, in one pass over the population."""
    n = account.size
    value = np.empty(n, np.float32)
    promo = np.empty(n, np.float32)
    fatigue = np.empty(n, np.float32)
    outside = value_table.size - 32
    for i in range(n):
        muted = state[i] == MUTED
        key = account[i] * 32 + channels[i] + (16 if muted else 0) if account[i] >= 0 else outside
        chatter = member_chatter(chatter_per_group, group[i], muted, muted_reach)
        value[i] = value_table[key] + chatter_value * chatter
        promo[i] = promo_table[key]
        fatigue[i] = fatigue_table[key] + chatter_fatigue * chatter
    return value, promo, fatigue


def one_to_one(pop: Population, levers, day: int, super_users: np.ndarray | None):
    """Extra private messages to a few members: care for super users (value messages to the
    top spenders, ``super_user_share`` of the pool, re-tiered weekly) and recall of the
    dormant (one promotion to whoever last bought or joined ``recall_after_days`` ago).
    Returns ``(extra_value, extra_promo, super_users)`` for :func:`exposure`."""
    extra_value = extra_promo = None
    if levers.super_user_share > 0 and levers.super_user_value_messages > 0:
        if day % 7 == 0 or super_users is None:  # re-tier weekly
            super_users = top_spenders(pop, levers.super_user_share)
        rows = super_users[pop.in_pool()[super_users]]
        extra_value = (rows, levers.super_user_value_messages)
    if levers.recall_after_days > 0:
        last_seen = np.maximum(pop.last_buy, pop.first_join)
        dormant = np.flatnonzero(pop.in_pool() & (day - last_seen == levers.recall_after_days))
        extra_promo = (dormant, 1.0)
    return extra_value, extra_promo, super_users


def top_spenders(pop: Population, share: float) -> np.ndarray:
    """Rows of the top spenders among pool members: ``share`` of the pool."""
    in_pool = pop.in_pool()
    members = np.flatnonzero(in_pool & (pop.spend > 0))
    k = min(int(share * np.count_nonzero(in_pool)), members.size)
    if k == 0:
        return np.zeros(0, np.int64)
    return members[np.argpartition(-pop.spend[members], k - 1)[:k]]
