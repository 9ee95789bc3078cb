"""Free checks for every registered strategy (after Axelrod's test_player.py).

Defining a strategy registers it, and this module checks every one found in the
registry: documented, classified, reproducible with the same seed.
"""

from __future__ import annotations

import pytest

import siyu
from agents.strategy import Strategy, get_strategy
from sim.scenario import Levers

get_strategy("harvest")  # load the presets
ALL = sorted(Strategy.registry)


@pytest.fixture
def small(small, request):
    """The small scenario; with a schedule (harvest, then nurture) for the strategy that follows one."""
    name = request.node.callspec.params.get("name") if hasattr(request.node, "callspec") else None
    if name == "schedule":
        return small.with_overrides({"strategy.schedule": [{"day": 0, "name": "harvest"}, {"day": 30, "name": "nurture"}]})
    return small


@pytest.mark.parametrize("name", ALL)
class TestEveryStrategy:
    def test_documented_and_classified(self, name):
        cls = Strategy.registry[name]
        assert cls.__doc__ and len(cls.__doc__.strip()) > 20
        assert "stance" in cls.classifier and "source" in cls.classifier

    def test_levers_are_valid(self, name, small):
        strategy = Strategy.registry[name](small)
        assert isinstance(strategy.levers(0, None), Levers)
        w = strategy.channel_weights(small, strategy.base)
        assert w.sum() == pytest.approx(1.0) and (w >= 0).all()

    def test_same_seed_same_play(self, name, small):
        a = siyu.simulate(small, name, seed=7)
        b = siyu.simulate(small, name, seed=7)
        assert a.summary == b.summary
        assert a.daily.equals(b.daily)

    def test_different_seed_different_play(self, name, small):
        a = siyu.simulate(small, name, seed=7)
        b = siyu.simulate(small, name, seed=8)
        assert not a.daily.equals(b.daily)


def test_user_strategy_registers_by_defining_it(small):
    class AllValue(Strategy):
        """Only content, never a promotion (a test strategy)."""

        name = "test_all_value"
        classifier = {"stance": "nurture", "source": "test"}
        preset = {"value_share": 1.0, "moments_posts": 2.0}

    try:
        assert get_strategy("test_all_value") is AllValue
        r = siyu.simulate(small, "test_all_value", seed=1)
        assert r.summary["strategy"] == "test_all_value"
    finally:
        Strategy.registry.pop("test_all_value")


def test_scenario_overrides_apply_to_the_named_strategy_only(small):
    s = small.with_overrides(**{"strategy.levers": {"harvest": {"moments_posts": 1.0}}})
    assert get_strategy("harvest")(s).base.moments_posts == 1.0
    assert get_strategy("nurture")(s).base.moments_posts == 2.5


def test_presets_match_domain():
    h = get_strategy("harvest").preset
    n = get_strategy("nurture").preset
    assert 6 <= h["moments_posts"] <= 7 and h["group_messages"] > 10 and not h["followup"]
    assert 2 <= n["moments_posts"] <= 3 and n["followup"] and n["value_share"] > h["value_share"]
