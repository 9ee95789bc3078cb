"""Ctrl-C at any moment, from start-up to the last write: exit 130 with one line, no
traceback, and a plain rerun of the same command finishes with the results of an
uninterrupted run.

Each command is interrupted at random moments (drawn from a seeded generator, printed;
``SIYU_INTERRUPT_SEED`` draws others) into one output directory in turn, so every
interrupted state is also a state the next attempt must accept; the last attempt runs to
the end and its results are compared with a run that was never interrupted.
``make test-interrupts`` (which CI runs after ``make test``) tries three moments each for
compare (1 and 2 workers) and sweep; the slow run ten for every command. The fixed-moment
checks below stay in the default run."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from conftest import interruptible
from siyu import INTERRUPTED
from siyu.cli.common import is_interrupt

ROOT = Path(__file__).resolve().parents[1]
SMALL = 'name = "small"\ndays = 60\n[market]\naudience = 3000\ninitial_pool = 300\n'
SWEEP = ('name = "tiny"\nbase = "small.toml"\nstrategies = ["harvest", "nurture"]\nreplications = 2\n'
         'outputs = ["gmv_total"]\n[levers.moments_posts]\nvalues = [0, 2]\n')
# lever ranges: the search space of optimize and the factors of sensitivity
RANGES = ('name = "ranges"\nbase = "small.toml"\nstrategies = ["nurture"]\nreplications = 2\n'
          'outputs = ["gmv_total"]\n[levers.moments_posts]\nlow = 0\nhigh = 3\n'
          '[levers.value_share]\nlow = 0.2\nhigh = 0.9\n')
SERIES = "day,orders\n" + "".join(f"{d},{3 + d}\n" for d in range(1, 9))
SEED = int(os.environ.get("SIYU_INTERRUPT_SEED", "17"))
SIYU = [sys.executable, "-m", "siyu"]


def _files(tmp_path: Path) -> Path:
    for name, text in (("small.toml", SMALL), ("tiny.toml", SWEEP), ("ranges.toml", RANGES), ("series.csv", SERIES)):
        (tmp_path / name).write_text(text)
    return tmp_path


def _command(kind: str, tmp: Path, out: Path) -> list[str]:
    """The command line of ``kind``, writing into ``out``."""
    if kind.startswith("compare"):
        return SIYU + ["compare", str(tmp / "small.toml"), "--replications", "3", "--workers", kind[-1],
                       "--out", str(out)]
    if kind == "sweep":
        return SIYU + ["sweep", str(tmp / "tiny.toml"), "--workers", "2", "--out", str(out)]
    if kind == "calibrate":
        return SIYU + ["calibrate", str(tmp / "small.toml"), "--series", str(tmp / "series.csv"), "--param",
                       "category.quality=0.5:0.9", "--maxiter", "1", "--popsize", "2", "--replications", "2",
                       "--out", str(out)]
    if kind == "sensitivity":
        return SIYU + ["sensitivity", str(tmp / "ranges.toml"), "--n", "2", "--workers", "2", "--out", str(out)]
    if kind == "optimize":
        return SIYU + ["optimize", str(tmp / "ranges.toml"), "--maxiter", "1", "--popsize", "2", "--out", str(out)]
    if kind == "validate-model":
        return SIYU + ["validate-model", "--quick", "--only", "queue", "--out", str(out)]
    assert kind == "report"
    return SIYU + ["report", str(tmp / "compared"), "--lang", "zh", "--out", str(out / "report.zh.html")]


def _without_timings(value):
    """A validation record without its wall-clock seconds (the only part that varies)."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _without_generation_time(html: bytes) -> bytes:
    """A report without the minute it was written (the only part that varies)."""
    return re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC", b"(when)", html)


#: what each command leaves that an uninterrupted run must match, read from its --out
RESULTS: dict[str, Callable[[Path], tuple]] = {
    "compare": lambda out: ((out / "comparison.json").read_bytes(), pd.read_parquet(out / "daily.parquet")),
    "sweep": lambda out: ((out / "curves.csv").read_bytes(), (out / "peaks.csv").read_bytes()),
    "calibrate": lambda out: tuple((out / n).read_bytes() for n in ("parameters.csv", "fit.csv", "fit_summary.csv",
                                                                     "history.csv")),
    "sensitivity": lambda out: ((out / "indices.csv").read_bytes(),),
    "optimize": lambda out: ((out / "best.json").read_bytes(), (out / "history.csv").read_bytes()),
    "validate-model": lambda out: (_without_timings(json.loads((out / "validation.json").read_text())),),
    "report": lambda out: (_without_generation_time((out / "report.zh.html").read_bytes()),),
}


def _result(kind: str, out: Path) -> tuple:
    return RESULTS[kind.rstrip("12")](out)


def _interrupt_at(args: list[str], after: float) -> tuple[int | None, str]:
    """Start ``args``, Ctrl-C it ``after`` seconds later; (exit code, stderr), or
    (None, stderr) when it had already finished."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=interruptible)
    time.sleep(after)
    if proc.poll() is not None:
        return None, proc.communicate()[1]
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=180)  # a hang guard, not a speed target
    return proc.returncode, stderr


PACKAGES = ("siyu", "sim", "agents", "experiments", "reports")


def _in_interpreter_start_up(code: int | None, stderr: str) -> bool:
    """Stopped before siyu's first line ran, so nothing was written: in the interpreter's
    own initialisation (killed by the signal's default action, silently; a shell reports
    130), or while ``site`` (the environment's ``.pth`` files) and ``runpy`` run before
    ``siyu/__init__.py`` can install its start-up handler, where Python itself prints
    KeyboardInterrupt under frames none of which is the project's (exit -2, or 1 with
    "init_import_site"). No code of the project can run earlier."""
    if code not in (-signal.SIGINT, 1):
        return False
    if code == -signal.SIGINT and stderr == "":
        return True
    lines = stderr.strip().splitlines()
    frames = [ln for ln in lines if ln.lstrip().startswith("File ")]
    ours = [ln for ln in frames if any(f'File "{ROOT / p}/' in ln for p in PACKAGES)]
    return (bool(frames) and not ours and lines[-1] == "KeyboardInterrupt"
            and (code == -signal.SIGINT or "Fatal Python error: init_import_site" in stderr))


def _check_anytime(kind: str, tmp_path: Path, moments: int) -> None:
    tmp = _files(tmp_path)
    if kind == "report":
        made = subprocess.run(_command("compare1", tmp, tmp / "compared"), capture_output=True, text=True, cwd=ROOT)
        assert made.returncode == 0, made.stderr
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
        if _in_interpreter_start_up(code, stderr):
            continue
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
    # not vacuous: moments after the last write finish (exit 0), and how many fall there
    # depends on the machine's load, so a third (not a half) must have stopped the command
    assert stopped >= moments // 3, f"only {stopped} of {moments} attempts were interrupted"
    again = subprocess.run(_command(kind, tmp, out), capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    _assert_same(kind, whole, out)


def _assert_same(kind: str, whole: Path, out: Path) -> None:
    for a, b in zip(_result(kind, whole), _result(kind, out), strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        else:
            assert a == b


KINDS = ["compare1", "compare2", "sweep", "calibrate", "sensitivity", "optimize", "validate-model", "report"]


#: the default run's share of the commands (the slow run covers all of them, ten moments each)
QUICK_KINDS = ["compare1", "compare2", "sweep"]


@pytest.mark.interrupts
@pytest.mark.parametrize("kind", QUICK_KINDS)
def test_ctrl_c_at_random_moments(kind, tmp_path):
    _check_anytime(kind, tmp_path, moments=3)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
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
        assert is_interrupt(exc)
    assert not is_interrupt(SystemError("something else"))
    assert not is_interrupt(ValueError("x"))


def test_ctrl_c_during_start_up_prints_one_line(tmp_path):
    tmp = _files(tmp_path)
    code, stderr = _interrupt_at(_command("compare1", tmp, tmp / "out"), 0.3)
    assert code == 130 and stderr.strip() == INTERRUPTED, stderr
    assert not (tmp / "out").exists()


AFTER_THE_LAST_WRITE = """
import os, signal, sys
import siyu.cli.report as command
from siyu.cli import main

written = command.results_complete


def then_ctrl_c():  # the user's Ctrl-C, right after the report file is written
    written()
    os.kill(os.getpid(), signal.SIGINT)
    print("still running", file=sys.stderr)


command.results_complete = then_ctrl_c
sys.argv = ["siyu", "report", sys.argv[1], "--out", sys.argv[2]]
main()
"""


def test_ctrl_c_after_the_last_write_is_ignored(tmp_path):
    """Deterministically, the moment the random ones rarely hit: once the last result is
    written a Ctrl-C cannot leave complete results under exit 130 (which a rerun of a
    command that refuses to overwrite would then refuse)."""
    tmp = _files(tmp_path)
    made = subprocess.run(_command("compare1", tmp, tmp / "compared"), capture_output=True, text=True, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    target = tmp / "report.html"
    r = subprocess.run([sys.executable, "-c", AFTER_THE_LAST_WRITE, str(tmp / "compared"), str(target)],
                       capture_output=True, text=True, cwd=ROOT, preexec_fn=interruptible)
    assert r.returncode == 0 and "still running" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert target.stat().st_size > 0
