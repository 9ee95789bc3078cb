"""From a finished model to the numbers a strategist reads (``summary.json``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim import money
from sim.compiled import njit
from sim.customer_value import customer_value
from sim.outcomes import FUNNEL_END_STATES, FUNNEL_STAGES
from sim.population import ACTIVE, BANNED, DEAL_SEEKER, FIT, LOST, MUTED, NEVER, Population

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


def linear_quantiles(values: np.ndarray, qs) -> np.ndarray:
    """``np.quantile(values, qs)`` (method ``"linear"``, ``qs`` a sequence) of a 1-D float
    array, bit for bit, without numpy's per-call overhead: the same order statistics
    (found by selection, not a sort) and numpy's interpolation in the same arithmetic
    (the difference in the array's dtype, then float64; from the upper neighbour when the
    weight is at least 0.5). Order statistics are unique bit patterns except for NaN and
    signed zeros, whose order a selection may not share with numpy's: an array holding a
    NaN or a -0.0 goes to ``np.quantile`` itself."""
    q = np.asarray(qs, dtype=np.float64)
    bits = _BIT_PATTERNS.get(values.dtype) if isinstance(values, np.ndarray) else None
    if bits is None or values.ndim != 1 or values.size == 0 or q.ndim != 1:
        return np.quantile(values, q)
    out = _linear_quantiles(values, values.view(bits[0]), bits[1], q)
    return np.quantile(values, q) if out is None else out


#: the unsigned integer of each float's bit pattern, and its sign bit
_BIT_PATTERNS = {np.dtype(np.float32): (np.uint32, np.uint64(1) << np.uint64(31)),
                 np.dtype(np.float64): (np.uint64, np.uint64(1) << np.uint64(63))}


#: arrays up to this size are selected in directly; larger ones are first narrowed to the
#: few value ranges (of at most 2^BUCKET_BITS) that hold the wanted order statistics
DIRECT_SELECTION = 512
BUCKET_BITS = 12


@njit(cache=True)
def _linear_quantiles(values, bits, sign, q):
    n = values.size
    # numpy's neighbours and weights: virtual index (n - 1) q; past the ends both neighbours
    # are the end (index -1 or 0) and the weight is taken from that index
    lower = np.empty(q.size, np.int64)
    upper = np.empty(q.size, np.int64)
    weight = np.empty(q.size, np.float64)
    for j in range(q.size):
        virtual = np.float64(n - 1) * q[j]
        below = np.floor(virtual)
        if virtual >= n - 1:
            lower[j] = upper[j] = n - 1
            weight[j] = virtual - (-1.0)
        elif virtual < 0:
            lower[j] = upper[j] = 0
            weight[j] = virtual
        else:
            lower[j], upper[j] = np.int64(below), np.int64(below) + 1
            weight[j] = virtual - below
    ranks = np.unique(np.concatenate((lower, upper)))
    at_rank = _order_statistics(values, bits, sign, ranks)
    if at_rank is None:
        return None
    out = np.empty(q.size, np.float64)
    for j in range(q.size):
        a = at_rank[np.searchsorted(ranks, lower[j])]
        b = at_rank[np.searchsorted(ranks, upper[j])]
        t = weight[j]
        diff = b - a  # in the array's dtype, as numpy's _lerp
        if t >= 0.5:
            out[j] = np.float64(b) - np.float64(diff) * (1.0 - t)
        else:
            out[j] = np.float64(a) + np.float64(diff) * t
    return out


@njit(cache=True)
def _order_statistics(values, bits, sign, ranks):
    """The values at ``ranks`` (ascending, distinct) of the sorted ``values``; ``None`` if a
    NaN or a -0.0 is among them.

    Each value's bit pattern, read as an unsigned integer with the sign bit flipped (all
    bits of negatives flipped), orders as the values do; the integers' leading bits
    (above the spread between the least and the greatest) sort the values into at most
    4096 ordered buckets, counted in one pass; the wanted statistics are then selected
    among the members of their own buckets only."""
    n = values.size
    keys = np.empty(n, np.uint64)
    lo = hi = np.uint64(0)
    for i in range(n):
        x = values[i]
        if x != x or (x == 0 and math.copysign(1.0, x) < 0):
            return None  # NaN or -0.0: numpy decides
        u = np.uint64(bits[i])
        k = u | sign if (u & sign) == 0 else (sign - np.uint64(1)) - (u - sign)  # negatives: greater magnitude first
        keys[i] = k
        if i == 0 or k < lo:
            lo = k
        if i == 0 or k > hi:
            hi = k
    out = np.empty(ranks.size, values.dtype)
    if n <= DIRECT_SELECTION or lo == hi:
        buf = values.copy()
        start = 0
        for j in range(ranks.size):
            _select(buf, start, n, ranks[j])
            out[j] = buf[ranks[j]]
            start = ranks[j] + 1
        return out
    shift = np.uint64(0)
    while ((hi - lo) >> shift) >= np.uint64(1 << BUCKET_BITS):
        shift += np.uint64(1)
    counts = np.zeros(((hi - lo) >> shift) + np.uint64(1), np.int64)
    for i in range(n):
        counts[(keys[i] - lo) >> shift] += 1
    ends = np.cumsum(counts)
    bucket_of = np.searchsorted(ends, ranks, side="right")
    # the wanted buckets' members, bucket after bucket, in one buffer
    slot = np.full(counts.size, -1, np.int64)
    first = np.zeros(ranks.size + 1, np.int64)
    used = 0
    for j in range(ranks.size):
        b = bucket_of[j]
        if slot[b] < 0:
            slot[b] = used
            first[used + 1] = first[used] + counts[b]
            used += 1
    buf = np.empty(first[used], values.dtype)
    fill = first[:used].copy()
    for i in range(n):
        s = slot[(keys[i] - lo) >> shift]
        if s >= 0:
            buf[fill[s]] = values[i]
            fill[s] += 1
    start = -1
    for j in range(ranks.size):  # ascending ranks: within a bucket, each selection narrows the next
        b = bucket_of[j]
        s = slot[b]
        k = first[s] + ranks[j] - (ends[b] - counts[b])
        if start < first[s]:
            start = first[s]
        _select(buf, start, first[s + 1], k)
        out[j] = buf[k]
        start = k + 1
    return out


@njit(cache=True)
def _select(buf, lo, hi, k):
    """Rearrange ``buf[lo:hi]`` so that ``buf[k]`` holds the value it holds once sorted, with
    nothing greater before it and nothing smaller after it: quickselect (median-of-three
    pivot, scans that stop on ties, so equal values cost no more than distinct ones); a
    range that fails to shrink in 64 rounds is sorted instead."""
    left, right = lo, hi - 1
    for _ in range(64):
        if right - left < 2:
            if right == left + 1 and buf[right] < buf[left]:
                buf[left], buf[right] = buf[right], buf[left]
            return
        mid = (left + right) // 2
        buf[mid], buf[left + 1] = buf[left + 1], buf[mid]
        if buf[left] > buf[right]:
            buf[left], buf[right] = buf[right], buf[left]
        if buf[left + 1] > buf[right]:
            buf[left + 1], buf[right] = buf[right], buf[left + 1]
        if buf[left] > buf[left + 1]:
            buf[left], buf[left + 1] = buf[left + 1], buf[left]
        pivot = buf[left + 1]
        i, j = left + 1, right
        while True:
            i += 1
            while buf[i] < pivot:
                i += 1
            j -= 1
            while buf[j] > pivot:
                j -= 1
            if j < i:
                break
            buf[i], buf[j] = buf[j], buf[i]
        buf[left + 1] = buf[j]
        buf[j] = pivot
        if j >= k:
            right = j - 1
        if j <= k:
            left = i
    buf[left:right + 1].sort()


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
