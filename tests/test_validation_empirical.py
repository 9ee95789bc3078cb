"""The empirical (CDNOW vs BG/NBD) and sensitivity families of `siyu validate-model`.

BG/NBD is checked twice: it recovers the parameters of data drawn from its own process
(likelihood-ratio test at the truth), and on the CDNOW calibration period it reproduces the
estimates Fader, Hardie & Lee (2005) published for the same data and split. The full
checks (a calibration, a Morris screening) take about a minute each and are marked slow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import ROOT
from experiments.validation import btyd
from experiments.validation.empirical import (
    BINS,
    CAL_END,
    HORIZON,
    chi_square,
    histogram,
    holdout_outcome,
    read_cdnow,
)


def first_customers(n: int) -> pd.DataFrame:
    """The CDNOW log of its first ``n`` customers (a small cohort for fast tests)."""
    tx = read_cdnow()
    return tx[tx["customer"].isin(tx["customer"].unique()[:n])]


def test_simulated_cohort_first_buys_when_the_real_one_did():
    """Conditioning on the first purchase, as BG/NBD does: each CDNOW customer enters the
    pool on her first-purchase day having bought, so the simulated log's first purchases
    fall on exactly the observed days, whatever the parameters."""
    from experiments.translog import simulate_transactions
    from experiments.validation.empirical import cdnow_scenario

    tx = first_customers(400)
    sc = cdnow_scenario(tx).with_overrides(days=120)
    sim = simulate_transactions(sc, "nurture", sc.seed, 3)
    observed = tx.groupby("customer")["day"].min().value_counts().sort_index()
    simulated = sim.groupby("customer")["day"].min().value_counts().sort_index()
    assert simulated.to_dict() == observed.to_dict()


def test_recency_moments_on_a_toy_log():
    from experiments.translog import log_moments

    tx = pd.DataFrame({"customer": ["a", "a", "b", "b", "c", "d", "d"],
                       "day": [1, 100, 5, 80, 3, 2, 200], "amount": 1.0})
    m = {r["name"]: r["value"] for r in log_moments(tx, horizon=220, calibration_end=210, step=7)}
    # repeaters a, b, d last bought 110, 130 and 10 days before day 210; c never repeated
    assert m["recency_0-27"] == pytest.approx(1 / 3) and m["recency_91-181"] == pytest.approx(2 / 3)
    assert m["recency_28-90"] == 0 and m["recency_182+"] == 0
    assert m["repeat_freq_0"] == 0.25 and m["repeat_freq_1"] == 0.75



def test_recent_buyers_by_frequency_on_a_toy_log():
    from experiments.translog import log_moments

    # repeats by day 210: a 1 (last day 100), b 1 (last day 150), c 2 (last day 180),
    # d 4 (last day 90), e 5 (last day 200), f none
    tx = pd.DataFrame({"customer": list("aabbccc") + ["d"] * 5 + ["e"] * 6 + ["f"],
                       "day": [1, 100, 5, 150, 3, 50, 180, 2, 20, 40, 60, 90, 1, 40, 80, 120, 160, 200, 7],
                       "amount": 1.0})
    m = {r["name"]: r["value"] for r in log_moments(tx, horizon=220, calibration_end=210, step=7)}
    # within 91 days of day 210 means last bought after day 119
    assert m["recent_by_freq_1"] == pytest.approx(1 / 2)   # b, not a
    assert m["recent_by_freq_2-3"] == pytest.approx(1.0)   # c
    assert m["recent_by_freq_4+"] == pytest.approx(1 / 2)  # e, not d

def test_bgnbd_recovers_parameters_of_its_own_process():
    truth = btyd.BGNBD(r=0.5, alpha=5.0, a=0.8, b=2.5)
    d = btyd.simulate_bgnbd(truth, 3000, 40.0, np.random.default_rng(11))
    x, t_x, T = d["x"], d["t_x"], d["T"]
    fit = btyd.fit(x, t_x, T)
    lr = 2 * (btyd.log_likelihood((fit.r, fit.alpha, fit.a, fit.b), x, t_x, T)
              - btyd.log_likelihood((truth.r, truth.alpha, truth.a, truth.b), x, t_x, T))
    assert 0 <= lr < stats.chi2.ppf(0.999, 4), lr      # the truth is inside the 99.9 % likelihood region
    assert abs(fit.r / truth.r - 1) < 0.25 and abs(fit.alpha / truth.alpha - 1) < 0.3, fit


def test_bgnbd_reproduces_published_cdnow_estimates():
    s = btyd.summarise(read_cdnow(), CAL_END, 7)
    m = btyd.fit(s["x"], s["t_x"], s["T"])
    # Fader, Hardie & Lee (2005), 39-week calibration period: r .243, alpha 4.414, a .793, b 2.426
    assert np.allclose([m.r, m.alpha, m.a, m.b], [0.243, 4.414, 0.793, 2.426], rtol=0.01), m


def test_conditional_expectation_matches_posterior_draws():
    m = btyd.BGNBD(0.243, 4.414, 0.793, 2.426)
    x, t_x, T = np.array([0, 1, 4, 10]), np.array([0.0, 5.0, 30.0, 20.0]), np.full(4, 35.0)
    closed = m.expected_holdout(39.0, x, t_x, T)
    draws = m.sample_holdout(39.0, x, t_x, T, 40_000, np.random.default_rng(3))
    se = draws.std(axis=1) / np.sqrt(draws.shape[1])
    assert np.all(np.abs(draws.mean(axis=1) - closed) < 4 * se + 1e-9), (closed, draws.mean(axis=1))


def test_cdnow_log_reads_through_the_transaction_loader():
    tx = read_cdnow()
    assert tx["customer"].nunique() == 2357 and tx["day"].min() == 1 and tx["day"].max() == HORIZON
    assert tx.groupby("customer")["day"].min().max() <= 84            # cohort: first bought Jan-Mar 1997
    assert not tx.duplicated(["customer", "day"]).any()
    cohort, counts, curve = holdout_outcome(tx)
    assert len(cohort) == 2357 and curve.size == 39 and curve[-1] == counts.sum()
    assert np.all(np.diff(curve) >= 0)


def test_holdout_outcome_and_distances_on_a_toy_log():
    tx = pd.DataFrame({"customer": ["a", "a", "a", "b", "c"], "day": [1, CAL_END + 1, CAL_END + 9, 10, CAL_END + 2],
                       "amount": 1.0})
    cohort, counts, curve = holdout_outcome(tx)   # c first buys in the holdout: not in the cohort
    assert list(cohort) == ["a", "b"] and list(counts) == [2, 0]
    assert curve[0] == 1 and curve[1] == 2 and curve[-1] == 2
    h = histogram(np.array([0, 0, 1, 9]))
    assert h.size == BINS and h[0] == 0.5 and h[-1] == 0.25
    obs = np.array([50, 30, 20, 0, 0, 0, 0, 0])
    assert chi_square(obs, obs / obs.sum()) < chi_square(obs, np.full(BINS, 1 / BINS))


def curve_structure_chosen_on_calibration_only(details: dict) -> bool:
    """The structure chosen is the one with the smallest error on the calibration period's own split."""
    rows = details["structure_selection"]
    return details["siyu_structure"] == min(rows, key=lambda r: r["inner_mae"])["structure"]


@pytest.mark.slow
def test_empirical_checks_report_both_errors():
    from experiments.validation.empirical import check_empirical

    checks = check_empirical(True)
    assert [c.name for c in checks] == ["cdnow_holdout_weekly_cumulative", "cdnow_holdout_repeat_distribution"]
    assert curve_structure_chosen_on_calibration_only(checks[0].details)
    curve, hist = checks
    assert curve.passed == (curve.details["mae_siyu"] <= curve.details["mae_bgnbd"])
    assert hist.passed == (hist.details["chi2_siyu"] <= hist.details["chi2_bgnbd"])
    assert curve.details["actual_total"] == holdout_outcome(read_cdnow())[1].sum()
    assert "BG/NBD" in curve.observed and "siyu" in curve.observed


@pytest.mark.slow
def test_sensitivity_check_ranks_all_parameters():
    from experiments.validation.sensitivity import BOUNDS, check_sensitivity

    (c,) = check_sensitivity(True)
    assert c.passed
    for output in ("gmv_difference", "crossover_day"):
        ranked = c.details["ranking"][output]
        assert {r["parameter"] for r in ranked} == set(BOUNDS)
        assert all(np.isfinite(r["mu_star"]) for r in ranked)
    assert c.details["question_first"][0] in c.evidence


def test_a_run_stopped_at_the_calibration_end_logs_the_same_days():
    """What lets the calibration search stop its runs at the end of the calibration period
    (``calibrate(..., search_days=CAL_END)``): no day depends on the days after it."""
    from experiments.translog import simulate_transactions
    from experiments.validation.empirical import cdnow_scenario

    sc = cdnow_scenario(first_customers(300))
    whole = simulate_transactions(sc, "nurture", sc.seed, 0)
    short = simulate_transactions(sc.with_overrides(days=CAL_END), "nurture", sc.seed, 0)
    assert len(short) > 0
    assert whole[whole["day"] <= CAL_END].reset_index(drop=True).equals(short.reset_index(drop=True))


def test_search_days_outside_the_calibration_period_is_bad_input():
    from experiments.calibrate import Target, calibrate
    from experiments.validation.empirical import STRUCTURES, cdnow_scenario
    from sim.errors import SiyuInputError

    target = Target("translog", HORIZON, CAL_END, step=7)
    params = next(iter(STRUCTURES.values()))
    with pytest.raises(SiyuInputError, match="search_days"):
        calibrate(cdnow_scenario(first_customers(100)), target, target.measure_log(read_cdnow()), params,
                  search_days=CAL_END - 1)


def test_the_shop_scenario_runs_no_pool_and_no_desk():
    """CDNOW was a shop without a WeChat pool: nobody is messaged, nobody mutes, no desk."""
    from siyu import simulate
    from experiments.validation.empirical import cdnow_scenario

    r = simulate(cdnow_scenario(first_customers(300)).with_overrides(days=120), seed=1)
    assert r.summary["mutes"] == 0 and r.summary["inquiries"] == 0 and r.summary["followups"] == 0
    assert r.daily["mean_fatigue"].max() == 0 and r.summary["orders"] > 300


def test_validate_model_on_a_users_log_refuses_a_split_without_room(tmp_path):
    import contextlib
    import io

    from siyu.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf), pytest.raises(SystemExit) as exit_:
        main(["validate-model", "--transactions", str(ROOT / "tests" / "data" / "cdnow_sample.csv"),
              "--calibration-end", "1997-02-01", "--out", str(tmp_path / "v")])
    assert exit_.value.code == 2 and "--calibration-end" in buf.getvalue()


def test_every_structure_is_worded_in_chinese():
    from experiments.validation.empirical import IMAGE, STRUCTURES
    from reports.validation_zh import ZH

    assert all(f"empirical.structure.{name}" in ZH for name in [IMAGE, *STRUCTURES])


def test_the_first_structure_starts_where_siyu_mirrors_bgnbd():
    """The start the protocol derives from a BG/NBD fit gives siyu's people BG/NBD's
    distributions: the daily purchase rate (buy rate x trust on arrival x readiness) has the
    gamma's mean and variance, and the chance of walking out at a repeat purchase
    (bad_product_leave x the chance of a bad product) the Beta's."""
    from experiments.validation.empirical import FIRST_STRUCTURE_HOLDS, bgnbd_start
    from sim.rules.joining import pool_trust, propensities, satisfaction_chances
    from sim.scenario import Scenario

    model = btyd.BGNBD(r=0.24, alpha=4.4, a=0.79, b=2.43)
    base = Scenario()
    start = bgnbd_start(model, base)
    assert set(start).isdisjoint(FIRST_STRUCTURE_HOLDS)
    rng, n = np.random.default_rng(11), 2_000_000
    trust = pool_trust(base.market.initial_pool_trust, n, base.market.pool_trust_concentration, rng).astype(float)
    rate = (start["behaviour.buy_rate"] * trust
            * propensities(start["behaviour.buy_rate_shape"], n, rng))
    mean, var = model.r / (model.alpha * 7), model.r / (model.alpha * 7) ** 2
    assert rate.mean() == pytest.approx(mean, rel=0.02) and rate.var() == pytest.approx(var, rel=0.05)
    p = base.behaviour.bad_product_leave * (1 - satisfaction_chances(start["category.quality"],
                                                                   start["category.quality_spread"], n, rng))
    c = model.a + model.b
    assert p.mean() == pytest.approx(model.a / c, rel=0.01)
    assert p.var() == pytest.approx(model.a * model.b / (c * c * (c + 1)), rel=0.02)


def repeat_counts(base, values, reps=4):
    """How many of a cohort made 0, 1, 2, 3, 4+ repeat purchases by the end of ``base``'s
    days, simulated by siyu with ``values`` (``reps`` runs)."""
    from experiments.translog import simulate_transactions

    sc = base.with_overrides(values, source="<test>")
    x = np.concatenate([simulate_transactions(sc, "custom", sc.seed, r).groupby("customer").size().to_numpy() - 1
                        for r in range(reps)])
    return np.bincount(np.minimum(x, 4), minlength=5)


def image_case():
    """A BG/NBD model, a year-long cohort of 3,000 who all first buy on day 1, and BG/NBD's
    own draws of their repeat purchases (40,000 customers)."""
    from experiments.validation.empirical import Log, shop_scenario

    model = btyd.BGNBD(r=0.24, alpha=4.4, a=0.79, b=2.43)
    tx = pd.DataFrame({"customer": np.arange(3000), "day": 1, "amount": 1.0})
    base = shop_scenario(Log(tx, "toy", 365, 364))
    draws = btyd.simulate_bgnbd(model, 40_000, 364 / 7, np.random.default_rng(5))["x"].to_numpy()
    return model, base, np.bincount(np.minimum(draws, 4), minlength=5)


def same_distribution(a: np.ndarray, b: np.ndarray) -> float:
    """p-value of a chi-square test that two sets of counts come from one distribution."""
    return stats.chi2_contingency(np.vstack([a, b]))[1]


def test_bgnbd_image_is_bgnbd_process():
    """The candidate that is BG/NBD in siyu's terms buys and drops out as BG/NBD does: a
    cohort simulated by siyu is indistinguishable from BG/NBD's own draws in repeat
    purchases over 52 weeks."""
    from experiments.validation.empirical import bgnbd_image

    model, base, expected = image_case()
    assert same_distribution(repeat_counts(base, bgnbd_image(model, base)), expected) > 0.01


def test_the_moment_mirror_alone_is_not_bgnbd():
    """The check above can fail: the first structure's start matches BG/NBD's moments but
    keeps the shop's walk-out chance, trust spread and drift, and the test tells it apart."""
    from experiments.validation.empirical import bgnbd_start

    model, base, expected = image_case()
    assert same_distribution(repeat_counts(base, bgnbd_start(model, base)), expected) < 0.001


def test_the_page_of_a_users_log_reruns_that_log():
    """The rerun command of a --transactions page names the log and the split it checked."""
    from reports.validation_page import reproduce_command

    assert reproduce_command(True) == "siyu validate-model --quick"
    assert reproduce_command(False, transactions="my orders.csv", calibration_end="2024-06-30") == (
        "siyu validate-model --transactions 'my orders.csv' --calibration-end 2024-06-30")


def test_a_logs_name_reaches_its_charts_as_text():
    """Plotly reads HTML tags in chart text; a log's name is a user's file name, so its
    charts show the tags instead of obeying them."""
    from experiments.validation.empirical import Log, _curve_figure, _hist_figure

    name = "<b>orders</b> <a href='https://x'>x</a>.csv"
    log = Log(pd.DataFrame({"customer": ["a"], "day": [1], "amount": [1.0]}), name, 546, 273)
    curve = _curve_figure(log, np.zeros(3), np.zeros(3), np.zeros(3), np.zeros((2, 3)), 1)
    hist = _hist_figure(log, np.zeros(BINS), np.zeros(BINS), np.zeros(BINS))
    shown = [curve.layout.title.text, curve.data[0].name, hist.data[0].name]
    assert all("&lt;b&gt;orders&lt;/b&gt;" in text and "<" not in text for text in shown), shown


def test_when_bgnbds_process_wins_the_development_split_siyu_forecasts_with_bgnbds_fit(monkeypatch):
    """The candidate is not searched: its final values are BG/NBD's fit to the whole
    calibration period carried over, and its fit table says so."""
    from experiments.validation import conditional, empirical

    log = empirical.Log(first_customers(150), "toy", HORIZON, CAL_END)
    # two runs: the forecast's size is not what is checked here
    monkeypatch.setattr(conditional, "MIN_REPLICATIONS", 2)
    monkeypatch.setattr(conditional, "MAX_REPLICATIONS", 2)
    monkeypatch.setattr(empirical, "choose_structure", lambda *a, **k: (empirical.IMAGE, pd.DataFrame()))
    out = empirical.siyu_forecast(log, quick=True)
    base = empirical.shop_scenario(log)
    assert out["theta"] == empirical.bgnbd_image(empirical.bgnbd_fit(log, CAL_END)[0], base)
    assert out["fit"] is None and {r["source"] for r in out["fit_table"]} == {"BG/NBD maximum likelihood"}
    assert out["replications"] == conditional.MIN_REPLICATIONS and len(out["curve"]) == (HORIZON - CAL_END) // 7
