"""The one number formatter (:mod:`experiments.numbers`, re-exported by :mod:`reports.fmt`):
amounts with k/M or 万/亿, CIs cut to what a value can possibly be, narrow CIs with
enough digits to tell their bounds apart, and every kind of outcome covered."""

from __future__ import annotations

import pytest

from experiments import numbers
from reports import fmt
from sim.outcomes import KINDS, OUTCOMES


def test_reports_use_the_same_implementation():
    assert fmt.money is numbers.money and fmt.interval is numbers.interval and fmt.of is numbers.of


@pytest.mark.parametrize("x, lang, text", [
    (478_000, "en", "478.0k"), (1_633_778, "en", "1.63M"), (950, "en", "950"),
    (7_237_000, "zh", "723.7万"), (312_000_000, "zh", "3.12亿"), (-4_038, "en", "-4.0k"), (None, "zh", "无")])
def test_money_scales_by_language(x, lang, text):
    assert numbers.money(x, lang) == text


def test_yuan_carries_its_unit_without_a_space_in_chinese():
    assert numbers.yuan(117_000) == "117.0k yuan"
    assert numbers.yuan(7_237_000, "zh") == "723.7万元"


def test_a_count_interval_never_goes_below_zero():
    low, high = numbers.interval(-0.09, 2.34, "bans")
    assert low == "0" and high == "2.3"
    assert numbers.with_ci(1.12, -0.09, 2.34, "bans") == "1.1 [0, 2.3]"


def test_a_share_interval_stays_inside_zero_and_one():
    assert numbers.interval(-0.02, 1.03, "retention_90") == ("0.0 %", "100.0 %")


def test_a_narrow_interval_prints_distinct_bounds():
    low, high = numbers.interval(0.6901, 0.6904, "retention_90")
    assert low != high and low == "69.01 %" and high == "69.04 %"
    low, high = numbers.interval(0.688, 0.692, "top20_gmv_share", formatter=numbers.pct_whole)
    assert (low, high) == ("68.8 %", "69.2 %")


def test_an_interval_of_one_value_prints_it_once_per_bound():
    assert numbers.interval(0.5, 0.5, "retention_90") == ("50.0 %", "50.0 %")


def test_a_difference_is_signed_and_not_cut_to_the_range():
    d = {"mean": -1.5, "ci_low": -3.0, "ci_high": 0.2}
    assert numbers.difference(d, "bans") == "-1.5 [-3, +0.2]"


def test_money_interval_in_chinese_uses_wan():
    assert numbers.with_ci(478_000, 400_000, 520_000, "gmv_total", "zh") == "47.8万 [40.0万, 52.0万]"


def test_every_kind_of_outcome_has_a_formatter():
    kinds = {o.kind for o in OUTCOMES if o.kind != "curve"} | (set(KINDS) - {"curve"})
    for kind in kinds:
        name = next((o.name for o in OUTCOMES if o.kind == kind), None)
        if name is not None:
            assert numbers.of(name) is numbers._BY_KIND[kind], kind
    assert set(numbers._BY_KIND) == set(KINDS) - {"curve"}


def test_units_of_money_and_people():
    assert numbers.unit("profit") == "yuan" and numbers.unit("profit", "zh") == "元"
    assert numbers.unit("pool_final") == "people" and numbers.unit("retention_90") == ""


@pytest.mark.parametrize("x, text", [(60_000, "60,000"), (60_000.0, "60,000"), (0.65, "0.65"), (12.5, "12.5"),
                                     (0.0012, "0.0012"), (5, "5"), (1_633_778.2, "1,633,778")])
def test_plain_numbers_never_use_exponents(x, text):
    assert numbers.plain(x) == text


def test_robust_assumption_values_print_plainly():
    from reports.robust_section import _num
    assert _num(60_000) == "60,000" and _num(None) == "n/a"
