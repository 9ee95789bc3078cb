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
                               "last_purchase_day", "trust", "fatigue"]
    assert int(c["orders"].sum()) == r.summary["orders"] and c["spend"].sum() == pytest.approx(r.summary["gmv_total"], rel=1e-4)
    assert (c["state"].isin(["active", "muted"])).sum() == r.summary["pool_final"]
    assert set(c["source"].unique()) <= {"douyin", "xiaohongshu", "parcel_card", "initial", "referral", "arrival"}
    never = c["orders"] == 0
    assert c.loc[never, "last_purchase_day"].isna().all() and c.loc[~never, "last_purchase_day"].notna().all()
