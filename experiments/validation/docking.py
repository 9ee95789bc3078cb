"""Docking: the vectorised engine against the per-agent Mesa reference (Axtell et al. 1996).

The same scenarios run on both implementations, each from its own random streams; the
replication summaries of key outputs are compared with two-sided Mann-Whitney tests and
the p-values Holm-corrected as one family (the procedure of ``tests/test_equivalence.py``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from agents.customer import CustomerAgent
from agents.play import simulate
from agents.reference import reference_simulate
from experiments.validation.check import Check, say
from sim.scenario import Scenario

#: replication summaries compared: the pool, sales, loyalty, churn, and what it all cost
METRICS = ("pool_final", "gmv_total", "gmv_30", "retention_30", "mutes", "deletes", "referrals", "orders",
           "buyers", "mean_trust_final", "operating_cost", "staff_cost", "acquisition_cost", "profit")
ALPHA = 0.01


def scaled_default(audience: int, initial_pool: int, days: int):
    """The default scenario shrunk to ``audience`` people (budget in proportion, two accounts)."""
    base = Scenario.from_toml(Path(__file__).resolve().parents[2] / "scenarios" / "default.toml")
    budget = base.strategy.levers["all"].acquisition_budget * audience / base.market.audience
    return base.with_overrides(days=days, campaigns=[c.model_dump() for c in base.campaigns if c.start < days], **{
        "market.audience": audience, "market.initial_pool": initial_pool, "accounts.count": 2,
        "strategy.levers": {"all": {"acquisition_budget": budget}}})


def holm(pvalues: dict[str, float]) -> dict[str, float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone)."""
    names = sorted(pvalues, key=pvalues.get)
    m, running, out = len(names), 0.0, {}
    for i, name in enumerate(names):
        running = max(running, min(1.0, (m - i) * pvalues[name]))
        out[name] = running
    return out


def mann_whitney(a: dict[str, np.ndarray], b: dict[str, np.ndarray], label: str) -> dict[str, float]:
    """Two-sided Mann-Whitney p-value per metric (1.0 where both samples are one constant;
    metrics undefined in some replication, e.g. retention past the horizon, are skipped)."""
    out = {}
    for k in a:
        x, y = a[k], b[k]
        if np.isnan(x).any() or np.isnan(y).any():
            continue
        both = np.concatenate([x, y])
        out[f"{label} {k}"] = 1.0 if both.min() == both.max() else float(stats.mannwhitneyu(x, y).pvalue)
    return out


def sample(sc, strategy: str, reps: int, reference: bool, seed: int, customer_class=None) -> dict[str, np.ndarray]:
    rows = []
    for i in range(reps):
        r = (reference_simulate(sc, strategy, seed=seed, replication=i, customer_class=customer_class or CustomerAgent)
             if reference else simulate(sc, strategy, seed=seed, replication=i))
        rows.append({k: math.nan if r.summary[k] is None else float(r.summary[k]) for k in METRICS})
    return {k: np.array([row[k] for row in rows]) for k in METRICS}


def check_docking(quick: bool, customer_class=None) -> list[Check]:
    """Engine vs reference on the scaled default scenario, both strategies.
    ``customer_class`` swaps the reference's customers (only to show the check can fail)."""
    audience, pool, days, reps = (1500, 120, 90, 12) if quick else (4000, 300, 150, 30)
    sc = scaled_default(audience, pool, days)
    raw, samples = {}, {}
    for strategy in ("harvest", "nurture"):
        a = sample(sc, strategy, reps, False, 11)
        b = sample(sc, strategy, reps, True, 12, customer_class)
        samples[strategy] = (a, b)
        raw.update(mann_whitney(a, b, strategy))
    adjusted = holm(raw)
    worst = min(adjusted, key=adjusted.get)
    ok = adjusted[worst] >= ALPHA
    fig, names = go.Figure(), {}
    for strategy, (a, b) in samples.items():
        for label, s, col in (("engine", a, "#1f77b4"), ("reference", b, "#ff7f0e")):
            names[f"trace.{len(fig.data)}"] = say(f"docking.{label}", strategy=strategy)
            fig.add_trace(go.Box(y=s["gmv_total"], name=f"{strategy} {label}", marker_color=col))
    fig.update_layout(template="plotly_white", height=340, yaxis_title="GMV over the run, yuan",
                      title=f"Engine vs per-agent reference ({reps} replications each)")
    worst_strategy, worst_metric = worst.split(" ", 1)
    facts = {"compared": len(raw), "audience": audience, "reps": reps, "p": adjusted[worst], "alpha": ALPHA,
             "strategy": worst_strategy, "metric": worst_metric, "same": bool(ok)}
    return [Check(
        name="docking_engine_vs_reference", family="docking",
        compares=f"{len(raw)} replication summaries (pool, GMV, retention, mutes, deletes, referrals, orders, trust, "
                 "costs and profit) "
                 f"of the vectorised engine vs the per-agent Mesa reference, default scenario scaled to {audience:,} people",
        expected="same distribution (no Holm-corrected Mann-Whitney p below 0.01)",
        observed=f"smallest Holm-corrected p = {adjusted[worst]:.3f} ({worst})",
        tolerance="family-wise alpha 0.01 (Holm)", passed=bool(ok),
        evidence=(f"Two independent implementations — whole-population arrays and one Mesa agent per customer — "
                  f"{'produced statistically indistinguishable' if ok else 'produced different'} outcomes on {len(raw)} "
                  f"compared statistics over {reps} replications each (smallest corrected p {adjusted[worst]:.3f})."),
        figure=fig, details={"holm_p": adjusted, "replications": reps, "audience": audience, "days": days},
        statements={k: say(f"docking.{k}", **facts) for k in ("compares", "expected", "observed", "tolerance", "evidence")},
        chart={"title": say("docking.title", reps=reps), "yaxis": say("docking.yaxis"), "yuan": True, **names})]
