"""Strategies that change: [[strategy.schedule]] and the payback of a switch."""

from __future__ import annotations

import pytest

import siyu
from sim.errors import ScenarioError, SiyuInputError


def scheduled(small, *entries):
    return small.with_overrides({"strategy.schedule": [{"day": d, "name": n} for d, n in entries]})


def test_a_schedule_of_one_strategy_from_day_0_is_that_strategy(small):
    s = scheduled(small, (0, "nurture"))
    a = siyu.simulate(s, "schedule", seed=3, days=60).summary
    b = siyu.simulate(s, "nurture", seed=3, days=60).summary
    assert {k: v for k, v in a.items() if k != "strategy"} == {k: v for k, v in b.items() if k != "strategy"}


def test_a_switch_runs_each_strategy_on_its_days(small):
    s = scheduled(small, (0, "harvest"), (30, "nurture"))
    switched = siyu.simulate(s, "schedule", seed=3, days=60).daily
    harvest = siyu.simulate(s, "harvest", seed=3, days=60).daily
    nurture = siyu.simulate(s, "nurture", seed=3, days=60).daily
    assert switched.iloc[:30].equals(harvest.iloc[:30])  # the same days, draws and levers until the switch
    assert not switched.iloc[30:].equals(harvest.iloc[30:]) and not switched.equals(nurture)


def test_bad_schedules_are_refused(small):
    with pytest.raises(ScenarioError, match="day 0"):
        scheduled(small, (5, "harvest"))
    with pytest.raises(ScenarioError, match="later day"):
        scheduled(small, (0, "harvest"), (40, "nurture"), (40, "harvest"))
    with pytest.raises(SiyuInputError, match="unknown strategy"):
        siyu.simulate(scheduled(small, (0, "harvest"), (10, "nurtrue")), "schedule", days=5)
    with pytest.raises(SiyuInputError, match="needs a"):
        siyu.simulate(small, "schedule", days=5)


def test_comparison_reports_the_payback_day_of_a_switch(small):
    s = scheduled(small, (0, "harvest"), (20, "nurture"))
    c = siyu.compare(s, ["harvest", "schedule"], replications=2, days=90)
    pay = c.summary["payback_day"]
    assert set(pay) >= {"mean", "ci_low", "ci_high", "share_crossed"}
    assert pay["mean"] is None or 20 < pay["mean"] <= 90
