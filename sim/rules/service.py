"""Daily rules of service and campaigns: what answers, follow-ups and promotions do.

The service desk (:mod:`sim.desk`) decides *when* and *whether* a question is
answered or a follow-up made; these functions decide what that does to a customer,
vectorised over the day's records like every other rule.
"""

from __future__ import annotations

import numpy as np

from sim.desk import (AFTERSALE, ANSWERED, AUTO_REPLIED, DELIVERY_CHECK, PRESALE, SATISFACTION_CHECK, UNANSWERED,
                            Records)
from sim.quantiles import linear_quantiles
from sim.population import ACTIVE, MUTED, Population


def answer_effect(pop: Population, records: Records, service, expert: bool) -> dict:
    """Fast answers build trust (experts more, auto-replies less); waiting erodes it; no
    answer by the end of the day costs more, an unanswered after-sale problem most. An
    answered pre-sale question means the customer is ready to buy (their need is due)."""
    rows, kinds, waits, outcomes = records.fields()
    if rows.size == 0:  # no questions today (no desk, or nobody asked)
        return {"inquiries": 0, "answered": 0, "auto_replied": 0, "unanswered": 0, "mean_wait_minutes": 0.0,
                "p90_wait_minutes": 0.0}
    stats = {"inquiries": int(rows.size), "answered": int((outcomes == ANSWERED).sum()),
             "auto_replied": int((outcomes == AUTO_REPLIED).sum()), "unanswered": int((outcomes == UNANSWERED).sum())}
    human = outcomes == ANSWERED
    stats["mean_wait_minutes"] = float(waits[human].mean()) if human.any() else 0.0
    stats["p90_wait_minutes"] = float(linear_quantiles(waits[human], (0.9,))[0]) if human.any() else 0.0  # np.percentile's
    in_pool = (pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED)
    rows, kinds, waits, outcomes = rows[in_pool], kinds[in_pool], waits[in_pool], outcomes[in_pool]
    t = pop.trust[rows].astype(float)
    fast = (outcomes == ANSWERED) & (waits <= service.fast_answer_minutes)
    slow = (outcomes == ANSWERED) & ~fast
    gain = service.trust_fast_answer * (service.expert_factor if expert else 1.0)
    late_hours = np.minimum((waits - service.fast_answer_minutes) / 60, 3)
    new = np.select(
        [fast, slow, outcomes == AUTO_REPLIED, (outcomes == UNANSWERED) & (kinds == AFTERSALE), outcomes == UNANSWERED],
        [t + gain * (1 - t),
         t * (1 - service.trust_slow_answer * late_hours),
         t + service.trust_fast_answer * service.auto_reply_factor * (1 - t),
         t * (1 - service.trust_unanswered_aftersale),
         t * (1 - service.trust_unanswered)], t)
    # several questions from one person in a day: the last record wins, which is fine at these rates
    pop.trust[rows] = np.clip(new, 0, 1)
    ready = rows[(kinds == PRESALE) & (outcomes != UNANSWERED)]
    pop.need[ready] = np.maximum(pop.need[ready], 1.0)
    return stats


def followup_effect(pop: Population, records: Records, behaviour, service) -> dict:
    """A delivery check reassures; a satisfaction check builds trust after a good product
    and repairs part of the damage after a bad one (DOMAIN: confirm delivery, ask two
    days later if they are happy, thank them)."""
    rows, kinds, _, outcomes = records.fields()
    if rows.size == 0:  # no follow-ups due today
        return {"followups": 0, "followups_missed": 0}
    done = outcomes == ANSWERED
    stats = {"followups": int(done.sum()), "followups_missed": int((~done).sum())}
    rows, kinds = rows[done], kinds[done]
    still_here = (pop.state[rows] == ACTIVE) | (pop.state[rows] == MUTED)  # left since it was scheduled
    rows, kinds = rows[still_here], kinds[still_here]
    if rows.size == 0:
        return stats
    t = pop.trust[rows].astype(float)
    good = pop.satisfied[rows]
    delivery = kinds == DELIVERY_CHECK
    satisfaction = kinds == SATISFACTION_CHECK
    # a repair restores part of what the bad purchase took: t was t0 * (1 - loss)
    lost = t / max(1 - behaviour.trust_bad_purchase, 1e-6) - t
    new = np.select(
        [delivery, satisfaction & good, satisfaction & ~good],
        [t + service.trust_delivery_check * (1 - t),
         t + behaviour.trust_followup * (1 - t),
         t + behaviour.followup_recovery * lost], t)
    pop.trust[rows] = np.clip(new, 0, 1)
    return stats
