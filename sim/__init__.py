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



def code_version() -> str:
    """The package version plus a hash of the model's source (``sim/``, ``agents/``).
    Stored runs are keyed by it, so a resumed compare or sweep reuses only runs made by
    the same code (a development install keeps its version number while the rules change)."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        import hashlib
        from pathlib import Path

        digest = hashlib.sha256()
        for package in ("sim", "agents"):
            for path in sorted((Path(__file__).resolve().parents[1] / package).glob("*.py")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _CODE_VERSION = f"{__version__}+{digest.hexdigest()[:12]}"
    return _CODE_VERSION


_CODE_VERSION: str | None = None

from sim.api import Result, simulate  # noqa: E402
from sim.scenario import Levers, Scenario  # noqa: E402


def compare(*args, **kwargs):
    """Run strategies side by side with common random numbers; see :func:`experiments.compare.compare`."""
    from experiments.compare import compare as _compare

    return _compare(*args, **kwargs)


__all__ = ["Levers", "Result", "Scenario", "code_version", "compare", "simulate", "__version__"]
