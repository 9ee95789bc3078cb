"""The first report page: self-contained, escaped, with the three charts."""

from __future__ import annotations

import re

import pytest

import sim
from reports.compare_report import render_comparison


@pytest.fixture(scope="module")
def comparison():
    from sim.scenario import Scenario

    from conftest import ROOT

    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=60, name="<script>alert(1)</script>", **{"market.audience": 5000, "market.initial_pool": 400})
    return sim.compare(s, replications=3)


def test_report_is_self_contained(comparison):
    html = render_comparison(comparison)
    srcs = re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"']([^\"']+)", html)
    assert not [s for s in srcs if s.startswith("http")]
    assert html.count("<script type=\"text/javascript\">") >= 1
    for chart in ("chart-cumulative_gmv", "chart-pool", "chart-retention"):
        assert chart in html


def test_user_text_is_escaped(comparison):
    html = render_comparison(comparison)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_verdict_is_generated_from_numbers(comparison):
    from reports.compare_report import verdicts

    lines = verdicts(comparison.summary)
    assert any("GMV" in line and "95 % CI" in line for line in lines)


def test_figures_for_notebooks(comparison):
    figs = comparison.figures
    assert len(figs.cumulative_gmv().data) == 4  # band + mean per strategy
    assert figs.retention().layout.yaxis.tickformat == ".0%"
