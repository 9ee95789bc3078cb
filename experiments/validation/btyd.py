"""BG/NBD ("buy till you die"; Fader, Hardie & Lee 2005), the benchmark the simulator's
holdout forecast is compared with.

While alive a customer buys at Poisson rate ``lambda`` (gamma(r, alpha) across people);
after every purchase she drops out for good with probability ``p`` (beta(a, b) across
people). Each customer is summarised by ``x`` (repeat purchases in the calibration period),
``t_x`` (time of the last one, from her first purchase) and ``T`` (time from her first
purchase to the end of the calibration period). Time is in whatever unit the caller uses
(weeks reproduce the published CDNOW estimates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters."""

    r: float
    alpha: float
    a: float
    b: float

    def p_alive(self, x, t_x, T) -> np.ndarray:
        """Probability that a customer with history (x, t_x, T) is still alive at T."""
        x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
        ratio = np.where(x > 0, self.a / (self.b + np.maximum(x, 1) - 1)
                         * ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x), 0.0)
        return 1.0 / (1.0 + ratio)

    def expected_holdout(self, t, x, t_x, T) -> np.ndarray:
        """E[X(t) | x, t_x, T]: expected purchases in (T, T + t] (FHL 2005, eq. 10)."""
        x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
        r, al, a, b = self.r, self.alpha, self.a, self.b
        z = t / (al + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        num = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp)
        den = 1 + np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((al + T) / (al + t_x)) ** (r + x), 0.0)
        return num / den

    def sample_holdout(self, t, x, t_x, T, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Purchases in (T, T + t], ``draws`` per customer (shape (customers, draws)), from the
        posterior: alive with :meth:`p_alive`; then ``lambda ~ gamma(r + x, alpha + T)`` and
        ``p ~ beta(a, b + x)``, and the count is min(Poisson(lambda t), geometric(p)) because
        a customer drops out right after a purchase."""
        x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
        shape = (x.size, draws)
        alive = rng.random(shape) < self.p_alive(x, t_x, T)[:, None]
        lam = rng.gamma((self.r + x)[:, None], 1.0 / (self.alpha + T)[:, None], shape)
        p = rng.beta(self.a, (self.b + x)[:, None], shape)
        return np.where(alive, np.minimum(rng.poisson(lam * t), rng.geometric(p)), 0)


def log_likelihood(params, x, t_x, T) -> float:
    """Sum of individual BG/NBD log-likelihoods (FHL 2005, eq. 6)."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    # the drop-out term exists only for customers who repeated; masked to keep logs finite
    a4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def fit(x, t_x, T, start=(1.0, 1.0, 1.0, 1.0)) -> BGNBD:
    """Maximum-likelihood fit (L-BFGS-B on log-parameters, so all stay positive)."""
    scale = float(np.mean(T)) or 1.0  # alpha is in time units; start it at the typical T

    def nll(logp):
        v = -log_likelihood(np.exp(logp), x, t_x, T)
        return v if np.isfinite(v) else 1e300

    x0 = np.log(np.array(start, float) * [1, scale, 1, 1])
    res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=[(-12, 8)] * 4)
    res = optimize.minimize(nll, res.x, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    return BGNBD(*np.exp(res.x))


def simulate_bgnbd(model: BGNBD, n: int, T: float, rng: np.random.Generator) -> pd.DataFrame:
    """Calibration summaries (x, t_x, T) of ``n`` customers drawn from the BG/NBD process
    itself, all first buying at time 0 and observed for ``T`` (used to test :func:`fit`)."""
    lam = rng.gamma(model.r, 1.0 / model.alpha, n)
    p = rng.beta(model.a, model.b, n)
    x, t_x = np.zeros(n, int), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / lam[i])
            if t > T:
                break
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
    return pd.DataFrame({"x": x, "t_x": t_x, "T": np.full(n, T)})


def summarise(tx: pd.DataFrame, calibration_end: int, unit: float = 1.0) -> pd.DataFrame:
    """(x, t_x, T) per customer from a day-numbered log (one row per customer-day), for the
    customers first seen by ``calibration_end``; times divided by ``unit`` (7: weeks)."""
    cal = tx[tx["day"] <= calibration_end]
    g = cal.groupby("customer")["day"]
    first, last, n = g.min(), g.max(), g.size()
    return pd.DataFrame({"x": n - 1, "t_x": (last - first) / unit,
                         "T": (calibration_end - first) / unit}).astype({"x": int})
