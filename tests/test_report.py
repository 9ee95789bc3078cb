"""The report page: self-contained, escaped, generated from the numbers, in two languages,
re-buildable from a results directory (`siyu report DIR`)."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest

import siyu
from conftest import ROOT, pool_model
from reports.compare_report import render_comparison, verdicts
from reports.figures import ComparisonFigures

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def comparison():
    from sim.scenario import Scenario

    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=90, name=HOSTILE, campaigns=[], **{"market.audience": 5000, "market.initial_pool": 400})
    return siyu.compare(s, replications=3)


@pytest.fixture
def small():
    """A 90-day default scenario with a small market and no campaign calendar."""
    from sim.scenario import Scenario

    return Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=90, campaigns=[], **{"market.audience": 8000, "market.initial_pool": 600})


@pytest.fixture(scope="module")
def written(comparison, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    comparison.write(out)
    return out


def test_report_is_self_contained(comparison):
    html = render_comparison(comparison)
    srcs = re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"']([^\"']+)", html)
    assert not [s for s in srcs if s.startswith("http")]
    assert html.count("<script type=\"text/javascript\">/**") == 1  # plotly.js once
    for chart in comparison.figures.all():
        assert f'id="chart-{chart}"' in html


def test_user_text_is_escaped(comparison):
    html = render_comparison(comparison)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_verdict_is_generated_from_numbers(comparison):
    s = comparison.summary
    lines = verdicts(s)
    assert any("GMV" in line and "95 % CI" in line for line in lines)
    first, second = s["compared"]["first"], s["compared"]["second"]
    d, g1 = s["difference"]["gmv_total"], s["strategies"][first]["gmv_total"]["mean"]
    assert f"{abs(100 * d['mean'] / g1):.0f} %" in lines[0] and second in lines[0]
    c = s["crossover_day"]
    expected = f"until day {c['mean']:.0f}" if c["mean"] is not None else "never overtakes"
    assert any(expected in line for line in lines)
    zh = verdicts(s, "zh")
    assert len(zh) == len(lines) and all("置信区间" in line for line in zh[:1])


def test_both_languages_have_every_label():
    from reports.i18n import EN, ZH, labels

    assert set(EN) == set(ZH)
    for key in EN:  # same placeholders, so every template formats in both languages
        fields = lambda text: {f.lower() for f in re.findall(r"{(\w+)}", text)}  # noqa: E731 (zh has no capitals)
        assert fields(EN[key]) == fields(ZH[key]), key
    with pytest.raises(ValueError, match="en, zh"):
        labels("fr")


def test_chinese_report(comparison):
    html = render_comparison(comparison, lang="zh")
    assert 'lang="zh-CN"' in html
    for word in ("结论", "关键指标", "漏斗", "同期群", "谁在贡献", "假设", "累计 GMV"):
        assert word in html, word


def test_one_figure_method_per_chart(comparison):
    figs = comparison.figures
    charts = [c for names in ComparisonFigures.SECTIONS.values() for c in names]
    assert sorted(figs.all()) == sorted(charts)
    for name in charts:
        fig = getattr(figs, name)()
        assert isinstance(fig, go.Figure) and len(fig.data) > 0, name
    assert len(figs.cumulative_gmv().data) == 4  # band + mean per strategy
    assert figs.retention().layout.yaxis.tickformat == ".0%"
    sankeys = [t for t in figs.funnel().data if t.type == "sankey"]
    assert len(sankeys) == 2
    # the funnel is flow-consistent: into "joined the pool" equals out of it
    links = sankeys[0].link
    pool = 3  # node index of "joined the pool"
    into = sum(v for t, v in zip(links.target, links.value) if t == pool)
    out = sum(v for s, v in zip(links.source, links.value) if s == pool)
    assert into == pytest.approx(out)


def test_funnel_counts_partition_everyone_who_joined(small):
    from sim.metrics import FUNNEL_STAGES, funnel_counts, lorenz
    model = pool_model(small, "nurture", 3).run()
    pop = model.population
    counts = funnel_counts(pop)
    cells = {k: v for k, v in counts.items() if k.startswith("funnel_") and k != "funnel_referred"}
    assert sum(cells.values()) == pop.size
    buyers = int((pop.orders > 0).sum())
    assert sum(v for k, v in cells.items() if not k.startswith("funnel_never_bought")) == buyers
    assert counts["referrers"] == sum(v for k, v in cells.items() if k.startswith(f"funnel_{FUNNEL_STAGES[-1]}"))
    assert counts["funnel_referred"] == int((pop.referrer >= 0).sum())
    curve = lorenz(pop.spend)
    assert curve[0] == 0 and curve[-1] == pytest.approx(1) and np.all(np.diff(curve) >= -1e-12)


def test_cohort_retention_matches_the_retention_metric(small):
    from sim.metrics import cohort_retention, retention
    model = pool_model(small, "harvest", 5).run()
    table = cohort_retention(model.population, small.days)
    assert table["retained"].between(0, 1).all()
    # month-0 cohort, 1 month on, is the 30-day retention of the people who joined in days 0-29
    pop = model.population
    first = pop.first_join.astype(int)
    joined0 = (first >= 0) & (first < 30)
    left = pop.first_left.astype(int)[joined0]
    stayed = ((left == -1) | (left > first[joined0] + 30)).mean()
    row = table[(table.join_month == 0) & (table.months_since_join == 1)]
    assert row["retained"].item() == pytest.approx(stayed)
    assert retention(pop, small.days, 30) is not None


def test_assumptions_show_units_and_source_comments(comparison):
    from reports.assumptions import parameters

    rows, header = parameters(comparison.scenario, comparison.scenario._source_text)
    by_path = {r.path: r for r in rows}
    assert "DOMAIN" in header
    assert by_path["market.audience"].file_value == "60,000" and by_path["market.audience"].value == "5,000"
    assert "assumption" in by_path["market.audience"].source
    assert "DOMAIN" in by_path["public_channels[douyin].take_rate"].source
    assert by_path["category.price_mean"].unit == "u_yuan"
    assert by_path["behaviour.buy_rate"].unit == "u_prob_day"
    assert by_path["name"].value == HOSTILE  # escaped by the template, shown as written
    assert len(rows) > 80  # every parameter, not a selection


def test_report_rebuilds_from_its_directory(comparison, written):
    from reports.loading import load_comparison

    assert {"comparison.json", "cohorts.parquet", "scenario.json", "scenario.toml"} <= {p.name for p in written.iterdir()}
    again = load_comparison(written)
    assert again.summary == comparison.summary and again.strategies == comparison.strategies
    assert again.scenario.hash == comparison.scenario.hash
    assert verdicts(again.summary) == verdicts(comparison.summary)
    html = render_comparison(again)
    for chart in ComparisonFigures(again).all():
        assert f'id="chart-{chart}"' in html


def test_siyu_report_command(written, tmp_path):
    from siyu.cli import main

    main(["report", str(written), "--lang", "zh"])
    assert "结论" in (written / "report.zh.html").read_text(encoding="utf-8")
    for argv in (["report", str(tmp_path)], ["report", str(written), "--lang", "fr"],
                 ["report", str(tmp_path / "missing")]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
