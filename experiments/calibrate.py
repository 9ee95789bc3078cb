"""Calibration: fit model parameters to what a brand observed, and judge the fit on data
the fit did not see.

Observed data comes in two forms: (a) a daily or monthly **series** (CSV with a ``day``,
``date`` or ``month`` column and columns named like the model's daily metrics: ``pool``,
``orders``, ``gmv``, ...); (b) a **transaction log** (customer id, date, amount; see
:mod:`experiments.translog`). Either is reduced to statistics ("moments"); the same
reduction is applied to the model's output, so observed and simulated are measured alike.

Method: simulated method of moments. The fit minimises the weighted squared distance
between observed moments of the *calibration period* and the mean of ``R`` simulated
replications (common random numbers: the same streams for every candidate, so the
criterion is smooth in the parameters), by ``differential_evolution`` within the bounds
given. Weights are the inverse variances of the moments across replications at the
centre of the bounds. Confidence intervals come from the sandwich formula
``(G'WG)^-1 G'W S W G (G'WG)^-1 (1 + 1/R)``, with ``G`` the finite-difference Jacobian of the
moments and ``S`` their covariance across replications at the fit: the uncertainty of one
observed world plus that of the simulated mean. The *holdout* moments (after
``calibration_end``) never enter the fit; the goodness-of-fit table reports them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import difflib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.optimize import differential_evolution

from agents.play import simulate
from experiments.design import apply
from experiments.executors import map_runs
from experiments.tables import MAX_DAYS, check_span, first_bad, parse_dates, read_csv
from experiments.translog import log_moments, read_transactions, simulate_transactions, to_days
from sim.errors import ScenarioError, SiyuInputError
from sim.outcomes import DAILY_COLUMNS
from sim.scenario import Scenario

#: daily metrics that are levels (a month's value is its last day's); the rest are flows (summed)
STOCKS = {"pool", "active", "muted", "lost", "banned", "exposed", "unaware", "mean_trust", "mean_fatigue"}


@dataclass(frozen=True)
class Target:
    """What is observed and how to measure it (picklable: workers measure simulated runs)."""

    kind: str                                   # "series" | "translog"
    horizon: int                                # days
    calibration_end: int                        # last day of the calibration period
    columns: tuple[str, ...] = ()               # series: metrics observed
    periods: tuple[tuple[str, int, int], ...] = ()  # series: (label, first day, last day)
    step: int = 7                               # translog: days between cumulative checkpoints

    def measure_daily(self, daily: pd.DataFrame) -> list[dict]:
        return series_moments({c: daily[c].to_numpy() for c in self.columns}, self.periods, self.calibration_end)

    def measure_log(self, tx: pd.DataFrame) -> list[dict]:
        return log_moments(tx, self.horizon, self.calibration_end, self.step)


def simulate_moments(target: Target, scenario_json: str, strategy: str, seed: int, stream: int) -> dict[str, float]:
    """One replication, measured like the observations (runs on any executor)."""
    scenario = Scenario.model_validate_json(scenario_json)
    if target.kind == "series":
        recs = target.measure_daily(simulate(scenario, strategy, seed=seed, replication=stream).daily)
    else:
        recs = target.measure_log(simulate_transactions(scenario, strategy, seed, stream))
    return {r["name"]: r["value"] for r in recs}


# -- observed data ---------------------------------------------------------------------
def read_series(path: str | Path, calibration_end: int | None = None, holdout: float = 0.25,
                date_format: str | None = None) -> tuple[Target, list[dict]]:
    """A series CSV as a :class:`Target` and its observed moments.

    Time is a ``day`` column (1-based), a ``date`` column (day 1 = first date; ISO, or in
    ``date_format``) or a ``month`` column (``YYYY-MM``; day 1 = the first month's first
    day), each period once. The last ``holdout`` share of periods is held out unless
    ``calibration_end`` (a day) is given.
    """
    path = Path(path)
    raw = read_csv(path, "series", dtype=str, keep_default_na=False)
    time_cols = [c for c in ("day", "date", "month") if c in raw.columns]
    if len(time_cols) != 1:
        raise ScenarioError(path, None, "expected exactly one time column: day, date or month")
    tcol = time_cols[0]
    if len(raw) < MIN_SERIES_PERIODS:
        raise ScenarioError(path, None, f"{len(raw)} row(s): a calibration needs at least {MIN_SERIES_PERIODS} "
                            "periods (some to fit, at least one to hold out)")
    if tcol == "day":
        days = pd.to_numeric(raw["day"], errors="coerce")
        first_bad(path, "day", ~(np.isfinite(days) & (days >= 1) & (days <= MAX_DAYS) & (days % 1 == 0)), raw["day"],
                  f"a whole day number from 1 to {MAX_DAYS}")
        periods = [(str(int(d)), int(d), int(d)) for d in days]
    else:
        if tcol == "date":
            when = parse_dates(path, tcol, raw[tcol], date_format)
        else:
            when = pd.to_datetime(raw[tcol].str.strip(), errors="coerce", format="%Y-%m")
            first_bad(path, tcol, when.isna(), raw[tcol], "YYYY-MM")
        check_span(path, tcol, when, raw[tcol])
        start = when.min()
        if tcol == "date":
            periods = [(w.strftime("%Y-%m-%d"), (w - start).days + 1, (w - start).days + 1) for w in when]
        else:
            ends = when + pd.offsets.MonthEnd(0)
            periods = [(w.strftime("%Y-%m"), (w - start).days + 1, (e - start).days + 1) for w, e in zip(when, ends)]
    labels = pd.Series([p[0] for p in periods])
    first_bad(path, tcol, labels.duplicated().to_numpy(), raw[tcol], f"each {tcol} once (this one is repeated)")
    columns = [c for c in raw.columns if c != tcol]
    for c in columns:
        if c not in DAILY_COLUMNS or c == "day":
            hint = difflib.get_close_matches(c, DAILY_COLUMNS, n=1)
            more = f"did you mean '{hint[0]}'?" if hint else "expected daily metrics such as pool, orders, gmv"
            raise ScenarioError(path, c, f"not a model metric; {more}")
        vals = pd.to_numeric(raw[c], errors="coerce")
        first_bad(path, c, ~np.isfinite(vals.to_numpy(dtype=float)), raw[c], "a finite number")
    if not columns:
        raise ScenarioError(path, None, "no metric columns (e.g. pool, orders, gmv)")
    horizon = max(b for _, _, b in periods)
    if calibration_end is None:
        ordered = sorted(b for _, _, b in periods)
        calibration_end = ordered[max(0, int(np.ceil(len(ordered) * (1 - holdout))) - 1)]
    target = Target("series", horizon, calibration_end, tuple(columns), tuple(periods))
    # observed values spread over their periods' days, so the same reduction applies to both
    daily = {}
    for c in columns:
        arr = np.zeros(horizon)
        for (_, a, b), v in zip(periods, pd.to_numeric(raw[c])):
            arr[b - 1 if c in STOCKS else a - 1] = float(v)
        daily[c] = arr
    return target, series_moments(daily, target.periods, calibration_end)


def series_moments(daily: dict[str, np.ndarray], periods, calibration_end: int) -> list[dict]:
    """Series statistics: a level (pool, active, ...) at each period's last day; a flow
    (orders, gmv, ...) *cumulated* from the start of its set (day 1 for the calibration
    periods, the day after ``calibration_end`` for the holdout), which is smooth where daily
    counts are noisy and keeps the holdout free of calibration data."""
    out = []
    for col, s in daily.items():
        cum = np.cumsum(s)
        for label, a, b in periods:
            held = b > calibration_end
            if col in STOCKS:
                v = s[b - 1]
            else:
                v = cum[b - 1] - (cum[calibration_end - 1] if held and calibration_end >= 1 else 0.0)
            out.append({"name": f"{col}@{label}", "family": col, "x": b,
                        "set": "holdout" if held else "calibration", "value": float(v)})
    return out


def read_log_target(path: str | Path, calibration_end: int | None = None, holdout: float = 0.25,
                    horizon: int | None = None, step: int = 7, date_format: str | None = None, **columns) -> tuple[Target, list[dict]]:
    """A transaction-log CSV as a :class:`Target` and its observed moments."""
    tx = to_days(read_transactions(path, date_format=date_format, **columns))
    customers = tx["customer"].nunique()
    if len(tx) < MIN_TRANSACTIONS or customers < MIN_CUSTOMERS:
        raise ScenarioError(path, None, f"{len(tx)} transaction(s) from {customers} customer(s): a calibration "
                            f"needs at least {MIN_TRANSACTIONS} transactions from {MIN_CUSTOMERS} customers")
    horizon = int(tx["day"].max()) if horizon is None else horizon
    if calibration_end is None:
        calibration_end = int(round(horizon * (1 - holdout)))
    target = Target("translog", horizon, calibration_end, step=step)
    return target, target.measure_log(tx)


#: the least data a calibration estimates anything from
MIN_SERIES_PERIODS = 4
MIN_TRANSACTIONS = 20
MIN_CUSTOMERS = 10


# -- fitting ---------------------------------------------------------------------------
@dataclass
class CalibrationResult:
    """Fitted values with CIs, the goodness-of-fit table, and the search history."""

    parameters: pd.DataFrame        # parameter, low, high, estimate, se, ci_low, ci_high
    fit: pd.DataFrame               # per moment: set, observed, simulated mean / band, z
    summary: pd.DataFrame           # per set (calibration, holdout): RMSE, MAPE, share inside the band
    history: pd.DataFrame = field(repr=False)
    target: Target | None = None

    def fitted_toml(self, scenario, data_name: str, scenario_name: str) -> str:
        """The fitted scenario as a TOML file ready for ``siyu compare``: ``scenario``'s own
        file with the fitted values in place; a header says what was fitted to what, each
        value's 95 % CI and the goodness of fit on the calibration period and the holdout.
        Each fitted value's uncertainty is declared as a range (a normal around the
        estimate with its standard error, truncated to the CI within the search range), so
        ``siyu compare --uncertain N`` on the file carries the fit's uncertainty."""
        header = [f"Fitted by siyu calibrate: {scenario_name} fitted to {data_name}"
                  + (f" (calibration: days 1-{self.target.calibration_end}; later days held out)" if self.target else ""),
                  "Fitted values (estimate, 95 % CI; the search range in brackets):"]
        for r in self.parameters.itertuples():
            header.append(f"  {r.parameter} = {r.estimate:.6g}  (CI {r.ci_low:.4g} to {r.ci_high:.4g}) "
                          f"[{r.low:.4g}, {r.high:.4g}]")
        for r in self.summary.itertuples():
            header.append(f"Goodness of fit, {r.set}: {r.moments} moments, RMSE {r.rmse:.4g}, "
                          f"{r.share_inside_band:.0%} inside the simulated 95 % band")
        values = dict(zip(self.parameters["parameter"], map(float, self.parameters["estimate"])))
        holdout = self.summary.set_index("set")["rmse"].get("holdout")
        fitted = f"fitted to {data_name} by siyu calibrate (95 % CI" + (
            f"; holdout RMSE {holdout:.4g})" if pd.notna(holdout) else ")")
        ranges = {}
        for r in self.parameters.itertuples():
            low, high = max(r.ci_low, r.low), min(r.ci_high, r.high)
            if r.se > 0 and low < high:
                ranges[r.parameter] = {"low": float(low), "high": float(high), "distribution": "normal",
                                       "mean": float(r.estimate), "sd": float(r.se),
                                       "source": fitted}
        notes = {r.parameter: f"fitted to {data_name}: 95 % CI {r.ci_low:.4g} to {r.ci_high:.4g}"
                 for r in self.parameters.itertuples()}
        return scenario.to_toml(values, header, uncertainties=ranges, notes=notes)

    def figure(self):
        """Observed vs simulated (mean and 95 % band of replications), one panel per family;
        the dotted line marks the end of the calibration period."""
        fams = list(dict.fromkeys(self.fit["family"]))
        fig = make_subplots(rows=len(fams), cols=1, subplot_titles=fams, vertical_spacing=0.25 / max(len(fams), 1))
        for r, fam in enumerate(fams, start=1):
            f = self.fit[self.fit["family"] == fam].sort_values("x")
            x = f["x"].tolist()
            fig.add_trace(go.Scatter(x=x + x[::-1], y=f["sim_high"].tolist() + f["sim_low"].tolist()[::-1], fill="toself",
                                     fillcolor="#1f77b4", opacity=0.2, line={"width": 0}, hoverinfo="skip",
                                     showlegend=False), row=r, col=1)
            fig.add_trace(go.Scatter(x=x, y=f["simulated"], name="simulated (mean)", line={"color": "#1f77b4"},
                                     legendgroup="sim", showlegend=r == 1), row=r, col=1)
            fig.add_trace(go.Scatter(x=x, y=f["observed"], name="observed", mode="markers", marker={"color": "#d62728"},
                                     legendgroup="obs", showlegend=r == 1), row=r, col=1)
            if self.target is not None and fam not in ("repeat_freq", "recency", "recent_by_freq", "mean_amount"):
                fig.add_vline(x=self.target.calibration_end, line_dash="dot", row=r, col=1)
        fig.update_layout(height=260 * len(fams) + 80, template="plotly_white",
                          title="Observed vs simulated at the fitted parameters (band: 95 % of replications)")
        return fig


def check_parameters(scenario, params: dict[str, tuple[float, float]]) -> None:
    """Every parameter to fit is a scenario path whose low is below its high and whose
    low and high both make a valid scenario: a typo is refused before the first run."""
    for n, (lo, hi) in params.items():
        if not lo < hi:
            raise SiyuInputError(f"--param {n}: low ({lo:g}) must be below high ({hi:g})")
        for v in (lo, hi):
            apply(scenario, {n: float(v)}, f"--param {n}")


def calibrate(scenario, target: Target, observed: list[dict], params: dict[str, tuple[float, float]],
              strategy: str | None = None, replications: int = 4, maxiter: int = 8, popsize: int = 6,
              seed: int = 0, check_replications: int | None = None, executor=None, workers: int = 1,
              on_done=None, search_days: int | None = None, on_start=None) -> CalibrationResult:
    """Fit ``params`` (dotted scenario path -> (low, high)) so the model reproduces the
    calibration-period moments of ``observed``; see the module docstring for the method.

    ``search_days`` (transaction-log targets; from ``target.calibration_end`` to the
    horizon): days simulated while searching (weights, criterion, Jacobian). Only
    calibration-period moments enter those, and no day depends on later ones, so the runs
    may stop there (half the work when the holdout is as long as the calibration period);
    the runs at the fit still go to the horizon, for the holdout rows of the
    goodness-of-fit table. Default: the horizon.

    ``on_start(n)`` is told the most runs the calibration can take (the pilot, every
    generation up to ``maxiter``, the runs at the fit and for the Jacobian), first from
    scipy's population rule and again once the first generation's size is known;
    ``on_done(n)`` counts runs done. A search that converges early stops short of it."""
    if not params:
        raise SiyuInputError("name at least one parameter to fit, e.g. --param category.purchase_cycle_days=20:120")
    strategy = strategy or scenario.strategy.default
    if scenario.days != target.horizon:
        scenario = scenario.with_overrides(days=target.horizon)
    if search_days is not None and target.kind != "translog":
        raise SiyuInputError("search_days applies to transaction-log targets only")
    if search_days is not None and not target.calibration_end <= search_days <= target.horizon:
        raise SiyuInputError(f"search_days ({search_days}) must lie between the end of the calibration period "
                             f"({target.calibration_end}) and the horizon ({target.horizon})")
    check_parameters(scenario, params)
    names = list(params)
    bounds = np.array([params[n] for n in names], float)
    obs = pd.DataFrame(observed).set_index("name")
    cal = obs.index[obs["set"] == "calibration"]
    seed_root = scenario.seed
    history: list[dict] = []

    def sims(thetas: np.ndarray, reps: range, days: int | None = search_days) -> np.ndarray:
        """Moments (theta, replication, moment) for each parameter vector, from runs of
        ``days`` days (default: the whole horizon)."""
        tasks = []
        for th in thetas:
            sc = apply(scenario, {n: float(v) for n, v in zip(names, th)}, "<calibration>")
            if days is not None and days != sc.days:
                sc = sc.with_overrides(days=days)
            js = sc.model_dump_json()
            tasks += [(target, js, strategy, seed_root, r) for r in reps]
        res = map_runs(simulate_moments, tasks, workers=workers, executor=executor,
                       on_done=(lambda i, r: on_done(1)) if on_done else None)
        table = pd.DataFrame(res).reindex(columns=obs.index)
        return table.to_numpy(float).reshape(len(thetas), len(reps), len(obs.index))

    R = replications
    K = max(check_replications or 0, 2 * R, 10)

    def announce(population: int) -> None:
        if on_start is not None:
            on_start(R + population * R * (maxiter + 1) + K + 2 * len(names) * R)

    announce(max(5, popsize * len(names)))  # scipy's population size for an init of latinhypercube
    pilot = sims(bounds.mean(axis=1)[None, :], range(R))[0]
    icol = [obs.index.get_loc(n) for n in cal]
    y = obs.loc[cal, "value"].to_numpy(float)
    w = 1.0 / np.maximum(pilot[:, icol].var(axis=0, ddof=1), np.maximum((0.01 * np.abs(y)) ** 2, 1e-12))

    def criterion(X: np.ndarray) -> np.ndarray:
        thetas = np.atleast_2d(X.T)
        if not history:
            announce(len(thetas))
        m = sims(thetas, range(R)).mean(axis=1)[:, icol]
        j = ((m - y) ** 2 * w).sum(axis=1)
        history.extend({"evaluation": len(history) + i} | dict(zip(names, th)) | {"criterion": float(v)}
                       for i, (th, v) in enumerate(zip(thetas, j)))
        return j

    differential_evolution(criterion, bounds, maxiter=maxiter, popsize=popsize, seed=seed, polish=False,
                                 vectorized=True, updating="deferred", init="latinhypercube", tol=1e-8)
    hist = pd.DataFrame(history)
    theta = hist.loc[hist["criterion"].idxmin(), names].to_numpy(float)

    # uncertainty: sandwich with a finite-difference Jacobian on the same streams
    at_fit = sims(theta[None, :], range(K), days=None)[0]
    span = bounds[:, 1] - bounds[:, 0]
    h = 0.03 * span
    lo_pts = np.array([np.clip(theta - h * e, bounds[:, 0], bounds[:, 1]) for e in np.eye(len(names))])
    hi_pts = np.array([np.clip(theta + h * e, bounds[:, 0], bounds[:, 1]) for e in np.eye(len(names))])
    m_lo = sims(lo_pts, range(R)).mean(axis=1)[:, icol]
    m_hi = sims(hi_pts, range(R)).mean(axis=1)[:, icol]
    G = ((m_hi - m_lo) / (hi_pts - lo_pts).sum(axis=1)[:, None]).T          # (moments, params)
    S = np.cov(at_fit[:, icol], rowvar=False, ddof=1).reshape(len(icol), len(icol)) * (1 + 1 / R)
    W = np.diag(w)
    bread = np.linalg.pinv(G.T @ W @ G)
    V = bread @ G.T @ W @ S @ W @ G @ bread
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    parameters = pd.DataFrame({"parameter": names, "low": bounds[:, 0], "high": bounds[:, 1], "estimate": theta,
                               "se": se, "ci_low": theta - 1.96 * se, "ci_high": theta + 1.96 * se})
    fit = _fit_table(obs, at_fit)
    return CalibrationResult(parameters, fit, _fit_summary(fit), hist, target)


def _fit_table(obs: pd.DataFrame, sims: np.ndarray) -> pd.DataFrame:
    mean, sd = sims.mean(axis=0), sims.std(axis=0, ddof=1)
    lo, hi = np.percentile(sims, 2.5, axis=0), np.percentile(sims, 97.5, axis=0)
    f = obs.reset_index()[["name", "family", "x", "set"]].copy()
    f["observed"] = obs["value"].to_numpy()
    f["simulated"], f["sim_sd"], f["sim_low"], f["sim_high"] = mean, sd, lo, hi
    with np.errstate(divide="ignore", invalid="ignore"):
        f["z"] = np.where(sd > 0, (f["observed"] - mean) / sd, 0.0)
    f["inside_band"] = (f["observed"] >= lo) & (f["observed"] <= hi)
    return f


def _fit_summary(fit: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for s, g in fit.groupby("set", sort=False):
        err = g["simulated"] - g["observed"]
        nz = g["observed"].abs() > 0
        rows.append({"set": s, "moments": len(g), "rmse": float(np.sqrt((err ** 2).mean())),
                     "mape": float((err[nz].abs() / g.loc[nz, "observed"].abs()).mean()) if nz.any() else None,
                     "mean_abs_z": float(g["z"].abs().mean()), "share_inside_band": float(g["inside_band"].mean())})
    return pd.DataFrame(rows)
