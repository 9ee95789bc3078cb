"""The world: one :class:`PoolModel` (a ``mesa.Model``) per simulated run.

It owns the random streams, the customer :class:`~sim.population.Population`, the
brand's operator accounts (``mesa.Agent`` s, see :mod:`sim.accounts`), the strategy, the
service desk and a ``DataCollector`` of daily metrics. :meth:`PoolModel.step` is the
order of a day: the strategy's levers (campaigns on top), the service desk, the day's
rules in the order :mod:`sim.day` declares, the day's record.

The strategy is any object with ``levers(day, model)`` and ``channel_weights(scenario,
levers)`` (:class:`sim.policy.Policy`); the shipped ones, and a user's, are classes in
:mod:`agents.strategy`, which also turns a strategy's *name* into one.

Randomness: one ``numpy.random.SeedSequence`` per run spawns an independent stream per
rule, so two strategies run with the same seed share their draws rule by rule (common
random numbers) as far as their different choices allow.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.accounts import AccountBook, GroupBook, OperatorAccount
from sim.customer_value import CustomerValueBook
from sim.day import BASS_DAY, FULL_DAY, STREAMS, Today, record
from sim.desk import CompiledDesk, Desk
from sim.invariants import DayCheck, enabled_by_env
from sim.outcomes import DAILY_COLUMNS
from sim.policy import require_policy
from sim.population import DEAL_SEEKER, FIT, Population
from sim.rules import joining
from sim.rules.campaigns import todays_levers
from sim.scenario import Scenario



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


class DailyRecords(mesa.DataCollector):
    """Mesa's ``DataCollector`` of the day's record (:data:`sim.outcomes.DAILY_COLUMNS`, read
    off ``model.today``), each value kept as :func:`sim.day.record` made it.

    Mesa deep-copies every reported value every day, so that a value changed later cannot
    rewrite history; the day's record is a fresh dict of Python numbers, which nothing
    changes, so the copies would change nothing and are skipped. The frame
    (``get_model_vars_dataframe``) and ``model_vars`` are Mesa's own."""

    def __init__(self) -> None:
        super().__init__(model_reporters={name: (lambda model, name=name: model.today[name]) for name in DAILY_COLUMNS})

    def collect(self, model) -> None:
        today = model.today
        for name, column in self.model_vars.items():
            column.append(today[name])


class PoolModel(mesa.Model):
    """A brand's private pool under one strategy, day by day.

    ``desk`` is the service desk's class: :class:`~sim.desk.CompiledDesk` (default) or its
    event-by-event specification :class:`~sim.desk_simpy.SimPyDesk`. ``check`` asserts the
    model invariants after every day (:mod:`sim.invariants`; default: ``SIYU_CHECK``).
    """

    def __init__(self, scenario: Scenario, strategy, seed: int | np.random.SeedSequence | None = None,
                 check: bool | None = None, desk: type[Desk] = CompiledDesk):
        if not (isinstance(desk, type) and issubclass(desk, Desk)):
            raise TypeError(f"desk must be a service desk class (CompiledDesk or SimPyDesk), not {desk!r}")
        ss = seed_sequence(scenario.seed if seed is None else seed)
        children = ss.spawn(len(STREAMS) + 1)
        super().__init__(rng=np.random.default_rng(children[0]))
        self.seed_sequence = ss
        self.streams = {name: np.random.default_rng(c) for name, c in zip(STREAMS, children[1:])}
        self.scenario = scenario
        self.strategy = require_policy(strategy)
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
        joining.seed_initial_pool(pop, scenario, self.accounts.capacity(0, 10**9), levers0, self.streams["population"])
        self.first_new_row = pop.size  # rows from here on are customers this run acquires

        self.discount = 0.0
        self.waiting_arrivals: list = []  # market.arrivals still waiting for account room
        self.answer_waits: list[np.ndarray] = []  # minutes each answered question waited
        self.value = CustomerValueBook(scenario)  # early spend per customer, acquisition cost per channel
        self.desk = desk(scenario, self.streams["service"])
        self.day_rules = BASS_DAY if scenario.bass is not None else FULL_DAY
        self.super_users: np.ndarray | None = None  # rows given one-to-one care, re-tiered weekly
        self.today: dict[str, float] = {}
        self.datacollector = DailyRecords()
        self.invariants = DayCheck(self) if (enabled_by_env() if check is None else check) else None

    def value_inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float | None]:
        """What customer value needs (:func:`sim.customer_value.customer_value`): which rows
        the run acquired, their discounted early spend, acquisition spend per channel, and
        the share of members active 90 days before the end who still are."""
        size = self.population.size
        return (np.arange(size) >= self.first_new_row, self.value.early_spend(size), self.value.channel_cost,
                self.value.still_active(self.population))

    def step(self) -> None:
        """One simulated day: levers, service desk, the day's rules in order, the record."""
        self.levers_today, self.discount = todays_levers(self, self.day)
        self.schedule = self.accounts.schedule(self.levers_today, self.day)
        self.service_log = self.desk.serve_day(self.population, self.levers_today, self.day)
        today = Today(self.service_log)
        for rule in self.day_rules:
            rule(self, today)
        self.today = record(self, today)
        self.datacollector.collect(self)
        self.value.end_of_day(self.population, self.day)
        self.day += 1
        if self.invariants is not None:
            self.invariants(self)

    def run(self, days: int | None = None) -> "PoolModel":
        """Advance ``days`` days (default: the scenario's horizon)."""
        for _ in range(self.scenario.days if days is None else days):
            self.step()
        return self
