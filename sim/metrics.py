"""From a finished model to the numbers a strategist reads (``summary.json``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import money
from sim.compiled import njit
from sim.customer_value import customer_value
from sim.outcomes import FUNNEL_END_STATES, FUNNEL_STAGES
from sim.population import ACTIVE, BANNED, DEAL_SEEKER, FIT, LOST, MUTED, NEVER, Population
from sim.quantiles import linear_quantiles

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
        "customers_acquired": int(daily["acquired"].sum() + daily["arrivals"].sum() + daily["referrals"].sum()),
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
    out.update(service_summary(model, daily, out))
    # for the report's "who pays" and funnel sections
    out.update(gmv_by_segment(pop))
    out["lorenz_gmv"] = lorenz(pop.spend)
    out.update(funnel_counts(pop))
    # the engine keeps the running totals customer value needs; the per-agent reference
    # model (agents/reference.py) keeps no per-order history, so its summary goes without
    value_inputs = getattr(model, "value_inputs", None)
    if value_inputs is not None:
        out.update(customer_value(pop, *value_inputs(), model.scenario, daily))
    return out


#: points of the Lorenz curve in ``summary["lorenz_gmv"]``: share of buyers 0, 5 %, ..., 100 %
LORENZ_POINTS = 21


def lorenz(spend: np.ndarray, points: int = LORENZ_POINTS) -> list[float] | None:
    """Lorenz curve of GMV over buyers: element ``i`` is the share of GMV brought by the
    ``i / (points - 1)`` least-spending buyers (0 at the start, 1 at the end)."""
    buyers = np.sort(spend[spend > 0].astype(np.float64))
    if buyers.size == 0:
        return None
    cum = np.concatenate([[0.0], np.cumsum(buyers)]) / buyers.sum()
    at = np.linspace(0, buyers.size, points)
    return [float(x) for x in np.interp(at, np.arange(buyers.size + 1), cum)]


def gmv_by_segment(pop: Population) -> dict[str, float]:
    """GMV from persona-fit customers and from deal-seekers (all channels)."""
    spend = pop.spend.astype(np.float64)
    return {"gmv_fit": float(spend[pop.segment == FIT].sum()),
            "gmv_deal_seeker": float(spend[pop.segment == DEAL_SEEKER].sum())}


#: the state code of each funnel end state (sim.outcomes.FUNNEL_END_STATES)
_END_CODES = {"active": ACTIVE, "muted": MUTED, "lost": LOST, "banned": BANNED}


def funnel_counts(pop: Population) -> dict[str, int]:
    """Everyone who ever joined the pool, by furthest stage (``FUNNEL_STAGES``: referrers
    are buyers who brought at least one friend in) and end state (active, muted,
    deleted/left = ``lost``, ``banned``): keys ``funnel_<stage>_<state>``, plus
    ``referrers`` (distinct) and ``funnel_referred`` (people who joined by referral)."""
    referred = pop.referrer[pop.referrer >= 0]
    is_referrer = np.zeros(pop.size, bool)
    is_referrer[referred] = True
    stage = np.select([is_referrer, pop.orders >= 2, pop.orders == 1], [3, 2, 1], 0)
    out = {"referrers": int(is_referrer.sum()), "funnel_referred": int(referred.size)}
    for i, name in enumerate(FUNNEL_STAGES):
        at_stage = pop.state[stage == i]
        for state_name in FUNNEL_END_STATES:
            out[f"funnel_{name}_{state_name}"] = int(np.count_nonzero(at_stage == _END_CODES[state_name]))
    return out


def cohort_retention(pop: Population, days: int, month: int = 30, max_months: int = 12) -> pd.DataFrame:
    """Retention by join month: of customers who first joined in month ``join_month``
    (0-based, 30-day months) and could be observed ``months_since_join`` months after
    joining, the share still in the pool then (first membership spell), with the number
    observed (``cohort_size``). The report's retention heatmap."""
    first = pop.first_join.astype(np.int64)
    joined = first != NEVER
    first = first[joined]
    left = pop.first_left[joined].astype(np.int64)
    cohort = first // month
    rows = []
    for m in range(int(days // month) + 1):
        in_cohort = cohort == m
        if not in_cohort.any():
            continue
        f, lft = first[in_cohort], left[in_cohort]
        for k in range(1, max_months + 1):
            d = k * month
            seen = f + d <= days
            n = int(seen.sum())
            if n == 0:
                break
            stayed = (lft[seen] == NEVER) | (lft[seen] > f[seen] + d)
            rows.append((m, k, float(stayed.mean()), n))
    return pd.DataFrame(rows, columns=["join_month", "months_since_join", "retained", "cohort_size"]).astype(
        {"join_month": "int64", "months_since_join": "int64", "retained": "float64", "cohort_size": "int64"})


def spread_quantiles(values: np.ndarray, qs=(0.1, 0.5, 0.9), max_sample: int = 20_000) -> list[float]:
    """Quantiles of a per-member quantity (trust, fatigue) for the daily distribution bands.

    Pools above ``max_sample`` members use an evenly strided subset (deterministic, no
    random draws, so the model's streams are untouched): accurate to a fraction of a
    percentile and cheap at a million members."""
    if values.size == 0:
        return [0.0] * len(qs)
    step = max(1, values.size // max_sample)
    return [float(x) for x in linear_quantiles(values[::step], qs)]


def member_samples(pop: Population, members: int, max_sample: int) -> tuple[np.ndarray, np.ndarray]:
    """Trust and fatigue of every ``max(1, members // max_sample)``-th pool member, in row
    order (``members``: how many are in the pool), in one pass over the population."""
    return _member_samples(pop.state, pop.trust, pop.fatigue, members, max(1, members // max_sample))


@njit(cache=True)
def _member_samples(state, trust, fatigue, members, step):
    n = (members + step - 1) // step
    trust_out = np.empty(n, trust.dtype)
    fatigue_out = np.empty(n, fatigue.dtype)
    seen = j = 0
    for i in range(state.size):
        if state[i] == ACTIVE or state[i] == MUTED:
            if seen % step == 0 and j < n:
                trust_out[j], fatigue_out[j] = trust[i], fatigue[i]
                j += 1
            seen += 1
    return trust_out, fatigue_out


def service_summary(model, daily: pd.DataFrame, totals: dict) -> dict:
    """Service and money: questions answered and how fast, staff and operating cost, profit
    and ROI (:mod:`sim.money`)."""
    asked = int(daily["inquiries"].sum())
    waits = np.concatenate(model.answer_waits) if model.answer_waits else np.zeros(0)
    staff_cost = float(daily["staff_cost"].sum())
    operating = float(daily["operating_cost"].sum())
    spent = money.spent(totals["acquisition_cost"], totals["reward_cost"], operating)
    profit = money.profit(totals["gmv_total"], model.scenario.category.margin, totals["take_paid"],
                          totals["acquisition_cost"], totals["reward_cost"], operating)
    return {
        "inquiries": asked,
        "answered_share": float((daily["answered"].sum() + daily["auto_replied"].sum()) / asked) if asked else None,
        "mean_wait_minutes": float(waits.mean()) if waits.size else None,
        "p90_wait_minutes": float(np.percentile(waits, 90)) if waits.size else None,
        "followups_missed": int(daily["followups_missed"].sum()),
        "staff_cost": staff_cost,
        "operating_cost": operating,
        "profit": float(profit),
        "roi": float(profit / spent) if spent > 0 else None,
    }
