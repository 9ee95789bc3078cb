"""A pool shaped by history: ``[start] strategy, days`` runs a warm-up that the outcomes do not count."""

from __future__ import annotations

import pandas as pd
import pytest

import siyu
from sim.errors import ScenarioError

HISTORY, MEASURED = 30, 40


@pytest.fixture
def plain(small):
    return small.with_overrides(campaigns=[], **{"market.audience": 4000, "market.initial_pool": 300})


def test_a_warm_start_is_the_longer_run_without_its_first_days(plain):
    campaign = {"name": "sale", "start": 5, "length": 3, "discount": 0.2, "extra_posts": 2.0}
    warm = plain.with_overrides(days=MEASURED, campaigns=[campaign],
                                **{"start": {"strategy": "harvest", "days": HISTORY},
                                   "market.arrivals": [{"day": 10, "count": 50}]})
    longer = plain.with_overrides(days=HISTORY + MEASURED, campaigns=[dict(campaign, start=HISTORY + 5)], **{
        "strategy.schedule": [{"day": 0, "name": "harvest"}, {"day": HISTORY, "name": "nurture"}],
        "market.arrivals": [{"day": HISTORY + 10, "count": 50}]})
    a = siyu.simulate(warm, "nurture", seed=3)
    b = siyu.simulate(longer, "schedule", seed=3)
    tail = b.daily.iloc[HISTORY:].reset_index(drop=True).assign(day=lambda d: d["day"] - HISTORY)
    pd.testing.assert_frame_equal(a.daily, tail)
    assert a.summary["gmv_total"] == pytest.approx(float(tail["gmv"].sum()))
    assert a.summary["orders"] == int(tail["orders"].sum())
    assert a.summary["pool_initial"] == int(b.daily["pool"].iloc[HISTORY - 1])
    assert a.summary["strategy"] == "nurture" and len(a.daily) == MEASURED


def test_outcomes_count_only_the_measured_days(plain):
    warm = siyu.simulate(plain.with_overrides(days=MEASURED, start={"strategy": "harvest", "days": HISTORY}),
                         "harvest", seed=4)
    c = warm.customers
    assert (c["spend"] >= 0).all() and c["spend"].sum() == pytest.approx(warm.summary["gmv_total"], rel=1e-4)
    assert c["orders"].sum() == warm.summary["orders"]
    assert c["joined_day"].dropna().between(0, MEASURED - 1).all()
    assert c["last_purchase_day"].dropna().between(0, MEASURED - 1).all()
    # the starting pool is members that history left, not a fresh initial pool
    fresh = siyu.simulate(plain.with_overrides(days=MEASURED), "harvest", seed=4)
    assert warm.summary["pool_initial"] != fresh.summary["pool_initial"]


def test_a_scenario_without_a_start_keeps_its_hash(plain):
    assert plain.with_overrides(start={"strategy": None, "days": 0}).hash == plain.hash
    assert plain.with_overrides(start={"strategy": "harvest", "days": 10}).hash != plain.hash


def test_campaigns_and_arrivals_on_negative_days_run_in_the_warm_up(plain):
    """Day -k is k days before the measured run's day 0: a warm start with campaigns and
    arrivals in both periods is the longer run with them all moved N days later."""
    campaigns = [{"name": "history sale", "start": -20, "length": 5, "discount": 0.3, "extra_posts": 3.0},
                 {"name": "across day 0", "start": -3, "length": 6, "discount": 0.1, "extra_posts": 1.0},
                 {"name": "sale", "start": 5, "length": 3, "discount": 0.2, "extra_posts": 2.0}]
    arrivals = [{"day": -HISTORY, "count": 30}, {"day": -12, "count": 60}, {"day": 10, "count": 50}]
    warm = plain.with_overrides(days=MEASURED, campaigns=campaigns, **{
        "start": {"strategy": "harvest", "days": HISTORY}, "market.arrivals": arrivals})
    longer = plain.with_overrides(days=HISTORY + MEASURED, **{
        "campaigns": [dict(c, start=c["start"] + HISTORY) for c in campaigns],
        "market.arrivals": [dict(a, day=a["day"] + HISTORY) for a in arrivals],
        "strategy.schedule": [{"day": 0, "name": "harvest"}, {"day": HISTORY, "name": "nurture"}]})
    a = siyu.simulate(warm, "nurture", seed=6)
    b = siyu.simulate(longer, "schedule", seed=6)
    tail = b.daily.iloc[HISTORY:].reset_index(drop=True).assign(day=lambda d: d["day"] - HISTORY)
    pd.testing.assert_frame_equal(a.daily, tail)
    assert b.daily["arrivals"].iloc[:HISTORY].sum() == 90   # the warm-up's arrivals came in it
    # the warm-up's campaigns moved what history left: without them the pool differs
    quiet = siyu.simulate(warm.with_overrides(campaigns=campaigns[2:], **{"market.arrivals": arrivals[2:]}),
                          "nurture", seed=6)
    assert quiet.summary["pool_initial"] != a.summary["pool_initial"]


@pytest.mark.parametrize("start, field", [(None, "campaigns[0].start"), ({"strategy": "harvest", "days": 10},
                                                                          "campaigns[0].start")])
def test_a_day_before_the_warm_up_is_refused_naming_the_field(plain, start, field):
    changes = {"campaigns": [{"name": "early", "start": -11, "length": 3}]}
    if start:
        changes["start"] = start
    with pytest.raises(ScenarioError) as e:
        plain.with_overrides(**changes)
    assert field in str(e.value) and "-11" in str(e.value)
    with pytest.raises(ScenarioError) as e:
        plain.with_overrides(**{"market.arrivals": [{"day": -1, "count": 5}]})
    assert "market.arrivals[0].day" in str(e.value)


@pytest.mark.parametrize("start, field", [({"strategy": "harvest"}, "start.days"),
                                          ({"days": 30}, "start.strategy"),
                                          ({"strategy": "harvest", "days": -1}, "start.days")])
def test_an_incomplete_start_is_refused_naming_the_field(plain, start, field):
    with pytest.raises(ScenarioError) as e:
        plain.with_overrides(start=start)
    assert field in str(e.value)
