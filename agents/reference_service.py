"""The reference's service desk: who asks a question today, who is on shift, who is
answered when, and which follow-ups the staff make — customer by customer, one SimPy
process per question.

This is the plain-Python specification of the engine's desk (:class:`sim.desk.Desk`,
with the queue of :class:`sim.desk_simpy.SimPyDesk` and :func:`sim.service_queue.serve`).
Time is in hours; day ``d`` covers ``[24 d, 24 d + 24)``.

* Who asks (:meth:`sim.desk.Desk.questions`): each pool member whose need is nearly due
  (``need >= PRESALE_NEED``) asks a pre-sale question with ``presale_rate``; each
  member who bought yesterday asks an after-sale one with ``aftersale_rate``, or
  ``aftersale_bad_rate`` if the product disappointed. Keyword auto-reply (a lever)
  answers ``auto_reply_coverage`` of the pre-sale questions at once. The rest arrive at
  uniform times in business hours, before the day's give-up time.
* Staffing (:meth:`sim.desk.Desk.serve_day`): ``ceil(staff_per_1000_members x pool / 1000)``
  clipped to ``staff_min .. staff_max``, paid for the whole shift.
* The queue: the staff on shift are a ``simpy.PriorityResource``; questions go before
  follow-ups, then first come first served. Nobody is served before the shift starts,
  and no service starts at or after it ends (work under way is finished): off duty,
  the staff hold every slot with top priority. Whoever still waits at the day's
  deadline gives up (unanswered); follow-ups not done that day are missed.
* Follow-ups (:meth:`sim.desk.Desk.schedule_followups`): after a purchase, a delivery
  check and a satisfaction check on later days for buyers who are friends still in the
  pool; each day's checks (deliveries first) are asked for when the shift opens, in
  sittings of ``FOLLOWUP_BATCH`` checks, one request to the desk each.

Randomness: the desk draws from its own numpy stream, so it agrees with the engine in
distribution, not draw by draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.desk import (
    AFTERSALE, ANSWERED, AUTO_REPLIED, DAY_END, DELIVERY_CHECK, FOLLOWUP_BATCH, PRESALE, PRESALE_NEED,
    SATISFACTION_CHECK, UNANSWERED,
)
from sim.population import FRIEND

#: request priorities at the desk: lower goes first
OFF_DUTY, QUESTION, FOLLOWUP = -1, 0, 1
#: spread of log-normal handling times (their mean is the scenario's)
LOGNORMAL_SIGMA = 0.6


@dataclass
class Question:
    """One customer's question to the staff: who, about what, when (hour), hours of work."""

    person: object
    kind: int
    asked_at: float
    work: float


@dataclass
class ServiceDay:
    """What the day's service did. ``inquiries`` are ``(customer, kind, minutes waited,
    outcome)``; ``followups`` are ``(customer, kind, outcome)``."""

    inquiries: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    staff: int = 0
    staff_hours: float = 0.0


class ReferenceDesk:
    """The brand's customer service, day by day."""

    def __init__(self, scenario, rng: np.random.Generator):
        self.settings = scenario.service
        self.rng = rng
        self.due: dict[int, tuple[list, list]] = {}  # day -> (delivery checks, satisfaction checks)

    # -- the day ---------------------------------------------------------------------
    def serve_day(self, people: list, levers, day: int) -> ServiceDay:
        """The day's questions and due follow-ups through the queue, from the pool as it
        stands when the day opens. Nothing happens with the service layer switched off."""
        s = self.settings
        if not s.enabled:
            return ServiceDay()
        members = [p for p in people if p.in_pool]
        staff = self.staff_on_shift(len(members), levers)
        out = ServiceDay(staff=staff, staff_hours=staff * (levers.shift_end - levers.shift_start))
        questions, auto_replied = self.questions(members, day, levers)
        out.inquiries = [(person, PRESALE, 0.0, AUTO_REPLIED) for person in auto_replied]
        deliveries, satisfaction = self.due.pop(day, ([], []))
        checks = [(p, DELIVERY_CHECK) for p in deliveries] + [(p, SATISFACTION_CHECK) for p in satisfaction]
        sittings = [checks[i:i + FOLLOWUP_BATCH] for i in range(0, len(checks), FOLLOWUP_BATCH)]
        self.run_queue(24.0 * day, staff, levers, questions, sittings, out)
        return out

    @staticmethod
    def staff_on_shift(pool: int, levers) -> int:
        """Staff per 1,000 pool members, rounded up, within the hiring limits."""
        if levers.staff is not None:  # a fixed head-count
            return levers.staff
        staff = math.ceil(levers.staff_per_1000_members * pool / 1000)
        return min(max(staff, levers.staff_min), levers.staff_max)

    # -- who asks what, and when -----------------------------------------------------
    def questions(self, members: list, day: int, levers) -> tuple[list[Question], list]:
        """Today's questions for the staff (in order of arrival) and the customers whose
        pre-sale question auto-reply answered."""
        s, rng = self.settings, self.rng
        day_start = 24.0 * day
        asked, auto_replied = [], []
        for person in members:
            kinds = []
            if person.need >= PRESALE_NEED and rng.random() < s.presale_rate:
                if levers.auto_reply and rng.random() < s.auto_reply_coverage:
                    auto_replied.append(person)
                else:
                    kinds.append(PRESALE)
            if day > 0 and person.last_buy == day - 1:
                rate = s.aftersale_rate if person.satisfied else s.aftersale_bad_rate
                if rng.random() < rate:
                    kinds.append(AFTERSALE)
            for kind in kinds:
                # in business hours, and before the day's give-up time
                at = day_start + rng.uniform(s.open_hour, min(s.close_hour, DAY_END - 0.01))
                asked.append(Question(person, kind, at, self.handling_hours(levers)))
        asked.sort(key=lambda q: q.asked_at)
        return asked, auto_replied

    def handling_hours(self, levers) -> float:
        """Staff hours one question takes: mean ``handle_minutes`` (experts take longer),
        exponential, log-normal or fixed as the scenario says."""
        s = self.settings
        mean = s.handle_minutes * (s.expert_minutes_factor if levers.expert_staff else 1.0) / 60
        if s.handle_distribution == "fixed":
            return mean
        if s.handle_distribution == "lognormal":
            return mean * math.exp(LOGNORMAL_SIGMA * self.rng.standard_normal() - LOGNORMAL_SIGMA ** 2 / 2)
        return float(self.rng.exponential(mean))

    # -- the queue -------------------------------------------------------------------
    def run_queue(self, day_start: float, staff: int, levers, questions: list[Question], sittings: list[list],
                  out: ServiceDay) -> None:
        """Run the day on a SimPy clock: one process per question and per follow-up
        sitting, and the staff going on and off duty."""
        env = simpy.Environment(initial_time=day_start)
        open_at, close_at = day_start + levers.shift_start, day_start + levers.shift_end
        deadline = day_start + DAY_END - 0.005  # whoever still waits gives up
        desk = simpy.PriorityResource(env, capacity=max(staff, 1))
        if staff == 0:  # nobody on shift: the desk never opens
            env.process(self.off_duty(env, desk, until=math.inf))
        else:
            if levers.shift_start > 0:
                env.process(self.off_duty(env, desk, until=open_at))
            if levers.shift_end < 24:
                env.process(self.off_duty(env, desk, since=close_at, until=math.inf))
        for q in questions:
            env.process(self.question(env, desk, q, deadline, out.inquiries))
        for checks in sittings:
            env.process(self.sitting(env, desk, checks, min(open_at, deadline), deadline, out.followups))
        env.run(until=day_start + DAY_END)

    @staticmethod
    def off_duty(env: simpy.Environment, desk: simpy.PriorityResource, until: float, since: float | None = None):
        """From ``since`` (now if None) to ``until`` the staff are off duty: every slot is
        taken with top priority as soon as its current job is done, so no service starts."""
        if since is not None:
            yield env.timeout(since - env.now)
        slots = [desk.request(priority=OFF_DUTY) for _ in range(desk.capacity)]
        if until < math.inf:
            yield env.all_of(slots)
            yield env.timeout(max(until - env.now, 0.0))
            for slot in slots:
                desk.release(slot)

    def question(self, env: simpy.Environment, desk: simpy.PriorityResource, q: Question, deadline: float,
                 record: list):
        """One customer's question: arrives, waits its turn or gives up at the deadline."""
        yield env.timeout(q.asked_at - env.now)
        with desk.request(priority=QUESTION) as turn:
            yield turn | env.timeout(deadline - env.now)
            if turn.triggered and env.now < deadline:
                record.append((q.person, q.kind, (env.now - q.asked_at) * 60, ANSWERED))
                yield env.timeout(q.work)
            else:
                record.append((q.person, q.kind, (deadline - q.asked_at) * 60, UNANSWERED))

    def sitting(self, env: simpy.Environment, desk: simpy.PriorityResource, checks: list, asked_at: float,
                deadline: float, record: list):
        """One sitting of follow-ups, asked for when the shift opens, behind every
        customer's question; its checks are all done, or all missed, together."""
        yield env.timeout(asked_at - env.now)
        with desk.request(priority=FOLLOWUP) as turn:
            yield turn | env.timeout(deadline - env.now)
            done = turn.triggered and env.now < deadline
            record.extend((person, kind, ANSWERED if done else UNANSWERED) for person, kind in checks)
            if done:
                yield env.timeout(len(checks) * self.settings.followup_minutes / 60)

    # -- follow-ups ------------------------------------------------------------------
    def schedule_followups(self, buyers: list, day: int) -> None:
        """After today's orders: a delivery check ``delivery_check_day`` days later and a
        satisfaction check ``satisfaction_check_day`` days later (never the same day), for
        buyers the staff can reach: friends still in the pool."""
        s = self.settings
        reachable = [p for p in buyers if p.in_pool and p.channels & FRIEND]
        for offset, slot in ((s.delivery_check_day, 0), (s.satisfaction_check_day, 1)):
            self.due.setdefault(day + max(offset, 1), ([], []))[slot].extend(reachable)
