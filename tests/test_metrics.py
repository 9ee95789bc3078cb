"""Summary metrics on hand-built populations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.metrics import monthly_churn, retention, retention_curve, top_share
from sim.population import ACTIVE, LOST, Population


def test_retention_counts_first_spell():
    pop = Population()
    pop.add(4)
    pop.first_join[:] = [0, 0, 10, 95]
    pop.first_left[:] = [-1, 20, 200, -1]
    pop.state[:] = [ACTIVE, LOST, ACTIVE, ACTIVE]
    # d=30, horizon 100: rows 0,1,2 qualify (joined by day 70); row 1 left on day 20
    assert retention(pop, 100, 30) == pytest.approx(2 / 3)
    assert retention(pop, 100, 101) is None
    curve = retention_curve(pop, 100)
    assert curve.loc[30, "retained"] == pytest.approx(2 / 3)
    assert curve.loc[0, "observed"] == 4


def test_top_share_eighty_twenty():
    spend = np.array([80.0] + [20.0 / 4] * 4)
    assert top_share(spend) == pytest.approx(0.8)
    assert top_share(np.zeros(3)) is None


def test_monthly_churn():
    daily = pd.DataFrame({"pool": [100] * 60, "deletes": [1] * 60, "lost_to_bans": [0] * 60})
    assert monthly_churn(daily) == pytest.approx(0.3)


def test_customers_table_has_one_row_per_customer_and_adds_up_to_the_summary(small):
    from siyu import simulate

    r = simulate(small, "nurture", seed=4, days=60)
    c = r.customers
    assert list(c.columns) == ["id", "state", "source", "persona_fit", "joined_day", "left_day", "orders", "spend",
                               "last_purchase_day", "trust", "fatigue", "group_joined_day", "group_left_day",
                               "group_quit"]
    assert int(c["orders"].sum()) == r.summary["orders"] and c["spend"].sum() == pytest.approx(r.summary["gmv_total"], rel=1e-4)
    assert (c["state"].isin(["active", "muted"])).sum() == r.summary["pool_final"]
    assert set(c["source"].unique()) <= {"douyin", "xiaohongshu", "parcel_card", "initial", "referral", "arrival"}
    never = c["orders"] == 0
    assert c.loc[never, "last_purchase_day"].isna().all() and c.loc[~never, "last_purchase_day"].notna().all()


# -- the daily bands' quantiles: numpy's, bit for bit ---------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from sim.quantiles import linear_quantiles  # noqa: E402

#: float32 values with many ties (few distinct values) or none, zeros of one sign
_values = st.one_of(
    hnp.arrays(np.float32, st.integers(1, 50_000), elements=st.floats(0, 1, width=32)),
    hnp.arrays(np.float32, st.integers(1, 50_000), elements=st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0])),
    hnp.arrays(np.float32, st.integers(1, 2_000), elements=st.floats(-1e6, 1e6, width=32, allow_subnormal=False)
               .filter(lambda x: x != 0.0 or np.copysign(1, x) > 0)),
    hnp.arrays(np.float64, st.integers(1, 2_000), elements=st.floats(0, 1e4)),
)
_qs = st.one_of(st.just((0.1, 0.5, 0.9)), st.lists(st.floats(0, 1), min_size=1, max_size=6).map(tuple))


@settings(max_examples=300, deadline=None)
@given(values=_values, qs=_qs)
def test_linear_quantiles_are_numpys_bit_for_bit(values, qs):
    expected = np.quantile(values, qs)
    got = linear_quantiles(values, qs)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), (got, expected)


def test_linear_quantiles_hand_nan_and_signed_zeros_to_numpy():
    values = np.array([0.0, -0.0, 0.0, -0.0, 1.0], np.float32)
    for v in (values, np.array([np.nan, 1.0, 2.0], np.float32), np.array([-0.0], np.float64)):
        assert linear_quantiles(v, (0.1, 0.5, 0.9)).tobytes() == np.quantile(v, (0.1, 0.5, 0.9)).tobytes()


def test_linear_quantiles_of_sorted_and_tied_arrays():
    for v in (np.arange(30_001, dtype=np.float32), np.arange(30_001, dtype=np.float32)[::-1].copy(),
              np.zeros(30_000, np.float32), np.repeat(np.arange(3, dtype=np.float32), 10_000)):
        assert linear_quantiles(v, (0.1, 0.5, 0.9)).tobytes() == np.quantile(v, (0.1, 0.5, 0.9)).tobytes()
