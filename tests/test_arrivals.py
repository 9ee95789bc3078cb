"""``market.arrivals``: people who join on given days from outside the paid channels
(store customers added at the till, a cohort of first-time buyers)."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.validation.docking import ALPHA, holm, mann_whitney, sample
from agents.reference import ReferenceModel, reference_simulate
from agents.strategy import make_strategy
from siyu import simulate
from sim.errors import ScenarioError
from sim.model import seed_sequence
from sim.scenario import Scenario


def cohort(arrivals: list[dict], audience: int = 2_000, days: int = 40, platform: dict | None = None,
           **market) -> Scenario:
    """Nobody in the pool on day 0, no paid acquisition, no referrals: only the arrivals."""
    return Scenario.from_dict({
        "name": "arrivals", "days": days, "seed": 5,
        "market": {"audience": audience, "initial_pool": 0, "arrivals": arrivals} | market,
        "behaviour": {"referral_rate": 0.0}, "platform": platform or {},
        "strategy": {"levers": {"all": {"acquisition_budget": 0.0}}},
    }, source="<test>")


def test_arrivals_join_on_their_day_having_bought():
    sc = cohort([{"day": 4, "count": 150}, {"day": 9, "count": 60, "first_order": False}])
    d = simulate(sc, "nurture", seed=1, replication=0, check=True).daily
    assert d["arrivals"].tolist() == [0] * 4 + [150] + [0] * 4 + [60] + [0] * 30
    assert d["orders"].iloc[:4].sum() == 0
    # nobody else is in the pool: the day's orders are exactly the arrivals' first orders
    assert d["orders"].iloc[4] == 150
    # the second batch did not buy on arrival: a few may buy that day, by the usual hazard
    assert d["orders"].iloc[9] < 60


def test_arrivals_wait_for_account_room_and_none_is_lost():
    sc = cohort([{"day": 0, "count": 120}, {"day": 1, "count": 10}], platform={"daily_add_limit": 50})
    d = simulate(sc, "nurture", seed=1, replication=0, check=True).daily
    assert d["arrivals"].iloc[:4].tolist() == [50, 50, 30, 0]  # first come, first joined
    assert d["arrivals"].sum() == 130


def test_arrivals_come_from_whoever_is_left_when_the_persona_runs_out():
    # 35 % of the audience fit; the arrivals ask for fit people only, more than there are
    sc = cohort([{"day": 0, "count": 1_000, "fit_share": 1.0}], audience=1_000, fit_share=0.35)
    r = simulate(sc, "nurture", seed=1, replication=0, check=True)
    assert r.daily["arrivals"].sum() == 1_000
    assert r.summary["customers_acquired"] == 1_000


def test_more_arrivals_than_the_audience_is_a_clear_error():
    with pytest.raises(ScenarioError, match=r"arrivals.*exceed the audience"):
        cohort([{"day": 0, "count": 900}, {"day": 3, "count": 200}], audience=1_000)


def test_same_seed_same_arrivals():
    sc = cohort([{"day": 0, "count": 300, "fit_share": 0.5, "trust": 0.6}])
    a, b = (simulate(sc, "harvest", seed=3, replication=2).daily for _ in range(2))
    assert a.equals(b)


@pytest.mark.reference
def test_engine_and_reference_agree_with_arrivals():
    """Docking for the new rule: the per-agent reference and the engine, 20 runs each."""
    sc = cohort([{"day": 0, "count": 200}, {"day": 5, "count": 150, "fit_share": 0.5, "trust": 0.6},
                 {"day": 12, "count": 100, "first_order": False}], audience=800, days=45,
                platform={"daily_add_limit": 120})
    vec = sample(sc, "nurture", 20, reference=False, seed=21)
    ref = sample(sc, "nurture", 20, reference=True, seed=22)
    p = holm(mann_whitney(vec, ref, "arrivals"))
    assert min(p.values()) >= ALPHA, p
    assert np.mean(vec["orders"]) > 350  # every first order counted, on both sides
    assert np.mean(ref["orders"]) > 350


def _deletes_on_arrival(arrival_walk_out: float, reference: bool) -> tuple[int, int]:
    """Every product disappoints; 300 arrive having bought on day 0 and nobody messages
    them: who deletes the brand that day is who walked out over the order they came with."""
    sc = cohort([{"day": 0, "count": 300}], audience=400, days=1, platform={"daily_add_limit": 100_000}).with_overrides({
        "category.quality": 0.0, "behaviour.arrival_walk_out": arrival_walk_out, "behaviour.drift_leave_rate": 0.0,
        "strategy.levers.all": {"moments_posts": 0.0, "group_messages": 0.0, "private_messages": 0.0,
                                "official_posts": 0.0, "followup": False}}, source="<test>")
    if reference:
        d = reference_simulate(sc, "nurture", seed=3).daily
    else:
        d = simulate(sc, "nurture", seed=3, replication=0, check=True).daily
    return int(d["orders"].iloc[0]), int(d["deletes"].iloc[0])


@pytest.mark.parametrize("reference", [False, True], ids=["engine", "reference"])
def test_the_order_an_arrival_came_with_drives_her_away_as_arrival_walk_out_says(reference):
    """At 1 the order an arrival came with disappoints like any other (bad_product_leave of
    the disappointed delete the brand), at 0 it never drives her away, at 0.5 half as often."""
    leave = Scenario().behaviour.bad_product_leave
    for factor in (1.0, 0.5, 0.0):
        orders, deletes = _deletes_on_arrival(factor, reference)
        assert orders == 300
        p = leave * factor
        assert abs(deletes / orders - p) <= 4 * np.sqrt(p * (1 - p) / orders) + 1e-9, (factor, deletes)


@pytest.mark.parametrize("reference", [False, True], ids=["engine", "reference"])
def test_arrival_trust_gathers_around_its_mean_as_concentration_says(reference):
    """Beta(mean x c, (1 - mean) x c): at the default 8 the standard deviation at mean 0.5 is
    sqrt(0.25 / 9), about 0.17; at a very large concentration everyone has the mean."""
    def spread(concentration: float) -> tuple[float, float]:
        sc = cohort([{"day": 0, "count": 600, "trust": 0.5, "first_order": False}], audience=700, days=1,
                    platform={"daily_add_limit": 100_000}, pool_trust_concentration=concentration).with_overrides(
            {"behaviour.trust_good_purchase": 0.0, "behaviour.trust_bad_purchase": 0.0,
             "strategy.levers.all": {"moments_posts": 0.0, "group_messages": 0.0, "private_messages": 0.0,
                                     "official_posts": 0.0, "followup": False}}, source="<test>")
        if reference:
            model = ReferenceModel(sc, make_strategy(sc, "nurture"), seed_sequence(3, 0)).run()
            trust = model.final_population().trust.astype(float)
        else:
            trust = simulate(sc, "nurture", seed=3, replication=0).customers["trust"].to_numpy(float)
        assert trust.size == 600
        return trust.mean(), trust.std()

    mean, sd = spread(8.0)
    assert mean == pytest.approx(0.5, abs=0.03) and sd == pytest.approx(np.sqrt(0.25 / 9), rel=0.15)
    mean, sd = spread(1e6)
    assert mean == pytest.approx(0.5, abs=0.01) and sd < 0.01
