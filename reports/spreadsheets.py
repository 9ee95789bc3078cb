"""Results as spreadsheets, for readers who work in Excel or WPS rather than Parquet.

``--csv`` writes plain CSV files beside the Parquet ones; ``--xlsx`` writes one workbook
(openpyxl, through pandas) whose sheets are the comparison (or a run's summary, or a
sweep's curves), the daily means and the assumptions. Values are the raw numbers (yuan,
shares 0-1, counts) so a spreadsheet can compute with them; each metric row carries its
label and unit. Every file is written atomically (:func:`sim.files.write_atomic`).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from experiments import numbers
from reports.assumptions import parameters
from reports.i18n import labels
from sim.files import write_atomic
from sim.outcomes import BY_NAME, label

#: an Excel sheet name holds at most 31 characters
_SHEET_NAME_MAX = 31


def _spreadsheet_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns a cell cannot hold (curves: a list per run)."""
    curves = [c for c in frame.columns if c in BY_NAME and BY_NAME[c].kind == "curve"]
    return frame.drop(columns=curves)


def summary_rows(summary: dict) -> pd.DataFrame:
    """One run's summary as rows: metric, label, unit, value (identity fields as text)."""
    rows = []
    for key, v in summary.items():
        if key in BY_NAME and BY_NAME[key].kind == "curve":
            continue
        rows.append({"metric": key, "label": label(key), "unit": numbers.unit(key),
                     "value": v if isinstance(v, (int, float)) or v is None else str(v)})
    return pd.DataFrame(rows, columns=["metric", "label", "unit", "value"])


def comparison_rows(summary: dict) -> pd.DataFrame:
    """``comparison.json`` as rows: each compared metric's mean and 95 % CI per strategy,
    then the paired difference (second − first) with its p value."""
    first, second = summary["compared"]["first"], summary["compared"]["second"]
    rows = []
    for metric in summary["difference"]:
        for name, stats in summary["strategies"].items():
            s = stats.get(metric) or {}
            # a CI bound cut to the metric's possible range (no negative count, no share past 1)
            rows.append({"metric": metric, "label": label(metric), "unit": numbers.unit(metric), "strategy": name,
                         "mean": s.get("mean"), "ci_low": numbers.clamp(s.get("ci_low"), metric),
                         "ci_high": numbers.clamp(s.get("ci_high"), metric),
                         "p_value": None})
        d = summary["difference"][metric]
        rows.append({"metric": metric, "label": label(metric), "unit": numbers.unit(metric),
                     "strategy": f"{second} - {first}", "mean": d.get("mean"), "ci_low": d.get("ci_low"),
                     "ci_high": d.get("ci_high"), "p_value": d.get("p_value")})
    return pd.DataFrame(rows, columns=["metric", "label", "unit", "strategy", "mean", "ci_low", "ci_high", "p_value"])


def daily_means(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily table averaged over replications: one row per strategy and day."""
    keys = [c for c in ("strategy", "day") if c in daily.columns]
    values = [c for c in daily.select_dtypes("number").columns if c not in ("day", "replication", "seed")]
    return daily.groupby(keys, sort=True)[values].mean().reset_index()


def assumptions_rows(scenario) -> pd.DataFrame:
    """Every scenario parameter: path, value, unit, meaning and the file's source comment."""
    rows, _ = parameters(scenario, scenario._source_text)
    units = labels("en")
    return pd.DataFrame([{"parameter": p.path, "value": p.value, "unit": units.get(p.unit, ""),
                          "meaning": p.meaning, "source": p.source} for p in rows],
                        columns=["parameter", "value", "unit", "meaning", "source"])


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, with a byte-order mark so that Excel reads Chinese as UTF-8."""
    return "\ufeff" + _spreadsheet_columns(frame).to_csv(index=False)


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One ``.xlsx`` workbook, a sheet per frame (in order), its header row frozen."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet = name[:_SHEET_NAME_MAX]
            _spreadsheet_columns(frame).to_excel(writer, sheet_name=sheet, index=False)
            writer.sheets[sheet].freeze_panes = "A2"
    return buffer.getvalue()


def run_files(result, csv: bool = False, xlsx: bool = False) -> dict[str, str | bytes]:
    """What ``run --csv`` / ``--xlsx`` write: ``summary.csv`` and ``daily.csv``; ``run.xlsx``
    with the summary, the daily table and the assumptions. File name -> content."""
    summary, daily = summary_rows(result.summary), result.daily
    files: dict[str, str | bytes] = {}
    if csv:
        files |= {"summary.csv": csv_text(summary), "daily.csv": csv_text(daily)}
    if xlsx:
        files["run.xlsx"] = workbook_bytes({"summary": summary, "daily": daily,
                                            "assumptions": assumptions_rows(result.scenario)})
    return files


def comparison_files(comparison, csv: bool = False, xlsx: bool = False) -> dict[str, str | bytes]:
    """What ``compare --csv`` / ``--xlsx`` write: ``comparison.csv``, ``daily_means.csv`` and
    ``runs.csv``; ``comparison.xlsx`` with the comparison, the daily means, the runs and
    the assumptions. File name -> content."""
    table, means = comparison_rows(comparison.summary), daily_means(comparison.daily)
    files: dict[str, str | bytes] = {}
    if csv:
        files |= {"comparison.csv": csv_text(table), "daily_means.csv": csv_text(means),
                  "runs.csv": csv_text(comparison.runs)}
    if xlsx:
        files["comparison.xlsx"] = workbook_bytes({"comparison": table, "daily means": means,
                                                   "runs": comparison.runs,
                                                   "assumptions": assumptions_rows(comparison.scenario)})
    return files


def sweep_files(scenario, runs: pd.DataFrame, curves: pd.DataFrame | None, peaks: pd.DataFrame | None,
                csv: bool = False, xlsx: bool = False) -> dict[str, str | bytes]:
    """What ``sweep --csv`` / ``--xlsx`` write: ``runs.csv`` (every run's summary and
    factor values); ``sweep.xlsx`` with the response curves, the peaks, the runs and the
    base scenario's assumptions. File name -> content."""
    files: dict[str, str | bytes] = {}
    if csv:
        files["runs.csv"] = csv_text(runs)
    if xlsx:
        sheets = {"curves": curves, "peaks": peaks, "runs": runs, "assumptions": assumptions_rows(scenario)}
        files["sweep.xlsx"] = workbook_bytes({k: v for k, v in sheets.items() if v is not None})
    return files


def write_files(out: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write each file into ``out`` atomically."""
    return [write_atomic(Path(out) / name, content) for name, content in files.items()]
