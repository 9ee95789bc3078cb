"""Executing an experiment's runs on any ``concurrent.futures.Executor``.

The same runs go to a process pool on this machine (``workers``) or to a Dask cluster
(``dask.distributed``'s executor: a ``LocalCluster``, or a scheduler at an address). Each
run carries its own seed stream (:class:`~experiments.design.RunSpec`), so the table is
identical whatever executes it; each finished run is written to the store as it comes
back, so a killed experiment loses only the runs in flight.
"""

from __future__ import annotations

from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from experiments.design import RunSpec
from experiments.executors import _context
from experiments.store import DAILY_PREFIX, FACTOR_PREFIX, ExperimentStore
from sim.errors import SiyuInputError

#: identity keys of a run summary that the row sets itself
_IDENTITY = ("strategy", "seed", "replication")


def contribution(summary: dict, margin: float) -> float:
    """A profit-like figure: gross margin on GMV less platform take, acquisition (and hook)
    cost and referral rewards, yuan. Used when the run summary has no ``profit`` of its own."""
    return (summary["gmv_total"] * margin - summary.get("take_paid", 0.0)
            - summary.get("acquisition_cost", 0.0) - summary.get("reward_cost", 0.0))


def execute(spec: RunSpec) -> dict:
    """Run one :class:`RunSpec` and return its row: identity, ``x.<factor>`` values, summary."""
    from sim.api import simulate
    from sim.scenario import Scenario

    scenario = Scenario.model_validate_json(spec.scenario_json)
    result = simulate(scenario, spec.strategy, seed=spec.seed, replication=spec.stream)
    row = {"key": spec.key, "point": spec.point, "strategy": spec.strategy, "replication": spec.replication,
           "stream": spec.stream, "seed": spec.seed}
    row |= {f"{FACTOR_PREFIX}{k}": v for k, v in spec.factors}
    row |= {k: v for k, v in result.summary.items() if k not in _IDENTITY}
    row["contribution"] = contribution(result.summary, scenario.category.margin)
    if spec.keep_daily:
        row |= {f"{DAILY_PREFIX}{c}": result.daily[c].tolist() for c in result.daily.columns}
    return row


@dataclass
class RunReport:
    """What one execution did: runs in the design, found on disk, and run now."""

    total: int
    skipped: int
    ran: int


@contextmanager
def make_executor(kind: str = "process", workers: int = 1, address: str | None = None) -> Iterator[Executor | None]:
    """An executor for ``kind`` = ``"process"`` (a pool of ``workers``; ``None``, i.e. in
    this process, for one worker) or ``"dask"`` (the cluster at ``address``, or a
    ``LocalCluster`` of ``workers`` single-threaded processes)."""
    if kind == "process":
        if address:
            raise SiyuInputError("--address is for --executor dask")
        if workers <= 1:
            yield None
            return
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if kind != "dask":
        raise SiyuInputError(f"unknown executor {kind!r}; expected process or dask")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SiyuInputError("--executor dask needs dask.distributed: pip install 'siyu[dask]'") from None
    cluster = None
    try:
        if address:
            client = Client(address, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    except OSError as exc:
        raise SiyuInputError(f"cannot reach a Dask scheduler at {address}: {exc}") from None
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_all(specs: list[RunSpec], store: ExperimentStore, executor: Executor | None = None,
            on_done: Callable[[int], None] | None = None) -> RunReport:
    """Run every spec not yet in ``store``, writing each as it finishes.

    ``on_done(n)`` is called with the number of runs just completed (the skipped ones
    first, at once), for a progress bar.
    """
    unique = list({s.key: s for s in specs}.values())
    store.clean_temp()
    done = store.done()
    todo = [s for s in unique if s.key not in done or (s.keep_daily and not store.has_daily(s.key))]
    skipped = len(unique) - len(todo)
    if on_done and skipped:
        on_done(skipped)
    if executor is None:
        for s in todo:
            store.write(execute(s))
            if on_done:
                on_done(1)
    else:
        futures = [executor.submit(execute, s) for s in todo]
        try:
            for f in as_completed(futures):
                store.write(f.result())
                if on_done:
                    on_done(1)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return RunReport(total=len(unique), skipped=skipped, ran=len(todo))
