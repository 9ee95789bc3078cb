"""Operations on one clock: SimPy's ``Environment`` owns simulated time, in hours.

Design. Day ``d`` covers hours ``[24 d, 24 d + 24)``. A single SimPy process, the
*calendar*, opens each day at 00:00 (the strategy sets the day's levers; posts are
scheduled at their hours; the day's inquiries and due follow-ups are created with
their arrival times) and runs the population's daily update at 23:59 (the vectorised
rules of :mod:`sim.rules`, which apply what the day's service did). In between, SimPy
processes do what happens at a time of day and queues for a person: the brand posts at
scheduled hours, customers' questions wait for staff on shift, staff do follow-ups.
``PoolModel.step()`` (Mesa's step) just advances this clock by one day; there is no
second clock (Mesa's own event scheduler is not used).

The queue for staff is computed in one compiled pass a day
(:func:`sim.service_queue.serve`, the default); ``PoolModel(..., desk="simpy")`` runs it
event by event on SimPy instead, the specification the compiled pass is tested against
bit for bit (``tests/test_service_queue.py``). The SimPy desk works as follows.
Staff are a ``simpy.PriorityResource`` per day with ``capacity`` = staff on shift.
Shifts are a *gate*: at shift end a closing process takes every staff slot (with top
priority, after the current job) and gives them back at the next shift start, so
questions simply wait. Inquiries have priority over follow-ups. A question still
waiting at the end of the day is unanswered (the customer gives up); follow-ups not
done that day are missed. SimPy handles events, never one process per customer: only
the day's inquiries and follow-ups are processes.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.population import ACTIVE, FRIEND, MUTED
from sim.service_queue import NOT_SERVED, serve, simpy_times

PRESALE, AFTERSALE, DELIVERY_CHECK, SATISFACTION_CHECK = 0, 1, 2, 3
ANSWERED, AUTO_REPLIED, UNANSWERED = 0, 1, 2
DAY_END = 23.99  # hour of the population's daily update (23:59)
PRESALE_NEED = 0.8  # people ask before buying: only when their need is (nearly) due


class _StaffQueue:
    """The waiting line of a :class:`StaffResource`: a heap on SimPy's request key
    ``(priority, time, preempt)`` with arrival order breaking ties, so the order is
    exactly that of ``simpy.PriorityResource``'s sorted list, but a request costs
    O(log n) instead of a full sort (thousands of questions can wait at once)."""

    def __init__(self) -> None:
        self._heap: list = []
        self._arrivals = 0

    def append(self, request) -> None:
        heapq.heappush(self._heap, (request.key, self._arrivals, request))
        self._arrivals += 1

    def __getitem__(self, index: int):
        if index != 0:  # SimPy only ever looks at the head of a priority queue
            raise IndexError(index)
        return self._heap[0][2]

    def pop(self, index: int = 0):
        if index != 0:
            raise IndexError(index)
        return heapq.heappop(self._heap)[2]

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self):
        return (entry[2] for entry in sorted(self._heap))

    def remove(self, request) -> None:
        self.drop({request})

    def drop(self, requests: set) -> None:
        """Withdraw many requests at once (everyone who gives up at the end of the day)."""
        self._heap = [entry for entry in self._heap if entry[2] not in requests]
        heapq.heapify(self._heap)


class StaffResource(simpy.PriorityResource):
    """``simpy.PriorityResource`` with a heap-ordered waiting line (same order, faster)."""

    PutQueue = _StaffQueue


class ServiceDesk:
    """A team of ``staff`` on shift from ``shift_start`` to ``shift_end`` (hours), or always
    on if ``shift`` is ``None``.

    Requests are SimPy events with callbacks rather than one generator process each
    (a few events per request, so a day with thousands of questions stays cheap):
    :meth:`ask` queues a request; when a staff slot is granted the wait is recorded and
    the slot is released after the handling time; :meth:`give_up` at the deadline
    records every request still waiting as unanswered and withdraws it.
    """

    def __init__(self, env: simpy.Environment, staff: int, handle_hours, shift: tuple[float, float] | None = None,
                 day_start: float = 0.0):
        self.env = env
        self.staff = staff
        self.resource = StaffResource(env, capacity=max(staff, 1))
        self.handle_hours = handle_hours  # callable: () -> hours of work for one request
        self.busy_hours = 0.0
        self.waiting: dict[int, tuple] = {}
        self._next = 0
        if staff == 0:
            self._close(None)
        elif shift is not None:
            start, end = shift
            if start > 0:
                self._close(day_start + start)
            if end < 24:
                env.process(self._gate(day_start + end, day_start + 24 + start))

    def _close(self, reopen_at: float | None):
        for _ in range(self.resource.capacity):
            self.env.process(self._hold(reopen_at))

    def _hold(self, until: float | None):
        with self.resource.request(priority=-1) as req:
            yield req
            yield self.env.timeout(1e9 if until is None else max(until - self.env.now, 0))

    def _gate(self, close_at: float, reopen_at: float):
        yield self.env.timeout(close_at - self.env.now)
        self._close(reopen_at)

    def ask(self, key, record: list, priority: int = 0, work_hours: float | None = None, items: list | None = None):
        """Queue a request now. ``record`` gets ``(key, wait_minutes, ANSWERED)`` when served
        (one entry per key in ``items`` for a batch of follow-ups)."""
        env, ticket = self.env, self._next
        self._next += 1
        req = self.resource.request(priority=priority)
        self.waiting[ticket] = (req, key, env.now, record, items)
        work = self.handle_hours() if work_hours is None else work_hours

        def granted(_event, ticket=ticket):
            _, key_, arrived, rec, batch = self.waiting.pop(ticket)
            wait = (env.now - arrived) * 60
            for k in (batch if batch is not None else [key_]):
                rec.append((k, wait, ANSWERED))
            self.busy_hours += work
            done = env.timeout(work)
            done.callbacks.append(lambda _e: self.resource.release(req))

        req.callbacks.append(granted)

    def give_up(self):
        """Everything still waiting gets no answer today."""
        now = self.env.now
        gone = set()
        for ticket, (req, key, arrived, rec, batch) in list(self.waiting.items()):
            if req.triggered:  # granted this very instant: its answer is on the way
                continue
            gone.add(req)
            del self.waiting[ticket]
            for k in (batch if batch is not None else [key]):
                rec.append((k, (now - arrived) * 60, UNANSWERED))
        self.resource.put_queue.drop(gone)

    def arrivals(self, times: list[float], keys: list, record: list, priority: int = 0):
        """Process: questions arrive at ``times`` (sorted hours)."""
        env = self.env
        for at, key in zip(times, keys):
            if at > env.now:
                yield env.timeout(at - env.now)
            self.ask(key, record, priority)

    def deadline(self, at: float):
        """Process: at ``at`` whoever is still waiting gives up."""
        yield self.env.timeout(max(at - self.env.now, 0))
        self.give_up()


@dataclass
class Records:
    """A day's service records as arrays: who (population row), about what (``PRESALE`` ..
    ``SATISFACTION_CHECK``), minutes waited, outcome (``ANSWERED`` .. ``UNANSWERED``).
    Iterating gives ``((row, kind), wait, outcome)`` tuples (the per-agent reference)."""

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
    """What the day's operations did, for the population update and the metrics."""

    inquiries: Records = field(default_factory=Records)  # customers' questions
    followups: Records = field(default_factory=Records)  # staff's delivery and satisfaction checks
    staff: int = 0
    staff_hours: float = 0.0
    posts: np.ndarray | None = None                      # Moments posts made per account today


class Operations:
    """The SimPy side of a :class:`~sim.model.PoolModel`: calendar, posting, service desk.

    The desk's queue runs in :func:`sim.service_queue.serve` (one compiled pass a day);
    ``desk="simpy"`` runs the same requests through :class:`ServiceDesk` instead, the
    event-by-event specification that the compiled queue is tested against."""

    def __init__(self, model, desk: str = "fast"):
        if desk not in ("fast", "simpy"):
            raise ValueError(f"desk must be 'fast' or 'simpy', not {desk!r}")
        self.model = model
        self.desk_kind = desk
        self.env = simpy.Environment()
        self.rng = model.streams["service"]
        self.settings = model.scenario.service
        self.pending_followups: dict[int, list[np.ndarray]] = {}  # day -> [rows (kind 2), rows (kind 3)]
        self.log = DayLog()
        self.env.process(self._calendar())

    # -- the calendar --------------------------------------------------------------
    def _calendar(self):
        env = self.env
        while True:
            day_start = env.now
            self.model.begin_day()
            self.log = DayLog()
            finish = self._open(day_start)
            yield env.timeout(DAY_END)
            if finish is not None:
                finish()
            self.model.update_population(self.log)
            yield env.timeout(24 - DAY_END)

    def run_day(self) -> None:
        """Advance the clock to the start of the next day."""
        self.env.run(until=(self.model.day + 1) * 24)

    def _open(self, day_start: float):
        """Open the day: posts at their hours; the day's questions and due follow-ups go to
        the desk. Returns what to do at the end of the day (collect the desk's records)."""
        model, s = self.model, self.settings
        lev = model.levers_today
        self.env.process(self._post(day_start, model.schedule["moments"]))
        if not s.enabled:
            return None
        pool = int(np.count_nonzero(model.population.in_pool()))
        staff = int(np.ceil(lev.staff_per_1000_members * pool / 1000))
        staff = min(max(staff, lev.staff_min), lev.staff_max)
        self.log.staff = staff
        self.log.staff_hours = staff * (lev.shift_end - lev.shift_start)
        rows, kinds, times, auto = self._inquiries(day_start, lev)
        minutes = s.handle_minutes * (s.expert_minutes_factor if lev.expert_staff else 1.0)
        work = self._handle_hours(minutes / 60, rows.size)
        due = self.pending_followups.pop(model.day, None) or [np.zeros(0, np.int64)] * 2
        f_rows = np.concatenate(due)
        f_kinds = np.repeat([DELIVERY_CHECK, SATISFACTION_CHECK], [due[0].size, due[1].size])
        sittings = np.arange(0, f_rows.size, self.FOLLOWUP_BATCH)
        f_work = np.diff(np.append(sittings, f_rows.size)) * (s.followup_minutes / 60)
        shift = (lev.shift_start, lev.shift_end)
        deadline = day_start + DAY_END - 0.005
        auto_records = Records.of(auto, PRESALE, 0.0, AUTO_REPLIED)
        if self.desk_kind == "fast":
            self._serve(day_start, staff, shift, deadline, (rows, kinds, times, work), (f_rows, f_kinds, sittings, f_work))
            self.log.inquiries = auto_records + self.log.inquiries
            return None
        desk = ServiceDesk(self.env, staff, iter(work.tolist()).__next__, shift, day_start)
        asked: list = []
        self.env.process(desk.arrivals(times.tolist(), list(zip(rows.tolist(), kinds.tolist())), asked))
        followed: list = []
        if f_rows.size:
            self.env.process(self._followups(desk, f_rows, f_kinds, sittings, f_work, followed, day_start + lev.shift_start))
        self.env.process(desk.deadline(deadline))

        def finish():
            self.log.inquiries = auto_records + Records.from_tuples(asked)
            self.log.followups = Records.from_tuples(followed)
        return finish

    FOLLOWUP_BATCH = 10  # follow-ups done in one sitting (keeps events per day low)

    def _serve(self, day_start: float, staff: int, shift: tuple, deadline: float, questions, followups) -> None:
        """The day's desk in one pass (:func:`sim.service_queue.serve`), with the times the
        SimPy desk would see (each wait is a timeout from the clock's ``day_start``)."""
        rows, kinds, times, work = questions
        f_rows, f_kinds, sittings, f_work = followups
        start, end = shift
        clock = lambda at: day_start + (at - day_start) if at > day_start else day_start  # noqa: E731
        open_at = float(clock(day_start + start))  # the shift opens; follow-ups are asked for then
        close_at = float(clock(day_start + end)) if end < 24 else np.inf
        deadline = float(clock(deadline))
        arrived = simpy_times(day_start, np.asarray(times, float))
        began = serve(arrived, work, open_at, f_work, staff, open_at, close_at, deadline)
        q_began, f_began = began[:rows.size], began[rows.size:]
        served = q_began != NOT_SERVED
        order = np.argsort(q_began[served], kind="stable")  # records in the order staff took them
        self.log.inquiries = Records.of(rows[served][order], kinds[served][order],
                                        ((q_began - arrived) * 60)[served][order], ANSWERED)
        self.log.inquiries += Records.of(rows[~served], kinds[~served], (deadline - arrived[~served]) * 60, UNANSWERED)
        if f_rows.size:  # a sitting's checks share its start; sittings are taken in order
            sitting_of = np.repeat(np.arange(sittings.size), np.diff(np.append(sittings, f_rows.size)))
            begun = f_began[sitting_of]
            f_done = begun != NOT_SERVED
            self.log.followups = Records.of(
                f_rows, f_kinds, np.where(f_done, begun - open_at, deadline - open_at) * 60,
                np.where(f_done, ANSWERED, UNANSWERED))

    def _followups(self, desk: ServiceDesk, rows, kinds, sittings, work, record: list, at: float):
        """Process: the day's follow-ups, in sittings queued behind customers' questions."""
        if at > self.env.now:
            yield self.env.timeout(at - self.env.now)
        keys = list(zip(rows.tolist(), kinds.tolist()))
        bounds = np.append(sittings, len(keys)).tolist()
        for i, hours in enumerate(work.tolist()):
            desk.ask(None, record, priority=1, work_hours=hours, items=keys[bounds[i]:bounds[i + 1]])

    def _handle_hours(self, mean_hours: float, n: int) -> np.ndarray:
        """Hours of staff work for each of ``n`` questions."""
        dist, rng = self.settings.handle_distribution, self.rng
        if dist == "fixed":
            return np.full(n, mean_hours)
        if dist == "lognormal":
            sigma = 0.6
            return mean_hours * np.exp(sigma * rng.standard_normal(n) - sigma * sigma / 2)
        return rng.exponential(mean_hours, n)

    def _post(self, day_start: float, moments: np.ndarray):
        """The brand posts Moments at scheduled hours (spread over the waking day)."""
        posted = np.zeros_like(moments, dtype=float)
        self.log.posts = posted
        n = int(np.ceil(moments.max())) if moments.size else 0
        for slot in range(n):
            at = day_start + 8 + 14 * (slot + 0.5) / n
            yield self.env.timeout(at - self.env.now)
            posted += np.clip(moments - slot, 0, 1)

    # -- who asks what, and when ---------------------------------------------------
    def _inquiries(self, day_start: float, lev):
        """Today's questions: pre-sale from members whose need is due, after-sale from
        yesterday's buyers (more when the product disappointed). Keyword auto-reply takes
        its share of pre-sale questions at once. Returns the rows, kinds and arrival hours
        of the questions for staff (in arrival order) and the auto-replied rows."""
        pop, s, rng, day = self.model.population, self.settings, self.rng, self.model.day
        in_pool = pop.in_pool()
        due = np.flatnonzero(in_pool & (pop.need >= PRESALE_NEED))
        ask_pre = due[rng.random(due.size) < s.presale_rate]
        bought = np.flatnonzero(in_pool & (pop.last_buy == day - 1) & (day > 0))  # last_buy -1 means never
        after = np.where(pop.satisfied[bought], s.aftersale_rate, s.aftersale_bad_rate)
        ask_after = bought[rng.random(bought.size) < after]
        auto = np.zeros(0, np.int64)
        if lev.auto_reply and ask_pre.size:
            replied = rng.random(ask_pre.size) < s.auto_reply_coverage
            auto, ask_pre = ask_pre[replied], ask_pre[~replied]
        rows = np.concatenate([ask_pre, ask_after])
        kinds = np.concatenate([np.full(ask_pre.size, PRESALE), np.full(ask_after.size, AFTERSALE)])
        # questions come in business hours, and before the day's give-up time
        at = day_start + rng.uniform(s.open_hour, min(s.close_hour, DAY_END - 0.01), rows.size)
        order = np.argsort(at, kind="stable")
        return rows[order], kinds[order], at[order], auto

    def schedule_followups(self, rows: np.ndarray) -> None:
        """After today's orders: a delivery check and a satisfaction check on later days."""
        pop, s, day = self.model.population, self.settings, self.model.day
        reachable = rows[((pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED)) & ((pop.channels[rows] & FRIEND) > 0)]
        for offset, slot in ((s.delivery_check_day, 0), (s.satisfaction_check_day, 1)):
            due = self.pending_followups.setdefault(day + max(offset, 1), [np.zeros(0, np.int64), np.zeros(0, np.int64)])
            due[slot] = np.concatenate([due[slot], reachable])
