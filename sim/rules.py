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

from sim.population import (
    STATE_NAMES, ACTIVE, BANNED, DEAL_SEEKER, FRIEND, GROUP, LOST, MOMENTS, MUTED, NEVER,
    OFFICIAL, Population,
)

F32 = np.float32


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
    each person read (:func:`sim.rules_groups.chatter_seen`): partly useful, all tiring.
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

    key = pop.account.astype(np.int32)
    key <<= 5
    key += pop.channels
    key += (pop.state == MUTED).view(np.uint8) << 4
    value = table(v * seen).take(key)
    promo = table((1 - v) * seen).take(key)
    fatigue = table(per_message * weighted).take(key)
    for extra, kind_fatigue, target in ((extra_value, b.fatigue_value, value), (extra_promo, b.fatigue_promo, promo)):
        if extra is None or extra[0].size == 0:
            continue
        rows, messages = extra
        read = messages * private.private_reach * np.where(pop.state[rows] == MUTED, private.muted_reach, 1.0)
        target[rows] += read.astype(F32)
        fatigue[rows] += (read * kind_fatigue * b.fatigue_private_factor).astype(F32)
    if chatter is not None:
        value += F32(private.group_chatter_value) * chatter
        fatigue += F32(private.group_chatter_fatigue * b.fatigue_group_factor) * chatter
    return Exposure(value=value, promo=promo, fatigue=fatigue)


# -- 3. fatigue -------------------------------------------------------------------
def accrue_fatigue(pop: Population, added: np.ndarray, half_life_days: float) -> None:
    """Fatigue decays with a half-life and grows with every message seen."""
    decay = F32(0.5 ** (1.0 / half_life_days))
    pop.fatigue *= decay
    pop.fatigue += added


def tolerance_left(pop: Population, behaviour) -> np.ndarray:
    """Fatigue relative to what this person tolerates; trusted brands are forgiven more."""
    return pop.fatigue / (pop.tolerance * (1 + behaviour.trust_tolerance * pop.trust))


# -- 4. trust ---------------------------------------------------------------------
def update_trust(pop: Population, seen: Exposure, behaviour) -> None:
    """Value content builds trust; promotions seen while annoyed erode it; it decays daily,
    so a brand that stops giving value is slowly forgotten (the equilibrium of gain and
    decay is what a steady content diet buys)."""
    b = behaviour
    t = pop.trust
    annoyance = np.minimum(tolerance_left(pop, b), 2)
    gain = b.trust_value_gain * seen.value * (1 - t)
    loss = b.trust_spam_loss * seen.promo * annoyance * t
    t += gain - loss - b.trust_decay * t
    np.clip(t, 0, 1, out=t)


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
    over = tolerance_left(pop, b) - 1
    active = pop.state == ACTIVE
    muted = pop.state == MUTED
    p_mute = np.where(active, 1 - np.exp(-b.mute_rate * np.maximum(over, 0)), 0)
    p_leave = 1 - np.exp(-b.leave_rate * np.maximum(over - 1, 0))
    drift = 1 - pop.trust  # people drift away from brands they do not trust, even unannoyed
    p_leave = np.where(muted, p_leave + b.muted_leave_rate * drift,
                       np.where(active, p_leave + b.drift_leave_rate * drift, 0))
    p_unmute = np.where(muted & (over < -0.5), b.unmute_rate * pop.trust, 0)
    u = rng.random(pop.size, dtype=F32)
    leave = u < p_leave
    mute = ~leave & (u < p_leave + p_mute)
    unmute = ~leave & muted & (u < p_leave + p_unmute)
    pop.state[mute] = MUTED
    pop.state[unmute] = ACTIVE
    left = np.flatnonzero(leave)
    leave_pool(pop, left, LOST, day)
    return Churn(mutes=int(mute.sum()), unmutes=int(unmute.sum()), left=left)


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
    promo_pull = 1 - np.exp(-promo_seen)
    # a promotion pulls purchases forward: people stock up before their need is due
    need = np.minimum(pop.need + F32(b.promo_pull_forward) * promo_pull, F32(1))
    h = need * need if need_sharpness == 2 else need ** F32(need_sharpness)
    h *= F32(b.buy_rate) * (1 + F32(b.promo_lift) * promo_pull)
    h *= pop.trust if b.trust_power == 1 else pop.trust ** F32(b.trust_power)
    deal = pop.segment == DEAL_SEEKER
    h[deal] *= F32(b.deal_seeker_base) + F32(1 - b.deal_seeker_base) * promo_pull[deal]
    burnt = (pop.orders > 0) & ~pop.satisfied  # the last product disappointed: the memory outlasts the trust
    h[burnt] *= F32(b.bad_product_rebuy)
    place = np.full(len(STATE_NAMES), b.public_buy_factor, F32)  # past members: public platforms
    place[ACTIVE], place[MUTED] = 1.0, muted_buy
    h *= place.take(pop.state)
    return h


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


def after_purchase(pop: Population, rows: np.ndarray, quality: float, followup: bool, behaviour,
                   rng: np.random.Generator) -> int:
    """A good product builds trust, a bad one destroys it; a follow-up adds to the first and
    repairs part of the second. Returns the number of follow-ups made.

    See :func:`walk_out_after_bad_product` for the members a bad product drives away."""
    b = behaviour
    good = rng.random(rows.size) < quality
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
