"""Empirical output: forecast a real transaction log's holdout, against BG/NBD.

Any log of customer id, date and amount (``siyu validate-model --transactions LOG``) is
split in two: the calibration period (by default the first half of the log's span) and
the holdout. Both models see only the calibration period and condition on each
customer's first purchase:

- **BG/NBD** (:mod:`experiments.validation.btyd`), fitted by maximum likelihood, predicts
  each customer's holdout purchases from her own history;
- **siyu** describes the shop as it was (:func:`shop_scenario`) and forecasts each
  customer from her own calibration history too: its simulated people whose history is
  nearest hers say what she does next (:mod:`experiments.validation.conditional`). The
  shop is one without a WeChat pool, so no Moments, groups, mass messages, official
  account, follow-ups or service desk, no acquisition and no referrals; each customer
  arrives on her first-purchase day, having bought (``market.arrivals``). What applies to
  such a shop stays on: how sharply buying waits for need, how readily people buy and how
  much they differ in it, drift away and how much people differ in it, satisfaction, how
  much people differ in it and walk-outs after a disappointing product (including the
  order a customer's record starts with, ``behaviour.arrival_walk_out``), trust that
  purchases move and that fades.

**The protocol** (what the fit may move is chosen on the calibration period alone; the
holdout is used only to score the final forecast):

1. Split the calibration period at ``inner`` = halfway between the last first purchase and
   the end of the calibration period.
2. Fit each candidate to the log up to ``inner`` and forecast the weekly cumulative
   repeat purchases from ``inner`` to the end of the calibration period on fresh streams,
   each customer conditioned on her history up to ``inner``. The candidates:

   - BG/NBD's own process in siyu's terms (:data:`IMAGE`): not searched; BG/NBD fitted by
     maximum likelihood to the same days, carried over exactly (:func:`bgnbd_image`);
   - each structure of :data:`STRUCTURES` (each adds mechanisms to the one before),
     fitted with :mod:`experiments.cohort_fit` (repeat count x recency of the last
     purchase by first-purchase group, multinomial deviance, plus the weekly repeat
     purchases, Poisson deviance; common random numbers). The first structure's search
     starts from the values that mirror BG/NBD's moments under the shop's own mechanisms
     (:func:`bgnbd_start`), each later one's from the optimum of the one it extends; the
     estimate is chosen among the best points seen, response-surface minima and the start,
     on streams the search never used.
3. Choose the candidate with the smallest mean absolute error on that inner forecast
   (BG/NBD's own error on the same split is reported beside them, as the bar to reach
   before the holdout is opened).
4. Fit the chosen candidate to the whole calibration period the same way (BG/NBD's
   process: BG/NBD's fit to the whole period, carried over; a structure: the search
   starting from its optimum of step 2, except that the first structure's parameters
   start from BG/NBD's mirror of the whole calibration period). Its forecast of the
   holdout conditions each customer on her calibration history, from at least 20 runs
   (:func:`experiments.validation.conditional.replications_for`) on streams no fit saw.

Both forecasts are compared with what happened: the weekly cumulative repeat purchases of
the cohort in the holdout (mean absolute error, in purchases) and the distribution of
holdout purchases per customer, 0..7+ (Pearson's chi-square distance, expected counts from
the model, floored at half a customer). A check passes when siyu is at least as accurate
as BG/NBD. The shipped CDNOW sample (tests/data/cdnow_sample.csv: 2,357 customers who
first bought in January-March 1997, followed to the end of June 1998, 546 days; Fader,
Hardie & Lee 2005) is this check on a log the project holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments import cohort_fit
from experiments.chart_text import chart_text
from experiments.translog import arrivals_from_log
from experiments.validation import btyd, conditional
from experiments.validation.check import Check, say
from experiments.validation.holdout import (BINS, CAL_END, DATA, HORIZON, WEEK, Log, chi_square, cdnow_log, histogram,
                                            holdout_outcome, read_cdnow, read_log, repeat_curve, repeats_between)
from sim.scenario import Scenario

#: the log's pieces live in :mod:`experiments.validation.holdout`; these names forward there
__all__ = ["BINS", "CAL_END", "DATA", "HORIZON", "WEEK", "Log", "chi_square", "cdnow_log", "histogram",
           "holdout_outcome", "read_cdnow", "read_log", "repeat_curve", "repeats_between", "STRUCTURES",
           "FIRST_STRUCTURE_HOLDS", "IMAGE", "IMAGE_HOLDS", "bgnbd_fit", "bgnbd_image",
           "bgnbd_forecast", "bgnbd_inner_mae", "bgnbd_start", "shop_scenario",
           "cdnow_scenario", "choose_structure", "conditioned_forecast", "siyu_forecast", "check_log",
           "check_empirical"]

#: a shop without a pool: none of the pool's levers, no desk
SHOP_LEVERS = {"acquisition_budget": 0.0, "moments_posts": 0.0, "group_messages": 0.0, "private_messages": 0.0,
               "official_posts": 0.0, "followup": False, "group_invite_share": 0.0, "official_follow_share": 0.0,
               "super_user_share": 0.0, "recall_after_days": 0, "referral_reward": 0.0}
_BUYING = {"category.need_sharpness": (0.02, 4.0), "behaviour.buy_rate": (0.005, 0.5),
           "behaviour.buy_rate_shape": (0.05, 5.0), "category.quality": (0.5, 1.0), "category.quality_spread": (0.0, 0.9)}
_RETENTION = {"behaviour.drift_leave_rate": (0.0, 0.02), "behaviour.trust_good_purchase": (0.0, 0.3),
              "behaviour.trust_bad_purchase": (0.0, 1.0), "behaviour.bad_product_rebuy": (0.0, 1.0),
              "behaviour.arrival_walk_out": (0.0, 1.0)}
#: candidate structures, each adding mechanisms to the one before:
#: - buying and satisfaction: how sharply a purchase waits for need to come due, how
#:   readily people buy and how much they differ in it (with a low sharpness each person
#:   buys as a Poisson process with a gamma-distributed rate, the NBD); satisfaction and
#:   how much people differ in being pleased, with the walk-out after a bad product as the
#:   whole of its effect (BG/NBD's beta-distributed drop-out at a purchase); drift away at
#:   the scenario's rate, trust unmoved by purchases (:data:`FIRST_STRUCTURE_HOLDS`);
#: - + drift away at a fitted rate, trust that a good or bad product moves, how much a
#:   disappointed customer who stays still buys, and whether the order a customer's record
#:   starts with can drive her away;
#: - + trust fading without contact (what a pool's content offsets; a shop without a pool
#:   has none, so whether and how fast it fades is the shop's to fit) and how much people
#:   differ in drifting away (Pareto/NBD's gamma-distributed drop-out).
STRUCTURES = {
    "buying and satisfaction": _BUYING,
    "+ drift and trust moved by purchases": _BUYING | _RETENTION,
    "+ trust decay and heterogeneous drop-out": _BUYING | _RETENTION | {"behaviour.trust_decay": (0.0, 0.01),
                                                                        "behaviour.drop_out_shape": (0.05, 5.0)},
}
#: what the first structure holds, so that a bad product acts through the walk-out alone
#: (the structures after it fit these, starting here)
FIRST_STRUCTURE_HOLDS = {"behaviour.trust_good_purchase": 0.0, "behaviour.trust_bad_purchase": 0.0,
                         "behaviour.bad_product_rebuy": 1.0, "behaviour.arrival_walk_out": 0.0}
#: the candidate before the structures: BG/NBD itself in siyu's terms, not searched but
#: BG/NBD's maximum-likelihood fit carried over (:func:`bgnbd_image`); where siyu's own
#: mechanisms do not forecast the development split better, siyu forecasts as BG/NBD does
IMAGE = "BG/NBD's own process"
#: what makes siyu's cohort BG/NBD's process (beside :data:`FIRST_STRUCTURE_HOLDS`): a
#: disappointed customer leaves at once, so drop-out comes only at a purchase, with the
#: chance satisfaction gives (BG/NBD's Beta); no drift between purchases; everyone arrives
#: with the same trust, so how readily people buy differs by the gamma readiness alone (NBD)
IMAGE_HOLDS = {"behaviour.bad_product_leave": 1.0, "behaviour.drift_leave_rate": 0.0,
               "market.pool_trust_concentration": 1e6}
#: where an added parameter starts when its structure's search begins from the optimum of
#: the structure it extends: the value closest to that structure (the scenario's own value
#: otherwise); a shape of 0 means "everyone alike", outside the fitted range, whose most
#: alike end is its top
NESTED_START = {"behaviour.drop_out_shape": 5.0}
#: the search (replications per candidate, generations, population per parameter)
SEARCH = {"quick": (2, 12, 3), "full": (3, 20, 5)}
#: the holdout figure draws the forecast of each of this many groups of the forecast's runs
#: alone, to show its Monte Carlo spread
FORECAST_GROUPS = 20


def bgnbd_forecast(log: Log, seed: int = 2005) -> dict:
    """Fit BG/NBD (time in weeks) on the calibration period; holdout curve and histogram."""
    model, (x, t_x, T) = bgnbd_fit(log, log.calibration_end)
    weeks = (log.horizon - log.calibration_end) // WEEK
    curve = _bgnbd_curve(model, (x, t_x, T), weeks)
    draws = model.sample_holdout(weeks, x, t_x, T, 400, np.random.default_rng(seed))
    shares = np.bincount(np.minimum(draws, BINS - 1).ravel(), minlength=BINS) / draws.size
    return {"model": model, "curve": curve, "shares": shares}


def bgnbd_fit(log: Log, end: int) -> tuple[btyd.BGNBD, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """BG/NBD fitted by maximum likelihood to the log up to day ``end``, and each
    customer's ``(x, t_x, T)`` (in weeks) it was fitted to."""
    s = btyd.summarise(log.tx, end, WEEK)
    history = s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy()
    return btyd.fit(*history), history


def _bgnbd_curve(model: btyd.BGNBD, history, weeks: int) -> np.ndarray:
    """The cohort's expected cumulative repeat purchases at the end of each of ``weeks``."""
    return np.array([model.expected_holdout(w, *history).sum() for w in range(1, weeks + 1)])


def bgnbd_inner_mae(log: Log) -> float:
    """BG/NBD's error on the protocol's own development split (fitted up to ``inner``,
    forecasting the rest of the calibration period): the bar siyu's structures are measured
    against before the holdout is opened."""
    inner = log.inner_end
    curve = _bgnbd_curve(*bgnbd_fit(log, inner), (log.calibration_end - inner) // WEEK)
    return float(np.abs(curve - repeats_between(log.tx, inner, log.calibration_end)).mean())


def bgnbd_start(model: btyd.BGNBD, base: Scenario) -> dict[str, float]:
    """Where the first structure's search starts: the siyu values whose buying and walk-outs
    mirror a BG/NBD model fitted to the same days.

    - Buying as a Poisson process (the lowest need sharpness the search allows) at a rate
      with BG/NBD's mean ``r / alpha`` a week and its spread across people: the rate is the
      buy rate times trust on arrival (Beta-distributed, :func:`sim.rules.joining.pool_trust`)
      times the personal readiness (gamma, mean 1, shape k), whose squared coefficients of
      variation combine as ``(1 + 1/k)(1 + cv_trust^2) = 1 + 1/r``;
    - drop-out at a repeat purchase with BG/NBD's Beta(a, b): the chance of a bad product
      times the chance a disappointed customer walks out (``bad_product_leave``, a sourced
      figure left as it is), with the variance between people that gives that product
      Beta(a, b)'s variance.

    It is a start, not a fit: the search moves it where siyu's other mechanisms differ."""
    bounds = STRUCTURES[next(iter(STRUCTURES))]
    b = base.behaviour
    trust = base.market.initial_pool_trust
    cv2_trust = (1 - trust) / (trust * (base.market.pool_trust_concentration + 1))
    excess = (1 + 1 / model.r) / (1 + cv2_trust) - 1
    shape = 1 / excess if excess > 0 else bounds["behaviour.buy_rate_shape"][1]
    drop_out = model.a / (model.a + model.b)
    leave = b.bad_product_leave
    # Var(leave x (1 - q)) = m (leave - m) / (c' + 1) against Beta(a, b)'s m (1 - m) / (a + b + 1)
    spread = (1 - drop_out) / ((model.a + model.b + 1) * max(leave - drop_out, 1e-9))
    start = {"category.need_sharpness": bounds["category.need_sharpness"][0],
             "behaviour.buy_rate": model.r / (model.alpha * WEEK) / trust,
             "behaviour.buy_rate_shape": shape,
             "category.quality": 1 - drop_out / leave,
             "category.quality_spread": spread}
    return {k: float(np.clip(v, *bounds[k])) for k, v in start.items()}


def bgnbd_image(model: btyd.BGNBD, base: Scenario) -> dict[str, float]:
    """The candidate :data:`IMAGE`: :data:`IMAGE_HOLDS` and the values that give siyu's
    people exactly BG/NBD's distributions under them (:func:`bgnbd_start`)."""
    return IMAGE_HOLDS | bgnbd_start(model, base.with_overrides(IMAGE_HOLDS, source="<validation: BG/NBD image>"))


def shop_scenario(log: Log) -> Scenario:
    """The cohort as the model sees it (see the module docstring): each customer arrives on
    her first-purchase day, having just bought; everyone in the log is a customer the shop
    wants (``fit_share`` 1); someone who has left buys no more from it
    (``public_buy_factor`` 0); trust does not fade without contact (``trust_decay`` 0)
    and holds what the first structure holds (:data:`FIRST_STRUCTURE_HOLDS`), both of which
    later structures fit; orders are valued at the log's mean (the forecast counts orders,
    not yuan)."""
    tx, source = log.tx, f"<validation: {log.name}>"
    return Scenario.from_dict({
        "name": f"{log.name} cohort", "days": log.horizon, "seed": 1997,
        "market": {"audience": tx["customer"].nunique(), "fit_share": 1.0, "initial_pool": 0,
                   "arrivals": arrivals_from_log(tx)},
        "category": {"price_mean": float(tx.loc[tx["day"] <= log.calibration_end, "amount"].mean())},
        "behaviour": {"public_buy_factor": 0.0, "referral_rate": 0.0, "trust_decay": 0.0},
        "platform": {"daily_add_limit": 100_000},
        "service": {"enabled": False},
        "strategy": {"default": "custom", "levers": {"all": SHOP_LEVERS}},
    }, source=source).with_overrides(FIRST_STRUCTURE_HOLDS, source=source)


def cdnow_scenario(tx: pd.DataFrame) -> Scenario:
    """:func:`shop_scenario` of the CDNOW log (or of a part of it)."""
    return shop_scenario(Log(tx, "CDNOW", HORIZON, CAL_END))


def conditioned_forecast(scenario: Scenario, log: Log, split: int, end: int, first_stream: int, workers: int = 1,
                         groups: int = 1) -> conditional.Conditional:
    """siyu's forecast of the log's customers from ``split`` to ``end``, each conditioned on
    her history up to ``split`` (:mod:`experiments.validation.conditional`), from runs of
    ``scenario`` on streams ``first_stream`` onwards. Nothing after ``split`` is read."""
    known = log.tx[log.tx["day"] <= split]
    runs = conditional.simulate(scenario, known["customer"].nunique(), split, end, first_stream, workers)
    return conditional.forecast(runs, known, split, end, groups)


def choose_structure(log: Log, base: Scenario, quick: bool, workers: int = 1) -> tuple[str, pd.DataFrame]:
    """Protocol steps 1-3: the structure whose fit up to ``inner`` best forecasts the rest
    of the calibration period (on the calibration period alone)."""
    inner = log.inner_end
    reps, maxiter, popsize = SEARCH["quick" if quick else "full"]
    actual = repeats_between(log.tx, inner, log.calibration_end)
    model = bgnbd_fit(log, inner)[0]
    image = bgnbd_image(model, base)
    dev = conditioned_forecast(base.with_overrides(image, source="<validation: BG/NBD image>"), log, inner,
                               log.calibration_end, 500, workers)
    rows = [{"structure": IMAGE, "parameters": 4, "deviance": None,
             "inner_mae": float(np.abs(dev.curve - actual).mean()), "fitted": image}]
    # the first structure starts from BG/NBD's fit to the same days; each later one
    # extends the one before, and its search starts from that one's optimum
    previous = bgnbd_start(model, base)
    for name, params in STRUCTURES.items():
        fit = cohort_fit.fit(base, log.tx, inner, params, replications=reps, maxiter=maxiter, popsize=popsize,
                             workers=workers, start=NESTED_START | previous, uncertainty=False)
        previous = fit.values()
        fitted = base.with_overrides(fit.values(), source="<validation: structure>")
        dev = conditioned_forecast(fitted, log, inner, log.calibration_end, 500, workers)
        mae = float(np.abs(dev.curve - actual).mean())
        rows.append({"structure": name, "parameters": len(params), "deviance": fit.deviance, "inner_mae": mae,
                     "fitted": fit.values()})
    table = pd.DataFrame(rows)
    return str(table.loc[table["inner_mae"].idxmin(), "structure"]), table


def siyu_forecast(log: Log, quick: bool, workers: int = 1) -> dict:
    """The protocol: choose the candidate, fit it to the calibration period, forecast."""
    base = shop_scenario(log)
    chosen, selection = choose_structure(log, base, quick, workers)
    model = bgnbd_fit(log, log.calibration_end)[0]
    if chosen == IMAGE:  # BG/NBD's own fit is this candidate's estimate
        theta, fit = bgnbd_image(model, base), None
    else:
        reps, maxiter, popsize = SEARCH["quick" if quick else "full"]
        # as on the development split, the first structure's parameters start from BG/NBD's
        # mirror of the days fitted; what later structures add, from its optimum there
        inner_optimum = selection.loc[selection["structure"] == chosen, "fitted"].iloc[0]
        fit = cohort_fit.fit(base, log.tx, log.calibration_end, STRUCTURES[chosen], replications=reps,
                             maxiter=maxiter, popsize=popsize, workers=workers,
                             start=inner_optimum | bgnbd_start(model, base))
        theta = fit.values()
    fitted = base.with_overrides(theta, source=f"<validation: {log.name}>")
    # streams 1000 onwards were never seen by a fit
    held = conditioned_forecast(fitted, log, log.calibration_end, log.horizon, 1000, workers, groups=FORECAST_GROUPS)
    table = (fit.table().to_dict("records") if fit is not None
             else [{"parameter": k, "estimate": v, "source": "BG/NBD maximum likelihood"} for k, v in theta.items()])
    return {"theta": theta, "fit": fit, "fit_table": table, "chosen": chosen, "selection": selection,
            "scenario": fitted, "curves": held.groups, "curve": held.curve, "shares": held.shares, "pool": held.pool,
            "replications": held.runs}


def _curve_figure(log: Log, actual, bg, siyu, siyu_curves, n):
    w = np.arange(1, len(actual) + 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=w, y=actual, name=f"actual ({chart_text(log.name)})",
                             line={"color": "#000000", "width": 3}))
    fig.add_trace(go.Scatter(x=w, y=bg, name="BG/NBD", line={"color": "#d62728", "dash": "dash"}))
    for i, c in enumerate(siyu_curves):
        fig.add_trace(go.Scatter(x=w, y=c, mode="lines", line={"color": "#1f77b4", "width": 1}, opacity=0.35,
                                 name="siyu, groups of runs" if i == 0 else None, showlegend=i == 0))
    fig.add_trace(go.Scatter(x=w, y=siyu, name="siyu (all runs)", line={"color": "#1f77b4"}))
    fig.update_layout(template="plotly_white", height=340, xaxis_title="holdout week",
                      yaxis_title="cumulative repeat purchases",
                      title=f"{chart_text(log.name)} holdout ({n:,} customers): forecasts vs actual")
    return fig


def _hist_figure(log: Log, obs, bg, siyu):
    labels = [str(k) for k in range(BINS - 1)] + [f"{BINS - 1}+"]
    fig = go.Figure()
    for y, name, col in ((obs, f"actual ({chart_text(log.name)})", "#000000"), (bg, "BG/NBD", "#d62728"),
                         (siyu, "siyu", "#1f77b4")):
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
    bar, inner = bgnbd_inner_mae(log), sy["selection"]["inner_mae"].tolist()
    details = {"customers": n, "log": log.name, "calibration_end_day": log.calibration_end, "horizon_day": log.horizon,
               "bgnbd": {"r": m.r, "alpha_weeks": m.alpha, "a": m.a, "b": m.b},
               "siyu_structure": sy["chosen"], "structure_selection": sy["selection"].to_dict("records"),
               "bgnbd_inner_mae": bar,
               "siyu_fit": sy["fit_table"], "actual_total": float(actual[-1]),
               "bgnbd_total": float(bg["curve"][-1]), "siyu_total": float(sy["curve"][-1]),
               "siyu_forecast_replications": sy["replications"], "siyu_forecast_pool": sy["pool"]}
    facts = {"log": log.name, "n": n, "first_week": log.calibration_end // WEEK + 1, "last_week": log.horizon // WEEK,
             "mae_bg": mae_bg, "mae_sy": mae_sy, "chi_bg": chi_bg, "chi_sy": chi_sy, "actual": float(actual[-1]),
             "total_sy": float(sy["curve"][-1]), "total_bg": float(bg["curve"][-1]),
             "actual_shares": histogram(counts).tolist(), "siyu_shares": sy["shares"].tolist(),
             "fit": say("empirical.fit", r=m.r, alpha=m.alpha, a=m.a, b=m.b, structure=say(f"empirical.structure.{sy['chosen']}"),
                        fitted=[say("empirical.parameter", path=k, value=v) for k, v in sy["theta"].items()],
                        inner=inner, bar=bar),
             "siyu_better": bool(chi_sy <= chi_bg)}
    common = (f"BG/NBD fitted r {m.r:.3f}, alpha {m.alpha:.2f} weeks, a {m.a:.3f}, b {m.b:.3f}; siyu's "
              f"{len(inner)} structures forecast the calibration period's development split with weekly errors of "
              f"{' / '.join(f'{e:.1f}' for e in inner)} purchases (BG/NBD {bar:.1f}); siyu chose "
              f"'{sy['chosen']}' and fitted {fitted}")
    curve = Check(
        name=f"{key}_holdout_weekly_cumulative", family="empirical",
        compares=f"cumulative repeat purchases per holdout week ({weeks}) of the {n:,} {log.name} customers: siyu "
                 "vs BG/NBD (both fitted on the calibration period only, each customer forecast from her own "
                 "calibration history) vs actual",
        expected=f"siyu mean absolute error <= BG/NBD's ({mae_bg:.1f} purchases); actual total {actual[-1]:.0f}",
        observed=f"siyu MAE {mae_sy:.1f}, BG/NBD MAE {mae_bg:.1f} purchases; totals: siyu {sy['curve'][-1]:.0f}, "
                 f"BG/NBD {bg['curve'][-1]:.0f}, actual {actual[-1]:.0f}",
        tolerance="siyu no less accurate than BG/NBD (no margin)",
        passed=mae_sy <= mae_bg,
        evidence=(f"On data neither model saw, siyu's weekly cumulative forecast was off by {mae_sy:.1f} purchases on "
                  f"average against BG/NBD's {mae_bg:.1f} ({common})."),
        figure=_curve_figure(log, actual, bg["curve"], sy["curve"], sy["curves"], n),
        details=details | {"mae_siyu": mae_sy, "mae_bgnbd": mae_bg},
        statements={k: say(f"empirical.curve.{k}", **facts) for k in ("compares", "expected", "observed", "tolerance", "evidence")},
        chart={"title": say("empirical.curve.title", log=chart_text(log.name), n=n),
               "xaxis": say("empirical.curve.xaxis"),
               "yaxis": say("empirical.curve.yaxis"), "trace.0": say("empirical.actual", log=chart_text(log.name)),
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
               "yaxis": say("empirical.hist.yaxis"), "trace.0": say("empirical.actual", log=chart_text(log.name)),
               "trace.1": say("empirical.bgnbd"), "trace.2": say("empirical.siyu")},
        details=details | {"chi2_siyu": chi_sy, "chi2_bgnbd": chi_bg, "actual_shares": histogram(counts).tolist(),
                           "siyu_shares": sy["shares"].tolist(), "bgnbd_shares": bg["shares"].tolist()})
    return [curve, hist]


def check_empirical(quick: bool) -> list[Check]:
    """The shipped CDNOW sample's holdout checks."""
    return check_log(cdnow_log(), quick)
