"""Model invariants (sim.invariants): they hold for every shipped scenario and both
strategies, and each check does fire when its invariant is broken."""

from __future__ import annotations

import numpy as np
import pytest

import siyu
from sim.invariants import DayCheck, InvariantError
from sim.model import PoolModel
from sim.scenario import Scenario

from conftest import SCENARIOS, pool_model


def shortened(path, days: int = 90, audience: int | None = None) -> Scenario:
    """A shipped scenario cut to ``days`` (campaigns past the cut dropped) and, if given,
    a smaller audience: every mechanic on, in test time."""
    data = Scenario.from_toml(path).model_dump()
    data["days"] = min(days, data["days"])
    data["campaigns"] = [c for c in data.get("campaigns", []) if c["start"] < data["days"]]
    if audience is not None and data["market"]["audience"] > audience:
        scale = audience / data["market"]["audience"]
        data["market"]["audience"] = audience
        data["market"]["initial_pool"] = int(data["market"]["initial_pool"] * scale)
    return Scenario.from_dict(data)


@pytest.fixture
def small(root) -> Scenario:
    """The default scenario, 90 days, 8,000 people (campaigns past day 90 dropped)."""
    return shortened(root / "scenarios" / "default.toml", days=90, audience=8000)


@pytest.mark.parametrize("strategy", ["harvest", "nurture"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_invariants_hold_on_shipped_scenarios(path, strategy):
    s = shortened(path, days=90, audience=20_000)
    model = pool_model(s, strategy, seed=7, check=True).run()
    assert model.invariants is not None and model.invariants.days == s.days


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["harvest", "nurture"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_invariants_hold_over_full_horizons(path, strategy):
    s = Scenario.from_toml(path)
    model = pool_model(s, strategy, seed=11, check=True).run()
    assert model.invariants.days == s.days


def test_check_is_on_in_the_test_suite_and_off_by_choice(small, monkeypatch):
    assert pool_model(small, "harvest").invariants is not None  # SIYU_CHECK=1 from conftest
    assert pool_model(small, "harvest", check=False).invariants is None
    monkeypatch.delenv("SIYU_CHECK")
    assert pool_model(small, "harvest").invariants is None


def test_simulate_passes_check_through(small, monkeypatch):
    calls = []
    monkeypatch.setattr(DayCheck, "__call__", lambda self, model: calls.append(model.day))
    siyu.simulate(small, "nurture", seed=1, days=10, check=True)
    assert calls == list(range(1, 11))


# -- each check can fail -------------------------------------------------------------
@pytest.fixture
def checked(small):
    """A model 20 days in, with its own DayCheck (so a test can break state before it runs)."""
    model = pool_model(small, "harvest", seed=3, check=False)
    chk = DayCheck(model)
    for _ in range(20):
        model.step()
        chk(model)
    model.step()
    return model, chk


def _fails(model, chk, words: str) -> None:
    with pytest.raises(InvariantError, match=words):
        chk(model)


def test_detects_people_in_no_state(checked):
    model, chk = checked
    model.population.unaware[0] += 5
    _fails(model, chk, "add up to .* not the audience")


def test_detects_rows_in_a_public_state(checked):
    model, chk = checked
    from sim.population import EXPOSED

    pop = model.population
    pop.state[0] = EXPOSED  # a row the public-domain counts do not include ...
    pop.unaware[0] += 1     # ... made up for, so only the row's state is wrong
    assert pop.counts().sum() == model.scenario.market.audience
    _fails(model, chk, "public-domain or unknown state")


def test_detects_an_account_over_its_cap(checked):
    model, chk = checked
    held = np.bincount(model.population.account[model.population.in_pool()], minlength=model.accounts.count)
    model.accounts.cap[:] = max(int(held.max()) - 1, 0)
    _fails(model, chk, "over the cap")


def test_detects_non_finite_money(checked):
    model, chk = checked
    model.population.spend[0] = np.nan
    _fails(model, chk, "spend not finite")


def test_detects_negative_daily_figures(checked):
    model, chk = checked
    model.today["gmv_private"] = -1.0
    _fails(model, chk, "daily gmv_private")


def test_detects_cumulative_orders_decreasing(checked):
    model, chk = checked
    buyers = np.flatnonzero(model.population.orders > 0)
    model.population.orders[buyers[0]] -= 1
    _fails(model, chk, "order count decreased")


def test_detects_daily_table_disagreeing_with_customers(checked):
    model, chk = checked
    model.today["orders"] += 1
    _fails(model, chk, "daily orders add up to")


@pytest.mark.parametrize("break_it, words", [
    (lambda pop, seated, ended: pop.group_joined.__setitem__(seated, -1), "has no first group stay"),
    (lambda pop, seated, ended: pop.group_left.__setitem__(ended, pop.group_joined[ended] - 1), "ended before it began"),
    (lambda pop, seated, ended: pop.group_quit.__setitem__(seated, True) or pop.group_left.__setitem__(seated, -1),
     "still going is counted as a quit"),
])
def test_detects_inconsistent_group_stays(checked, break_it, words):
    model, chk = checked
    pop = model.population
    seated = int(np.flatnonzero(pop.group >= 0)[0])
    ended = int(np.flatnonzero(pop.group_left >= 0)[0])
    break_it(pop, seated, ended)
    _fails(model, chk, words)


def test_finished_models_are_released(small):
    """No leak across runs: Mesa's class-level agent-id counters kept every model alive."""
    import gc

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, PoolModel) for o in gc.get_objects())

    before = alive()  # other tests' models may still be held by pytest
    for seed in range(3):
        siyu.simulate(small, "harvest", seed=seed, days=5)
    assert alive() <= before


def test_models_built_directly_are_released_too(small):
    import gc

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, PoolModel) for o in gc.get_objects())

    before = alive()
    for seed in range(3):
        pool_model(small, "nurture", seed=seed).run(3)
    assert alive() <= before
