"""Sweep files: validated like scenarios; sampling; seeds fixed per (point, replication)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import experiments
from experiments.design import Experiment
from sim.errors import ScenarioError

HEAD = """{top}
name = "t"
base = "{base}"
strategies = ["harvest", "nurture"]
replications = 2
days = 30
outputs = ["gmv_total"]
[overrides]
"market.audience" = 3000
"market.initial_pool" = 200
campaigns = []
"""


def sweep_file(tmp_path, root, body: str, top: str = "", strategies: str = '"harvest", "nurture"'):
    f = tmp_path / "sweep.toml"
    head = HEAD.format(top=top, base=(root / "scenarios" / "default.toml").as_posix())
    f.write_text(head.replace('"harvest", "nurture"', strategies) + body)
    return f


def siyu(*args):
    return subprocess.run([sys.executable, "-m", "siyu", *map(str, args)], capture_output=True, text=True)


def test_grid_points_and_runs_in_fixed_order(tmp_path, root):
    exp = Experiment.from_toml(sweep_file(tmp_path, root, "[levers.moments_posts]\nvalues = [0, 4]\n"
                                          "[uncertainties.\"category.quality\"]\nlow = 0.5\nhigh = 0.9\nsteps = 3\n"))
    pts = exp.points()
    assert len(pts) == 6 and set(pts["moments_posts"]) == {0, 4}
    assert sorted(set(pts["category.quality"])) == pytest.approx([0.5, 0.7, 0.9])
    runs = exp.runs()
    assert len(runs) == 6 * 2 * 2
    # common random numbers: replication r uses stream r at every point and strategy
    assert all(r.stream == r.replication for r in runs)
    assert len({r.key for r in runs}) == len(runs)
    sc = exp.scenario_at({"moments_posts": 4, "category.quality": 0.7})
    assert sc.strategy.levers["harvest"].moments_posts == 4 and sc.category.quality == 0.7
    assert exp.runs()[5].key == runs[5].key  # deterministic


def test_independent_streams_without_crn(tmp_path, root):
    exp = Experiment.from_toml(sweep_file(tmp_path, root, "[levers.moments_posts]\nvalues = [0, 4, 8]\n",
                                          top="common_random_numbers = false"))
    streams = [r.stream for r in exp.runs() if r.strategy == "harvest"]
    assert streams == list(range(6))


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_qmc_sampling_within_bounds_and_reproducible(tmp_path, root, method):
    body = (f"[sampling]\nmethod = \"{method}\"\nsamples = 16\n[levers.moments_posts]\nlow = 0\nhigh = 15\n"
            "[levers.recall_after_days]\nlow = 0\nhigh = 90\ninteger = true\n")
    exp = Experiment.from_toml(sweep_file(tmp_path, root, body))
    a, b = exp.points(), exp.points()
    assert len(a) == 16 and a.equals(b)
    assert a["moments_posts"].between(0, 15).all() and a["recall_after_days"].between(0, 90).all()
    assert (a["recall_after_days"] % 1 == 0).all()
    # a Latin hypercube puts exactly one point in each of the 16 strata of every factor
    if method == "lhs":
        assert sorted(np.floor(a["moments_posts"] / 15 * 16).astype(int)) == list(range(16))


def test_resolved_experiment_round_trips(tmp_path, root):
    exp = Experiment.from_toml(sweep_file(tmp_path, root, "[levers.moments_posts]\nvalues = [0, 4]\n"))
    again = Experiment.from_resolved(exp.to_dict())
    assert again.hash == exp.hash and [r.key for r in again.runs()] == [r.key for r in exp.runs()]


@pytest.mark.parametrize("body, field", [
    ("[levers.moments_post]\nvalues = [1]\n", "levers.moments_post"),                 # misspelt lever
    ("[levers.moments_posts]\nlow = 5\nhigh = 1\n", "levers.moments_posts"),           # empty range
    ("[levers.moments_posts]\nlow = 0\nhigh = 500\n", "levers.moments_posts"),         # beyond the lever's limit
    ("[uncertainties.\"category.qualty\"]\nlow = 0.1\nhigh = 0.2\n", "uncertainties.category.qualty"),
    ("[sampling]\nmethod = \"random\"\n", "sampling.method"),
    ("[levers.moments_posts]\nvalues = [1]\nstep = 3\n", "levers.moments_posts.step"),
])
def test_bad_sweep_files_name_the_field(tmp_path, root, body, field):
    f = sweep_file(tmp_path, root, body)
    with pytest.raises(ScenarioError) as err:
        Experiment.from_toml(f)
    assert field in str(err.value) and str(f) in str(err.value)


def test_bad_sweep_file_exits_2_with_field_path_and_writes_nothing(tmp_path, root):
    f = sweep_file(tmp_path, root, "[levers.moments_posts]\nlow = 0\nhigh = 500\n")
    out = tmp_path / "out"
    r = siyu("sweep", f, "--out", out)
    assert r.returncode == 2, r.stderr
    assert "levers.moments_posts" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    r = siyu("sweep", sweep_file(tmp_path, root, "", strategies='"harvst"'), "--out", out)
    assert r.returncode == 2 and "strategies" in r.stderr and "harvest" in r.stderr


def test_a_sweep_names_customer_value_by_channel_as_outputs(tmp_path, root):
    f = sweep_file(tmp_path, root, "[levers.moments_posts]\nvalues = [1, 4]\n")
    f.write_text(f.read_text().replace('outputs = ["gmv_total"]',
                                       'outputs = ["ltv_12m", "cac[douyin]", "customers[referral]"]')
                 .replace("replications = 2", "replications = 2\nkeep_daily = false"))
    out = tmp_path / "out"
    r = siyu("sweep", f, "--workers", 1, "--out", out, "--csv")
    assert r.returncode == 0, r.stderr
    table = experiments.load(out)
    assert len(table) == 8
    for _, row in table.iterrows():
        by_channel = json.loads((out / "runs" / f"{row['key']}.json").read_text())["summary"]["by_channel"]
        assert row["cac[douyin]"] == by_channel["douyin"]["cac"]
        assert row["customers[referral]"] == by_channel["referral"]["customers"]
    assert (table["customers[douyin]"] > 0).all()
    runs_csv = (out / "runs.csv").read_text(encoding="utf-8-sig")
    assert "cac[douyin]" in runs_csv.splitlines()[0]


@pytest.mark.parametrize("output, says", [("cac[douyn]", "douyin"), ("lvt_12m[douyin]", "FIGURE[CHANNEL]")])
def test_an_unknown_channel_or_figure_is_refused_before_any_run(tmp_path, root, output, says):
    f = sweep_file(tmp_path, root, "")
    f.write_text(f.read_text().replace('outputs = ["gmv_total"]', f'outputs = ["gmv_total", "{output}"]'))
    with pytest.raises(ScenarioError) as err:
        Experiment.from_toml(f)
    assert "outputs[1]" in str(err.value) and says in str(err.value) and output in str(err.value)
