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


def test_money_is_defined_and_broken_down_with_cis(comparison):
    from reports.money_section import breakdown

    page = comparison_page(comparison)
    section = next(s for s in page.sections if s.id == "money")
    text = " ".join(section.paragraphs)
    for word in ("Profit =", "ROI =", "Contribution ="):
        assert word in text
    assert "Not tracked separately" in text
    labels = [r[0] for r in section.tables[0].rows]
    assert labels[:3] == ["GMV", "gross margin on GMV", "− platform take"] and "= profit" in labels
    assert all(re.search(r"\(.+ – .+\)", cell) for row in section.tables[0].rows for cell in row[1:])
    margin = comparison.scenario.category.margin
    for s in comparison.strategies:
        b = breakdown(comparison.runs, s, margin)
        # the lines add up to profit and contribution, replication by replication on average
        parts = b["m_margin"]["mean"] - sum(b[k]["mean"] for k in ("m_take", "m_acquisition", "m_rewards"))
        assert parts == pytest.approx(b["m_contribution"]["mean"], rel=1e-9, abs=1e-6)
        parts -= b["m_staff"]["mean"] + b["m_accounts"]["mean"]
        assert parts == pytest.approx(b["m_profit"]["mean"], rel=1e-9, abs=1e-6)
        assert b["m_profit"]["mean"] == pytest.approx(comparison.summary["strategies"][s]["profit"]["mean"])
        assert all(b[k]["ci_low"] >= 0 for k in ("m_take", "m_acquisition", "m_rewards", "m_staff", "m_accounts"))
    zh = next(s for s in comparison_page(comparison, "zh").sections if s.id == "money")
    assert "利润 =" in zh.paragraphs[0] and zh.tables[0].header[1:] == ["收割", "养护"]
