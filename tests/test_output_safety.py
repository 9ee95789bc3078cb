"""Output files: atomic, never half-written, never silently overwritten; a broken or
full output directory is a clear exit-2 error.

Tests run as root, for whom ``chmod`` blocks nothing, so unwritable and full
directories are real (a read-only / tiny tmpfs where ``mount`` is allowed), a path
under a regular file, or a simulated ``ENOSPC``.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import SiyuInputError
from sim.files import write_atomic, write_parquet_atomic

SMALL = 'name = "small"\ndays = 40\n[market]\naudience = 3000\ninitial_pool = 300\n'


def siyu(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "siyu", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture
def small_file(tmp_path) -> Path:
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    return f


def leftovers(directory: Path) -> list[str]:
    """Temporary files a failed write left behind (there should be none)."""
    return sorted(p.name for p in directory.rglob("*.tmp")) if directory.exists() else []


def test_run_refuses_to_overwrite_without_force(small_file, tmp_path):
    out = tmp_path / "out"
    assert siyu("run", small_file, "--out", out).returncode == 0
    before = (out / "summary.json").read_bytes()
    r = siyu("run", small_file, "--seed", 99, "--out", out)
    assert r.returncode == 2 and "--force" in r.stderr and str(out / "summary.json") in r.stderr
    assert "Traceback" not in r.stderr
    assert (out / "summary.json").read_bytes() == before
    r = siyu("run", small_file, "--seed", 99, "--out", out, "--force")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "summary.json").read_text())["seed"] == 99


def test_compare_refuses_to_overwrite_without_force(small_file, tmp_path):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "comparison.json").write_text("{}")
    r = siyu("compare", small_file, "--replications", 2, "--out", out)
    assert r.returncode == 2 and "--force" in r.stderr and "Traceback" not in r.stderr
    assert (out / "comparison.json").read_text() == "{}"


def test_output_under_a_regular_file_is_a_clear_error(small_file, tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    r = siyu("run", small_file, "--out", blocker / "sub")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "cannot create output directory" in r.stderr and str(blocker / "sub") in r.stderr


@pytest.mark.parametrize("writer", ["text", "parquet"])
def test_disk_full_leaves_no_partial_file(tmp_path, monkeypatch, writer):
    """ENOSPC half-way through a write: a clear error, the old file intact, no temp file."""
    target = tmp_path / ("a.json" if writer == "text" else "a.parquet")
    frame = pd.DataFrame({"x": range(1000)})
    (write_atomic(target, "old") if writer == "text" else write_parquet_atomic(target, frame.head(3)))
    before = target.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if writer == "text":
        monkeypatch.setattr(os, "fsync", full)
        call = lambda: write_atomic(target, "new" * 10_000)  # noqa: E731
    else:
        def half_then_full(self, path, **kwargs):
            Path(path).write_bytes(b"PAR1 half a file")
            full()

        monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_full)
        call = lambda: write_parquet_atomic(target, frame)  # noqa: E731
    with pytest.raises(SiyuInputError, match="No space left on device") as err:
        call()
    assert str(target) in str(err.value)
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs (options given by the test); skip where mounting is not allowed."""
    mounted = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], capture_output=True)


def test_read_only_directory(small_file, tmpfs):
    ro = tmpfs("ro,size=1m")
    r = siyu("run", small_file, "--out", ro / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "Read-only file system" in r.stderr and str(ro / "out") in r.stderr
    assert list(ro.iterdir()) == []


def test_full_directory(small_file, tmpfs, tmp_path):
    full = tmpfs("size=8k")
    r = siyu("compare", small_file, "--replications", 2, "--out", full)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "No space left on device" in r.stderr
    assert leftovers(full) == []
    # whatever did get written is whole: JSON parses, Parquet reads
    for f in full.rglob("*.json"):
        json.loads(f.read_text())
    for f in full.rglob("*.parquet"):
        pd.read_parquet(f)
    assert not (full / "comparison.json").exists()  # written last: the directory is not complete
