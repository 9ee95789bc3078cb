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
    fit = cohort_fit.fit(base, real, 120, params, replications=1, maxiter=1, popsize=2, start=start)
    first = fit.history.iloc[0]
    assert (first["category.purchase_cycle_days"], first["behaviour.trust_decay"]) == (73.0, base.behaviour.trust_decay)
    assert fit.deviance <= first["deviance"]
