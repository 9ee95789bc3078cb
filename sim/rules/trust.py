"""Fatigue and trust: every message seen tires a member; value builds trust, promotions seen
while annoyed erode it, and it decays when the brand gives nothing."""

from __future__ import annotations

import numpy as np

from sim.compiled import F32, ONE, njit
from sim.population import Population
from sim.rules.messaging import Exposure


def accrue_fatigue(pop: Population, added: np.ndarray, half_life_days: float) -> None:
    """Fatigue decays with a half-life and grows with every message seen."""
    decay = F32(0.5 ** (1.0 / half_life_days))
    pop.fatigue *= decay
    pop.fatigue += added


@njit(cache=True)
def _fatigue_over_tolerance(fatigue, tolerance, trust, trust_tolerance):
    """Fatigue relative to what this person tolerates; trusted brands are forgiven more."""
    return fatigue / (tolerance * (ONE + trust_tolerance * trust))


def update_trust(pop: Population, seen: Exposure, behaviour) -> None:
    """Value content builds trust; promotions seen while annoyed erode it; it decays daily,
    so a brand that stops giving value is slowly forgotten (the equilibrium of gain and
    decay is what a steady content diet buys). Annoyance is :func:`_fatigue_over_tolerance`, capped at 2."""
    b = behaviour
    # float32 throughout, like the arrays: the loop then vectorises
    _move_trust(pop.trust, pop.fatigue, pop.tolerance, seen.value, seen.promo,
                F32(b.trust_tolerance), F32(b.trust_value_gain), F32(b.trust_spam_loss), F32(b.trust_decay))


@njit(cache=True)
def _move_trust(trust, fatigue, tolerance, value, promo, trust_tolerance, value_gain, spam_loss, decay):
    for i in range(trust.size):
        t = trust[i]
        annoyance = min(_fatigue_over_tolerance(fatigue[i], tolerance[i], t, trust_tolerance), np.float32(2))
        t += value_gain * value[i] * (ONE - t) - spam_loss * promo[i] * annoyance * t - decay * t
        trust[i] = min(max(t, np.float32(0)), np.float32(1))
