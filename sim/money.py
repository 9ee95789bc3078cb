"""Profit, defined once.

``profit`` = gross margin on GMV − platform take − acquisition (contacts and joining
hooks) − referral rewards − operating cost (staff, accounts, content), in yuan over the
run. ``roi`` = profit / what was spent (acquisition + rewards + operating cost).

``contribution`` is profit *before operating cost*: what the pool's sales leave after
the costs that scale with customers (take, acquisition, rewards), before the fixed-ish
cost of running the accounts and the desk. Sweeps report it beside profit because a
lever that moves sales but not staffing shows up in it undiluted.
"""

from __future__ import annotations


def spent(acquisition_cost: float, reward_cost: float, operating_cost: float) -> float:
    """Yuan the brand paid out: acquisition, referral rewards, operating cost."""
    return acquisition_cost + reward_cost + operating_cost


def profit(gmv: float, margin: float, take_paid: float, acquisition_cost: float, reward_cost: float,
           operating_cost: float) -> float:
    """Gross margin on GMV less take, acquisition, rewards and operating cost, yuan."""
    return gmv * margin - spent(acquisition_cost, reward_cost, operating_cost) - take_paid


def contribution(summary: dict, margin: float) -> float:
    """Profit before operating cost, from a run summary, yuan."""
    return (summary["gmv_total"] * margin - summary.get("take_paid", 0.0)
            - summary.get("acquisition_cost", 0.0) - summary.get("reward_cost", 0.0))
