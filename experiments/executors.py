"""Where runs execute: in this process, or a process pool (any ``concurrent.futures.Executor``).

Results come back in task order whatever the completion order, and every task carries
its own seed, so the outcome never depends on the executor or the number of workers.
"""

from __future__ import annotations

from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Callable, Iterable, Sequence


def map_runs(fn: Callable, tasks: Sequence[tuple], workers: int = 1, executor: Executor | None = None,
             on_done: Callable[[], None] | None = None) -> list:
    """``[fn(*t) for t in tasks]``, possibly in parallel; ``on_done()`` after each finishes."""
    if executor is None and workers <= 1:
        out = []
        for t in tasks:
            out.append(fn(*t))
            if on_done:
                on_done()
        return out
    own = executor is None
    executor = executor or ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                               initializer=_ignore_sigint)
    try:
        futures = [executor.submit(fn, *t) for t in tasks]
        if on_done:
            for f in _as_completed(futures):
                f.result()
                on_done()
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        if own:
            _stop_now(executor)
        raise
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback per worker),
    end at once when the parent terminates them, removing a result file they were half
    way through writing, and die with the parent (Linux), so a killed parent leaves no
    orphan runs behind."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_now)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _end_now(signum, frame) -> None:
    import os

    from sim.files import discard_in_flight

    discard_in_flight()
    os._exit(128 + signum)


def _stop_now(executor: ProcessPoolExecutor) -> None:
    """On Ctrl-C: drop queued runs and end the runs in flight at once (their results are
    lost, finished ones are already stored), instead of waiting for them to finish."""
    processes = list((getattr(executor, "_processes", None) or {}).values())  # shutdown forgets them
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _context():
    """Fork where the platform has it: workers inherit strategies the user defined or
    loaded at run time (``--strategies-from``), and need no ``__main__`` guard."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _as_completed(futures: Iterable):
    from concurrent.futures import as_completed

    return as_completed(list(futures))
