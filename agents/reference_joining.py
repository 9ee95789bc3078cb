"""Who joins the reference's pool: the day-0 followers, contacts bought on public
channels, and ``market.arrivals`` — one person at a time.

Each function is the plain-Python specification of one rule of :mod:`sim.rules.joining`
(named in its docstring) and works on a :class:`agents.reference.ReferenceModel`: its
public-domain counts (``unaware`` / ``exposed`` per segment), its customers, and its
accounts' room for new friends today (:meth:`ReferenceModel.seats`). Referrals are the
customers' own (:meth:`agents.customer.CustomerAgent.refer`).
"""

from __future__ import annotations

import math

from agents.reference_platform import spread_over_accounts
from sim.population import CHANNEL_BITS, DEAL_SEEKER, FIT, LOST, SOURCE_ARRIVAL, SOURCE_INITIAL


def history_trust(r, mean: float, concentration: float) -> float:
    """Trust of someone who joins with a history (day-0 follower, arrival):
    Beta around ``mean`` with ``market.pool_trust_concentration``
    (:func:`sim.rules.joining.pool_trust`)."""
    c = concentration
    return r.betavariate(max(mean * c, 1e-3), max((1 - mean) * c, 1e-3))


def seed_initial_pool(model) -> None:
    """Day-0 pool (:func:`sim.rules.joining.seed_initial_pool`): each follower is
    persona-fit with the scenario's share (while the audience has such people), has
    Beta trust around the scenario's mean, follows on the scenario's channels, and sits
    on the accounts in proportion to their friend caps, fit and deal-seekers mixed."""
    m, r = model.scenario.market, model.random
    if m.initial_pool == 0:
        return
    fit = sum(r.random() < m.initial_pool_fit_share for _ in range(m.initial_pool))
    fit = min(fit, model.unaware[FIT])
    deal = min(m.initial_pool - fit, model.unaware[DEAL_SEEKER])
    model.unaware[FIT] -= fit
    model.unaware[DEAL_SEEKER] -= deal
    followers = [model.customer_class(model, s) for s, k in ((FIT, fit), (DEAL_SEEKER, deal)) for _ in range(k)]
    bits = 0
    for name in m.initial_pool_channels:
        bits |= CHANNEL_BITS[name]
    counts = spread_over_accounts(len(followers), [a.friend_cap for a in model.accounts])
    seats = [a.index for a, k in zip(model.accounts, counts) for _ in range(k)]
    r.shuffle(seats)
    for person, account in zip(followers, seats):
        trust = history_trust(r, m.initial_pool_trust, m.pool_trust_concentration)
        person.join(account, SOURCE_INITIAL, trust, channels=bits)


def acquire(model, lev) -> None:
    """Buy contacts on each public channel (:func:`sim.rules.joining.acquire`).

    Channels come in random order, so none is always first when room runs out. A
    channel's budget share / cost per contact is its expected contacts (the fraction
    decided by a draw); ``precision`` of them fit the persona. Each contact is one
    person of their segment drawn without replacement from the public domain
    (never-reached, reached before, or lost customers: the only way back in); the hook
    (a joining coupon) lifts conversion, deal-seekers' much more. Joiners need room on
    the accounts; some redeem the coupon and buy today.

    The engine draws the same counts at once (binomial segment split, hypergeometric
    split of who was reached, binomial conversion within the room left): drawing the
    contacts one by one without replacement gives exactly those distributions.
    """
    sc, r = model.scenario, model.random
    model.today.update(contacts=0, acquired=0, acquisition_cost=0.0)
    if lev.acquisition_budget <= 0 or model.room_left() <= 0:
        return
    b = sc.behaviour
    hook = lev.hook / sc.category.price_mean
    lost = {s: [p for p in model.people if p.state >= LOST and p.segment == s] for s in (FIT, DEAL_SEEKER)}
    room = model.room_left()
    joiners: list[tuple[object, int]] = []
    weights = model.strategy.channel_weights(sc, lev)
    order = list(range(len(sc.public_channels)))
    r.shuffle(order)
    spend = 0.0
    for c in order:
        channel = sc.public_channels[c]
        expected = lev.acquisition_budget * weights[c] / channel.cost_per_contact
        contacts = int(expected) + (r.random() < expected - int(expected))
        fit_contacts = sum(r.random() < channel.precision for _ in range(contacts))
        conversion = {FIT: min(1.0, channel.conversion * (1 + b.hook_fit_lift * hook)),
                      DEAL_SEEKER: min(1.0, channel.conversion * b.deal_join_base * (1 + b.hook_deal_lift * hook))}
        for seg, k in ((FIT, fit_contacts), (DEAL_SEEKER, contacts - fit_contacts)):
            k = min(k, model.unaware[seg] + model.exposed[seg] + len(lost[seg]))
            model.today["contacts"] += k
            spend += k * channel.cost_per_contact
            strangers, returning = 0, []
            unaware, exposed = model.unaware[seg], model.exposed[seg]
            for _ in range(k):  # one contact: a person not yet reached today
                u = r.random() * (len(lost[seg]) + unaware + exposed)
                if u < len(lost[seg]):
                    i = int(u)
                    lost[seg][i], lost[seg][-1] = lost[seg][-1], lost[seg][i]
                    returning.append(lost[seg].pop())
                elif u < len(lost[seg]) + exposed:
                    exposed -= 1
                    strangers += 1
                else:
                    unaware -= 1
                    model.unaware[seg] -= 1  # now they have seen the brand
                    model.exposed[seg] += 1
                    strangers += 1
            for _ in range(strangers):
                if room and r.random() < conversion[seg]:
                    room -= 1
                    model.exposed[seg] -= 1
                    joiners.append((model.customer_class(model, seg), c))
            for person in returning:
                if r.random() < conversion[seg] and room:
                    room -= 1
                    joiners.append((person, c))
    redeem = b.coupon_redeem * math.sqrt(min(1.0, hook))
    for (person, c), account in zip(joiners, model.seats(len(joiners))):
        person.join(account, c, b.trust_paid)
        if lev.hook > 0:  # the joining coupon, redeemed at once by some (deal-seekers most)
            person.coupon_today = r.random() < redeem * (1.0 if person.segment == DEAL_SEEKER else 0.6)
    model.today["acquired"] = len(joiners)
    model.today["acquisition_cost"] = spend + lev.hook * len(joiners)


def arrive(model) -> None:
    """``market.arrivals`` (:func:`sim.rules.joining.arrive`): today's arrivals, after any
    still waiting for room, join while the accounts have room (the rest wait, in
    order). Each is persona-fit with the arrival's share while the audience has such
    people, is taken from the never-reached public first, has Beta trust around the
    arrival's mean, and buys today if the arrival came having bought."""
    sc, r = model.scenario, model.random
    for a in sc.market.arrivals:  # one place in the queue per person, in order of arrival
        if a.day == model.day:
            model.waiting_arrivals.extend([a] * a.count)
    room = model.room_left()
    admitted, model.waiting_arrivals = model.waiting_arrivals[:room], model.waiting_arrivals[room:]
    joiners: list[tuple[object, object]] = []
    for a in admitted:
        seg = FIT if r.random() < a.fit_share else DEAL_SEEKER
        if not model.unaware[seg] + model.exposed[seg]:
            seg = DEAL_SEEKER if seg == FIT else FIT  # that persona is used up: whoever is left
        if model.unaware[seg]:
            model.unaware[seg] -= 1
        elif model.exposed[seg]:
            model.exposed[seg] -= 1
        else:
            continue  # the audience is used up
        joiners.append((model.customer_class(model, seg), a))
    for (person, a), account in zip(joiners, model.seats(len(joiners))):
        mean = sc.market.initial_pool_trust if a.trust is None else a.trust
        person.join(account, SOURCE_ARRIVAL, history_trust(r, mean, sc.market.pool_trust_concentration))
        person.coupon_today = person.arrived_with_order = a.first_order
    model.today["arrivals"] = len(joiners)
