"""The service desk event by event on SimPy: the specification of the compiled queue.

SimPy's ``Environment`` owns simulated time, in hours (day ``d`` covers ``[24 d, 24 d +
24)``). Each day :class:`SimPyDesk` opens a :class:`ServiceDesk` at the day's start: staff
are a ``simpy.PriorityResource`` with ``capacity`` = staff on shift. Shifts are a *gate*:
at shift end a closing process takes every staff slot (with top priority, after the
current job) and gives them back at the next shift start, so questions simply wait.
Inquiries have priority over follow-ups. A question still waiting at the day's give-up
time is unanswered (the customer gives up); follow-ups not done that day are missed.
SimPy handles events, never one process per customer: only the day's questions and
follow-up sittings are requests. The compiled desk (:class:`sim.desk.CompiledDesk`) must
make exactly the same decisions, to the bit (``tests/test_service_queue.py``).
"""

from __future__ import annotations

import heapq

import simpy

from sim.desk import ANSWERED, DAY_END, UNANSWERED, Desk, Queue, Records


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


class SimPyDesk(Desk):
    """The day's queue on one SimPy clock that runs for the whole model."""

    def __init__(self, scenario, rng):
        super().__init__(scenario, rng)
        self.env = simpy.Environment()

    def queue(self, day_start, staff, shift, deadline, requests: Queue) -> tuple[Records, Records]:
        env, q = self.env, requests
        if day_start > env.now:
            env.run(until=day_start)  # yesterday's leftover events (shift gates) first
        desk = ServiceDesk(env, staff, iter(q.work.tolist()).__next__, shift, day_start)
        asked: list = []
        env.process(desk.arrivals(q.times.tolist(), list(zip(q.rows.tolist(), q.kinds.tolist())), asked))
        followed: list = []
        if q.f_rows.size:
            env.process(self._followups(desk, q, followed, day_start + shift[0]))
        env.process(desk.deadline(deadline))
        env.run(until=day_start + DAY_END)
        return Records.from_tuples(asked), Records.from_tuples(followed)

    def _followups(self, desk: ServiceDesk, q: Queue, record: list, at: float):
        """Process: the day's follow-ups, in sittings queued behind customers' questions."""
        if at > self.env.now:
            yield self.env.timeout(at - self.env.now)
        keys = list(zip(q.f_rows.tolist(), q.f_kinds.tolist()))
        bounds = [*q.sittings.tolist(), len(keys)]
        for i, hours in enumerate(q.f_work.tolist()):
            desk.ask(None, record, priority=1, work_hours=hours, items=keys[bounds[i]:bounds[i + 1]])
