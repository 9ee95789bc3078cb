"""The daily behavioural rules, one named function each, over whole arrays.

Each rule reads and writes a :class:`~sim.population.Population` and returns what it
counted; none loops over customers in Python. People joining the pool (acquisition, referral, day 0) are in
:mod:`sim.rules_joining`. The model (:mod:`sim.model`) calls them
once per simulated day in the order documented there. Randomness comes in through an
explicit ``numpy.random.Generator`` so that each rule can have its own stream.

Where a rule uses an *expected* number of messages seen (reach x posts) rather than
drawing each message, it is because fatigue and trust are sums over many small
messages: the expectation keeps them smooth and cheap, and the randomness that matters
(who mutes, who buys, who refers) is still drawn per customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.compiled import njit
from sim.rules_groups import member_chatter
from sim.population import (
    STATE_NAMES, ACTIVE, BANNED, DEAL_SEEKER, FRIEND, GROUP, LOST, MOMENTS, MUTED, NEVER,
    OFFICIAL, Population,
)

F32 = np.float32
ONE = F32(1)  # a float32 literal keeps float32 loops in float32 (an int 1 promotes them to float64)


# -- 2. messaging -----------------------------------------------------------------
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
    a member of each group reads (:func:`sim.rules_groups.chatter_per_group`; each person
    reads :func:`sim.rules_groups.member_chatter` of it): partly useful, all tiring.
    """
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
    value, promo, fatigue = _look_up(pop.account, pop.channels, pop.state, pop.group,
                                     table(v * seen), table((1 - v) * seen), table(per_message * weighted),
                                     per_group, F32(private.muted_reach), F32(private.group_chatter_value),
                                     F32(private.group_chatter_fatigue * b.fatigue_group_factor))
    for extra, kind_fatigue, target in ((extra_value, b.fatigue_value, value), (extra_promo, b.fatigue_promo, promo)):
        if extra is None or extra[0].size == 0:
            continue
        rows, messages = extra
        read = messages * private.private_reach * np.where(pop.state[rows] == MUTED, private.muted_reach, 1.0)
        target[rows] += read.astype(F32)
        fatigue[rows] += (read * kind_fatigue * b.fatigue_private_factor).astype(F32)
    return Exposure(value=value, promo=promo, fatigue=fatigue)


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


# -- 3. fatigue -------------------------------------------------------------------
def accrue_fatigue(pop: Population, added: np.ndarray, half_life_days: float) -> None:
    """Fatigue decays with a half-life and grows with every message seen."""
    decay = F32(0.5 ** (1.0 / half_life_days))
    pop.fatigue *= decay
    pop.fatigue += added


@njit(cache=True)
def _fatigue_over_tolerance(fatigue, tolerance, trust, trust_tolerance):
    """Fatigue relative to what this person tolerates; trusted brands are forgiven more."""
    return fatigue / (tolerance * (ONE + trust_tolerance * trust))


# -- 4. trust ---------------------------------------------------------------------
def update_trust(pop: Population, seen: Exposure, behaviour) -> None:
    """Value content builds trust; promotions seen while annoyed erode it; it decays daily,
    so a brand that stops giving value is slowly forgotten (the equilibrium of gain and
    decay is what a steady content diet buys). Annoyance is :func:`_fatigue_over_tolerance`, capped at 2."""
    b = behaviour
    # float32 throughout, like the arrays: the loop then vectorises
    _move_trust(pop.trust, pop.fatigue, pop.tolerance, seen.value, seen.promo,
                F32(b.trust_tolerance), F32(b.trust_value_gain), F32(b.trust_spam_loss), F32(b.trust_decay))


@njit(cache=True)
def _move_trust(trust, fatigue, tolerance, value, promo, trust_tolerance, value_gain, spam_loss, decay):
    for i in range(trust.size):
        t = trust[i]
        annoyance = min(_fatigue_over_tolerance(fatigue[i], tolerance[i], t, trust_tolerance), np.float32(2))
        t += value_gain * value[i] * (ONE - t) - spam_loss * promo[i] * annoyance * t - decay * t
        trust[i] = min(max(t, np.float32(0)), np.float32(1))


# -- 5. mute, delete, leave -------------------------------------------------------
@dataclass
class Churn:
    mutes: int
    unmutes: int
    left: np.ndarray  # rows who deleted / left today


def churn(pop: Population, behaviour, day: int, rng: np.random.Generator) -> Churn:
    """Past tolerance people mute; far past it (or muted and distrustful) they leave.

    One uniform draw per member decides between leaving, muting and staying, so the
    hazards compete as in a continuous-time model observed once a day.
    """
    b = behaviour
    u = rng.random(pop.size, dtype=F32)
    leave, mutes, unmutes = _mute_or_leave(pop.state, pop.fatigue, pop.tolerance, pop.trust, u,
                                           *(F32(x) for x in (b.trust_tolerance, b.mute_rate, b.leave_rate,
                                                              b.muted_leave_rate, b.drift_leave_rate, b.unmute_rate)))
    left = np.flatnonzero(leave)
    leave_pool(pop, left, LOST, day)
    return Churn(mutes=mutes, unmutes=unmutes, left=left)


STAY, LEAVE, TO_MUTED, TO_ACTIVE, PAST_TOLERANCE = range(5)


@njit(cache=True)
def _mute_or_leave(state, fatigue, tolerance, trust, u, trust_tolerance, mute_rate, leave_rate, muted_leave_rate,
                   drift_leave_rate, unmute_rate):
    """Per member: hazards from how far past tolerance they are (``over``) and distrust
    (``drift``); one uniform ``u`` picks leave, mute / unmute or stay. Sets the new mute
    states; returns who leaves and the mute and unmute counts.

    Most members need no ``exp`` (within tolerance, or muted and less than twice past it):
    a first, branch-free pass (which the compiler vectorises) decides them and marks the
    rest, who are decided one by one in a second pass."""
    n = state.size
    code = np.empty(n, np.uint8)
    for i in range(n):
        s = state[i]
        t = trust[i]
        over = _fatigue_over_tolerance(fatigue[i], tolerance[i], t, trust_tolerance) - ONE
        muted = s == MUTED
        # people drift away from brands they do not trust, even unannoyed
        p_leave = (muted_leave_rate if muted else drift_leave_rate) * (ONE - t)
        p_unmute = unmute_rate * t if muted and over < -0.5 else np.float32(0)
        c = LEAVE if u[i] < p_leave else (TO_ACTIVE if u[i] < p_leave + p_unmute else STAY)
        c = PAST_TOLERANCE if (over > 1) | ((over > 0) & (s == ACTIVE)) else c  # hazards with an exp
        code[i] = c if (s == ACTIVE or muted) else STAY
    for i in range(n):
        if code[i] != PAST_TOLERANCE:
            continue
        t = trust[i]
        over = _fatigue_over_tolerance(fatigue[i], tolerance[i], t, trust_tolerance) - 1
        p_leave = 1 - np.exp(-leave_rate * (over - 1)) if over > 1 else 0.0
        if state[i] == MUTED:
            code[i] = LEAVE if u[i] < p_leave + muted_leave_rate * (1 - t) else STAY
        else:
            p_leave += drift_leave_rate * (1 - t)
            p_mute = 1 - np.exp(-mute_rate * over)
            code[i] = LEAVE if u[i] < p_leave else (TO_MUTED if u[i] < p_leave + p_mute else STAY)
    mutes = unmutes = 0
    for i in range(n):
        c = code[i]
        mutes += c == TO_MUTED
        unmutes += c == TO_ACTIVE
        state[i] = MUTED if c == TO_MUTED else (ACTIVE if c == TO_ACTIVE else state[i])
    return code == LEAVE, mutes, unmutes


def leave_pool(pop: Population, rows: np.ndarray, state: int, day: int) -> None:
    """Take rows out of the pool (to LOST or BANNED), recording their first exit."""
    pop.state[rows] = state
    pop.channels[rows] = 0
    pop.account[rows] = -1
    pop.group[rows] = -1
    first = pop.first_left[rows]
    pop.first_left[rows] = np.where(first == NEVER, day, first)


# -- 6. need and purchases ---------------------------------------------------------
@dataclass
class Purchases:
    rows: np.ndarray
    value: np.ndarray
    private: np.ndarray  # bool per order: bought inside WeChat (no take rate)
    take: np.ndarray     # yuan paid to platforms per order


def grow_need(pop: Population) -> None:
    """Need builds along each person's purchase cycle."""
    pop.need += pop.need_rate


def purchase_hazard(pop: Population, promo_seen: np.ndarray, behaviour, muted_buy: float,
                    need_sharpness: float = 2.0) -> np.ndarray:
    """Daily chance to buy: need x trust x promotion x segment x where they are.

    Deal-seekers barely buy without a promotion; people whose last product disappointed
    rarely buy again, whatever the messaging; past members buy on public platforms at a
    lower rate; muted members still buy when they need to, but less.
    """
    b = behaviour
    place = np.full(len(STATE_NAMES), b.public_buy_factor, F32)  # past members: public platforms
    place[ACTIVE], place[MUTED] = 1.0, muted_buy
    promo_pull = -np.expm1(-promo_seen)  # numpy's vectorised exp; a scalar exp in the loop costs 4x
    return _hazard(pop.need, pop.trust, pop.segment, pop.orders, pop.satisfied, pop.state, promo_pull, place,
                   F32(b.promo_pull_forward), need_sharpness, F32(b.buy_rate), F32(b.promo_lift), b.trust_power,
                   F32(b.deal_seeker_base), F32(b.bad_product_rebuy))


@njit(cache=True)
def _hazard(need, trust, segment, orders, satisfied, state, promo_pull, place, pull_forward, sharpness, buy_rate,
            promo_lift, trust_power, deal_seeker_base, bad_product_rebuy):
    h = np.empty(need.size, np.float32)
    if sharpness == 2 and trust_power == 1:  # the usual case: no pow, so the loop vectorises
        for i in range(need.size):
            # a promotion pulls purchases forward: people stock up before their need is due
            due = min(need[i] + pull_forward * promo_pull[i], ONE)
            h[i] = _hazard_of(due * due, trust[i], promo_pull[i], segment[i], orders[i], satisfied[i],
                              place[state[i]], buy_rate, promo_lift, deal_seeker_base, bad_product_rebuy)
    else:
        for i in range(need.size):
            due = min(need[i] + pull_forward * promo_pull[i], ONE)
            h[i] = _hazard_of(due ** sharpness, trust[i] ** trust_power, promo_pull[i], segment[i], orders[i],
                              satisfied[i], place[state[i]], buy_rate, promo_lift, deal_seeker_base, bad_product_rebuy)
    return h


@njit(cache=True)
def _hazard_of(need_term, trust_term, pull, segment, orders, satisfied, place, buy_rate, promo_lift,
               deal_seeker_base, bad_product_rebuy):
    x = need_term * buy_rate * (ONE + promo_lift * pull) * trust_term
    x *= deal_seeker_base + (ONE - deal_seeker_base) * pull if segment == DEAL_SEEKER else ONE
    # the last product disappointed: the memory outlasts the trust
    x *= bad_product_rebuy if orders > 0 and not satisfied else ONE
    return x * place


def order_values(pop: Population, rows: np.ndarray, category, rng: np.random.Generator) -> np.ndarray:
    """Order value: the person's usual basket times log-normal noise around the category's
    mean; deal-seekers buy smaller baskets."""
    s = category.price_sigma
    v = category.price_mean * pop.basket[rows] * np.exp(s * rng.standard_normal(rows.size) - s * s / 2)
    return np.where(pop.segment[rows] == DEAL_SEEKER, v * category.deal_seeker_basket, v)


def purchase(pop: Population, promo_seen: np.ndarray, scenario, day: int, rng: np.random.Generator,
             forced: np.ndarray | None = None, discount: float = 0.0) -> Purchases:
    """Who buys today, what they spend and where (private pool vs public platform).

    ``forced`` rows buy regardless (coupon redeemed on joining). A campaign ``discount``
    lifts the purchase hazard and cuts what each order pays.
    """
    b, cat, priv = scenario.behaviour, scenario.category, scenario.private
    h = purchase_hazard(pop, promo_seen, b, priv.muted_buy, cat.need_sharpness)
    if discount:
        h = np.minimum(h * (1 + b.discount_lift * discount), 1)
    buy = rng.random(pop.size, dtype=F32) < h
    if forced is not None and forced.size:
        buy[forced] = True
    rows = np.flatnonzero(buy)
    value = order_values(pop, rows, cat, rng) * (1 - discount)
    state = pop.state[rows]
    p_private = np.select([state == ACTIVE, state == MUTED], [priv.private_purchase_share, priv.private_purchase_share * 0.5], 0.0)
    private = rng.random(rows.size) < p_private
    take_rates = np.array([c.take_rate for c in scenario.public_channels] + [priv.public_take_rate])
    src = pop.source[rows].astype(np.int64)
    rate = take_rates[np.where(src < len(scenario.public_channels), src, len(scenario.public_channels))]
    take = np.where(private, 0.0, value * rate)
    pop.orders[rows] += 1
    pop.spend[rows] += value.astype(F32)
    pop.need[rows] = 0
    pop.last_buy[rows] = day
    return Purchases(rows=rows, value=value, private=private, take=take)


def after_purchase(pop: Population, rows: np.ndarray, category, followup: bool, behaviour,
                   rng: np.random.Generator) -> int:
    """A good product builds trust, a bad one destroys it; a follow-up adds to the first and
    repairs part of the second. Returns the number of follow-ups made.

    Whether it is good is a draw against ``category.quality``, or against each buyer's own
    chance when ``category.quality_spread`` makes that personal (stored in 1/255 steps; the
    shared figure is used unrounded otherwise).
    See :func:`walk_out_after_bad_product` for the members a bad product drives away."""
    b = behaviour
    chance = pop.satisfaction[rows] / 255.0 if category.quality_spread > 0 else category.quality
    good = rng.random(rows.size) < chance
    pop.satisfied[rows] = good
    t = pop.trust[rows]
    t = np.where(good, t + b.trust_good_purchase * (1 - t), t * (1 - b.trust_bad_purchase))
    followed = np.zeros(rows.size, bool)
    if followup:
        followed = (pop.state[rows] <= MUTED) & (pop.state[rows] >= ACTIVE) & ((pop.channels[rows] & FRIEND) > 0)
        repaired = t + b.trust_bad_purchase * b.followup_recovery * pop.trust[rows]
        t = np.where(followed, np.where(good, t + b.trust_followup * (1 - t), repaired), t)
    pop.trust[rows] = np.clip(t, 0, 1)
    return int(followed.sum())


def walk_out_after_bad_product(pop: Population, rows: np.ndarray, behaviour, day: int,
                               rng: np.random.Generator) -> np.ndarray:
    """Some members who just got a bad product delete the brand at once (DOMAIN: a bad
    product kills repurchase whatever the messaging). Returns the rows who left."""
    bad = rows[~pop.satisfied[rows] & ((pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED))]
    gone = bad[rng.random(bad.size) < behaviour.bad_product_leave]
    leave_pool(pop, gone, LOST, day)
    return gone


# -- 8. platform enforcement ------------------------------------------------------
def ban_hazard(intensity: np.ndarray, delete_rate: np.ndarray, platform) -> np.ndarray:
    """Daily ban probability per account: rises steeply with message bombing (messages
    per member per day beyond what the platform tolerates) and with complaints (deletes)."""
    pressure = (intensity / platform.ban_safe_intensity) ** platform.ban_exponent
    h = platform.ban_base_hazard * pressure * (1 + platform.ban_complaint_weight * delete_rate)
    return np.clip(h, 0, 1)


def ban_accounts(pop: Population, banned: np.ndarray, day: int) -> np.ndarray:
    """Every friend on a banned account is lost at once (DOMAIN: bans wipe friends).

    Members who only know the account through a group stay: the group outlives its
    owner's account and is taken over by the replacement account.
    """
    if banned.size == 0:
        return np.zeros(0, np.int64)
    rows = np.flatnonzero(pop.in_pool() & ((pop.channels & FRIEND) > 0) & np.isin(pop.account, banned))
    leave_pool(pop, rows, BANNED, day)
    return rows
