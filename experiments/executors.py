"""Where runs execute: in this process, on a pool of processes on this machine, or on a Dask
cluster; one way to start them and one way to stop them.

Results come back in task order whatever the completion order, and every task carries its
own seed, so the outcome never depends on the executor or the number of workers.

Stopping (the one policy of every command): on Ctrl-C the parent drops the queued tasks
and ends the tasks in flight at once (pool workers are terminated, Dask futures
cancelled); finished work is already stored by then. Pool workers ignore Ctrl-C (the
parent decides), remove a half-written temp file when terminated, and die with their
parent (Linux), so a killed parent leaves no orphan behind.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import Executor, Future, InvalidStateError, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from sim.errors import SiyuInputError
from sim.files import discard_in_flight

KINDS = ("process", "dask")


def _worker_start() -> None:
    """In each pool worker: leave Ctrl-C to the parent, end at once (cleaning up) when
    terminated, die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_now)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(128 + signal.SIGTERM)


def _end_now(signum, frame) -> None:
    discard_in_flight()
    os._exit(128 + signum)


def _context():
    """Fork where the platform has it: workers inherit strategies the user defined or
    loaded at run time (``--strategies-from``), and need no ``__main__`` guard."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes with the stopping policy above."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_worker_start)


@contextmanager
def executor(kind: str = "process", workers: int = 1, address: str | None = None) -> Iterator[Executor | None]:
    """An executor for ``kind`` = ``"process"`` (a pool of ``workers``; ``None``, i.e. in
    this process, for one worker) or ``"dask"`` (the cluster at ``address``, or a
    ``LocalCluster`` of ``workers`` single-threaded processes)."""
    if kind not in KINDS:
        raise SiyuInputError(f"--executor: unknown executor {kind!r}; expected one of: {', '.join(KINDS)}")
    if kind == "process":
        if address:
            raise SiyuInputError("--address is for --executor dask")
        if workers <= 1:
            yield None
            return
        pool = process_pool(workers)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    try:
        from dask.distributed import Client, LocalCluster  # optional: pip install 'siyu[dask]'
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
        raise SiyuInputError(f"--address: cannot reach a Dask scheduler at {address}: {exc}") from None
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _quiet_stopped_pool(args) -> None:
    """``threading.excepthook``: a pool stopped on purpose has its manager thread try to
    mark the futures we cancelled as broken (``InvalidStateError``, CPython 3.11); that is
    the stop working, not an error, and must not print a traceback."""
    if isinstance(args.exc_value, InvalidStateError) and type(args.thread).__name__ == "_ExecutorManagerThread":
        return
    _THREAD_HOOK(args)


_THREAD_HOOK = threading.excepthook


def stop(pool: Executor, futures: Sequence[Future]) -> None:
    """End what ``pool`` is doing now: cancel queued tasks, terminate running workers."""
    threading.excepthook = _quiet_stopped_pool
    for f in futures:
        f.cancel()
    if isinstance(pool, ProcessPoolExecutor):
        processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()


def map_runs(fn: Callable, tasks: Sequence[tuple], executor: Executor | None = None, workers: int = 1,
             on_done: Callable[[int, Any], None] | None = None) -> list:
    """``[fn(*t) for t in tasks]`` on ``executor`` (or a pool of ``workers``, or in this
    process); ``on_done(i, result)`` as each task finishes, in completion order."""
    own = None
    if executor is None and workers > 1 and len(tasks) > 1:
        executor = own = process_pool(min(workers, len(tasks)))
    if executor is None:
        out = []
        for i, t in enumerate(tasks):
            out.append(fn(*t))
            if on_done:
                on_done(i, out[-1])
        return out
    futures = [executor.submit(fn, *t) for t in tasks]
    index = {f: i for i, f in enumerate(futures)}
    try:
        for f in as_completed(futures):
            result = f.result()
            if on_done:
                on_done(index[f], result)
        return [f.result() for f in futures]
    except BaseException:
        stop(executor, futures)
        raise
    finally:
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)
