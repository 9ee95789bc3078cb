"""siyu (私域): simulate a brand's private pool and compare how to run it.

The façade users import (``import siyu``); the command line is ``siyu`` (or
``python -m siyu``)::

    import siyu
    scenario = siyu.Scenario.from_toml("scenarios/default.toml")
    result = siyu.simulate(scenario, "nurture", seed=1)          # one run
    c = siyu.compare(scenario, ["harvest", "nurture"], replications=20, workers=2)
    c.summary["difference"]["gmv_365"]; c.figures.cumulative_gmv()

Underneath: the engine (:mod:`sim`), strategies and agents (:mod:`agents`), experiments
(:mod:`experiments`) and reports (:mod:`reports`); each layer imports only the layers
below it (ARCHITECTURE.md).
"""

from agents.play import simulate
from agents.strategy import Strategy, get_strategy, load_strategy_module, make_strategy
from experiments.store import code_version, load
from siyu.comparison import Comparison, compare
from sim import Levers, Result, Scenario, __version__

__all__ = ["Comparison", "Levers", "Result", "Scenario", "Strategy", "__version__", "code_version", "compare",
           "get_strategy", "load", "load_strategy_module", "make_strategy", "simulate"]
