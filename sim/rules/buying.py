"""Need and purchases: need builds along each person's cycle; trust, promotions, segment and
place set the daily chance to buy; a product satisfies or disappoints, and some of the
disappointed walk out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.compiled import F32, ONE, njit
from sim.population import ACTIVE, DEAL_SEEKER, FRIEND, LOST, MUTED, STATE_NAMES, Population
from sim.rules.churn import leave_pool


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
    """Daily chance to buy: need x trust x the person's readiness x promotion x segment x
    where they are.

    Deal-seekers barely buy without a promotion; people whose last product disappointed
    rarely buy again, whatever the messaging; past members buy on public platforms at a
    lower rate; muted members still buy when they need to, but less.
    """
    b = behaviour
    place = np.full(len(STATE_NAMES), b.public_buy_factor, F32)  # past members: public platforms
    place[ACTIVE], place[MUTED] = 1.0, muted_buy
    promo_pull = -np.expm1(-promo_seen)  # numpy's vectorised exp; a scalar exp in the loop costs 4x
    return _hazard(pop.need, pop.trust, pop.buy_propensity, pop.segment, pop.orders, pop.satisfied, pop.state,
                   promo_pull, place, F32(b.promo_pull_forward), need_sharpness, F32(b.buy_rate), F32(b.promo_lift),
                   b.trust_power, F32(b.deal_seeker_base), F32(b.bad_product_rebuy))


@njit(cache=True)
def _hazard(need, trust, propensity, segment, orders, satisfied, state, promo_pull, place, pull_forward, sharpness,
            buy_rate, promo_lift, trust_power, deal_seeker_base, bad_product_rebuy):
    h = np.empty(need.size, np.float32)
    if sharpness == 2 and trust_power == 1:  # the usual case: no pow, so the loop vectorises
        for i in range(need.size):
            # a promotion pulls purchases forward: people stock up before their need is due
            due = min(need[i] + pull_forward * promo_pull[i], ONE)
            h[i] = _hazard_of(due * due, trust[i] * propensity[i], promo_pull[i], segment[i], orders[i], satisfied[i],
                              place[state[i]], buy_rate, promo_lift, deal_seeker_base, bad_product_rebuy)
    else:
        for i in range(need.size):
            due = min(need[i] + pull_forward * promo_pull[i], ONE)
            h[i] = _hazard_of(due ** sharpness, trust[i] ** trust_power * propensity[i], promo_pull[i], segment[i],
                              orders[i], satisfied[i], place[state[i]], buy_rate, promo_lift, deal_seeker_base,
                              bad_product_rebuy)
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
    by_state = np.zeros(len(STATE_NAMES))  # chance an order is placed inside WeChat, by the buyer's state
    by_state[ACTIVE], by_state[MUTED] = priv.private_purchase_share, priv.private_purchase_share * 0.5
    p_private = by_state[state]
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
        followed = reachable_for_followup(pop, rows)
        repaired = t + b.trust_bad_purchase * b.followup_recovery * pop.trust[rows]
        t = np.where(followed, np.where(good, t + b.trust_followup * (1 - t), repaired), t)
    pop.trust[rows] = np.clip(t, 0, 1)
    return int(followed.sum())


def reachable_for_followup(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` a follow-up can reach: friends of the brand still in the pool."""
    state = pop.state[rows]
    return ((state == ACTIVE) | (state == MUTED)) & ((pop.channels[rows] & FRIEND) > 0)


def walk_out_after_bad_product(pop: Population, rows: np.ndarray, behaviour, day: int, rng: np.random.Generator,
                               followup: bool = False, arrived_with: np.ndarray | None = None) -> np.ndarray:
    """Some members who just got a bad product delete the brand at once (DOMAIN: a bad
    product kills repurchase whatever the messaging). Returns the rows who left.

    How many depends on whether the brand puts the problem right (DOMAIN: TARP's complaint
    studies): a member a follow-up will reach leaves with ``bad_product_leave_resolved``,
    anyone else with ``bad_product_leave``. A follow-up the desk then misses leaves the
    problem unresolved after all (:func:`walk_out_after_missed_followup`). For
    ``arrived_with`` (rows whose order today is the one they arrived with) the chance is
    scaled by ``behaviour.arrival_walk_out``; one draw per disappointed row either way."""
    bad = rows[~pop.satisfied[rows] & ((pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED))]
    p = np.full(bad.size, behaviour.bad_product_leave)
    if followup:
        p[reachable_for_followup(pop, bad)] = behaviour.bad_product_leave_resolved
    if arrived_with is not None and arrived_with.size and behaviour.arrival_walk_out != 1:
        p[np.isin(bad, arrived_with)] *= behaviour.arrival_walk_out
    gone = bad[rng.random(bad.size) < p]
    leave_pool(pop, gone, LOST, day)
    return gone


def unresolved_top_up(behaviour) -> float:
    """The chance that turns a resolved problem's walk-out chance into an unresolved one's:
    1 - (1 - resolved)(1 - top-up) = unresolved."""
    resolved, unresolved = behaviour.bad_product_leave_resolved, behaviour.bad_product_leave
    return max(unresolved - resolved, 0.0) / (1.0 - resolved) if resolved < 1 else 0.0


def walk_out_after_missed_followup(pop: Population, rows: np.ndarray, behaviour, day: int,
                                   rng: np.random.Generator) -> np.ndarray:
    """Members whose satisfaction check after a bad product never came: the problem stays
    unresolved, so those who stayed expecting it leave with :func:`unresolved_top_up`
    (in all, ``bad_product_leave``, as if no follow-up had been promised). Returns who left."""
    waiting = rows[~pop.satisfied[rows] & ((pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED))]
    gone = waiting[rng.random(waiting.size) < unresolved_top_up(behaviour)]
    leave_pool(pop, gone, LOST, day)
    return gone
