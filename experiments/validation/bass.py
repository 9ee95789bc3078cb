"""Diffusion limit: the pool in Bass mode follows the Bass (1969) model.

Bass mode (scenario table ``[bass]``, :mod:`sim.rules.bass`) switches off everything but
innovation ``p`` and well-mixed imitation ``q``; the expected pool share then follows the
discrete recursion ``F(t+1) = F(t) + (p + qF)(1 - F)``. The tolerance is derived from the
replications' own spread: on every day the mean share over ``R`` replications must lie
within ``t`` standard errors of the recursion (``Z`` Bonferroni-corrected for the number of
days compared), with a floor of one person's share for days when every replication agrees.
The closed form is shown beside it: with a small step (``p + q`` << 1 per day) it is
close to the recursion, with a large one it is not, which is why the check uses the recursion.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from agents.play import simulate
from experiments.validation.check import Check, say
from sim.rules.bass import bass_closed_form, bass_recursion
from sim.scenario import Scenario

#: (p, q, days, source): per-step coefficients
PAIRS = (
    (0.03, 0.38, 40, "published average (Sultan, Farley & Lehmann 1990; Bass 1969 products)"),
    (0.01, 0.50, 50, "imitation-driven"),
    (0.10, 0.05, 40, "innovation-driven"),
    (0.003, 0.038, 300, "small step (p, q / 10): the closed form applies"),
)
#: what each pair's source is called when it is said in another language (same order as PAIRS)
PAIR_SOURCES = ("published", "imitation", "innovation", "small_step")


def bass_scenario(p: float, q: float, audience: int, days: int) -> Scenario:
    """A Bass-mode world: enough accounts and add limit that capacity never binds, service off."""
    return Scenario.from_dict({
        "name": f"bass p={p} q={q}", "days": days, "market": {"audience": audience},
        "accounts": {"count": audience // 10_000 + 1}, "platform": {"daily_add_limit": 100_000},
        "service": {"enabled": False}, "bass": {"p": p, "q": q}}, source="<validation: bass>")


def pool_shares(p: float, q: float, audience: int, days: int, reps: int, seed: int = 1969) -> np.ndarray:
    """Pool share per replication and day, shape (reps, days)."""
    sc = bass_scenario(p, q, audience, days)
    return np.array([simulate(sc, seed=seed, replication=r).daily["pool"].to_numpy() / audience for r in range(reps)])


def check_one(p: float, q: float, days: int, source: str, audience: int, reps: int, alpha: float = 0.01,
              q_expected: float | None = None, source_key: str = "") -> Check:
    """One (p, q) pair. ``q_expected`` replaces ``q`` in the expectation (only to show the check can fail);
    ``source_key`` names the source among :data:`PAIR_SOURCES` (otherwise ``source`` is shown as written)."""
    shares = pool_shares(p, q, audience, days, reps)
    expected = bass_recursion(p, q if q_expected is None else q_expected, days)
    mean = shares.mean(axis=0)
    se = np.maximum(shares.std(axis=0, ddof=1) / np.sqrt(reps), 1.0 / audience)
    z = float(stats.t.ppf(1 - alpha / 2 / days, reps - 1))  # Student t: the spread is estimated from R runs
    dev = np.abs(mean - expected) / se
    worst = int(np.argmax(dev))
    ok = bool(dev.max() <= z)
    t = np.arange(1, days + 1)
    closed = bass_closed_form(p, q, t)
    fig = go.Figure()
    for r in range(reps):
        fig.add_trace(go.Scatter(x=t, y=shares[r], mode="lines", line={"color": "#1f77b4", "width": 1}, opacity=0.35,
                                 name="replications" if r == 0 else None, showlegend=r == 0))
    fig.add_trace(go.Scatter(x=t, y=expected, name="Bass recursion", line={"color": "#d62728", "dash": "dash"}))
    fig.add_trace(go.Scatter(x=t, y=closed, name="Bass closed form", line={"color": "#7f7f7f", "dash": "dot"}))
    fig.update_layout(template="plotly_white", height=340, xaxis_title="day", yaxis_title="pool share F(t)",
                      title=f"Bass mode p={p}, q={q} ({audience:,} people, {reps} replications)")
    gap = float(np.abs(closed - expected).max())
    facts = {"p": p, "q": q, "day": worst + 1, "days": days, "reps": reps, "audience": audience,
             "e_worst": float(expected[worst]), "e_last": float(expected[-1]), "o_worst": float(mean[worst]),
             "o_last": float(mean[-1]), "dev": float(dev.max()), "z": z, "alpha": alpha, "gap": gap,
             "gap_worst": float(abs(mean[worst] - expected[worst]))}
    source_said = say(f"bass.source.{source_key}") if source_key else source
    return Check(
        name=f"bass_p{p}_q{q}", family="diffusion",
        compares=f"pool share per day in Bass mode vs the Bass recursion F(t+1)=F+(p+qF)(1-F), p={p}, q={q} ({source})",
        expected=f"F(day {worst + 1}) = {expected[worst]:.4f}; F(day {days}) = {expected[-1]:.4f}",
        observed=f"F(day {worst + 1}) = {mean[worst]:.4f}; F(day {days}) = {mean[-1]:.4f}; "
                 f"largest deviation {dev.max():.2f} standard errors",
        tolerance=f"every day within {z:.2f} standard errors of the {reps}-replication mean "
                  f"(alpha {alpha} Bonferroni over {days} days)",
        passed=ok,
        evidence=(f"With only innovation p={p} and imitation q={q} switched on, {reps} runs of {audience:,} people "
                  f"tracked the Bass recursion on all {days} days to within {dev.max():.1f} standard errors "
                  f"(largest gap {abs(mean[worst] - expected[worst]):.4f} of the market); the continuous closed form "
                  f"differs from the recursion by up to {gap:.3f} at this step size."),
        figure=fig, details={"p": p, "q": q, "audience": audience, "replications": reps, "max_z": float(dev.max()),
                             "closed_form_gap": gap},
        statements={"compares": say("bass.compares", **facts, source=source_said),
                    **{k: say(f"bass.{k}", **facts) for k in ("expected", "observed", "tolerance", "evidence")}},
        chart={"title": say("bass.title", **facts), "xaxis": say("day"), "yaxis": say("bass.yaxis"),
               "trace.0": say("replications"), f"trace.{reps}": say("bass.recursion"),
               f"trace.{reps + 1}": say("bass.closed_form")})


def check_bass(quick: bool) -> list[Check]:
    """Several (p, q) pairs: 10^5 people and 20 replications, or 2x10^4 and 10 in quick mode."""
    audience, reps = (20_000, 10) if quick else (100_000, 20)
    return [check_one(p, q, days, src, audience, reps, source_key=key)
            for (p, q, days, src), key in zip(PAIRS, PAIR_SOURCES)]
