"""Scenario files: defaults, validation messages, hashing."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from sim.scenario import Scenario

from conftest import SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    s = Scenario.from_toml(path)
    assert s.days > 0 and s.market.audience > 0


def test_required_scenarios_are_shipped(root):
    names = {p.name for p in SCENARIOS}
    assert {"default.toml", "hotel_concierge.toml", "coupon_group.toml"} <= names
    assert len(names) >= 4


def test_every_field_has_a_description():
    from pydantic import BaseModel

    def walk(model):
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                yield from walk(ann)
            else:
                yield model.__name__, name, field.description

    missing = [(m, n) for m, n, d in walk(Scenario) if not d and n not in ()]
    assert missing == [], missing


def test_misspelt_key_names_file_field_and_hint(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[market]\naudiance = 10\n')
    with pytest.raises(ScenarioError) as e:
        Scenario.from_toml(f)
    msg = str(e.value)
    assert str(f) in msg and "market.audiance" in msg and "did you mean 'audience'" in msg


def test_wrong_type_names_field(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('days = "a year"\n')
    with pytest.raises(ScenarioError, match=r"days: .*integer"):
        Scenario.from_toml(f)


def test_toml_syntax_error(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('days = = 3\n')
    with pytest.raises(ScenarioError, match="TOML syntax error"):
        Scenario.from_toml(f)


def test_referral_deeper_than_three_levels_is_rejected():
    with pytest.raises(ScenarioError, match=r"strategy.levers.nurture.referral_levels: .*pyramid"):
        Scenario.from_dict({"strategy": {"levers": {"nurture": {"referral_levels": 4}}}})
    Scenario.from_dict({"strategy": {"levers": {"nurture": {"referral_levels": 3}}}})


def test_lever_typo_inside_strategy_override():
    with pytest.raises(ScenarioError, match=r"strategy.levers.harvest.hok: unknown key; did you mean 'hook'"):
        Scenario.from_dict({"strategy": {"levers": {"harvest": {"hok": 1}}}})


def test_nan_and_negative_rejected():
    with pytest.raises(ScenarioError, match="market.audience"):
        Scenario.from_dict({"market": {"audience": float("nan")}})
    with pytest.raises(ScenarioError, match="category.price_mean"):
        Scenario.from_dict({"category": {"price_mean": -1}})


def test_initial_pool_must_fit_market_and_accounts():
    with pytest.raises(ScenarioError, match="initial_pool"):
        Scenario.from_dict({"market": {"audience": 10, "initial_pool": 20}})
    with pytest.raises(ScenarioError, match="friend capacity"):
        Scenario.from_dict({"market": {"audience": 50_000, "initial_pool": 20_000}, "accounts": {"count": 1}})


def test_hash_is_stable_and_sensitive():
    a, b = Scenario(), Scenario()
    assert a.hash == b.hash
    assert a.with_overrides(days=30).hash != a.hash
    # an override that only repeats the default is still data: it changes what runs
    c = Scenario.from_dict({"strategy": {"levers": {"all": {"hook": 0.0}}}})
    assert c.hash != a.hash


def test_overrides_keep_only_written_levers():
    s = Scenario.from_dict({"strategy": {"levers": {"all": {"acquisition_budget": 5.0}}}})
    t = s.with_overrides(**{"category.price_mean": 99.0})
    assert t.strategy.levers["all"].model_fields_set == {"acquisition_budget"}
    assert t.category.price_mean == 99.0
