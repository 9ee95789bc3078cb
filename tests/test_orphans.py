"""A child never outlives its parent: SIGKILL of a command's process leaves none of its
workers running (they ask the kernel for a signal when their parent dies), in every
command that starts workers."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = 'name = "small"\ndays = 200\n[market]\naudience = 6000\ninitial_pool = 500\n'
SWEEP = ('name = "orphans"\nbase = "small.toml"\nstrategies = ["harvest", "nurture"]\nreplications = 6\n'
         'outputs = ["gmv_total"]\n[levers.moments_posts]\nvalues = [0, 2, 4]\n')
# lever ranges: the search space of optimize and the factors of sensitivity
RANGES = ('name = "ranges"\nbase = "small.toml"\nstrategies = ["nurture"]\nreplications = 4\n'
          'outputs = ["gmv_total"]\n[levers.moments_posts]\nlow = 0\nhigh = 4\n'
          '[levers.value_share]\nlow = 0.2\nhigh = 0.9\n')
SERIES = "day,orders\n" + "".join(f"{d},{3 + d}\n" for d in range(1, 41))


def _kill_parent_with_workers(args: list[str]) -> list[psutil.Process]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    children: list[psutil.Process] = []
    while len(children) < 2:  # both pool workers started
        assert proc.poll() is None and time.monotonic() < deadline, "the workers never started"
        children = parent.children(recursive=True)
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    return children


def _command(command: str, tmp: Path) -> list[str]:
    """``command`` on two workers, sized to keep them busy for a while."""
    base = [sys.executable, "-m", "siyu", command]
    out = ["--workers", "2", "--out", str(tmp / "out")]
    if command == "sweep":
        return base + [str(tmp / "s.toml")] + out
    if command == "compare":
        return base + [str(tmp / "small.toml"), "--replications", "8"] + out
    if command == "calibrate":
        return base + [str(tmp / "small.toml"), "--series", str(tmp / "series.csv"), "--param",
                       "category.quality=0.5:0.9", "--maxiter", "3", "--popsize", "4"] + out
    if command == "sensitivity":
        return base + [str(tmp / "ranges.toml"), "--n", "8"] + out
    if command == "optimize":
        return base + [str(tmp / "ranges.toml"), "--maxiter", "3", "--popsize", "4"] + out
    assert command == "validate-model"
    return base + ["--quick", "--only", "queue,diffusion"] + out


@pytest.mark.interrupts
@pytest.mark.parametrize("command", ["sweep", "compare", "calibrate", "sensitivity", "optimize", "validate-model"])
def test_sigkill_of_the_parent_leaves_no_worker_alive(command, tmp_path):
    for name, text in (("small.toml", SMALL), ("s.toml", SWEEP), ("ranges.toml", RANGES), ("series.csv", SERIES)):
        (tmp_path / name).write_text(text)
    children = _kill_parent_with_workers(_command(command, tmp_path))
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"{len(alive)} worker(s) outlived their parent: {[p.pid for p in alive]}"
