"""Empirical output: forecast a real transaction log's holdout, against BG/NBD.

Any log of customer id, date and amount (``siyu validate-model --transactions LOG``) is
split in two: the calibration period (by default the first half of the log's span) and
the holdout. Both models see only the calibration period and condition on each
customer's first purchase:

- **BG/NBD** (:mod:`experiments.validation.btyd`), fitted by maximum likelihood, predicts
  each customer's holdout purchases from her own history;
- **siyu** describes the shop as it was (:func:`shop_scenario`): a shop without a WeChat
  pool, so no Moments, groups, mass messages, official account, follow-ups or service
  desk, no acquisition and no referrals; each customer arrives on her first-purchase day,
  having bought (``market.arrivals``). What applies to such a shop stays on: how sharply
  buying waits for need, how readily people buy and how much they differ in it, drift
  away and how much people differ in it, satisfaction, how much people differ in it and
  walk-outs after a disappointing product, trust and its decay.

**The protocol** (what the fit may move is chosen on the calibration period alone; the
holdout is used only to score the final forecast):

1. Split the calibration period at ``inner`` = halfway between the last first purchase and
   the end of the calibration period.
2. For each candidate structure of :data:`STRUCTURES` (each adds mechanisms to the one
   before), fit it to the log up to ``inner`` (:mod:`experiments.cohort_fit`: repeat count
   x recency of the last purchase by first-purchase group, multinomial deviance, plus the
   weekly repeat purchases, Poisson deviance; common random numbers; each structure's
   search starts from the optimum of the one it extends; the estimate is chosen among
   the best points seen and response-surface minima on streams the search never used)
   and forecast the weekly cumulative repeat purchases from ``inner`` to the end of the
   calibration period on fresh streams.
3. Choose the structure with the smallest mean absolute error on that inner forecast
   (BG/NBD's error on the same split is reported beside them, as the bar to reach before
   the holdout is opened; it is not a candidate).
4. Fit the chosen structure to the whole calibration period the same way, the search
   starting from its optimum of step 2; its forecast of the holdout is the mean of
   :data:`FORECAST_REPLICATIONS` runs on streams the fit never saw.

Both forecasts are compared with what happened: the weekly cumulative repeat purchases of
the cohort in the holdout (mean absolute error, in purchases) and the distribution of
holdout purchases per customer, 0..7+ (Pearson's chi-square distance, expected counts from
the model, floored at half a customer). A check passes when siyu is at least as accurate
as BG/NBD. The shipped CDNOW sample (tests/data/cdnow_sample.csv: 2,357 customers who
first bought in January-March 1997, followed to the end of June 1998, 546 days; Fader,
Hardie & Lee 2005) is this check on a log the project holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments import cohort_fit
from experiments.translog import arrivals_from_log, read_transactions, simulate_transactions, to_days
from experiments.validation import btyd
from experiments.validation.check import Check, say
from sim.errors import SiyuInputError
from sim.scenario import Scenario

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "cdnow_sample.csv"
HORIZON, CAL_END, WEEK = 546, 273, 7   # the CDNOW split: 78 weeks, calibration on the first 39
BINS = 8  # holdout purchases 0, 1, ..., 6, 7+
#: a shop without a pool: none of the pool's levers, no desk
SHOP_LEVERS = {"acquisition_budget": 0.0, "moments_posts": 0.0, "group_messages": 0.0, "private_messages": 0.0,
               "official_posts": 0.0, "followup": False, "group_invite_share": 0.0, "official_follow_share": 0.0,
               "super_user_share": 0.0, "recall_after_days": 0, "referral_reward": 0.0}
_BUYING = {"category.need_sharpness": (0.02, 4.0), "behaviour.buy_rate": (0.005, 0.5),
           "behaviour.buy_rate_shape": (0.05, 5.0), "behaviour.drift_leave_rate": (0.0, 0.02),
           "category.quality": (0.5, 1.0), "category.quality_spread": (0.0, 0.9)}
#: candidate structures, each adding mechanisms to the one before:
#: - buying: how sharply a purchase waits for need to come due, how readily people buy and
#:   how much they differ in it (with a low sharpness each person buys as a Poisson process
#:   with a gamma-distributed rate, the NBD); drift away; satisfaction and how much people
#:   differ in being pleased (the walk-out after a bad product is then BG/NBD's
#:   beta-distributed drop-out at a purchase); trust moves with purchases only;
#: - + trust fading without contact (what a pool's content offsets; a shop without a pool
#:   has none, so whether and how fast it fades is the shop's to fit);
#: - + how much people differ in drifting away (Pareto/NBD's gamma-distributed drop-out).
STRUCTURES = {
    "buying, drift and satisfaction": _BUYING,
    "+ trust decay": _BUYING | {"behaviour.trust_decay": (0.0, 0.01)},
    "+ heterogeneous drop-out": _BUYING | {"behaviour.trust_decay": (0.0, 0.01), "behaviour.drop_out_shape": (0.05, 5.0)},
}
#: where an added parameter starts when its structure's search begins from the optimum of
#: the structure it extends: the value closest to that structure (the scenario's own value
#: otherwise); a shape of 0 means "everyone alike", outside the fitted range, whose most
#: alike end is its top
NESTED_START = {"behaviour.drop_out_shape": 5.0, "behaviour.buy_rate_shape": 5.0}
#: the search (replications per candidate, generations, population per parameter)
SEARCH = {"quick": (2, 12, 3), "full": (3, 20, 5)}
#: runs on fresh streams whose mean is siyu's forecast, at both sizes: with fewer, the
#: per-customer histogram's chi-square moves by several units from run to run
FORECAST_REPLICATIONS = 20
INNER_REPLICATIONS = 10


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


def bgnbd_forecast(log: Log, seed: int = 2005) -> dict:
    """Fit BG/NBD (time in weeks) on the calibration period; holdout curve and histogram."""
    s = btyd.summarise(log.tx, log.calibration_end, WEEK)
    x, t_x, T = s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy()
    model = btyd.fit(x, t_x, T)
    weeks = (log.horizon - log.calibration_end) // WEEK
    curve = np.array([model.expected_holdout(w, x, t_x, T).sum() for w in range(1, weeks + 1)])
    draws = model.sample_holdout(weeks, x, t_x, T, 400, np.random.default_rng(seed))
    shares = np.bincount(np.minimum(draws, BINS - 1).ravel(), minlength=BINS) / draws.size
    return {"model": model, "curve": curve, "shares": shares}


def bgnbd_inner_mae(log: Log) -> float:
    """BG/NBD's error on the protocol's own development split (fitted up to ``inner``,
    forecasting the rest of the calibration period): the bar siyu's structures are measured
    against before the holdout is opened."""
    inner = log.inner_end
    s = btyd.summarise(log.tx, inner, WEEK)
    x, t_x, T = s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy()
    model = btyd.fit(x, t_x, T)
    weeks = (log.calibration_end - inner) // WEEK
    curve = np.array([model.expected_holdout(w, x, t_x, T).sum() for w in range(1, weeks + 1)])
    return float(np.abs(curve - repeats_between(log.tx, inner, log.calibration_end)).mean())


def shop_scenario(log: Log) -> Scenario:
    """The cohort as the model sees it (see the module docstring): each customer arrives on
    her first-purchase day, having just bought; everyone in the log is a customer the shop
    wants (``fit_share`` 1); someone who has left buys no more from it
    (``public_buy_factor`` 0); trust moves with purchases only (``trust_decay`` 0, which
    a structure may fit); orders are valued at the log's mean (the forecast counts
    orders, not yuan)."""
    tx = log.tx
    return Scenario.from_dict({
        "name": f"{log.name} cohort", "days": log.horizon, "seed": 1997,
        "market": {"audience": tx["customer"].nunique(), "fit_share": 1.0, "initial_pool": 0,
                   "arrivals": arrivals_from_log(tx)},
        "category": {"price_mean": float(tx.loc[tx["day"] <= log.calibration_end, "amount"].mean())},
        "behaviour": {"public_buy_factor": 0.0, "referral_rate": 0.0, "trust_decay": 0.0},
        "platform": {"daily_add_limit": 100_000},
        "service": {"enabled": False},
        "strategy": {"default": "custom", "levers": {"all": SHOP_LEVERS}},
    }, source=f"<validation: {log.name}>")


def cdnow_scenario(tx: pd.DataFrame) -> Scenario:
    """:func:`shop_scenario` of the CDNOW log (or of a part of it)."""
    return shop_scenario(Log(tx, "CDNOW", HORIZON, CAL_END))


def _forecast_runs(scenario: Scenario, reps: int, first_stream: int, measure) -> list:
    return [measure(simulate_transactions(scenario, "custom", scenario.seed, first_stream + r)) for r in range(reps)]


def choose_structure(log: Log, base: Scenario, quick: bool, workers: int = 1) -> tuple[str, pd.DataFrame]:
    """Protocol steps 1-3: the structure whose fit up to ``inner`` best forecasts the rest
    of the calibration period (on the calibration period alone)."""
    inner = log.inner_end
    reps, maxiter, popsize = SEARCH["quick" if quick else "full"]
    actual = repeats_between(log.tx, inner, log.calibration_end)
    rows, previous = [], None
    for name, params in STRUCTURES.items():
        # each structure extends the one before: its search starts from that one's optimum
        fit = cohort_fit.fit(base, log.tx, inner, params, replications=reps, maxiter=maxiter, popsize=popsize,
                             workers=workers, start=None if previous is None else NESTED_START | previous,
                             uncertainty=False)
        previous = fit.values()
        fitted = base.with_overrides(fit.values(), source="<validation: structure>").with_overrides(
            days=log.calibration_end)
        curves = _forecast_runs(fitted, INNER_REPLICATIONS, 500, lambda s: repeats_between(s, inner, log.calibration_end))
        mae = float(np.abs(np.mean(curves, axis=0) - actual).mean())
        rows.append({"structure": name, "parameters": len(params), "deviance": fit.deviance, "inner_mae": mae,
                     "fitted": fit.values()})
    table = pd.DataFrame(rows)
    return str(table.loc[table["inner_mae"].idxmin(), "structure"]), table


def siyu_forecast(log: Log, quick: bool, workers: int = 1) -> dict:
    """The protocol: choose the structure, fit it to the calibration period, forecast."""
    base = shop_scenario(log)
    chosen, selection = choose_structure(log, base, quick, workers)
    reps, maxiter, popsize = SEARCH["quick" if quick else "full"]
    # the search starts from the chosen structure's optimum on the development split
    inner_optimum = selection.loc[selection["structure"] == chosen, "fitted"].iloc[0]
    fit = cohort_fit.fit(base, log.tx, log.calibration_end, STRUCTURES[chosen], replications=reps, maxiter=maxiter,
                         popsize=popsize, workers=workers, start=inner_optimum)
    fitted = base.with_overrides(fit.values(), source=f"<validation: {log.name}>")
    outcomes = _forecast_runs(fitted, FORECAST_REPLICATIONS, 1000,  # streams 1000+ were never seen by a fit
                              lambda s: holdout_outcome(s.groupby(["customer", "day"], as_index=False)["amount"].sum(),
                                                        log.horizon, log.calibration_end))
    curves = np.array([o[2] for o in outcomes])
    shares = np.array([histogram(o[1]) for o in outcomes])
    return {"theta": fit.values(), "fit": fit, "chosen": chosen, "selection": selection, "scenario": fitted,
            "curves": curves, "curve": curves.mean(axis=0), "shares": shares.mean(axis=0)}


def _curve_figure(log: Log, actual, bg, siyu_curves, n):
    w = np.arange(1, len(actual) + 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=w, y=actual, name=f"actual ({log.name})", line={"color": "#000000", "width": 3}))
    fig.add_trace(go.Scatter(x=w, y=bg, name="BG/NBD", line={"color": "#d62728", "dash": "dash"}))
    for i, c in enumerate(siyu_curves):
        fig.add_trace(go.Scatter(x=w, y=c, mode="lines", line={"color": "#1f77b4", "width": 1}, opacity=0.35,
                                 name="siyu replications" if i == 0 else None, showlegend=i == 0))
    fig.add_trace(go.Scatter(x=w, y=siyu_curves.mean(axis=0), name="siyu (mean)", line={"color": "#1f77b4"}))
    fig.update_layout(template="plotly_white", height=340, xaxis_title="holdout week",
                      yaxis_title="cumulative repeat purchases",
                      title=f"{log.name} holdout ({n:,} customers): forecasts vs actual")
    return fig


def _hist_figure(log: Log, obs, bg, siyu):
    labels = [str(k) for k in range(BINS - 1)] + [f"{BINS - 1}+"]
    fig = go.Figure()
    for y, name, col in ((obs, f"actual ({log.name})", "#000000"), (bg, "BG/NBD", "#d62728"), (siyu, "siyu", "#1f77b4")):
        fig.add_trace(go.Bar(x=labels, y=y, name=name, marker_color=col))
    fig.update_layout(template="plotly_white", height=340, barmode="group", xaxis_title="holdout purchases",
                      yaxis_title="share of customers", title="Holdout purchases per customer")
    return fig


def check_log(log: Log, quick: bool, workers: int = 1) -> list[Check]:
    """Two checks on a log's holdout: the weekly cumulative curve and the per-customer histogram."""
    cohort, counts, actual = holdout_outcome(log.tx, log.horizon, log.calibration_end)
    n = len(cohort)
    bg = bgnbd_forecast(log)
    sy = siyu_forecast(log, quick, workers)
    mae_bg, mae_sy = float(np.abs(bg["curve"] - actual).mean()), float(np.abs(sy["curve"] - actual).mean())
    obs_counts = np.bincount(np.minimum(counts, BINS - 1), minlength=BINS)
    chi_bg, chi_sy = chi_square(obs_counts, bg["shares"]), chi_square(obs_counts, sy["shares"])
    m = bg["model"]
    fitted = ", ".join(f"{k.split('.')[-1]} {v:.3g}" for k, v in sy["theta"].items())
    weeks = f"weeks {log.calibration_end // WEEK + 1}-{log.horizon // WEEK}"
    key = "".join(ch if ch.isalnum() else "_" for ch in log.name.lower()).strip("_")
    details = {"customers": n, "log": log.name, "calibration_end_day": log.calibration_end, "horizon_day": log.horizon,
               "bgnbd": {"r": m.r, "alpha_weeks": m.alpha, "a": m.a, "b": m.b},
               "siyu_structure": sy["chosen"], "structure_selection": sy["selection"].to_dict("records"),
               "bgnbd_inner_mae": bgnbd_inner_mae(log),
               "siyu_fit": sy["fit"].table().to_dict("records"), "actual_total": float(actual[-1]),
               "bgnbd_total": float(bg["curve"][-1]), "siyu_total": float(sy["curve"][-1]),
               "siyu_forecast_replications": len(sy["curves"])}
    facts = {"log": log.name, "n": n, "first_week": log.calibration_end // WEEK + 1, "last_week": log.horizon // WEEK,
             "mae_bg": mae_bg, "mae_sy": mae_sy, "chi_bg": chi_bg, "chi_sy": chi_sy, "actual": float(actual[-1]),
             "total_sy": float(sy["curve"][-1]), "total_bg": float(bg["curve"][-1]),
             "actual_shares": histogram(counts).tolist(), "siyu_shares": sy["shares"].tolist(),
             "fit": say("empirical.fit", r=m.r, alpha=m.alpha, a=m.a, b=m.b, structure=say(f"empirical.structure.{sy['chosen']}"),
                        fitted=[say("empirical.parameter", path=k, value=v) for k, v in sy["theta"].items()]),
             "siyu_better": bool(chi_sy <= chi_bg)}
    common = (f"BG/NBD fitted r {m.r:.3f}, alpha {m.alpha:.2f} weeks, a {m.a:.3f}, b {m.b:.3f}; siyu chose "
              f"'{sy['chosen']}' on the calibration period and fitted {fitted}")
    curve = Check(
        name=f"{key}_holdout_weekly_cumulative", family="empirical",
        compares=f"cumulative repeat purchases per holdout week ({weeks}) of the {n:,} {log.name} customers: siyu "
                 "vs BG/NBD (both fitted on the calibration period only) vs actual",
        expected=f"siyu mean absolute error <= BG/NBD's ({mae_bg:.1f} purchases); actual total {actual[-1]:.0f}",
        observed=f"siyu MAE {mae_sy:.1f}, BG/NBD MAE {mae_bg:.1f} purchases; totals: siyu {sy['curve'][-1]:.0f}, "
                 f"BG/NBD {bg['curve'][-1]:.0f}, actual {actual[-1]:.0f}",
        tolerance="siyu no less accurate than BG/NBD (no margin)",
        passed=mae_sy <= mae_bg,
        evidence=(f"On data neither model saw, siyu's weekly cumulative forecast was off by {mae_sy:.1f} purchases on "
                  f"average against BG/NBD's {mae_bg:.1f} ({common})."),
        figure=_curve_figure(log, actual, bg["curve"], sy["curves"], n),
        details=details | {"mae_siyu": mae_sy, "mae_bgnbd": mae_bg},
        statements={k: say(f"empirical.curve.{k}", **facts) for k in ("compares", "expected", "observed", "tolerance", "evidence")},
        chart={"title": say("empirical.curve.title", log=log.name, n=n), "xaxis": say("empirical.curve.xaxis"),
               "yaxis": say("empirical.curve.yaxis"), "trace.0": say("empirical.actual", log=log.name),
               "trace.1": say("empirical.bgnbd"), "trace.2": say("empirical.siyu_replications"),
               f"trace.{len(sy['curves']) + 2}": say("empirical.siyu_mean")})
    hist = Check(
        name=f"{key}_holdout_repeat_distribution", family="empirical",
        compares=f"share of the {n:,} {log.name} customers with 0, 1, ..., 7+ purchases in the holdout: siyu vs "
                 "BG/NBD vs actual",
        expected=f"siyu chi-square distance <= BG/NBD's ({chi_bg:.1f}); actual shares "
                 + " / ".join(f"{v:.3f}" for v in histogram(counts)),
        observed=f"siyu chi-square {chi_sy:.1f}, BG/NBD {chi_bg:.1f}; siyu shares "
                 + " / ".join(f"{v:.3f}" for v in sy["shares"]),
        tolerance="siyu no less accurate than BG/NBD (no margin); 8 bins, expected counts floored at 0.5",
        passed=chi_sy <= chi_bg,
        evidence=(f"The holdout distribution of purchases per customer is {chi_sy:.1f} (Pearson chi-square) away from "
                  f"siyu's forecast and {chi_bg:.1f} from BG/NBD's; {'siyu' if chi_sy <= chi_bg else 'BG/NBD'} "
                  f"describes who buys again better."),
        figure=_hist_figure(log, histogram(counts), bg["shares"], sy["shares"]),
        statements={k: say(f"empirical.hist.{k}", **facts) for k in ("compares", "expected", "observed", "tolerance", "evidence")},
        chart={"title": say("empirical.hist.title"), "xaxis": say("empirical.hist.xaxis"),
               "yaxis": say("empirical.hist.yaxis"), "trace.0": say("empirical.actual", log=log.name),
               "trace.1": say("empirical.bgnbd"), "trace.2": say("empirical.siyu")},
        details=details | {"chi2_siyu": chi_sy, "chi2_bgnbd": chi_bg, "actual_shares": histogram(counts).tolist(),
                           "siyu_shares": sy["shares"].tolist(), "bgnbd_shares": bg["shares"].tolist()})
    return [curve, hist]


def check_empirical(quick: bool) -> list[Check]:
    """The shipped CDNOW sample's holdout checks."""
    return check_log(cdnow_log(), quick)
