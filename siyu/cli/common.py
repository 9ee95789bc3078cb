"""What every ``siyu`` command shares: the consoles, the progress bar, the options that
mean the same in every command, and loading a scenario (and a user's strategies)."""

from __future__ import annotations

import signal
import tomllib
from pathlib import Path
from typing import List, Literal, Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from agents.strategy import Strategy, get_strategy, load_strategy_module
from experiments import numbers
from experiments.executors import KINDS as EXECUTOR_KINDS
from reports.i18n import LANGUAGES
from sim import state
from sim.errors import ScenarioError, SiyuInputError
from sim.scenario import Scenario

#: the width a table may take when the output is a pipe or a file: wide enough that no
#: column is clipped (a terminal's own width applies only to a terminal)
PIPE_WIDTH = 1000


def _console(stderr: bool = False) -> Console:
    """A console for stdout or stderr; in a pipe, as wide as :data:`PIPE_WIDTH`."""
    c = Console(stderr=stderr)
    return c if c.is_terminal else Console(stderr=stderr, width=PIPE_WIDTH)


console = _console(stderr=True)
out = _console()

#: set by the console entry point (:func:`siyu.cli.main`): this process is the command, so
#: its Ctrl-C handling is ours to change; a caller running commands in-process keeps its own
entry_point = False


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C, however it surfaced: as itself, as click's Abort, or as the SystemError a
    compiled (numba) function reports when the interrupt lands inside it."""
    if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "Abort":
        return True
    seen = set()
    while isinstance(exc, SystemError) and id(exc) not in seen:
        seen.add(id(exc))
        nxt = exc.__cause__ or exc.__context__
        if isinstance(nxt, KeyboardInterrupt):
            return True
        exc = nxt
    return False


def results_complete() -> None:
    """Call right after a command's last result file is written. From there a Ctrl-C could
    only cut the closing summary short and leave complete results under exit 130, which a
    rerun would then refuse to overwrite; as the entry point, ignore it (exit 0)."""
    if entry_point:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


#: the strategies siyu ships (registered when the package loads), named in the help of the
#: options that take a strategy; a user's own come with --strategies-from
SHIPPED_STRATEGIES = ", ".join(sorted(Strategy.registry))

StrategiesFrom = typer.Option(None, "--strategies-from", help="Python file defining your own Strategy classes (loaded before the run).")
CheckInvariants = typer.Option(False, "--check", help="assert the model invariants after every simulated day (slower; for debugging)")
Force = typer.Option(False, "--force", help="overwrite results already in the output directory")
Workers = typer.Option(1, "--workers", min=1, max=1024, help="worker processes (process pool) or LocalCluster workers (dask)")
ExecutorOpt = typer.Option("process", "--executor", help="process (a pool on this machine) or dask (a Dask cluster)")
#: where runs execute (:data:`experiments.executors.KINDS`; shown as choices in --help)
ExecutorKind = Literal[EXECUTOR_KINDS]
Address = typer.Option(None, "--address", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
SetValues = typer.Option(None, "--set", metavar="PATH=VALUE",
                         help="change one scenario value, as a sweep file would (repeatable): "
                              "--set category.quality=0.6 --set 'public_channels[douyin].cost_per_contact=1.2' "
                              "--set strategy.levers.nurture.staff=4; VALUE is a TOML value (true, 3, 0.5, \"text\")")


def _schema_range(field: str) -> tuple[int, int]:
    """The bounds the scenario schema puts on a top-level integer field."""
    meta = Scenario.model_fields[field].metadata
    return next(m.ge for m in meta if hasattr(m, "ge")), next(m.le for m in meta if hasattr(m, "le"))


# checked as an option (an error names --days), within the scenario's own bounds
Days = typer.Option(None, "--days", min=_schema_range("days")[0], max=_schema_range("days")[1],
                    help="horizon in days (default: the scenario's)")
Csv = typer.Option(False, "--csv", help="also write the tables as CSV files (UTF-8, opens in Excel and WPS)")
Xlsx = typer.Option(False, "--xlsx", help="also write an Excel workbook (.xlsx) of the results, the daily means "
                                          "and the assumptions")
#: the language of a command's HTML pages, as ``siyu report --lang`` takes it (choices in --help)
Language = Literal[LANGUAGES]
Lang = typer.Option("en", "--lang", help="report language: en (English) or zh (Simplified Chinese)")
Resume = typer.Option(False, "--resume", help="add to the experiment in --out (without SWEEP: resume it from its manifest)")


def load_scenario(scenario: Path, strategies_from: Optional[Path] = None,
                  sets: Optional[List[str]] = None) -> Scenario:
    """The scenario file, after loading the user's strategies (if any), with ``--set`` changes."""
    if strategies_from is not None:
        load_strategy_module(strategies_from)
    s = Scenario.from_toml(scenario)
    s = s.with_overrides(parse_sets(sets), source="--set") if sets else s
    if s.start.state is not None:  # a saved pool is read and checked before anything runs
        state.check_fits(s, s.start.state, scenario)
    return s


def parse_sets(sets: Optional[List[str]]) -> dict:
    """``["PATH=VALUE", ...]`` as ``{path: value}``; VALUE is read as a TOML value, and a
    bare word that is not one (``--set category.name=skincare``) as text."""
    out = {}
    for item in sets or []:
        path, eq, text = item.partition("=")
        if not eq or not path.strip():
            raise SiyuInputError(f"--set {item!r}: expected PATH=VALUE, e.g. --set category.quality=0.6")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        out[path.strip()] = value
    if isinstance(out.get("start.state"), str):
        out["start.state"] = saved_pool_on_command_line(out["start.state"])
    return out


def saved_pool_on_command_line(name: str) -> str:
    """``--set start.state=FILE``: a path given on the command line is relative to the working
    folder (one written in a scenario file is relative to that file); the absolute path of the
    file, or exit 2 naming the option and field when there is none."""
    saved = Path(name)
    try:
        found = saved.is_file()
    except (OSError, ValueError):  # a name no file system takes (too long, a NUL byte)
        found = False
    if not found:
        raise SiyuInputError(f"--set start.state: '{name}' is not a file (looked for {saved.absolute()}, relative to "
                             "the working folder); expected a pool written by siyu run --save-state")
    return str(saved.resolve())


def check_named_strategies(s: Scenario, path: Path, only: Optional[str] = None) -> None:
    """Strategies a scenario file names must be registered (shipped, or loaded with
    --strategies-from): a data file names code, it never supplies it."""
    named = {"strategy.default": s.strategy.default} if only is None else {only: s.strategy.default}
    if only is None:
        named |= {f"strategy.levers.{k}": k for k in s.strategy.levers if k != "all"}
    named |= {f"strategy.schedule[{i}].name": e.name for i, e in enumerate(s.strategy.schedule)}
    if s.start.strategy is not None:
        named["start.strategy"] = s.start.strategy
    for field, name in named.items():
        try:
            get_strategy(name)
        except SiyuInputError as exc:
            raise ScenarioError(path, field, f"{exc}; a user strategy is loaded with --strategies-from FILE") from None


def progress_bar() -> Progress:
    """The rich progress bar every long command shows: done / total, elapsed, ETA."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console)


def fmt(v, name: str = "") -> str:
    """A table cell: a value of the outcome ``name`` formatted by its kind
    (:mod:`experiments.numbers`), any other number plainly, text as it is."""
    if v is None or isinstance(v, (float, np.floating)) and v != v:
        return numbers.value(None, name)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return numbers.value(int(v), name)
    if isinstance(v, (float, np.floating)):
        return numbers.value(float(v), name)
    return str(v)


def csv_list(text: Optional[str]) -> Optional[list[str]]:
    return [x.strip() for x in text.split(",") if x.strip()] if text else None
