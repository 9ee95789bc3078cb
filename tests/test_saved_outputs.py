"""Saved outputs: every shipped scenario, under both strategies, gives exactly the numbers
it gave when these files were written (SimPy's habit of checking examples against saved
output).

``siyu run SCENARIO --strategy S --seed 1`` must write a ``summary.json`` identical to the
saved one (apart from the version field) and a ``daily.parquet`` whose every column holds
the same values (compared by a digest of the column's bytes, so a failure names the
column). A comparison of the default scenario is checked the same way. A change that is
*meant* to move results (a new default, a fixed bug) rewrites the files deliberately::

    SIYU_WRITE_SAVED=1 .venv/bin/python -m pytest tests/test_saved_outputs.py -p no:xdist

and the commit says which numbers moved and why.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, SCENARIOS

SAVED = ROOT / "tests" / "saved"
WRITE = os.environ.get("SIYU_WRITE_SAVED") == "1"
#: fields that name the code that made a result, not the result
VERSION_FIELDS = ("version",)


def siyu(*args):
    exe = Path(sys.executable).parent / "siyu"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "SIYU_CHECK": "0"})


def digest(column: pd.Series) -> str:
    """The column's values as bytes (dtype included), hashed."""
    values = column.to_numpy()
    if values.dtype == object:  # text: its characters, not the addresses of Python objects
        values = np.array([str(v) for v in values], dtype=str)
    values = np.ascontiguousarray(values)
    return f"{values.dtype.str}:{hashlib.sha256(values.tobytes()).hexdigest()[:32]}"


def without_version(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in VERSION_FIELDS}


def check_or_write(name: str, record: dict) -> None:
    path = SAVED / f"{name}.json"
    if WRITE:
        SAVED.mkdir(exist_ok=True)
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
        return
    saved = json.loads(path.read_text(encoding="utf-8"))
    for key in sorted(set(saved) | set(record)):
        if key == "daily":
            moved = [c for c in saved["daily"] if saved["daily"][c] != record["daily"].get(c)]
            assert not moved, f"{name}: daily columns changed or missing: {moved}"  # new columns may be added
        elif key == "summary":
            old, new = saved["summary"], record["summary"]
            moved = {k: (old[k], new.get(k)) for k in old if new.get(k) != old[k]}
            assert not moved, f"{name}: summary values changed (saved, now): {moved}"
        else:
            assert saved.get(key) == record.get(key), f"{name}: {key} changed"


@pytest.mark.parametrize("strategy", ["harvest", "nurture"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_run_gives_the_saved_numbers(scenario, strategy, tmp_path):
    out = tmp_path / "run"
    r = siyu("run", scenario, "--strategy", strategy, "--seed", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    daily = pd.read_parquet(out / "daily.parquet")
    check_or_write(f"run_{scenario.stem}_{strategy}",
                   {"summary": without_version(summary), "daily_rows": len(daily),
                    "daily": {c: digest(daily[c]) for c in daily.columns}})


def test_comparison_gives_the_saved_numbers(tmp_path):
    """A short comparison of the default scenario: every statistic of comparison.json."""
    out = tmp_path / "cmp"
    r = siyu("compare", ROOT / "scenarios" / "default.toml", "--replications", 3, "--days", 120,
             "--workers", 1, "--out", out)
    assert r.returncode == 0, r.stderr
    comparison = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    daily = pd.read_parquet(out / "daily.parquet")
    check_or_write("compare_default_120d", {"summary": without_version(comparison),
                                            "daily": {c: digest(daily[c]) for c in daily.columns}})


@pytest.mark.slow
def test_demo_comparison_gives_the_saved_numbers(tmp_path):
    """``make demo``'s comparison (20 replications on 2 workers): comparison.json as saved."""
    out = tmp_path / "demo"
    r = siyu("compare", ROOT / "scenarios" / "default.toml", "--replications", 20, "--workers", 2, "--out", out)
    assert r.returncode == 0, r.stderr
    comparison = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    check_or_write("compare_default_demo", {"summary": without_version(comparison)})
