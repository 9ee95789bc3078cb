"""Plan against plan: ``siyu compare A.toml B.toml`` and :func:`siyu.compare_plans`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import siyu
from experiments.plans import differing_assumptions, flat_values
from reports.plans_section import plan_verdicts


@pytest.fixture
def tiny(small):
    return small.with_overrides(days=45, **{"market.audience": 3000, "market.initial_pool": 300})


def test_a_plan_against_itself_differs_by_nothing_and_every_ci_contains_zero(tiny):
    p = siyu.compare_plans(tiny, tiny, ["harvest", "nurture"], replications=3)
    plans = p.summary
    assert plans["assumptions"] == []
    for s in ("harvest", "nurture"):
        for m, d in plans["difference"][s].items():
            if d["mean"] is not None:
                assert d["ci_low"] <= 0 <= d["ci_high"], (s, m, d)
        assert plans["payback_day"][s]["mean"] is None
    assert all("no clear difference" in line or "does not overtake" in line for line in plan_verdicts(plans))


def test_a_changed_assumption_shows_in_the_differences_and_side_by_side(tiny):
    worse = tiny.with_overrides({"category.quality": 0.4})
    p = siyu.compare_plans(tiny, worse, ["nurture", "harvest"], replications=4)
    d = p.summary["difference"]["nurture"]["gmv_total"]
    assert d["ci_high"] < 0  # a worse product sells less, on shared streams
    assert p.summary["assumptions"] == [{"path": "category.quality", "first": tiny.category.quality, "second": 0.4}]
    assert any("less GMV" in line for line in plan_verdicts(p.summary))
    # each plan is itself an ordinary comparison on the same seed
    assert p.first.seed == p.second.seed and p.first.summary["plans"] is p.summary
    assert "Plan against plan" in p.first.report()


def test_flat_values_name_list_items_as_the_set_paths_do(tiny):
    flat = flat_values(tiny)
    name = tiny.public_channels[0].name
    assert f"public_channels[{name}].cost_per_contact" in flat and flat["market.audience"] == 3000
    changed = tiny.with_overrides({f"public_channels[{name}].cost_per_contact": 9.5})
    assert [a["path"] for a in differing_assumptions(tiny, changed)] == [f"public_channels[{name}].cost_per_contact"]


def test_compare_two_files_writes_both_plans_and_the_plans_key(tmp_path, root):
    text = (root / "scenarios" / "coupon_group.toml").read_text()
    a = tmp_path / "current.toml"
    a.write_text(text)
    r = subprocess.run([sys.executable, "-m", "siyu", "compare", a, a, "--replications", "2", "--days", "20",
                        "--out", tmp_path / "out", "--set", "category.quality=0.7"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert {"strategies", "difference", "crossover_day"} <= set(summary)  # the single-plan keys stay
    assert summary["plans"]["first"]["label"] == "current.toml" and summary["plans"]["assumptions"] == []
    assert (tmp_path / "out" / "plan_b" / "comparison.json").is_file()
    assert "no clear difference" in r.stdout and "Plan against plan" in (tmp_path / "out" / "report.html").read_text()
    again = subprocess.run([sys.executable, "-m", "siyu", "report", tmp_path / "out", "--lang", "zh"],
                           capture_output=True, text=True)
    assert again.returncode == 0 and "方案对比" in (tmp_path / "out" / "report.zh.html").read_text()


def test_three_files_or_uncertain_with_two_plans_are_bad_input(tmp_path, root):
    f = root / "scenarios" / "coupon_group.toml"
    for extra in ([f, f, f], [f, f, "--uncertain", "4"]):
        r = subprocess.run([sys.executable, "-m", "siyu", "compare", *map(str, extra), "--out", str(tmp_path / "x")],
                           capture_output=True, text=True)
        assert r.returncode == 2 and "Traceback" not in r.stderr and not (tmp_path / "x").exists(), r.stderr
