"""Execution and the results store: any executor gives the same table; a killed sweep resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import experiments
from conftest import ROOT, interruptible
from experiments.design import Experiment
from experiments.sweep import peaks, response_curves, run_sweep

SWEEP = """name = "resumable"
base = "{base}"
strategies = ["harvest", "nurture"]
replications = {reps}
days = 60
outputs = ["gmv_total", "contribution"]
keep_daily = {daily}
[overrides]
"market.audience" = 5000
"market.initial_pool" = 400
campaigns = []
[levers.moments_posts]
values = {values}
"""


def write_sweep(tmp_path, root, reps=2, values="[0, 6]", daily="false"):
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP.format(base=(root / "scenarios" / "default.toml").as_posix(), reps=reps, values=values, daily=daily))
    return f


def test_process_pool_and_dask_local_cluster_give_identical_tables(tmp_path, root):
    pytest.importorskip("dask.distributed")
    exp = Experiment.from_toml(write_sweep(tmp_path, root))
    pool, rep = run_sweep(exp, tmp_path / "pool", workers=2)
    assert rep.ran == rep.total == 8
    dask, rep = run_sweep(exp, tmp_path / "dask", executor="dask", workers=2)
    assert rep.ran == 8
    pd.testing.assert_frame_equal(pool, dask)
    inline, _ = run_sweep(exp, tmp_path / "inline", workers=1)
    pd.testing.assert_frame_equal(pool, inline)
    # the strategies differ and the lever matters: the table is not trivially equal
    assert pool["gmv_total"].nunique() == len(pool)


def test_store_layout_manifest_and_tidy_load(tmp_path, root):
    f = write_sweep(tmp_path, root, daily="true")
    exp = Experiment.from_toml(f)
    out = tmp_path / "out"
    table, rep = run_sweep(exp, out, experiment_file=str(f))
    files = sorted(p.name for p in (out / "runs").iterdir())
    assert files == sorted(f"{r.key}.{ext}" for r in exp.runs() for ext in ("json", "daily.parquet"))
    m = experiments.load(out)
    assert len(m) == 8 and {"key", "point", "strategy", "replication", "stream", "seed", "x.moments_posts",
                            "gmv_total", "contribution"} <= set(m.columns)
    import json

    man = json.loads((out / "manifest.json").read_text())
    assert man["experiment_hash"] == exp.hash and man["root_seed_entropy"] == exp.seed
    assert man["experiment_file"] == str(f) and man["experiment_file_hash"] and man["package_version"]
    assert man["started_at"] and man["finished_at"] and man["code_version"] and man["kind"] == "sweep"
    daily = experiments.load(out, daily=True)
    assert len(daily) == 8 * 60 and daily.groupby("key")["gmv"].sum().round(6).to_dict() == \
        m.set_index("key")["gmv_total"].round(6).to_dict()
    # a second run of the same experiment runs nothing
    _, rep2 = run_sweep(exp, out)
    assert (rep2.skipped, rep2.ran) == (8, 0)


def test_response_curves_and_peaks(tmp_path, root):
    exp = Experiment.from_toml(write_sweep(tmp_path, root, reps=3, values="[0, 3, 8]"))
    table, _ = run_sweep(exp, tmp_path / "out")
    curves, fig = response_curves(table, "moments_posts", ["gmv_total"])
    assert len(curves) == 2 * 3 and (curves["ci_low"] <= curves["mean"]).all() and (curves["mean"] <= curves["ci_high"]).all()
    h = table[(table["strategy"] == "harvest") & (table["x.moments_posts"] == 3)]["gmv_total"]
    assert curves.query("strategy == 'harvest' and moments_posts == 3")["mean"].item() == pytest.approx(h.mean())
    assert len(fig.data) == 2 * 2
    pk = peaks(table, "moments_posts", ["gmv_total"])
    assert set(pk["shape"]) <= {"peak", "rising", "falling", "flat"} and len(pk) == 2


@pytest.mark.interrupts
def test_sigkill_half_way_then_rerun_finishes_without_repeating_runs(tmp_path, root):
    f = write_sweep(tmp_path, root, reps=4, values="[0, 2, 5, 9]")
    total = 4 * 2 * 4
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "siyu", "sweep", str(f), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    runs = out / "runs"
    deadline = time.time() + 120
    while time.time() < deadline:
        n = len(list(runs.glob("*.json"))) if runs.is_dir() else 0
        if n >= total // 2:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in runs.glob("*.json")}
    assert total // 2 <= len(before) < total, "the sweep was not killed half-way"

    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"{total} runs: {len(before)} already on disk, {total - len(before)} run now" in " ".join(r.stdout.split())
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in runs.glob("*.json")}
    assert len(after) == total
    assert all(after[k] == v for k, v in before.items()), "a finished run was written again"
    assert not list(runs.glob(".*")), "a temporary file was left behind"

    clean, _ = run_sweep(Experiment.from_toml(f), tmp_path / "clean")
    pd.testing.assert_frame_equal(experiments.load(out), clean)


def test_other_experiment_in_directory_is_refused(tmp_path, root):
    from sim.errors import SiyuInputError

    run_sweep(Experiment.from_toml(write_sweep(tmp_path, root, reps=2)), tmp_path / "out")
    other = Experiment.from_toml(write_sweep(tmp_path, root, reps=2, values="[1]"))
    with pytest.raises(SiyuInputError, match="another experiment"):
        run_sweep(other, tmp_path / "out")
    _, rep = run_sweep(other, tmp_path / "out", resume=True)
    assert rep.ran == 4  # one new point x two strategies x two replications


@pytest.mark.interrupts
def test_ctrl_c_stops_a_sweep_cleanly_and_says_how_to_resume(tmp_path, root):
    f = write_sweep(tmp_path, root, reps=4, values="[0, 2, 5, 9]")
    out = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "siyu", "sweep", str(f), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    runs = out / "runs"
    deadline = time.time() + 120
    while not (runs.is_dir() and len(list(runs.glob("*.json"))) >= 3):
        assert proc.poll() is None and time.time() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)  # a hang guard, not a speed target
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "--resume" in " ".join(stderr.split())
    kept = len(list(runs.glob("*.json")))
    assert kept >= 3 and not list(runs.glob(".*")), "finished runs must stay, no temp files"
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"{kept} already on disk" in " ".join(r.stdout.split())


def test_stored_runs_belong_to_the_code_that_made_them(monkeypatch):
    """A changed rule must not reuse runs made by the old one (same version number in a dev install)."""
    import sim
    from experiments import store

    args = ('{"name": "x"}', "nurture", 1, 0)
    before = store.run_key(*args)
    assert store.code_version().startswith(sim.__version__ + "+")
    monkeypatch.setattr(store, "_CODE_VERSION", sim.__version__ + "+another")
    assert store.run_key(*args) != before


def test_code_version_covers_every_module_of_the_engine_and_the_strategies(tmp_path, monkeypatch):
    """A rule in a sub-package (sim/rules/churn.py) is part of the code that keys stored runs."""
    import shutil
    import types

    from experiments import store

    copies = {}
    for name in ("sim", "agents"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        copies[name] = types.SimpleNamespace(__file__=str(tmp_path / name / "__init__.py"))
    monkeypatch.setattr(store, "sim", copies["sim"])
    monkeypatch.setattr(store, "agents", copies["agents"])
    monkeypatch.setattr(store, "_CODE_VERSION", None)
    before = store.code_version()
    with open(tmp_path / "sim" / "rules" / "churn.py", "a") as fh:
        fh.write("# a changed rule\n")
    monkeypatch.setattr(store, "_CODE_VERSION", None)
    assert store.code_version() != before


def test_an_output_no_run_measures_is_said_not_a_crash():
    """A 90-day metric of a 60-day sweep: no run gives it a value; peaks says so."""
    from experiments.sweep import describe_peaks

    table = pd.DataFrame({"strategy": ["nurture"] * 4, "replication": [0, 1, 0, 1], "x.moments_posts": [1, 1, 3, 3],
                          "gmv_total": [10.0, 11.0, 12.0, 13.0], "retention_90": [None] * 4})
    pk = peaks(table, "moments_posts", ["gmv_total", "retention_90"])
    assert list(pk["shape"])[1] == "undefined"
    assert "retention_90 has no value in any run" in describe_peaks(pk, "moments_posts")[1]
