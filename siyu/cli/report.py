"""``siyu report DIR``: (re)build the HTML report of a results directory.

Exit 2 for a directory that holds no known results or an unknown language, with a
message naming the directory and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import typer

from reports.directory import report_directory
from reports.i18n import LANGUAGES
from siyu.cli.common import out, results_complete
from sim.errors import SiyuInputError
from sim.files import write_atomic


#: the report's languages (shown as choices in --help)
Language = Literal[LANGUAGES]


def _refuse_inputs(directory: Path, target: Path) -> None:
    """The report never replaces the results it is built from: inside DIR it may only
    write a new file or an earlier report (``report*.html``)."""
    t, d = target.resolve(), directory.resolve()
    if t.is_dir():
        raise SiyuInputError(f"--out {target}: is a directory; expected an HTML file to write")
    inside = d == t.parent or d in t.parents
    if inside and t.exists() and not (t.name.startswith("report") and t.suffix == ".html"):
        raise SiyuInputError(f"--out {target}: is one of the results in {directory} that the report reads; "
                             "expected a new file (e.g. DIR/report.html)")


def report(directory: Path = typer.Argument(..., metavar="DIR", help="results directory (from siyu compare, sweep, optimize, sensitivity or calibrate)"),
           lang: Language = typer.Option("en", "--lang", help="report language: en (English) or zh (Simplified Chinese)"),
           out_file: Optional[Path] = typer.Option(None, "--out", help="HTML file to write (default: DIR/report.html, or DIR/report.zh.html for --lang zh)")) -> None:
    """Write the self-contained HTML report of a results directory (works offline)."""
    if lang not in LANGUAGES:
        raise SiyuInputError(f"--lang: unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    target = out_file or directory / ("report.html" if lang == "en" else f"report.{lang}.html")
    _refuse_inputs(directory, target)
    html = report_directory(directory, lang)
    write_atomic(target, html)
    results_complete()
    size = len(html.encode("utf-8"))
    out.print(f"report: {target.resolve()} ({size / 1e6:.1f} MB)")
