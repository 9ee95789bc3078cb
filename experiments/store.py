"""The results store: an experiment directory that never loses a finished run.

Layout::

    DIR/manifest.json          what was run: experiment file and hash, root seed entropy,
                               package version, start (and finish) time, the resolved experiment
    DIR/runs/<key>.parquet     one file per run, one row: identity, factor values, summary
                               (and, if kept, the daily series as list columns ``daily.<name>``)

A run file is written to a temporary name and renamed into place (:mod:`sim.files`), so a
run killed mid-way leaves no partial file; its name is a hash of (canonical scenario,
strategy, replication, seed, version), so rerunning the same experiment finds it and
skips it. :func:`load` gathers the directory into one tidy DataFrame.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sim.errors import SiyuInputError
from sim.files import write_atomic, write_parquet_atomic

#: identity columns of every run row, first in :func:`load`'s table
ID_COLUMNS = ("key", "point", "strategy", "replication", "stream", "seed")
DAILY_PREFIX = "daily."
FACTOR_PREFIX = "x."  # factor values: ``x.moments_posts``, ``x.category.quality``


class ExperimentStore:
    """One experiment directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"

    # -- runs ------------------------------------------------------------------------
    def path(self, key: str) -> Path:
        return self.runs_dir / f"{key}.parquet"

    def done(self) -> set[str]:
        """Keys of the runs already on disk (temporary files are not runs)."""
        if not self.runs_dir.is_dir():
            return set()
        return {p.stem for p in self.runs_dir.glob("*.parquet") if not p.name.startswith(".")}

    def clean_temp(self) -> int:
        """Remove temporary files left by a run killed while writing; return how many."""
        n = 0
        if self.runs_dir.is_dir():
            for p in self.runs_dir.glob(".*.tmp"):
                p.unlink(missing_ok=True)
                n += 1
        return n

    def has_daily(self, key: str) -> bool:
        import pyarrow.parquet as pq

        return any(n.startswith(DAILY_PREFIX) for n in pq.read_schema(self.path(key)).names)

    def write(self, row: dict) -> Path:
        """Write one run row (as built by :func:`experiments.runner.execute`) atomically."""
        frame = pd.DataFrame([{k: _cell(v) for k, v in row.items()}])
        return write_parquet_atomic(self.path(row["key"]), frame)

    # -- manifest --------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def manifest(self) -> dict | None:
        """The manifest, or ``None`` for a new directory."""
        try:
            return json.loads(self.manifest_path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise SiyuInputError(f"{self.manifest_path}: unreadable manifest ({exc})") from None

    def begin(self, kind: str, experiment, experiment_file: str | None, runs_total: int,
              extra: dict | None = None, resume: bool = False) -> dict:
        """Record (or re-open) the experiment in ``manifest.json`` before any run starts.

        A directory already holding a *different* experiment is refused unless
        ``resume`` is set: mixing them would make its manifest lie.
        """
        from sim import __version__

        old = self.manifest()
        if old is not None and old.get("experiment_hash") != experiment.hash and not resume:
            raise SiyuInputError(
                f"{self.root}: holds another experiment (hash {old.get('experiment_hash')}, this one "
                f"{experiment.hash}); choose another --out, or --resume to add to it")
        from experiments.design import file_hash

        now = _now()
        manifest = {
            "kind": kind,
            "name": experiment.spec.name,
            "experiment_file": experiment_file,
            "experiment_file_hash": file_hash(experiment_file) if experiment_file else None,
            "experiment_hash": experiment.hash,
            "root_seed_entropy": experiment.seed,
            "seed_scheme": ("child k of SeedSequence(root_seed_entropy), k = replication (common random numbers)"
                            if experiment.spec.common_random_numbers else
                            "child k of SeedSequence(root_seed_entropy), k = point * replications + replication"),
            "package_version": __version__,
            "started_at": (old or {}).get("started_at", now) if old and old.get("experiment_hash") == experiment.hash else now,
            "resumed_at": [*(old or {}).get("resumed_at", []), now] if old else [],
            "finished_at": None,
            "runs_total": runs_total,
            "experiment": experiment.to_dict(),
        } | (extra or {})
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        return manifest

    def finish(self, **extra) -> None:
        m = self.manifest() or {}
        m.update({"finished_at": _now()} | extra)
        write_atomic(self.manifest_path, json.dumps(m, indent=2, ensure_ascii=False, default=str) + "\n")


def load(directory: str | Path, keys: list[str] | set[str] | None = None, daily: bool = False) -> pd.DataFrame:
    """All runs of an experiment directory as one tidy DataFrame, one row per run.

    ``keys`` restricts to those runs; ``daily=True`` returns the kept daily series instead,
    one row per (run, day), with the run's identity and factor columns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = ExperimentStore(directory)
    if not store.root.is_dir():
        raise SiyuInputError(f"{directory}: no such experiment directory")
    found = store.done()
    wanted = sorted(found if keys is None else found & set(keys))
    if not wanted:
        return pd.DataFrame(columns=list(ID_COLUMNS))
    tables = [pq.read_table(store.path(k)) for k in wanted]
    table = pa.concat_tables(tables, promote_options="permissive")
    frame = table.to_pandas()
    daily_cols = [c for c in frame.columns if c.startswith(DAILY_PREFIX)]
    if not daily:
        frame = frame.drop(columns=daily_cols)
        return frame.sort_values(["point", "strategy", "replication"], kind="stable").reset_index(drop=True)
    if not daily_cols:
        raise SiyuInputError(f"{directory}: no daily series kept (set keep_daily = true in the sweep file)")
    ident = [c for c in frame.columns if not c.startswith(DAILY_PREFIX)]
    frame = frame[frame[daily_cols[0]].notna()]
    keep = [c for c in ident if c in ID_COLUMNS or c.startswith(FACTOR_PREFIX)]
    long = frame[keep + daily_cols].explode(daily_cols)
    long.columns = [c.removeprefix(DAILY_PREFIX) for c in long.columns]
    return long.infer_objects().reset_index(drop=True)


def _cell(v):
    # None would make a column of type null in one file and float in the next
    if v is None:
        return math.nan
    return v


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
