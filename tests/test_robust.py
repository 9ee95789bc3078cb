"""Robust comparisons: uncertain assumptions in the scenario, worlds sampled from them,
and the conditions under which the verdict flips (experiments/robust.py, experiments/flips.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SCENARIOS
from experiments.robust import design, robust_compare, sample_worlds, wilson
from sim.errors import ScenarioError
from sim.scenario import Scenario, Uncertainty

TOY = ROOT / "tests" / "data" / "robust_toy.toml"
THRESHOLD = 300.0  # harvest's budget in the toy: nurture wins on GMV above it, by construction
BUDGET = "strategy.levers.nurture.acquisition_budget"


def siyu(*args):
    exe = Path(sys.executable).parent / "siyu"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "SIYU_CHECK": "0"})


@pytest.fixture(scope="module")
def toy_result(tmp_path_factory):
    store = tmp_path_factory.mktemp("robust")
    return robust_compare(TOY, worlds=16, replications=3, flip_steps=4, store=store), store


def test_what_would_have_to_be_true_finds_the_known_threshold(toy_result):
    r, _ = toy_result
    (row,) = r.summary["what_would_have_to_be_true"]["assumptions"]
    assert row["path"] == BUDGET and row["scenario_value"] == 600.0 and row["winner_at_scenario"] == "nurture"
    (flip,) = row["flips"]
    assert flip["ci_low"] <= THRESHOLD <= flip["ci_high"], flip
    assert flip["ci_high"] - flip["ci_low"] < row["high"] - row["low"]  # the CI says more than the range
    assert flip["bracket"][0] <= flip["value"] <= flip["bracket"][1]


def test_the_flip_box_contains_the_threshold(toy_result):
    r, _ = toy_result
    flips = r.summary["metrics"]["gmv_total"]["flips"]
    assert flips["majority"] == "nurture" and flips["minority"] == "harvest"
    box = flips["boxes"][0]
    (lim,) = box["limits"]
    assert lim["path"] == BUDGET and lim["low"] is None
    # the box's edge is within two of the 16 Latin-hypercube strata of the threshold, on
    # either side: a world near the threshold may go to either strategy by noise (its
    # budget differs from harvest's by little), and which worlds do moves with the streams
    strata = (850.0 / 16)
    assert THRESHOLD - 2 * strata <= lim["high"] <= THRESHOLD + 2 * strata
    assert box["coverage"] > 0.8 and box["density"] > 0.8


def test_win_shares_and_regret_read_the_worlds(toy_result):
    r, _ = toy_result
    m = r.summary["metrics"]["gmv_total"]
    per = r.runs.pivot_table(index="world", columns="strategy", values="gmv_total", aggfunc="mean")
    nurture_wins = int((per["nurture"] > per["harvest"]).sum())
    assert m["win_share"]["nurture"]["wins"] == nurture_wins
    assert m["win_share"]["harvest"]["wins"] == len(per) - nurture_wins
    regret = (per.max(axis=1) - per["nurture"])
    assert m["regret"]["nurture"]["mean"] == pytest.approx(regret.mean())
    assert m["regret"]["nurture"]["worst10_mean"] >= m["regret"]["nurture"]["mean"]
    assert m["difference"]["q05"] <= m["difference"]["median"] <= m["difference"]["q95"]
    assert set(r.runs.columns) >= {"world", "strategy", "replication", BUDGET, "gmv_total", "profit"}
    assert len(r.runs) == 16 * 2 * 3


def test_a_second_call_reuses_the_stored_runs(toy_result):
    r, store = toy_result
    done = []
    again = robust_compare(TOY, worlds=16, replications=3, flip_steps=4, store=store, on_runs_done=done.append)
    assert json.dumps(again.summary, sort_keys=True) == json.dumps(r.summary, sort_keys=True)
    manifest = json.loads((Path(store) / "manifest.json").read_text())
    assert manifest["kind"] == "robust"
    assert sum(done) == len(r.runs) + len(r.flip_points)  # every run came from the store


def test_same_output_on_any_worker_count():
    kwargs = dict(worlds=4, replications=1, flip_steps=1, days=20)
    one = robust_compare(TOY, workers=1, **kwargs)
    two = robust_compare(TOY, workers=2, **kwargs)
    assert json.dumps(one.summary, sort_keys=True) == json.dumps(two.summary, sort_keys=True)


def test_dask_gives_the_same_output_as_processes():
    kwargs = dict(worlds=4, replications=1, flip_steps=1, days=20, workers=2)
    local = robust_compare(TOY, executor="process", **kwargs)
    dask = robust_compare(TOY, executor="dask", **kwargs)
    assert json.dumps(local.summary, sort_keys=True) == json.dumps(dask.summary, sort_keys=True)


def test_sobol_worlds_are_balanced_seeded_and_named_in_the_output():
    s = Scenario.from_toml(TOY)
    a = sample_worlds(s, 16, 1, "sobol")
    assert a.equals(sample_worlds(s, 16, 1, "sobol")) and not a.equals(sample_worlds(s, 16, 1))
    u = (a[BUDGET].to_numpy() - 50.0) / 850.0
    # a scrambled Sobol set of 2^4 points is a (0, 4, 1)-net: one point in each 16th
    assert sorted(np.floor(u * 16).astype(int)) == list(range(16))
    r = robust_compare(TOY, worlds=4, replications=1, flip_steps=0, days=20, sampling="sobol")
    assert r.summary["sampling"] == "sobol"
    with pytest.raises(Exception, match="--sampling"):
        robust_compare(TOY, worlds=4, replications=1, days=20, sampling="halton")


def test_latin_hypercube_worlds_are_stratified_and_seeded():
    s = Scenario.from_toml(TOY)
    a, b = sample_worlds(s, 20, 1), sample_worlds(s, 20, 1)
    assert a.equals(b)
    u = (a[BUDGET].to_numpy() - 50.0) / 850.0
    assert sorted(np.floor(u * 20).astype(int)) == list(range(20))  # one world per stratum
    assert not a.equals(sample_worlds(s, 20, 2))


@pytest.mark.parametrize("form, median", [
    # triangular, mode 0.3 on 0.1..0.9 (c = 0.25): median = low + (high - low)(1 - sqrt((1 - c) / 2))
    (dict(distribution="triangular", mode=0.3), 0.1 + 0.8 * (1 - np.sqrt(0.375))),
    (dict(distribution="lognormal", median=0.3, sigma=0.5), 0.3),  # truncated symmetrically in log
    (dict(distribution="normal", mean=0.3, sd=0.1), 0.3029),        # cut at -2 sd: the median moves up 0.029 sd
])
def test_named_distributions_stay_in_range_and_centre_where_declared(form, median):
    u = Uncertainty(low=0.1, high=0.9, **form)
    x = u.ppf((np.arange(2001) + 0.5) / 2001)
    assert x.min() >= 0.1 and x.max() <= 0.9
    assert float(np.median(x)) == pytest.approx(median, abs=2e-3)


def test_a_scenario_without_ranges_keeps_its_hash_and_json(tmp_path):
    text = (ROOT / "scenarios" / "default.toml").read_text()
    stripped = text[:text.index("[uncertainties.")]
    (tmp_path / "plain.toml").write_text(stripped)
    plain, full = Scenario.from_toml(tmp_path / "plain.toml"), Scenario.from_toml(ROOT / "scenarios" / "default.toml")
    assert len(full.uncertainties) >= 7
    assert plain.hash == full.hash and plain.canonical_json() == full.canonical_json()
    assert "uncertainties" not in plain.model_dump() and "uncertainties" not in plain.model_dump_json()


@pytest.mark.parametrize("table, field, expect", [
    ('[uncertainties."category.quality"]\nlow = 0.9\nhigh = 0.7\n', "uncertainties", "below"),
    ('[uncertainties."category.qualty"]\nlow = 0.7\nhigh = 0.9\n', 'uncertainties.category.qualty', "qualty"),
    ('[uncertainties."category.quality"]\nlow = 0.7\nhigh = 0.9\ndistribution = "cauchy"\n', "uncertainties", "distribution"),
    ('[uncertainties."category.quality"]\nlow = 0.7\nhigh = 1.5\n', "uncertainties.category.quality", "1.5"),
    ('[uncertainties."category.quality"]\nlow = 0.7\nhigh = 0.9\ndistribution = "triangular"\n', "uncertainties", "mode"),
])
def test_bad_ranges_exit_2_naming_file_and_field(tmp_path, table, field, expect):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n' + table)
    with pytest.raises(ScenarioError) as err:
        Scenario.from_toml(path)
    assert field in str(err.value) and expect in str(err.value) and "bad.toml" in str(err.value)
    r = siyu("validate", path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "bad.toml" in r.stderr + r.stdout


def test_uncertain_without_ranges_is_refused_before_running(tmp_path):
    r = siyu("compare", ROOT / "scenarios" / "hotel_concierge.toml", "--uncertain", 4, "--out", tmp_path / "o")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--uncertain" in r.stderr and "uncertainties" in r.stderr
    assert not (tmp_path / "o" / "runs").exists()


def test_wilson_interval_is_sound_at_the_edges():
    assert wilson(0, 10)[0] == pytest.approx(0.0) and 0 < wilson(0, 10)[1] < 0.35
    assert wilson(10, 10)[1] == pytest.approx(1.0) and 0.65 < wilson(10, 10)[0] < 1
    lo, hi = wilson(5, 10)
    assert lo < 0.5 < hi and lo == pytest.approx(1 - hi)


def test_cli_writes_robust_outputs_and_the_report_section(tmp_path):
    out = tmp_path / "o"
    r = siyu("compare", TOY, "--replications", 2, "--uncertain", 6, "--flip-steps", 1, "--days", 20, "--out", out)
    assert r.returncode == 0, r.stderr
    for name in ("robust.json", "robust_runs.parquet", "robust_flip_points.parquet", "comparison.json"):
        assert (out / name).is_file()
    assert "median plausible world" in " ".join(r.stdout.split())  # the console wraps lines
    html = (out / "report.html").read_text()
    assert "How robust is this verdict?" in html and "Assumptions varied" in html
    r = siyu("report", out, "--lang", "zh")
    assert r.returncode == 0, r.stderr


def test_a_whole_number_assumption_runs_whole_numbers(tmp_path):
    path = tmp_path / "int.toml"
    path.write_text('name = "int"\ndays = 15\nseed = 3\n[market]\naudience = 2000\ninitial_pool = 200\n'
                    '[uncertainties."market.initial_pool"]\nlow = 100\nhigh = 400\n')
    r = robust_compare(path, worlds=4, replications=1, flip_steps=1)
    for values in (r.runs["market.initial_pool"], r.flip_points["market.initial_pool"]):
        assert all(float(v).is_integer() and 100 <= v <= 400 for v in values)
    assert r.runs["market.initial_pool"].nunique() == 4


def test_the_box_picture_shades_the_box_the_sentences_give(toy_result):
    """The report's picture of a flip box: the worlds on the bounded assumption against the
    paired difference, coloured by the winner, and the box over the worlds harvest wins."""
    from reports.robust_section import box_figure

    r, _ = toy_result
    fig = box_figure(r.summary, r.runs, "gmv_total", "en")
    lim = r.summary["metrics"]["gmv_total"]["flips"]["boxes"][0]["limits"][0]
    (rect,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert rect.x1 == lim["high"] and fig.layout.xaxis.title.text == BUDGET
    harvest_wins = next(tr for tr in fig.data if tr.name == "harvest wins")
    assert len(harvest_wins.x) > 0 and max(harvest_wins.x) <= lim["high"] + 850.0 / 16 * 2
    assert all(y < 0 for y in harvest_wins.y)  # nurture - harvest below zero where harvest wins
    assert box_figure(r.summary, r.runs, "gmv_total", "zh").layout.title.text.startswith("GMV上的结论")
    no_boxes = {**r.summary, "metrics": {"gmv_total": {**r.summary["metrics"]["gmv_total"],
                                                       "flips": {"boxes": []}}}}
    assert box_figure(no_boxes, r.runs, "gmv_total") is None


@pytest.mark.interrupts
def test_a_killed_robust_comparison_resumes_to_the_same_answer(tmp_path):
    """SIGKILL while the worlds run; the same command again finishes from the stored runs
    and says what an uninterrupted comparison says."""
    import signal
    import time

    args = ["compare", TOY, "--replications", 2, "--uncertain", 8, "--flip-steps", 1, "--days", 20]
    clean = siyu(*args, "--out", tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    out = tmp_path / "killed"
    exe = Path(sys.executable).parent / "siyu"
    proc = subprocess.Popen([str(exe), *map(str, args), "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "SIYU_CHECK": "0"}, start_new_session=True)
    robust_runs = out / "robust" / "runs"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and len(list(robust_runs.glob("*.json"))) < 4:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be killed: make the comparison longer"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = len(list(robust_runs.glob("*.json")))
    assert 4 <= kept < 8 * 2 * 2
    again = siyu(*args, "--out", out)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "robust.json").read_text()) == json.loads((tmp_path / "clean" / "robust.json").read_text())


def test_the_shipped_ranges_make_a_design_of_what_will_run():
    """A robust design's size is worlds x strategies x replications, not a full grid of the
    declared ranges (default.toml's seven ranges at five steps would be 78,125 points,
    refused by the design-size check before a single world ran)."""
    for path in SCENARIOS:
        sc = Scenario.from_toml(path)
        if sc.uncertainties:
            experiment = design(sc, ["harvest", "nurture"], 2, sc.seed, worlds=200)
            assert experiment.point_count() == 200, path.name
