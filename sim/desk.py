"""The service desk: who asks a question today, who is on shift, who is answered when,
and which follow-ups are due.

A day's service happens between the levers of the morning and the population's rules at
23:59 (:meth:`sim.model.PoolModel.step`). Time is in hours: day ``d`` covers
``[24 d, 24 d + 24)``. Customers whose need is (nearly) due may ask a pre-sale question,
yesterday's buyers may ask an after-sale one (more often when the product disappointed);
keyword auto-reply takes its share of pre-sale questions at once; the rest arrive in
business hours and queue for the staff on shift, questions before follow-ups, first come
first served. Whoever is still waiting at the end of the day gives up (unanswered);
follow-ups not done that day are missed. What answers, waits and follow-ups do to a
customer is :mod:`sim.rules.service`.

Two desks make exactly the same decisions: :class:`CompiledDesk` (the default) runs the
queue in one compiled pass (:func:`sim.service_queue.serve`); :class:`sim.desk_simpy.SimPyDesk`
runs it event by event on a SimPy clock, the specification the compiled pass is tested
against bit for bit (``tests/test_service_queue.py``). A model is given the class:
``PoolModel(..., desk=SimPyDesk)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.compiled import njit
from sim.population import ACTIVE, FRIEND, MUTED, Population
from sim.service_queue import NOT_SERVED, serve, simpy_times

PRESALE, AFTERSALE, DELIVERY_CHECK, SATISFACTION_CHECK = 0, 1, 2, 3
ANSWERED, AUTO_REPLIED, UNANSWERED = 0, 1, 2
DAY_END = 23.99  # hour of the population's daily update (23:59)
PRESALE_NEED = 0.8  # people ask before buying: only when their need is (nearly) due
FOLLOWUP_BATCH = 10  # follow-ups done in one sitting (a sitting is one request to the desk)


@dataclass
class Records:
    """A day's service records as arrays: who (population row), about what (``PRESALE`` ..
    ``SATISFACTION_CHECK``), minutes waited, outcome (``ANSWERED`` .. ``UNANSWERED``).
    Iterating gives ``((row, kind), wait, outcome)`` tuples."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    kinds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    waits: np.ndarray = field(default_factory=lambda: np.zeros(0))
    outcomes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, rows, kinds, waits, outcomes) -> "Records":
        n = len(rows)
        as_array = lambda v, dtype: np.broadcast_to(np.asarray(v, dtype), (n,)).copy()  # noqa: E731
        return cls(as_array(rows, np.int64), as_array(kinds, np.int64), as_array(waits, float),
                   as_array(outcomes, np.int64))

    @classmethod
    def from_tuples(cls, records: list) -> "Records":
        if not records:
            return cls()
        keys, waits, outcomes = zip(*records)
        rows, kinds = zip(*keys)
        return cls.of(rows, kinds, waits, outcomes)

    def __add__(self, other: "Records") -> "Records":
        return Records(*(np.concatenate([a, b]) for a, b in zip(self.fields(), other.fields())))

    def fields(self) -> tuple:
        return self.rows, self.kinds, self.waits, self.outcomes

    def __len__(self) -> int:
        return int(self.rows.size)

    def __iter__(self):
        return zip(zip(self.rows.tolist(), self.kinds.tolist()), self.waits.tolist(), self.outcomes.tolist())


@dataclass
class DayLog:
    """What the day's service did, for the population's rules and the daily record."""

    inquiries: Records = field(default_factory=Records)  # customers' questions
    followups: Records = field(default_factory=Records)  # staff's delivery and satisfaction checks
    staff: int = 0
    staff_hours: float = 0.0


@dataclass
class Queue:
    """One day's requests to the desk: the questions (rows, kinds, arrival hours, hours of
    work each) and the follow-up sittings (rows, kinds, first row of each sitting, hours of
    work each), all asked for when the shift opens."""

    rows: np.ndarray
    kinds: np.ndarray
    times: np.ndarray
    work: np.ndarray
    f_rows: np.ndarray
    f_kinds: np.ndarray
    sittings: np.ndarray
    f_work: np.ndarray


class Desk:
    """Who asks, who is on shift and which follow-ups are due; subclasses run the queue
    (:meth:`queue`). ``rng`` is the model's ``service`` stream."""

    def __init__(self, scenario, rng: np.random.Generator):
        self.settings = scenario.service
        self.rng = rng
        self.pending_followups: dict[int, list[np.ndarray]] = {}  # day -> [delivery rows, satisfaction rows]

    def serve_day(self, pop: Population, levers, day: int) -> DayLog:
        """The day's service: staff on shift, questions and due follow-ups through the queue."""
        s, log = self.settings, DayLog()
        if not s.enabled:
            return log
        pool = int(np.count_nonzero(pop.in_pool()))
        if levers.staff is not None:
            staff = levers.staff
        else:
            staff = int(np.ceil(levers.staff_per_1000_members * pool / 1000))
            staff = min(max(staff, levers.staff_min), levers.staff_max)
        log.staff, log.staff_hours = staff, staff * (levers.shift_end - levers.shift_start)
        day_start = 24.0 * day
        rows, kinds, times, auto = self.questions(pop, day, day_start, levers)
        minutes = s.handle_minutes * (s.expert_minutes_factor if levers.expert_staff else 1.0)
        work = self.handle_hours(minutes / 60, rows.size)
        due = self.pending_followups.pop(day, None) or [np.zeros(0, np.int64)] * 2
        f_rows = np.concatenate(due)
        f_kinds = np.repeat([DELIVERY_CHECK, SATISFACTION_CHECK], [due[0].size, due[1].size])
        sittings = np.arange(0, f_rows.size, FOLLOWUP_BATCH)
        f_work = np.diff(np.append(sittings, f_rows.size)) * (s.followup_minutes / 60)
        deadline = day_start + DAY_END - 0.005
        requests = Queue(rows, kinds, times, work, f_rows, f_kinds, sittings, f_work)
        inquiries, log.followups = self.queue(day_start, staff, (levers.shift_start, levers.shift_end), deadline,
                                              requests)
        log.inquiries = Records.of(auto, PRESALE, 0.0, AUTO_REPLIED) + inquiries
        return log

    def queue(self, day_start: float, staff: int, shift: tuple[float, float], deadline: float,
              requests: Queue) -> tuple[Records, Records]:
        """Who is served when: ``(question records, follow-up records)``."""
        raise NotImplementedError

    # -- who asks what, and when ---------------------------------------------------
    def questions(self, pop: Population, day: int, day_start: float, levers):
        """Today's questions: pre-sale from members whose need is due, after-sale from
        yesterday's buyers (more when the product disappointed). Keyword auto-reply takes
        its share of pre-sale questions at once. Returns the rows, kinds and arrival hours
        of the questions for staff (in arrival order) and the auto-replied rows."""
        s, rng = self.settings, self.rng
        due, bought = _askers(pop.state, pop.need, np.float32(PRESALE_NEED), pop.last_buy, day)
        ask_pre = due[rng.random(due.size) < s.presale_rate]
        after = np.where(pop.satisfied[bought], s.aftersale_rate, s.aftersale_bad_rate)
        ask_after = bought[rng.random(bought.size) < after]
        auto = np.zeros(0, np.int64)
        if levers.auto_reply and ask_pre.size:
            replied = rng.random(ask_pre.size) < s.auto_reply_coverage
            auto, ask_pre = ask_pre[replied], ask_pre[~replied]
        rows = np.concatenate([ask_pre, ask_after])
        kinds = np.concatenate([np.full(ask_pre.size, PRESALE), np.full(ask_after.size, AFTERSALE)])
        # questions come in business hours, and before the day's give-up time
        at = day_start + rng.uniform(s.open_hour, min(s.close_hour, DAY_END - 0.01), rows.size)
        order = np.argsort(at, kind="stable")
        return rows[order], kinds[order], at[order], auto

    def handle_hours(self, mean_hours: float, n: int) -> np.ndarray:
        """Hours of staff work for each of ``n`` questions."""
        dist, rng = self.settings.handle_distribution, self.rng
        if dist == "fixed":
            return np.full(n, mean_hours)
        if dist == "lognormal":
            sigma = 0.6
            return mean_hours * np.exp(sigma * rng.standard_normal(n) - sigma * sigma / 2)
        return rng.exponential(mean_hours, n)

    def schedule_followups(self, pop: Population, rows: np.ndarray, day: int) -> None:
        """After today's orders: a delivery check and a satisfaction check on later days, for
        buyers the staff can reach (friends still in the pool)."""
        s = self.settings
        reachable = rows[((pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED)) & ((pop.channels[rows] & FRIEND) > 0)]
        for offset, slot in ((s.delivery_check_day, 0), (s.satisfaction_check_day, 1)):
            due = self.pending_followups.setdefault(day + max(offset, 1), [np.zeros(0, np.int64), np.zeros(0, np.int64)])
            due[slot] = np.concatenate([due[slot], reachable])


@njit(cache=True)
def _askers(state, need, presale_need, last_buy, day):
    """Pool members whose need is (nearly) due (compared in float32, as the need is), and
    pool members who bought yesterday (none on day 0: ``last_buy`` -1 means never), in
    row order, in one pass over the population."""
    due = np.empty(state.size, np.int64)
    bought = np.empty(state.size, np.int64)
    n_due = n_bought = 0
    for i in range(state.size):
        if state[i] == ACTIVE or state[i] == MUTED:
            if need[i] >= presale_need:
                due[n_due] = i
                n_due += 1
            if day > 0 and last_buy[i] == day - 1:
                bought[n_bought] = i
                n_bought += 1
    return due[:n_due].copy(), bought[:n_bought].copy()


class CompiledDesk(Desk):
    """The queue in one compiled pass a day (:func:`sim.service_queue.serve`), with the times
    the SimPy desk would see (each wait is a timeout from the day's start)."""

    def queue(self, day_start, staff, shift, deadline, requests: Queue) -> tuple[Records, Records]:
        q = requests
        start, end = shift
        clock = lambda at: day_start + (at - day_start) if at > day_start else day_start  # noqa: E731
        open_at = float(clock(day_start + start))  # the shift opens; follow-ups are asked for then
        close_at = float(clock(day_start + end)) if end < 24 else np.inf
        deadline = float(clock(deadline))
        arrived = simpy_times(day_start, np.asarray(q.times, float))
        began = serve(arrived, q.work, open_at, q.f_work, staff, open_at, close_at, deadline)
        q_began, f_began = began[:q.rows.size], began[q.rows.size:]
        served = q_began != NOT_SERVED
        order = np.argsort(q_began[served], kind="stable")  # records in the order staff took them
        inquiries = Records.of(q.rows[served][order], q.kinds[served][order],
                               ((q_began - arrived) * 60)[served][order], ANSWERED)
        inquiries += Records.of(q.rows[~served], q.kinds[~served], (deadline - arrived[~served]) * 60, UNANSWERED)
        followups = Records()
        if q.f_rows.size:  # a sitting's checks share its start; sittings are taken in order
            sitting_of = np.repeat(np.arange(q.sittings.size), np.diff(np.append(q.sittings, q.f_rows.size)))
            begun = f_began[sitting_of]
            f_done = begun != NOT_SERVED
            followups = Records.of(q.f_rows, q.f_kinds, np.where(f_done, begun - open_at, deadline - open_at) * 60,
                                   np.where(f_done, ANSWERED, UNANSWERED))
        return inquiries, followups
