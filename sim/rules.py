"""The daily behavioural rules, one named function each, over whole arrays.

Each rule reads and writes a :class:`~sim.population.Population` and returns what it
counted; none loops over customers in Python. The model (:mod:`sim.model`) calls them
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
    STATE_NAMES, ACTIVE, BANNED, CHANNEL_BITS, DEAL_SEEKER, FIT, FRIEND, GROUP, LOST, MOMENTS, MUTED, NEVER,
    OFFICIAL, SOURCE_INITIAL, SOURCE_REFERRAL, Population,
)

F32 = np.float32


# -- who people are ---------------------------------------------------------------
def draw_traits(pop: Population, rows: slice, segment: np.ndarray, scenario, rng: np.random.Generator) -> None:
    """Give new rows their fixed traits: segment, fatigue tolerance, purchase rate, basket.

    Purchase rates are gamma-distributed around 1/cycle (a negative-binomial buyer
    population, as in buy-till-you-die models): a few frequent buyers, many rare ones.
    """
    n = rows.stop - rows.start
    b, cat = scenario.behaviour, scenario.category
    pop.segment[rows] = segment
    pop.tolerance[rows] = b.tolerance_median * np.exp(b.tolerance_sigma * rng.standard_normal(n, dtype=F32))
    shape = cat.cycle_shape
    pop.need_rate[rows] = rng.gamma(shape, 1.0 / (shape * cat.purchase_cycle_days), n).astype(F32)
    pop.need[rows] = rng.random(n, dtype=F32)  # phase: people are mid-cycle when we meet them
    # persistent order size (the gamma-gamma idea of CLV models): some people buy big sets
    s = cat.customer_spend_sigma
    pop.basket[rows] = np.exp(s * rng.standard_normal(n, dtype=F32) - s * s / 2)


def join_pool(pop: Population, rows: np.ndarray | slice, accounts: np.ndarray, day: int, source: int,
              trust: np.ndarray | float, levers, rng: np.random.Generator,
              channels: int | None = None) -> None:
    """Put people into the pool on ``accounts``: channels, trust, join day, source."""
    n = len(accounts)
    if n == 0:
        return
    if channels is None:
        chan = np.full(n, FRIEND | MOMENTS, np.uint8)
        invite = rng.random(n) < levers.group_invite_share
        if levers.group_fit_only:
            invite &= pop.segment[rows] == FIT
        chan[invite] |= GROUP
        chan[rng.random(n) < levers.official_follow_share] |= OFFICIAL
    else:
        chan = np.full(n, channels, np.uint8)
    pop.state[rows] = ACTIVE
    pop.channels[rows] = chan
    pop.account[rows] = accounts
    pop.group[rows] = -1  # seated in a group chat by sim.rules_groups.assign_groups
    pop.source[rows] = source
    pop.trust[rows] = trust
    pop.fatigue[rows] = 0
    first = pop.first_join[rows]
    pop.first_join[rows] = np.where(first == NEVER, day, first)


def fill_accounts(n: int, capacity: np.ndarray) -> np.ndarray:
    """Account index for each of ``n`` joiners, spread in proportion to spare capacity.

    ``n`` must not exceed ``capacity.sum()``; no account receives more than its capacity.
    """
    total = int(capacity.sum())
    if n <= 0 or total <= 0:
        return np.zeros(0, np.int16)
    share = capacity * (n / total)
    counts = np.floor(share).astype(np.int64)
    short = n - int(counts.sum())
    if short:
        spare = np.flatnonzero(counts < capacity)
        order = spare[np.argsort(-(share[spare] - counts[spare]), kind="stable")]
        counts[order[:short]] += 1
    capacity -= counts
    return np.repeat(np.arange(capacity.size, dtype=np.int16), counts)


# -- 1. acquisition ---------------------------------------------------------------
@dataclass
class Acquisition:
    contacts: int = 0
    joined: int = 0
    spend: float = 0.0       # yuan on contacts
    hook_cost: float = 0.0   # yuan on joining gifts
    coupon_buyers: np.ndarray | None = None  # rows who redeemed the hook at once


def acquire(pop: Population, scenario, levers, capacity: np.ndarray, day: int,
            rng: np.random.Generator, weights: np.ndarray) -> Acquisition:
    """Buy contacts on each public channel and convert some into the pool.

    Budget x channel share / cost per contact = contacts. ``precision`` of them fit the
    persona. A hook (coupon) lifts conversion, much more for deal-seekers: that is how
    coupon-led acquisition fills the pool with people who will not buy ("false
    prosperity", DOMAIN). Contacts are drawn without replacement from the public
    domain, including lost customers (the only way back in); joiners need spare account
    capacity (friend caps, daily add limits).
    """
    out = Acquisition()
    if levers.acquisition_budget <= 0 or capacity.sum() <= 0:
        return out
    b, price = scenario.behaviour, scenario.category.price_mean
    hook = levers.hook / price
    lost_rows = [np.flatnonzero((pop.state >= LOST) & (pop.segment == s)) for s in (FIT, DEAL_SEEKER)]
    room = int(capacity.sum())
    joined_rows, joined_source = [], []
    # channels in random order each day, so that when account capacity binds no channel
    # is systematically first in line
    for c in rng.permutation(len(scenario.public_channels)):
        channel = scenario.public_channels[c]
        budget = levers.acquisition_budget * weights[c]
        expected = budget / channel.cost_per_contact
        contacts = int(expected) + int(rng.random() < expected - int(expected))
        if contacts == 0:
            continue
        fit_contacts = rng.binomial(contacts, channel.precision)
        conv = (min(1.0, channel.conversion * (1 + b.hook_fit_lift * hook)),
                min(1.0, channel.conversion * b.deal_join_base * (1 + b.hook_deal_lift * hook)))
        for seg, k in ((FIT, fit_contacts), (DEAL_SEEKER, contacts - fit_contacts)):
            n_lost_all = lost_rows[seg].size
            public = int(pop.unaware[seg] + pop.exposed[seg]) + n_lost_all
            k = min(k, public)
            if k == 0:
                continue
            out.contacts += k
            out.spend += k * channel.cost_per_contact
            # who among the public domain was reached: lost rows, exposed, unaware
            n_lost = int(rng.hypergeometric(n_lost_all, public - n_lost_all, k)) if n_lost_all else 0
            n_exposed = int(rng.hypergeometric(pop.exposed[seg], pop.unaware[seg], k - n_lost)) if pop.exposed[seg] else 0
            n_unaware = k - n_lost - n_exposed
            pop.unaware[seg] -= n_unaware
            pop.exposed[seg] += n_unaware
            # conversion, within the accounts' room for new friends today
            join_new = min(int(rng.binomial(n_unaware + n_exposed, conv[seg])), room)
            room -= join_new
            pop.exposed[seg] -= join_new
            if join_new:
                new = pop.add(join_new)
                draw_traits(pop, new, np.uint8(seg), scenario, rng)
                joined_rows.append(np.arange(new.start, new.stop))
                joined_source.append(np.full(join_new, c, np.uint8))
            if n_lost:
                hit = rng.choice(lost_rows[seg], n_lost, replace=False)
                back = hit[rng.random(n_lost) < conv[seg]][:room]
                room -= back.size
                lost_rows[seg] = np.setdiff1d(lost_rows[seg], hit, assume_unique=True)
                joined_rows.append(back)
                joined_source.append(np.full(back.size, c, np.uint8))
    if not joined_rows:
        return out
    rows = np.concatenate(joined_rows)
    source = np.concatenate(joined_source)
    # joiners come grouped by channel and segment: shuffle who lands on which account
    accounts = rng.permutation(fill_accounts(rows.size, capacity))
    for c in np.unique(source):
        sel = source == c
        join_pool(pop, rows[sel], accounts[sel], day, int(c), b.trust_paid, levers, rng)
    out.joined = int(rows.size)
    out.hook_cost = levers.hook * rows.size
    if levers.hook > 0:
        p = b.coupon_redeem * np.sqrt(min(1.0, hook)) * np.where(pop.segment[rows] == DEAL_SEEKER, 1.0, 0.6)
        out.coupon_buyers = rows[rng.random(rows.size) < p]
    return out


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


# -- 7. referral ------------------------------------------------------------------
@dataclass
class Referrals:
    referrers: np.ndarray
    joined: np.ndarray
    reward_cost: float


def refer(pop: Population, scenario, levers, capacity: np.ndarray, day: int,
          rng: np.random.Generator) -> Referrals:
    """Satisfied, trusting members bring friends from the public domain (well-mixed).

    A referred friend fits the persona more often and arrives trusting more than bought
    traffic; a reward lifts the referring rate. Commission is paid up the referral
    chain for ``levers.referral_levels`` levels (validation caps it at 3).
    """
    b, price = scenario.behaviour, scenario.category.price_mean
    eligible = (pop.state == ACTIVE) & pop.satisfied
    reward = levers.referral_reward if levers.referral_levels > 0 else 0.0
    p = b.referral_rate * pop.trust ** 2 * (1 + b.referral_reward_lift * reward / price)
    draw = rng.random(pop.size, dtype=F32) < np.where(eligible, p, 0)
    referrers = np.flatnonzero(draw)
    if referrers.size == 0:
        return Referrals(referrers, np.zeros(0, np.int64), 0.0)
    converts = referrers[rng.random(referrers.size) < b.referral_conversion]
    # one friend each, limited by the referrer's account capacity today
    acct = pop.account[converts].astype(np.int64)
    order = np.argsort(acct, kind="stable")
    acct_sorted = acct[order]
    starts = np.searchsorted(acct_sorted, acct_sorted, side="left")
    rank = np.arange(acct_sorted.size) - starts
    ok = rank < capacity[acct_sorted]
    converts, acct = converts[order][ok], acct_sorted[ok]
    # friends come from the public domain that never joined, by segment availability
    want_fit = rng.random(converts.size) < b.referral_fit_share
    seg = np.where(want_fit, FIT, DEAL_SEEKER).astype(np.uint8)
    keep = np.ones(converts.size, bool)
    for s in (FIT, DEAL_SEEKER):
        idx = np.flatnonzero(seg == s)
        available = int(pop.unaware[s] + pop.exposed[s])
        keep[idx[available:]] = False
        take = min(idx.size, available)
        from_exposed = rng.hypergeometric(pop.exposed[s], pop.unaware[s], take) if take and pop.exposed[s] else 0
        pop.exposed[s] -= from_exposed
        pop.unaware[s] -= take - from_exposed
    converts, acct, seg = converts[keep], acct[keep], seg[keep]
    np.subtract.at(capacity, acct, 1)
    new = pop.add(converts.size)
    draw_traits(pop, new, seg, scenario, rng)
    rows = np.arange(new.start, new.stop)
    join_pool(pop, rows, acct.astype(np.int16), day, SOURCE_REFERRAL, b.trust_referred, levers, rng)
    pop.referrer[rows] = converts
    pop.depth[rows] = np.minimum(pop.depth[converts].astype(np.int64) + 1, 255)
    # commission up the chain
    paid, up = 0, converts
    for _ in range(levers.referral_levels):
        up = up[up >= 0]
        paid += up.size
        up = pop.referrer[up]
    return Referrals(referrers=referrers, joined=rows, reward_cost=float(reward * paid))


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


def seed_initial_pool(pop: Population, scenario, capacity: np.ndarray, levers, rng: np.random.Generator) -> None:
    """Day-0 pool: people who already follow the brand, on the brand's accounts."""
    m = scenario.market
    n = m.initial_pool
    if n == 0:
        return
    fit = rng.binomial(n, m.initial_pool_fit_share)
    fit = int(min(fit, pop.unaware[FIT]))
    deal = int(min(n - fit, pop.unaware[DEAL_SEEKER]))
    pop.unaware[FIT] -= fit
    pop.unaware[DEAL_SEEKER] -= deal
    rows = pop.add(fit + deal)
    draw_traits(pop, rows, np.repeat(np.array([FIT, DEAL_SEEKER], np.uint8), [fit, deal]), scenario, rng)
    bits = 0
    for name in m.initial_pool_channels:
        bits |= CHANNEL_BITS[name]
    concentration = 8.0
    a, bb = m.initial_pool_trust * concentration, (1 - m.initial_pool_trust) * concentration
    trust = rng.beta(max(a, 1e-3), max(bb, 1e-3), fit + deal).astype(F32)
    accounts = rng.permutation(fill_accounts(fit + deal, capacity.copy()))  # fit and deal-seekers mixed
    idx = np.arange(rows.start, rows.stop)
    join_pool(pop, idx, accounts, 0, SOURCE_INITIAL, trust, levers, rng, channels=bits)

