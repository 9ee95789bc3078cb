"""Queue limit: the service desk (:class:`sim.desk_simpy.ServiceDesk`) against Erlang C.

With Poisson arrivals, exponential handling and ``c`` staff and no shift, the desk is an
M/M/c queue, whose mean wait is known exactly (Erlang C). Waits in a queue are
autocorrelated, so the simulated mean's confidence interval comes from batch means.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import simpy

from experiments.stats import mean_ci
from experiments.validation.check import Check, say
from sim.desk import ANSWERED
from sim.desk_simpy import ServiceDesk


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in the time unit of ``1/mu``."""
    a = lam / mu
    rho = a / c
    top = a ** c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def simulate_queue(lam: float, mu: float, c: int, hours: float, seed: int) -> np.ndarray:
    """Waits (hours) of the answered questions on a desk fed by a Poisson stream for ``hours``."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    desk = ServiceDesk(env, c, lambda: float(rng.exponential(1 / mu)), shift=None)
    record: list = []

    def poisson():
        i = 0
        while True:
            yield env.timeout(rng.exponential(1 / lam))
            desk.ask(i, record)
            i += 1

    env.process(poisson())
    env.run(until=hours)
    return np.array([w for _, w, outcome in record if outcome == ANSWERED]) / 60  # hours


def mean_wait_ci(waits: np.ndarray, level: float = 0.99, batches: int = 30) -> dict:
    """Batch-means CI of the mean wait, after dropping the first 5 % (warm-up)."""
    waits = waits[len(waits) // 20:]
    return mean_ci([b.mean() for b in np.array_split(waits, batches)], level=level)


def check_queue(quick: bool, expected_factor: float = 1.0) -> list[Check]:
    """Mean wait vs Erlang C at utilisation 0.6 and 0.9 (three staff, 15-minute handling).
    ``expected_factor`` scales the theoretical value (only to show the check can fail)."""
    c, mu = 3, 4.0
    out = []
    for rho in (0.6, 0.9):
        lam = rho * c * mu
        hours = (8_000 if rho > 0.8 else 3_000) if quick else (40_000 if rho > 0.8 else 15_000)
        ci = mean_wait_ci(simulate_queue(lam, mu, c, hours, seed=int(rho * 10)))
        expected = erlang_c_wait(lam, mu, c) * expected_factor
        ok = ci["ci_low"] <= expected <= ci["ci_high"]
        fig = go.Figure([go.Bar(x=["Erlang C", "simulated"], y=[expected * 60, ci["mean"] * 60],
                                error_y={"type": "data", "array": [0, (ci["ci_high"] - ci["mean"]) * 60],
                                         "arrayminus": [0, (ci["mean"] - ci["ci_low"]) * 60]},
                                marker_color=["#7f7f7f", "#1f77b4"])])
        fig.update_layout(template="plotly_white", height=320, yaxis_title="mean wait, minutes",
                          title=f"M/M/3 at utilisation {rho}")
        out.append(Check(
            name=f"queue_mmc_rho{rho}", family="queue",
            compares=f"mean wait of the SimPy service desk vs Erlang C (M/M/{c}, utilisation {rho})",
            expected=f"{expected * 60:.2f} min", observed=f"{ci['mean'] * 60:.2f} min "
            f"(99 % CI {ci['ci_low'] * 60:.2f}-{ci['ci_high'] * 60:.2f})",
            tolerance="Erlang C inside the 99 % batch-means CI (30 batches)", passed=bool(ok),
            evidence=(f"Over {hours:,} simulated hours at utilisation {rho}, the desk's mean wait was "
                      f"{ci['mean'] * 60:.2f} minutes against the exact {expected * 60:.2f} minutes of queueing theory; "
                      f"{'the exact value lies inside' if ok else 'the exact value lies outside'} the 99 % confidence interval."),
            figure=fig, details={"expected_hours": expected, "ci": ci, "hours": hours},
            statements={k: say(f"queue.{k}", c=c, rho=rho, hours=hours, expected=expected * 60, mean=ci["mean"] * 60,
                               low=ci["ci_low"] * 60, high=ci["ci_high"] * 60, inside=bool(ok))
                        for k in ("compares", "expected", "observed", "tolerance", "evidence")},
            chart={"title": say("queue.title", c=c, rho=rho), "yaxis": say("queue.yaxis"),
                   "x.0": [say("queue.erlang_c"), say("simulated")]}))
    return out
