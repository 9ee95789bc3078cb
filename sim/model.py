"""The world: one :class:`PoolModel` (a ``mesa.Model``) per simulated run.

It owns the random streams, the customer :class:`~sim.population.Population`, the
brand's operator accounts (``mesa.Agent`` s, see :mod:`agents.operator`), the strategy
and a ``DataCollector`` of daily model-level metrics. Behaviour lives in
:mod:`sim.rules`; this module only decides the order of a day:

1. the strategy sets today's levers;
2. acquisition from public channels (within account capacity), then arrivals (``market.arrivals``);
3. messaging: what each member sees (:func:`~sim.rules.exposure`);
4. fatigue accrues and decays; 5. trust moves;
6. mute / delete / leave; 7. need grows, purchases, satisfaction and follow-ups;
8. referrals; 9. platform enforcement (bans); 10. the day's metrics are recorded.

Randomness: one ``numpy.random.SeedSequence`` per run spawns an independent stream per
rule, so two strategies run with the same seed share their draws rule by rule (common
random numbers) as far as their different choices allow.
"""

from __future__ import annotations

import mesa
import numpy as np

from agents.operator import AccountBook, GroupBook, OperatorAccount
from agents.strategy import Strategy, make_strategy
from sim import rules, rules_bass, rules_groups, rules_joining
from sim.invariants import DayCheck, enabled_by_env
from sim.operations import ANSWERED, Operations
from sim.rules_service import answer_effect, followup_effect, todays_levers
from sim.metrics import spread_quantiles
from sim.population import ACTIVE, BANNED, DEAL_SEEKER, EXPOSED, FIT, GROUP, LOST, MUTED, UNAWARE, Population
from sim.scenario import Scenario

SPREAD_SAMPLE = 20_000  # members whose trust and fatigue give the daily quantile bands
# new streams go at the end: a SeedSequence child depends on its index only, so existing streams keep their draws
STREAMS = ("population", "acquisition", "messaging", "churn", "purchase", "referral", "platform", "service", "arrivals")

#: columns of :attr:`PoolModel.daily` / ``Result.daily``, in order
DAILY_COLUMNS = (
    "day", "pool", "active", "muted", "lost", "banned", "exposed", "unaware",
    "contacts", "acquired", "arrivals", "referrals", "mutes", "unmutes", "deletes", "bans", "lost_to_bans",
    "orders", "orders_private", "orders_public", "gmv_private", "gmv_public", "gmv", "take_paid",
    "acquisition_cost", "reward_cost", "mean_trust", "mean_fatigue",
    "groups", "group_chatter",  # group chats with members; members' messages per group a day
    # service (sim.operations): inquiries and their answers, follow-ups, staff and costs
    "inquiries", "answered", "auto_replied", "unanswered", "mean_wait_minutes", "p90_wait_minutes",
    "followups", "followups_missed", "staff", "staff_cost", "operating_cost",
    # distribution bands for the report (10th, 50th, 90th percentile over pool members)
    "trust_p10", "trust_p50", "trust_p90", "fatigue_p10", "fatigue_p50", "fatigue_p90",
)


def seed_sequence(seed: int | np.random.SeedSequence | None, replication: int | None = None) -> np.random.SeedSequence:
    """The run's ``SeedSequence``: replication ``i`` of root ``seed`` is the ``i``-th spawned child,
    computed directly so any executor, in any order, gets the same streams."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if replication is None:
        return np.random.SeedSequence(seed)
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def release_agent_ids(model: mesa.Model) -> None:
    """Drop the model from Mesa's class-level agent-id counters (``mesa.Agent._ids``, a dict
    keyed by model): otherwise every model ever built stays alive, with its whole
    population, for the life of the process (benchmarks/soak.py shows the leak). Call it
    once the model will create no more agents."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


class PoolModel(mesa.Model):
    """A brand's private pool under one strategy, day by day."""

    def __init__(self, scenario: Scenario, strategy: Strategy | str | None = None,
                 seed: int | np.random.SeedSequence | None = None, check: bool | None = None, desk: str = "fast"):
        ss = seed_sequence(scenario.seed if seed is None else seed)
        children = ss.spawn(len(STREAMS) + 1)
        super().__init__(rng=np.random.default_rng(children[0]))
        self.seed_sequence = ss
        self.streams = {name: np.random.default_rng(c) for name, c in zip(STREAMS, children[1:])}
        self.scenario = scenario
        self.strategy = make_strategy(scenario, strategy)
        self.day = 0

        acc = scenario.accounts
        spread = self.streams["population"].uniform(-acc.posting_spread, acc.posting_spread, acc.count)
        self.accounts = AccountBook(acc.count, scenario.friend_cap, 1 + spread)
        self.operators = [OperatorAccount(self, i, acc.kind) for i in range(acc.count)]
        release_agent_ids(self)  # the accounts are this model's only agents
        self.groups = GroupBook()

        m = scenario.market
        self.population = pop = Population()
        fit = int(round(m.audience * m.fit_share))
        pop.unaware[FIT], pop.unaware[DEAL_SEEKER] = fit, m.audience - fit
        pop.reserve(max(m.initial_pool, 1024))
        levers0 = self.strategy.levers(0, self)
        rules_joining.seed_initial_pool(pop, scenario, self.accounts.capacity(0, 10**9), levers0, self.streams["population"])

        self.discount = 0.0
        self.waiting_arrivals: list = []  # market.arrivals still waiting for account room
        self.answer_waits: list[np.ndarray] = []  # minutes each answered question waited
        self.operations = Operations(self, desk)  # desk="simpy": the event-by-event reference desk
        self.super_users: np.ndarray | None = None  # rows given one-to-one care, re-tiered weekly
        self.today: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda model, name=name: model.today[name]) for name in DAILY_COLUMNS})
        # assert the model invariants every day (sim.invariants); default: SIYU_CHECK
        self.invariants = DayCheck(self) if (enabled_by_env() if check is None else check) else None

    # -- one day -------------------------------------------------------------------
    def step(self) -> None:
        """One simulated day: advance the SimPy clock to the next midnight (see
        :mod:`sim.operations`); its calendar opens the day and runs the daily update."""
        self.operations.run_day()
        if self.invariants is not None:
            self.invariants(self)

    def begin_day(self) -> None:
        """00:00 — the strategy sets today's levers (campaigns on top) and the posting schedule."""
        self.levers_today, self.discount = todays_levers(self, self.day)
        self.schedule = self.accounts.schedule(self.levers_today, self.day)

    def update_population(self, log) -> None:
        """23:59 — the population's daily update: the rules of :mod:`sim.rules`, in order."""
        sc, pop, book, day = self.scenario, self.population, self.accounts, self.day
        b, platform = sc.behaviour, sc.platform
        lev = self.levers_today
        served = answer_effect(pop, log.inquiries, sc.service, lev.expert_staff)
        followed = followup_effect(pop, log.followups, b, sc.service)
        in_pool = pop.in_pool()
        book.friends = np.bincount(pop.account[in_pool], minlength=book.count)
        book.added_today[:] = 0
        capacity = book.capacity(day, platform.daily_add_limit)
        room_at_start = capacity.copy()
        if sc.bass is not None:  # Bass mode (validation): diffusion only, see sim.rules_bass
            acq = rules_bass.adopt(pop, sc, capacity, day, self.streams["acquisition"], lev)
            book.added_today += room_at_start - capacity
            self._record(acq, *rules_bass.quiet_day())
            self.today["arrivals"] = 0
            self.today.update({"groups": 0, "group_chatter": 0.0})
            self._record_service(served, followed, 0, log)
            self.datacollector.collect(self)
            self.day += 1
            return

        acq = rules_joining.acquire(pop, sc, lev, capacity, day, self.streams["acquisition"],
                            self.strategy.channel_weights(sc, lev))
        arrived = rules_joining.arrive(pop, sc, lev, capacity, day, self.waiting_arrivals, self.streams["arrivals"])
        first_orders = arrived.buyers if acq.coupon_buyers is None else np.concatenate([acq.coupon_buyers, arrived.buyers])
        schedule = self.schedule
        extra_value, extra_promo = self._one_to_one(lev, day)
        rules_groups.assign_groups(pop, self.groups, platform.group_member_cap)
        chatter = rules_groups.group_chatter(pop, self.groups, schedule["group"] * lev.value_share, sc.private)
        seen = rules.exposure(pop, schedule, lev, sc.private, b, extra_value, extra_promo,
                              chatter=rules_groups.chatter_per_group(chatter, sc.private))
        recalls = (np.bincount(pop.account[extra_promo[0]], minlength=book.count)
                   if extra_promo is not None else np.zeros(book.count))
        rules.accrue_fatigue(pop, seen.fatigue, b.fatigue_half_life_days)
        rules.update_trust(pop, seen, b)
        left_accounts_before = pop.account.copy()
        gone = rules.churn(pop, b, day, self.streams["churn"])
        rules.grow_need(pop)
        buys = rules.purchase(pop, seen.promo, sc, day, self.streams["purchase"], forced=first_orders,
                              discount=self.discount)
        # follow-ups are staff work on later days when the service layer runs, else immediate
        immediate = lev.followup and not sc.service.enabled
        instant = rules.after_purchase(pop, buys.rows, sc.category, immediate, b, self.streams["purchase"])
        angry = rules.walk_out_after_bad_product(pop, buys.rows, b, day, self.streams["churn"])
        gone.left = np.concatenate([gone.left, angry])
        if lev.followup and sc.service.enabled:
            self.operations.schedule_followups(buys.rows)
        refs = rules_joining.refer(pop, sc, lev, capacity, day, self.streams["referral"])
        book.added_today += room_at_start - capacity

        # platform enforcement: bombing and complaints raise each account's ban hazard
        members = np.maximum(book.friends, 1)
        deletes = np.bincount(left_accounts_before[gone.left], minlength=book.count)
        has_group = np.bincount(pop.account[(pop.channels & GROUP) > 0], minlength=book.count) > 0
        folded = np.maximum(schedule["moments"] - sc.private.moments_fold_threshold, 0)
        intensity = schedule["private"] + platform.ban_group_weight * schedule["group"] * has_group + folded
        intensity = intensity + recalls / members
        hazard = rules.ban_hazard(intensity, deletes / members, platform)
        rng = self.streams["platform"]
        banned = np.flatnonzero(book.active(day) & (rng.random(book.count) < hazard))
        lost_to_bans = rules.ban_accounts(pop, banned, day)
        book.banned_until[banned] = day + 1 + platform.replace_banned_after_days
        book.bans[banned] += 1

        self._record(acq, gone, buys, refs, banned, lost_to_bans)
        self.today["arrivals"] = int(arrived.joined.size)
        self.today.update({"groups": int((self.groups.members > 0).sum()),
                           "group_chatter": float(chatter.sum() / max((self.groups.members > 0).sum(), 1))})
        self._record_service(served, followed, instant, log)
        self.datacollector.collect(self)
        self.day += 1

    def _one_to_one(self, lev, day: int):
        """Extra private messages: care for super users (value), recall of the dormant (promotion)."""
        pop = self.population
        extra_value = extra_promo = None
        if lev.super_user_share > 0 and lev.super_user_value_messages > 0:
            if day % 7 == 0 or self.super_users is None:  # re-tier weekly
                self.super_users = self._top_spenders(lev.super_user_share)
            rows = self.super_users[pop.in_pool()[self.super_users]]
            extra_value = (rows, lev.super_user_value_messages)
        if lev.recall_after_days > 0:
            last_seen = np.maximum(pop.last_buy, pop.first_join)
            dormant = np.flatnonzero(pop.in_pool() & (day - last_seen == lev.recall_after_days))
            extra_promo = (dormant, 1.0)
        return extra_value, extra_promo

    def _top_spenders(self, share: float) -> np.ndarray:
        """Rows of the top spenders among pool members: ``share`` of the pool."""
        pop = self.population
        in_pool = pop.in_pool()
        members = np.flatnonzero(in_pool & (pop.spend > 0))
        k = min(int(share * np.count_nonzero(in_pool)), members.size)
        if k == 0:
            return np.zeros(0, np.int64)
        return members[np.argpartition(-pop.spend[members], k - 1)[:k]]

    def _record_service(self, served: dict, followed: dict, instant: int, log) -> None:
        sv = self.scenario.service
        lev = self.levers_today
        staff_cost = log.staff_hours * (sv.expert_hourly_cost if lev.expert_staff else sv.generic_hourly_cost)
        account_cost = sv.account_daily_cost * int(self.accounts.active(self.day).sum())
        posts = self.schedule["moments"].sum() + self.schedule["group"].sum()
        account_cost += sv.content_cost_per_post * float(posts)
        self.today.update(served)
        waits = log.inquiries.waits[log.inquiries.outcomes == ANSWERED]
        if waits.size:
            self.answer_waits.append(waits.astype(np.float32))
        self.today.update({"followups": followed["followups"] + instant, "followups_missed": followed["followups_missed"],
                           "staff": log.staff, "staff_cost": staff_cost, "operating_cost": staff_cost + account_cost})

    def _record(self, acq, gone, buys, refs, banned, lost_to_bans) -> None:
        pop = self.population
        counts, trust_sum, fatigue_sum = pop.tally()
        members = np.flatnonzero(pop.in_pool())
        n_pool = int(counts[ACTIVE] + counts[MUTED])
        private_gmv = float(buys.value[buys.private].sum())
        public_gmv = float(buys.value[~buys.private].sum())
        self.today = {
            "day": self.day + 1,
            "pool": n_pool, "active": int(counts[ACTIVE]), "muted": int(counts[MUTED]),
            "lost": int(counts[LOST]), "banned": int(counts[BANNED]),
            "exposed": int(counts[EXPOSED]), "unaware": int(counts[UNAWARE]),
            "contacts": acq.contacts, "acquired": acq.joined, "referrals": int(refs.joined.size),
            "mutes": gone.mutes, "unmutes": gone.unmutes, "deletes": int(gone.left.size),
            "bans": int(banned.size), "lost_to_bans": int(lost_to_bans.size),
            "orders": int(buys.rows.size), "orders_private": int(buys.private.sum()),
            "orders_public": int((~buys.private).sum()),
            "gmv_private": private_gmv, "gmv_public": public_gmv, "gmv": private_gmv + public_gmv,
            "take_paid": float(buys.take.sum()),
            "acquisition_cost": acq.spend + acq.hook_cost, "reward_cost": refs.reward_cost,
            "mean_trust": trust_sum / n_pool if n_pool else 0.0,
            "mean_fatigue": fatigue_sum / n_pool if n_pool else 0.0,
        }
        sample = members[::max(1, members.size // SPREAD_SAMPLE)]  # spread_quantiles' own subsample, without copies
        for name, values in (("trust", pop.trust[sample]), ("fatigue", pop.fatigue[sample])):
            p10, p50, p90 = spread_quantiles(values, max_sample=SPREAD_SAMPLE)
            self.today.update({f"{name}_p10": p10, f"{name}_p50": p50, f"{name}_p90": p90})

    def run(self, days: int | None = None) -> "PoolModel":
        """Advance ``days`` days (default: the scenario's horizon)."""
        for _ in range(self.scenario.days if days is None else days):
            self.step()
        return self
