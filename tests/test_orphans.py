"""A child never outlives its parent: SIGKILL of a command's process leaves none of its
workers running (they ask the kernel for a signal when their parent dies)."""

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


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_sigkill_of_the_parent_leaves_no_worker_alive(command, tmp_path):
    (tmp_path / "small.toml").write_text(SMALL)
    (tmp_path / "s.toml").write_text(SWEEP)
    base = [sys.executable, "-m", "siyu"]
    args = (base + ["sweep", str(tmp_path / "s.toml"), "--workers", "2", "--out", str(tmp_path / "out")]
            if command == "sweep" else
            base + ["compare", str(tmp_path / "small.toml"), "--replications", "8", "--workers", "2",
                    "--out", str(tmp_path / "out")])
    children = _kill_parent_with_workers(args)
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"{len(alive)} worker(s) outlived their parent: {[p.pid for p in alive]}"
