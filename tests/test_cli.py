"""The command line's contracts: file names, JSON keys, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

SUMMARY_KEYS = {
    "scenario", "scenario_hash", "strategy", "seed", "days", "version", "gmv_total", "gmv_private",
    "gmv_public", "gmv_30", "gmv_90", "gmv_180", "gmv_365", "orders", "customers_acquired",
    "acquisition_cost", "pool_final", "active_final", "retention_30", "retention_90", "retention_180",
    "retention_365", "monthly_churn", "repurchase_rate", "referrals", "top20_gmv_share", "mutes",
    "deletes", "bans",
}
DAILY_COLUMNS = {"day", "pool", "active", "muted", "lost", "acquired", "orders", "gmv_private", "gmv_public",
                 "mutes", "deletes", "bans", "referrals", "mean_trust", "mean_fatigue"}


def siyu(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "siyu", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def small_file(tmp_path, root):
    text = (root / "scenarios" / "default.toml").read_text()
    text = text.replace("days = 365 ", "days = 60 ").replace("audience = 60000 ", "audience = 6000 ")
    text = text.replace("initial_pool = 3000 ", "initial_pool = 500 ")
    # a 60-day file cannot declare the year's campaigns (they start after its horizon)
    text = re.sub(r"\[\[campaigns\]\].*?(?=\[strategy\])", "", text, flags=re.S)
    f = tmp_path / "small.toml"
    f.write_text(text)
    return f


def test_run_writes_summary_and_daily(small_file, tmp_path):
    out = tmp_path / "run"
    r = siyu("run", small_file, "--strategy", "harvest", "--seed", 3, "--out", out)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["strategy"] == "harvest" and summary["seed"] == 3 and summary["days"] == 60
    assert summary["gmv_90"] is None and summary["gmv_30"] is not None  # past the horizon: null
    daily = pd.read_parquet(out / "daily.parquet")
    assert DAILY_COLUMNS <= set(daily.columns) and len(daily) == 60


def test_same_seed_gives_byte_identical_summary(small_file, tmp_path):
    for name in ("a", "b"):
        assert siyu("run", small_file, "--seed", 11, "--out", tmp_path / name).returncode == 0
    assert (tmp_path / "a" / "summary.json").read_bytes() == (tmp_path / "b" / "summary.json").read_bytes()


def test_days_option_overrides_horizon(small_file, tmp_path):
    assert siyu("run", small_file, "--days", 20, "--out", tmp_path / "d").returncode == 0
    assert json.loads((tmp_path / "d" / "summary.json").read_text())["days"] == 20


def test_compare_writes_json_parquet_and_report(small_file, tmp_path):
    out = tmp_path / "cmp"
    r = siyu("compare", small_file, "--replications", 3, "--seed", 5, "--workers", 2, "--out", out)
    assert r.returncode == 0, r.stderr
    c = json.loads((out / "comparison.json").read_text())
    assert {"scenario", "scenario_hash", "replications", "seed", "version", "strategies", "difference",
            "crossover_day"} <= set(c)
    assert set(c["strategies"]) == {"harvest", "nurture"}
    assert set(c["strategies"]["nurture"]["gmv_total"]) == {"mean", "ci_low", "ci_high"}
    assert set(c["difference"]["gmv_total"]) == {"mean", "ci_low", "ci_high", "p_value"}
    assert set(c["crossover_day"]) == {"mean", "ci_low", "ci_high", "share_crossed"}
    daily = pd.read_parquet(out / "daily.parquet")
    assert {"strategy", "replication"} <= set(daily.columns)
    assert len(daily) == 2 * 3 * 60
    html = (out / "report.html").read_text()
    assert "js-plotly-plot" in html or "plotly" in html.lower()


def test_compare_is_the_same_on_one_or_two_workers(small_file, tmp_path):
    for w in (1, 2):
        assert siyu("compare", small_file, "--replications", 2, "--workers", w, "--out", tmp_path / f"w{w}").returncode == 0
    a = json.loads((tmp_path / "w1" / "comparison.json").read_text())
    b = json.loads((tmp_path / "w2" / "comparison.json").read_text())
    assert a == b


def test_validate_ok_and_bad(small_file, tmp_path):
    assert siyu("validate", small_file).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[category]\nprice_mean = -3\n")
    r = siyu("validate", bad)
    assert r.returncode == 2
    assert "category.price_mean" in r.stderr and str(bad) in r.stderr.replace("\n", "")
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [
    ("run", "missing.toml"),
    ("compare", "scenarios/default.toml", "--strategies", "harvest,nurtur"),
    ("compare", "scenarios/default.toml", "--replications", "0"),
    ("run", "scenarios/default.toml", "--strategy", "nope"),
])
def test_bad_input_exits_2_without_traceback(args, root):
    r = siyu(*args, cwd=root)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stderr.strip()


def test_set_gives_the_same_numbers_as_the_change_written_in_the_file(small_file, tmp_path):
    r = siyu("run", small_file, "--seed", 5, "--out", tmp_path / "set", "--set", "category.quality=0.6",
             "--set", "public_channels[douyin].cost_per_contact=1.2", "--set", "strategy.levers.nurture.staff=3")
    assert r.returncode == 0, r.stderr
    text = small_file.read_text().replace("quality = 0.85 ", "quality = 0.6 ")
    text = text.replace("cost_per_contact = 0.8 ", "cost_per_contact = 1.2 ")
    text += "\n[strategy.levers.nurture]\nstaff = 3\n"
    edited = tmp_path / "edited.toml"
    edited.write_text(text)
    assert siyu("run", edited, "--seed", 5, "--out", tmp_path / "file").returncode == 0
    a = json.loads((tmp_path / "set" / "summary.json").read_text())
    b = json.loads((tmp_path / "file" / "summary.json").read_text())
    assert a == b and a["staff_cost"] > 0


@pytest.mark.parametrize("bad, named", [
    ("market.audiense=100", "market.audiense"), ("public_channels[tiktok].precision=0.1", "tiktok"),
    ("days=true", "days"), ("market.audience.x=1", "market.audience"), ("nonsense", "PATH=VALUE"),
    ("campaigns[7].discount=0.1", "campaigns")])
def test_every_malformed_set_is_bad_input_naming_the_path(small_file, tmp_path, bad, named):
    r = siyu("run", small_file, "--out", tmp_path / "x", "--set", bad)
    assert r.returncode == 2 and named in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "x").exists()
