"""A per-run results store: finished replications survive an interrupted experiment.

Every run is saved as soon as it finishes, by the process that ran it, under a name
derived from everything that determines its output (the scenario's canonical JSON,
strategy, seed, replication, the siyu version and a hash of the model code, see
:func:`sim.code_version`). A rerun of the same experiment
finds those files and skips the runs, so Ctrl-C or a killed machine loses at most the
runs that were in flight.

Layout of ``ROOT`` (``OUT/runs`` for ``siyu compare --out OUT``)::

    <key>.0.parquet, <key>.1.parquet, ...   the run's tables (daily, retention, ...)
    <key>.json                              the run's summary and how many tables it has

The JSON is written last (atomically, like every file here), so its presence means the
run is complete; a run killed mid-save leaves at most orphan temp files, never a
half-written result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from sim.files import write_atomic, write_parquet_atomic


def run_key(scenario_json: str, strategy: str, seed: int, replication: int) -> str:
    """The store name of one run: a hash of what determines its output."""
    from sim import code_version

    ident = json.dumps([json.loads(scenario_json), strategy, int(seed), int(replication), code_version()],
                       sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:24]


class RunStore:
    """Finished runs under one directory, keyed by :func:`run_key`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def load(self, key: str) -> tuple | None:
        """``(summary, *tables)`` of a finished run, or None if it has not finished."""
        marker = self.root / f"{key}.json"
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
            tables = [pd.read_parquet(self.root / f"{key}.{i}.parquet") for i in range(int(meta["tables"]))]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: run it again
        return (meta["summary"], *tables)

    def save(self, key: str, output: tuple) -> None:
        """Store ``(summary, *tables)``; the summary file goes last and marks completion."""
        summary, *tables = output
        for i, table in enumerate(tables):
            write_parquet_atomic(self.root / f"{key}.{i}.parquet", table)
        text = json.dumps({"summary": summary, "tables": len(tables)}, ensure_ascii=False, allow_nan=False)
        write_atomic(self.root / f"{key}.json", text + "\n")

    def finished(self) -> int:
        """How many runs are complete in this store."""
        return sum(1 for _ in self.root.glob("*.json")) if self.root.is_dir() else 0


def stored_run(root: str | Path, fn: Callable[..., tuple], scenario_json: str, strategy: str, seed: int,
               replication: int, **kwargs: Any) -> tuple:
    """``fn(scenario_json, strategy, seed, replication)``, or its stored result when a
    previous attempt finished it; saves a fresh result before returning it.

    A plain function (not a method) so any executor can ship it to a worker with
    ``functools.partial(stored_run, root, fn)``.
    """
    store = RunStore(root)
    key = run_key(scenario_json, strategy, seed, replication)
    done = store.load(key)
    if done is not None:
        return done
    output = fn(scenario_json, strategy, seed, replication, **kwargs)
    store.save(key, output)
    return output
