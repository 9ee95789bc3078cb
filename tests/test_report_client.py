"""What a client reads in the comparison report and `comparison.json`: the levers each
strategy ran with (preset vs scenario file), the money (profit, ROI, contribution defined,
costs broken down with CIs), an assumptions table that leads with what matters, and
numbers and labels a reader can take as they are."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import siyu
from conftest import ROOT
from reports.compare_report import comparison_page, render_comparison


@pytest.fixture(scope="module")
def comparison():
    """A small default comparison in which the scenario overrides one harvest lever."""
    from sim.scenario import Scenario

    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=60, campaigns=[], **{"market.audience": 3000, "market.initial_pool": 300,
                                  "strategy.levers.harvest": {"moments_posts": 3.0}})
    return siyu.compare(s, replications=3)


@pytest.fixture(scope="module")
def written(comparison, tmp_path_factory):
    out = tmp_path_factory.mktemp("client")
    comparison.write(out)
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_comparison_json_states_each_strategys_levers(comparison, written):
    sheets = json.loads((written / "comparison.json").read_text(encoding="utf-8"))["strategy_levers"]
    assert list(sheets) == ["harvest", "nurture"]
    harvest, nurture = sheets["harvest"], sheets["nurture"]
    assert harvest["preset"]["moments_posts"] == 6.5 and harvest["preset"]["hook"] == 20.0
    # the scenario file wins over the preset, and says so
    assert harvest["overrides"]["moments_posts"] == 3.0 and harvest["levers"]["moments_posts"] == 3.0
    assert "moments_posts" not in nurture["overrides"] and nurture["levers"]["moments_posts"] == 2.5
    # [strategy.levers.all] of default.toml applies to both
    assert harvest["overrides"]["acquisition_budget"] == nurture["overrides"]["acquisition_budget"] > 0
    assert "Harvest" in harvest["description"] and "Nurture" in nurture["description"]
    # the levers are what the run used
    from agents import make_strategy

    assert harvest["levers"] == make_strategy(comparison.scenario, "harvest").base.model_dump(mode="json")


def test_report_shows_the_levers_and_their_origin(comparison):
    page = comparison_page(comparison)
    section = next(s for s in page.sections if s.id == "strategies_run")
    rows = {r[0]: r for r in section.tables[0].rows}
    assert rows["moments_posts"][2:] == ["3 · scenario file", "2.5 · preset"]
    assert rows["hook"][2:] == ["20 · preset", "1 · preset"]
    assert any(p.startswith("harvest: Harvest") for p in section.paragraphs)
    zh = comparison_page(comparison, "zh")
    section = next(s for s in zh.sections if s.id == "strategies_run")
    assert section.tables[0].header[2:] == ["收割", "养护"]
    assert {r[0]: r for r in section.tables[0].rows}["moments_posts"][2:] == ["3 · 场景文件", "2.5 · 预设"]


def test_compare_prints_the_levers(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text((ROOT / "scenarios" / "default.toml").read_text(encoding="utf-8")
                        + "\n[strategy.levers.harvest]\nhook = 5.0\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "siyu"
    r = subprocess.run([str(exe), "compare", str(scenario), "--replications", "2", "--days", "20",
                        "--set", "market.audience=1500", "--set", "market.initial_pool=100",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "harvest levers: preset hook=20, moments_posts=6.5" in out
    assert re.search(r"harvest levers: .*from the scenario file \(win over the preset\) [^\n]*hook=5", out)
    assert "nurture levers: preset hook=1, moments_posts=2.5" in out


def test_reproduce_line_names_the_file_in_the_directory(comparison, written):
    assert (written / "scenario.toml").is_file()
    assert comparison_page(comparison).reproduce.startswith("siyu compare scenario.toml ")
