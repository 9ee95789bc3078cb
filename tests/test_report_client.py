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


def test_assumptions_lead_with_what_the_scenario_chose(comparison):
    from reports.compare_report import assumptions_section

    section = assumptions_section(comparison.scenario)
    key, internals = section.tables
    assert not key.collapsed and internals.collapsed.startswith("Engine internals")
    key_rows = {r[0]: r for r in key.rows}
    # written in the file, changed after loading, or given a plausible range
    assert "market.audience" in key_rows and "public_channels[douyin].take_rate" in key_rows
    assert "plausible 0.7 – 0.95 (uniform)" in key_rows["category.quality"][1]
    assert key_rows["behaviour.fatigue_promo"][4]  # the range's own source when the line has no comment
    # a real change is marked, nothing else is (campaigns, uncertainties: same values, other shapes)
    marked = {r[0] for r, note in zip(key.rows, key.notes) if note}
    assert marked == {"days", "market.audience", "market.initial_pool", "campaigns"}  # the fixture's overrides
    everything = key.rows + internals.rows
    assert not [r for r in everything if r[1] in ("None", "") or r[0] in ("bass", "uncertainties")]
    assert len(everything) > 100
    assert not {r[0] for r in internals.rows} & set(key_rows)
    html = render_comparison(comparison)
    assert '<details class="appendix"><summary>Engine internals' in html


def test_a_scenario_read_as_written_marks_nothing_changed():
    from reports.assumptions import parameters
    from sim.scenario import Scenario

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        s = Scenario.from_toml(path)
        rows, header = parameters(s, s._source_text)
        assert [r.path for r in rows if r.file_value is not None] == [], path.name
        assert not [r.path for r in rows if r.value == "None"], path.name


def test_no_developer_notes_reach_the_assumptions():
    from reports.assumptions import _DEVELOPER_NOTE, client_text, parameters
    from sim.scenario import Scenario

    # a tracker reference as developers write it (assembled here, so the project's own text cites none)
    tracker = " ".join(["(issue", "2)"])
    assert client_text(f"DOMAIN: 6-7 posts a day {tracker}") == "DOMAIN: 6-7 posts a day"
    assert client_text("DOMAIN: 6-7 posts a day (#2)") == "DOMAIN: 6-7 posts a day"
    assert client_text("assumption. Takes about a minute on 2 cores.") == "assumption."
    assert client_text("see notes/figures.md for the figure; assumption") == "assumption"
    assert client_text("ranked by experiments/validation/sensitivity.py. DOMAIN: 200 -> 163") == "DOMAIN: 200 -> 163"
    assert client_text("DOMAIN: 18.5 % a month (1 in 5)") == "DOMAIN: 18.5 % a month (1 in 5)"
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        s = Scenario.from_toml(path)
        rows, header = parameters(s, s._source_text)
        leaks = [t for t in [header, *(r.source for r in rows)] if _DEVELOPER_NOTE.search(t)]
        assert leaks == [], path.name


def test_funnel_shows_whole_people(comparison):
    from reports.figures import ComparisonFigures

    fig = ComparisonFigures(comparison).funnel()
    labels = [label for trace in fig.data for label in trace.node.label]
    keys = [a.text for a in fig.layout.annotations if "banned" in a.text]
    assert labels and not [x for x in labels + keys if re.search(r"\d\.\d", x)], labels
    # the end states are named in a key beside each Sankey, not on the flows into their nodes
    assert [x for x in labels if x.startswith(("still active", "muted", "deleted", "banned"))] == []
    assert len(keys) == 2 and all(k.count("■") == 4 for k in keys)


def test_chinese_amounts_use_wan_in_text_and_axes(comparison):
    from reports.compare_report import verdicts
    from reports.figures import ComparisonFigures

    text = " ".join(verdicts(comparison.summary, "zh"))
    assert "万元" in text and not re.search(r"\d万 元|\d\.\d+M", text)
    figs = ComparisonFigures(comparison, lang="zh")
    for fig, axes in ((figs.cumulative_gmv(), ("yaxis",)), (figs.gmv_split(), ("yaxis", "yaxis2"))):
        for axis in axes:
            ticks = fig.layout[axis].ticktext
            assert ticks and all(t == "0" or re.fullmatch(r"-?[\d,.]+[万亿]", t) for t in ticks), ticks
    # English keeps plotly's own k/M ticks, which match the text's k/M
    assert ComparisonFigures(comparison).cumulative_gmv().layout.yaxis.ticktext is None
    zh_names = {tr.name for tr in figs.monthly_churn().data}
    assert zh_names == {"收割", "养护"}


def test_report_carries_the_projects_domain_document(comparison, tmp_path):
    from reports.domain_section import DOMAIN_DOC, domain_section

    assert DOMAIN_DOC.is_file() and DOMAIN_DOC.is_relative_to(ROOT)
    html = render_comparison(comparison)
    assert '<section id="domain"' in html and "The domain: running a private pool" in html
    assert 'href="../' not in html and "DOMAIN.md" not in html  # nothing outside the repository
    # raw HTML in the document stays text
    planted = tmp_path / "domain.md"
    planted.write_text("# T\n\n<script>alert(1)</script>\n", encoding="utf-8")
    assert "<script>" not in domain_section("en", planted).document
    missing = domain_section("en", tmp_path / "absent.md")
    assert missing.document == "" and "docs/domain.md" in missing.lead
