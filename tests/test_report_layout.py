"""Every chart fits its cell on first paint, in a real browser (Debian's chromium driven
by playwright, launched as in ``tests/test_report_browser.py``).

Plotly sizes a chart to its container when the chart is drawn. A report draws each chart
while the page is still being parsed, so a cell whose width changes afterwards (the grid
gaining its second chart, a scrollbar appearing) must redraw its chart, or the chart
overflows the cell until the window is resized. The pages are opened at a laptop width
(1300 px) and a desktop width (1920 px) and never resized; every plot's main SVG must be
no wider than its chart cell, and the page must log no console error.

Run alone with ``pytest -m browser tests/test_report_layout.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import chromium_path

WIDTHS = (1300, 1920)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None,
                       reason="chromium not installed (run `make browser` as root)"),
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The comparison report in English and Chinese, a one-factor sweep report and a
    validation page (the two fast check families), all small."""
    import siyu
    from conftest import ROOT
    from experiments.validation.bass import check_one
    from experiments.validation.queue import check_queue
    from reports.directory import report_directory
    from reports.page import render_page
    from reports.validation_page import page as validation_page
    from siyu.cli import main
    from sim.scenario import Scenario

    out = tmp_path_factory.mktemp("layout")
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=120, campaigns=[], **{"market.audience": 4000, "market.initial_pool": 300})
    siyu.compare(s, replications=2).write(out / "compare")
    main(["report", str(out / "compare"), "--lang", "zh"])

    sweep = out / "sweep.toml"
    sweep.write_text(
        f'name = "layout"\nbase = "{(ROOT / "scenarios" / "default.toml").as_posix()}"\n'
        'strategies = ["nurture"]\nreplications = 2\ndays = 60\noutputs = ["gmv_total", "pool_final"]\n'
        '[overrides]\n"market.audience" = 2000\n"market.initial_pool" = 200\ncampaigns = []\n'
        '[levers.moments_posts]\nvalues = [1.0, 4.0]\n', encoding="utf-8")
    main(["sweep", str(sweep), "--out", str(out / "sweep"), "--workers", "1"])
    (out / "sweep.html").write_text(report_directory(out / "sweep"), encoding="utf-8")
    (out / "sweep.zh.html").write_text(report_directory(out / "sweep", "zh"), encoding="utf-8")

    checks = [check_one(0.03, 0.38, 30, "test", 5_000, 4), *check_queue(True)]
    (out / "validation.html").write_text(render_page(validation_page(checks, True, 1.0)), encoding="utf-8")
    return {"compare_en": out / "compare" / "report.html", "compare_zh": out / "compare" / "report.zh.html",
            "sweep": out / "sweep.html", "sweep_zh": out / "sweep.zh.html", "validation": out / "validation.html"}



#: each plot with its main SVG's width and the width its chart cell offers (content box)
MEASURE = """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
  const cell = p.closest('.chart') || p.parentElement;
  const cs = getComputedStyle(cell);
  const inner = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const svg = p.querySelector('svg.main-svg');
  return {id: p.id, svg: svg ? svg.getBoundingClientRect().width : -1, cell: inner};
})"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["compare_en", "compare_zh", "sweep", "validation"])
def test_every_chart_fits_its_cell_on_first_paint(browser, pages, name, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    try:
        page.goto(pages[name].as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg').length > 0")
        page.wait_for_timeout(800)
        plots = page.evaluate(MEASURE)
        assert plots, "no chart on the page"
        assert all(p["svg"] > 0 for p in plots), plots
        too_wide = [p for p in plots if p["svg"] > p["cell"] + 0.5]
        assert not too_wide, f"{name} at {width} px: charts wider than their cells: {too_wide}"
        # no chart drawn at half its cell either (a chart must use the room it has)
        assert all(p["svg"] >= 0.9 * p["cell"] for p in plots), plots
        assert errors == []
    finally:
        page.close()


#: per page: KPI cards per row, legends that overlap their x-axis title, tables wider than their section
GEOMETRY = """() => {
  const rect = e => e.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const kpiRows = [...document.querySelectorAll('.kpis')].map(k => {
    const tops = [...k.querySelectorAll('.card')].map(c => Math.round(rect(c).top));
    const counts = {}; tops.forEach(t => counts[t] = (counts[t] || 0) + 1);
    return Object.keys(counts).sort((a, b) => a - b).map(t => counts[t]);
  });
  const legendOverTitle = [...document.querySelectorAll('.js-plotly-plot')].filter(p => {
    const legend = p.querySelector('g.legend'), titles = [...p.querySelectorAll('g.g-xtitle text, g[class^="g-x"][class$="title"] text')];
    return legend && titles.some(t => overlap(rect(legend), rect(t)));
  }).map(p => p.id);
  const wideTables = [...document.querySelectorAll('section table')].filter(t => {
    const s = t.closest('section'), cs = getComputedStyle(s);
    return rect(t).width > s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) + 0.5;
  }).map(t => t.closest('section').id);
  return {kpiRows, legendOverTitle, wideTables};
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["compare_en", "compare_zh", "validation"])
def test_cards_legends_and_tables_stay_in_place(browser, pages, name, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(pages[name].as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg').length > 0")
        page.wait_for_timeout(800)
        g = page.evaluate(GEOMETRY)
        for rows in g["kpiRows"]:  # never a card alone on its row
            assert len(rows) == 1 or min(rows) > 1, rows
        assert g["legendOverTitle"] == []
        assert g["wideTables"] == []
    finally:
        page.close()


def test_validation_page_reproduces_the_subset_and_explains_standard_errors():
    from experiments.validation import Check
    from reports.validation_page import STANDARD_ERRORS, page

    c = Check("bass_x", "diffusion", "x", "1", "1", "every day within 3.1 standard errors", passed=True, evidence="ok")
    p = page([c], True, 1.0, ["diffusion"])
    assert p.reproduce == "siyu validate-model --quick --only diffusion"
    assert STANDARD_ERRORS in p.sections[0].paragraphs
    assert page([c], False, 1.0).reproduce == "siyu validate-model"


#: English a Chinese page may keep: names, standard abbreviations, and the two source
#: markers scenario files write beside a value (DOMAIN, assumption)
ALLOWED_ENGLISH = {"GMV", "ROI", "LTV", "CAC", "LTV/CAC", "siyu", "CI", "WeChat", "WeCom", "Moments", "Douyin", "Xiaohongshu", "Tmall",
                   "Beta", "SIM", "UTC", "DOMAIN", "assumption",
                   # methods, models and tools named after their authors, and the authors cited
                   # (proper names in Chinese text too); Kendall's notation of the queue checked
                   "Sobol", "Morris", "Bass", "Sultan", "Farley", "Lehmann", "Erlang", "SimPy", "M/M/3", "Mesa",
                   "Mann-Whitney", "Holm", "Bonferroni", "Student", "Pearson", "BG/NBD", "CDNOW", "Rand", "Rust",
                   "Kaplan-Meier",
                   # the complaint studies a parameter's meaning cites (docs/domain.md, S6)
                   "TARP"}
#: the page's visible text (charts' SVG text included) less what is shown as written: the
#: scenario's own name and notes, identifiers (parameter paths, lever names), commands
VISIBLE_TEXT = """() => {
  const skip = 'h1, title, code, .verbatim, script, style, .modebar-container';
  const out = [];
  const walk = node => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE || node.matches(skip)) return;
    if (node.tagName === 'DETAILS' || node.closest('details')) { /* folded text counts too */ }
    for (const c of node.childNodes) walk(c);
  };
  walk(document.body);
  return out.join(' ');
}"""


def english_words(text: str) -> set[str]:
    """Latin-letter words of ``text`` that are not identifiers (``moments_posts``,
    ``category.quality``), numbers with units or allowed names."""
    import re

    text = re.sub(r"\[\[?[^\]]*\]\]?", " ", text)                          # TOML tables: identifiers
    text = re.sub(r"\bsiyu [a-z-]+(?: --?[a-z-]+(?: [A-Z0-9]+\b)?)*", " ", text)  # a command as typed
    text = re.sub(r"(?<![\w-])--[a-z][a-z-]*", " ", text)                         # a command's option
    words = set()
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.\-/]*", text):
        token = token.strip(".-/")
        if "_" in token or re.search(r"[a-z]\.[a-z]", token) or token in ALLOWED_ENGLISH:
            continue
        if re.fullmatch(r"[A-Za-z]", token):
            continue
        words.add(token)
    return words


@pytest.mark.parametrize("name", ["compare_zh", "sweep_zh"])
def test_chinese_pages_have_no_untranslated_english(browser, pages, name):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(pages[name].as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg').length > 0")
        page.wait_for_timeout(500)
        assert page.get_attribute("html", "lang") == "zh-CN"
        assert english_words(page.evaluate(VISIBLE_TEXT)) == set()
    finally:
        page.close()


def test_the_scan_finds_english():
    assert english_words("收割 keeps rising 在 moments_posts = 2 GMV") == {"keeps", "rising"}
    assert english_words("（siyu compare --uncertain N 可改变）[[campaigns]] 2 M") == set()
    assert english_words("提高迭代上限（--maxiter） Sobol 指数 more-words") == {"more-words"}
