"""`siyu report DIR`: recognise what kind of results a directory holds and build its page.

Each kind is a *detector* (does this directory hold my results?) and a *builder*
(directory, language -> :class:`~reports.page.Page`), listed in :data:`KINDS` in the
order they are tried. A new kind of experiment adds its page module and one entry here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reports.calibration_page import calibration_page, is_calibration
from reports.compare_report import comparison_page
from reports.experiment_sections import sensitivity_page, sweep_page
from reports.loading import load_comparison
from reports.optimize_page import optimize_page
from reports.page import Page, render_page
from sim.errors import SiyuInputError


@dataclass(frozen=True)
class Kind:
    name: str
    detect: Callable[[Path], bool]
    build: Callable[[Path, str], Page]


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
    kind = data.get("kind")
    return str(kind) if kind else None


#: the kinds of results directory the report understands, in detection order
KINDS = (
    Kind("comparison", lambda d: (d / "comparison.json").is_file(),
         lambda d, lang: comparison_page(load_comparison(d), lang)),
    Kind("sweep", lambda d: manifest_kind(d) == "sweep", sweep_page),
    Kind("optimize", lambda d: manifest_kind(d) == "optimize", optimize_page),
    Kind("sensitivity", lambda d: manifest_kind(d) == "sensitivity", sensitivity_page),
    Kind("calibration", is_calibration, calibration_page),
)


def kinds() -> list[str]:
    """Names of the directory kinds understood, in detection order."""
    return [k.name for k in KINDS]


def build_page(directory: str | Path, lang: str = "en") -> Page:
    """The page for whatever results ``directory`` holds; exit-2 error if none is known."""
    d = Path(directory)
    if not d.is_dir():
        raise SiyuInputError(f"{d}: not a directory; expected a results directory (comparison, sweep, optimize, sensitivity or calibration)")
    for kind in KINDS:
        if kind.detect(d):
            return kind.build(d, lang)
    raise SiyuInputError(
        f"{d}: no results found; expected comparison.json (from `siyu compare`) or an experiment manifest.json "
        f"of a kind the report knows ({', '.join(kinds())})")


def report_directory(directory: str | Path, lang: str = "en") -> str:
    """The report HTML for ``directory``."""
    return render_page(build_page(directory, lang), lang)
