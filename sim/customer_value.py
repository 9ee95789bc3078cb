"""What a customer is worth, the numbers operators plan with: LTV by acquisition channel,
acquisition cost per new customer (CAC) and LTV/CAC, GMV per pool member, the share of
silent members and the delete rate.

Definitions (every figure counts the run's own days; a warm start's history is not counted):

- **New customers** are the people who first became customers during the run (the day-0
  pool, or the pool a run starts from, is not acquired by it). Their **channel** is the one
  they last joined through: a public channel's name, ``referral`` or ``arrival``.
- **LTV at 12 / 24 / 36 months** is the gross margin (``category.margin`` x GMV) a new
  customer brings in the first 365 / 730 / 1,095 days after first joining, each order
  discounted to the joining day at ``valuation.discount_rate`` a year; the mean over the new
  customers who joined early enough to be watched that long (``None`` when nobody did: a
  365-day run has a 12-month LTV only for customers who joined on day 0).
- **CAC** is acquisition spend (contacts and joining gifts) per new customer from the paid
  channels; former members bought back cost money but are not new customers. **LTV/CAC** is
  the 12-month LTV of the paid channels' new customers over CAC.
- **GMV per pool member** is the run's GMV over the mean daily pool.
- **Silent members** are pool members at the end with no purchase in the last 30 (90) days,
  as a share of the pool; **delete rate** is the share of everyone in the pool during the
  run who had deleted or left by its end.
- **Still active after 90 days** is, of the members active (in the pool, not muted) at the
  end of the day 90 days before the run's last, the share active at its end: the realised
  counterpart of the forward outlook's P(active in 90 days) (:mod:`sim.outlook`), needing
  no forward simulation (``None`` for runs of 90 days or less).
- **Group quit rate at 30 (90) days** is, of the members who first took a seat in a group
  chat at least 30 (90) days before the run's end, the share who quit it within 30 (90) days
  of taking the seat (their first group stay; a member quits her group when she deletes or
  leaves, see :mod:`sim.rules.groups`; a stay lost with a banned account is not a quit).
  **Median days in a group** is the Kaplan-Meier median of the first group stay before
  quitting: stays still going at the end and stays ended by a ban are censored, so members
  who never quit within the run count for as long as they were watched (``None`` while
  fewer than half have quit by the longest stay watched). A warm start's stays going on
  day 0 count from day 0.

LTV by channel is the same mean over each channel's customers, so the channels' LTVs
weighted by their watched customers add up to the overall LTV.
"""

from __future__ import annotations

import numpy as np

from sim.population import ACTIVE, LOST, NEVER, SOURCE_ARRIVAL, SOURCE_REFERRAL, Population

#: LTV horizons: months -> days after first joining
LTV_HORIZONS = {12: 365, 24: 730, 36: 1095}
SILENT_DAYS = (30, 90)
GROUP_QUIT_DAYS = (30, 90)
#: the realised counterpart of P(active in 90 days): members active this many days before
#: the end, still active at the end
STILL_ACTIVE_DAYS = 90


class CustomerValueBook:
    """The running totals a run keeps for customer value: each customer's discounted spend
    within each LTV horizon of first joining, acquisition spend per public channel, and who
    was active :data:`STILL_ACTIVE_DAYS` days before the end."""

    def __init__(self, scenario):
        self.rate = scenario.valuation.discount_rate
        self.channel_cost = np.zeros(len(scenario.public_channels))
        # only horizons a run of this length can watch cost memory (4 bytes a customer each)
        self.horizons = [h for h in LTV_HORIZONS.values() if h <= scenario.days]
        self.early = np.zeros((0, len(self.horizons)), np.float32)
        # the end of this day is STILL_ACTIVE_DAYS days before the end of the run's last day
        self.watch_day = scenario.days - 1 - STILL_ACTIVE_DAYS
        self.active_then: np.ndarray | None = None

    def end_of_day(self, pop: Population, day: int) -> None:
        """Remember who is active at the end of the watched day (one array of rows, once)."""
        if day == self.watch_day:
            self.active_then = np.flatnonzero(pop.state == ACTIVE)

    def still_active(self, pop: Population) -> float | None:
        """Of the members active :data:`STILL_ACTIVE_DAYS` days before the end, the share
        active now; ``None`` for a run too short to watch them or with nobody active then."""
        if self.active_then is None or self.active_then.size == 0:
            return None
        return float(np.mean(pop.state[self.active_then] == ACTIVE))

    def add_acquisition(self, channel_cost: np.ndarray | None) -> None:
        if channel_cost is not None:
            self.channel_cost += channel_cost

    def add_purchases(self, pop: Population, rows: np.ndarray, value: np.ndarray, day: int) -> None:
        """Today's orders (each buyer once a day), discounted to the buyer's joining day."""
        if rows.size == 0:
            return
        if not self.horizons:
            return
        if self.early.shape[0] < pop.size:
            grown = np.zeros((max(pop.size, int(self.early.shape[0] * 1.5) + 1024), len(self.horizons)), np.float32)
            grown[: self.early.shape[0]] = self.early
            self.early = grown
        age = day - pop.first_join[rows].astype(np.int64)
        worth = np.asarray(value, np.float64) * (1.0 + self.rate) ** (-age / 365.0)
        for k, horizon in enumerate(self.horizons):
            within = age < horizon
            self.early[rows[within], k] += worth[within]

    def early_spend(self, size: int) -> np.ndarray:
        """Discounted spend within each horizon of :data:`LTV_HORIZONS`, one row per customer
        row (``size`` rows; zero for horizons longer than the run, which nobody is watched for)."""
        out = np.zeros((size, len(LTV_HORIZONS)))
        n = min(size, self.early.shape[0])
        out[:n, : len(self.horizons)] = self.early[:n]
        return out


#: the figures ``by_channel`` gives per channel (spend, CAC and LTV/CAC for paid channels only)
CHANNEL_FIGURES = ("customers", "ltv_12m", "watched_12m", "ltv_24m", "watched_24m", "ltv_36m", "watched_36m",
                   "spend", "cac", "ltv_cac_12m")


def channel_output(figure: str, channel: str) -> str:
    """The name of one channel's figure as an output of a sweep (a column of its run table):
    ``ltv_12m[douyin]``, a list item by name as in ``--set public_channels[douyin]....``."""
    return f"{figure}[{channel}]"


def split_channel_output(name: str) -> tuple[str, str] | None:
    """``ltv_12m[douyin]`` -> ``("ltv_12m", "douyin")``; ``None`` for a name of another form."""
    figure, bracket, rest = name.partition("[")
    if not bracket or not rest.endswith("]") or not figure or len(rest) < 2:
        return None
    return figure, rest[:-1]


def channel_outputs(by_channel: dict) -> dict[str, float | int | None]:
    """A run's ``by_channel`` as flat outputs, one per channel and figure (:func:`channel_output`)."""
    return {channel_output(figure, channel): value for channel, figures in by_channel.items()
            for figure, value in figures.items()}


def channel_names(scenario) -> dict[int, str]:
    """Source code -> the channel's name, for new customers' sources."""
    return {i: c.name for i, c in enumerate(scenario.public_channels)} | {SOURCE_REFERRAL: "referral",
                                                                          SOURCE_ARRIVAL: "arrival"}


def _ltv(early: np.ndarray, joined: np.ndarray, who: np.ndarray, days: int, margin: float) -> dict:
    out = {}
    for k, (months, horizon) in enumerate(LTV_HORIZONS.items()):
        watched = who & (joined != NEVER) & (joined + horizon <= days)
        n = int(watched.sum())
        out[f"ltv_{months}m"] = float(margin * early[watched, k].mean()) if n else None
        out[f"watched_{months}m"] = n
    return out


def customer_value(pop: Population, new: np.ndarray, early: np.ndarray, channel_cost: np.ndarray,
                   still_active: float | None, scenario, daily) -> dict:
    """The summary metrics (``ltv_12m`` ... ``delete_rate``) and ``by_channel``: per channel
    the new customers, LTVs and their watched counts, and for paid channels spend, CAC and
    LTV/CAC. ``pop`` is the run's population as its own days see it, ``new`` marks the rows
    it acquired, ``early`` their discounted early spend, ``still_active`` the realised share
    still active (:class:`CustomerValueBook`)."""
    days, margin = len(daily), scenario.category.margin
    joined = pop.first_join.astype(np.int64)
    paid_codes = np.arange(len(scenario.public_channels))
    paid = new & np.isin(pop.source, paid_codes)
    out = {k: v for k, v in _ltv(early, joined, new, days, margin).items() if k.startswith("ltv_")}
    cac = float(channel_cost.sum() / paid.sum()) if paid.any() else None
    ltv_paid = _ltv(early, joined, paid, days, margin)["ltv_12m"]
    out["cac"] = cac
    out["ltv_cac_12m"] = ltv_paid / cac if ltv_paid is not None and cac else None
    mean_pool = float(daily["pool"].mean()) if days else 0.0
    out["gmv_per_member"] = float(daily["gmv"].sum()) / mean_pool if mean_pool > 0 else None
    members = pop.in_pool()
    last = pop.last_buy.astype(np.int64)
    for d in SILENT_DAYS:
        silent = members & ((last == NEVER) | (last < days - d))
        out[f"silent_{d}"] = float(silent.sum() / members.sum()) if days >= d and members.any() else None
    out["delete_rate"] = float(np.mean(pop.state == LOST)) if pop.size else None
    out["still_active_90"] = still_active
    # the forward outlook costs paths of simulation: sim.simulation.run fills it when asked
    out |= {"outlook_active_90": None, "outlook_purchases_90": None}
    out.update(group_stays(pop, days))
    by_channel = {}
    for code, name in channel_names(scenario).items():
        who = new & (pop.source == code)
        row = {"customers": int(who.sum())} | _ltv(early, joined, who, days, margin)
        if code < len(scenario.public_channels):
            row["spend"] = float(channel_cost[code])
            row["cac"] = float(channel_cost[code] / row["customers"]) if row["customers"] else None
            row["ltv_cac_12m"] = (row["ltv_12m"] / row["cac"]) if row["ltv_12m"] is not None and row["cac"] else None
        by_channel[name] = row
    out["by_channel"] = by_channel
    return out


def group_stays(pop: Population, days: int) -> dict:
    """``group_quit_30``, ``group_quit_90`` and ``group_median_days`` of a run of ``days``
    days (definitions in the module's docstring)."""
    joined = pop.group_joined.astype(np.int64)
    left = pop.group_left.astype(np.int64)
    seated = joined != NEVER
    quit = seated & pop.group_quit & (left != NEVER)
    out = {}
    for d in GROUP_QUIT_DAYS:
        watched = seated & (joined + d <= days)
        n = int(watched.sum())
        out[f"group_quit_{d}"] = float(np.mean(quit[watched] & (left[watched] - joined[watched] <= d))) if n else None
    # at risk of quitting after t days: a quitter until her quit, a banned member until the
    # ban (enforcement comes after the day's quits), a stay going on until the last day
    stay = np.where(left != NEVER, left, days - 1) - joined
    out["group_median_days"] = kaplan_meier_median(stay[seated], quit[seated])
    return out


def kaplan_meier_median(duration: np.ndarray, event: np.ndarray) -> float | None:
    """The Kaplan-Meier median of whole-day ``duration`` s (>= 0) where ``event`` marks the
    observed ends and the rest are censored there (still at risk on that day): the first day
    at which the estimated survival is 0.5 or less; ``None`` when it never gets there."""
    duration = np.asarray(duration, np.int64)
    if duration.size == 0:
        return None
    length = int(duration.max()) + 1
    ends = np.bincount(duration[np.asarray(event, bool)], minlength=length)
    at_risk = np.bincount(duration, minlength=length)[::-1].cumsum()[::-1]
    survival = np.cumprod(1.0 - ends / np.maximum(at_risk, 1))
    below = np.flatnonzero(survival <= 0.5)
    return float(below[0]) if below.size else None
