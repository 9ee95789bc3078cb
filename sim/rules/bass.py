"""Bass mode: the pool as a pure diffusion process (scenario table ``[bass]``).

The Bass (1969) model describes how a new product spreads through a market: each
non-adopter adopts at rate ``p`` (innovation: advertising, the public platforms) plus
``q`` times the share who already adopted (imitation: word of mouth). In Bass mode the
pool is that process and nothing else, so the simulator can be checked against the
model's known solution:

- one step is one day, so the expected pool share follows the discrete recursion
  ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))``;
- as the step shrinks (p, q per day small) this tends to the closed form
  ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``.

Switched off: strategy messaging (so no fatigue or trust changes), mute/delete/leave,
purchases, referrals as a separate rule (imitation *is* the ``q`` term) and platform
bans. The model calls :func:`adopt` instead of the daily rules when ``scenario.bass``
is set (the Bass-mode day of :mod:`sim.day`).
"""

from __future__ import annotations

import numpy as np

from sim.population import DEAL_SEEKER, FIT, Population
from sim.rules.buying import Purchases
from sim.rules.churn import Churn
from sim.rules.joining import Acquisition, Referrals, draw_traits, fill_accounts, join_pool


def adoption_probability(pool: int, audience: int, p: float, q: float) -> float:
    """Today's chance that one person still outside the pool joins: ``p + q F``."""
    share = pool / audience if audience else 0.0
    return min(1.0, p + q * share)


def adopt(pop: Population, scenario, capacity: np.ndarray, day: int, rng: np.random.Generator,
          levers) -> Acquisition:
    """Bass adoption for one day: every person in the public domain (unaware or exposed,
    either segment) joins with probability ``p + q × pool share`` measured at the start
    of the day (well mixed: everyone sees the same share). Joiners take account room like
    any other joiner; a Bass-mode scenario should have room enough for the Bass model to
    apply."""
    out = Acquisition()
    prob = adoption_probability(int(np.count_nonzero(pop.in_pool())), pop.audience, scenario.bass.p, scenario.bass.q)
    room = int(capacity.sum())
    joined = []
    for seg in (FIT, DEAL_SEEKER):
        outside = int(pop.unaware[seg] + pop.exposed[seg])
        k = min(int(rng.binomial(outside, prob)), room) if outside else 0
        if k == 0:
            continue
        room -= k
        from_exposed = min(k, int(pop.exposed[seg]))
        pop.exposed[seg] -= from_exposed
        pop.unaware[seg] -= k - from_exposed
        rows = pop.add(k)
        draw_traits(pop, rows, np.uint8(seg), scenario, rng)
        joined.append(np.arange(rows.start, rows.stop))
    if joined:
        rows = np.concatenate(joined)
        accounts = rng.permutation(fill_accounts(rows.size, capacity))
        join_pool(pop, rows, accounts, day, 0, scenario.behaviour.trust_paid, levers, rng)
        out.joined = out.contacts = int(rows.size)
    return out


def quiet_day() -> tuple[Churn, Purchases, Referrals, np.ndarray, np.ndarray]:
    """What the switched-off rules report on a Bass-mode day: nobody leaves, buys, refers
    or is banned (the ``gone, buys, refs, banned, lost_to_bans`` the model records)."""
    none = np.zeros(0, np.int64)
    return (Churn(0, 0, none), Purchases(none, np.zeros(0), np.zeros(0, bool), np.zeros(0)),
            Referrals(none, none, 0.0), none, none)


def bass_recursion(p: float, q: float, days: int, f0: float = 0.0) -> np.ndarray:
    """Expected pool share after each of ``days`` one-day steps: ``F(t+1) = F + (p + qF)(1 - F)``."""
    f = np.empty(days)
    share = f0
    for t in range(days):
        share = share + min(1.0, p + q * share) * (1 - share)
        f[t] = share
    return f


def bass_closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """The continuous-time Bass solution ``(1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    e = np.exp(-(p + q) * np.asarray(t, float))
    return (1 - e) / (1 + (q / p) * e)
