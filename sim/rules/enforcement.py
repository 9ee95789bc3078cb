"""Platform enforcement: message bombing and complaints raise each account's ban hazard;
a ban wipes the account's friends."""

from __future__ import annotations

import numpy as np

from sim.population import BANNED, FRIEND, Population
from sim.rules.churn import leave_pool


def ban_hazard(intensity: np.ndarray, delete_rate: np.ndarray, platform) -> np.ndarray:
    """Daily ban probability per account: rises steeply with message bombing (messages
    per member per day beyond what the platform tolerates) and with complaints (deletes)."""
    pressure = (intensity / platform.ban_safe_intensity) ** platform.ban_exponent
    h = platform.ban_base_hazard * pressure * (1 + platform.ban_complaint_weight * delete_rate)
    return np.clip(h, 0, 1)


def ban_accounts(pop: Population, banned: np.ndarray, day: int) -> np.ndarray:
    """Every friend on a banned account is lost at once (DOMAIN: bans wipe friends).

    Members who only know the account through a group stay: the group outlives its
    owner's account and is taken over by the replacement account.
    """
    if banned.size == 0:
        return np.zeros(0, np.int64)
    rows = np.flatnonzero(pop.in_pool() & ((pop.channels & FRIEND) > 0) & np.isin(pop.account, banned))
    leave_pool(pop, rows, BANNED, day)
    return rows
