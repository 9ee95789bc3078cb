"""siyu (私域): simulate a brand's private pool and compare how to run it.

>>> import sim
>>> scenario = sim.Scenario.from_toml("scenarios/default.toml")      # doctest: +SKIP
>>> result = sim.simulate(scenario, strategy="nurture", seed=1)       # doctest: +SKIP
>>> comparison = sim.compare(scenario, ["harvest", "nurture"], replications=20)  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("siyu")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

from sim.api import Result, simulate  # noqa: E402
from sim.scenario import Levers, Scenario  # noqa: E402


def compare(*args, **kwargs):
    """Run strategies side by side with common random numbers; see :func:`experiments.compare.compare`."""
    from experiments.compare import compare as _compare

    return _compare(*args, **kwargs)


__all__ = ["Levers", "Result", "Scenario", "compare", "simulate", "__version__"]
