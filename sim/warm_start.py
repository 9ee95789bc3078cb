"""A run that starts from a pool shaped by history ([start] strategy, days).

The model simulates ``N = start.days`` days of history under the warm-up strategy, then
the scenario's ``M = days`` under the run's strategy, as **one** model on one set of random
streams: a warm start of ``N`` days is exactly a run of ``N + M`` days whose first ``N``
are discarded. The calendar is the measured run's: day 0 is its first day and the
warm-up's days are ``-N`` to ``-1``. A campaign or arrival on a negative day falls in the
warm-up, one on day 0 or later in the measured run; the model runs a copy of the scenario
with every campaign and arrival moved ``N`` days later (:func:`with_history`), so a warm
start equals a run of ``N + M`` days with its campaigns and arrivals on those moved days.
The strategy schedule is the measured run's, and the run's strategy sees its days counted
from 0 (:class:`Phased`).

Outcomes count the measured days only (:class:`MeasuredPool`): the daily table from day
``N`` on, numbered from 1 again; orders and spend since day ``N``; days of joining,
leaving and buying counted from day ``N``, and first group stays likewise
(:func:`measured_group_stays`). The members in the pool on day ``N`` are the
starting pool (joined on day 0, as a fresh run's initial pool is) if their first stay in
the pool had not ended by then; those whose first stay had ended (they left and came back
during the history) have no first stay inside the measured run and are not in the
retention cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.customer_value import STILL_ACTIVE_DAYS
from sim.population import COLUMNS, NEVER, Population
from sim.scenario import Scenario


def with_history(scenario: Scenario, n: int) -> Scenario:
    """The scenario the model runs after ``n`` days of history: ``n + days`` days, the
    campaigns and arrivals moved ``n`` days later, and no ``[start]`` of its own."""
    data = scenario.model_dump()
    data["days"] = n + scenario.days
    data["start"] = {"strategy": None, "days": 0, "state": None}
    for c in data["campaigns"]:
        c["start"] += n
    for a in data["market"]["arrivals"]:
        a["day"] += n
    data.pop("uncertainties", None)
    return Scenario.from_dict(data, source=f"<{scenario.name} with {n} days of history>")


class Phased:
    """The warm-up strategy on the history's days, then the run's strategy, which sees the
    measured days counted from 0 (a schedule or a weekday rule keeps its meaning)."""

    def __init__(self, history, measured, days: int):
        self.history, self.measured, self.days = history, measured, days
        self.name = measured.name
        self.current = history

    def levers(self, day, model):
        self.current = self.history if day < self.days else self.measured
        return self.current.levers(day if day < self.days else day - self.days, model)

    def channel_weights(self, scenario, levers):
        return self.current.channel_weights(scenario, levers)


@dataclass
class HistoryEnd:
    """What the outcomes need of the pool on the last day of history."""

    rows: int
    orders: np.ndarray
    spend: np.ndarray
    in_pool: np.ndarray
    waits: int          # answered-question wait records so far
    pool: int           # members on day 0 of the measured run
    channel_cost: np.ndarray  # acquisition spend per channel so far

    @classmethod
    def of(cls, model) -> "HistoryEnd":
        pop = model.population
        return cls(pop.size, pop.orders.copy(), pop.spend.copy(), pop.in_pool(), len(model.answer_waits),
                   int(np.count_nonzero(pop.in_pool())), model.value.channel_cost.copy())


def present(pop: Population, end: HistoryEnd, n: int) -> np.ndarray:
    """The rows the measured run knows: in the pool on day ``n``, joining or buying after it,
    or in the pool at the end."""
    size = pop.size
    in_pool0 = np.concatenate([end.in_pool, np.zeros(size - end.rows, bool)])
    bought = pop.orders > np.concatenate([end.orders, np.zeros(size - end.rows, end.orders.dtype)])
    return in_pool0 | (pop.first_join.astype(np.int64) >= n) | bought | pop.in_pool()


def measured_population(pop: Population, end: HistoryEnd, n: int) -> Population:
    """A copy of ``pop`` as the measured run sees it: everyone present in it (in the pool
    on day ``n``, joining or buying after it, or in the pool at the end), days counted from
    ``n``, orders and spend since ``n``, referrers renumbered to the kept rows."""
    size = pop.size
    pad = lambda a: np.concatenate([a, np.zeros(size - a.size, a.dtype)])  # noqa: E731 (rows added after day n)
    orders = pop.orders - pad(end.orders)
    spend = pop.spend - pad(end.spend)
    in_pool0 = pad(end.in_pool)
    first_join, first_left = pop.first_join.astype(np.int64), pop.first_left.astype(np.int64)
    ongoing = in_pool0 & ((first_left == NEVER) | (first_left >= n))
    joined = np.where(first_join >= n, first_join - n, np.where(ongoing, 0, NEVER))
    left = np.where((joined != NEVER) & (first_left >= n), first_left - n, NEVER)
    last_buy = pop.last_buy.astype(np.int64)
    keep = present(pop, end, n)
    index = np.full(size, -1, np.int64)
    index[keep] = np.arange(int(keep.sum()))
    referrer = pop.referrer.astype(np.int64)
    referrer = np.where((referrer >= 0) & (first_join >= n), index[np.maximum(referrer, 0)], -1)
    changed = {"orders": orders, "spend": spend, "first_join": joined, "first_left": left,
               "last_buy": np.where(last_buy >= n, last_buy - n, NEVER), "referrer": referrer}
    changed |= measured_group_stays(pop, n)
    out = Population(unaware=pop.unaware.copy(), exposed=pop.exposed.copy())
    out.add(int(keep.sum()))
    for name, (dtype, _) in COLUMNS.items():
        values = changed.get(name, getattr(pop, name))
        getattr(out, name)[:] = np.asarray(values)[keep].astype(dtype)
    return out


def measured_group_stays(pop: Population, n: int) -> dict[str, np.ndarray]:
    """First group stays as the measured run sees them: a stay going on day ``n`` starts on
    day 0 (as the starting pool joins on day 0), one begun after ``n`` keeps its day counted
    from ``n``, one that ended during the history is not the measured run's."""
    seat, end = pop.group_joined.astype(np.int64), pop.group_left.astype(np.int64)
    ongoing = (seat != NEVER) & (seat < n) & ((end == NEVER) | (end >= n))
    joined = np.where(seat >= n, seat - n, np.where(ongoing, 0, NEVER))
    left = np.where((joined != NEVER) & (end >= n), end - n, NEVER)
    return {"group_joined": joined, "group_left": left, "group_quit": pop.group_quit & (left != NEVER)}


class MeasuredPool:
    """The finished model as the outcomes of the measured run read it (``population``,
    ``scenario``, ``answer_waits``): see :func:`measured_population`."""

    def __init__(self, model, scenario: Scenario, end: HistoryEnd, n: int):
        self.scenario = scenario
        self.population = measured_population(model.population, end, n)
        self.answer_waits = model.answer_waits[end.waits:]
        self.pool_initial = end.pool
        self.kept = keep = present(model.population, end, n)  # the model's rows the measured run knows
        rows = np.arange(model.population.size)
        # the watched day lies in the measured run only when it is long enough
        still = model.value.still_active(model.population) if scenario.days > STILL_ACTIVE_DAYS else None
        self._value = ((rows >= end.rows)[keep], model.value.early_spend(model.population.size)[keep],
                       model.value.channel_cost - end.channel_cost, still)

    def value_inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float | None]:
        """As :meth:`sim.model.PoolModel.value_inputs`: rows acquired after the history."""
        return self._value
