"""`siyu explore` in a real browser: Debian's chromium driven by playwright, against the
server started as a user starts it (a subprocess on a free port of 127.0.0.1).

Every request the page (or a tab it opens) makes is routed: one that leaves the server
is aborted and fails the test (the explorer must work offline, plotly.js included). The
test plays a short run, checks every chart drew in the browser (a plotly SVG with its
traces) and there are no console errors, moves a lever (harvest's Moments posts from 6.5
to 2, typed, then one step on its slider) and checks the plotted series change, types an
out-of-range value to see the command line's message, saves the settings as a scenario
and validates the file with `siyu validate`, runs the full report and opens it in a new
tab, opens another scenario (a broken file first: the command line's message), and
switches to Chinese (legends included).

Run alone with ``pytest -m browser tests/test_explore_browser.py``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, chromium_path
from siyu.explorer.charts import CHARTS

DAYS = 40
HOSTILE = "<script>alert(1)</script>"
SCENARIO = f"""name = "{HOSTILE}"
days = {DAYS}
[market]
audience = 3000
initial_pool = 300
"""
LEVER = "strategy.levers.harvest.moments_posts"
OTHER = """name = "other plan"
days = 20
[market]
audience = 2000
initial_pool = 200
[strategy.levers.harvest]
moments_posts = 3.0
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.endtoend,
    pytest.mark.skipif(chromium_path() is None,
                       reason="chromium not installed (run `make browser` as root)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m siyu explore FILE --port P` running; yields (url, working folder)."""
    work = tmp_path_factory.mktemp("explore")
    (work / "small.toml").write_text(SCENARIO, encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "siyu", "explore", "small.toml", "--port", str(port), "--out", "."],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"siyu explore did not start: {proc.stdout.read()}")
            time.sleep(0.3)
    yield url, work
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()



def _field(page, path: str):
    return page.locator(f"[class~='siyu-field-{path}'] input")


def _play_to_end(page) -> None:
    # a click that lands before the page's live connection is up is lost: press again, while
    # the button still offers to play (pressing it while it plays would pause), until the
    # day counter moves
    for _ in range(4):
        if page.inner_text(".siyu-play").strip().lower() == "play":
            page.click(".siyu-play")
        try:
            page.wait_for_function("document.querySelector('.siyu-day') && "
                                   "!/^\\D*0\\b/.test(document.querySelector('.siyu-day').innerText)", timeout=10_000)
            break
        except Exception:
            continue
    try:
        _wait_for_end(page)
    except Exception:
        page.screenshot(path="/tmp/siyu-explore-failure.png", full_page=True)
        raise AssertionError("the run did not finish; the page says:\n" + page.inner_text("body")[:3000]) from None


def _wait_for_end(page) -> None:
    page.wait_for_function(f"document.querySelector('.siyu-day') && "
                           f"/\\b{DAYS}\\b.*\\b{DAYS}\\b/.test(document.querySelector('.siyu-day').innerText)",
                           timeout=45_000)
    page.wait_for_function("document.querySelector('.siyu-play') && "
                           "document.querySelector('.siyu-play').disabled", timeout=30_000)
    # the captions read out each chart's last day: every chart has been redrawn for it
    page.wait_for_function(f"[...document.querySelectorAll('.siyu-latest')].length === {len(CHARTS)} && "
                           f"[...document.querySelectorAll('.siyu-latest')].every(e => e.innerText.includes('{DAYS}:'))",
                           timeout=20_000)


def _type(page, path: str, text: str, until: str) -> None:
    """Type ``text`` into a control's field and press Enter until the page shows ``until``
    (a JavaScript condition): on a busy machine a keystroke can land while the page redraws."""
    for attempt in range(3):
        field = _field(page, path)
        field.fill(text)
        field.press("Enter")
        try:
            page.wait_for_function(until, timeout=20_000)
            return
        except Exception:
            if attempt == 2:
                raise


def _legend(page, name: str) -> str:
    """The words of a chart's legend as the browser drew them (SVG text)."""
    return page.locator(f".siyu-chart-{name} .legend").first.text_content()


def _latest(page) -> dict[str, str]:
    return {name: page.inner_text(f".siyu-chart-{name} .siyu-latest") for name in CHARTS}


def test_explorer_in_the_browser(server, browser):
    url, work = server
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    problems: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))

    def route(r):
        target = r.request.url
        if target.startswith(url) or target.startswith(("blob:", "data:")):
            return r.continue_()
        outside.append(target)
        return r.abort()

    page.context.route("**/*", route)  # the page and any tab it opens
    page.goto(url)
    page.wait_for_selector(".siyu-play", timeout=60_000)

    assert HOSTILE in page.inner_text("body")  # the scenario's name, shown as text
    _play_to_end(page)
    # every chart drew in the browser: a plotly SVG with its traces, captioned with its last day
    page.wait_for_function(f"[...document.querySelectorAll('.siyu-chart')].filter(c => "
                           f"c.querySelector('svg.main-svg .trace')).length === {len(CHARTS)}", timeout=30_000)
    for name in CHARTS:
        assert page.locator(f".siyu-chart-{name} .js-plotly-plot").count() == 1
        assert f"day {DAYS}:" in page.inner_text(f".siyu-chart-{name} .siyu-latest")
    assert "harvest" in _legend(page, "cumulative_gmv")
    before = _latest(page)
    verdict = page.inner_text(".siyu-verdict")
    assert "nurture" in verdict and "harvest" in verdict and f"Over {DAYS} days" in verdict

    # move a lever: type 2 (from 6.5), then one step left on its slider (to 1.9)
    assert _field(page, LEVER).input_value() == "6.5"
    thumb = f"document.querySelector(\".siyu-control:has([class~='siyu-field-{LEVER}']) [role=slider]\")"
    _type(page, LEVER, "2", f"{thumb}.getAttribute('aria-valuenow') === '2'")
    slider = page.locator(f".siyu-control:has([class~='siyu-field-{LEVER}']) [role=slider]")
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_function(f"document.querySelector(\"[class~='siyu-field-{LEVER}'] input\").value === '1.9'",
                           timeout=30_000)
    page.wait_for_function("document.querySelector('.siyu-day').innerText.includes('day 0')", timeout=30_000)
    _play_to_end(page)
    after = _latest(page)
    assert after["pool_states"] != before["pool_states"]  # harvest posts less: a different pool
    assert after["cumulative_gmv"] != before["cumulative_gmv"]
    nurture = re.compile(r"nurture [^,]+$")
    assert nurture.search(after["cumulative_gmv"])[0] == nurture.search(before["cumulative_gmv"])[0], \
        "nurture's run must not change when only harvest's lever moves (common random numbers)"

    # a value out of bounds: the command line's message, no traceback, the last run kept
    _type(page, LEVER, "500", "document.querySelector('.siyu-problem') !== null")
    message = page.inner_text(".siyu-problem")
    assert LEVER in message and "100" in message and "Traceback" not in page.inner_text("body")
    _type(page, LEVER, "1.9", "document.querySelector('.siyu-problem') === null")

    # leave with something: the settings as a scenario file siyu validate accepts
    page.locator(".siyu-save-path input").fill(str(work / "saved.toml"))
    page.click(".siyu-save")
    page.wait_for_selector(".siyu-save-message", timeout=30_000)
    saved = work / "saved.toml"
    assert saved.is_file(), page.inner_text(".siyu-save-message")
    assert re.search(r"^moments_posts = 1\.9", saved.read_text(encoding="utf-8"), re.M)
    check = subprocess.run([sys.executable, "-m", "siyu", "validate", str(saved)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert check.returncode == 0, check.stdout + check.stderr

    # the full report, in the background, for the settings on screen
    reps = page.locator(".siyu-report-replications [role=slider]")
    reps.focus()
    reps.press("Home")  # 2 replications: enough for a report, quick for a test
    page.wait_for_function("s => s.getAttribute('aria-valuenow') === '2'", arg=reps.element_handle())
    page.click(".siyu-report")
    page.wait_for_function("document.body.innerText.includes('Report written')", timeout=60_000)
    report = work / "explorer-report" / "report.html"
    assert report.is_file() and "comparison.json" in {p.name for p in report.parent.iterdir()}
    assert "Over 40 days nurture" in report.read_text(encoding="utf-8")
    # the report opens in a new tab, served by the explorer from the output folder
    with page.context.expect_page() as opened:
        page.click(".siyu-open-report")
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.startswith(url) and "Over 40 days nurture" in tab.inner_text("body")
    tab.close()

    # open another scenario: one that fails shows the command line's message and changes
    # nothing; one picked from the list resets every control to its values
    (work / "broken.toml").write_text("[market]\naudience = -5\n", encoding="utf-8")
    (work / "other.toml").write_text(OTHER, encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "siyu", "validate", "broken.toml"], capture_output=True, text=True,
                         cwd=work, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert cli.returncode == 2
    page.click(".v-expansion-panel-header:has-text('Open another scenario')")
    page.locator(".siyu-open-path input").fill("broken.toml")
    page.click(".siyu-open-button")
    page.wait_for_selector(".siyu-open-error", timeout=30_000)
    assert " ".join(cli.stderr.split()) in " ".join(page.inner_text(".siyu-open-error").split())
    assert _field(page, LEVER).input_value() == "1.9"  # the scenario on screen is kept
    page.click(".siyu-open-pick .v-select__slot")
    page.locator(".v-menu__content .v-list-item", has_text="other.toml").click()
    page.wait_for_function("document.body.innerText.includes('other plan')", timeout=30_000)
    page.wait_for_function("document.querySelector('.siyu-day').innerText.includes('day 0 of 20')", timeout=30_000)
    # the new file's value, not the last one typed
    page.wait_for_function(f"document.querySelector(\"[class~='siyu-field-{LEVER}'] input\").value === '3'",
                           timeout=30_000)
    page.click(".siyu-step")
    page.wait_for_function("document.querySelector('.siyu-day').innerText.includes('day 1 of 20')", timeout=30_000)
    assert _field(page, LEVER).input_value() == "3"  # and it stays: no stale slider reported a move

    # Chinese
    page.click(".siyu-language")
    page.wait_for_function("document.body.innerText.includes('私域模拟探索器')", timeout=30_000)
    # a step, drawn in Chinese; a click that lands while the page redraws in the new language
    # is lost (seen under load): press again until the day counter moves on
    for _ in range(4):
        page.click(".siyu-step")
        try:
            page.wait_for_function("document.querySelector('.siyu-day').innerText.includes('第 2 天')", timeout=10_000)
            break
        except Exception:
            continue
    page.wait_for_function("document.querySelector('.siyu-verdict').innerText.includes('天内')", timeout=30_000)
    page.wait_for_function("document.body.innerText.includes('累计利润')", timeout=30_000)
    text = page.inner_text("body")
    assert "播放" in text and "累计利润" in text and "天内" in text  # controls, chart titles, the verdict
    # legends drawn by the browser in Chinese: strategy labels and pool states
    page.wait_for_function("document.querySelector('.siyu-chart-cumulative_gmv .legend') && "
                           "document.querySelector('.siyu-chart-cumulative_gmv .legend').textContent.includes('收割')",
                           timeout=30_000)
    assert "养护" in _legend(page, "cumulative_gmv") and "活跃" in _legend(page, "pool_states")

    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not problems, problems
    page.close()
