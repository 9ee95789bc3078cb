"""Who joins the pool: traits of new people, acquisition from public channels, arrivals,
referrals, and the day-0 pool. One named function per rule, over whole arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.population import (
    ACTIVE, CHANNEL_BITS, DEAL_SEEKER, FIT, FRIEND, GROUP, LOST, MOMENTS, NEVER, OFFICIAL,
    SOURCE_ARRIVAL, SOURCE_INITIAL, SOURCE_REFERRAL, Population,
)

from sim.compiled import F32


# -- who people are ---------------------------------------------------------------
def draw_traits(pop: Population, rows: slice, segment: np.ndarray, scenario, rng: np.random.Generator) -> None:
    """Give new rows their fixed traits: segment, fatigue tolerance, purchase rate, basket,
    (with ``category.quality_spread``) how likely the product is to satisfy them, (with
    ``behaviour.drop_out_shape``) how prone they are to drift away and (with
    ``behaviour.buy_rate_shape``) how readily they buy once need is due.

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
    if cat.quality_spread > 0:  # drawn only when asked for, so other scenarios keep their draws
        pop.satisfaction[rows] = np.rint(255 * satisfaction_chances(cat.quality, cat.quality_spread, n, rng))
    else:
        pop.satisfaction[rows] = round(255 * cat.quality)  # for readers of the column; the rule uses quality itself
    if b.drop_out_shape > 0:  # likewise drawn only when asked for
        pop.drop_out[rows] = propensities(b.drop_out_shape, n, rng)
    if b.buy_rate_shape > 0:  # likewise, and after the others
        pop.buy_propensity[rows] = propensities(b.buy_rate_shape, n, rng)


def propensities(shape: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each person's propensity, drawn once: gamma with mean 1 and ``shape`` (lower = people
    differ more), by inversion of one uniform per person (:func:`_by_inversion`).

    For drifting away (``behaviour.drop_out_shape``, as Pareto/NBD draws each customer's
    drop-out rate), those prone to leave leave first, so the drop-out hazard of a cohort
    falls as it ages. For buying (``behaviour.buy_rate_shape``), the need cycle says when
    buying becomes likely and the propensity how likely, so with a low ``need_sharpness`` a
    person buys as a Poisson process whose rate is gamma-distributed across people, the
    NBD of buy-till-you-die models."""
    return (special.gammaincinv(shape, _by_inversion(n, rng)) / shape).astype(F32)


def satisfaction_chances(quality: float, spread: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each person's chance that a purchase satisfies her: Beta with mean ``quality`` and
    between-person share of variance ``spread`` (concentration 1/spread - 1), as BG/NBD's
    beta-distributed drop-out. Some are reliably pleased, some reliably disappointed, and
    because the disappointed walk out, the longer a cohort lasts the more loyal it gets.
    Drawn by inversion of one uniform per person (:func:`_by_inversion`)."""
    u = _by_inversion(n, rng)  # even where unused, so the stream does not depend on quality
    if quality <= 0 or quality >= 1:
        return np.full(n, quality)
    concentration = 1.0 / spread - 1.0
    return special.betaincinv(quality * concentration, (1 - quality) * concentration, u)


def _by_inversion(n: int, rng: np.random.Generator) -> np.ndarray:
    """The uniforms a trait is drawn from by inverting its distribution function: exactly one
    per person, whatever the trait's parameters. A sampler that rejects draws uses a number
    of them that depends on its parameters, so every later draw of the stream (the next
    traits, the next day's arrivals) would move with them; by inversion each person keeps
    her uniform and her trait moves smoothly with the parameter, so a fit's candidates
    differ by their parameters, not by their luck (common random numbers)."""
    return rng.random(n)


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
    pop.group[rows] = -1  # seated in a group chat by sim.rules.groups.assign_groups
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


# -- acquisition ---------------------------------------------------------------
@dataclass
class Acquisition:
    contacts: int = 0
    joined: int = 0
    spend: float = 0.0       # yuan on contacts
    hook_cost: float = 0.0   # yuan on joining gifts
    coupon_buyers: np.ndarray | None = None  # rows who redeemed the hook at once
    channel_cost: np.ndarray | None = None   # yuan per public channel (contacts and joining gifts)


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
    out = Acquisition(channel_cost=np.zeros(len(scenario.public_channels)))
    if levers.acquisition_budget <= 0 or capacity.sum() <= 0:
        return out
    b, price = scenario.behaviour, scenario.category.price_mean
    hook = levers.hook / price
    lost = np.flatnonzero(pop.state >= LOST)
    lost_segment = pop.segment[lost]
    lost_rows = [lost[lost_segment == s] for s in (FIT, DEAL_SEEKER)]  # each in row order
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
            out.channel_cost[c] += k * channel.cost_per_contact
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
                # drawing positions draws exactly what drawing from the rows themselves would
                picked = rng.choice(n_lost_all, n_lost, replace=False)
                hit = lost_rows[seg][picked]
                back = hit[rng.random(n_lost) < conv[seg]][:room]
                room -= back.size
                still_lost = np.ones(n_lost_all, bool)
                still_lost[picked] = False
                lost_rows[seg] = lost_rows[seg][still_lost]  # row order kept
                joined_rows.append(back)
                joined_source.append(np.full(back.size, c, np.uint8))
    if not joined_rows:
        return out
    rows = np.concatenate(joined_rows)
    source = np.concatenate(joined_source)
    # joiners come grouped by channel and segment: shuffle who lands on which account
    accounts = rng.permutation(fill_accounts(rows.size, capacity))
    per_channel = np.bincount(source, minlength=out.channel_cost.size)
    for c in np.flatnonzero(per_channel):  # the channels that brought someone, in order
        sel = source == c
        join_pool(pop, rows[sel], accounts[sel], day, int(c), b.trust_paid, levers, rng)
    out.joined = int(rows.size)
    out.hook_cost = levers.hook * rows.size
    out.channel_cost += levers.hook * per_channel
    if levers.hook > 0:
        p = b.coupon_redeem * np.sqrt(min(1.0, hook)) * np.where(pop.segment[rows] == DEAL_SEEKER, 1.0, 0.6)
        out.coupon_buyers = rows[rng.random(rows.size) < p]
    return out


# -- referral ------------------------------------------------------------------
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
    eligible = np.flatnonzero((pop.state == ACTIVE) & pop.satisfied)
    reward = levers.referral_reward if levers.referral_levels > 0 else 0.0
    trust = pop.trust[eligible]
    p = b.referral_rate * trust * trust * (1 + b.referral_reward_lift * reward / price)
    referrers = eligible[rng.random(eligible.size, dtype=F32) < p]
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


# -- arrivals -----------------------------------------------------------------
@dataclass
class Arrivals:
    joined: np.ndarray   # rows who joined today
    buyers: np.ndarray   # rows among them whose first order is today (they arrived having bought)


def arrive(pop: Population, scenario, levers, capacity: np.ndarray, day: int, waiting: list,
           rng: np.random.Generator) -> Arrivals:
    """Today's ``market.arrivals`` join the pool, after any who are still waiting for room.

    ``waiting`` holds ``[people left, arrival]`` pairs in arrival order (the model keeps it
    from day to day): arrivals are people, so when the accounts are full (friend caps,
    the daily add limit) they wait rather than vanish. They come from the public domain
    (never-reached people first), with the arrival's persona share, and Beta-distributed
    trust around its mean, as the day-0 pool does.
    """
    waiting.extend([a.count, a] for a in scenario.market.arrivals if a.day == day)
    room = int(capacity.sum())
    segments, trust_means, first_order = [], [], []
    while waiting and room > 0:
        left, a = waiting[0]
        k = min(left, room)
        room -= k
        if k == left:
            waiting.pop(0)
        else:
            waiting[0][0] = left - k
        # persona share as asked while the audience has such people, then whoever is left
        left_in = [int(pop.unaware[s] + pop.exposed[s]) for s in (FIT, DEAL_SEEKER)]
        fit = min(int(rng.binomial(k, a.fit_share)), left_in[FIT])
        deal = min(k - fit, left_in[DEAL_SEEKER])
        fit = min(k - deal, left_in[FIT])
        for seg, n in ((FIT, fit), (DEAL_SEEKER, deal)):
            from_unaware = min(n, int(pop.unaware[seg]))
            pop.unaware[seg] -= from_unaware
            pop.exposed[seg] -= n - from_unaware
            segments.append(np.full(n, seg, np.uint8))
            trust_means.append(np.full(n, scenario.market.initial_pool_trust if a.trust is None else a.trust))
            first_order.append(np.full(n, a.first_order))
    segment = np.concatenate(segments) if segments else np.zeros(0, np.uint8)
    if segment.size == 0:
        empty = np.zeros(0, np.int64)
        return Arrivals(empty, empty)
    new = pop.add(segment.size)
    draw_traits(pop, new, segment, scenario, rng)
    rows = np.arange(new.start, new.stop)
    mean = np.concatenate(trust_means)
    trust = pool_trust(mean, rows.size, scenario.market.pool_trust_concentration, rng)
    accounts = rng.permutation(fill_accounts(rows.size, capacity))
    join_pool(pop, rows, accounts, day, SOURCE_ARRIVAL, trust, levers, rng)
    return Arrivals(rows, rows[np.concatenate(first_order)])


# -- day 0 ----------------------------------------------------------------------
def pool_trust(mean: float | np.ndarray, n: int, concentration: float, rng: np.random.Generator) -> np.ndarray:
    """Trust of ``n`` people who join with a history, Beta-distributed around ``mean``
    (``market.pool_trust_concentration``). numpy's Beta sampler rejects draws, so how
    far the stream moves depends on the mean and the concentration; this draw is left as
    it is because every shipped scenario's numbers come from it (the fitted traits are
    drawn by inversion, :func:`_by_inversion`)."""
    c = concentration
    return rng.beta(np.maximum(mean * c, 1e-3), np.maximum((1 - np.asarray(mean)) * c, 1e-3), n).astype(F32)


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
    trust = pool_trust(m.initial_pool_trust, fit + deal, m.pool_trust_concentration, rng)
    accounts = rng.permutation(fill_accounts(fit + deal, capacity.copy()))  # fit and deal-seekers mixed
    idx = np.arange(rows.start, rows.stop)
    join_pool(pop, idx, accounts, 0, SOURCE_INITIAL, trust, levers, rng, channels=bits)

