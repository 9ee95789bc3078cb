"""The operations layer on SimPy: queue correctness, shifts, follow-ups, staffing, campaigns."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

import siyu
from experiments.stats import mean_ci, paired_difference
from sim.desk import ANSWERED, UNANSWERED
from sim.desk_simpy import ServiceDesk
from sim.scenario import Scenario

from conftest import ROOT, pool_model


# the M/M/c helpers live with the validation battery (siyu validate-model reports the same check)
from experiments.validation.queue import erlang_c_wait, simulate_queue  # noqa: E402


@pytest.mark.parametrize("rho", [0.6, 0.9])
def test_mean_wait_matches_erlang_c(rho):
    c, mu = 3, 4.0  # three staff, 15-minute mean handling
    lam = rho * c * mu
    waits = simulate_queue(lam, mu, c, hours=40_000 if rho > 0.8 else 15_000, seed=int(rho * 10))
    waits = waits[len(waits) // 20:]  # drop the warm-up
    batches = np.array_split(waits, 30)  # batch means: waits in a queue are correlated
    ci = mean_ci([b.mean() for b in batches], level=0.99)
    expected = erlang_c_wait(lam, mu, c)
    assert ci["ci_low"] <= expected <= ci["ci_high"], (expected, ci)


def test_shift_gate_holds_questions_until_the_shift_starts():
    env = simpy.Environment()
    desk = ServiceDesk(env, 2, lambda: 0.1, shift=(9.0, 21.0))
    record: list = []
    env.process(desk.arrivals([7.0, 12.0, 22.0], ["early", "noon", "late"], record))
    env.process(desk.deadline(23.9))
    env.run(until=24)
    got = {k: (round(w), o) for k, w, o in record}
    assert got["early"] == (120, ANSWERED)   # waited from 07:00 until 09:00
    assert got["noon"] == (0, ANSWERED)
    assert got["late"][1] == UNANSWERED       # after the shift: no answer today


def test_no_staff_answers_nothing():
    env = simpy.Environment()
    desk = ServiceDesk(env, 0, lambda: 0.1, shift=None)
    record: list = []
    env.process(desk.arrivals([1.0, 2.0], ["a", "b"], record))
    env.process(desk.deadline(10))
    env.run(until=12)
    assert [o for _, _, o in record] == [UNANSWERED, UNANSWERED]


def default() -> Scenario:
    return Scenario.from_toml(ROOT / "scenarios" / "default.toml")


def test_followups_carry_part_of_nurtures_advantage():
    """Nurture with follow-ups switched off loses part of its advantage over harvest."""
    s = default().with_overrides(days=240)
    off = s.with_overrides(**{"strategy.levers": {"all": {"acquisition_budget": 2000.0}, "nurture": {"followup": False}}})
    reps = range(6)
    harvest = [siyu.simulate(s, "harvest", replication=i).summary["gmv_total"] for i in reps]
    on = [siyu.simulate(s, "nurture", replication=i).summary for i in reps]
    without = [siyu.simulate(off, "nurture", replication=i).summary for i in reps]
    assert all(r["followups"] > 0 for r in on) and all(r["followups"] == 0 for r in without)
    d = paired_difference([r["gmv_total"] for r in without], [r["gmv_total"] for r in on])
    assert d["ci_low"] > 0, d
    advantage_on = np.mean([r["gmv_total"] for r in on]) - np.mean(harvest)
    assert 0 < d["mean"] < advantage_on  # follow-ups carry part, not all, of the advantage


def test_one_person_for_ten_thousand_members_costs_trust_and_gmv():
    base = Scenario.from_dict({
        "days": 90, "market": {"audience": 20_000, "initial_pool": 10_000, "initial_pool_trust": 0.5},
        "accounts": {"count": 2},
        "strategy": {"levers": {"all": {"acquisition_budget": 0.0}}},
    })
    short = base.with_overrides(**{"strategy.levers": {"all": {"acquisition_budget": 0.0, "staff_max": 1}}})
    adequate = [siyu.simulate(base, "nurture", replication=i) for i in range(4)]
    under = [siyu.simulate(short, "nurture", replication=i) for i in range(4)]
    assert all(r.daily["staff"].max() == 1 for r in under)
    assert np.mean([r.daily["unanswered"].sum() for r in under]) > 1.2 * np.mean([r.daily["unanswered"].sum() for r in adequate])
    assert np.mean([r.daily["mean_wait_minutes"].mean() for r in under]) > 3 * np.mean([r.daily["mean_wait_minutes"].mean() for r in adequate])
    trust = paired_difference([r.summary["mean_trust_final"] for r in under], [r.summary["mean_trust_final"] for r in adequate])
    gmv = paired_difference([r.summary["gmv_total"] for r in under], [r.summary["gmv_total"] for r in adequate])
    assert trust["ci_low"] > 0 and gmv["ci_low"] > 0, (trust, gmv)


def test_campaign_days_post_more_and_sell_more():
    s = Scenario.from_dict({
        "days": 60, "market": {"audience": 10_000, "initial_pool": 3_000},
        "campaigns": [{"name": "launch", "start": 20, "length": 20, "discount": 0.3, "extra_posts": 2}],
    })
    r = siyu.simulate(s, "nurture", seed=1)
    before, during = r.daily.iloc[10:20], r.daily.iloc[20:40]
    assert during["orders"].mean() > before["orders"].mean()
    assert during["mean_fatigue"].mean() > before["mean_fatigue"].mean()


def test_campaign_must_start_inside_the_horizon():
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"campaigns\[0\].*'late' starts on day 400"):
        Scenario.from_dict({"days": 365, "campaigns": [{"name": "late", "start": 400}]})


def test_wecom_one_broadcast_per_day():
    s = Scenario.from_dict({"days": 5, "accounts": {"kind": "wecom"}, "market": {"initial_pool": 100}})
    m = pool_model(s, "custom", seed=1)
    m.strategy.base = m.strategy.base.model_copy(update={"private_messages": 4.0})
    m.step()
    assert m.levers_today.private_messages == 1.0


def test_costs_and_profit_in_summary():
    s = default().with_overrides(days=60, **{"market.audience": 6000, "market.initial_pool": 500})
    r = siyu.simulate(s, "nurture", seed=2)
    for key in ("staff_cost", "operating_cost", "profit", "roi", "inquiries", "answered_share",
                "mean_wait_minutes", "p90_wait_minutes", "followups", "lost_to_bans"):
        assert key in r.summary, key
    expected = (r.summary["gmv_total"] * s.category.margin - r.summary["acquisition_cost"] - r.summary["reward_cost"]
                - r.summary["operating_cost"] - r.summary["take_paid"])
    assert r.summary["profit"] == pytest.approx(expected)
    assert r.summary["staff_cost"] > 0 and r.summary["operating_cost"] >= r.summary["staff_cost"]
