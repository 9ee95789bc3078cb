"""The conditional forecast recovers a known model's conditional expectations.

On logs drawn from BG/NBD itself, forecasting each customer from the simulated people whose
history is nearest hers must give what BG/NBD's closed form gives for her history, and must
tell customers apart the way the closed form does (an unconditioned forecast cannot)."""

import numpy as np
import pandas as pd
import pytest

from experiments.validation import conditional
from experiments.validation.btyd import BGNBD
from experiments.validation.holdout import WEEK

MODEL = BGNBD(r=0.4, alpha=4.0, a=0.8, b=2.5)  # weeks
SPLIT, END = 26 * WEEK, 52 * WEEK


def bgnbd_log(first: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """A day-numbered log drawn from :data:`MODEL` for customers first buying on ``first``."""
    n = first.size
    rate = rng.gamma(MODEL.r, 1 / MODEL.alpha, n) / WEEK
    drop = rng.beta(MODEL.a, MODEL.b, n)
    customers, days = [np.arange(n)], [first]
    t, alive = first.astype(float), np.ones(n, bool)
    while alive.any():
        t = t + rng.exponential(1 / np.maximum(rate, 1e-12))
        bought = alive & (t <= END)
        customers.append(np.flatnonzero(bought))
        days.append(np.ceil(t[bought]).astype(int))
        alive = bought & (rng.random(n) >= drop)
    return pd.DataFrame({"customer": np.concatenate(customers), "day": np.concatenate(days)}).drop_duplicates()


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(7)
    first = rng.integers(1, 12 * WEEK, 3000)
    real = bgnbd_log(first, rng)
    simulated = [conditional.run_summary(bgnbd_log(first, rng), SPLIT, END) for _ in range(40)]
    h = conditional.history(real, SPLIT)
    t_x = h["T"] - h["recency"]
    closed = pd.Series(MODEL.expected_holdout((END - SPLIT) / WEEK, h["x"], t_x, h["T"]), index=h.index)
    draws = MODEL.sample_holdout((END - SPLIT) / WEEK, h["x"], t_x, h["T"], 400, np.random.default_rng(1))
    shares = np.bincount(np.minimum(draws, 7).ravel(), minlength=8) / draws.size
    # who the closed form tells apart: repeat count x early or late last purchase
    kind = pd.cut(h["x"], [-1, 0, 1, 2, 4, 8, np.inf]).astype(str) + (h["recency"] > h["T"] / 2).astype(str)
    lapsed = (h["x"] >= 5) & (h["recency"] > h["T"] / 2)  # heavy buyers who stopped: few like them
    return real, simulated, closed, shares, kind, lapsed


def by_kind(forecast: pd.Series, closed: pd.Series, kind: pd.Series) -> pd.Series:
    """Relative error of the mean forecast per kind of history with at least 50 customers."""
    g = pd.DataFrame({"f": forecast, "c": closed, "kind": kind}).groupby("kind")
    n = g.size()
    return (g["f"].mean() / g["c"].mean() - 1)[n >= 50]


def test_forecast_matches_bgnbd_closed_form(case):
    real, simulated, closed, shares, kind, lapsed = case
    f = conditional.forecast(simulated, real, SPLIT, END, groups=4)
    assert f.pool == sum(len(place) for place, _ in simulated)
    # the closed form is continuous-time; a log counts one purchase a day, about 1.5 % fewer
    assert f.curve[-1] == pytest.approx(closed.sum(), rel=0.03)
    assert f.expected.sum() == pytest.approx(f.curve[-1])
    assert np.all(np.diff(f.curve) >= 0)
    # customer by customer: heavy recent buyers high, lapsed ones low, as the closed form says
    per_customer = f.expected.reindex(closed.index)
    assert np.corrcoef(per_customer, closed)[0, 1] > 0.97
    assert (per_customer - closed).abs().mean() < 0.1 * closed.mean()
    assert by_kind(per_customer, closed, kind).abs().max() < 0.1
    assert per_customer[lapsed].mean() < 1.5 * closed[lapsed].mean()
    assert f.shares.sum() == pytest.approx(1.0)
    assert np.abs(f.shares - shares).max() < 0.01
    assert f.groups.shape == (4, len(f.curve))
    assert f.groups[:, -1] == pytest.approx(f.curve[-1], rel=0.1)
    assert conditional.forecast(simulated[:3], real, SPLIT, END, groups=20).groups.shape == (3, len(f.curve))


def test_an_unconditioned_forecast_fails_the_same_check(case):
    """The check above can fail: when the repeat count no longer separates histories, a
    customer's forecast mixes heavy and light buyers with the same dates."""
    real, simulated, closed, _, kind, _ = case
    original = conditional.PURCHASE_WEEKS
    try:
        conditional.PURCHASE_WEEKS = 0.0
        weak = conditional.forecast(simulated, real, SPLIT, END).expected.reindex(closed.index)
    finally:
        conditional.PURCHASE_WEEKS = original
    assert np.corrcoef(weak, closed)[0, 1] < 0.9
    assert by_kind(weak, closed, kind).abs().max() > 0.3


def test_without_the_local_plane_lapsed_heavy_buyers_are_overforecast(case):
    """The plane matters where the pool is thin: the plain mean of the nearest simulated
    people gives heavy buyers who stopped the future of heavy buyers who did not."""
    real, simulated, closed, _, _, lapsed = case
    original = conditional.RIDGE
    try:
        conditional.RIDGE = 1e12  # the plane can no longer tilt: its level is the neighbours' mean
        plain = conditional.forecast(simulated, real, SPLIT, END).expected.reindex(closed.index)
    finally:
        conditional.RIDGE = original
    assert plain[lapsed].mean() > 2 * closed[lapsed].mean()


def test_replications_cover_the_pool():
    assert conditional.replications_for(2357) * 2357 >= conditional.POOL
    assert conditional.replications_for(10**7) == conditional.MIN_REPLICATIONS
    assert conditional.replications_for(10) == conditional.MAX_REPLICATIONS
