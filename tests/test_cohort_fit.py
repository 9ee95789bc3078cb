"""Fitting a cohort's log by BG/NBD's information (experiments.cohort_fit): the cells,
the deviance, and a fit that recovers a parameter of a log the model itself made."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import cohort_fit
from experiments.translog import simulate_transactions
from experiments.validation.empirical import Log, read_cdnow, shop_scenario


def test_cells_count_each_customer_once_by_group_repeats_and_recency():
    tx = pd.DataFrame({"customer": ["a", "a", "a", "b", "c", "c"], "day": [1, 50, 95, 15, 30, 31], "amount": 1.0})
    bounds = np.array([1.0, 11.0, 21.0])
    counts = cohort_fit.cells(tx, calibration_end=100, bounds=bounds)
    assert counts.sum() == 3 and counts.size == cohort_fit.n_cells()
    per = len(cohort_fit.RECENCY)
    # a: first group, 2 repeats, last 5 days before the end; b: second group, no repeat; c: third group,
    # 1 repeat, 69 days before the end
    assert counts[(0 * len(cohort_fit.REPEATS) + 2) * per + 0] == 1
    assert counts[(1 * len(cohort_fit.REPEATS) + 0) * per + 0] == 1
    assert counts[(2 * len(cohort_fit.REPEATS) + 1) * per + 1] == 1


def test_deviance_is_zero_for_a_perfect_match_and_grows_with_the_mismatch():
    observed = np.array([50.0, 30.0, 20.0, 0.0])
    assert cohort_fit.deviance(observed, observed * 1000) == pytest.approx(0, abs=0.01)
    assert cohort_fit.deviance(observed, np.array([40.0, 30, 30, 0])) > cohort_fit.deviance(observed, np.array([45.0, 30, 25, 0]))


def test_weekly_repeats_count_every_purchase_but_a_customers_first_by_week():
    tx = pd.DataFrame({"customer": ["a", "a", "a", "b", "c", "c"], "day": [1, 6, 16, 15, 30, 31], "amount": 1.0})
    weeks = cohort_fit.weekly_repeats(tx, calibration_end=20)
    # a's repeats on days 6 (week 0) and 16 (week 2); c's on day 31 is after the end
    assert weeks.tolist() == [1.0, 0.0, 1.0]


def test_timing_deviance_is_zero_for_the_same_mean_and_grows_with_the_mismatch():
    observed = np.array([10.0, 20.0, 0.0, 5.0])
    replications = 4
    matched = (observed * replications) - cohort_fit.SMOOTHING  # smoothing added back inside
    assert cohort_fit.timing_deviance(observed, matched, replications) == pytest.approx(0, abs=1e-9)
    near, far = observed * replications * 1.1, observed * replications * 1.5
    assert 0 < cohort_fit.timing_deviance(observed, near, replications) < cohort_fit.timing_deviance(
        observed, far, replications)


def test_the_criterion_is_the_cells_deviance_plus_the_timing_deviance():
    rng = np.random.default_rng(3)
    k = cohort_fit.n_cells()
    observed = np.concatenate([rng.integers(0, 30, k), rng.integers(0, 9, 5)]).astype(float)
    simulated = np.concatenate([rng.integers(0, 60, k), rng.integers(0, 18, 5)]).astype(float)
    assert cohort_fit.criterion_value(observed, simulated, 2) == pytest.approx(
        cohort_fit.deviance(observed[:k], simulated[:k]) + cohort_fit.timing_deviance(observed[k:], simulated[k:], 2))


@pytest.mark.slow
def test_fit_finds_the_purchase_cycle_of_a_cohort_the_model_made():
    """A 600-customer cohort simulated with a 60-day cycle: the fit lands near 60. (Its
    curvature CI is not asserted: on two such cohorts, 60 fell inside it once; see
    experiments.cohort_fit.)"""
    real = read_cdnow()
    real = real[real["customer"].isin(real["customer"].unique()[:600])]
    log = Log(real, "toy", horizon=200, calibration_end=200)
    truth = shop_scenario(log).with_overrides({"category.purchase_cycle_days": 60.0, "category.cycle_shape": 1.0,
                                               "behaviour.trust_decay": 0.0})
    made = simulate_transactions(truth, "custom", truth.seed, 77)
    fit = cohort_fit.fit(truth, made, 200, {"category.purchase_cycle_days": (20.0, 200.0)}, replications=6,
                         maxiter=4, popsize=5)
    assert 45 <= fit.values()["category.purchase_cycle_days"] <= 80


def test_a_search_started_from_a_nested_optimum_never_ends_worse():
    """``start`` joins the initial population: the fit's best deviance is at most the one
    at the start (the guarantee that lets a larger structure extend a smaller one)."""
    real = read_cdnow()
    real = real[real["customer"].isin(real["customer"].unique()[:200])]
    log = Log(real, "toy", horizon=120, calibration_end=120)
    base = shop_scenario(log)
    params = {"category.purchase_cycle_days": (20.0, 200.0), "behaviour.trust_decay": (0.0, 0.01)}
    start = {"category.purchase_cycle_days": 73.0}   # trust_decay starts at the scenario's value
    fit = cohort_fit.fit(base, real, 120, params, replications=1, maxiter=1, popsize=2, start=start, smooth=False)
    first = fit.history.iloc[0]
    assert (first["category.purchase_cycle_days"], first["behaviour.trust_decay"]) == (73.0, base.behaviour.trust_decay)
    assert fit.deviance <= first["deviance"]


def test_the_response_surface_finds_a_noisy_minimum_the_best_sample_misses():
    """Hundreds of noisy evaluations of a bowl: the least-squares quadratic's minimum lands
    near the true one, while the best single evaluation is wherever the noise was luckiest."""
    rng = np.random.default_rng(11)
    truth = np.array([0.3, 0.6, 0.5])
    x = rng.random((600, 3))
    y = 40 * ((x - truth) ** 2).sum(axis=1) + rng.normal(0, 2.0, len(x))
    best = x[np.argmin(y)]
    found = cohort_fit.surface_minimum(x, y, best)
    assert np.linalg.norm(found - truth) < 0.05
    assert np.linalg.norm(found - truth) < np.linalg.norm(best - truth)


def test_the_response_surface_keeps_the_centre_with_too_few_points():
    x = np.random.default_rng(1).random((5, 3))
    assert cohort_fit.surface_minimum(x, x.sum(axis=1), x[0]).tolist() == x[0].tolist()
