"""Transaction logs and observed series are strict data: read with a byte cap, dates in one
unambiguous format (ISO, or the one named with --date-format), one time-zone offset,
each period once, finite numbers, and enough of them to estimate anything. Every refusal
names the file, the column and the first row that disagrees."""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

import experiments.tables
from experiments.calibrate import read_log_target, read_series
from experiments.translog import read_transactions
from siyu.cli import main
from sim.errors import ScenarioError

HEADER = "customer_id,date,amount\n"


def log(tmp_path, rows: list[str], name: str = "log.csv"):
    f = tmp_path / name
    f.write_text(HEADER + "".join(r + "\n" for r in rows))
    return f


def test_mixed_date_formats_are_refused_at_the_first_row_that_disagrees(tmp_path):
    f = log(tmp_path, ["a,2024-01-05,10", "b,01/02/2024,5"])
    with pytest.raises(ScenarioError, match=r"date: row 3: expected an ISO date YYYY-MM-DD .*--date-format"):
        read_transactions(f)


def test_a_named_date_format_is_read_as_named(tmp_path):
    f = log(tmp_path, ["a,01/02/2024,10", "b,12/31/2024,5"])
    tx = read_transactions(f, date_format="%m/%d/%Y")
    assert list(tx["date"]) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-12-31")]
    g = log(tmp_path, ["a,01/02/2024,10", "b,2024-12-31,5"], "g.csv")
    with pytest.raises(ScenarioError, match=r"date: row 3: expected a date in the format '%m/%d/%Y'"):
        read_transactions(g, date_format="%m/%d/%Y")


def test_time_zone_offsets_one_kept_mixed_refused(tmp_path):
    f = log(tmp_path, ["a,2024-01-05T23:30:00+08:00,10", "b,2024-01-06T01:00:00+08:00,5"])
    assert list(read_transactions(f)["date"].dt.day) == [5, 6]  # the date as written, in the log's zone
    g = log(tmp_path, ["a,2024-01-05T23:30:00+08:00,10", "b,2024-01-06T01:00:00+00:00,5"], "g.csv")
    with pytest.raises(ScenarioError, match=r"date: row 3: expected the time-zone offset of row 2 \(\+08:00\)"):
        read_transactions(g)


def test_a_log_spanning_millennia_names_the_row(tmp_path):
    f = log(tmp_path, ["a,2024-01-05,10", "b,9999-01-06,5"])
    with pytest.raises(ScenarioError, match=r"log.csv: date: row 3: expected a date within 3650 days"):
        read_transactions(f)


def test_inputs_are_read_with_a_byte_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(experiments.tables, "MAX_CSV_BYTES", 1000)
    f = log(tmp_path, [f"c{i},2024-01-01,1" for i in range(200)])
    with pytest.raises(ScenarioError, match="file is over"):
        read_transactions(f)
    with pytest.raises(ScenarioError, match="file is over"):
        read_series(f)


@pytest.mark.parametrize("body, field", [
    ("day,gmv\n1,10\n2,11\n2,12\n3,13\n", r"day: row 4: expected each day once"),
    ("day,gmv\n1,10\n2,11\n1e15,12\n3,13\n", r"day: row 4: expected a whole day number from 1 to 3650"),
    ("day,gmv\n1,10\n2,11\n1e300,12\n3,13\n", r"day: row 4"),
    ("day,gmv\n1,10\n2,inf\n3,12\n4,13\n", r"gmv: row 3: expected a finite number"),
    ("day,gmv\n1,10\n2,nan\n3,12\n4,13\n", r"gmv: row 3"),
    ("date,gmv\n2024-01-01,10\n2024-01-02,11\n01/03/2024,12\n2024-01-04,1\n", r"date: row 4: expected an ISO date"),
    ("date,gmv\n2024-01-01,10\n2024-01-02,11\n2024-01-02,12\n2024-01-04,1\n", r"date: row 4: expected each date once"),
    ("month,gmv\n2024-01,10\n2024-02,11\n2024-02,12\n2024-04,1\n", r"month: row 4: expected each month once"),
    ("day,gmv\n1,10\n", r"1 row\(s\): a calibration needs at least 4 periods"),
])
def test_bad_series_name_file_column_and_row(tmp_path, body, field):
    f = tmp_path / "series.csv"
    f.write_text(body)
    with pytest.raises(ScenarioError, match=f"series.csv: {field}"):
        read_series(f)


def test_a_good_series_still_reads(tmp_path):
    f = tmp_path / "series.csv"
    f.write_text("\ufeffdate,gmv\n01/01/2024,10\n01/02/2024,11\n01/03/2024,12\n01/04/2024,13\n", encoding="utf-8")
    target, observed = read_series(f, date_format="%m/%d/%Y")
    assert target.horizon == 4 and len(observed) == 4


def test_a_log_too_small_to_estimate_anything_is_refused(tmp_path):
    f = log(tmp_path, ["a,2024-01-05,10"])
    with pytest.raises(ScenarioError, match=r"1 transaction\(s\) from 1 customer\(s\): a calibration needs at least 20"):
        read_log_target(f)


def test_calibrate_reports_a_bad_log_in_one_line_before_any_run(tmp_path):
    (tmp_path / "s.toml").write_text('name = "s"\ndays = 30\n[market]\naudience = 2000\ninitial_pool = 200\n')
    f = log(tmp_path, ["a,2024-01-05,10", "b,01/02/2024,5"])
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(buf), pytest.raises(SystemExit) as exit_:
        main(["calibrate", str(tmp_path / "s.toml"), "--transactions", str(f), "--param",
              "category.quality=0.5:0.9", "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2 and "Traceback" not in buf.getvalue()
    assert f"{f}: date: row 3" in buf.getvalue() and "--date-format" in buf.getvalue()
    assert not (tmp_path / "out").exists()
