"""Ctrl-C at any moment, from start-up to the last write: exit 130 with one line, no
traceback, and a plain rerun of the same command finishes with the results of an
uninterrupted run.

Each command is interrupted at random moments (drawn from a seeded generator, printed)
into one output directory in turn, so every interrupted state is also a state the next
attempt must accept; the last attempt runs to the end and its results are compared with
a run that was never interrupted."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import interruptible
from siyu import INTERRUPTED
from siyu.cli import _is_interrupt

ROOT = Path(__file__).resolve().parents[1]
SMALL = 'name = "small"\ndays = 60\n[market]\naudience = 3000\ninitial_pool = 300\n'
SWEEP = ('name = "tiny"\nbase = "small.toml"\nstrategies = ["harvest", "nurture"]\nreplications = 2\n'
         'outputs = ["gmv_total"]\n[levers.moments_posts]\nvalues = [0, 2]\n')
SEED = int(os.environ.get("SIYU_INTERRUPT_SEED", "17"))


def _files(tmp_path: Path) -> Path:
    (tmp_path / "small.toml").write_text(SMALL)
    (tmp_path / "tiny.toml").write_text(SWEEP)
    return tmp_path


def _command(kind: str, tmp: Path, out: Path) -> list[str]:
    base = [sys.executable, "-m", "siyu"]
    if kind.startswith("compare"):
        return base + ["compare", str(tmp / "small.toml"), "--replications", "3", "--workers", kind[-1],
                       "--out", str(out)]
    return base + ["sweep", str(tmp / "tiny.toml"), "--workers", "2", "--out", str(out)]


def _result(kind: str, out: Path):
    if kind.startswith("compare"):
        return (out / "comparison.json").read_bytes(), pd.read_parquet(out / "daily.parquet")
    return (out / "curves.csv").read_bytes(), (out / "peaks.csv").read_bytes()


def _interrupt_at(args: list[str], after: float) -> tuple[int | None, str]:
    """Start ``args``, Ctrl-C it ``after`` seconds later; (exit code, stderr), or
    (None, stderr) when it had already finished."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=interruptible)
    time.sleep(after)
    if proc.poll() is not None:
        return None, proc.communicate()[1]
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)  # a hang guard, not a speed target
    return proc.returncode, stderr


def _check_anytime(kind: str, tmp_path: Path, moments: int) -> None:
    tmp = _files(tmp_path)
    whole, out = tmp / "whole", tmp / "interrupted"
    t0 = time.monotonic()
    first = subprocess.run(_command(kind, tmp, whole), capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    span = time.monotonic() - t0
    rng = random.Random(f"{SEED}-{kind}")
    stopped = 0
    for _ in range(moments):
        after = rng.uniform(0.02, span)
        code, stderr = _interrupt_at(_command(kind, tmp, out), after)
        print(f"{kind}: Ctrl-C at {after:.2f} s of {span:.2f} s -> {code}")
        assert "Traceback" not in stderr and "Error" not in stderr, stderr
        if code is None or code == 0:
            # finished before the signal arrived, or after its last write: complete, and
            # equal to the uninterrupted results; start the next attempt afresh
            _assert_same(kind, whole, out)
            shutil.rmtree(out)
            continue
        assert code == 130, stderr
        assert stderr.strip().splitlines()[-1].startswith(INTERRUPTED), stderr
        stopped += 1
    assert stopped >= moments // 2, f"only {stopped} of {moments} attempts were interrupted"
    again = subprocess.run(_command(kind, tmp, out), capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    _assert_same(kind, whole, out)


def _assert_same(kind: str, whole: Path, out: Path) -> None:
    a, b = _result(kind, whole), _result(kind, out)
    assert a[0] == b[0]
    if isinstance(a[1], pd.DataFrame):
        pd.testing.assert_frame_equal(a[1], b[1])
    else:
        assert a[1] == b[1]


@pytest.mark.parametrize("kind", ["compare1", "compare2", "sweep"])
def test_ctrl_c_at_random_moments(kind, tmp_path):
    _check_anytime(kind, tmp_path, moments=3)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["compare1", "compare2", "sweep"])
def test_ctrl_c_at_ten_random_moments(kind, tmp_path):
    _check_anytime(kind, tmp_path, moments=10)


def test_an_interrupt_inside_compiled_code_is_an_interrupt():
    # numba reports a KeyboardInterrupt raised inside a compiled function as a
    # SystemError chained to it
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ki:
            raise SystemError("CPUDispatcher(<function _look_up>) returned a result with an exception set") from ki
    except SystemError as exc:
        assert _is_interrupt(exc)
    assert not _is_interrupt(SystemError("something else"))
    assert not _is_interrupt(ValueError("x"))


def test_ctrl_c_during_start_up_prints_one_line(tmp_path):
    tmp = _files(tmp_path)
    code, stderr = _interrupt_at(_command("compare1", tmp, tmp / "out"), 0.3)
    assert code == 130 and stderr.strip() == INTERRUPTED, stderr
    assert not (tmp / "out").exists()


def _other(kind: str, tmp: Path) -> list[str]:
    base = [sys.executable, "-m", "siyu"]
    if kind == "calibrate":
        (tmp / "series.csv").write_text("day,orders\n" + "".join(f"{d},{3 + d}\n" for d in range(1, 9)))
        return base + ["calibrate", str(tmp / "small.toml"), "--series", str(tmp / "series.csv"), "--param",
                       "category.quality=0.5:0.9", "--maxiter", "1", "--popsize", "2", "--out", str(tmp / "cal")]
    if kind == "sensitivity":
        (tmp / "range.toml").write_text(SWEEP.replace("values = [0, 2]", "low = 0\nhigh = 3")
                                        + '[uncertainties."category.quality"]\nlow = 0.6\nhigh = 0.9\n')
        return base + ["sensitivity", str(tmp / "range.toml"), "--n", "4", "--out", str(tmp / "sens")]
    if kind == "validate-model":
        return base + ["validate-model", "--quick", "--only", "queue", "--out", str(tmp / "vm")]
    return base + ["report", str(tmp / "whole")]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["calibrate", "sensitivity", "validate-model", "report"])
def test_ctrl_c_in_the_other_commands(kind, tmp_path):
    """Exit 130 with the one line wherever the interrupt lands, and a plain rerun finishes."""
    tmp = _files(tmp_path)
    if kind == "report":
        assert subprocess.run(_command("compare1", tmp, tmp / "whole"), capture_output=True).returncode == 0
    rng = random.Random(f"{SEED}-{kind}")
    for _ in range(2):
        code, stderr = _interrupt_at(_other(kind, tmp), rng.uniform(0.3, 4.0))
        print(f"{kind}: {code}")
        assert "Traceback" not in stderr, stderr
        assert code in (None, 0, 130), stderr
        if code == 130:
            assert stderr.strip().splitlines()[-1] == INTERRUPTED, stderr
    if kind != "validate-model":  # its rerun is the whole battery again: covered by its own tests
        again = subprocess.run(_other(kind, tmp), capture_output=True, text=True, cwd=ROOT)
        assert again.returncode == 0, again.stderr
