"""Interrupted comparisons: Ctrl-C stops cleanly and keeps finished runs, SIGKILL loses
at most the runs in flight, and rerunning the same command resumes to the same result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import interruptible
from experiments.store import RunStore

ROOT = Path(__file__).resolve().parents[1]
SMALL = 'name = "small"\ndays = 120\n[market]\naudience = 6000\ninitial_pool = 500\n'
REPS = 10


@pytest.fixture
def small_file(tmp_path) -> Path:
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    return f


def compare_args(small_file: Path, out: Path, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "siyu", "compare", str(small_file), "--replications", str(REPS),
            "--workers", str(workers), "--out", str(out)]


def start_and_stop(args: list[str], runs: Path, sig: int, after: int = 3) -> tuple[subprocess.CompletedProcess, float]:
    """Start a compare, send ``sig`` once ``after`` runs are stored; (result, seconds to stop)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=interruptible)
    deadline = time.monotonic() + 180
    while RunStore(runs).finished() < after:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no runs finished in time"
        time.sleep(0.05)
    sent = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)  # a hang guard, not a speed target
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr), time.monotonic() - sent


def stored(runs: Path) -> dict[str, float]:
    """Finished runs in the store, each with its marker's modification time."""
    return {p.name: p.stat().st_mtime_ns for p in runs.glob("*.json")}


def assert_store_whole(runs: Path) -> None:
    """No temp files, and every finished run loads completely."""
    assert not list(runs.glob("*.tmp")) and not list(runs.glob(".*.tmp"))
    store = RunStore(runs)
    for marker in runs.glob("*.json"):
        loaded = store.load(marker.stem)
        assert loaded is not None and isinstance(loaded.summary, dict)
        assert set(loaded.tables) == {"daily", "retention", "cohorts"}
        assert all(isinstance(t, pd.DataFrame) for t in loaded.tables.values())


@pytest.mark.interrupts
@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_finished_runs_and_resumes(small_file, tmp_path, workers):
    out = tmp_path / "cmp"
    r, seconds = start_and_stop(compare_args(small_file, out, workers), out / "runs", signal.SIGINT)
    print(f"workers={workers}: stopped {seconds:.2f} s after SIGINT")
    assert r.returncode == 130, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert "finished run(s) are kept in" in r.stderr and "run the same command again to resume" in r.stderr
    assert not (out / "comparison.json").exists()
    kept = stored(out / "runs")
    assert 3 <= len(kept) < 2 * REPS
    assert_store_whole(out / "runs")
    assert f"{len(kept)} finished run(s)" in r.stderr

    again = subprocess.run(compare_args(small_file, out, workers), capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    after = stored(out / "runs")
    assert len(after) == 2 * REPS
    assert {k: after[k] for k in kept} == kept  # finished runs were reused, not rerun


@pytest.mark.interrupts
def test_resumed_comparison_equals_an_uninterrupted_one(small_file, tmp_path):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert subprocess.run(compare_args(small_file, whole), capture_output=True, cwd=ROOT).returncode == 0
    r, _ = start_and_stop(compare_args(small_file, resumed), resumed / "runs", signal.SIGINT, after=5)
    assert r.returncode == 130
    assert subprocess.run(compare_args(small_file, resumed), capture_output=True, cwd=ROOT).returncode == 0
    assert (whole / "comparison.json").read_bytes() == (resumed / "comparison.json").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(whole / "daily.parquet"), pd.read_parquet(resumed / "daily.parquet"))


@pytest.mark.interrupts
def test_sigkill_loses_at_most_the_runs_in_flight(small_file, tmp_path):
    out = tmp_path / "cmp"
    workers = 2
    r, _ = start_and_stop(compare_args(small_file, out, workers), out / "runs", signal.SIGKILL, after=4)
    assert r.returncode == -signal.SIGKILL
    # the workers die with their parent's pool or finish their current run; give them a moment
    time.sleep(1.0)
    kept = stored(out / "runs")
    assert len(kept) >= 4
    # a killed write leaves at most an orphan temp file, never a half result
    for marker in (out / "runs").glob("*.json"):
        assert RunStore(out / "runs").load(marker.stem) is not None
    again = subprocess.run(compare_args(small_file, out, workers), capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    after = stored(out / "runs")
    assert len(after) == 2 * REPS and {k: after[k] for k in kept} == kept
    assert json.loads((out / "comparison.json").read_text())["replications"] == REPS


def test_store_ignores_a_damaged_or_swapped_run_and_says_so(tmp_path):
    heard = []
    store = RunStore(tmp_path, on_damaged=heard.append)
    run = {"point": 0, "strategy": "harvest", "replication": 0, "stream": 0, "seed": 1}
    for key, a in (("k", 1), ("other", 2)):
        store.save(key, run, {}, {"a": a}, {"daily": pd.DataFrame({"x": [1, 2]})})
    assert store.load("k").summary == {"a": 1} and store.done(["k", "other", "absent"]) == {"k", "other"}

    # a table swapped for another run's, a torn table, an edited summary, a swapped record,
    # an unreadable record: each is reported once and run again, never used
    (tmp_path / "k.daily.parquet").write_bytes((tmp_path / "other.daily.parquet").read_bytes() + b"x")
    assert store.load("k") is None
    store.save("k", run, {}, {"a": 1}, {"daily": pd.DataFrame({"x": [1, 2]})})
    (tmp_path / "k.daily.parquet").write_bytes(b"PAR1 torn")
    assert store.load("k") is None
    store.save("k", run, {}, {"a": 1}, {"daily": pd.DataFrame({"x": [1, 2]})})
    record = (tmp_path / "k.json").read_text()
    (tmp_path / "k.json").write_text(record.replace('"a": 1', '"a": 3'))
    assert store.load("k") is None
    (tmp_path / "k.json").write_text((tmp_path / "other.json").read_text())
    assert store.load("k") is None
    (tmp_path / "k.json").write_text("{not json")
    assert store.load("k") is None and store.load("absent") is None
    assert len(heard) == 3 and all("k.json" in h and "running it again" in h for h in heard)
    assert "table is missing or altered" in heard[0] and "checksum" in heard[2]


def _write_slowly(folder: str, ready) -> None:
    """A worker half way through writing a result file when it is told to stop."""
    from experiments.executors import _worker_start
    from sim.files import _mkstemp

    _worker_start()
    fd, _ = _mkstemp(Path(folder) / "run.json")
    os.write(fd, b'{"half": ')
    ready.set()
    time.sleep(60)


def test_a_worker_stopped_mid_write_leaves_no_temp_file(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    worker = ctx.Process(target=_write_slowly, args=(str(tmp_path), ready))
    worker.start()
    assert ready.wait(30)
    assert len(list(tmp_path.glob(".*.tmp"))) == 1  # the half-written file exists ...
    worker.terminate()                                # ... until the parent stops the worker
    worker.join(30)
    assert worker.exitcode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_exit_prints_no_traceback_from_the_standard_librarys_exit_handlers():
    """Seen once under load: after Ctrl-C a process pool's exit handler wrote to its closed
    wake-up pipe while the interpreter shut down, printing "Exception ignored in ...
    Traceback". An interrupted exit stays one line whatever such a handler does."""
    code = ("import threading\n"
            "from siyu.cli import _leave\n"
            "def wake_up(): raise OSError(9, 'Bad file descriptor')\n"
            "threading._register_atexit(wake_up)\n"
            "_leave(None, 130, 'interrupted')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 130
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr
