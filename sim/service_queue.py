"""The service desk's queue discipline as one compiled function: who is served when.

:class:`sim.desk_simpy.ServiceDesk` runs a day's questions through SimPy, a few events
per question. At a million customers that is ~20,000 questions a day and most of a
day's wall time, so the queue is
:func:`serve`, a non-preemptive priority queue with ``staff`` identical servers, run in
one pass. It makes exactly the decisions the SimPy desk makes:

* requests are served by priority (questions 0 before follow-ups 1), then by the time
  they were made, then in the order they were made (SimPy's ``PriorityResource`` key);
* no one is served before the shift opens (``open_at``) or starts being served at or
  after it closes (``close_at``; work under way is finished);
* whoever has not been served by ``deadline`` gives up.

Times are reproduced with SimPy's own float operations (a timeout of ``at - now`` lands
on ``now + (at - now)``), so both desks give bit-identical waits for the same inputs;
``tests/test_service_queue.py`` runs whole models on both and compares every column.

Without numba (or with ``NUMBA_DISABLE_JIT=1``) the same function runs as Python.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.compiled import njit

NOT_SERVED = -1.0


@njit(cache=True)
def simpy_times(now: float, at: np.ndarray) -> np.ndarray:
    """When a SimPy process that waits for each of the sorted times ``at`` in turn, starting
    at ``now``, actually resumes: ``now + (at - now)``, which may differ from ``at`` by an
    ulp. Times not after ``now`` do not wait."""
    out = np.empty(at.size)
    for i in range(at.size):
        if at[i] > now:
            now = now + (at[i] - now)
        out[i] = now
    return out


@njit(cache=True)
def serve(arrivals: np.ndarray, work: np.ndarray, followup_at: float, followup_work: np.ndarray,
          staff: int, open_at: float, close_at: float, deadline: float) -> np.ndarray:
    """Start times of the day's requests (``NOT_SERVED`` for those who gave up).

    ``arrivals`` (sorted hours) and ``work`` (hours each needs) are the questions;
    the follow-up sittings, of ``followup_work`` hours each, are all requested at
    ``followup_at``. The result has the questions first, then the follow-ups.
    """
    n, n_followups = arrivals.size, followup_work.size
    start = np.full(n + n_followups, NOT_SERVED)
    if staff <= 0:
        return start
    free = [open_at + 0.0] * staff  # when each staff member is next free (a heap)
    q, f = 0, 0  # next question, next follow-up not yet served
    while q < n or f < n_followups:
        now = heapq.heappop(free)
        if q < n and arrivals[q] <= now:  # a question is waiting: it goes first
            job, begin, hours = q, now, work[q]
        elif f < n_followups and followup_at <= now:
            job, begin, hours = n + f, now, followup_work[f]
        elif q < n and (f >= n_followups or arrivals[q] <= followup_at):  # idle until the next arrival
            job, begin, hours = q, arrivals[q], work[q]
        else:
            job, begin, hours = n + f, followup_at, followup_work[f]
        if begin >= close_at or begin >= deadline:
            break  # every later start would be later still: the rest give up
        start[job] = begin
        if job < n:
            q += 1
        else:
            f += 1
        heapq.heappush(free, begin + hours)
    return start
