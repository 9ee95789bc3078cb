"""``--set PATH=VALUE`` on every command that reads a scenario: the same numbers as the
change written in the file, and a malformed path refused (exit 2) before any run."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import experiments
from experiments.design import Experiment

SWEEP = """name = "set-check"
base = "{base}"
strategies = ["nurture"]
replications = 2
days = 40
outputs = ["gmv_total", "retention_30"]
[overrides]
"market.audience" = 4000
"market.initial_pool" = 300
campaigns = []
{extra}
[levers.moments_posts]
values = [0, 6]
"""


def siyu(*args):
    return subprocess.run([sys.executable, "-m", "siyu", *map(str, args)], capture_output=True, text=True)


def sweep_file(tmp_path, root, name: str, extra: str = ""):
    f = tmp_path / name
    f.write_text(SWEEP.format(base=(root / "scenarios" / "default.toml").as_posix(), extra=extra))
    return f


def test_sweep_with_set_gives_the_numbers_of_the_change_written_in_the_sweep_file(tmp_path, root):
    plain = sweep_file(tmp_path, root, "plain.toml")
    written = sweep_file(tmp_path, root, "written.toml", '"category.quality" = 0.6\n"strategy.levers.nurture.staff" = 2')
    a = siyu("sweep", plain, "--out", tmp_path / "set", "--set", "category.quality=0.6",
             "--set", "strategy.levers.nurture.staff=2")
    assert a.returncode == 0, a.stderr
    b = siyu("sweep", written, "--out", tmp_path / "file")
    assert b.returncode == 0, b.stderr
    assert (tmp_path / "set" / "curves.csv").read_bytes() == (tmp_path / "file" / "curves.csv").read_bytes()
    ta, tb = experiments.load(tmp_path / "set"), experiments.load(tmp_path / "file")
    pd.testing.assert_frame_equal(ta.sort_values(["point", "replication"]).reset_index(drop=True),
                                  tb.sort_values(["point", "replication"]).reset_index(drop=True))
    # and the change did something: the unchanged sweep gives other numbers
    c = siyu("sweep", plain, "--out", tmp_path / "unchanged")
    assert c.returncode == 0, c.stderr
    assert (tmp_path / "unchanged" / "curves.csv").read_bytes() != (tmp_path / "set" / "curves.csv").read_bytes()


def test_set_wins_over_the_sweep_files_own_overrides(tmp_path, root):
    f = sweep_file(tmp_path, root, "s.toml", '"category.quality" = 0.6')
    assert Experiment.from_toml(f, {"category.quality": 0.7}).base.category.quality == 0.7
    assert Experiment.from_toml(f).base.category.quality == 0.6


@pytest.mark.parametrize("command, bad, named", [
    *[(c, "market.audiense=100", "market.audiense") for c in ("sweep", "sensitivity", "optimize", "calibrate", "validate")],
    ("sweep", "public_channels[tiktok].precision=0.1", "tiktok"), ("sweep", "nonsense", "PATH=VALUE"),
    ("sweep", "days=true", "days")])
def test_a_malformed_set_path_exits_2_naming_it_on_every_command(tmp_path, root, command, bad, named):
    f = sweep_file(tmp_path, root, "s.toml")
    out = tmp_path / "out"
    if command in ("calibrate", "validate"):
        series = tmp_path / "series.csv"
        series.write_text("day,pool\n1,300\n2,310\n")
        target = [root / "scenarios" / "default.toml"]
        extra = ["--series", series, "--param", "category.quality=0.5:0.9", "--out", out] if command == "calibrate" else []
        r = siyu(command, *target, *extra, "--set", bad)
    else:
        r = siyu(command, f, "--out", out, "--set", bad)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert named in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not out.exists() or not any(out.iterdir())


def test_set_with_a_resume_from_the_manifest_alone_is_refused(tmp_path):
    r = siyu("sweep", "--resume", "--out", tmp_path / "x", "--set", "category.quality=0.6")
    assert r.returncode == 2 and "--set" in r.stderr and "Traceback" not in r.stderr, r.stderr
