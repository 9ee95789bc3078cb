"""What the command line prints and writes for a reader: numbers by one formatter with
units, tables whole when piped, and the spreadsheet-friendly files (CSV, xlsx)."""

from __future__ import annotations

import re

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
    r = siyu("compare", f, "--replications", 3, "--seed", 5, "--out", tmp / "out")
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
