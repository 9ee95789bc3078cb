"""The ``siyu`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (a message naming the file, the field and what was
expected; no traceback), 130 interrupted, 1 an internal error. Every command is a
function in one of this package's modules, registered on :data:`app` here.
"""

from __future__ import annotations

import signal
import sys

import typer
from rich.markup import escape

from siyu import INTERRUPTED, _interrupted_at_start
from siyu.cli import experiment_commands, explore, report, run, validate_model
from siyu.cli.common import console
from sim.errors import SiyuInputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="siyu (私域): simulate a brand's private pool and compare strategies.")

app.command("validate")(run.validate)
app.command("run")(run.run)
app.command("compare")(run.compare)
app.command("report")(report.report)
app.command("sweep")(experiment_commands.sweep)
app.command("sensitivity")(experiment_commands.sensitivity)
app.command("optimize")(experiment_commands.optimize)
app.command("calibrate")(experiment_commands.calibrate)
app.command("validate-model")(validate_model.validate_model)
app.command("explore")(explore.explore)


def _is_interrupt(exc: BaseException) -> bool:
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


def _settle(argv: list[str] | None) -> None:
    """From here on the outcome is decided: as the process's entry point (``argv`` None),
    ignore a late Ctrl-C so it cannot cut the last words short or turn a finished command
    into a traceback at exit; a caller in the same process keeps its own handler."""
    if argv is None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _leave(argv: list[str] | None, code: int, message: str | None = None) -> None:
    """Say the one last thing and exit with ``code``."""
    _settle(argv)
    if message is not None:
        console.print(message, markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: input errors exit 2 without a traceback, internal errors 1,
    Ctrl-C at any moment 130 with one line (:data:`siyu.INTERRUPTED`). Once the command
    has returned, its results are complete, and a late Ctrl-C no longer changes the exit."""
    if signal.getsignal(signal.SIGINT) is _interrupted_at_start:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = app(args=argv, standalone_mode=False)
        _settle(argv)
    except SiyuInputError as exc:
        _settle(argv)
        # user text (file names, keys, values) may contain [brackets]: never markup
        console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(2)
    except SystemExit:
        _settle(argv)
        raise
    except BaseException as exc:
        if _is_interrupt(exc):
            _leave(argv, 130, INTERRUPTED)
        if not isinstance(exc, Exception):
            raise
        # usage errors (bad option values) from typer's click carry their own exit code;
        # typer may vendor click, so recognise them by shape rather than by class
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            _settle(argv)
            exc.show()
            sys.exit(exc.exit_code)
        console.print_exception()
        _leave(argv, 1)
    if isinstance(code, int) and code != 0:  # typer returns Ctrl-C (130) and explicit exits as a code
        _leave(argv, code, INTERRUPTED if code == 130 else None)
