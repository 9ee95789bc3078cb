"""Customer value: LTV by acquisition channel, CAC, silent members, delete rate."""

from __future__ import annotations

import pandas as pd
import pytest

import siyu
from conftest import ROOT
from sim.scenario import Scenario


@pytest.fixture(scope="module")
def year():
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=420, campaigns=[], **{"market.audience": 3000, "market.initial_pool": 200,
                                   "market.arrivals": [{"day": 3, "count": 40}]})
    return s


@pytest.fixture(scope="module")
def run(year):
    return siyu.simulate(year, "nurture", seed=2)


def test_ltv_by_channel_weighted_by_customers_adds_up_to_the_overall_ltv(run):
    s = run.summary
    channels = s["by_channel"].values()
    assert s["ltv_12m"] is not None and sum(c["watched_12m"] for c in channels) > 0
    weighted = sum(c["watched_12m"] * c["ltv_12m"] for c in channels if c["ltv_12m"] is not None)
    assert weighted == pytest.approx(sum(c["watched_12m"] for c in channels) * s["ltv_12m"], rel=1e-9)
    assert s["ltv_24m"] is None  # nobody joined 730 days before the end of a 420-day run


def test_acquisition_spend_by_channel_adds_up_and_gives_cac(run):
    s = run.summary
    paid = [c for c in s["by_channel"].values() if "spend" in c]
    assert sum(c["spend"] for c in paid) == pytest.approx(s["acquisition_cost"], rel=1e-9)
    assert s["cac"] == pytest.approx(s["acquisition_cost"] / sum(c["customers"] for c in paid), rel=1e-9)
    assert s["ltv_cac_12m"] is not None and s["ltv_cac_12m"] > 0


def test_silent_share_and_delete_rate_agree_with_the_customer_table(run, year):
    c, days = run.customers, year.days
    members = c[c["state"].isin(["active", "muted"])]
    last = members["last_purchase_day"]
    for d in (30, 90):
        silent = (last.isna() | (last < days - d)).mean()
        assert run.summary[f"silent_{d}"] == pytest.approx(float(silent))
    assert run.summary["delete_rate"] == pytest.approx(float((c["state"] == "lost").mean()))
    assert run.summary["gmv_per_member"] == pytest.approx(run.daily["gmv"].sum() / run.daily["pool"].mean())


def test_the_discount_rate_lowers_ltv_and_changes_nothing_else(year, run):
    discounted = siyu.simulate(year.with_overrides({"valuation.discount_rate": 0.5}), "nurture", seed=2)
    pd.testing.assert_frame_equal(discounted.daily, run.daily)
    assert discounted.summary["ltv_12m"] < run.summary["ltv_12m"]
    assert discounted.summary["cac"] == run.summary["cac"]
    assert year.with_overrides({"valuation.discount_rate": 0.0}).hash == year.hash


def test_a_comparison_reports_customer_value_by_channel_with_cis(year):
    c = siyu.compare(year.with_overrides(days=60, **{"market.arrivals": []}), replications=2)
    douyin = c.summary["by_channel"]["nurture"]["douyin"]
    assert douyin["customers"]["ci_low"] <= douyin["customers"]["mean"] <= douyin["customers"]["ci_high"]
    assert c.summary["strategies"]["harvest"]["silent_30"]["mean"] is not None
    en, zh = c.report("en"), c.report("zh")
    assert "What a customer is worth" in en and "客户价值" in zh
    # group stays are reported; the outlook, not asked for, has no row
    assert "group quit rate, 30 days" in en and "30 天退群率" in zh and "median days in a group" in en
    assert "(outlook)" not in en and "前瞻" not in zh
