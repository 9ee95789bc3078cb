"""``category.quality_spread``: how likely the product is to satisfy a customer varies
from person to person (BG/NBD's heterogeneous drop-out), around ``category.quality``."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.validation.docking import ALPHA, holm, mann_whitney, sample
from siyu import simulate
from sim.population import ACTIVE, LOST, MUTED
from sim.rules.joining import satisfaction_chances
from sim.scenario import Scenario
from conftest import pool_model


def cohort(spread: float, count: int = 400, days: int = 120) -> Scenario:
    """One cohort arriving on day 0, no acquisition, no referrals; a middling product that
    sends half the disappointed away at once, followed up or not."""
    return Scenario.from_dict({
        "name": "satisfaction", "days": days, "seed": 8,
        "market": {"audience": count, "initial_pool": 0, "arrivals": [{"day": 0, "count": count}]},
        "category": {"quality": 0.6, "quality_spread": spread, "purchase_cycle_days": 20},
        "behaviour": {"referral_rate": 0.0, "bad_product_leave": 0.5, "bad_product_leave_resolved": 0.5},
        "strategy": {"levers": {"all": {"acquisition_budget": 0.0}}},
    }, source="<test>")


@pytest.mark.parametrize("quality, spread", [(0.85, 0.1), (0.6, 0.5), (0.3, 0.9)])
def test_personal_chances_have_the_asked_mean_and_spread(quality, spread):
    n = 200_000
    x = satisfaction_chances(quality, spread, n, np.random.default_rng(1))
    assert x.min() >= 0 and x.max() <= 1
    # standard errors: the mean's is sd/sqrt(n); the variance's is below sd^2 * sqrt(2/n) x 2
    var = quality * (1 - quality) * spread
    assert x.mean() == pytest.approx(quality, abs=5 * np.sqrt(var / n))
    assert x.var() == pytest.approx(var, rel=10 * np.sqrt(2 / n) * 2)


def test_a_product_everyone_loves_or_nobody_does_needs_no_spread():
    for q in (0.0, 1.0):
        assert np.all(satisfaction_chances(q, 0.5, 10, np.random.default_rng(0)) == q)


def test_the_disappointed_walk_out_so_a_cohort_grows_more_loyal():
    m = pool_model(cohort(0.7), "nurture", seed=2)
    for _ in range(m.scenario.days):
        m.step()
    pop = m.population
    chance = pop.satisfaction / 255
    stayed = (pop.state == ACTIVE) | (pop.state == MUTED)
    walked = pop.state == LOST
    assert stayed.sum() > 40 and walked.sum() > 40
    assert chance[stayed].mean() > 0.6 + 0.1 > chance[walked].mean()
    # every row has a personal chance, and the cohort as drawn averages quality
    assert abs(chance.mean() - 0.6) < 0.05


def test_spread_keeps_more_buyers_with_the_same_mean_quality():
    """Same mean quality: spread concentrates disappointment on fewer people, who leave,
    while the rest keep buying; a shared chance disappoints everyone now and then."""
    shared = [simulate(cohort(0.0), "nurture", seed=4, replication=i).summary for i in range(5)]
    spread = [simulate(cohort(0.8), "nurture", seed=4, replication=i).summary for i in range(5)]
    assert np.mean([s["orders"] for s in spread]) > 1.1 * np.mean([s["orders"] for s in shared])


def test_without_spread_everyone_has_the_shared_chance():
    """Without spread nothing is drawn (so other scenarios keep their random streams and
    their saved outputs); the column still says each person's chance."""
    m = pool_model(cohort(0.0, days=5), "nurture", seed=2)
    for _ in range(5):
        m.step()
    assert np.all(m.population.satisfaction == round(255 * 0.6))


@pytest.mark.reference
def test_engine_and_reference_agree_with_spread_and_the_check_can_tell():
    """Docking for the personal chance: engine vs per-agent reference, 20 runs each. A
    reference that ignored the spread would be told apart."""
    sc = cohort(0.8, count=300, days=90)
    vec = sample(sc, "nurture", 20, reference=False, seed=31)
    ref = sample(sc, "nurture", 20, reference=True, seed=32)
    p = holm(mann_whitney(vec, ref, "spread"))
    assert min(p.values()) >= ALPHA, p
    shared = sample(cohort(0.0, count=300, days=90), "nurture", 20, reference=True, seed=32)
    assert min(holm(mann_whitney(vec, shared, "no spread")).values()) < ALPHA
