"""The report in a real browser: Debian's chromium driven by playwright (no browser
download). Opens the generated file from disk with every network request blocked and
fails on any page error, console error or dialog; every chart must have drawn its SVG.

Run alone with ``pytest -m browser tests/test_report_browser.py``; `make test`
installs chromium first (``make browser``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import chromium_path

HOSTILE = "<script>alert(1)</script>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None,
                       reason="chromium not installed (run `make browser` as root)"),
]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    """A small comparison under a hostile scenario name, written with `Comparison.write`
    and re-rendered in Chinese through `siyu report`."""
    import siyu
    from conftest import ROOT
    from siyu.cli import main
    from sim.scenario import Scenario

    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=150, name=HOSTILE, campaigns=[], **{"market.audience": 5000, "market.initial_pool": 400})
    out = tmp_path_factory.mktemp("report")
    siyu.compare(s, replications=3).write(out)
    main(["report", str(out), "--lang", "zh"])  # returns on success (exit 0)
    assert (out / "report.zh.html").is_file()
    return out



def _open(browser, path: Path, width: int = 1366):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: dict[str, list[str]] = {"errors": [], "dialogs": [], "requests": []}
    page.on("pageerror", lambda e: problems["errors"].append(f"pageerror: {e}"))
    page.on("console", lambda m: problems["errors"].append(f"console: {m.text}") if m.type == "error" else None)

    def on_dialog(d):
        problems["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)

    def on_request(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:  # the report must work offline: anything else is a failure
            problems["requests"].append(route.request.url)
            route.abort()

    page.route("**/*", on_request)
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
    page.wait_for_timeout(500)
    return page, problems


@pytest.mark.parametrize("filename", ["report.html", "report.zh.html"])
def test_every_chart_renders_without_errors(browser, report_dir, filename):
    from reports.figures import ComparisonFigures

    page, problems = _open(browser, report_dir / filename)
    try:
        assert problems == {"errors": [], "dialogs": [], "requests": []}
        for section, charts in ComparisonFigures.SECTIONS.items():
            rendered = page.eval_on_selector_all(
                f"section#{section} .js-plotly-plot",
                "els => els.map(e => [e.id, e.querySelectorAll('svg.main-svg').length])")
            assert sorted(r[0] for r in rendered) == sorted(f"chart-{c}" for c in charts), section
            assert all(n > 0 for _, n in rendered), (section, rendered)
        # the verdict and the KPI cards are on the page, with numbers
        verdict = page.inner_text("section#verdict")
        assert re.search(r"\d", verdict)
        assert page.locator(".kpi-row").count() == 2
    finally:
        page.close()


def test_chinese_report_is_in_chinese(browser, report_dir):
    page, problems = _open(browser, report_dir / "report.zh.html")
    try:
        assert not problems["errors"]
        assert page.get_attribute("html", "lang") == "zh-CN"
        for heading in ("结论", "关键指标", "漏斗", "同期群", "假设"):
            assert page.locator("h2", has_text=heading).count() == 1, heading
        assert "置信区间" in page.inner_text("section#verdict")
        # chart titles are drawn in Chinese too
        assert "累计 GMV" in page.inner_text("#chart-cumulative_gmv")
    finally:
        page.close()


def test_hostile_scenario_name_is_text_not_code(browser, report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    page, problems = _open(browser, report_dir / "report.html")
    try:
        assert problems["dialogs"] == []
        assert page.inner_text("h1") == HOSTILE       # shown as text ...
        assert HOSTILE in page.title()
        assert page.evaluate("document.querySelectorAll('h1 script').length") == 0  # ... never as markup
    finally:
        page.close()


def test_no_external_sources(report_dir):
    for name in ("report.html", "report.zh.html"):
        html = (report_dir / name).read_text(encoding="utf-8")
        srcs = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)", html, re.I)
        assert not [s for s in srcs if re.match(r"(?:https?:)?//", s)], srcs
        assert html.count("<script type=\"text/javascript\">/**") <= 1  # plotly.js inlined once
