"""Transaction logs: the customer-lifetime-value format (customer id, date, amount).

Reading a brand's log (:func:`read_transactions`), producing the same log from the model
(:func:`simulate_transactions`), and the statistics a calibration matches between them
(:func:`log_moments`): the repeat-purchase frequency distribution of the customers first
seen in the calibration period, and cumulative repeat (and first) transactions over time.
Both logs go through the same function, so observed and simulated are measured alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from agents.strategy import make_strategy
from experiments.tables import check_span, first_bad, parse_dates, read_csv
from sim.errors import ScenarioError
from sim.files import write_atomic
from sim.model import PoolModel, seed_sequence


def read_transactions(path: str | Path, customer: str = "customer_id", date: str = "date",
                      amount: str = "amount", date_format: str | None = None) -> pd.DataFrame:
    """A transaction-log CSV as ``customer`` (str), ``date`` (datetime64), ``amount`` (float).

    Dates are ISO (``YYYY-MM-DD``) unless ``date_format`` names another format
    (:func:`experiments.tables.parse_dates`). Problems name the file, the column and the
    first bad row (1-based, header = row 1).
    """
    path = Path(path)
    raw = read_csv(path, "transaction log", dtype=str, keep_default_na=False)
    for col in (customer, date, amount):
        if col not in raw.columns:
            raise ScenarioError(path, col, f"column missing; expected columns {customer}, {date}, {amount} "
                                f"(found: {', '.join(map(str, raw.columns))})")
    if raw.empty:
        raise ScenarioError(path, None, "no transactions")
    dates = parse_dates(path, date, raw[date], date_format)
    check_span(path, date, dates, raw[date])
    amounts = pd.to_numeric(raw[amount], errors="coerce")
    first_bad(path, amount, amounts.isna() | ~np.isfinite(amounts) | (amounts < 0), raw[amount], "a number >= 0")
    first_bad(path, customer, raw[customer].str.strip() == "", raw[customer], "a customer id")
    return pd.DataFrame({"customer": raw[customer].str.strip(), "date": dates, "amount": amounts.astype(float)})


def to_days(tx: pd.DataFrame, start: pd.Timestamp | None = None) -> pd.DataFrame:
    """Dated transactions as model days (day 1 = ``start``, default the first date)."""
    start = tx["date"].min() if start is None else pd.Timestamp(start)
    day = (tx["date"] - start).dt.days + 1
    return pd.DataFrame({"customer": tx["customer"], "day": day.astype(int), "amount": tx["amount"]})[day >= 1]


def simulate_transactions(scenario, strategy: str, seed: int, replication: int | None) -> pd.DataFrame:
    """The model's own transaction log: one row per order (``customer`` = the person's
    row, ``day`` 1-based, ``amount`` yuan), read off the population day by day."""
    model = PoolModel(scenario, make_strategy(scenario, strategy), seed_sequence(seed, replication))
    pop = model.population
    # each person's orders and spend as of yesterday; only a purchase changes them (one a
    # day at most), so only today's buyers need updating, and new rows start at zero
    orders = pop.orders.astype(np.int64)
    spend = pop.spend.astype(np.float64)
    rows, days, amounts = [], [], []
    for day in range(1, scenario.days + 1):
        model.step()
        if pop.size > orders.size:
            orders = np.concatenate([orders, np.zeros(pop.size - orders.size, np.int64)])
            spend = np.concatenate([spend, np.zeros(pop.size - spend.size)])
        bought = np.flatnonzero(pop.orders > orders)
        now = pop.spend[bought].astype(np.float64)
        rows.append(bought)
        days.append(np.full(bought.size, day))
        amounts.append(now - spend[bought])
        orders[bought], spend[bought] = pop.orders[bought], now
    return pd.DataFrame({"customer": np.concatenate(rows), "day": np.concatenate(days),
                         "amount": np.concatenate(amounts)})


def arrivals_from_log(tx: pd.DataFrame) -> list[dict]:
    """``market.arrivals`` that bring a day-numbered log's customers into the pool on the day
    of their first purchase, having bought: a simulated cohort conditioned on when its
    customers first bought (as buy-till-you-die models condition), for calibrating the
    repeat-purchase and drop-out mechanics to a log."""
    first = tx.groupby("customer")["day"].min()
    return [{"day": int(d) - 1, "count": int(k)} for d, k in first.value_counts().sort_index().items()]


def write_log(tx: pd.DataFrame, path: str | Path, start: str = "2024-01-01") -> Path:
    """Write a day-numbered log as a dated CSV (customer_id, date, amount)."""
    dates = pd.Timestamp(start) + pd.to_timedelta(tx["day"] - 1, unit="D")
    frame = pd.DataFrame({"customer_id": tx["customer"].astype(str), "date": dates.dt.strftime("%Y-%m-%d"),
                          "amount": tx["amount"].round(2)})
    return write_atomic(path, frame.to_csv(index=False))


#: days since the last purchase at the end of the calibration period: about a month, a
#: quarter, half a year, longer
RECENCY_DAYS = ((0, 28), (28, 91), (91, 182), (182, np.inf))
#: repeat-count classes whose share of recent buyers (last purchase within RECENT_DAYS) is
#: matched: frequency and recency together, as BG/NBD reads them per customer
FREQUENCY_CLASSES = ((1, 1), (2, 3), (4, None))
RECENT_DAYS = 91


def log_moments(tx: pd.DataFrame, horizon: int, calibration_end: int, step: int = 7, max_repeat: int = 4) -> list[dict]:
    """Statistics of a day-numbered log, as records (name, family, x, set, value).

    - ``repeat_freq``: among customers whose first transaction falls in the calibration
      period, the share with 0, 1, ..., ``max_repeat``+ repeat transactions in it;
    - ``recency``: among those of them who bought again, the share whose last purchase was
      0-27, 28-90, 91-181 or 182+ days before the end of the calibration period. Frequency
      alone cannot tell a shop whose customers stopped early from one whose customers buy
      slowly; when they last bought can (it is what buy-till-you-die models read too);
    - ``recent_by_freq``: among those who bought again once, two or three times, four or
      more times, the share whose last purchase was within 91 days of the end of the
      calibration period. The two marginals above cannot tell a cohort whose frequent
      buyers keep buying while the rest drift off (heterogeneous drop-out, which holds
      repeat buying up later) from one where everyone drifts off alike; this joint can;
    - ``cum_repeat`` / ``cum_first``: cumulative repeat / first transactions at every
      ``step``-th day (and at the end of each period);
    - ``mean_amount``: mean transaction value in the calibration period.

    ``set`` says whether a statistic describes the calibration period or the holdout.
    """
    tx = tx[(tx["day"] >= 1) & (tx["day"] <= horizon)].sort_values(["day"], kind="stable")
    first_day = tx.groupby("customer")["day"].transform("min")
    is_first = ~tx.duplicated("customer")
    out = []
    cal = tx[tx["day"] <= calibration_end]
    cohort = cal[first_day.loc[cal.index] <= calibration_end]
    repeats = cohort.groupby("customer").size() - 1
    n = max(len(repeats), 1)
    for k in range(max_repeat + 1):
        share = float((repeats >= k).sum() if k == max_repeat else (repeats == k).sum()) / n
        label = f"{k}+" if k == max_repeat else str(k)
        out.append({"name": f"repeat_freq_{label}", "family": "repeat_freq", "x": k, "set": "calibration", "value": share})
    since = calibration_end - cohort.groupby("customer")["day"].max()[repeats > 0]
    for lo, hi in RECENCY_DAYS:
        share = float(((since >= lo) & (since < hi)).sum()) / max(len(since), 1)
        label = f"{lo}+" if hi == np.inf else f"{lo}-{hi - 1}"
        out.append({"name": f"recency_{label}", "family": "recency", "x": lo, "set": "calibration", "value": share})
    repeaters = repeats[repeats > 0]
    for lo, hi in FREQUENCY_CLASSES:
        of_class = (repeaters >= lo) & (repeaters <= (hi or np.inf))
        share = float((since[of_class] < RECENT_DAYS).sum()) / max(int(of_class.sum()), 1)
        label = f"{lo}+" if hi is None else (str(lo) if hi == lo else f"{lo}-{hi}")
        out.append({"name": f"recent_by_freq_{label}", "family": "recent_by_freq", "x": lo, "set": "calibration",
                    "value": share})
    checkpoints = sorted(set(range(step, horizon + 1, step)) | {calibration_end, horizon})
    rep_by_day = np.bincount(tx["day"][~is_first], minlength=horizon + 1)
    first_by_day = np.bincount(tx["day"][is_first], minlength=horizon + 1)
    cum_rep, cum_first = np.cumsum(rep_by_day), np.cumsum(first_by_day)
    for d in checkpoints:
        period = "calibration" if d <= calibration_end else "holdout"
        out.append({"name": f"cum_repeat_{d}", "family": "cum_repeat", "x": d, "set": period, "value": float(cum_rep[d])})
        out.append({"name": f"cum_first_{d}", "family": "cum_first", "x": d, "set": period, "value": float(cum_first[d])})
    out.append({"name": "mean_amount", "family": "mean_amount", "x": 0, "set": "calibration",
                "value": float(cal["amount"].mean()) if len(cal) else 0.0})
    return out
