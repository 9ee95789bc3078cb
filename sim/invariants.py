"""Model invariants: what must hold after every simulated day, whatever the strategy.

``PoolModel(..., check=True)`` (``siyu run --check``, ``sim.simulate(check=True)``, or
the environment variable ``SIYU_CHECK=1``, which the test suite sets) calls
:class:`DayCheck` at the end of each day. A violation is a bug in the model, not bad
input, so it raises :class:`InvariantError` (an ``AssertionError``) naming the day and
the figures that disagree.

What is checked:

- every person is in exactly one state: the state counts add up to the audience, and
  customer rows are only ever in pool or lost states (the public domain is counts);
- no operator account holds more pool members than its friend cap;
- every count and amount of money, per customer and in the day's row, is finite and
  non-negative; trust stays within [0, 1];
- cumulative figures never decrease: a customer's orders and spend, and the set of
  people who have ever joined;
- first group stays are consistent: a member seated in a group has begun one, one that
  ended did not end before it began, and only an ended stay is a quit;
- the daily table adds up to the customers: the orders of all days equal the orders on
  customer rows, and the GMV of all days their spend (to float32 rounding).
"""

from __future__ import annotations

import math
import os

import numpy as np

from sim.population import ACTIVE, BANNED, NEVER

#: relative tolerance for money summed in float64 (daily table) vs float32 (customer rows)
MONEY_RTOL = 1e-4

#: daily columns that may legitimately be NaN (a mean over nothing)
MAY_BE_NAN = ("mean_wait_minutes", "p90_wait_minutes")


class InvariantError(AssertionError):
    """A model invariant failed: a bug, never the user's input."""


def enabled_by_env() -> bool:
    """``SIYU_CHECK=1`` (or true/yes) turns checking on for every model in the process."""
    return os.environ.get("SIYU_CHECK", "").strip().lower() in ("1", "true", "yes", "on")


class DayCheck:
    """Asserts the invariants after each day of one model; keeps what it needs from the
    previous day (per-customer orders and spend) to check that they never decrease."""

    def __init__(self, model) -> None:
        pop = model.population
        # the day-0 pool may arrive with a purchase history: the daily table adds to it
        self.base_orders = int(pop.orders.sum(dtype=np.int64))
        self.base_spend = float(pop.spend.sum(dtype=np.float64))
        self.orders = pop.orders.copy()
        self.spend = pop.spend.copy()
        self.joined = pop.first_join.copy()
        self.total_orders = 0
        self.total_gmv = 0.0
        self.days = 0

    def __call__(self, model) -> None:
        day = model.day
        self.days += 1
        self._states(model, day)
        self._caps(model, day)
        self._finite(model, day)
        self._monotone(model, day)
        self._group_stays(model, day)
        self._totals(model, day)

    # -- the checks ----------------------------------------------------------------
    def _states(self, model, day: int) -> None:
        pop = model.population
        counts = pop.counts()
        audience = model.scenario.market.audience
        _require(np.all(counts >= 0), day, f"negative state counts {counts.tolist()}")
        _require(int(counts.sum()) == audience, day,
                 f"state counts {counts.tolist()} add up to {int(counts.sum())}, not the audience {audience}")
        rows_ok = (pop.state >= ACTIVE) & (pop.state <= BANNED)
        _require(bool(rows_ok.all()), day,
                 f"{int((~rows_ok).sum())} customer rows in a public-domain or unknown state")

    def _caps(self, model, day: int) -> None:
        pop, book = model.population, model.accounts
        in_pool = pop.in_pool()
        acc = pop.account[in_pool]
        _require(bool(np.all((acc >= 0) & (acc < book.count))), day, "a pool member is on no valid account")
        held = np.bincount(acc, minlength=book.count)
        over = np.flatnonzero(held > book.cap)
        _require(over.size == 0, day,
                 f"account(s) {over[:5].tolist()} hold {held[over[:5]].tolist()} members, over the cap "
                 f"{book.cap[over[:5]].tolist()}")

    def _finite(self, model, day: int) -> None:
        pop = model.population
        for name in ("spend", "fatigue", "need"):
            values = getattr(pop, name)
            _require(bool(np.all(np.isfinite(values) & (values >= 0))), day,
                     f"customer {name} not finite and non-negative (min {values.min() if values.size else 0})")
        _require(bool(np.all((pop.trust >= 0) & (pop.trust <= 1))), day, "customer trust outside [0, 1]")
        for key, value in model.today.items():
            if not isinstance(value, (int, float, np.integer, np.floating)):
                continue
            if key in MAY_BE_NAN and math.isnan(value):
                continue
            _require(math.isfinite(value) and value >= 0, day, f"daily {key} = {value!r}: not finite and non-negative")

    def _monotone(self, model, day: int) -> None:
        pop = model.population
        n = self.orders.size
        _require(pop.size >= n, day, f"customer rows shrank from {n} to {pop.size}")
        _require(bool(np.all(pop.orders[:n] >= self.orders)), day, "a customer's order count decreased")
        _require(bool(np.all(pop.spend[:n] >= self.spend)), day, "a customer's cumulative spend decreased")
        was = self.joined != NEVER
        _require(bool(np.all(pop.first_join[:n][was] == self.joined[was])), day,
                 "a customer's first-join day changed or was erased")
        self.orders, self.spend, self.joined = pop.orders.copy(), pop.spend.copy(), pop.first_join.copy()

    def _group_stays(self, model, day: int) -> None:
        pop = model.population
        begun, ended = pop.group_joined != NEVER, pop.group_left != NEVER
        _require(bool(np.all(begun[pop.group >= 0])), day, "a member seated in a group has no first group stay")
        _require(bool(np.all(begun[ended] & (pop.group_left[ended] >= pop.group_joined[ended]))), day,
                 "a first group stay ended before it began")
        _require(not bool(np.any(pop.group_quit & ~ended)), day, "a group stay still going is counted as a quit")

    def _totals(self, model, day: int) -> None:
        pop, today = model.population, model.today
        self.total_orders += int(today.get("orders", 0))
        self.total_gmv += float(today.get("gmv", 0.0))
        on_rows = int(pop.orders.sum(dtype=np.int64)) - self.base_orders
        _require(on_rows == self.total_orders, day,
                 f"daily orders add up to {self.total_orders} but customers hold {on_rows} new orders")
        spend = float(pop.spend.sum(dtype=np.float64)) - self.base_spend
        _require(math.isclose(spend, self.total_gmv, rel_tol=MONEY_RTOL, abs_tol=1.0), day,
                 f"daily GMV adds up to {self.total_gmv:.2f} but customers spent {spend:.2f}")
        rows = len(model.datacollector.model_vars.get("day", ()))
        _require(rows == self.days, day, f"{rows} daily rows recorded after {self.days} checked days")


def _require(ok: bool, day: int, what: str) -> None:
    if not ok:
        raise InvariantError(f"model invariant failed after day {day}: {what}")
