"""The explorer: a live, in-browser view of two strategies side by side, with sliders.

``siyu explore SCENARIO`` serves it (Solara, on 127.0.0.1); in a notebook
``siyu.explore(scenario)`` shows the same page inline. Its parts: the controls read off
the scenario schema (:mod:`~siyu.explorer.controls`), the two strategies stepped with
common random numbers (:mod:`~siyu.explorer.live`, :mod:`~siyu.explorer.playback`), the
charts the browser draws (:mod:`~siyu.explorer.charts`), saving the settings as a scenario
file (:mod:`~siyu.explorer.saving`), opening another scenario
(:mod:`~siyu.explorer.opening`), the page (:mod:`~siyu.explorer.app`) and the server that
serves it and the full report (:mod:`~siyu.explorer.server`).
"""

from __future__ import annotations

from pathlib import Path

from siyu.explorer.app import Explorer
from sim.scenario import Scenario


def explore(scenario: Scenario | str | Path, lang: str = "en", out_dir: str | Path = "."):
    """The explorer for ``scenario`` (a :class:`~sim.scenario.Scenario` or a TOML file) as a
    Solara element: the last expression of a notebook cell shows it inline, live."""
    name = str(scenario) if not isinstance(scenario, Scenario) else scenario.name
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    return Explorer(scenario, name, lang, out_dir)


__all__ = ["explore"]
