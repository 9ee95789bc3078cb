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
from typer.core import TyperCommand, TyperGroup

from experiments.store import code_version
from siyu import INTERRUPTED, __version__, _interrupted_at_start
from siyu.cli import common, experiment_commands, explore, report, run, validate_model
from siyu.cli.common import console, is_interrupt, out
from sim.errors import SiyuInputError


def _flags_without_a_type(params: list) -> list:
    """Show a flag (``--force``, ``--help``) without a value type in help: a flag takes no
    value, so ``<bool>`` beside it would only mislead."""
    for p in params:
        if getattr(p, "is_bool_flag", False) and p.metavar is None:
            p.metavar = ""
    return params


class _Command(TyperCommand):
    """A subcommand, its flags shown by :func:`_flags_without_a_type`."""

    def get_params(self, ctx):
        return _flags_without_a_type(super().get_params(ctx))


class _Group(TyperGroup):
    """The ``siyu`` group, its flags shown by :func:`_flags_without_a_type`."""

    def get_params(self, ctx):
        return _flags_without_a_type(super().get_params(ctx))


def _show_version(value: bool) -> None:
    if value:
        out.print(f"siyu {__version__} (model code {code_version()})", highlight=False)
        raise typer.Exit()


app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, cls=_Group,
                  help="siyu (私域): simulate a brand's private pool and compare strategies.",
                  epilog="Example: siyu compare scenarios/default.toml --replications 20 --out reports/latest")


@app.callback()
def _siyu(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="print the version (and the model code's hash, which keys stored runs) "
                                            "and exit")) -> None:
    """siyu (私域): simulate a brand's private pool and compare strategies."""


#: one example per command, shown at the end of its --help
EXAMPLES = {
    "validate": "siyu validate scenarios/default.toml   (a sweep file too: siyu validate "
                "experiments/moments_frequency.toml)",
    "run": "siyu run scenarios/default.toml --strategy nurture --set category.quality=0.6 --out runs/q06 --csv",
    "compare": "siyu compare scenarios/default.toml --replications 20 --workers 2 --out reports/q06 --xlsx",
    "report": "siyu report reports/q06 --lang zh",
    "sweep": "siyu sweep experiments/moments_frequency.toml --workers 2 --out runs/moments_frequency",
    "sensitivity": "siyu sensitivity experiments/moments_frequency.toml --method morris --n 8 --out runs/morris",
    "optimize": "siyu optimize experiments/moments_frequency.toml --objective profit --constraint retention_90>=0.4 "
                "--strategy nurture --out runs/best_posts",
    "calibrate": "siyu calibrate scenarios/default.toml --series pool.csv --param category.purchase_cycle_days=20:120 "
                 "--out runs/fit",
    "validate-model": "siyu validate-model --quick --only diffusion,queue --out reports/validation",
    "explore": "siyu explore scenarios/default.toml --lang zh   (then open the address it prints)",
}
for _name, _function in (("validate", run.validate), ("run", run.run), ("compare", run.compare),
                         ("report", report.report), ("sweep", experiment_commands.sweep),
                         ("sensitivity", experiment_commands.sensitivity), ("optimize", experiment_commands.optimize),
                         ("calibrate", experiment_commands.calibrate), ("validate-model", validate_model.validate_model),
                         ("explore", explore.explore)):
    app.command(_name, cls=_Command, epilog=f"Example: {EXAMPLES[_name]}")(_function)



def _settle(argv: list[str] | None) -> None:
    """From here on the outcome is decided: as the process's entry point (``argv`` None),
    ignore a late Ctrl-C so it cannot cut the last words short or turn a finished command
    into a traceback at exit; a caller in the same process keeps its own handler."""
    if argv is None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet_shutdown() -> None:
    """After an interrupt the user has been told what happened; the standard library's exit
    handlers may still fail while the interpreter shuts down (a process pool's wake-up pipe,
    already closed by the interrupt: "Bad file descriptor"), and must not print a traceback."""
    sys.unraisablehook = lambda unraisable: None


def _leave(argv: list[str] | None, code: int, message: str | None = None) -> None:
    """Say the one last thing and exit with ``code``."""
    _settle(argv)
    if code == 130 and argv is None:
        _quiet_shutdown()
    if message is not None:
        console.print(message, markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: input errors exit 2 without a traceback, internal errors 1,
    Ctrl-C at any moment 130 with one line (:data:`siyu.INTERRUPTED`). Once the command
    has returned, its results are complete, and a late Ctrl-C no longer changes the exit."""
    common.entry_point = argv is None
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
        if is_interrupt(exc):
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
