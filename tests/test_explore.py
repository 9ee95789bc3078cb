"""The explorer's parts without a browser: controls read off the schema, the live run
equal to the comparison it previews, saved scenarios that read back as what was on
screen, the playback policy, and `siyu explore` refusing bad input before serving."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

import siyu
from conftest import ROOT
from reports.compare_report import verdicts
from siyu.cli import main
from siyu.explorer.charts import CHARTS, DRAW, latest
from siyu.explorer.controls import (assumption_controls, field_control, lever_controls, parse_typed,
                                    run_controls)
from siyu.explorer.app import REPORT_FOLDER, REPORT_ROUTE
from siyu.explorer.live import LiveComparison, Settings
from siyu.explorer.opening import open_scenario, scenario_choices
from siyu.explorer.playback import play
from siyu.explorer.saving import save_scenario, scenario_text
from siyu.explorer.server import ExplorerServer
from siyu.explorer.words import EN, ZH
from sim.errors import ScenarioError, SiyuInputError
from sim.outcomes import label
from sim.scenario import Levers, Scenario
from sim.scenario.units import Strict, param

SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def small() -> Scenario:
    return Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=45, campaigns=[], **{"market.audience": 3000, "market.initial_pool": 300})


def test_every_lever_is_a_control_with_its_declared_bounds_and_unit(small):
    controls = {c.name: c for c in lever_controls(small, "harvest")}
    numeric = [n for n, f in Levers.model_fields.items() if f.annotation in (int, float, bool)]
    assert set(numeric) <= set(controls)
    posts = controls["moments_posts"]
    assert (posts.kind, posts.unit, posts.low, posts.high) == ("slider", "msgs_day", 0.0, 100.0)
    assert posts.value == 6.5  # harvest's preset, the value it runs with
    assert posts.path == "strategy.levers.harvest.moments_posts"
    assert posts.description == Levers.model_fields["moments_posts"].description
    assert controls["followup"].kind == "switch"
    assert {c.name: c.value for c in lever_controls(small, "nurture")}["moments_posts"] == 2.5


def test_a_new_schema_field_becomes_a_control_without_ui_work():
    class Table(Strict):
        reach: float = param(0.25, unit="share", gt=0, lt=1, description="people a post reaches")
        tables: int = param(3, unit="count", ge=1, le=12, description="how many")
        mode: bool = param(True, unit="flag", description="on or off")

    reach = field_control(Table, "reach", "x.reach", "x", 0.25)
    assert (reach.kind, reach.unit, reach.low, reach.high, reach.low_open, reach.high_open) == \
        ("slider", "share", 0.0, 1.0, True, True)
    assert 0 < reach.slider_low and reach.slider_high < 1  # excluded ends are not slider positions
    tables = field_control(Table, "tables", "x.tables", "x", 3)
    assert tables.integer and (tables.slider_low, tables.slider_high) == (1.0, 12.0) and tables.step == 1
    assert field_control(Table, "mode", "x.mode", "x", True).kind == "switch"


def test_every_assumption_control_starts_at_the_scenario_value_inside_its_bounds():
    s = Scenario.from_toml(ROOT / "scenarios" / "default.toml")
    tables = assumption_controls(s)
    assert all(tables.values())
    for controls in tables.values():
        for c in controls:
            if c.kind == "slider":
                assert c.slider_low <= c.value <= c.slider_high, c
                assert c.low is None or c.value >= c.low
                assert c.high is None or c.value <= c.high
    assert [c.path for c in run_controls(s)] == ["market.audience", "days"]


def test_a_typed_value_is_parsed_or_named():
    c = field_control(Levers, "moments_posts", "strategy.levers.harvest.moments_posts", "harvest", 6.5)
    assert parse_typed(c, " 2 ") == 2.0
    with pytest.raises(ValueError, match="moments_posts: 'two' is not a number"):
        parse_typed(c, "two")


def test_a_value_out_of_range_gives_the_command_lines_message(small):
    with pytest.raises(ScenarioError, match=r"moments_posts: Input should be less than or equal to 100"):
        small.with_overrides({"strategy.levers.harvest.moments_posts": 500.0}, source="explorer settings")


def test_the_live_run_is_the_comparison_it_previews(small):
    """Same scenario, strategies, seed and replications: the live run's days and verdict are
    those of siyu.compare (common random numbers, replication i on seed stream i)."""
    live = LiveComparison(Settings(small, "harvest", "nurture", seed=7, replications=2))
    assert live.advance(1000) == small.days and live.finished
    c = siyu.compare(small, ["harvest", "nurture"], replications=2, seed=7)
    for strategy in live.strategies:
        for r in range(2):
            expected = c.daily[(c.daily["strategy"] == strategy) & (c.daily["replication"] == r)]["gmv"].to_numpy()
            np.testing.assert_array_equal(live.series("gmv")[strategy][:, r], expected)
    assert live.verdicts("en") == verdicts(c.summary, "en")
    assert live.verdicts("zh") == verdicts(c.summary, "zh")


def test_a_lever_of_one_side_leaves_the_other_sides_run_alone(small):
    base = LiveComparison(Settings(small, replications=1))
    moved = LiveComparison(Settings(small.with_overrides({"strategy.levers.harvest.moments_posts": 2.0}), replications=1))
    base.advance(30), moved.advance(30)
    np.testing.assert_array_equal(base.series("gmv")["nurture"], moved.series("gmv")["nurture"])
    assert not np.array_equal(base.series("pool")["harvest"], moved.series("pool")["harvest"])


def test_bad_settings_are_refused_before_any_day(small):
    with pytest.raises(SiyuInputError, match="replications: 6; expected 1-5"):
        LiveComparison(Settings(small, replications=6))
    with pytest.raises(SiyuInputError, match="both sides are 'harvest'"):
        LiveComparison(Settings(small, "harvest", "harvest"))
    with pytest.raises(SiyuInputError, match="unknown strategy 'harvset'; did you mean 'harvest'"):
        LiveComparison(Settings(small, "harvset", "nurture"))


def test_playback_draws_the_first_point_after_one_day_and_stops_when_told(small):
    live = LiveComparison(Settings(small))
    days_at_redraw = []
    clock = play(live, lambda: days_at_redraw.append(live.day))
    assert days_at_redraw[0] == 1 and days_at_redraw[-1] == small.days and live.finished
    assert clock.days == small.days and clock.first_point is not None and clock.days_per_second > 0
    stop = threading.Event()
    stop.set()
    again = LiveComparison(Settings(small))
    assert play(again, lambda: None, stop=stop).days == 0 and again.day == 0


def test_every_chart_draws_and_reads_out_its_last_day(small):
    live = LiveComparison(Settings(small, replications=2))
    live.advance(20)
    for name in CHARTS:
        fig = DRAW[name](live, "en")
        assert fig.data and all(len(t.x) for t in fig.data), name
        go.Figure(fig.to_dict())  # every property valid: plotly raises on one it does not know
        assert latest(live, name, "en").startswith("day 20: harvest "), name
        assert latest(live, name, "zh").startswith("第 20 天: harvest "), name


def test_charts_in_chinese_name_strategies_states_and_yuan_as_the_report_does(small):
    live = LiveComparison(Settings(small, replications=2))
    live.advance(30)
    legends = {name: {t.name for t in DRAW[name](live, "zh").data if t.showlegend is not False} for name in CHARTS}
    assert {"收割", "养护"} <= legends["cumulative_gmv"] and {"收割", "养护"} <= legends["profit"]
    assert {label(state, "zh") for state in ("active", "muted", "lost", "banned")} == legends["pool_states"]
    assert not any("harvest" in n or "nurture" in n for names in legends.values() for n in names)
    gmv = DRAW["cumulative_gmv"](live, "zh")
    ticks = list(gmv.layout.yaxis.ticktext)
    assert ticks and all(t == "0" or t.endswith("万") for t in ticks), ticks  # the report's 万/亿 ticks
    assert len(gmv.data) == 4  # a band and a mean line per strategy with two replications


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_saved_scenario_reads_back_as_the_one_on_screen(path, tmp_path):
    base = Scenario.from_toml(path)
    changes = {"strategy.levers.harvest.moments_posts": 2.0, "service.presale_rate": 0.03, "days": 200}
    out = save_scenario(base, changes, tmp_path / "saved.toml", path.name)
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# Saved from the siyu explorer, based on {path.name}.")
    assert "moments_posts = 2.0  # explorer: was 6.5" in text
    assert Scenario.from_toml(out).hash == base.with_overrides(changes).hash
    main(["validate", str(out)])  # returns on success (exit 0)


def test_saving_writes_only_what_the_base_file_writes_plus_the_changes():
    base = Scenario.from_toml(ROOT / "scenarios" / "default.toml")
    text = scenario_text(base, {"market.audience": 9000}, "default.toml")
    assert "audience = 9000  # explorer: was 60000" in text
    assert "handle_minutes" not in text  # a default the base file does not write stays unwritten


def test_saving_refuses_a_file_that_is_not_toml(tmp_path):
    with pytest.raises(SiyuInputError, match=r"expected a file name ending in \.toml"):
        save_scenario(Scenario(), {}, tmp_path / "saved.txt", "defaults")
    assert not (tmp_path / "saved.txt").exists()


def test_both_languages_have_the_same_words():
    assert set(EN) == set(ZH)


def test_explore_refuses_a_bad_scenario_before_serving(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[market]\naudience = -5\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["explore", str(bad), "--port", "1"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "bad.toml: market.audience" in err and "Traceback" not in err


def test_explore_refuses_a_language_it_does_not_speak(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["explore", "--lang", "fr"])
    assert exit_.value.code == 2 and "--lang: 'fr'; expected one of en, zh" in capsys.readouterr().err


def test_the_notebook_function_builds_the_page(small):
    element = siyu.explore(small)
    assert element.component.name == "Explorer"


def test_the_page_offers_the_shipped_scenarios_and_those_of_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text('name = "mine"\n', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    choices = scenario_choices(tmp_path)
    assert {p.name for p in SHIPPED} <= {Path(c).name for c in choices}
    assert "mine.toml" in choices and "notes.txt" not in choices
    assert open_scenario("mine.toml").name == "mine"
    assert open_scenario(SHIPPED[0]).hash == Scenario.from_toml(SHIPPED[0]).hash


@pytest.mark.parametrize("text", ['[market]\naudience = -5\n', 'days = "30"\n', '[strategy]\ndefault = "harvset"\n',
                                  'not toml at all ==='])
def test_a_scenario_that_fails_opens_with_the_command_lines_message(text, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["validate", "bad.toml"])
    assert exit_.value.code == 2
    cli = " ".join(capsys.readouterr().err.removeprefix("error: ").split())
    with pytest.raises(SiyuInputError) as exc:
        open_scenario("bad.toml")
    assert " ".join(str(exc.value).split()) == cli
    with pytest.raises(SiyuInputError, match="missing.toml: cannot read file"):
        open_scenario("missing.toml")


def _get(app, path: str) -> tuple[int, dict, bytes]:
    sent = []
    requests = iter([{"type": "http.request", "body": b"", "more_body": False}])

    async def receive():  # the request, then the client goes away (a response may wait for that)
        return next(requests, {"type": "http.disconnect"})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "root_path": "", "scheme": "http", "server": ("127.0.0.1", 80), "http_version": "1.1"}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_the_server_serves_the_last_report_and_hands_everything_else_to_the_page(tmp_path):
    pages = []

    async def page(scope, receive, send):
        pages.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    report = tmp_path / REPORT_FOLDER / "report.html"
    app = ExplorerServer(page, report)
    assert _get(app, REPORT_ROUTE)[0] == 404  # nothing written yet
    report.parent.mkdir()
    report.write_text("<html>报告</html>", encoding="utf-8")
    status, headers, body = _get(app, REPORT_ROUTE)
    assert status == 200 and body.decode() == "<html>报告</html>"
    assert headers["content-type"].startswith("text/html") and headers["cache-control"] == "no-store"
    assert _get(app, "/")[2] == b"page" and _get(app, "/siyu-report/comparison.json")[2] == b"page"
    assert pages == ["/", "/siyu-report/comparison.json"]  # only the report itself is served from the folder


@pytest.mark.parametrize("args", [["--set", "category.qualty=0.6"], ["--set", "category.quality=7"]])
def test_explore_refuses_a_bad_set_before_serving(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["explore", str(ROOT / "scenarios" / "default.toml"), "--port", "1", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "category.qual" in err and "Traceback" not in err


def test_a_set_on_the_command_line_is_part_of_the_explorers_base(tmp_path, monkeypatch):
    """``siyu explore FILE --set PATH=VALUE`` starts the page on the changed scenario, names
    the change with the base, and a save reproduces it (the --set key is written)."""
    from siyu.explorer.app import scenario_from_environment

    path = ROOT / "scenarios" / "default.toml"
    monkeypatch.setenv("SIYU_EXPLORE_SCENARIO", str(path))
    monkeypatch.setenv("SIYU_EXPLORE_SETS", '{"category.quality": 0.6}')
    base, name, _, _ = scenario_from_environment()
    assert base.category.quality == 0.6 and name.endswith("default.toml with --set category.quality=0.6")
    out = save_scenario(base, {"days": 200}, tmp_path / "saved.toml", name)
    assert Scenario.from_toml(out).hash == Scenario.from_toml(path).with_overrides(
        {"category.quality": 0.6, "days": 200}).hash
