"""What the command line prints and writes for a reader: numbers by one formatter with
units, tables whole when piped, and the spreadsheet-friendly files (CSV, xlsx)."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import ROOT
from test_cli import siyu, small_file  # noqa: F401  (the fixture)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """One small comparison, piped (stdout is not a terminal)."""
    tmp = tmp_path_factory.mktemp("cmp")
    text = (ROOT / "scenarios" / "default.toml").read_text()
    text = text.replace("days = 365 ", "days = 60 ").replace("audience = 60000 ", "audience = 6000 ")
    text = text.replace("initial_pool = 3000 ", "initial_pool = 500 ")
    text = re.sub(r"\[\[campaigns\]\].*?(?=\[strategy\])", "", text, flags=re.S)
    f = tmp / "small.toml"
    f.write_text(text)
    r = siyu("compare", f, "--replications", 3, "--seed", 5, "--out", tmp / "out", "--csv", "--xlsx")
    assert r.returncode == 0, r.stderr
    return r, tmp / "out"


def test_run_prints_profit_with_units(small_file, tmp_path):  # noqa: F811
    r = siyu("run", small_file, "--strategy", "nurture", "--seed", 3, "--out", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in r.stdout.splitlines() if line.count("│") >= 4}
    assert rows["profit"][1] == "yuan" and re.fullmatch(r"-?[\d,.]+[kM]?", rows["profit"][0])
    assert rows["gmv_total"][1] == "yuan" and rows["pool_final"][1] == "people"
    assert rows["repurchase_rate"][0].endswith(" %") and rows["roi"][0].endswith("×")


def test_piped_compare_table_is_not_clipped(compared):
    r, _ = compared
    assert "…" not in r.stdout
    lines = [line for line in r.stdout.splitlines() if "│" in line]
    assert any(line.split("│")[1].strip() == "repurchase_rate" for line in lines)


def test_compare_intervals_are_bracketed_and_counts_never_negative(compared):
    r, _ = compared
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in r.stdout.splitlines() if line.count("│") >= 5}
    for cell in rows["bans"][1:3]:
        m = re.fullmatch(r"([\d,.]+) \[([\d,.]+), ([\d,.]+)\]", cell)
        assert m, cell
    assert rows["gmv_total"][0] == "yuan"
    for cell in rows["repurchase_rate"][1:3]:
        low, high = re.fullmatch(r"[\d.]+ % \[([\d.]+) %, ([\d.]+) %\]", cell).groups()
        assert 0 <= float(low) <= float(high) <= 100


def test_run_writes_csv_and_a_workbook(small_file, tmp_path):  # noqa: F811
    out = tmp_path / "run"
    r = siyu("run", small_file, "--seed", 3, "--days", 20, "--out", out, "--csv", "--xlsx")
    assert r.returncode == 0, r.stderr
    daily = pd.read_csv(out / "daily.csv", encoding="utf-8-sig")
    assert len(daily) == 20 and daily.columns[0] == "day"
    assert daily.equals(pd.read_parquet(out / "daily.parquet")[daily.columns].astype(daily.dtypes.to_dict()))
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig").set_index("metric")
    assert summary.loc["profit", "unit"] == "yuan"
    assert openpyxl.load_workbook(out / "run.xlsx").sheetnames == ["summary", "daily", "assumptions"]


def test_run_without_csv_writes_no_spreadsheet(small_file, tmp_path):  # noqa: F811
    out = tmp_path / "run"
    assert siyu("run", small_file, "--days", 10, "--out", out).returncode == 0
    assert not list(out.glob("*.csv")) and not list(out.glob("*.xlsx"))


def test_compare_writes_the_comparison_daily_means_and_assumptions(compared):
    _, out = compared
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    assert wb.sheetnames == ["comparison", "daily means", "runs", "assumptions"]
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig")
    summary = pd.read_json(out / "comparison.json", typ="series")
    profit = table[(table["metric"] == "profit") & (table["strategy"] == "nurture")].iloc[0]
    assert profit["mean"] == pytest.approx(summary["strategies"]["nurture"]["profit"]["mean"])
    counts = table[table["unit"] == "people"]
    assert (counts["strategy"].str.contains(" - ") | (counts["ci_low"] >= 0)).all()
    means = pd.read_csv(out / "daily_means.csv", encoding="utf-8-sig")
    daily = pd.read_parquet(out / "daily.parquet")
    day5 = daily[(daily["strategy"] == "harvest") & (daily["day"] == 5)]["pool"].mean()
    assert means[(means["strategy"] == "harvest") & (means["day"] == 5)]["pool"].iloc[0] == pytest.approx(day5)
    assert len(means) == 2 * 60
    rows = [r for r in wb["assumptions"].iter_rows(min_row=2, values_only=True)]
    assert any(r[0] == "market.audience" and r[1] == "6,000" for r in rows)


def test_sweep_writes_its_runs_and_a_workbook(tmp_path):
    (tmp_path / "small.toml").write_text('name = "small"\ndays = 20\n[market]\naudience = 1000\ninitial_pool = 100\n')
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\nbase = "small.toml"\nreplications = 2\nstrategies = ["nurture"]\n'
                 'outputs = ["gmv_total"]\n[levers.moments_posts]\nvalues = [0, 2]\n')
    r = siyu("sweep", f, "--out", tmp_path / "out", "--csv", "--xlsx")
    assert r.returncode == 0, r.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv", encoding="utf-8-sig")
    assert len(runs) == 4 and "gmv_total" in runs
    wb = openpyxl.load_workbook(tmp_path / "out" / "sweep.xlsx")
    assert wb.sheetnames == ["curves", "peaks", "runs", "assumptions"]
    assert "mean there" in r.stdout and " yuan" in r.stdout.split("mean there")[1].splitlines()[0]


@pytest.fixture(scope="module")
def optimized(tmp_path_factory):
    """One small search (two generations, a lever 0-8), and its directory."""
    tmp = tmp_path_factory.mktemp("opt")
    (tmp / "small.toml").write_text('name = "small"\ndays = 30\n[market]\naudience = 2000\ninitial_pool = 200\n')
    (tmp / "s.toml").write_text('name = "s"\nbase = "small.toml"\nreplications = 2\nstrategies = ["nurture"]\n'
                                "[levers.moments_posts]\nlow = 0\nhigh = 8\n")
    r = siyu("optimize", tmp / "s.toml", "--objective", "profit", "--maxiter", 2, "--popsize", 3,
             "--out", tmp / "out")
    assert r.returncode == 0, r.stderr
    return r, tmp / "out"


def test_optimize_progress_has_a_total(optimized):
    r, _ = optimized
    done = re.findall(r"(\d+)/(\S+)", r.stderr)
    assert done and all(total.isdigit() for _, total in done), r.stderr
    assert done[-1][0] == done[-1][1]


def test_optimize_says_whether_the_gain_is_significant_and_the_limit_was_hit(optimized):
    r, out = optimized
    best = json.loads((out / "best.json").read_text())
    assert best["iteration_limit_hit"] is (not best["converged"] and best["maxiter"] == 2)
    if best["iteration_limit_hit"]:
        assert "iteration limit (2 generations)" in r.stdout
    p = best["gain_over_preset"]["p_value"]
    if best["gain_significant"]:
        assert p < 0.05 and "best nurture levers" in r.stdout
    else:
        assert "no significant gain over the preset nurture levers" in r.stdout
        assert f"(p = {p:.2g})" in r.stdout and "keep the preset levers" in r.stdout


def test_report_on_an_optimize_directory_plots_the_objective_against_the_lever(optimized):
    _, out = optimized
    r = siyu("report", out)
    assert r.returncode == 0, r.stderr
    html = (out / "report.html").read_text()
    history = pd.read_csv(out / "history.csv")
    assert "no significant gain" in html or "best nurture levers" in html
    spec = json.loads(re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S).group(1))
    feasible = [trace for trace in spec if trace.get("name") == "feasible"][0]
    assert sorted(_values(feasible["x"])) == pytest.approx(sorted(history.loc[history["feasible"], "moments_posts"]))
    assert sorted(_values(feasible["y"])) == pytest.approx(sorted(history.loc[history["feasible"], "objective"]))
    assert "candidate evaluated" not in html


def _values(data) -> list[float]:
    """A plotly trace's numbers: a list, or the typed array plotly writes (base64 bytes and a dtype)."""
    if isinstance(data, list):
        return [float(x) for x in data]
    return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).astype(float).tolist()


def test_optimize_history_counts_generations_as_scipy_runs_them(optimized):
    _, out = optimized
    sizes = pd.read_csv(out / "history.csv").groupby("generation").size()
    assert list(sizes.index) == [0, 1, 2] and sizes.nunique() == 1  # the initial population, then 2 generations


@pytest.mark.parametrize("gain, maximize, significant", [
    ({"mean": 5.0, "p_value": 0.01}, True, True), ({"mean": 5.0, "p_value": 0.06}, True, False),
    ({"mean": -5.0, "p_value": 0.01}, True, False), ({"mean": -5.0, "p_value": 0.01}, False, True),
    ({"mean": None, "p_value": None}, True, False)])
def test_a_gain_counts_only_if_significant_and_the_right_way(gain, maximize, significant):
    from experiments.optimize import gain_significant
    assert gain_significant(gain, maximize) is significant


def test_calibrate_progress_has_a_total_and_shares_print_as_percentages(tmp_path):
    (tmp_path / "small.toml").write_text('name = "small"\ndays = 30\n[market]\naudience = 2000\ninitial_pool = 200\n')
    (tmp_path / "series.csv").write_text("day,pool\n" + "".join(f"{d},{200 + 3 * d}\n" for d in range(1, 11)))
    r = siyu("calibrate", tmp_path / "small.toml", "--series", tmp_path / "series.csv",
             "--param", "category.quality=0.5:0.9", "--maxiter", 1, "--popsize", 2, "--replications", 2,
             "--out", tmp_path / "cal")
    assert r.returncode == 0, r.stderr
    done = re.findall(r"(\d+)/(\S+)", r.stderr)
    assert done and all(total.isdigit() for _, total in done) and done[-1][0] == done[-1][1], r.stderr
    fit = pd.read_csv(tmp_path / "cal" / "fit_summary.csv").set_index("set")
    row = next(line for line in r.stdout.splitlines() if "│ calibration" in line or "calibration │" in line)
    assert f"{100 * fit.loc['calibration', 'mape']:.1f} %" in row
