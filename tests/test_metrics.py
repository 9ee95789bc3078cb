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
