"""A transaction log split into a calibration period and a holdout, and what is measured on
the holdout: the cohort's weekly cumulative repeat purchases and the distribution of
purchases per customer (:mod:`experiments.validation.empirical` compares BG/NBD's and
siyu's forecasts of both)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.cohort_fit import WEEK
from experiments.translog import read_transactions, to_days
from sim.errors import SiyuInputError

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "cdnow_sample.csv"
HORIZON, CAL_END = 546, 273   # the CDNOW split: 78 weeks, calibration on the first 39
BINS = 8  # holdout purchases 0, 1, ..., 6, 7+


@dataclass
class Log:
    """A day-numbered transaction log (one row per customer and day) and its split."""

    tx: pd.DataFrame
    name: str
    horizon: int
    calibration_end: int

    @property
    def inner_end(self) -> int:
        """Where the calibration period is split to choose the structure (protocol step 1)."""
        last_first = int(self.tx.groupby("customer")["day"].min().max())
        return (last_first + self.calibration_end) // 2


def read_cdnow(path: str | Path = DATA) -> pd.DataFrame:
    """The log as model days, one row per customer and day (same-day orders summed, as the
    BG/NBD literature counts them, and as the model records them)."""
    tx = to_days(read_transactions(path))
    return tx.groupby(["customer", "day"], as_index=False)["amount"].sum()


def read_log(path: str | Path, calibration_end: str | None = None) -> Log:
    """A transaction-log CSV (customer_id, date, amount) as a :class:`Log`; the calibration
    period ends on the date ``calibration_end`` (default: halfway through the log's span)."""
    raw = read_transactions(path)
    tx = to_days(raw).groupby(["customer", "day"], as_index=False)["amount"].sum()
    horizon = int(tx["day"].max())
    if calibration_end is None:
        end = horizon // 2
    else:
        try:
            end = int((pd.Timestamp(calibration_end) - raw["date"].min()).days) + 1
        except ValueError:
            raise SiyuInputError(f"--calibration-end: {calibration_end!r} is not a date such as 1997-09-30") from None
    first_last = int(tx.groupby("customer")["day"].min().max())
    if not first_last < end < horizon - 2 * WEEK:
        raise SiyuInputError(f"--calibration-end: day {end} of the log must fall after the last first purchase "
                             f"(day {first_last}) and at least two weeks before its end (day {horizon})")
    if tx["customer"].nunique() < 50:
        raise SiyuInputError(f"{path}: {tx['customer'].nunique()} customers; a holdout check needs at least 50")
    return Log(tx, Path(path).name, horizon, end)


def cdnow_log() -> Log:
    return Log(read_cdnow(), "CDNOW", HORIZON, CAL_END)


def holdout_outcome(tx: pd.DataFrame, horizon: int = HORIZON,
                    calibration_end: int = CAL_END) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Cohort (customers first seen by ``calibration_end``), per-customer holdout purchases,
    and the cohort's cumulative holdout purchases at the end of each holdout week."""
    first = tx.groupby("customer")["day"].min()
    cohort = first.index[first <= calibration_end]
    held = tx[(tx["day"] > calibration_end) & (tx["day"] <= horizon) & tx["customer"].isin(cohort)]
    counts = held.groupby("customer").size().reindex(cohort, fill_value=0).to_numpy()
    return cohort, counts, repeat_curve(held, calibration_end, horizon)


def repeat_curve(tx: pd.DataFrame, start: int, end: int) -> np.ndarray:
    """Cumulative purchases of ``tx`` (its days in ``(start, end]``) at the end of each week."""
    weeks = (end - start) // WEEK
    days = tx["day"].to_numpy()
    week_of = (days[(days > start) & (days <= end)] - start - 1) // WEEK
    return np.cumsum(np.bincount(week_of[week_of < weeks], minlength=weeks)[:weeks]).astype(float)


def repeats_between(tx: pd.DataFrame, start: int, end: int) -> np.ndarray:
    """Weekly cumulative repeat purchases (not a customer's first) in ``(start, end]``."""
    first = tx.groupby("customer")["day"].transform("min")
    return repeat_curve(tx[tx["day"] > first], start, end)


def histogram(counts: np.ndarray) -> np.ndarray:
    """Shares of customers with 0, 1, ..., 6, 7+ holdout purchases."""
    return np.bincount(np.minimum(np.asarray(counts, int), BINS - 1), minlength=BINS) / max(len(counts), 1)


def chi_square(observed_counts: np.ndarray, predicted_shares: np.ndarray) -> float:
    """Pearson's sum (O - E)^2 / E over the bins, E = n x predicted share (at least 0.5)."""
    n = observed_counts.sum()
    e = np.maximum(n * predicted_shares, 0.5)
    return float(((observed_counts - e) ** 2 / e).sum())
