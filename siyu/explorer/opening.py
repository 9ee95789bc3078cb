"""Opening another scenario from the explorer's page.

The page offers the scenarios that ship with siyu and the ``.toml`` files of the working
folder (where the explorer was started), or any path typed, relative paths read from the
working folder as on the command line. A file is read exactly as the command
line reads it (:func:`siyu.cli.common.load_scenario`, then the strategies it names), so a
file that fails shows the message ``siyu validate`` prints, and the page keeps the
scenario it had. :func:`ScenarioOpener` is the page's part for it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import solara

from siyu.cli.common import check_named_strategies, load_scenario
from sim.errors import SiyuInputError
from sim.scenario import Scenario


def shipped_folder() -> Path:
    """The folder of the scenarios that ship with siyu."""
    return Path(str(files("scenarios")))


def scenario_choices(folder: str | Path = ".") -> list[str]:
    """The scenario files the page offers: the shipped ones, then the ``.toml`` files of
    ``folder`` (written relative to it where they lie under it), each once."""
    folder = Path(folder).resolve()
    out: list[str] = []
    for path in [*sorted(shipped_folder().glob("*.toml")), *sorted(folder.glob("*.toml"))]:
        path = path.resolve()
        shown = str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)
        if shown not in out:
            out.append(shown)
    return out


def open_scenario(path: str | Path) -> Scenario:
    """The scenario in ``path`` (a relative path from the working folder, as on the command
    line), checked as ``siyu validate`` checks it; :class:`~sim.errors.SiyuInputError` with
    that command's message otherwise. Nothing else a file could raise is caught here: a
    problem the command line would report as a bug is one here too."""
    text = str(path).strip()
    if not text:
        raise SiyuInputError("scenario file: empty; expected the path of a .toml scenario file")
    target = Path(text).expanduser()
    scenario = load_scenario(target)
    check_named_strategies(scenario, target)
    return scenario


@solara.component
def ScenarioOpener(w: dict, folder, open_other):
    """Open another scenario: pick a shipped one or one of ``folder``, or type a path.
    ``open_other(path)`` opens it and returns the message to show when it cannot (``None``
    when it did); ``w`` are the page's words."""
    choices = scenario_choices(folder)  # read at each render: a file saved a moment ago is offered
    path = solara.use_reactive("")
    error = solara.use_reactive(None)

    def go(target: str):
        error.set(open_other(target))

    def picked(target: str):
        path.set(target)
        go(target)

    with solara.Details(w["open_scenario"]):
        with solara.Column(classes=["siyu-open"], gap="4px"):
            solara.Select(label=w["open_pick"], value=path.value if path.value in choices else None,
                          values=choices, on_value=picked, classes=["siyu-open-pick"])
            solara.InputText(w["open_path"], value=path, continuous_update=True, classes=["siyu-open-path"])
            solara.Button(w["open"], on_click=lambda: go(path.value), outlined=True, classes=["siyu-open-button"])
            if error.value:
                solara.Error(error.value, classes=["siyu-open-error"])
