"""siyu (私域): simulate a brand's private pool and compare how to run it.

The façade users import (``import siyu``); the command line is ``siyu`` (or
``python -m siyu``)::

    import siyu
    scenario = siyu.Scenario.from_toml("scenarios/default.toml")
    result = siyu.simulate(scenario, "nurture", seed=1)          # one run
    c = siyu.compare(scenario, ["harvest", "nurture"], replications=20, workers=2)
    c.summary["difference"]["gmv_365"]; c.figures.cumulative_gmv()
    siyu.explore(scenario)            # the live explorer, inline in a notebook (siyu explore in a shell)

Underneath: the engine (:mod:`sim`), strategies and agents (:mod:`agents`), experiments
(:mod:`experiments`) and reports (:mod:`reports`); each layer imports only the layers
below it (ARCHITECTURE.md).
"""

import os
import signal
import sys

#: what every command prints, as its only line, when Ctrl-C stops it (exit 130)
INTERRUPTED = "interrupted; rerun (with --resume where it applies) to finish"


def _started_as_cli() -> bool:
    """True while ``siyu ...`` or ``python -m siyu ...`` is starting (not an import by a library user)."""
    argv = getattr(sys, "orig_argv", sys.argv)
    if os.path.basename(sys.argv[0] if sys.argv else "") == "siyu":
        return True
    return "-m" in argv[:-1] and argv[argv.index("-m") + 1] == "siyu"


def _interrupted_at_start(signum, frame) -> None:
    # nothing is written before the command starts: leaving at once is safe, and a
    # KeyboardInterrupt raised inside an import would print a traceback
    os.write(2, (INTERRUPTED + "\n").encode())
    os._exit(130)


# the command line's start-up (these imports take about a second) is interruptible
# without a traceback; siyu.cli.main hands Ctrl-C back to Python once it starts
if _started_as_cli() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_at_start)

from agents.play import simulate  # noqa: E402  (after the start-up handler, on purpose)
from agents.strategy import Strategy, get_strategy, load_strategy_module, make_strategy  # noqa: E402
from experiments.store import code_version, load  # noqa: E402
from siyu.comparison import Comparison, compare, compare_plans  # noqa: E402
from sim import Levers, Result, Scenario, __version__  # noqa: E402

__all__ = ["INTERRUPTED", "Comparison", "Levers", "Result", "Scenario", "Strategy", "__version__", "code_version", "compare",
           "compare_plans", "explore", "get_strategy", "load", "load_strategy_module", "make_strategy", "simulate"]


def explore(scenario, lang: str = "en", out_dir="."):
    """The live explorer for ``scenario`` (a :class:`~sim.scenario.Scenario` or a TOML file)
    as a Solara element: the last expression of a notebook cell shows it inline, live
    (:func:`siyu.explorer.explore`)."""
    # loaded here, not at the top: Solara and its widgets take seconds to import, and every
    # command of the command line imports this package
    from siyu.explorer import explore as explorer
    return explorer(scenario, lang=lang, out_dir=out_dir)
