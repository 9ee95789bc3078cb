"""The reference model: one ``mesa.Agent`` per customer, driven by ``shuffle_do("step")``.

:class:`ReferenceModel` runs the same scenario, strategy and account book as
:class:`sim.model.PoolModel` and records the same daily columns, but every customer is
a :class:`~agents.customer.CustomerAgent` stepping through the rules in plain Python.
It is the executable specification the vectorised engine is tested against
(``tests/test_equivalence.py``) and the baseline of ``benchmarks/run.py``; it is slow
on purpose (clarity first) and never used for real runs.

What stays at model level, because it is not a choice of one customer: the budget ->
contacts per public channel, which public-domain people a contact reaches, account
capacity and how joiners are spread over accounts (:func:`sim.rules_joining.fill_accounts`),
the weekly super-user tiers (a ranking of everyone), account bans
(:func:`sim.rules.ban_hazard`), the public-domain counts, campaigns, and the whole
operations layer (:class:`sim.operations.Operations`: the SimPy clock, who asks a
question today, staff queues, follow-up tasks), which is shared with the engine as is
and reads the customers through :attr:`ReferenceModel.population`. What an answer or a
follow-up does to a customer is theirs (:meth:`CustomerAgent.hear_answer`).

>>> from agents.reference import reference_simulate          # doctest: +SKIP
>>> r = reference_simulate(scenario, "nurture", seed=1, replication=0)  # same Result as sim.simulate
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pandas as pd

from agents.customer import CustomerAgent
from agents.operator import AccountBook, GroupBook
from agents.strategy import Strategy, make_strategy
from sim import rules, rules_groups, rules_joining
from sim.api import _FLOAT_COLUMNS, Result, identity
from sim.metrics import cohort_retention, retention_curve, spread_quantiles, summarize
from sim.model import DAILY_COLUMNS, release_agent_ids, seed_sequence
from sim.operations import Operations
from sim.rules_service import todays_levers
from sim.operations import ANSWERED, AUTO_REPLIED, UNANSWERED
from sim.population import (
    ACTIVE, BANNED, CHANNEL_BITS, DEAL_SEEKER, FIT, FRIEND, GROUP, LOST, MUTED, SOURCE_ARRIVAL, SOURCE_INITIAL,
    SOURCE_REFERRAL, Population,
)
from sim.scenario import Scenario

#: daily columns that are counters the customers add to while they move
_COUNTERS = ("mutes", "unmutes", "deletes", "referrals", "followups", "orders", "orders_private",
             "orders_public", "gmv_private", "gmv_public", "take_paid", "reward_cost")


class ReferenceModel(mesa.Model):
    """A brand's private pool with one agent per customer (the specification, not the engine)."""

    SOURCE_REFERRAL = SOURCE_REFERRAL

    def __init__(self, scenario: Scenario, strategy: Strategy | str | None = None,
                 seed: int | np.random.SeedSequence | None = None,
                 customer_class: type[CustomerAgent] = CustomerAgent):
        """``customer_class`` lets a test swap in customers with one rule changed (power checks)."""
        ss = seed_sequence(scenario.seed if seed is None else seed)
        customers_ss, service_ss = ss.spawn(2)
        # mesa seeds model.random (used for every customer draw and for shuffle_do) from this
        # generator; the shared operations layer draws from its own numpy stream
        super().__init__(rng=np.random.default_rng(customers_ss))
        self.streams = {"service": np.random.default_rng(service_ss)}
        self.scenario = scenario
        self.customer_class = customer_class
        self.strategy = make_strategy(scenario, strategy)
        self.day = 0

        acc = scenario.accounts
        spread = np.array([self.random.uniform(-acc.posting_spread, acc.posting_spread) for _ in range(acc.count)])
        self.accounts = AccountBook(acc.count, scenario.friend_cap, 1 + spread)
        self.groups = GroupBook()

        m = scenario.market
        fit = int(round(m.audience * m.fit_share))
        self.unaware = [fit, m.audience - fit]  # public domain, never reached, per segment
        self.exposed = [0, 0]                   # reached on a public platform, did not join
        self.levers_today = self.strategy.levers(0, self)
        self.discount = 0.0
        self.answer_waits: list[np.ndarray] = []  # minutes each answered question waited (summary)
        self.people: list[CustomerAgent] = []  # every customer, in order of first meeting (= row)
        self.super_users: set[int] = set()
        self._tiered_at_size = -1
        self.seed_initial_pool()
        self.waiting_arrivals: list = []  # market.arrivals still waiting for account room
        self.operations = Operations(self, "simpy")  # the event-by-event desk: the readable specification
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda model, name=name: model.today[name]) for name in DAILY_COLUMNS})

    # -- who is where ------------------------------------------------------------------
    def register_agent(self, agent) -> None:
        super().register_agent(agent)
        if isinstance(agent, CustomerAgent):
            agent.row = len(self.people)
            self.people.append(agent)

    def seed_initial_pool(self) -> None:
        """Day-0 pool (rules_joining.seed_initial_pool): each follower is persona-fit with the scenario's
        share, has Beta-distributed trust around the scenario's mean, and sits on the accounts
        in proportion to their capacity (fit followers first, as the engine does)."""
        m, r = self.scenario.market, self.random
        fit = sum(r.random() < m.initial_pool_fit_share for _ in range(m.initial_pool))
        fit = min(fit, self.unaware[FIT])
        deal = min(m.initial_pool - fit, self.unaware[DEAL_SEEKER])
        self.unaware[FIT] -= fit
        self.unaware[DEAL_SEEKER] -= deal
        followers = [self.customer_class(self, s) for s, k in ((FIT, fit), (DEAL_SEEKER, deal)) for _ in range(k)]
        bits = 0
        for name in m.initial_pool_channels:
            bits |= CHANNEL_BITS[name]
        c = rules_joining.POOL_TRUST_CONCENTRATION
        a, b = m.initial_pool_trust * c, (1 - m.initial_pool_trust) * c
        accounts = list(rules_joining.fill_accounts(len(followers), self.accounts.capacity(0, 10**9)))
        r.shuffle(accounts)  # fit and deal-seekers mixed over the accounts
        for person, account in zip(followers, accounts):
            person.join(int(account), SOURCE_INITIAL, r.betavariate(max(a, 1e-3), max(b, 1e-3)), channels=bits)

    def take_from_public_domain(self, segment: int) -> bool:
        """Take one never-joined person of ``segment`` out of the public domain (for a
        referral): exposed or unaware in proportion to their numbers. False if none is left."""
        left = self.unaware[segment] + self.exposed[segment]
        if left == 0:
            return False
        if self.random.random() * left < self.exposed[segment]:
            self.exposed[segment] -= 1
        else:
            self.unaware[segment] -= 1
        return True

    # -- counters the customers report to ---------------------------------------------
    def count_order(self, value: float, private: bool, take: float) -> None:
        t = self.today
        t["orders"] += 1
        t["orders_private" if private else "orders_public"] += 1
        t["gmv_private" if private else "gmv_public"] += value
        t["take_paid"] += take

    def count_delete(self, account: int) -> None:
        self.today["deletes"] += 1
        self.deletes_by_account[account] += 1

    def count_recall(self, account: int) -> None:
        self.recalls_by_account[account] += 1

    # -- one day -----------------------------------------------------------------------
    def step(self) -> None:
        """One day: the shared SimPy calendar opens the day (:meth:`begin_day`), runs the
        day's service, and at 23:59 calls :meth:`update_population`."""
        self.operations.run_day()

    def begin_day(self) -> None:
        """00:00 — today's levers (campaigns on top, WeCom's one broadcast a day) and schedule."""
        self.levers_today, self.discount = todays_levers(self, self.day)
        self.schedule = self.accounts.schedule(self.levers_today, self.day)

    def update_population(self, log) -> None:
        """23:59 — what the day's service did to each customer, acquisition, then the
        customers move (messages, fatigue, trust, mute/leave, need, purchase, satisfaction,
        referral) in shuffled order, then bans; the day's row is recorded."""
        sc, book, day = self.scenario, self.accounts, self.day
        lev = self.levers_today
        self.today = {name: 0 for name in _COUNTERS}
        for name in ("gmv_private", "gmv_public", "take_paid", "reward_cost"):
            self.today[name] = 0.0
        for (row, kind), wait, outcome in log.inquiries:
            self.people[row].hear_answer(kind, wait, outcome)
        for (row, kind), _, outcome in log.followups:
            self.people[row].hear_followup(kind, outcome)
        self.deletes_by_account = np.zeros(book.count, np.int64)
        self.recalls_by_account = np.zeros(book.count, np.int64)
        book.friends = np.zeros(book.count, np.int64)
        for person in self.people:
            if person.in_pool:
                book.friends[person.account] += 1
        book.added_today[:] = 0
        self.capacity = book.capacity(day, sc.platform.daily_add_limit)
        room_at_start = self.capacity.copy()

        self.acquire(lev)
        self.arrive()
        self.seat_in_groups()
        self.chatter_per_group = rules_groups.group_chatter(
            self._as_population(("group", "channels")), self.groups, self.schedule["group"] * lev.value_share, sc.private)
        self.reach_per_member = self.account_reach(self.schedule)
        self.tier_super_users(lev)
        self.bought_today: list[CustomerAgent] = []
        # the customers move; referred friends who join today start moving tomorrow
        # (shuffle_do iterates over the agents present when it starts)
        self.agents.shuffle_do("step")
        if lev.followup and sc.service.enabled:  # follow-ups become staff tasks on later days
            rows = sorted(p.row for p in self.bought_today)
            self.operations.schedule_followups(np.array(rows, np.int64))
        book.added_today += room_at_start - self.capacity
        banned, lost_to_bans = self.enforce_platform_rules(self.schedule)
        self.record(banned, lost_to_bans, log)
        self.datacollector.collect(self)
        self.day += 1

    def seat_in_groups(self) -> None:
        """Group members not yet in a chat join their account's newest group, or a new one
        when it is full (rules_groups.assign_groups)."""
        cap = self.scenario.platform.group_member_cap
        for person in self.people:
            if person.in_pool and person.channels & GROUP and person.group < 0:
                g = self.groups.open_group(person.account)
                if self.groups.members[g] >= cap:
                    g = self.groups.new_group(person.account)
                person.group = g
                self.groups.members[g] += 1

    def acquire(self, lev) -> None:
        """Buy contacts on each public channel; each contact is one person drawn without
        replacement from the public domain of their segment (never-joined or lost), who
        joins with the channel's conversion (lifted by the hook) while accounts have room.

        Equivalent to :func:`sim.rules_joining.acquire`, which draws the same counts at once
        (binomial segment split, hypergeometric split of who was reached, binomial
        conversion capped at the room left): drawing contacts one by one without
        replacement gives exactly those distributions.
        """
        sc, r = self.scenario, self.random
        self.today.update(contacts=0, acquired=0, acquisition_cost=0.0)
        if lev.acquisition_budget <= 0 or self.capacity.sum() <= 0:
            return
        b = sc.behaviour
        hook = lev.hook / sc.category.price_mean
        lost = {s: [p for p in self.people if p.state >= LOST and p.segment == s] for s in (FIT, DEAL_SEEKER)}
        room = int(self.capacity.sum())
        joiners: list[tuple[CustomerAgent, int]] = []
        weights = self.strategy.channel_weights(sc, lev)
        order = list(range(len(sc.public_channels)))
        r.shuffle(order)  # channels in random order, so none is always first when room binds
        spend = 0.0
        for c in order:
            channel = sc.public_channels[c]
            expected = lev.acquisition_budget * weights[c] / channel.cost_per_contact
            contacts = int(expected) + (r.random() < expected - int(expected))
            fit_contacts = sum(r.random() < channel.precision for _ in range(contacts))
            conversion = {FIT: min(1.0, channel.conversion * (1 + b.hook_fit_lift * hook)),
                          DEAL_SEEKER: min(1.0, channel.conversion * b.deal_join_base * (1 + b.hook_deal_lift * hook))}
            for seg, k in ((FIT, fit_contacts), (DEAL_SEEKER, contacts - fit_contacts)):
                k = min(k, self.unaware[seg] + self.exposed[seg] + len(lost[seg]))
                self.today["contacts"] += k
                spend += k * channel.cost_per_contact
                strangers, returning = 0, []
                unaware, exposed = self.unaware[seg], self.exposed[seg]
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
                        self.unaware[seg] -= 1   # now they have seen the brand
                        self.exposed[seg] += 1
                        strangers += 1
                for _ in range(strangers):
                    if room and r.random() < conversion[seg]:
                        room -= 1
                        self.exposed[seg] -= 1
                        joiners.append((self.customer_class(self, seg), c))
                for person in returning:
                    if r.random() < conversion[seg] and room:
                        room -= 1
                        joiners.append((person, c))
        accounts = list(rules_joining.fill_accounts(len(joiners), self.capacity))
        r.shuffle(accounts)  # who lands on which account does not depend on channel or segment
        redeem = b.coupon_redeem * math.sqrt(min(1.0, hook))
        for (person, c), account in zip(joiners, accounts):
            person.join(int(account), c, b.trust_paid)
            if lev.hook > 0:  # the joining coupon, redeemed at once by some (deal-seekers most)
                person.coupon_today = r.random() < redeem * (1.0 if person.segment == DEAL_SEEKER else 0.6)
        self.today["acquired"] = len(joiners)
        self.today["acquisition_cost"] = spend + lev.hook * len(joiners)

    def arrive(self) -> None:
        """``market.arrivals`` (:func:`sim.rules_joining.arrive`): today's arrivals, after any
        still waiting for room, join while the accounts have room; each is persona-fit with
        the arrival's share, is taken from the never-reached public first, has Beta trust
        around the arrival's mean, and buys today if the arrival came having bought."""
        sc, r = self.scenario, self.random
        self.waiting_arrivals.extend([a.count, a] for a in sc.market.arrivals if a.day == self.day)
        joiners: list[tuple[CustomerAgent, object]] = []
        room = int(self.capacity.sum())
        while self.waiting_arrivals and room > 0:
            left, a = self.waiting_arrivals[0]
            k = min(left, room)
            room -= k
            if k == left:
                self.waiting_arrivals.pop(0)
            else:
                self.waiting_arrivals[0][0] = left - k
            for _ in range(k):
                seg = FIT if r.random() < a.fit_share else DEAL_SEEKER
                if not self.unaware[seg] + self.exposed[seg]:
                    seg = DEAL_SEEKER if seg == FIT else FIT  # that persona is used up: whoever is left
                if self.unaware[seg]:
                    self.unaware[seg] -= 1
                elif self.exposed[seg]:
                    self.exposed[seg] -= 1
                else:
                    continue  # the audience is used up
                joiners.append((self.customer_class(self, seg), a))
        accounts = list(rules_joining.fill_accounts(len(joiners), self.capacity))
        r.shuffle(accounts)
        c = rules_joining.POOL_TRUST_CONCENTRATION
        for (person, a), account in zip(joiners, accounts):
            mean = sc.market.initial_pool_trust if a.trust is None else a.trust
            person.join(int(account), SOURCE_ARRIVAL, r.betavariate(max(mean * c, 1e-3), max((1 - mean) * c, 1e-3)))
            person.coupon_today = a.first_order
        self.today["arrivals"] = len(joiners)

    def account_reach(self, schedule: dict[str, np.ndarray]) -> list[tuple[float, float, float, float]]:
        """Per account, the messages one member sees per channel today (posts x reach, with
        Moments posts beyond the daily threshold folded). An account-level quantity."""
        p = self.scenario.private
        moments = rules.moments_seen(schedule["moments"], p.moments_fold_threshold, p.moments_fold_reach)
        return [(float(moments[a]) * p.moments_reach, float(schedule["group"][a]) * p.group_reach,
                 float(schedule["private"][a]) * p.private_reach, float(schedule["official"][a]) * p.official_reach)
                for a in range(self.accounts.count)]

    def tier_super_users(self, lev) -> None:
        """The top spenders among pool members (``super_user_share`` of the pool) get one-to-one
        care. Re-tiered weekly."""
        if not (lev.super_user_share > 0 and lev.super_user_value_messages > 0):
            self.super_users = set()
            return
        if self.day % 7 and self._tiered_at_size >= 0:
            return
        self._tiered_at_size = len(self.people)
        members = [p for p in self.people if p.in_pool]
        k = int(lev.super_user_share * len(members))
        spenders = sorted((p for p in members if p.spend > 0), key=lambda p: -p.spend)
        self.super_users = {p.unique_id for p in spenders[:k]}

    def enforce_platform_rules(self, schedule) -> tuple[list[int], int]:
        """Each account's ban hazard from message bombing and complaints (rules.ban_hazard);
        every friend on a banned account is lost, group-only members stay."""
        sc, book, day = self.scenario, self.accounts, self.day
        platform = sc.platform
        members = np.maximum(book.friends, 1)
        has_group = np.zeros(book.count, bool)
        for person in self.people:
            if person.in_pool and person.channels & GROUP:
                has_group[person.account] = True
        folded = np.maximum(schedule["moments"] - sc.private.moments_fold_threshold, 0)
        intensity = schedule["private"] + platform.ban_group_weight * schedule["group"] * has_group + folded
        intensity = intensity + self.recalls_by_account / members
        hazard = rules.ban_hazard(intensity, self.deletes_by_account / members, platform)
        active = book.active(day)
        banned = [a for a in range(book.count) if active[a] and self.random.random() < hazard[a]]
        lost = 0
        if banned:
            for person in self.people:
                if person.in_pool and person.channels & FRIEND and person.account in banned:
                    person.leave(BANNED)
                    lost += 1
        for a in banned:
            book.banned_until[a] = day + 1 + platform.replace_banned_after_days
            book.bans[a] += 1
        return banned, lost

    def record(self, banned: list[int], lost_to_bans: int, log) -> None:
        """The day's row of :data:`sim.model.DAILY_COLUMNS`."""
        t = self.today
        states = [p.state for p in self.people]
        pool = [p for p in self.people if p.in_pool]
        t.update({
            "day": self.day + 1, "pool": len(pool), "active": states.count(ACTIVE), "muted": states.count(MUTED),
            "lost": states.count(LOST), "banned": states.count(BANNED),
            "exposed": sum(self.exposed), "unaware": sum(self.unaware),
            "bans": len(banned), "lost_to_bans": lost_to_bans,
            "groups": int((self.groups.members > 0).sum()),
            "group_chatter": float(self.chatter_per_group.sum() / max((self.groups.members > 0).sum(), 1)),
            "gmv": t["gmv_private"] + t["gmv_public"],
            "mean_trust": sum(p.trust for p in pool) / len(pool) if pool else 0.0,
            "mean_fatigue": sum(p.fatigue for p in pool) / len(pool) if pool else 0.0,
        })
        for name in ("trust", "fatigue"):
            p10, p50, p90 = spread_quantiles(np.array([getattr(p, name) for p in pool]))
            t.update({f"{name}_p10": p10, f"{name}_p50": p50, f"{name}_p90": p90})
        # the day's service (shared operations layer), as sim.model records it
        served = service_stats(log.inquiries)
        waits = [w for _, w, outcome in log.inquiries if outcome == ANSWERED]
        if waits:
            self.answer_waits.append(np.array(waits, np.float32))
        done = sum(outcome == ANSWERED for _, _, outcome in log.followups)
        sv = self.scenario.service
        staff_cost = log.staff_hours * (sv.expert_hourly_cost if self.levers_today.expert_staff else sv.generic_hourly_cost)
        t.update(served)
        t.update({"followups": t["followups"] + done, "followups_missed": len(log.followups) - done,
                  "staff": log.staff, "staff_cost": staff_cost,
                  "operating_cost": staff_cost + sv.account_daily_cost * int(self.accounts.active(self.day).sum())})

    def run(self, days: int | None = None) -> "ReferenceModel":
        for _ in range(self.scenario.days if days is None else days):
            self.step()
        release_agent_ids(self)  # no customers join after the run
        return self

    # -- the customers as arrays: for the shared operations layer and sim.metrics -------
    _OPERATIONS_VIEW = ("state", "channels", "need", "last_buy", "satisfied")
    _ALL = ("state", "channels", "segment", "account", "group", "source", "trust", "fatigue", "tolerance", "need",
            "need_rate", "basket", "spend", "orders", "satisfied", "first_join", "first_left", "last_buy", "depth")

    @property
    def population(self) -> Population:
        """A snapshot of the customers as a :class:`~sim.population.Population` (row ``i`` is
        ``people[i]``) with the columns the operations layer reads; see :meth:`final_population`."""
        return self._as_population(self._OPERATIONS_VIEW)

    def final_population(self) -> Population:
        """Every column, for :func:`sim.metrics.summarize` at the end of a run."""
        pop = self._as_population(self._ALL)
        pop.referrer[:] = [p.referrer.row if p.referrer else -1 for p in self.people]
        return pop

    def _as_population(self, columns) -> Population:
        pop = Population()
        pop.unaware[:] = self.unaware
        pop.exposed[:] = self.exposed
        rows = pop.add(len(self.people))
        for name in columns:
            getattr(pop, name)[rows] = [getattr(p, name) for p in self.people]
        return pop


def service_stats(inquiries: list) -> dict:
    """The day's inquiry counts and waits, as :func:`sim.rules_service.answer_effect` reports them."""
    outcomes = [o for _, _, o in inquiries]
    waits = np.array([w for _, w, o in inquiries if o == ANSWERED], float)
    return {"inquiries": len(inquiries), "answered": outcomes.count(ANSWERED),
            "auto_replied": outcomes.count(AUTO_REPLIED), "unanswered": outcomes.count(UNANSWERED),
            "mean_wait_minutes": float(waits.mean()) if waits.size else 0.0,
            "p90_wait_minutes": float(np.percentile(waits, 90)) if waits.size else 0.0}


def reference_simulate(scenario: Scenario, strategy: Strategy | str | None = None, seed: int | None = None,
                       replication: int | None = None, days: int | None = None,
                       customer_class: type[CustomerAgent] = CustomerAgent) -> Result:
    """:func:`sim.simulate` on the reference model: same arguments, same :class:`~sim.api.Result`."""
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    seed = scenario.seed if seed is None else int(seed)
    model = ReferenceModel(scenario, strategy, seed_sequence(seed, replication), customer_class).run()
    daily = pd.DataFrame(model.datacollector.get_model_vars_dataframe()).reset_index(drop=True)
    daily = daily[list(DAILY_COLUMNS)].astype({c: "int64" for c in DAILY_COLUMNS if c not in _FLOAT_COLUMNS})
    name = model.strategy.name or type(model.strategy).__name__
    pop = model.final_population()
    summary = identity(scenario, name, seed, replication) | summarize(_Finished(model, pop), daily)
    return Result(scenario=scenario, strategy=name, seed=seed, replication=replication, daily=daily,
                  summary=summary, retention=retention_curve(pop, scenario.days),
                  cohorts=cohort_retention(pop, scenario.days))


class _Finished:
    """What :func:`sim.metrics.summarize` reads from a model: the model, with every column of
    the population."""

    def __init__(self, model: ReferenceModel, population: Population):
        self.model, self.population = model, population

    def __getattr__(self, name: str):
        return getattr(self.model, name)
