"""The explorer's page (Solara): controls on the left, both strategies live on the right.

:func:`Explorer` is the whole page, on one base scenario at a time (another can be opened
from the page); ``siyu explore`` serves :func:`Page` (starting on the scenario named by
``SIYU_EXPLORE_SCENARIO``, the full report served beside it by :mod:`siyu.explorer.server`),
a notebook shows :func:`Explorer` inline (``siyu.explore(scenario)``). Every change of a
control becomes a dotted-path override of the base scenario (:meth:`Scenario.with_overrides`); a change
the schema refuses shows the same message the command line prints and leaves the last
good run on screen. Charts are plotly figures the browser draws
(:mod:`siyu.explorer.charts`) with the plotly.js of the installed plotly package, served by
this machine like every other asset, so nothing is fetched from outside the machine.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import solara

from agents.strategy import Strategy
from reports.i18n import labels
from siyu.comparison import compare
from siyu.explorer.charts import CHARTS, DRAW, WIDTH, latest
from siyu.explorer.controls import Control, assumption_controls, lever_controls, parse_typed, run_controls
from siyu.explorer.live import MAX_REPLICATIONS, LiveComparison, Settings
from siyu.explorer.opening import ScenarioOpener, open_scenario
from siyu.explorer.playback import play
from siyu.explorer.saving import save_scenario
from siyu.explorer.words import words
from sim.errors import SiyuInputError
from sim.files import write_atomic
from sim.scenario import Scenario
from sim.scenario.writing import toml_value

#: while playing, the verdict is recomputed every this many days (and whenever play stops)
VERDICT_EVERY = 30
#: replications the "full report" comparison runs by default
REPORT_REPLICATIONS = 10
#: the sub-folder of the output folder that holds the full report
REPORT_FOLDER = "explorer-report"
#: where ``siyu explore`` serves that report (:mod:`siyu.explorer.server`)
REPORT_ROUTE = "/siyu-report/report.html"


def _strategy_names(scenario: Scenario) -> list[str]:
    """Registered strategies the scenario can run (``schedule`` only with a schedule)."""
    return sorted(n for n in Strategy.registry if n != "schedule" or scenario.strategy.schedule)


def _default_sides(names: list[str]) -> tuple[str, str]:
    if "harvest" in names and "nurture" in names:
        return "harvest", "nurture"
    return names[0], names[1]


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@solara.component
def NumberControl(control: Control, value, on_change, lang: str):
    """A slider over the control's practical range and a field for any value in its bounds."""
    t = labels(lang)
    unit = t.get(f"u_{control.unit}", control.unit)
    typed_error = solara.use_reactive(None)

    def typed(text):
        try:
            on_change(parse_typed(control, text or ""))
            typed_error.set(None)
        except ValueError as exc:
            typed_error.set(str(exc))

    shown = min(max(value, control.slider_low), control.slider_high)

    def slid(v):
        # the slider reports its own snapping to the step grid as a move; only a real move counts
        if abs(v - shown) >= control.step / 2:
            on_change(v)
    with solara.Column(gap="0px", classes=["siyu-control"], style={"margin-bottom": "6px"}):
        with solara.Tooltip(control.description):
            solara.Text(f"{control.label} ({unit})", style={"font-size": "0.85em"})
        with solara.Row(gap="6px", style={"align-items": "center"}):
            slider = solara.SliderInt if control.integer else solara.SliderFloat
            with solara.Column(style={"flex": "1 1 auto", "min-width": "120px"}):
                slider(label="", value=shown, min=control.slider_low, max=control.slider_high, step=control.step,
                       on_value=slid, thumb_label=False)
            solara.InputText(label="", value=_shown(value), on_value=typed, continuous_update=False, dense=True,
                             style={"max-width": "90px"}, classes=[f"siyu-field-{control.path}"],
                             error=typed_error.value or False)


@solara.component
def ControlPanel(controls: list[Control], changes: dict, set_value, lang: str):
    for c in controls:
        value = changes.get(c.path, c.value)
        on_change = (lambda v, c=c: set_value(c, v))
        if c.kind == "switch":
            with solara.Tooltip(c.description):
                solara.Switch(label=c.label, value=bool(value), on_value=on_change)
        elif c.kind == "select":
            solara.Select(label=c.label, value=str(value), values=list(c.choices), on_value=on_change)
        else:
            NumberControl(c, value, on_change, lang)


@solara.component
def Chart(name: str, live: LiveComparison, day: int, lang: str):
    """One live chart (a plotly figure the browser draws), its title as page text, and its
    last points in words."""
    w = words(lang)

    def draw():
        with live.lock:
            return DRAW[name](live, lang)

    figure = solara.use_memo(draw, dependencies=[id(live), day, lang])
    caption = solara.use_memo(lambda: latest(live, name, lang), dependencies=[id(live), day, lang])
    with solara.Column(classes=["siyu-chart", f"siyu-chart-{name}"], gap="0px",
                       style={"width": "49%", "min-width": f"{WIDTH}px"}):
        solara.Text(w[f"chart_{name}"], style={"font-weight": "bold", "font-size": "0.9em"})
        solara.FigurePlotly(figure, dependencies=[id(live), day, lang])
        solara.Text(caption, classes=["siyu-latest"], style={"font-size": "0.8em", "color": "#444"})


@solara.component
def Explorer(base: Scenario, base_name: str = "scenario", lang: str = "en", out_dir: str | Path = ".",
             report_url: str | None = None, folder: str | Path = "."):
    """The explorer, starting on ``base`` (named ``base_name`` in saved files);
    ``out_dir`` is where saved scenarios and reports go by default. ``report_url`` is where
    the server serves the full report (a link opens it in a new tab); without one (a
    notebook) the report is offered as a download. Another scenario can be opened from
    the page: the shipped ones, the ``.toml`` files of ``folder`` (the working folder), or a
    path."""
    language = solara.use_reactive(lang)
    w = words(language.value)
    # the scenario on screen, its name in saved files, and how many scenarios were opened since
    opened = solara.use_reactive((base, base_name, 0))
    base, base_name, times_opened = opened.value
    names = solara.use_memo(lambda: _strategy_names(base), [id(base)])
    first_default, second_default = _default_sides(names)
    first, second = solara.use_reactive(first_default), solara.use_reactive(second_default)
    seed, replications = solara.use_reactive(base.seed), solara.use_reactive(1)
    changes = solara.use_reactive({})
    generation = solara.use_reactive(0)  # Reset: the same settings from day 0
    playing = solara.use_reactive(False)
    day = solara.use_reactive(0)
    rate = solara.use_reactive(None)
    problem = solara.use_reactive(None)
    last_good = solara.use_ref(None)
    message = solara.use_reactive(None)
    report = solara.use_reactive({"state": "idle"})

    key = (id(base), tuple(sorted(changes.value.items())), first.value, second.value, seed.value,
           replications.value, generation.value)

    def build():
        try:
            scenario = base.with_overrides(dict(changes.value), source="explorer settings") if changes.value else base
            live = LiveComparison(Settings(scenario, first.value, second.value, seed.value, replications.value))
        except SiyuInputError as exc:
            return None, f"error: {exc}"
        return live, None

    built, error = solara.use_memo(build, dependencies=[key])
    if built is not None:
        last_good.current = built
    live: LiveComparison | None = built or last_good.current

    def show_problem():
        problem.set(error)
        day.set(live.day if live is not None else 0)

    solara.use_effect(show_problem, [key])

    def run_loop(cancel: threading.Event):
        if not playing.value or built is None:
            return
        clock = play(built, lambda: day.set(built.day), stop=cancel)
        rate.set(clock.days_per_second)
        if built.finished:
            playing.set(False)

    looping = solara.use_thread(run_loop, dependencies=[id(built), playing.value], intrusive_cancel=False)

    def open_other(path: str) -> str | None:
        """Open the scenario in ``path``: every control back to that scenario's values, the
        run back to day 0; the command line's message (and nothing changed) if it fails."""
        try:
            new = open_scenario(path)
        except SiyuInputError as exc:
            return f"error: {exc}"
        playing.set(False)
        changes.set({})
        sides = _default_sides(_strategy_names(new))
        first.set(sides[0])
        second.set(sides[1])
        seed.set(new.seed)
        replications.set(1)
        report.set({"state": "idle"})
        message.set(None)
        opened.set((new, path, times_opened + 1))
        generation.set(generation.value + 1)
        return None

    def set_value(control: Control, value):
        new = dict(changes.value)
        if value == control.value:
            new.pop(control.path, None)
        else:
            new[control.path] = value
        changes.set(new)

    def step():
        if built is not None:
            built.advance(1)
            day.set(built.day)

    def reset():
        playing.set(False)
        generation.set(generation.value + 1)

    def save(path):
        target = Path(path)
        try:
            scenario_changes = dict(changes.value)
            written = save_scenario(base, scenario_changes, target, base_name)
            message.set(("success", w["saved"].format(path=written)))
        except SiyuInputError as exc:
            message.set(("error", f"error: {exc}"))

    def full_report(reps: int):
        if live is None:
            return
        settings = live.settings
        total = 2 * reps
        report.set({"state": "running", "done": 0, "total": total})
        done = [0]

        def progress():
            done[0] += 1
            report.set({"state": "running", "done": done[0], "total": total})

        def work():
            try:
                c = compare(settings.scenario, [settings.first, settings.second], replications=reps, seed=settings.seed,
                            on_run_done=progress)
                target = Path(out_dir) / REPORT_FOLDER
                html = c.report(language.value)
                c.write(target, report=False)
                path = write_atomic(target / "report.html", html)
                report.set({"state": "done", "path": str(path), "html": html, "written": time.time_ns()})
            except SiyuInputError as exc:
                report.set({"state": "error", "text": f"error: {exc}"})

        threading.Thread(target=work, daemon=True, name="siyu-explorer-report").start()

    # --- page -------------------------------------------------------------------
    solara.Style(".siyu-controls .v-input__slot { margin-bottom: 0 } .siyu-controls .v-messages { min-height: 0 }")
    with solara.Column(classes=["siyu-explorer"], style={"padding": "8px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"{w['title']} · {base.name}", style={"font-size": "1.3em", "font-weight": "bold"})
            solara.Button(w["language"], on_click=lambda: language.set("zh" if language.value == "en" else "en"),
                          text=True, classes=["siyu-language"])
            if live is not None:
                solara.Text(w["day_of"].format(day=day.value if built is not None else live.day, days=live.days),
                            classes=["siyu-day"])
            if rate.value:
                solara.Text(w["speed"].format(rate=rate.value), style={"color": "#666", "font-size": "0.85em"})
        with solara.Columns([1, 3]):
            with solara.Column(classes=["siyu-controls"], style={"max-height": "92vh", "overflow-y": "auto"}):
                with solara.Row():
                    solara.Button(w["pause"] if playing.value else w["play"], color="primary",
                                  on_click=lambda: playing.set(not playing.value), classes=["siyu-play"],
                                  disabled=built is None or built.finished)
                    solara.Button(w["step"], on_click=step, disabled=playing.value or built is None,
                                  classes=["siyu-step"])
                    solara.Button(w["reset"], on_click=reset, classes=["siyu-reset"])
                solara.Select(label=w["first"], value=first.value, values=names, on_value=first.set)
                solara.Select(label=w["second"], value=second.value, values=names, on_value=second.set)
                solara.SliderInt(w["replications"], value=replications.value, min=1, max=MAX_REPLICATIONS,
                                 on_value=replications.set, tick_labels="end_points")
                solara.InputInt(w["seed"], value=seed.value, on_value=seed.set, continuous_update=False)
                ScenarioOpener(w, folder, open_other)
                # the controls of another scenario are new controls (keyed by the opening): a
                # slider kept from the last scenario would report its old position as a move
                with solara.Details(w["t_run"], expand=True):
                    ControlPanel(run_controls(base), changes.value, set_value, language.value).key(
                        f"run-{times_opened}")
                for side in (first.value, second.value):
                    with solara.Details(w["levers_of"].format(strategy=side), expand=side == first.value):
                        ControlPanel(lever_controls(base, side), changes.value, set_value, language.value).key(
                            f"levers-{side}-{times_opened}")
                for table, controls in assumption_controls(base).items():
                    with solara.Details(w["assumptions_of"].format(table=w[f"t_{table}"])):
                        ControlPanel(controls, changes.value, set_value, language.value).key(
                            f"{table}-{times_opened}")
                SaveAndReport(w, out_dir, save, full_report, report.value, message.value, report_url)
            with solara.Column():
                # messages come and go inside a column of their own: the charts after it keep
                # their place in the page, so their widgets are updated, never rebuilt
                with solara.Column(gap="0px"):
                    if problem.value:
                        solara.Error(problem.value, classes=["siyu-problem"])
                    if looping.error is not None:
                        solara.Error(f"error: {looping.error}", classes=["siyu-problem"])
                if live is not None:
                    Verdict(live, day.value if built is not None else live.day, language.value,
                            playing.value and not live.finished)
                    with solara.Row(style={"flex-wrap": "wrap"}):
                        for name in CHARTS:
                            Chart(name, live, day.value if built is not None else live.day, language.value)
                    if live.settings.replications > 1:
                        solara.Text(w["bands"], style={"color": "#666", "font-size": "0.85em"})


@solara.component
def Verdict(live: LiveComparison, day: int, lang: str, playing: bool):
    """The comparison's own verdict sentences on the days so far."""
    w = words(lang)
    shown_day = day - day % VERDICT_EVERY if playing else day
    sentences = solara.use_memo(lambda: live.verdicts(lang) if shown_day else [],
                                dependencies=[id(live), shown_day, lang])
    with solara.Column(classes=["siyu-verdict"], gap="2px"):
        if not sentences:
            solara.Text(w["verdict_waiting"])
            return
        solara.Text(w["verdict_so_far"].format(day=shown_day, days=live.days), style={"color": "#666"})
        for line in sentences:
            solara.Text("• " + line)


@solara.component
def SaveAndReport(w: dict, out_dir, save, full_report, report: dict, message, report_url: str | None = None):
    """Leave with something: the settings as a scenario file, or the full report."""
    path = solara.use_reactive(str(Path(out_dir) / "explorer-scenario.toml"))
    reps = solara.use_reactive(REPORT_REPLICATIONS)
    with solara.Column(style={"margin-top": "12px"}):
        solara.InputText(w["save_path"], value=path, continuous_update=True, classes=["siyu-save-path"])
        solara.Button(w["save_as"], on_click=lambda: save(path.value), classes=["siyu-save"], outlined=True)
        if message is not None:
            kind, text = message
            (solara.Success if kind == "success" else solara.Error)(text, classes=["siyu-save-message"])
        with solara.Column(classes=["siyu-report-replications"]):
            solara.SliderInt(w["report_replications"], value=reps, min=2, max=50)
        solara.Button(w["full_report"], on_click=lambda: full_report(reps.value), classes=["siyu-report"],
                      outlined=True, disabled=report["state"] == "running")
        if report["state"] == "running":
            solara.ProgressLinear(100 * report["done"] / report["total"])
            solara.Text(w["report_running"].format(done=report["done"], total=report["total"]))
        elif report["state"] == "done":
            solara.Success(w["report_done"].format(path=report["path"]))
            if report_url is not None:
                # a link the reader clicks: browsers block tabs a page opens on its own
                solara.Button(w["open_report"], href=f"{report_url}?v={report['written']}", target="_blank",
                              color="primary", classes=["siyu-open-report"])
            else:
                solara.FileDownload(report["html"], filename="report.html", label=w["open_report"],
                                    mime_type="text/html")
        elif report["state"] == "error":
            solara.Error(report["text"])


def scenario_from_environment() -> tuple[Scenario, str, str, str]:
    """The base scenario, its name, the language and the output folder ``siyu explore``
    hands the server (``SIYU_EXPLORE_SCENARIO``, ``SIYU_EXPLORE_LANG``, ``SIYU_EXPLORE_OUT``;
    ``SIYU_EXPLORE_SETS``, the command line's ``--set`` changes as JSON, already checked:
    they are part of the base, and the base's name says so)."""
    path = os.environ.get("SIYU_EXPLORE_SCENARIO")
    scenario = Scenario.from_toml(path) if path else Scenario()
    name = path or "the schema's defaults"
    sets = json.loads(os.environ.get("SIYU_EXPLORE_SETS") or "{}")
    if sets:
        scenario = scenario.with_overrides(sets, source="--set")
        name += " with --set " + ", ".join(f"{p}={toml_value(v)}" for p, v in sets.items())
    return scenario, name, os.environ.get("SIYU_EXPLORE_LANG", "en"), os.environ.get("SIYU_EXPLORE_OUT", ".")


@solara.component
def Page():
    """What the server shows: the explorer for the scenario ``siyu explore`` was given."""
    scenario, name, lang, out_dir = solara.use_memo(scenario_from_environment, [])
    solara.Title("siyu explorer")
    Explorer(scenario, name, lang, out_dir, report_url=REPORT_ROUTE, folder=os.getcwd())
