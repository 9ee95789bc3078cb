"""Empirical output: forecast a real transaction log's holdout, against BG/NBD.

Data: the CDNOW sample (tests/data/cdnow_sample.csv; 2,357 customers who first bought in
January-March 1997, followed to the end of June 1998: 546 days), the data set of Fader,
Hardie & Lee (2005). The period is split in half: days 1-273 (to 30 September 1997, 39
weeks) calibrate, days 274-546 are held out. Both models see only the calibration half,
and both condition on each customer's first purchase:

- **BG/NBD** (:mod:`experiments.validation.btyd`), fitted by maximum likelihood, predicts
  each customer's holdout purchases from her own history;
- **siyu**: each customer arrives in the pool on her first-purchase day, having bought
  (``market.arrivals``), and nothing else happens (see :func:`cdnow_scenario`). Its
  purchase and drop-out mechanics (purchase cycle, heterogeneity of rates, drift away,
  product quality: a disappointed customer may walk out, which is BG/NBD's drop-out at a
  purchase) are fitted by
  :func:`experiments.calibrate.calibrate` (simulated method of moments on the calibration
  half's repeat-frequency distribution, recency of the last purchase, recent buyers by
  frequency and four-weekly cumulative repeat purchases; the search's runs stop at the end
  of the calibration half, which gives the same moments at half the cost); the fitted
  model is then run on 20 fresh random streams, whose mean is the forecast.

Before customers entered on their first-purchase day, the criterion was dominated by the
timing of first purchases, which a pool without arrivals cannot reproduce, and the fit sat
on a ridge with almost no drop-out. Conditioned, what remains is the model's own
structure. Settings that forecast the holdout better than BG/NBD exist (e.g. cycle 148
days, shape 0.057, drift 0.002, quality 0.65, quality spread 0.3: error 47, chi-square
21.6 over 8 runs), but over grids of these parameters the settings that match the
calibration half best all lose customers faster than the holdout shows and under-forecast
it (criterion weighted by each moment's bootstrap variance in the log; rank correlation
between criterion and holdout error 0.1-0.8 over four grids and moment sets with drift free,
0.9 with drift fixed at 0, where the best fits err by 140-190 purchases). The calibration
half does not pin down how fast drop-out slows; probably the model's other mechanics
(trust that gates buying and drift, muting under the default messaging), which BG/NBD
lacks, make repeat buying fall faster than CDNOW's once fitted. The quick search (few
generations) stops far from the full one's fit.

Both forecasts are compared with what happened: the weekly cumulative repeat purchases of
the cohort in the holdout (mean absolute error, in purchases) and the distribution of
holdout purchases per customer, 0..7+ (Pearson's chi-square distance, expected counts from
the model, floored at half a customer so an empty bin does not divide by zero). A check
passes when siyu is at least as accurate as BG/NBD.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments.calibrate import Target, calibrate
from experiments.design import apply
from experiments.translog import arrivals_from_log, read_transactions, simulate_transactions, to_days
from experiments.validation import btyd
from experiments.validation.check import Check
from sim.scenario import Scenario

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "cdnow_sample.csv"
HORIZON, CAL_END, WEEK = 546, 273, 7
BINS = 8  # holdout purchases 0, 1, ..., 6, 7+
#: days between the calibration's cumulative checkpoints: every four weeks, so the
#: strongly correlated points of one curve do not outweigh frequency and recency
CHECKPOINT = 4 * WEEK
#: what the calibration may move: purchase rhythm, its spread across people, and drop-out
PARAMS = {"category.purchase_cycle_days": (14.0, 730.0), "category.cycle_shape": (0.02, 3.0),
          "behaviour.drift_leave_rate": (0.0, 0.02), "category.quality": (0.5, 1.0)}
#: not fitted: ``category.quality_spread`` (personal chances of satisfaction, BG/NBD's
#: heterogeneous drop-out). The calibration half does not pin it down: with it free the full
#: search ends with drift at its bound (0.0196) and spread 0.68, and the holdout error grows
#: from 246 to 402 (chi-square 48.6 to 767); see the module docstring
#: the search (replications per candidate, generations, population per parameter): the
#: criterion has its minimum on a long ridge, so a short search stops wherever it is
SEARCH = {"quick": (4, 4, 5), "full": (4, 12, 8)}
#: runs on fresh streams whose mean is siyu's forecast, at both sizes: with fewer, the
#: per-customer histogram's chi-square moves by several units from run to run
FORECAST_REPLICATIONS = 20


def read_cdnow(path: str | Path = DATA) -> pd.DataFrame:
    """The log as model days, one row per customer and day (same-day orders summed, as the
    BG/NBD literature counts them, and as the model records them)."""
    tx = to_days(read_transactions(path))
    return tx.groupby(["customer", "day"], as_index=False)["amount"].sum()


def holdout_outcome(tx: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Cohort (customers first seen by ``CAL_END``), per-customer holdout purchases, and the
    cohort's cumulative holdout purchases at the end of each holdout week."""
    first = tx.groupby("customer")["day"].min()
    cohort = first.index[first <= CAL_END]
    held = tx[(tx["day"] > CAL_END) & (tx["day"] <= HORIZON) & tx["customer"].isin(cohort)]
    counts = held.groupby("customer").size().reindex(cohort, fill_value=0).to_numpy()
    weeks = (HORIZON - CAL_END) // WEEK
    week_of = (held["day"].to_numpy() - CAL_END - 1) // WEEK
    curve = np.cumsum(np.bincount(week_of, minlength=weeks)[:weeks]).astype(float)
    return cohort, counts, curve


def histogram(counts: np.ndarray) -> np.ndarray:
    """Shares of customers with 0, 1, ..., 6, 7+ holdout purchases."""
    return np.bincount(np.minimum(np.asarray(counts, int), BINS - 1), minlength=BINS) / max(len(counts), 1)


def chi_square(observed_counts: np.ndarray, predicted_shares: np.ndarray) -> float:
    """Pearson's sum (O - E)^2 / E over the bins, E = n x predicted share (at least 0.5)."""
    n = observed_counts.sum()
    e = np.maximum(n * predicted_shares, 0.5)
    return float(((observed_counts - e) ** 2 / e).sum())


def bgnbd_forecast(tx: pd.DataFrame, seed: int = 2005) -> dict:
    """Fit BG/NBD (time in weeks) on the calibration half; holdout curve and histogram."""
    s = btyd.summarise(tx, CAL_END, WEEK)
    x, t_x, T = s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy()
    model = btyd.fit(x, t_x, T)
    weeks = (HORIZON - CAL_END) // WEEK
    curve = np.array([model.expected_holdout(w, x, t_x, T).sum() for w in range(1, weeks + 1)])
    draws = model.sample_holdout(weeks, x, t_x, T, 400, np.random.default_rng(seed))
    shares = np.bincount(np.minimum(draws, BINS - 1).ravel(), minlength=BINS) / draws.size
    return {"model": model, "curve": curve, "shares": shares}


def cdnow_scenario(tx: pd.DataFrame):
    """The cohort as the model sees it, conditioned on each customer's first purchase (as
    BG/NBD is): each customer arrives in the pool on the day of her first purchase, having
    just bought (``market.arrivals``), and nothing else happens: no acquisition, no
    campaigns, no service queue; the default (nurture) messaging runs as usual. The log
    follows one cohort of one shop, so the friends they would bring are not in it
    (``referral_rate`` 0), everyone in it is a customer the shop wants (``fit_share`` 1),
    someone who has left buys no more from it (``public_buy_factor`` 0), and orders are
    valued at the log's mean (the forecast counts orders, not yuan)."""
    return Scenario.from_dict({
        "name": "CDNOW cohort", "days": HORIZON, "seed": 1997,
        "market": {"audience": tx["customer"].nunique(), "fit_share": 1.0, "initial_pool": 0,
                   "arrivals": arrivals_from_log(tx)},
        "category": {"price_mean": float(tx.loc[tx["day"] <= CAL_END, "amount"].mean())},
        "behaviour": {"public_buy_factor": 0.0, "referral_rate": 0.0},
        "platform": {"daily_add_limit": 100_000},
        "service": {"enabled": False},
        "strategy": {"default": "nurture", "levers": {"all": {"acquisition_budget": 0.0}}},
    }, source="<validation: cdnow>")


def siyu_forecast(tx: pd.DataFrame, quick: bool) -> dict:
    """Calibrate on the calibration half's moments, then forecast on fresh streams."""
    base = cdnow_scenario(tx)
    target = Target("translog", HORIZON, CAL_END, step=CHECKPOINT)
    observed = target.measure_log(tx)
    reps, maxiter, popsize = SEARCH["quick" if quick else "full"]
    res = calibrate(base, target, observed, PARAMS, strategy="nurture", replications=reps, maxiter=maxiter,
                    popsize=popsize, seed=0, search_days=CAL_END)
    theta = dict(zip(res.parameters["parameter"], res.parameters["estimate"]))
    fitted = apply(base, theta, "<validation: cdnow>")
    curves, shares = [], []
    for r in range(FORECAST_REPLICATIONS):  # streams 1000+ were never seen by the fit
        _, counts, curve = holdout_outcome(simulate_transactions(fitted, "nurture", fitted.seed, 1000 + r))
        curves.append(curve)  # the simulated cohort is the real one: every customer arrives
        shares.append(histogram(counts))
    return {"theta": theta, "curves": np.array(curves), "curve": np.mean(curves, axis=0),
            "shares": np.mean(shares, axis=0), "calibration": res}


def _curve_figure(actual, bg, siyu_curves, n):
    w = np.arange(1, len(actual) + 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=w, y=actual, name="actual (CDNOW)", line={"color": "#000000", "width": 3}))
    fig.add_trace(go.Scatter(x=w, y=bg, name="BG/NBD", line={"color": "#d62728", "dash": "dash"}))
    for i, c in enumerate(siyu_curves):
        fig.add_trace(go.Scatter(x=w, y=c, mode="lines", line={"color": "#1f77b4", "width": 1}, opacity=0.35,
                                 name="siyu replications" if i == 0 else None, showlegend=i == 0))
    fig.add_trace(go.Scatter(x=w, y=siyu_curves.mean(axis=0), name="siyu (mean)", line={"color": "#1f77b4"}))
    fig.update_layout(template="plotly_white", height=340, xaxis_title="holdout week",
                      yaxis_title="cumulative repeat purchases",
                      title=f"CDNOW holdout (weeks 40-78, {n:,} customers): forecasts vs actual")
    return fig


def _hist_figure(obs, bg, siyu):
    labels = [str(k) for k in range(BINS - 1)] + [f"{BINS - 1}+"]
    fig = go.Figure()
    for y, name, col in ((obs, "actual (CDNOW)", "#000000"), (bg, "BG/NBD", "#d62728"), (siyu, "siyu", "#1f77b4")):
        fig.add_trace(go.Bar(x=labels, y=y, name=name, marker_color=col))
    fig.update_layout(template="plotly_white", height=340, barmode="group", xaxis_title="holdout purchases",
                      yaxis_title="share of customers", title="Holdout purchases per customer")
    return fig


def check_empirical(quick: bool) -> list[Check]:
    """Two checks on the CDNOW holdout: the weekly cumulative curve and the per-customer histogram."""
    tx = read_cdnow()
    cohort, counts, actual = holdout_outcome(tx)
    n = len(cohort)
    bg = bgnbd_forecast(tx)
    sy = siyu_forecast(tx, quick)
    mae_bg, mae_sy = float(np.abs(bg["curve"] - actual).mean()), float(np.abs(sy["curve"] - actual).mean())
    obs_counts = np.bincount(np.minimum(counts, BINS - 1), minlength=BINS)
    chi_bg, chi_sy = chi_square(obs_counts, bg["shares"]), chi_square(obs_counts, sy["shares"])
    m = bg["model"]
    fitted = ", ".join(f"{k.split('.')[-1]} {v:.3g}" for k, v in sy["theta"].items())
    details = {"customers": n, "bgnbd": {"r": m.r, "alpha_weeks": m.alpha, "a": m.a, "b": m.b},
               "siyu_fit": sy["theta"], "actual_total": float(actual[-1]), "bgnbd_total": float(bg["curve"][-1]),
               "siyu_total": float(sy["curve"][-1]), "siyu_forecast_replications": len(sy["curves"])}
    common = (f"BG/NBD fitted r {m.r:.3f}, alpha {m.alpha:.2f} weeks, a {m.a:.3f}, b {m.b:.3f}; siyu calibrated "
              f"{fitted}")
    curve = Check(
        name="cdnow_holdout_weekly_cumulative", family="empirical",
        compares=f"cumulative repeat purchases per holdout week (weeks 40-78) of the {n:,} CDNOW customers: siyu "
                 "(calibrated on weeks 1-39) vs BG/NBD (fitted on weeks 1-39) vs actual",
        expected=f"siyu mean absolute error <= BG/NBD's ({mae_bg:.1f} purchases); actual total {actual[-1]:.0f}",
        observed=f"siyu MAE {mae_sy:.1f}, BG/NBD MAE {mae_bg:.1f} purchases; totals: siyu {sy['curve'][-1]:.0f}, "
                 f"BG/NBD {bg['curve'][-1]:.0f}, actual {actual[-1]:.0f}",
        tolerance="siyu no less accurate than BG/NBD (no margin)",
        passed=mae_sy <= mae_bg,
        evidence=(f"On data neither model saw, siyu's weekly cumulative forecast was off by {mae_sy:.1f} purchases on "
                  f"average against BG/NBD's {mae_bg:.1f} ({common})."),
        figure=_curve_figure(actual, bg["curve"], sy["curves"], n),
        details=details | {"mae_siyu": mae_sy, "mae_bgnbd": mae_bg})
    hist = Check(
        name="cdnow_holdout_repeat_distribution", family="empirical",
        compares=f"share of the {n:,} CDNOW customers with 0, 1, ..., 7+ purchases in the holdout: siyu vs BG/NBD "
                 "vs actual",
        expected=f"siyu chi-square distance <= BG/NBD's ({chi_bg:.1f}); actual shares "
                 + " / ".join(f"{v:.3f}" for v in histogram(counts)),
        observed=f"siyu chi-square {chi_sy:.1f}, BG/NBD {chi_bg:.1f}; siyu shares "
                 + " / ".join(f"{v:.3f}" for v in sy["shares"]),
        tolerance="siyu no less accurate than BG/NBD (no margin); 8 bins, expected counts floored at 0.5",
        passed=chi_sy <= chi_bg,
        evidence=(f"The holdout distribution of purchases per customer is {chi_sy:.1f} (Pearson chi-square) away from "
                  f"siyu's forecast and {chi_bg:.1f} from BG/NBD's; {'siyu' if chi_sy <= chi_bg else 'BG/NBD'} "
                  f"describes who buys again better."),
        figure=_hist_figure(histogram(counts), bg["shares"], sy["shares"]),
        details=details | {"chi2_siyu": chi_sy, "chi2_bgnbd": chi_bg, "actual_shares": histogram(counts).tolist(),
                           "siyu_shares": sy["shares"].tolist(), "bgnbd_shares": bg["shares"].tolist()})
    return [curve, hist]
