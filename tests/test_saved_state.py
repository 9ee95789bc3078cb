"""A pool's end state saved as data and read back: the next day is the day the saving run
would have simulated next."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import siyu
from conftest import pool_model
from sim import state
from sim.errors import ScenarioError
from sim.population import COLUMNS
from sim.scenario import Scenario


@pytest.fixture
def scenario(small):
    return small.with_overrides(days=60, **{"market.audience": 4000, "market.initial_pool": 300})


def test_a_saved_state_reloads_to_the_identical_next_day(scenario, tmp_path):
    saved_on = 35
    through = pool_model(scenario, "harvest", seed=9).run(saved_on + 2)
    writer = pool_model(scenario, "harvest", seed=9).run(saved_on)
    state.save(writer, tmp_path / "pool.npz")
    reader = pool_model(scenario, "harvest", seed=123)  # other streams until restored
    assert state.restore(reader, tmp_path / "pool.npz", streams=True) == saved_on
    reader.run(2)
    records = through.datacollector.get_model_vars_dataframe().iloc[saved_on:]
    again = reader.datacollector.get_model_vars_dataframe()
    assert records.reset_index(drop=True).equals(again.reset_index(drop=True))
    for name in COLUMNS:
        assert np.array_equal(getattr(through.population, name), getattr(reader.population, name)), name


def test_the_file_is_plain_arrays_and_json(scenario, tmp_path):
    state.save(pool_model(scenario, "nurture", seed=1).run(10), tmp_path / "pool.npz")
    with np.load(tmp_path / "pool.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
    meta, arrays = state.read(tmp_path / "pool.npz")
    assert meta["day"] == 10 and meta["format"] == "siyu-state" and arrays["pop.state"].size > 0


def test_a_damaged_or_foreign_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    for path in (bad, tmp_path / "missing.npz"):
        with pytest.raises(ScenarioError) as e:
            state.read(path, "s.toml")
        assert "start.state" in str(e.value) and "s.toml" in str(e.value)


def test_a_scenario_starts_from_a_saved_pool_written_by_siyu_run(scenario, tmp_path, root):
    base = tmp_path / "base.toml"
    text = (root / "scenarios" / "coupon_group.toml").read_text()
    base.write_text(text)
    r = subprocess.run([sys.executable, "-m", "siyu", "run", base, "--days", "20", "--out", tmp_path / "first",
                        "--save-state", tmp_path / "pool.npz"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    follow = tmp_path / "follow.toml"
    follow.write_text(text + '\n[start]\nstate = "pool.npz"\n')
    s = Scenario.from_toml(follow).with_overrides(days=15)
    a, b = siyu.simulate(s, "nurture", seed=2), siyu.simulate(s, "nurture", seed=2)
    assert a.summary == b.summary and len(a.daily) == 15
    first = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert a.summary["pool_initial"] == first["pool_final"]   # the saved pool is where the run starts
    # the hash names the pool by its content: another pool, another hash
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "pool.npz").write_bytes((tmp_path / "pool.npz").read_bytes())
    (moved / "follow.toml").write_text(follow.read_text())
    assert Scenario.from_toml(moved / "follow.toml").hash == Scenario.from_toml(follow).hash


def test_a_missing_saved_pool_is_refused_naming_the_field(tmp_path, root):
    f = tmp_path / "s.toml"
    f.write_text((root / "scenarios" / "coupon_group.toml").read_text() + '\n[start]\nstate = "nope.npz"\n')
    r = subprocess.run([sys.executable, "-m", "siyu", "run", f, "--out", tmp_path / "o"], capture_output=True, text=True)
    assert r.returncode == 2 and "start.state" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_saved_pool_given_with_set_is_relative_to_the_working_folder(tmp_path, root):
    f = root / "scenarios" / "coupon_group.toml"
    r = subprocess.run([sys.executable, "-m", "siyu", "run", f, "--days", "5", "--out", tmp_path / "first",
                        "--save-state", tmp_path / "pool.npz"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # the working folder holds pool.npz; the scenario file lies elsewhere
    r = subprocess.run([sys.executable, "-m", "siyu", "run", f, "--days", "5", "--set", "start.state=pool.npz",
                        "--out", tmp_path / "next"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "next" / "summary.json").read_text())["pool_initial"] == \
        json.loads((tmp_path / "first" / "summary.json").read_text())["pool_final"]
    r = subprocess.run([sys.executable, "-m", "siyu", "run", f, "--set", "start.state=nope.npz",
                        "--out", tmp_path / "o"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "--set start.state" in r.stderr and "nope.npz" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o").exists()
