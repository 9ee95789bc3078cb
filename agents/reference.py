"""The reference model: one ``mesa.Agent`` per customer, driven by ``shuffle_do("step")``.

:class:`ReferenceModel` runs the same scenario and strategy as :class:`sim.model.PoolModel`
and records the same daily columns, but every customer is a
:class:`~agents.customer.CustomerAgent` stepping through the rules in plain Python, and
everything around the customers is plain Python too: the accounts, group chats and
platform rules (:mod:`agents.reference_platform`), who joins
(:mod:`agents.reference_joining`) and the service desk (:mod:`agents.reference_service`).
It is the executable specification the vectorised engine is tested against
(``tests/test_equivalence.py``, ``experiments/validation/docking.py``) and the baseline
of ``benchmarks/run.py``; it is slow on purpose (clarity first) and never used for
real runs.

It shares with the engine only what is not behaviour: the scenario schema, the
calendar of campaigns (:func:`sim.rules.campaigns.todays_levers`), the strategies, the
random-stream plumbing, the data vocabulary (states, channels, sources) and the code
that turns a finished run into its daily table and summary (:mod:`sim.metrics`).

>>> from agents.reference import reference_simulate          # doctest: +SKIP
>>> r = reference_simulate(scenario, "nurture", seed=1, replication=0)  # same Result as sim.simulate
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from agents import reference_joining as joining
from agents.customer import CustomerAgent
from agents.reference_platform import (
    Account, GroupChats, ban_hazard, ban_intensity, moments_seen, spread_over_accounts,
)
from agents.reference_service import ReferenceDesk, ServiceDay
from agents.strategy import Strategy, make_strategy
from sim.desk import ANSWERED, AUTO_REPLIED, UNANSWERED
from sim.metrics import cohort_retention, retention_curve, spread_quantiles, summarize
from sim.model import release_agent_ids, seed_sequence
from sim.outcomes import DAILY_COLUMNS
from sim.population import ACTIVE, BANNED, FRIEND, GROUP, LOST, MUTED, SOURCE_REFERRAL, Population
from sim.rules.campaigns import todays_levers
from sim.scenario import Scenario
from sim.simulation import Result, daily_table, identity

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
        # mesa seeds model.random (every customer, account and joining draw, and
        # shuffle_do) from this generator; the service desk draws from its own stream
        super().__init__(rng=np.random.default_rng(customers_ss))
        self.scenario = scenario
        self.customer_class = customer_class
        self.strategy = make_strategy(scenario, strategy)
        self.day = 0

        acc = scenario.accounts
        spread = [self.random.uniform(-acc.posting_spread, acc.posting_spread) for _ in range(acc.count)]
        self.accounts = [Account(i, scenario.friend_cap, 1 + spread[i]) for i in range(acc.count)]
        self.groups = GroupChats()

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
        self.today: dict = {}
        joining.seed_initial_pool(self)
        self.waiting_arrivals: list = []  # one entry per person of market.arrivals still waiting for room
        self.desk = ReferenceDesk(scenario, np.random.default_rng(service_ss))
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda model, name=name: model.today[name]) for name in DAILY_COLUMNS})

    # -- who is where ------------------------------------------------------------------
    def register_agent(self, agent) -> None:
        super().register_agent(agent)
        if isinstance(agent, CustomerAgent):
            agent.row = len(self.people)
            self.people.append(agent)

    def room_left(self) -> int:
        """New friends the accounts can still take today, all together."""
        return sum(a.room for a in self.accounts)

    def seats(self, n: int) -> list[int]:
        """Accounts for ``n`` joiners, spread in proportion to each account's room
        (:func:`agents.reference_platform.spread_over_accounts`), taking that room, in
        random order: who lands on which account does not depend on channel or segment."""
        counts = spread_over_accounts(n, [a.room for a in self.accounts])
        seats = []
        for account, k in zip(self.accounts, counts):
            account.room -= k
            seats += [account.index] * k
        self.random.shuffle(seats)
        return seats

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
        """One day, in the order of :data:`sim.day.FULL_DAY`: the day's levers and posts,
        the service desk (from the pool as the day opens), what it did to each customer,
        the accounts' room, joiners, group chats, the customers move (messages, fatigue,
        trust, mute/leave, need, purchase, satisfaction, referral) in shuffled order,
        follow-ups for the desk, bans; then the day's row is recorded."""
        sc, day = self.scenario, self.day
        self.levers_today, self.discount = todays_levers(self, day)
        lev = self.levers_today
        self.posts = [a.posts(lev, day) for a in self.accounts]
        service = self.desk.serve_day(self.people, lev, day)
        self.today = {name: 0 for name in _COUNTERS}
        for name in ("gmv_private", "gmv_public", "take_paid", "reward_cost"):
            self.today[name] = 0.0
        for person, kind, wait, outcome in service.inquiries:
            person.hear_answer(kind, wait, outcome)
        for person, kind, outcome in service.followups:
            person.hear_followup(kind, outcome)
        self.open_room()

        joining.acquire(self, lev)
        joining.arrive(self)
        self.seat_in_groups()
        self.reach_per_member = self.account_reach()
        self.tier_super_users(lev)
        self.bought_today: list[CustomerAgent] = []
        self.deletes_by_account = [0] * len(self.accounts)
        self.recalls_by_account = [0] * len(self.accounts)
        # the customers move; referred friends who join today start moving tomorrow
        # (shuffle_do iterates over the agents present when it starts)
        self.agents.shuffle_do("step")
        if lev.followup and sc.service.enabled:  # follow-ups become staff tasks on later days
            self.desk.schedule_followups(sorted(self.bought_today, key=lambda p: p.row), day)
        banned, lost_to_bans = self.enforce_platform_rules()
        self.record(banned, lost_to_bans, service)
        self.datacollector.collect(self)
        self.day += 1

    def open_room(self) -> None:
        """Each account's friends as the day opens, and its room for new friends today."""
        friends = [0] * len(self.accounts)
        for person in self.people:
            if person.in_pool:
                friends[person.account] += 1
        for account in self.accounts:
            account.open_room(friends[account.index], self.day, self.scenario.platform.daily_add_limit)

    def seat_in_groups(self) -> None:
        """Group members not yet in a chat take a seat (row order); then each group's
        vitality and chatter for today (:class:`agents.reference_platform.GroupChats`)."""
        sc = self.scenario
        for person in self.people:
            if person.in_pool and person.channels & GROUP and person.group < 0:
                self.groups.seat(person, sc.platform.group_member_cap)
        members_now = [0] * len(self.groups.chats)
        for person in self.people:
            if person.in_pool and person.channels & GROUP and person.group >= 0:
                members_now[person.group] += 1
        brand_value = [posts.group * self.levers_today.value_share for posts in self.posts]
        self.chatter_per_group = self.groups.chatter(members_now, brand_value, sc.private)

    def account_reach(self) -> list[tuple[float, float, float, float]]:
        """Per account, the messages one member sees per channel today: posts x reach,
        with Moments posts beyond the daily threshold folded. An account-level quantity."""
        p = self.scenario.private
        return [(moments_seen(posts.moments, p.moments_fold_threshold, p.moments_fold_reach) * p.moments_reach,
                 posts.group * p.group_reach, posts.private * p.private_reach, posts.official * p.official_reach)
                for posts in self.posts]

    def tier_super_users(self, lev) -> None:
        """The top spenders among pool members (``super_user_share`` of the pool) get one-to-one
        care (:func:`sim.rules.messaging.top_spenders`). Re-tiered weekly."""
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

    def enforce_platform_rules(self) -> tuple[list[int], int]:
        """The platform's bans (:func:`sim.day.enforce`): each running account is banned with
        its hazard (:func:`agents.reference_platform.ban_hazard`) from today's message
        intensity and delete rate, both per friend it had when the day opened; every
        friend on a banned account is lost, members who only know it through a group stay
        (the group outlives the account). The account is replaced after a while."""
        sc, day = self.scenario, self.day
        platform = sc.platform
        has_group = [False] * len(self.accounts)
        for person in self.people:
            if person.in_pool and person.channels & GROUP:
                has_group[person.account] = True
        banned = []
        for a, account in enumerate(self.accounts):
            if not account.running(day):
                continue
            members = max(account.friends, 1)
            intensity = ban_intensity(self.posts[a], has_group[a], self.recalls_by_account[a], members, sc.private,
                                      platform)
            if self.random.random() < ban_hazard(intensity, self.deletes_by_account[a] / members, platform):
                banned.append(a)
        lost = 0
        if banned:
            for person in self.people:
                if person.in_pool and person.channels & FRIEND and person.account in banned:
                    person.leave(BANNED)
                    lost += 1
        for a in banned:
            self.accounts[a].ban(day, platform.replace_banned_after_days)
        return banned, lost

    def record(self, banned: list[int], lost_to_bans: int, service: ServiceDay) -> None:
        """The day's row of :data:`sim.outcomes.DAILY_COLUMNS` (:func:`sim.day.record`)."""
        t, sv, lev = self.today, self.scenario.service, self.levers_today
        states = [p.state for p in self.people]
        pool = [p for p in self.people if p.in_pool]
        lively = self.groups.lively()
        t.update({
            "day": self.day + 1, "pool": len(pool), "active": states.count(ACTIVE), "muted": states.count(MUTED),
            "lost": states.count(LOST), "banned": states.count(BANNED),
            "exposed": sum(self.exposed), "unaware": sum(self.unaware),
            "bans": len(banned), "lost_to_bans": lost_to_bans,
            "groups": lively, "group_chatter": float(sum(self.chatter_per_group) / max(lively, 1)),
            "gmv": t["gmv_private"] + t["gmv_public"],
            "mean_trust": sum(p.trust for p in pool) / len(pool) if pool else 0.0,
            "mean_fatigue": sum(p.fatigue for p in pool) / len(pool) if pool else 0.0,
        })
        for name in ("trust", "fatigue"):
            p10, p50, p90 = spread_quantiles(np.array([getattr(p, name) for p in pool]))
            t.update({f"{name}_p10": p10, f"{name}_p50": p50, f"{name}_p90": p90})
        t.update(service_stats(service.inquiries))
        waits = [w for _, _, w, outcome in service.inquiries if outcome == ANSWERED]
        if waits:
            self.answer_waits.append(np.array(waits, np.float32))
        done = sum(outcome == ANSWERED for _, _, outcome in service.followups)
        # money: staff for the whole shift; every account still running at the end of the
        # day (one banned today is not); content for each Moments post and group message
        # the accounts were scheduled to send today
        staff_cost = service.staff_hours * (sv.expert_hourly_cost if lev.expert_staff else sv.generic_hourly_cost)
        running = sum(a.running(self.day) for a in self.accounts)
        posts = sum(p.moments + p.group for p in self.posts)
        t.update({"followups": t["followups"] + done, "followups_missed": len(service.followups) - done,
                  "staff": service.staff, "staff_cost": staff_cost,
                  "operating_cost": staff_cost + sv.account_daily_cost * running + sv.content_cost_per_post * posts})

    def run(self, days: int | None = None) -> "ReferenceModel":
        for _ in range(self.scenario.days if days is None else days):
            self.step()
        release_agent_ids(self)  # no customers join after the run
        return self

    # -- the customers as arrays, for sim.metrics ------------------------------------
    _ALL = ("state", "channels", "segment", "account", "group", "source", "trust", "fatigue", "tolerance", "need",
            "need_rate", "basket", "spend", "orders", "satisfied", "first_join", "first_left", "last_buy", "depth")

    def final_population(self) -> Population:
        """Every customer as a row of a :class:`~sim.population.Population` (row ``i`` is
        ``people[i]``), for :func:`sim.metrics.summarize` at the end of a run."""
        pop = Population()
        pop.unaware[:] = self.unaware
        pop.exposed[:] = self.exposed
        rows = pop.add(len(self.people))
        for name in self._ALL:
            getattr(pop, name)[rows] = [getattr(p, name) for p in self.people]
        pop.referrer[:] = [p.referrer.row if p.referrer else -1 for p in self.people]
        return pop


def service_stats(inquiries: list) -> dict:
    """The day's inquiry counts and waits, as :func:`sim.rules.service.answer_effect` reports them."""
    outcomes = [o for _, _, _, o in inquiries]
    waits = np.array([w for _, _, w, o in inquiries if o == ANSWERED], float)
    return {"inquiries": len(inquiries), "answered": outcomes.count(ANSWERED),
            "auto_replied": outcomes.count(AUTO_REPLIED), "unanswered": outcomes.count(UNANSWERED),
            "mean_wait_minutes": float(waits.mean()) if waits.size else 0.0,
            "p90_wait_minutes": float(np.percentile(waits, 90)) if waits.size else 0.0}


def reference_simulate(scenario: Scenario, strategy: Strategy | str | None = None, seed: int | None = None,
                       replication: int | None = None, days: int | None = None,
                       customer_class: type[CustomerAgent] = CustomerAgent) -> Result:
    """:func:`sim.simulate` on the reference model: same arguments, same :class:`~sim.simulation.Result`."""
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    seed = scenario.seed if seed is None else int(seed)
    model = ReferenceModel(scenario, strategy, seed_sequence(seed, replication), customer_class).run()
    daily = daily_table(pd.DataFrame(model.datacollector.get_model_vars_dataframe()))
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
