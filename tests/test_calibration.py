"""The shipped scenarios reproduce the field's observations (the calibration targets of docs/domain.md).

Each check runs >= 20 replications with the scenario's fixed seed and asserts that the
95 % confidence interval of the mean (from the replications' spread) lies inside the
target, so a pass is not luck of one run and the tolerance is not a magic number.
"""

from __future__ import annotations

import numpy as np
import pytest

import siyu
from experiments.stats import mean_ci, paired_difference
from sim.scenario import Scenario

from conftest import ROOT

REPS = 20


#: full-size runs of the shipped scenarios (make test-endtoend)
pytestmark = pytest.mark.endtoend


def scenario(name: str) -> Scenario:
    return Scenario.from_toml(ROOT / "scenarios" / f"{name}.toml")


def runs(s: Scenario, strategy: str, reps: int = REPS):
    return [siyu.simulate(s, strategy, replication=i) for i in range(reps)]


def test_coupon_group_loses_12_to_25_percent_in_a_month():
    s = scenario("coupon_group")
    loss = [1 - r.daily["pool"].iloc[29] / s.market.initial_pool for r in runs(s, "harvest")]
    ci = mean_ci(loss)
    assert 0.12 <= ci["ci_low"] and ci["ci_high"] <= 0.25, ci  # observed: 200 -> 163, 18.5 %


def test_hotel_concierge_repurchase_at_least_70_percent():
    s = scenario("hotel_concierge")
    ci = mean_ci([r.summary["repurchase_rate"] for r in runs(s, "nurture")])
    assert ci["ci_low"] >= 0.70, ci  # observed: about 80 %


@pytest.fixture(scope="module")
def default_runs():
    s = scenario("default")
    return {k: [r.summary for r in runs(s, k)] for k in ("harvest", "nurture")}


def _diff(default_runs, metric):
    return paired_difference([r[metric] for r in default_runs["harvest"]],
                             [r[metric] for r in default_runs["nurture"]])


def test_default_harvest_ahead_at_day_30(default_runs):
    d = _diff(default_runs, "gmv_30")
    assert d["ci_high"] < 0, d


def test_default_nurture_ahead_at_day_365(default_runs):
    d = _diff(default_runs, "gmv_365")
    assert d["ci_low"] > 0, d


def test_default_nurture_keeps_its_90_day_cohorts_better(default_runs):
    d = _diff(default_runs, "retention_90")
    assert d["ci_low"] > 0, d


def test_default_nurture_top20_bring_65_to_90_percent(default_runs):
    ci = mean_ci([r["top20_gmv_share"] for r in default_runs["nurture"]])
    assert 0.65 <= ci["ci_low"] and ci["ci_high"] <= 0.90, ci


def test_wedding_value_after_the_sale_is_referrals():
    """High price, once-in-a-lifetime: nobody rebuys; nurture's pool grows by referral."""
    s = scenario("wedding_photo")
    nurture = [r.summary for r in runs(s, "nurture", 5)]
    harvest = [r.summary for r in runs(s, "harvest", 5)]
    assert np.mean([r["repurchase_rate"] for r in nurture]) < 0.05
    referred = np.mean([r["referrals"] for r in nurture])
    assert referred > 0.1 * np.mean([r["customers_acquired"] for r in nurture])
    assert referred > 10 * np.mean([r["referrals"] for r in harvest])
