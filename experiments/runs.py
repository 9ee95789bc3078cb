"""Running a design's runs into the run store: what one run produces (:func:`execute`) and
how a batch of them runs, skipping those already stored (:func:`run_all`).

Every experiment — a comparison, a sweep, a sensitivity analysis, an optimisation —
goes through here: the same executor layer (:mod:`experiments.executors`), the same store
(:mod:`experiments.store`), the same keys, so resuming, Ctrl-C and SIGKILL behave alike in
every command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from agents.play import simulate
from experiments.design import RunSpec
from experiments.executors import map_runs
from experiments.store import ExperimentStore, StoredRun
from sim import money
from sim.scenario import Scenario


def execute(spec: RunSpec) -> tuple[dict, dict, dict, dict]:
    """Run one :class:`RunSpec`: ``(identity, factors, summary, tables)`` to store, the
    tables being those the spec keeps (daily, retention, cohorts)."""
    scenario = Scenario.model_validate_json(spec.scenario_json)
    result = simulate(scenario, spec.strategy, seed=spec.seed, replication=spec.stream, check=spec.check,
                      outlook_paths=spec.outlook_paths)
    run = {"point": spec.point, "strategy": spec.strategy, "replication": spec.replication, "stream": spec.stream,
           "seed": spec.seed}
    summary = result.summary | {"contribution": money.contribution(result.summary, scenario.category.margin)}
    frames = {"daily": result.daily, "retention": result.retention, "cohorts": result.cohorts}
    return run, dict(spec.factors), summary, {name: frames[name] for name in spec.tables}


@dataclass
class RunReport:
    """What one execution did: runs in the design, found in the store, and run now."""

    total: int
    skipped: int
    ran: int


def run_all(specs: list[RunSpec], store: ExperimentStore, executor=None,
            on_done: Callable[[int], None] | None = None) -> RunReport:
    """Run every spec not yet in ``store``, storing each as it finishes.

    ``on_done(n)`` is called with the number of runs just completed (the stored ones
    first, at once), for a progress bar."""
    unique = list({s.key: s for s in specs}.values())
    store.runs.clean_temp()
    done = store.runs.done(s.key for s in unique)
    todo = [s for s in unique if s.key not in done]
    if on_done and len(unique) > len(todo):
        on_done(len(unique) - len(todo))

    def keep(i: int, output: tuple) -> None:
        store.runs.save(todo[i].key, *output)
        if on_done:
            on_done(1)

    map_runs(execute, [(s,) for s in todo], executor=executor, on_done=keep)
    return RunReport(total=len(unique), skipped=len(unique) - len(todo), ran=len(todo))


def stored(specs: list[RunSpec], store: ExperimentStore, tables: bool = True) -> list[StoredRun]:
    """The stored runs of ``specs``, in order (each must be finished)."""
    out = []
    for s in specs:
        run = store.runs.load(s.key, tables=tables)
        if run is None:
            raise RuntimeError(f"run {s.key} is not in the store at {store.runs.root}")
        out.append(run)
    return out
