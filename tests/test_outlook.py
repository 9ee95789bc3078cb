"""Each member's next 90 days by forward simulation: calibrated against a held-out continuation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import siyu
from agents import make_strategy
from conftest import ROOT
from sim.model import PoolModel, seed_sequence
from sim.outlook import member_outlook
from sim.population import ACTIVE
from sim.scenario import Scenario

PATHS, AHEAD = 12, 60


@pytest.fixture(scope="module")
def finished():
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=60, campaigns=[], **{"market.audience": 4000, "market.initial_pool": 400})
    strategy = make_strategy(s, "harvest")
    model = PoolModel(s, strategy, seed_sequence(s.seed, 3), check=False).run()
    outlook = member_outlook(model, strategy, days=AHEAD, paths=PATHS)
    rows = model.population.size
    before = model.population.orders.astype(np.int64).copy()
    # the held-out continuation: the run itself goes on, on its own streams
    model.run(AHEAD)
    realised_active = model.population.state[:rows] == ACTIVE
    realised_orders = model.population.orders[:rows].astype(np.int64) - before
    return outlook, realised_active, realised_orders


def _inside_prediction_interval(per_path: np.ndarray, realised: float) -> bool:
    """``realised`` is one more draw of what the paths sample: inside mean +- t * sd * sqrt(1 + 1/K)."""
    k = per_path.size
    half = stats.t.ppf(0.975, k - 1) * per_path.std(ddof=1) * np.sqrt(1 + 1 / k)
    return abs(realised - per_path.mean()) <= half


def test_predicted_active_share_and_purchases_are_calibrated_on_a_held_out_continuation(finished):
    outlook, active, orders = finished
    assert outlook["p_active"].between(0, 1).all() and (outlook["expected_purchases"] >= 0).all()
    # the realised future is one more draw of what the forward paths sample
    shares = np.array(outlook.attrs["active_share_by_path"])
    assert _inside_prediction_interval(shares, float(active.mean())), (active.mean(), shares)
    assert outlook["p_active"].mean() == pytest.approx(shares.mean())
    # members the model thinks likely to stay active do stay active more often
    likely = outlook["p_active"] >= 0.5
    assert active[likely.to_numpy()].mean() > active[~likely.to_numpy()].mean() + 0.3
    totals = np.array(outlook.attrs["orders_by_path"], float)
    assert _inside_prediction_interval(totals, float(orders.sum())), (orders.sum(), totals)
    assert outlook["expected_purchases"].sum() == pytest.approx(totals.mean())
    buyers = outlook["expected_purchases"] >= outlook["expected_purchases"].quantile(0.8)
    assert orders[buyers.to_numpy()].mean() > 2 * orders[~buyers.to_numpy()].mean()


def test_the_outlook_joins_the_customer_table_of_a_warm_started_run(small):
    s = small.with_overrides(days=20, campaigns=[], start={"strategy": "harvest", "days": 20},
                             **{"market.audience": 2000, "market.initial_pool": 200})
    r = siyu.simulate(s, "nurture", seed=1, outlook_paths=2)
    c = r.customers
    assert {"p_active_90", "expected_purchases_90"} <= set(c) and c["p_active_90"].between(0, 1).all()
    # today's active members are likelier to be active in 90 days than everyone else
    members = c["state"].isin(["active"])
    assert c.loc[members, "p_active_90"].mean() > c.loc[~members, "p_active_90"].mean()


def test_the_realised_share_still_active_is_watched_90_days_before_the_end():
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=130, **{"market.audience": 4000, "market.initial_pool": 400})
    model = PoolModel(s, make_strategy(s, "harvest"), seed_sequence(s.seed, 1), check=False).run(40)
    active_then = np.flatnonzero(model.population.state == ACTIVE)   # the end of day 39 = 90 days before day 129
    model.run(90)
    expected = float(np.mean(model.population.state[active_then] == ACTIVE))
    assert model.value_inputs()[3] == expected and 0 < expected < 1
    summary = siyu.simulate(s, "harvest", seed=s.seed, replication=1).summary
    assert summary["still_active_90"] == expected
    assert siyu.simulate(s.with_overrides(days=90), "harvest", seed=1).summary["still_active_90"] is None


def test_the_outlook_summarises_todays_members():
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=40, **{"market.audience": 3000, "market.initial_pool": 300})
    plain = siyu.simulate(s, "nurture", seed=4)
    r = siyu.simulate(s, "nurture", seed=4, outlook_paths=3)
    assert plain.summary["outlook_active_90"] is None and plain.summary["outlook_purchases_90"] is None
    # no forward simulation unless asked, and asking changes nothing else
    assert {k: v for k, v in r.summary.items() if not k.startswith("outlook_")} == \
        {k: v for k, v in plain.summary.items() if not k.startswith("outlook_")}
    members = r.customers["state"].isin(["active", "muted"])
    assert r.summary["outlook_active_90"] == pytest.approx(r.customers.loc[members, "p_active_90"].mean())
    assert r.summary["outlook_purchases_90"] == pytest.approx(r.customers.loc[members, "expected_purchases_90"].sum())
    assert 0 < r.summary["outlook_active_90"] < 1


def test_compare_with_outlook_gives_it_per_strategy_with_cis(tmp_path):
    import json
    import subprocess
    import sys
    args = [sys.executable, "-m", "siyu", "compare", ROOT / "scenarios" / "coupon_group.toml", "--days", "30",
            "--replications", "2", "--workers", "1"]
    r = subprocess.run([*map(str, args), "--outlook", "2", "--out", str(tmp_path / "with")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with_ = json.loads((tmp_path / "with" / "comparison.json").read_text())
    for s in ("harvest", "nurture"):
        stat = with_["strategies"][s]["outlook_active_90"]
        assert stat["ci_low"] <= stat["mean"] <= stat["ci_high"] and 0 < stat["mean"] < 1
        assert with_["strategies"][s]["outlook_purchases_90"]["mean"] > 0
    assert with_["difference"]["outlook_active_90"]["p_value"] is not None
    assert "outlook_active_90" in r.stdout or "members expected active" in r.stdout
    r = subprocess.run([*map(str, args), "--out", str(tmp_path / "without")], capture_output=True, text=True)
    without = json.loads((tmp_path / "without" / "comparison.json").read_text())
    assert without["strategies"]["harvest"]["outlook_active_90"]["mean"] is None
    # the outlook adds figures and changes none of the others
    assert without["strategies"]["harvest"]["gmv_total"] == with_["strategies"]["harvest"]["gmv_total"]
