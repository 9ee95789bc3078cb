"""The Chinese pages of the experiment commands and of the validation battery: under
``--lang zh`` every visible string (charts' SVG text included) is Chinese, save the short
allow-list of :mod:`test_report_layout` (names, units, standard abbreviations, identifiers,
commands). One browser for the module, the smallest runs the command-line tests use; the
search and the fit (about 40 runs each) are marked slow, the charts they draw checked
without a browser in the default run.

Run alone with ``pytest -m browser tests/test_zh_experiment_pages.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import chromium_path
from siyu.cli import main
from test_report_layout import VISIBLE_TEXT, english_words

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None,
                       reason="chromium not installed (run `make browser` as root)"),
]

SMALL = 'name = "small"\ndays = 30\n[market]\naudience = 1000\ninitial_pool = 100\n'
#: two lever ranges: the factors of sensitivity and the search space of optimize
RANGES = ('name = "ranges"\nbase = "small.toml"\nstrategies = ["nurture"]\nreplications = 2\n'
          'outputs = ["gmv_total", "profit"]\n[levers.moments_posts]\nlow = 0\nhigh = 3\n'
          '[levers.value_share]\nlow = 0.2\nhigh = 0.9\n')
SERIES = "day,orders,gmv\n" + "".join(f"{d},{3 + d},{300 + 40 * d}\n" for d in range(1, 9))


def _run(args: list[str]) -> None:
    """A command through the CLI entry point; exit 0 (or a plain return) expected."""
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)


def _inputs(tmp: Path) -> Path:
    for name, text in (("small.toml", SMALL), ("ranges.toml", RANGES), ("series.csv", SERIES)):
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def zh_sensitivity(tmp_path_factory) -> dict[str, Path]:
    """sensitivity.html of a tiny Sobol analysis under --lang zh, and its directory's page
    from `siyu report DIR --lang zh` (the cheapest experiment: 16 short runs)."""
    tmp = _inputs(tmp_path_factory.mktemp("zh_sens"))
    _run(["sensitivity", str(tmp / "ranges.toml"), "--n", "2", "--out", str(tmp / "sens"), "--lang", "zh"])
    _run(["report", str(tmp / "sens"), "--lang", "zh"])
    return {"sensitivity": tmp / "sens" / "sensitivity.html", "sensitivity_report": tmp / "sens" / "report.zh.html"}


@pytest.fixture(scope="module")
def zh_search_and_fit(tmp_path_factory) -> dict[str, Path]:
    """search.html and calibration.html written under --lang zh by the smallest search and
    fit the command-line tests use, and their directories' pages from `siyu report DIR`."""
    tmp = _inputs(tmp_path_factory.mktemp("zh_opt"))
    _run(["optimize", str(tmp / "ranges.toml"), "--objective", "profit", "--maxiter", "1", "--popsize", "2",
          "--out", str(tmp / "opt"), "--lang", "zh"])
    _run(["report", str(tmp / "opt"), "--lang", "zh"])
    _run(["calibrate", str(tmp / "small.toml"), "--series", str(tmp / "series.csv"), "--param",
          "category.quality=0.5:0.9", "--maxiter", "1", "--popsize", "2", "--replications", "2",
          "--out", str(tmp / "cal"), "--lang", "zh"])
    _run(["report", str(tmp / "cal"), "--lang", "zh"])
    return {"search": tmp / "opt" / "search.html", "optimize_report": tmp / "opt" / "report.zh.html",
            "calibration": tmp / "cal" / "calibration.html", "calibration_report": tmp / "cal" / "report.zh.html"}


@pytest.fixture(scope="module")
def small_checks() -> list:
    """The cheapest checks: one small diffusion check and the queue family (quick)."""
    from experiments.validation.bass import check_one
    from experiments.validation.queue import check_queue

    return [check_one(0.03, 0.38, 30, "test", 5_000, 4, source_key="published"), *check_queue(True)]


@pytest.fixture(scope="module")
def zh_validation(tmp_path_factory, small_checks) -> Path:
    """``siyu validate-model --lang zh`` on those checks (the battery's families replaced by
    them, as the exit-code test does), its index.html."""
    from experiments import validation

    out = tmp_path_factory.mktemp("zh_validation")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(validation, "families", lambda: {"diffusion": lambda quick: small_checks[:1],
                                                    "queue": lambda quick: small_checks[1:]})
        try:
            main(["validate-model", "--quick", "--workers", "1", "--out", str(out), "--lang", "zh"])
        except SystemExit as exc:
            assert exc.code in (0, 1), exc.code  # 1: a check failed, which the page must say in Chinese too
    return out / "index.html"


def visible_text(browser, path: Path) -> str:
    """The visible text of the Chinese page at ``path``, after its charts have drawn."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg').length > 0")
        page.wait_for_timeout(300)
        assert errors == []
        assert page.get_attribute("html", "lang") == "zh-CN"
        return page.evaluate(VISIBLE_TEXT)
    finally:
        page.close()


@pytest.mark.parametrize("name", ["sensitivity", "sensitivity_report"])
def test_sensitivity_pages_are_chinese(browser, zh_sensitivity, name):
    assert english_words(visible_text(browser, zh_sensitivity[name])) == set()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["search", "optimize_report", "calibration", "calibration_report"])
def test_search_and_fit_pages_are_chinese(browser, zh_search_and_fit, name):
    assert english_words(visible_text(browser, zh_search_and_fit[name])) == set()


@pytest.mark.slow
def test_yuan_axes_use_wan(browser, zh_search_and_fit):
    """The search's objective (profit, yuan, tens of thousands here) is ticked in 万."""
    text = visible_text(browser, zh_search_and_fit["search"])
    assert "利润（重复模拟平均值）" in text and re.search(r"-?\d+(\.\d+)?万", text)


def test_validation_page_is_chinese(browser, zh_validation):
    text = visible_text(browser, zh_validation)
    assert english_words(text) == set()
    assert "扩散极限" in text and "排队极限" in text and "平均等待（分钟）" in text


def test_validation_sentences_state_the_checks_numbers(small_checks):
    """Chinese and English say the same facts: each number of the English sentence is in
    the Chinese one (a wrong fact or a dropped one fails)."""
    from reports.validation_page import sentence

    for c in small_checks:
        for s in ("expected", "observed", "tolerance", "evidence"):
            zh = sentence(c, s, "zh")
            assert zh != getattr(c, s) and not english_words(zh), (c.name, s, zh)
            numbers = re.findall(r"\d[\d,]*\.?\d*", getattr(c, s).replace(" %", "%"))
            assert [n for n in numbers if n not in zh] == [], (c.name, s, getattr(c, s), zh)
        assert sentence(c, "observed", "en") == c.observed


def test_morris_and_log_calibration_charts_are_chinese():
    """The variants the tiny runs above do not draw: Morris indices, and the statistics a
    transaction-log calibration fits."""
    import pandas as pd
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from experiments.sensitivity import figure
    from reports.experiment_figures import calibration_figure, sensitivity_figure

    frame = pd.DataFrame({"output": ["gmv_total", "gmv_total", "profit", "profit"],
                          "parameter": ["category.quality", "behaviour.referral_rate"] * 2,
                          "mu_star": [1.0, 2.0, 3.0, 4.0], "mu_star_conf": [0.1] * 4, "mu": [1.0] * 4, "sigma": [1.0] * 4})
    morris = sensitivity_figure(figure(frame), "zh")
    fig = make_subplots(rows=3, cols=1, subplot_titles=["repeat_freq", "cum_repeat", "mean_amount"])
    for row in (1, 2, 3):
        fig.add_trace(go.Scatter(x=[1, 2], y=[3e4, 5e4], name="simulated (mean)", legendgroup="sim"), row=row, col=1)
        fig.add_trace(go.Scatter(x=[1, 2], y=[3e4, 4e4], name="observed", legendgroup="obs"), row=row, col=1)
    calibration = calibration_figure(fig, "zh")
    for f in (morris, calibration):
        texts = [f.layout.title.text, *(a.text for a in f.layout.annotations), *(t.name for t in f.data)]
        assert english_words(" ".join(texts)) == set(), texts
    assert calibration.layout.yaxis3.ticktext and all(t.endswith("万") or t == "0" for t in calibration.layout.yaxis3.ticktext)


CALIBRATION = {
    "parameters.csv": "parameter,low,high,estimate,se,ci_low,ci_high\ncategory.quality,0.5,0.9,0.67,0.01,0.65,0.69\n",
    "fit.csv": "name,family,x,set,observed,simulated,sim_sd,sim_low,sim_high,z,inside_band\n"
               + "".join(f"gmv@{d},gmv,{d},{'holdout' if d > 6 else 'calibration'},{3e4 * d},{2.9e4 * d},10,"
                         f"{2.8e4 * d},{3e4 * d},0.1,True\n" for d in range(1, 9)),
    "fit_summary.csv": "set,moments,rmse,mape,mean_abs_z,share_inside_band\ncalibration,6,166,0.26,1.4,0.75\n"
                       "holdout,2,197,0.40,1.7,0.5\n",
    "calibration.html": "<html></html>",
}


def test_calibration_directory_page(tmp_path):
    """`siyu report DIR` of a calibration directory: Chinese sentences and labels with the
    fitted numbers, GMV ticked in 万; a damaged table is bad input naming the directory."""
    from reports.directory import build_page
    from sim.errors import SiyuInputError

    for name, text in CALIBRATION.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    page = build_page(tmp_path, "zh")
    words = [*page.verdicts, page.verdict_note, page.sections[0].title, page.sections[0].lead,
             *page.sections[0].tables[0].header]
    assert english_words(" ".join(words)) == set(), words
    assert "0.67（95% 置信区间 0.65 至 0.69" in page.verdicts[0] and "留出期" in page.verdicts[2]
    fig = page.sections[0].figures["calibration"]
    assert all(t == "0" or t.endswith("万") for t in fig.layout.yaxis.ticktext)
    assert "fitted at 0.67" in build_page(tmp_path, "en").verdicts[0]
    (tmp_path / "fit_summary.csv").write_text("set,moments\nholdout,2\n", encoding="utf-8")
    with pytest.raises(SiyuInputError, match=str(tmp_path)):
        build_page(tmp_path, "zh")


def test_the_search_charts_name_each_lever_in_chinese():
    """A search chart's lever axes say what the lever is (its Chinese meaning) before the
    identifier the scenario file uses; English pages keep the identifier alone."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from reports.experiment_figures import search_figure

    def chart():
        fig = make_subplots(rows=1, cols=2)
        for col, lever in ((1, "moments_posts"), (2, "hook")):
            fig.add_trace(go.Scatter(x=[1, 2], y=[1, 2], legendgroup="feasible", name="feasible"), row=1, col=col)
            fig.update_xaxes(title_text=lever, row=1, col=col)
        return fig

    zh = search_figure(chart(), "profit", "nurture", "zh")
    titles = [zh.layout.xaxis.title.text, zh.layout.xaxis2.title.text]
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    assert titles[0].endswith("（moments_posts）") and titles[1].endswith("（hook）")
    en = search_figure(chart(), "profit", "nurture", "en")
    assert [en.layout.xaxis.title.text, en.layout.xaxis2.title.text] == ["moments_posts", "hook"]
