"""Typos and impossible requests are refused before the first run: exit 2, one message
naming the file or option, the field and what was expected, no traceback, nothing written.

Unknown strategy names (lever tables, sweep strategies and levers, --strategies,
--strategy), out-of-range seeds, a single replication (no confidence interval can be
computed from one), unknown outputs (with a did-you-mean hint), oversized designs and
damaged sweep manifests."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import experiments.design
from siyu.cli import main

SMALL = 'name = "small"\ndays = 30\n[market]\naudience = 2000\ninitial_pool = 200\n'
SWEEP = 'name = "s"\nbase = "small.toml"\nreplications = 2\n'


def cli(*args) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(buf):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, buf.getvalue()


@pytest.fixture
def files(tmp_path) -> Path:
    (tmp_path / "small.toml").write_text(SMALL)
    (tmp_path / "typo.toml").write_text(SMALL + "[strategy.levers.nurtrue]\nmoments_posts = 2\n")
    return tmp_path


def refused(code: int, output: str, *names: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output and output.startswith(("error:", "Usage:")), output
    for name in names:
        assert name in output, output


def sweep_file(tmp: Path, body: str, base: str = "small.toml") -> Path:
    f = tmp / "s.toml"
    f.write_text(SWEEP.replace("small.toml", base) + body)
    return f


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_misspelt_lever_table_is_refused_by_run_and_compare(files, command):
    out = files / "out"
    refused(*cli(command, files / "typo.toml", "--out", out), "strategy.levers.nurtrue", "did you mean 'nurture'")
    assert not out.exists()


@pytest.mark.parametrize("body, field", [
    ('strategies = ["harvest", "nurtrue"]\n[levers.moments_posts]\nvalues = [0, 2]\n', "strategies[1]"),
    ('strategies = ["harvest", "harvest"]\n[levers.moments_posts]\nvalues = [0, 2]\n', "strategies[1]"),
    ('[levers.moments_posts]\nvalues = [0, 2]\nstrategy = "nurtrue"\n', "levers.moments_posts.strategy"),
    ('[levers."strategy.levers.nurtrue.moments_posts"]\nvalues = [0, 2]\n', "strategy.levers.nurtrue"),
    ('outputs = ["proft"]\n[levers.moments_posts]\nvalues = [0, 2]\n', "outputs[0]"),
])
def test_a_sweep_with_an_unknown_name_is_refused_before_any_run(files, body, field):
    f, out = sweep_file(files, body), files / "out"
    code, output = cli("sweep", f, "--out", out)
    refused(code, output, str(f), field)
    assert not out.exists()


def test_a_sweep_over_a_scenario_with_a_misspelt_lever_table_is_refused(files):
    f = sweep_file(files, "[levers.moments_posts]\nvalues = [0, 2]\n", base="typo.toml")
    refused(*cli("sweep", f, "--out", files / "out"), "strategy.levers.nurtrue")


def test_optimize_without_a_lever_search_space_is_refused_before_the_search(files):
    for body in ('[uncertainties."category.quality"]\nlow = 0.6\nhigh = 0.9\n',
                 '[levers.moments_posts]\nlow = 0\nhigh = 3\n[uncertainties."category.quality"]\nlow = 0.6\nhigh = 0.9\n'):
        code, output = cli("optimize", sweep_file(files, body), "--out", files / "out")
        refused(code, output, str(files / "s.toml"), "[levers.*] ranges")
        assert "━" not in output  # refused before the search's progress bar started
    assert not (files / "out").exists()


def test_output_typos_get_a_hint(files):
    f = sweep_file(files, "[levers.moments_posts]\nvalues = [0, 2]\n")
    refused(*cli("sweep", f, "--outputs", "gmv_totl", "--out", files / "o1"), "--outputs", "did you mean 'gmv_total'")
    refused(*cli("optimize", f, "--objective", "proft", "--out", files / "o2"), "--objective", "did you mean 'profit'")
    refused(*cli("optimize", f, "--constraint", "retention_9>=0.1", "--out", files / "o3"), "--constraint")
    refused(*cli("sensitivity", f.parent / sweep_file(files, "[levers.moments_posts]\nlow = 0\nhigh = 3\n").name,
                 "--strategy", "nurtrue", "--out", files / "o4"), "--strategy", "nurture")
    refused(*cli("sweep", f, "--factor", "moments_post", "--out", files / "o5"), "--factor", "moments_posts")
    assert not any((files / f"o{i}").exists() for i in range(1, 6))


@pytest.mark.parametrize("args, name", [
    (["compare", "{s}", "--strategies", "harvest,harvest"], "--strategies"),
    (["compare", "{s}", "--strategies", "harvest,nurtrue"], "--strategies"),
    (["compare", "{s}", "--strategies", "harvest"], "--strategies"),
    (["run", "{s}", "--strategy", "nurtrue"], "--strategy"),
    (["run", "{s}", "--seed", "-1"], "--seed"),
    (["run", "{s}", "--seed", "18446744073709551616"], "--seed"),
    (["compare", "{s}", "--seed", "-1"], "--seed"),
    (["compare", "{s}", "--seed", "18446744073709551616"], "--seed"),
    (["compare", "{s}", "--replications", "1"], "--replications"),
    (["run", "{s}", "--days", "0"], "--days"),
    (["compare", "{s}", "--days", "0"], "--days"),
    (["compare", "{s}", "--days", "3651"], "--days"),
])
def test_bad_options_are_refused_before_any_run(files, args, name):
    out = files / "out"
    refused(*cli(*[a.format(s=files / "small.toml") for a in args], "--out", out), name)
    assert not out.exists()


def test_one_replication_cannot_give_a_confidence_interval(files):
    f = sweep_file(files, "[levers.moments_posts]\nvalues = [0, 2]\n").read_text().replace("replications = 2", "replications = 1")
    (files / "one.toml").write_text(f)
    refused(*cli("sweep", files / "one.toml", "--out", files / "out"), "replications", "greater than or equal to 2")


def test_designs_beyond_the_limit_are_refused_up_front_with_the_estimate(files, monkeypatch):
    f = sweep_file(files, "[levers.moments_posts]\nlow = 0\nhigh = 5\nsteps = 2000\n"
                          '[uncertainties."category.quality"]\nlow = 0.5\nhigh = 0.9\nsteps = 1000\n')
    refused(*cli("sweep", f, "--out", files / "o1"), "8,000,000 runs", "at most 200,000")
    g = sweep_file(files, "[levers.moments_posts]\nlow = 0\nhigh = 5\n")
    refused(*cli("sensitivity", g, "--n", "1000000", "--out", files / "o2"), "--n", "6,000,000 runs")
    # within the run limit but not within this process's memory
    monkeypatch.setattr(experiments.design.resources, "available_memory", lambda: 2**16)
    code, output = cli("sweep", g, "--out", files / "o3")
    assert code == 2 and "Traceback" not in output and "20 runs need about" in output, output
    assert not any((files / f"o{i}").exists() for i in range(1, 3))
    assert not list((files / "o3").glob("runs/*"))


@pytest.mark.parametrize("manifest", ["[1, 2]", '{"kind": "sweep"}', "{not json"])
def test_a_damaged_sweep_manifest_is_a_clear_refusal(files, manifest):
    out = files / "out"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    refused(*cli("sweep", "--resume", "--out", out), "manifest.json")
    f = sweep_file(files, "[levers.moments_posts]\nvalues = [0, 2]\n")
    code, output = cli("sweep", f, "--out", out)
    assert code == 2 and "Traceback" not in output and str(out) in output, output
    assert json.dumps(sorted(p.name for p in out.iterdir())) in ('["manifest.json"]', '[".siyu.lock", "manifest.json"]')


def test_report_never_overwrites_the_results_it_reads(files):
    out = files / "cmp"
    assert cli("compare", files / "small.toml", "--replications", "2", "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    for name in ("comparison.json", "runs.parquet", "manifest.json", "scenario.toml"):
        refused(*cli("report", out, "--out", out / name), f"--out {out / name}", "expected a new file")
    refused(*cli("report", out, "--out", out / "runs"), "is a directory")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert cli("report", out, "--out", out / "report.html")[0] == 0   # an earlier report may be rebuilt
    assert cli("report", out, "--out", out / "other.html")[0] == 0    # a new file may be written


def test_calibrate_keeps_finished_results_without_force(files):
    out = files / "cal"
    out.mkdir()
    (out / "calibration.html").write_text("earlier results")
    (files / "series.csv").write_text("day,orders\n1,3\n2,4\n")
    code, output = cli("calibrate", files / "small.toml", "--series", files / "series.csv",
                       "--param", "category.quality=0.5:0.9", "--out", out)
    refused(code, output, "calibration.html", "--force")
    assert [p.name for p in out.iterdir()] == ["calibration.html"]


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("days", ["0", "3651"])
def test_an_impossible_horizon_blames_the_days_option(files, command, days):
    code, output = cli(command, files / "small.toml", "--days", days, "--out", files / "out")
    refused(code, output, "--days")
    assert "overrides" not in output and not (files / "out").exists()


def test_an_unknown_check_family_gets_a_hint_and_a_readable_list():
    code, output = cli("validate-model", "--only", "diffusion,queu")
    refused(code, output, "--only", "'queu'", "did you mean 'queue'?", "diffusion, queue, docking")
    assert "[" not in output


def test_validate_accepts_a_sweep_file_and_checks_it_as_sweep_does(files):
    f = sweep_file(files, "[levers.moments_posts]\nvalues = [0, 2]\n")
    code, output = cli("validate", f)
    assert code == 0 and output.startswith("ok") and "8 runs" in output and "moments_posts" in output, output
    assert "did you mean 'bass'" not in output
    f = sweep_file(files, 'outputs = ["proft"]\n[levers.moments_posts]\nvalues = [0, 2]\n')
    refused(*cli("validate", f), str(f), "outputs[0]", "profit")


def test_validate_checks_a_scenario_that_carries_its_own_sweep(files):
    (files / "inline.toml").write_text(SMALL + "[sweep]\nreplications = 2\n[sweep.levers.moments_postz]\nvalues = [0, 2]\n")
    refused(*cli("validate", files / "inline.toml"), "levers.moments_postz", "did you mean 'moments_posts'")


def test_a_misspelt_sensitivity_parameter_gets_a_hint(files):
    f = sweep_file(files, "[levers.moments_posts]\nlow = 0\nhigh = 3\n")
    refused(*cli("sensitivity", f, "--parameters", "moments_post", "--out", files / "out"),
            "--parameters", "did you mean moments_posts?")
    assert not (files / "out").exists()


def test_calibrate_and_optimize_refuse_bad_choices_before_any_work_starts(files):
    (files / "series.csv").write_text("day,pool\n" + "".join(f"{d},{200 + d}\n" for d in range(1, 11)))
    base = ["calibrate", files / "small.toml", "--series", files / "series.csv"]
    for extra, named in ((["--param", "category.qualty=0.5:0.9"], "did you mean 'quality'"),
                         (["--param", "category.quality=0.9:0.5"], "must be below"),
                         (["--param", "category.quality=0.5:0.9", "--strategy", "nurtrue"], "--strategy")):
        code, output = cli(*base, *extra, "--out", files / "cal")
        refused(code, output, named)
        assert "calibrating" not in output and not (files / "cal").exists()
    f = sweep_file(files, '[uncertainties."category.quality"]\nvalues = [0.5, 0.7]\n')
    code, output = cli("optimize", f, "--out", files / "opt")
    refused(code, output, str(f), "searches levers")
    assert "optimising" not in output and not (files / "opt").exists()


@pytest.mark.parametrize("code, line, named", [
    ("x = (\n", 1, "syntax error"),
    ('"""a strategy file"""\nimport siyu_no_such_module\n', 2, "ModuleNotFoundError"),
    ("def f():\n    return 1 / 0\n\nf()\n", 2, "ZeroDivisionError")])
def test_a_broken_strategies_file_is_bad_input_naming_file_and_line(files, code, line, named):
    module = files / "mine.py"
    module.write_text(code)
    for command in ("run", "compare"):
        out = files / "out"
        refused(*cli(command, files / "small.toml", "--strategies-from", module, "--out", out),
                f"{module}: line {line}", named)
        assert not out.exists()


@pytest.mark.parametrize("args, option", [(["optimize", "--objective", "proft"], "--objective"),
                                          (["optimize", "--strategy", "nurtrue"], "--strategy"),
                                          (["sweep", "--outputs", "proft"], "--outputs")])
def test_an_option_typo_names_the_option_once(files, args, option):
    f = sweep_file(files, "[levers.moments_posts]\nlow = 0\nhigh = 3\n")
    code, output = cli(args[0], f, *args[1:], "--out", files / "out")
    refused(code, output, f"error: {option}: unknown", "did you mean")
    assert f"{option}: {option}" not in output
