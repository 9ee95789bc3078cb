"""From a finished model to the numbers a strategist reads (``summary.json``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.population import NEVER, Population

HORIZONS = (30, 90, 180, 365)


def cumulative_at(series: pd.Series, day: int) -> float | None:
    """Cumulative total through ``day`` (1-based); ``None`` past the horizon."""
    if day > len(series):
        return None
    return float(series.iloc[:day].sum())


def retention(pop: Population, days: int, d: int) -> float | None:
    """Of customers who first joined at least ``d`` days before the end, the share still in
    the pool ``d`` days after joining (first membership spell); ``None`` if nobody qualifies."""
    joined = (pop.first_join != NEVER) & (pop.first_join.astype(np.int64) + d <= days)
    n = int(joined.sum())
    if n == 0:
        return None
    left = pop.first_left[joined].astype(np.int64)
    stayed = (left == NEVER) | (left > pop.first_join[joined].astype(np.int64) + d)
    return float(stayed.mean())


def retention_curve(pop: Population, days: int) -> pd.DataFrame:
    """Share still in the pool d days after first joining, for d = 0..days-1, with the
    number of customers observed that long (the cohort retention curve)."""
    first = pop.first_join.astype(np.int64)
    joined = first != NEVER
    first = first[joined]
    left = pop.first_left[joined].astype(np.int64)
    tenure_end = np.where(left == NEVER, days, left) - first  # days spent in the pool
    observable = days - first                                  # days we could observe
    d = np.arange(days)
    n_obs = np.bincount(np.minimum(observable, days), minlength=days + 1)[::-1].cumsum()[::-1][:days]
    # stayed past d and observable past d
    stayed_until = np.minimum(tenure_end, observable)
    n_stay = np.bincount(np.clip(stayed_until, 0, days), minlength=days + 1)[::-1].cumsum()[::-1][1:days + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_obs > 0, n_stay / np.maximum(n_obs, 1), np.nan)
    return pd.DataFrame({"days_since_join": d, "retained": share, "observed": n_obs})


def top_share(spend: np.ndarray, top: float = 0.2) -> float | None:
    """Share of GMV from the top ``top`` share of buyers (the 80/20 check)."""
    buyers = np.sort(spend[spend > 0].astype(np.float64))[::-1]
    if buyers.size == 0:
        return None
    k = max(1, int(np.ceil(top * buyers.size)))
    return float(buyers[:k].sum() / buyers.sum())


def monthly_churn(daily: pd.DataFrame) -> float | None:
    """Mean over 30-day months of (members who left during the month / pool at its start)."""
    pool_start = np.concatenate([[0], daily["pool"].to_numpy()[:-1]])
    left = (daily["deletes"] + daily["lost_to_bans"]).to_numpy()
    rates = []
    for start in range(0, len(daily) - 29, 30):
        if pool_start[start] > 0:
            rates.append(left[start:start + 30].sum() / pool_start[start])
    return float(np.mean(rates)) if rates else None


def summarize(model, daily: pd.DataFrame) -> dict:
    """The run's headline metrics (keys are a contract: extend, never rename)."""
    pop: Population = model.population
    days = len(daily)
    cum = daily["gmv"]
    buyers = pop.orders > 0
    out = {
        "gmv_total": float(cum.sum()),
        "gmv_private": float(daily["gmv_private"].sum()),
        "gmv_public": float(daily["gmv_public"].sum()),
        "take_paid": float(daily["take_paid"].sum()),
    }
    for h in HORIZONS:
        out[f"gmv_{h}"] = cumulative_at(cum, h)
    out.update({
        "orders": int(daily["orders"].sum()),
        "customers_acquired": int(daily["acquired"].sum() + daily["referrals"].sum()),
        "acquired_paid": int(daily["acquired"].sum()),
        "acquisition_cost": float(daily["acquisition_cost"].sum()),
        "reward_cost": float(daily["reward_cost"].sum()),
        "pool_initial": int(model.scenario.market.initial_pool),
        "pool_final": int(daily["pool"].iloc[-1]),
        "active_final": int(daily["active"].iloc[-1]),
    })
    for h in HORIZONS:
        out[f"retention_{h}"] = retention(pop, days, h)
    out.update({
        "monthly_churn": monthly_churn(daily),
        "buyers": int(buyers.sum()),
        "repurchase_rate": float((pop.orders[buyers] >= 2).mean()) if buyers.any() else None,
        "referrals": int(daily["referrals"].sum()),
        "top20_gmv_share": top_share(pop.spend),
        "mutes": int(daily["mutes"].sum()),
        "deletes": int(daily["deletes"].sum()),
        "bans": int(daily["bans"].sum()),
        "lost_to_bans": int(daily["lost_to_bans"].sum()),
        "followups": int(daily["followups"].sum()),
        "mean_trust_final": float(daily["mean_trust"].iloc[-1]),
    })
    return out
