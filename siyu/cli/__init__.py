"""The ``siyu`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (a message naming the file, the field and what was
expected; no traceback), 130 interrupted, 1 an internal error. Every command is a
function in one of this package's modules, registered on :data:`app` here.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from siyu.cli import experiment_commands, report, run, validate_model
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


def main(argv: list[str] | None = None) -> None:
    """Console entry point: input errors exit 2 without a traceback, internal errors 1."""
    try:
        code = app(args=argv, standalone_mode=False)
    except SiyuInputError as exc:
        # user text (file names, keys, values) may contain [brackets]: never markup
        console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        # usage errors (bad option values) from typer's click carry their own exit code;
        # typer may vendor click, so recognise them by shape rather than by class
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            console.print("interrupted")
            sys.exit(130)
        console.print_exception()
        sys.exit(1)
    if isinstance(code, int) and code != 0:  # typer returns Ctrl-C (130) and explicit exits as a code
        if code == 130:
            console.print("interrupted")
        sys.exit(code)
