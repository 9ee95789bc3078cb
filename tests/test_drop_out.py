"""Heterogeneous drop-out (``behaviour.drop_out_shape``): a personal propensity to drift
away, drawn once from a gamma distribution with mean 1, so a cohort's drop-out hazard
falls as it ages (the prone leave first), as in Pareto/NBD."""

from __future__ import annotations

import numpy as np
import pytest

from agents.reference import reference_simulate
from experiments.validation.docking import holm, mann_whitney
from sim.population import Population
from sim.rules.joining import propensities, satisfaction_chances
from sim.scenario import STATE_BYTES_PER_CUSTOMER, Scenario
from siyu import simulate

#: a shop without a pool: no messages, no desk, no acquisition; trust neither decays nor grows
QUIET = {"strategy": {"levers": {"all": {
    "acquisition_budget": 0.0, "moments_posts": 0.0, "group_messages": 0.0, "private_messages": 0.0,
    "official_posts": 0.0, "followup": False, "group_invite_share": 0.0, "official_follow_share": 0.0,
    "referral_reward": 0.0, "super_user_share": 0.0, "recall_after_days": 0}}},
    "service": {"enabled": False}}


def cohort(shape: float, days: int = 240, people: int = 6000) -> Scenario:
    return Scenario.from_dict(QUIET | {
        "name": "cohort", "days": days,
        "market": {"audience": people, "initial_pool": people, "initial_pool_trust": 0.0, "initial_pool_fit_share": 1.0},
        "accounts": {"count": 1},
        "behaviour": {"drift_leave_rate": 0.01, "drop_out_shape": shape, "trust_decay": 0.0,
                      "trust_good_purchase": 0.0, "trust_bad_purchase": 0.0, "buy_rate": 0.0,
                      "referral_rate": 0.0}})


def test_propensities_have_mean_one_and_variance_one_over_shape():
    x = propensities(0.5, 200_000, np.random.default_rng(1))
    assert x.mean() == pytest.approx(1.0, abs=0.02) and x.var() == pytest.approx(2.0, rel=0.05)


def _hazards(shape: float) -> tuple[float, float]:
    """Daily drop-out hazard of the day-0 pool in its first 30 days and in days 180-240."""
    pool = simulate(cohort(shape), "custom", seed=3).daily["pool"].to_numpy().astype(float)
    early = 1 - (pool[29] / 6000) ** (1 / 30)
    late = 1 - (pool[239] / pool[179]) ** (1 / 60)
    return early, late


def test_heterogeneous_drop_out_slows_as_the_cohort_ages_and_homogeneous_does_not():
    early, late = _hazards(0.0)
    assert late == pytest.approx(early, rel=0.15)  # the same 1 % a day throughout
    early, late = _hazards(0.5)
    assert early < 0.0115 and late < 0.5 * early  # the prone are gone


def test_without_the_key_the_world_and_its_hash_are_unchanged(small):
    short = small.with_overrides(days=5)
    r = simulate(short, "nurture", seed=2)
    assert "drop_out_shape" not in short.canonical_json()  # the hash of a world without it is unchanged
    assert r.summary["scenario_hash"] == short.hash
    assert "drop_out_shape" in short.with_overrides({"behaviour.drop_out_shape": 2.0}).canonical_json()


def test_state_bytes_per_customer_are_what_the_memory_estimate_uses():
    assert Population.bytes_per_customer() == STATE_BYTES_PER_CUSTOMER


@pytest.mark.reference
def test_engine_and_reference_agree_with_heterogeneous_drop_out():
    sc = cohort(0.5, days=120, people=600)
    metrics = ("pool_final", "deletes", "retention_90")

    def sample(reference: bool) -> dict:
        runs = [(reference_simulate(sc, "custom", seed=5, replication=i) if reference
                 else simulate(sc, "custom", seed=6, replication=i)).summary for i in range(20)]
        return {m: np.array([float(r[m]) for r in runs]) for m in metrics}

    engine, reference = sample(False), sample(True)
    assert min(holm(mann_whitney(engine, reference, "drop-out")).values()) >= 0.01
    homogeneous = cohort(0.0, days=120, people=600)  # and the check tells a reference without it apart
    plain = {m: np.array([float(reference_simulate(homogeneous, "custom", seed=7, replication=i).summary[m])
                          for i in range(20)]) for m in metrics}
    assert min(holm(mann_whitney(engine, plain, "drop-out")).values()) < 0.01


@pytest.mark.parametrize("draw, low, high", [
    (lambda value, n, rng: propensities(value, n, rng), 0.3, 3.0),
    (lambda value, n, rng: satisfaction_chances(value, 0.3, n, rng), 0.6, 0.9),
    (lambda value, n, rng: satisfaction_chances(0.7, value, n, rng), 0.1, 0.8),
])
def test_a_trait_is_drawn_by_inversion_so_a_fit_compares_like_with_like(draw, low, high):
    """Common random numbers for a fit: whatever a trait's parameter, its draw uses one
    uniform per person, so the stream after it (the next traits, the next day's arrivals)
    is the same for every candidate, and each person's trait moves smoothly with the
    parameter. A rejection sampler (numpy's gamma and beta) fails both."""
    values = np.linspace(low, high, 5)
    streams = [np.random.default_rng(7) for _ in values]
    traits = np.array([draw(v, 2000, rng) for v, rng in zip(values, streams)], float)
    after = {float(rng.random()) for rng in streams}
    assert len(after) == 1
    for value, trait in zip(values, traits):
        near = draw(value * 1.001, 2000, np.random.default_rng(7))
        assert np.all(np.abs(near - trait) < 0.01 * np.maximum(trait, 1.0))  # a 0.1 % step moves no one far
