"""Statistics of replications."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.stats import crossover_day, crossover_summary, mean_ci, paired_difference


def test_mean_ci_covers_mean_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    x = rng.normal(10, 2, 20)
    small = mean_ci(x[:5])
    big = mean_ci(x)
    assert big["ci_low"] < big["mean"] < big["ci_high"]
    assert big["ci_high"] - big["ci_low"] < small["ci_high"] - small["ci_low"]


def test_mean_ci_ignores_missing_values():
    assert mean_ci([None, None])["mean"] is None
    assert mean_ci([1.0, None, 3.0])["mean"] == 2.0


def test_paired_difference_uses_pairs():
    a = np.array([10.0, 20.0, 30.0, 40.0])
    b = a + np.array([1.0, 1.2, 0.8, 1.0])
    d = paired_difference(a, b)
    assert d["mean"] == pytest.approx(1.0)
    assert d["p_value"] < 0.01  # the shared level 10..40 cancels


def test_crossover_day():
    first = np.array([5, 10, 15, 20, 25], float)
    second = np.array([1, 8, 16, 19, 30], float)
    assert crossover_day(first, second) == 5  # day 3 lead is lost again on day 4
    assert crossover_day(first, first + 1) == 1
    assert crossover_day(first, first - 1) is None
    s = crossover_summary([5, None, 7, 6])
    assert s["share_crossed"] == 0.75 and s["mean"] == 6


def test_paired_difference_skips_replications_that_could_not_measure():
    """A metric a replication could not measure reaches the comparison as None or, from a
    table, as NaN: either pairs with nothing (a NaN p-value would make comparison.json
    invalid JSON)."""
    d = paired_difference([1.0, 2.0, 3.0, 4.0], [2.0, float("nan"), 5.0, None])
    assert d["mean"] == pytest.approx(1.5) and d["p_value"] is not None and d["p_value"] == d["p_value"]
    assert paired_difference([1.0, 2.0], [float("nan"), float("nan")])["p_value"] is None
