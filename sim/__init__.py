"""siyu's engine: a brand's private pool, simulated day by day.

The engine knows scenarios (:mod:`sim.scenario`), the customer population, the daily
rules (:mod:`sim.rules`, in the order of :mod:`sim.day`), the service desk and what a run
produces (:mod:`sim.outcomes`). It runs a strategy *object*; strategies, experiments,
reports and the command line sit on top of it (``agents``, ``experiments``, ``reports``,
``siyu``) and import it, never the other way round.

>>> import sim, agents
>>> scenario = sim.Scenario.from_toml("scenarios/default.toml")                    # doctest: +SKIP
>>> result = sim.run(scenario, agents.make_strategy(scenario, "nurture"), seed=1)   # doctest: +SKIP

Most users want the façade instead: ``import siyu; siyu.simulate(scenario, "nurture")``.
``sim.simulate``, ``sim.compare`` and ``sim.code_version`` are kept as forwarding names
to it (they warn) for notebooks written before the façade existed.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("siyu")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

from sim.scenario import Levers, Scenario  # noqa: E402
from sim.simulation import Result, run  # noqa: E402

#: names that moved up to the façade: ``sim.<name>`` forwards to ``<module>.<name>``
_FORWARDED = {"simulate": "siyu", "compare": "siyu", "code_version": "experiments.store"}


def __getattr__(name: str):
    if name in _FORWARDED:
        import importlib
        import warnings

        target = _FORWARDED[name]
        warnings.warn(f"sim.{name} moved: use {target}.{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(target), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = ["Levers", "Result", "Scenario", "__version__", "run"]
