"""User text never runs as script: a payload in every free-text and name field that
reaches a report (scenario name and description, campaign names, a sweep factor's name,
which becomes a chart id) is opened in Chromium, en and zh, and no dialog may fire."""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly.graph_objects as go
import pytest

from reports.page import Page, Section, chart_id, render_page

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAYLOAD = "<img src=x onerror=alert(1)>"
QUOTED = '"><img src=x onerror=alert(2)>'


def test_a_chart_id_is_never_user_text():
    assert chart_id("cumulative_gmv") == "chart-cumulative_gmv"  # plain keys keep their ids
    for key in (f"sweep-{PAYLOAD}", f"sweep-{QUOTED}", "sweep-a b", "x" * 200):
        cid = chart_id(key)
        assert cid.startswith("chart-h") and cid.replace("-", "").isalnum(), cid
    assert chart_id("sweep-a b") != chart_id("sweep-a c")
    html = render_page(Page(title="t", sections=[Section("sweep", "s", figures={f"sweep-{PAYLOAD}": go.Figure()})]))
    assert PAYLOAD not in html  # as text it is escaped (&lt;img ...), as an id it is a hash
    assert f'id="{chart_id(f"sweep-{PAYLOAD}")}"' in html


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    import siyu
    from conftest import ROOT
    from siyu.cli import main
    from sim.scenario import Scenario

    campaign = {"name": PAYLOAD, "start": 10, "length": 20}
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=60, name=QUOTED, description=PAYLOAD, campaigns=[campaign],
        **{"market.audience": 3000, "market.initial_pool": 300})
    out = tmp_path_factory.mktemp("hostile")
    siyu.compare(s, replications=2).write(out)
    main(["report", str(out), "--lang", "zh"])
    found = [out / "report.html", out / "report.zh.html"]
    for lang in ("en", "zh"):
        sweep = Section("sweep", "sweep", lead=PAYLOAD, figures={f"sweep-{PAYLOAD}": go.Figure(go.Scatter(x=[0, 1], y=[1, 2])),
                                                              f"sweep-{QUOTED}": go.Figure(go.Scatter(x=[0, 1], y=[2, 1]))})
        page = out / f"sweep.{lang}.html"
        page.write_text(render_page(Page(title=PAYLOAD, subtitle=QUOTED, sections=[sweep]), lang), encoding="utf-8")
        found.append(page)
    return found


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
                    reason="chromium not installed (run `make browser` as root)")
def test_no_payload_runs_in_chromium(pages):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                    args=ARGS)
        try:
            for path in pages:
                page = browser.new_page()
                dialogs: list[str] = []
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(path.as_uri())
                page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
                page.wait_for_timeout(300)
                assert dialogs == [], (path.name, dialogs)
                assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0, path.name
                page.close()
        finally:
            browser.close()
