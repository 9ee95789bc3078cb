"""Mute, delete, leave: past tolerance members mute; far past it, or distrustful, they leave."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.compiled import F32, ONE, njit
from sim.population import ACTIVE, LOST, MUTED, NEVER, Population
from sim.rules.groups import end_group_stays
from sim.rules.trust import _fatigue_over_tolerance


@dataclass
class Churn:
    mutes: int
    unmutes: int
    left: np.ndarray  # rows who deleted / left today


def churn(pop: Population, behaviour, day: int, rng: np.random.Generator) -> Churn:
    """Past tolerance people mute; far past it (or muted and distrustful) they leave.

    One uniform draw per member decides between leaving, muting and staying, so the
    hazards compete as in a continuous-time model observed once a day.
    """
    b = behaviour
    u = rng.random(pop.size, dtype=F32)
    leave, mutes, unmutes = _mute_or_leave(pop.state, pop.fatigue, pop.tolerance, pop.trust, pop.drop_out, u,
                                           *(F32(x) for x in (b.trust_tolerance, b.mute_rate, b.leave_rate,
                                                              b.muted_leave_rate, b.drift_leave_rate, b.unmute_rate)))
    left = np.flatnonzero(leave)
    leave_pool(pop, left, LOST, day)
    return Churn(mutes=mutes, unmutes=unmutes, left=left)


STAY, LEAVE, TO_MUTED, TO_ACTIVE, PAST_TOLERANCE = range(5)


@njit(cache=True)
def _mute_or_leave(state, fatigue, tolerance, trust, drop_out, u, trust_tolerance, mute_rate, leave_rate,
                   muted_leave_rate, drift_leave_rate, unmute_rate):
    """Per member: hazards from how far past tolerance they are (``over``) and distrust
    (``drift``, times the person's drop-out propensity); one uniform ``u`` picks leave,
    mute / unmute or stay. Sets the new mute
    states; returns who leaves and the mute and unmute counts.

    Most members need no ``exp`` (within tolerance, or muted and less than twice past it):
    a first, branch-free pass (which the compiler vectorises) decides them and marks the
    rest, who are decided one by one in a second pass."""
    n = state.size
    code = np.empty(n, np.uint8)
    for i in range(n):
        s = state[i]
        t = trust[i]
        over = _fatigue_over_tolerance(fatigue[i], tolerance[i], t, trust_tolerance) - ONE
        muted = s == MUTED
        # people drift away from brands they do not trust, even unannoyed
        p_leave = (muted_leave_rate if muted else drift_leave_rate) * (ONE - t) * drop_out[i]
        p_unmute = unmute_rate * t if muted and over < -0.5 else np.float32(0)
        c = LEAVE if u[i] < p_leave else (TO_ACTIVE if u[i] < p_leave + p_unmute else STAY)
        c = PAST_TOLERANCE if (over > 1) | ((over > 0) & (s == ACTIVE)) else c  # hazards with an exp
        code[i] = c if (s == ACTIVE or muted) else STAY
    for i in range(n):
        if code[i] != PAST_TOLERANCE:
            continue
        t = trust[i]
        over = _fatigue_over_tolerance(fatigue[i], tolerance[i], t, trust_tolerance) - 1
        p_leave = 1 - np.exp(-leave_rate * (over - 1)) if over > 1 else 0.0
        if state[i] == MUTED:
            code[i] = LEAVE if u[i] < p_leave + muted_leave_rate * (1 - t) * drop_out[i] else STAY
        else:
            p_leave += drift_leave_rate * (1 - t) * drop_out[i]
            p_mute = 1 - np.exp(-mute_rate * over)
            code[i] = LEAVE if u[i] < p_leave else (TO_MUTED if u[i] < p_leave + p_mute else STAY)
    mutes = unmutes = 0
    for i in range(n):
        c = code[i]
        mutes += c == TO_MUTED
        unmutes += c == TO_ACTIVE
        state[i] = MUTED if c == TO_MUTED else (ACTIVE if c == TO_ACTIVE else state[i])
    return code == LEAVE, mutes, unmutes


def leave_pool(pop: Population, rows: np.ndarray, state: int, day: int) -> None:
    """Take rows out of the pool (to LOST or BANNED), recording their first exit and the
    end of a first group stay (:func:`sim.rules.groups.end_group_stays`)."""
    end_group_stays(pop, rows, state, day)
    pop.state[rows] = state
    pop.channels[rows] = 0
    pop.account[rows] = -1
    pop.group[rows] = -1
    first = pop.first_left[rows]
    pop.first_left[rows] = np.where(first == NEVER, day, first)
