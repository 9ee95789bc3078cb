"""Strategies: how an operator runs the pool, as small classes (after Axelrod-Python).

A strategy is registered by defining it: any subclass of :class:`Strategy` with a
``name`` is available to scenario files and the command line under that name. Each
one says where it comes from (its docstring), what it is (``classifier``) and sets
the day's :class:`~sim.scenario.Levers` in :meth:`Strategy.levers`.

Write your own::

    from agents.strategy import Strategy

    class Weekender(Strategy):
        \"\"\"Post only at weekends (an idea to test, not a documented practice).\"\"\"
        name = "weekender"
        classifier = {"stance": "nurture", "source": "assumption"}
        preset = {"moments_posts": 0.0, "value_share": 0.8}

        def levers(self, day, model):
            base = super().levers(day, model)
            weekend = day % 7 in (5, 6)
            return base.model_copy(update={"moments_posts": 4.0 if weekend else 0.0})

then name it in a scenario (``[strategy] default = "weekender"``) and load the module
from Python (``import my_strategies``) or the command line (``--strategies-from FILE``).
A data file can only *name* a strategy; it never supplies code.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import traceback
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sim.errors import SiyuInputError
from sim.scenario import Levers, Scenario


class Strategy:
    """Base class: levers = preset, then the scenario's overrides for this name.

    Subclasses set ``name``, ``classifier`` and ``preset`` (lever values), and may
    override :meth:`levers` to change them by day or by the state of the model, and
    :meth:`channel_weights` to split the acquisition budget when the scenario gives no
    ``channel_mix``.
    """

    name: ClassVar[str | None] = None
    colour: ClassVar[str | None] = None  # how charts draw it (a CSS colour); None: one of FALLBACK_COLOURS
    classifier: ClassVar[dict[str, Any]] = {}
    preset: ClassVar[dict[str, Any]] = {}
    registry: ClassVar[dict[str, type["Strategy"]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            Strategy.registry[cls.name] = cls

    def __init__(self, scenario: Scenario):
        self.base = Levers.model_validate({**self.preset, **self.overrides(scenario)})
        self.scenario = scenario

    @classmethod
    def overrides(cls, scenario: Scenario) -> dict[str, Any]:
        """The lever values the scenario file writes for this strategy (``[strategy.levers.all]``,
        then ``[strategy.levers.NAME]``): only the keys written."""
        out: dict[str, Any] = {}
        for key in ("all", cls.name):
            chosen = scenario.strategy.levers.get(key)
            if chosen is not None:
                out.update({f: getattr(chosen, f) for f in chosen.model_fields_set})
        return out

    def levers(self, day: int, model: Any) -> Levers:
        """The levers for ``day`` (0-based). ``model`` is the running :class:`~sim.model.PoolModel`."""
        return self.base

    def channel_weights(self, scenario: Scenario, levers: Levers) -> np.ndarray:
        """Share of the acquisition budget per public channel (sums to 1)."""
        names = [c.name for c in scenario.public_channels]
        if levers.channel_mix:
            w = np.array([levers.channel_mix.get(n, 0.0) for n in names], float)
        else:
            w = self.default_weights(scenario)
        total = w.sum()
        return w / total if total > 0 else np.full(len(names), 1.0 / len(names))

    def default_weights(self, scenario: Scenario) -> np.ndarray:
        """Budget split when the scenario names no ``channel_mix``: equal shares."""
        return np.ones(len(scenario.public_channels))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


#: colours of strategies that name none, in the order strategies appear in a chart
FALLBACK_COLOURS = ("#2471a3", "#d68910", "#7d3c98", "#784212", "#138d75", "#566573")


def colour(name: str, index: int = 0) -> str:
    """The chart colour of the strategy called ``name``: its class's ``colour`` if it is
    registered and has one, else the ``index``-th fallback colour."""
    cls = Strategy.registry.get(name)
    if cls is not None and cls.colour:
        return cls.colour
    return FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]


def make_strategy(scenario: Scenario, strategy: "Strategy | str | None" = None) -> Strategy:
    """The strategy to run: an instance as given, a registered name, or the scenario's default."""
    if strategy is None:
        strategy = scenario.strategy.default
    if isinstance(strategy, str):
        strategy = get_strategy(strategy)(scenario)
    return strategy


def get_strategy(name: str) -> type[Strategy]:
    """The registered strategy class called ``name`` (clear error otherwise)."""
    try:
        return Strategy.registry[name]
    except KeyError:
        known = sorted(Strategy.registry)
        hint = difflib.get_close_matches(name, known, n=1)
        more = f"; did you mean '{hint[0]}'?" if hint else ""
        raise SiyuInputError(f"unknown strategy '{name}'{more} (known: {', '.join(known)})") from None


def lever_sheet(scenario: Scenario, name: str) -> dict[str, Any]:
    """What the registered strategy ``name`` runs with on ``scenario``, as JSON-ready data.

    ``preset``: the lever values the strategy's class sets; ``overrides``: those the scenario
    file writes for it (``[strategy.levers.all]``, then ``[strategy.levers.NAME]``), which win
    over the preset; ``levers``: every lever as the run starts (preset, then overrides, then
    the neutral defaults of :class:`~sim.scenario.Levers`); ``description``: the class's
    docstring. A strategy whose :meth:`Strategy.levers` changes them by day (a schedule, a
    user's weekender) starts from these values."""
    cls = get_strategy(name)
    preset, overrides = dict(cls.preset), cls.overrides(scenario)
    levers = Levers.model_validate({**preset, **overrides}).model_dump(mode="json")
    preset_json = Levers.model_validate(preset).model_dump(mode="json")
    return {"preset": {k: preset_json[k] for k in preset},
            "overrides": {k: levers[k] for k in overrides},
            "levers": levers,
            "description": inspect.cleandoc(cls.__doc__ or "")}


def load_strategy_module(path: str | Path) -> None:
    """Import a user's Python file so the strategies it defines register themselves.

    Only ever called with a path the user typed on the command line or in Python:
    scenario files name strategies, they never point at code. A file that cannot be
    imported is bad input: the error names the file and the line that failed.
    """
    file = Path(path)
    if not file.is_file():
        raise SiyuInputError(f"{path}: strategy module not found (expected a .py file)")
    spec = importlib.util.spec_from_file_location(f"siyu_user_{file.stem}", file)
    if spec is None or spec.loader is None:
        raise SiyuInputError(f"{path}: cannot import as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise SiyuInputError(f"{path}: line {exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:  # the user's code failed while being imported: their input, not our bug
        here = file.resolve()
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == here]
        where = f"line {lines[-1]}: " if lines else ""
        raise SiyuInputError(f"{path}: {where}importing it failed: {type(exc).__name__}: {exc}") from None
