"""The compiled service queue (sim.service_queue) makes exactly the SimPy desk's decisions.

The SimPy desk (:class:`~sim.desk_simpy.SimPyDesk`) is the event-by-event specification;
the model runs :func:`~sim.service_queue.serve` (:class:`~sim.desk.CompiledDesk`), because
SimPy events were most of a million-customer day. Whole models run on both must agree on every daily column, bit
for bit, including days with queues, shifts, no staff, follow-ups and auto-replies.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from experiments.validation.queue import erlang_c_wait, mean_wait_ci
from sim.desk import ANSWERED, CompiledDesk, Records
from sim.desk_simpy import SimPyDesk
from sim.scenario import Scenario
from sim.service_queue import NOT_SERVED, serve, simpy_times

from conftest import ROOT, pool_model

BUSY = {"market": {"audience": 30_000, "initial_pool": 12_000, "initial_pool_trust": 0.5}, "accounts": {"count": 3},
        "service": {"presale_rate": 0.2}}


def _levers(**kw) -> dict:
    return {"strategy": {"levers": {"all": kw}}}


CASES = {
    "default": {},
    "understaffed": _levers(staff_max=2, followup=True),
    "night shift": _levers(shift_start=20.0, shift_end=24.0, staff_max=3, followup=True),
    "all day, auto-reply": _levers(shift_start=0.0, shift_end=24.0, staff_max=2, auto_reply=True),
    "no staff": _levers(staff_min=0, staff_max=0, followup=True),
    "lognormal, late questions": {"service": {"handle_distribution": "lognormal", "close_hour": 24.0, "presale_rate": 0.2}},
    "fixed handling": {"service": {"handle_distribution": "fixed", "handle_minutes": 20.0, "presale_rate": 0.2}},
}


def _scenario(case: dict) -> Scenario:
    base = Scenario.from_toml(ROOT / "scenarios" / "default.toml").model_dump(mode="json")
    for key, value in (BUSY | case).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged = base[key] | value
            if key == "strategy":
                merged["levers"] = base["strategy"]["levers"] | {"all": base["strategy"]["levers"].get("all", {}) | value["levers"]["all"]}
            base[key] = merged
        else:
            base[key] = value
    base["days"] = 25
    base["campaigns"] = [c for c in base.get("campaigns", []) if c["start"] < 25]
    return Scenario.model_validate(base)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_whole_model_identical_on_both_desks(case):
    scenario = _scenario(CASES[case])
    for strategy in ("harvest", "nurture"):
        fast = pool_model(scenario, strategy, seed=7).run().datacollector.get_model_vars_dataframe()
        simpy = pool_model(scenario, strategy, seed=7, desk=SimPyDesk).run().datacollector.get_model_vars_dataframe()
        assert fast["inquiries"].sum() > 0
        if case == "understaffed":
            assert fast["unanswered"].sum() > 0 and fast["followups_missed"].sum() > 0  # queues really formed
        for column in fast.columns:
            np.testing.assert_array_equal(fast[column].to_numpy(), simpy[column].to_numpy(), err_msg=f"{case}/{strategy}: {column}")


def test_records_keep_the_order_staff_took_them():
    """The last record of a person wins in answer_effect, so the order is part of the result."""
    scenario = _scenario(CASES["understaffed"])
    models = [pool_model(scenario, "nurture", seed=3, desk=d) for d in (CompiledDesk, SimPyDesk)]
    for _ in range(8):
        logs = []
        for m in models:
            m.step()
            logs.append(m.service_log)
        for a, b in zip(*(log.inquiries.fields() for log in logs)):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(*(log.followups.fields() for log in logs)):
            np.testing.assert_array_equal(a, b)


def test_desk_kind_is_checked():
    with pytest.raises(TypeError, match="desk must be"):
        pool_model(_scenario({}), "harvest", seed=1, desk="quick")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0, 30, allow_nan=False), max_size=40), st.integers(0, 4),
       st.floats(0.01, 3), st.floats(0, 10), st.floats(10.5, 40), st.floats(0, 15), st.integers(0, 6))
def test_serve_obeys_the_queue_rules(times, staff, mean_work, open_at, close_at, f_at, n_follow):
    """Properties of any day: no one starts before the shift or at/after it closes; no more
    than ``staff`` people are served at once; questions never wait while a follow-up starts."""
    arrivals = np.sort(np.asarray(times, float))
    rng = np.random.default_rng(len(times))
    work = rng.exponential(mean_work, arrivals.size)
    f_work = np.full(n_follow, 0.5)
    deadline = 39.0
    start = serve(arrivals, work, f_at, f_work, staff, open_at, close_at, deadline)
    served = start != NOT_SERVED
    if staff == 0:
        assert not served.any()
        return
    when = np.append(arrivals, np.full(n_follow, f_at))
    hours = np.append(work, f_work)
    assert np.all(start[served] >= np.maximum(when[served], open_at))
    assert np.all(start[served] < min(close_at, deadline))
    for t in start[served]:  # at each start, at most `staff` jobs are in progress
        assert np.sum((start[served] <= t) & (start[served] + hours[served] > t)) <= staff
    for i in np.flatnonzero(served[arrivals.size:]) + arrivals.size:  # a follow-up starts only if no question waits
        waiting = (arrivals <= start[i]) & ((start[:arrivals.size] > start[i]) | ~served[:arrivals.size])
        assert not waiting.any()
    # work-conserving: someone left waiting means every staff member was busy when they gave up or the desk shut
    if not served.all() and min(close_at, deadline) > max(open_at, when[~served].min()):
        t = max(open_at, when[~served].min())
        assert np.sum((start[served] <= t) & (start[served] + hours[served] > t)) == staff


def test_simpy_times_are_the_clock_simpy_keeps():
    now = 24.0 * 37
    at = now + np.array([0.1, 0.1, 3.3, 7.7])
    got = simpy_times(now, at)
    expected, t = [], now
    for a in at:
        t = t + (a - t) if a > t else t
        expected.append(t)
    assert got.tolist() == expected


@pytest.mark.parametrize("rho", [0.6, 0.9])
def test_compiled_queue_matches_erlang_c(rho):
    c, mu = 3, 4.0
    lam = rho * c * mu
    rng = np.random.default_rng(int(rho * 100))
    n = 400_000 if rho > 0.8 else 150_000
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    start = serve(arrivals, rng.exponential(1 / mu, n), np.inf, np.zeros(0), c, 0.0, np.inf, np.inf)
    ci = mean_wait_ci(start - arrivals)
    assert ci["ci_low"] <= erlang_c_wait(lam, mu, c) <= ci["ci_high"], ci


def test_records_roundtrip():
    tuples = [((5, 0), 1.5, ANSWERED), ((2, 1), 0.0, 2)]
    r = Records.from_tuples(tuples)
    assert list(r) == tuples and len(r) == 2 and len(Records.from_tuples([])) == 0
