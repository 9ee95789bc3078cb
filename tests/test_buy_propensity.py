"""Heterogeneous readiness to buy (``behaviour.buy_rate_shape``): a personal propensity
that multiplies the purchase hazard, drawn once from a gamma distribution with mean 1.
With need always due, each person buys as a Poisson process and the population's counts
are negative binomial, the NBD of buy-till-you-die models."""

from __future__ import annotations

import numpy as np
import pytest

from agents.reference import ReferenceModel
from experiments.validation.docking import holm, mann_whitney
from sim.model import seed_sequence
from sim.scenario import Scenario
from siyu import simulate
from tests.test_drop_out import QUIET


def cohort(shape: float, days: int = 200, people: int = 4000, sharpness: float = 2.0) -> Scenario:
    """A day-0 pool who trust fully, never tire, never leave and are always due to buy
    (one-day cycles): each buys on any day with chance buy_rate x her propensity."""
    return Scenario.from_dict(QUIET | {
        "name": "buyers", "days": days,
        "market": {"audience": people, "fit_share": 1.0, "initial_pool": people, "initial_pool_trust": 1.0,
                   "initial_pool_fit_share": 1.0},
        "accounts": {"count": 1},
        "category": {"purchase_cycle_days": 1.0, "cycle_shape": 100.0, "quality": 1.0, "need_sharpness": sharpness},
        "behaviour": {"buy_rate": 0.02, "buy_rate_shape": shape, "drift_leave_rate": 0.0, "trust_decay": 0.0,
                      "trust_good_purchase": 0.0, "trust_bad_purchase": 0.0, "referral_rate": 0.0}})


def _orders(shape: float, sharpness: float) -> np.ndarray:
    return simulate(cohort(shape, sharpness=sharpness), "custom", seed=4).customers["orders"].to_numpy().astype(float)


@pytest.mark.parametrize("sharpness", [2.0, 0.5])  # the hazard's two compiled paths (need is always 1 here)
def test_counts_are_negative_binomial_with_the_shape_and_poisson_without_it(sharpness):
    # Poisson: variance = mean; NBD with shape k: variance = mean + mean^2 / k
    alike = _orders(0.0, sharpness)
    assert alike.var() / alike.mean() == pytest.approx(1.0, abs=0.1)
    k = 0.5
    spread = _orders(k, sharpness)
    m = spread.mean()
    assert m == pytest.approx(alike.mean(), rel=0.1)  # the propensity has mean 1: same purchases in all
    assert spread.var() / m == pytest.approx(1 + m / k, rel=0.15)


def test_without_the_key_the_world_and_its_hash_are_unchanged(small):
    short = small.with_overrides(days=5)
    r = simulate(short, "nurture", seed=2)
    assert "buy_rate_shape" not in short.canonical_json()
    assert r.summary["scenario_hash"] == short.hash
    assert "buy_rate_shape" in short.with_overrides({"behaviour.buy_rate_shape": 2.0}).canonical_json()


@pytest.mark.reference
def test_engine_and_reference_agree_with_heterogeneous_buyers():
    sc = cohort(0.5, days=90, people=500)

    def orders(scenario: Scenario, reference: bool, seed: int, i: int) -> np.ndarray:
        if reference:
            model = ReferenceModel(scenario, "custom", seed_sequence(seed, i)).run()
            return model.final_population().orders.astype(float)
        return simulate(scenario, "custom", seed=seed, replication=i).customers["orders"].to_numpy().astype(float)

    def sample(scenario: Scenario, reference: bool, seed: int) -> dict:
        runs = [orders(scenario, reference, seed, i) for i in range(15)]
        # the spread of purchases across people is what the propensity changes
        return {"orders_var": np.array([r.var() for r in runs]), "orders_mean": np.array([r.mean() for r in runs])}

    engine, reference = sample(sc, False, 6), sample(sc, True, 5)
    assert min(holm(mann_whitney(engine, reference, "buyers")).values()) >= 0.01
    plain = sample(cohort(0.0, days=90, people=500), True, 7)  # the check tells a reference without it apart
    assert min(holm(mann_whitney(engine, plain, "buyers")).values()) < 0.01
