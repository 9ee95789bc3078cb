"""A strategy plays a scenario: :func:`simulate` is :func:`sim.run` that also takes a
strategy's name (or the scenario's default) and a scenario file."""

from __future__ import annotations

from pathlib import Path

from agents.strategy import Strategy, make_strategy
from sim.scenario import Scenario
from sim.simulation import Result, run


def simulate(scenario: Scenario | str | Path, strategy: Strategy | str | None = None, seed: int | None = None,
             replication: int | None = None, days: int | None = None, check: bool | None = None,
             save_state: str | Path | None = None, outlook_paths: int = 0) -> Result:
    """Run one scenario (a :class:`~sim.scenario.Scenario` or a TOML file) under one strategy
    (an instance, a registered name, or ``None`` for the scenario's ``strategy.default``).

    ``seed`` defaults to the scenario's; ``replication`` picks the ``i``-th independent
    stream of that seed (what comparisons use, shared across strategies). ``check=True``
    asserts the model invariants after every day. A scenario with ``[start] strategy, days``
    first runs that many days of history under that strategy (not counted in the outcomes);
    ``save_state`` writes the pool's end state to that file (:mod:`sim.state`);
    ``outlook_paths`` > 0 adds each customer's 90-day outlook to ``.customers`` (:mod:`sim.outlook`).
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    if days is not None:
        scenario = scenario.with_overrides(days=days)
    history = make_strategy(scenario, scenario.start.strategy) if scenario.start.days else None
    return run(scenario, make_strategy(scenario, strategy), seed=seed, replication=replication, check=check,
               history=history, save_state=save_state, outlook_paths=outlook_paths)
