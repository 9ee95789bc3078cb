"""The run store: one implementation for every command that runs simulations, so a
finished run is never lost, never run twice and never mistaken for another.

Layout of an output directory ``OUT`` (``siyu compare``, ``sweep``, ``sensitivity``,
``optimize``, ``compare --uncertain``)::

    OUT/manifest.json                 what was run: kind, experiment (resolved) and its hash,
                                      root seed, seed scheme, package and code version, times
    OUT/runs/<key>.json               one finished run: identity, factor values, summary, the
                                      SHA-256 of each of its tables, a checksum of the record
    OUT/runs/<key>.<table>.parquet    the run's tables (daily, retention, cohorts), if kept

A run's ``key`` is a hash of everything that determines its output (:func:`run_key`: the
canonical scenario, strategy, seed, stream and :func:`code_version`), so a rerun of the
same experiment finds finished runs and skips them, while runs of changed rules are never
reused. Files are written atomically (temp file, then rename), tables first and the
record last: a record's presence means its run is complete. A record that does not parse,
whose checksum or key does not match, or whose tables are missing or altered is reported
in one line and run again, never used.

One writer at a time: :meth:`ExperimentStore.lock` holds ``OUT/.siyu.lock`` (an advisory
``flock``, released by the operating system when the process ends, however it ends) and a
second writer is refused with the holder's pid, command and start time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

import agents
import sim
from sim import __version__
from sim.customer_value import channel_outputs
from sim.errors import SiyuInputError
from sim.files import write_atomic, write_parquet_atomic

#: identity columns of every run row, first in :func:`load`'s table
ID_COLUMNS = ("key", "point", "strategy", "replication", "stream", "seed")
FACTOR_PREFIX = "x."  # factor values: ``x.moments_posts``, ``x.category.quality``
RECORD_FORMAT = 1

_CODE_VERSION: str | None = None


def code_version() -> str:
    """The package version plus a hash of the model's source: every module of the engine
    (``sim``) and of the strategies and agents (``agents``), sub-packages included. Stored
    runs are keyed by it, so a resumed experiment reuses only runs made by the same code (a
    development install keeps its version number while the rules change)."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        digest = hashlib.sha256()
        for package in (sim, agents):
            root = Path(package.__file__).resolve().parent
            for path in sorted(root.rglob("*.py")):
                digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0" + path.read_bytes())
        _CODE_VERSION = f"{__version__}+{digest.hexdigest()[:12]}"
    return _CODE_VERSION


def run_key(canonical_scenario: str, strategy: str, seed: int, stream: int, outlook_paths: int = 0) -> str:
    """The store name of one run: a hash of what determines its output (the outlook's forward
    paths only when asked for, so a run without them keeps its name)."""
    parts = [canonical_scenario, strategy, int(seed), int(stream), code_version()]
    if outlook_paths:
        parts.append({"outlook_paths": int(outlook_paths)})
    text = json.dumps(parts, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _checksum(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class StoredRun:
    """A finished run as stored: its record (identity, factors, summary) and its tables."""

    key: str
    run: dict
    factors: dict
    summary: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


class RunStore:
    """Finished runs under one directory (``OUT/runs``), keyed by :func:`run_key`.

    ``on_damaged(message)`` hears, once per run, about a record that cannot be used (it
    is then run again)."""

    def __init__(self, root: str | Path, on_damaged: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.on_damaged = on_damaged
        self._reported: set[str] = set()

    def _record_path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def _table_path(self, key: str, name: str) -> Path:
        return self.root / f"{key}.{name}.parquet"

    def _damaged(self, key: str, why: str) -> None:
        if key not in self._reported:
            self._reported.add(key)
            if self.on_damaged is not None:
                self.on_damaged(f"{self._record_path(key)}: {why}; running it again")

    def record(self, key: str) -> dict | None:
        """The verified record of a finished run, or None (absent or damaged)."""
        path = self._record_path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self._damaged(key, f"unreadable ({type(exc).__name__})")
            return None
        if not isinstance(record, dict) or record.get("checksum") != _checksum(record):
            self._damaged(key, "its checksum does not match its content")
            return None
        if record.get("key") != key:
            self._damaged(key, f"it holds run {record.get('key')!r}, not {key!r}")
            return None
        for name, sha in (record.get("tables") or {}).items():
            table = self._table_path(key, name)
            if not table.is_file() or _file_sha(table) != sha:
                self._damaged(key, f"its {name} table is missing or altered")
                return None
        return record

    def load(self, key: str, tables: bool = True) -> StoredRun | None:
        """A finished run (its tables read when ``tables``), or None if it must be run."""
        record = self.record(key)
        if record is None:
            return None
        frames = {}
        if tables:
            try:
                frames = {name: pd.read_parquet(self._table_path(key, name)) for name in record.get("tables") or {}}
            except Exception as exc:  # pyarrow raises several types for a damaged file
                self._damaged(key, f"a table cannot be read ({type(exc).__name__})")
                return None
        return StoredRun(key, record["run"], record.get("factors") or {}, record["summary"], frames)

    def save(self, key: str, run: dict, factors: dict, summary: dict, tables: dict[str, pd.DataFrame]) -> None:
        """Store a finished run: its tables first, then the record that marks it complete."""
        self._reported.discard(key)
        shas = {}
        for name, frame in tables.items():
            shas[name] = _file_sha(write_parquet_atomic(self._table_path(key, name), frame))
        record = {"format": RECORD_FORMAT, "key": key, "run": run, "factors": factors, "summary": summary,
                  "tables": shas}
        record["checksum"] = _checksum(record)
        write_atomic(self._record_path(key), json.dumps(record, ensure_ascii=False) + "\n")

    def done(self, keys) -> set[str]:
        """Those of ``keys`` whose runs are finished and intact."""
        return {k for k in keys if self.record(k) is not None}

    def finished(self) -> int:
        """How many run records this store holds (not verified: a progress count)."""
        return sum(1 for p in self.root.glob("*.json") if not p.name.startswith(".")) if self.root.is_dir() else 0

    def clean_temp(self) -> int:
        """Remove temporary files left by a run killed while writing; return how many."""
        n = 0
        if self.root.is_dir():
            for p in self.root.glob(".*.tmp"):
                p.unlink(missing_ok=True)
                n += 1
        return n


class ExperimentStore:
    """One output directory: its manifest, its lock and its run store."""

    def __init__(self, root: str | Path, on_damaged: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.runs = RunStore(self.runs_dir, on_damaged)
        self._lock_fd: int | None = None

    # -- one writer at a time --------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.root / ".siyu.lock"

    def lock(self) -> "ExperimentStore":
        """Become the one writer of this directory, or refuse (exit 2) naming the holder."""
        if self._lock_fd is not None:
            return self
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SiyuInputError(f"{self.root}: cannot create the output directory ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise SiyuInputError(f"{self.root}: another siyu command is writing here ({holder}); wait for it to "
                                 "finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, `{' '.join(['siyu', *sys.argv[1:]])[:300]}`, since {_now()}\n".encode(), 0)
        self._lock_fd = fd
        return self

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def __enter__(self) -> "ExperimentStore":
        return self.lock()

    def __exit__(self, *exc) -> None:
        self.unlock()

    # -- manifest --------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def manifest(self) -> dict | None:
        """The manifest, or ``None`` for a new directory."""
        try:
            data = json.loads(self.manifest_path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SiyuInputError(f"{self.manifest_path}: unreadable manifest ({exc}); expected the JSON object "
                                 "siyu writes (remove the directory to start afresh)") from None
        if not isinstance(data, dict):
            raise SiyuInputError(f"{self.manifest_path}: expected a JSON object (the manifest siyu writes)")
        return data

    def begin(self, kind: str, experiment, experiment_file: str | None, runs_total: int,
              extra: dict | None = None, resume: bool = False, replace: bool = False) -> dict:
        """Record (or re-open) the experiment in ``manifest.json`` before any run starts.

        A directory already holding a *different* experiment is refused unless ``resume``
        (add to it) or ``replace`` (start a new manifest; stored runs stay, keyed by what
        made them): mixing them silently would make its manifest lie."""
        old = self.manifest()
        same = old is not None and old.get("experiment_hash") == experiment.hash
        if old is not None and not same and not (resume or replace):
            raise SiyuInputError(
                f"{self.root}: holds another experiment (hash {old.get('experiment_hash')}, this one "
                f"{experiment.hash}); choose another --out, or --resume to add to it")
        now = _now()
        manifest = {
            "kind": kind,
            "name": experiment.spec.name,
            "experiment_file": experiment_file,
            "experiment_file_hash": _path_hash(experiment_file) if experiment_file else None,
            "experiment_hash": experiment.hash,
            "root_seed_entropy": experiment.seed,
            "seed_scheme": experiment.seed_scheme(),
            "package_version": __version__,
            "code_version": code_version(),
            "started_at": old.get("started_at", now) if same else now,
            "resumed_at": [*old.get("resumed_at", []), now] if same else [],
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


def _path_hash(path: str | Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def _cell(v):
    # None would make a column of object type in one table and float in the next
    return math.nan if v is None else v


def row_of(stored: StoredRun) -> dict:
    """One row of :func:`load`'s table: identity, ``x.<factor>`` values, the summary, and
    each channel's figures of ``by_channel`` as columns ``FIGURE[CHANNEL]``."""
    row = {"key": stored.key} | {k: stored.run.get(k) for k in ID_COLUMNS[1:]}
    row |= {f"{FACTOR_PREFIX}{k}": v for k, v in stored.factors.items()}
    row |= {k: _cell(v) for k, v in stored.summary.items() if k not in ("strategy", "seed", "replication")}
    # customer value per channel as outputs of their own: ltv_12m[douyin], cac[douyin], ...
    row |= {k: _cell(v) for k, v in channel_outputs(stored.summary.get("by_channel") or {}).items()}
    return row


def load(directory: str | Path, keys: list[str] | set[str] | None = None, daily: bool = False) -> pd.DataFrame:
    """All runs of an experiment directory as one tidy DataFrame, one row per run.

    ``keys`` restricts to those runs; ``daily=True`` returns the kept daily tables instead,
    one row per (run, day), with the run's identity and factor columns.
    """
    store = ExperimentStore(directory)
    if not store.root.is_dir():
        raise SiyuInputError(f"{directory}: no such experiment directory")
    found = {p.name[:-5] for p in store.runs_dir.glob("*.json")} if store.runs_dir.is_dir() else set()
    wanted = sorted(found if keys is None else found & set(keys))
    runs = [r for r in (store.runs.load(k, tables=daily) for k in wanted) if r is not None]
    if not runs:
        return pd.DataFrame(columns=list(ID_COLUMNS))
    if not daily:
        frame = pd.DataFrame([row_of(r) for r in runs])
        return frame.sort_values(["point", "strategy", "replication"], kind="stable").reset_index(drop=True)
    kept = [r for r in runs if "daily" in r.tables]
    if not kept:
        raise SiyuInputError(f"{directory}: no daily series kept (set keep_daily = true in the sweep file)")
    parts = []
    for r in kept:
        ident = {"key": r.key} | {k: r.run.get(k) for k in ID_COLUMNS[1:]}
        ident |= {f"{FACTOR_PREFIX}{k}": v for k, v in r.factors.items()}
        parts.append(r.tables["daily"].assign(**ident)[[*ident, *r.tables["daily"].columns]])
    long = pd.concat(parts, ignore_index=True)
    return long.sort_values(["point", "strategy", "replication", "day"], kind="stable").reset_index(drop=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
