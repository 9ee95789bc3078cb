"""`siyu report DIR`: recognise what kind of results a directory holds and build its page.

Each kind registers a *detector* (does this directory hold my results?) and a
*builder* (directory, language -> :class:`~reports.page.Page`). Comparisons are built
in; sweeps, sensitivity analyses and calibrations plug in the same way from the module
that writes them, e.g.::

    from reports.directory import register
    register("sweep", lambda d: (d / "manifest.json").is_file() and kind_of(d) == "sweep", sweep_page)

where ``sweep_page`` returns a ``Page`` whose sections hold its figures (response
curves with bands, Sobol indices, observed vs simulated) — :func:`figure_section`
turns a dict of plotly figures into such a section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import plotly.graph_objects as go

from reports.page import Page, Section, render_page
from sim.errors import SiyuInputError


@dataclass
class Kind:
    name: str
    detect: Callable[[Path], bool]
    build: Callable[[Path, str], Page]


_KINDS: list[Kind] = []


def register(name: str, detect: Callable[[Path], bool], build: Callable[[Path, str], Page]) -> None:
    """Add (or replace) a kind of result directory the report command understands."""
    _KINDS[:] = [k for k in _KINDS if k.name != name]
    _KINDS.append(Kind(name, detect, build))


def figure_section(section_id: str, title: str, figures: dict[str, go.Figure], lead: str = "") -> Section:
    """A report section from plotly figures (what each experiment analysis returns)."""
    return Section(section_id, title, lead, figures=dict(figures))


def manifest_kind(directory: Path) -> str | None:
    """The ``kind`` recorded in an experiment directory's ``manifest.json``, if any."""
    path = directory / "manifest.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("kind") or data.get("analysis") or data.get("type")
    return str(kind) if kind else None


def _comparison_page(directory: Path, lang: str) -> Page:
    from reports.compare_report import comparison_page
    from reports.loading import load_comparison

    return comparison_page(load_comparison(directory), lang)


register("comparison", lambda d: (d / "comparison.json").is_file(), _comparison_page)


def kinds() -> list[str]:
    """Names of the directory kinds understood, in detection order."""
    _load_plugins()
    return [k.name for k in _KINDS]


def _load_plugins() -> None:
    """Let experiment modules that exist register their report sections (optional)."""
    import importlib

    for module in ("reports.experiment_sections", "experiments.report_sections"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def build_page(directory: str | Path, lang: str = "en") -> Page:
    """The page for whatever results ``directory`` holds; exit-2 error if none is known."""
    d = Path(directory)
    if not d.is_dir():
        raise SiyuInputError(f"{d}: not a directory; expected a results directory (comparison, sweep, sensitivity or calibration)")
    _load_plugins()
    for kind in _KINDS:
        if kind.detect(d):
            return kind.build(d, lang)
    raise SiyuInputError(
        f"{d}: no results found; expected comparison.json (from `siyu compare`) or an experiment manifest.json "
        f"of a kind the report knows ({', '.join(k.name for k in _KINDS)})")


def report_directory(directory: str | Path, lang: str = "en") -> str:
    """The report HTML for ``directory``."""
    return render_page(build_page(directory, lang), lang)
