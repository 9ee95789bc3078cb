"""What the brand and the platform do: WeChat's rules, the brand's operator accounts, the
levers a strategy sets each day, promotion campaigns, the service desk, and which
strategy a scenario runs by default."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_serializer, field_validator, model_validator

from sim.scenario.units import Strict, param

#: how far shares of one whole (``channel_mix``) may miss 1 (rounding in hand-written files)
SHARE_SUM_TOLERANCE = 0.01
#: referral commission deeper than this many levels risks being an illegal pyramid scheme in China
MAX_REFERRAL_LEVELS = 3


class Platform(Strict):
    """WeChat/WeCom rules: friend caps, add limits, bans after message bombing."""

    personal_friend_cap: int = param(10_000, unit="people", ge=1, le=10_000, description="friends per personal WeChat account (WeChat's limit)")
    wecom_contact_cap: int = param(20_000, unit="people", ge=1, le=20_000, description="external contacts per WeCom account (WeCom's limit)")
    group_member_cap: int = param(500, unit="people", ge=1, le=500, description="members per WeChat group (WeChat's limit)")
    daily_add_limit: int = param(240, unit="people", ge=0, le=100_000, description="new friends an account may add per day before it is blocked")
    ban_base_hazard: float = param(0.0003, unit="prob_day", ge=0, le=1, description="daily ban hazard of an account messaging at the safe intensity")
    ban_safe_intensity: float = param(6.0, unit="msgs_member_day", gt=0, le=1e4, description="messages per member per day (private + group + folded Moments) the platform tolerates")
    ban_group_weight: float = param(0.3, unit="factor", ge=0, le=100, description="weight of one group message relative to one private mass message in the ban intensity")
    ban_exponent: float = param(3.0, unit="exponent", ge=0, le=20, description="how steeply ban risk rises above the safe intensity")
    ban_complaint_weight: float = param(50.0, unit="factor", ge=0, le=1e6, description="ban-hazard multiplier per unit of daily delete rate (complaints)")
    wecom_one_broadcast_per_day: bool = param(True, unit="flag", description="WeCom: a customer receives at most one mass (group) broadcast per day from one enterprise")
    replace_banned_after_days: int = param(7, unit="days", ge=0, le=3650, description="days until a banned account is replaced by a fresh, empty one")


class Accounts(Strict):
    """The brand's operator accounts (personas)."""

    kind: Literal["personal", "wecom"] = param("personal", unit="choice", description="personal WeChat or WeCom")
    count: int = param(1, unit="count", ge=1, le=10_000, description="number of identical accounts")
    posting_spread: float = param(0.0, unit="share", ge=0, le=1, description="+/- share by which each account's posting deviates from the strategy's schedule")


class Levers(Strict):
    """What the operator sets each day. Strategy presets fill these; scenario files may override any."""

    acquisition_budget: float = param(0.0, unit="yuan_day", ge=0, le=1e9, description="yuan per day spent on public channels")
    channel_mix: dict[str, float] = param(default_factory=dict, unit="list", description="share of the budget per public channel name; empty = equal shares")
    hook: float = param(0.0, unit="yuan", ge=0, le=1e6, description="coupon / freebie for joining the pool, yuan")
    moments_posts: float = param(2.0, unit="msgs_day", ge=0, le=100, description="Moments posts per day per account")
    group_messages: float = param(2.0, unit="msgs_day", ge=0, le=500, description="brand messages per day in each group")
    private_messages: float = param(0.1, unit="msgs_day", ge=0, le=100, description="mass private messages per day to each friend")
    official_posts: float = param(0.3, unit="msgs_day", ge=0, le=100, description="official-account posts per day")
    value_share: float = param(0.6, unit="share", ge=0, le=1, description="share of messages that are valuable content rather than promotion")
    group_invite_share: float = param(0.3, unit="share", ge=0, le=1, description="share of new members invited into a group")
    group_fit_only: bool = param(False, unit="flag", description="only persona-fit members are invited into groups (a join threshold)")
    official_follow_share: float = param(0.3, unit="share", ge=0, le=1, description="share of new members who also follow the official account")
    followup: bool = param(False, unit="flag", description="check in after each purchase (delivery, satisfaction, thanks)")
    super_user_share: float = param(0.0, unit="share", ge=0, le=1, description="share of the pool (top spenders) given one-to-one care")
    super_user_value_messages: float = param(0.0, unit="msgs_day", ge=0, le=50, description="extra one-to-one value messages per day to each super user")
    referral_reward: float = param(0.0, unit="yuan", ge=0, le=1e6, description="yuan paid per successful referral, per commission level")
    referral_levels: int = param(1, unit="count", ge=0, description="commission levels (more than 3 risks being an illegal pyramid scheme)")
    recall_after_days: int = param(0, unit="days", ge=0, le=3650, description="send one recall message to members who have not bought for this many days (0 = never)")
    # service: who answers questions, when, and how well
    staff_per_1000_members: float = param(0.3, unit="people", ge=0, le=1000, description="service staff on shift per 1,000 pool members (rounded up)")
    staff_min: int = param(1, unit="people", ge=0, le=100_000, description="service staff on shift at least, whatever the pool size")
    staff_max: int = param(10_000, unit="people", ge=0, le=100_000, description="service staff at most (hiring limit)")
    staff: int | None = param(None, unit="people", ge=0, le=100_000, description="a fixed head-count of service staff on shift, whatever the pool size (instead of staff_per_1000_members)")
    shift_start: float = param(9.0, unit="hour", ge=0, lt=24, description="hour the service shift starts (0-24)")
    shift_end: float = param(21.0, unit="hour", gt=0, le=24, description="hour the service shift ends (0-24)")
    expert_staff: bool = param(False, unit="flag", description="staff are category experts (trust more per answer, cost more) rather than generic customer service")
    auto_reply: bool = param(False, unit="flag", description="keyword auto-reply answers matching pre-sale questions instantly (weaker effect)")

    @field_validator("channel_mix")
    @classmethod
    def _shares_non_negative(cls, mix: dict[str, float]) -> dict[str, float]:
        for name, share in mix.items():
            if not (math.isfinite(share) and share >= 0):
                raise ValueError(f"share for {name!r} must be a finite number >= 0, got {share!r}")
        total = sum(mix.values())
        if mix and abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            # shares of one budget: a mix that does not add up is a typo, not an intent
            raise ValueError(f"channel_mix shares must sum to 1 (within {SHARE_SUM_TOLERANCE}), got {total:g}")
        return mix

    @model_validator(mode="after")
    def _shift_order(self) -> "Levers":
        if self.shift_end <= self.shift_start:
            raise ValueError(f"shift_end ({self.shift_end}) must be after shift_start ({self.shift_start})")
        return self

    @field_validator("referral_levels")
    @classmethod
    def _pyramid(cls, levels: int) -> int:
        if levels > MAX_REFERRAL_LEVELS:
            raise ValueError(
                f"{levels} commission levels: referral commission deeper than {MAX_REFERRAL_LEVELS} levels risks being "
                f"an illegal pyramid scheme in China (platform rules); expected 0-{MAX_REFERRAL_LEVELS}")
        return levels


class Campaign(Strict):
    """A promotion period (six-week launches ahead of 618 and Double-11)."""

    name: str = param(..., unit="text", min_length=1, max_length=200, description="campaign label")
    start: int = param(..., unit="day_index", ge=-3650, description="first day of the campaign (0-based; a negative day -k falls k days before day 0, inside a [start] warm-up of at least k days)")
    length: int = param(42, unit="days", ge=1, le=3650, description="days the campaign lasts (about six weeks)")
    discount: float = param(0.2, unit="share", ge=0, le=0.95, description="price cut, share of the price; lifts conversion")
    extra_posts: float = param(2.0, unit="msgs_day", ge=0, le=100, description="extra promotional Moments posts and group messages per day")
    extra_private: float = param(0.2, unit="msgs_day", ge=0, le=100, description="extra mass private messages per day (harvest sends them for every campaign)")


class Service(Strict):
    """Inquiries, staff and follow-ups on the SimPy clock (see :mod:`sim.desk`). Assumptions."""

    enabled: bool = param(True, unit="flag", description="run the operations layer (inquiries, staff, follow-ups as staff tasks)")
    presale_rate: float = param(0.02, unit="prob_day", ge=0, le=1, description="daily chance a member whose need is due asks a pre-sale question")
    aftersale_rate: float = param(0.15, unit="probability", ge=0, le=1, description="chance an order brings an after-sale question the next day")
    aftersale_bad_rate: float = param(0.6, unit="probability", ge=0, le=1, description="chance an unsatisfying order brings an after-sale complaint")
    open_hour: float = param(8.0, unit="hour", ge=0, lt=24, description="customers ask from this hour ...")
    close_hour: float = param(23.0, unit="hour", gt=0, le=24, description="... until this hour")
    handle_minutes: float = param(6.0, unit="minutes", gt=0, le=600, description="mean minutes of staff time per inquiry")
    handle_distribution: Literal["exponential", "lognormal", "fixed"] = param("exponential", unit="choice", description="distribution of handling times")
    followup_minutes: float = param(3.0, unit="minutes", gt=0, le=600, description="staff minutes per follow-up (delivery or satisfaction check)")
    delivery_check_day: int = param(1, unit="days", ge=0, le=60, description="days after an order the delivery check is due")
    satisfaction_check_day: int = param(3, unit="days", ge=0, le=60, description="days after an order the satisfaction check is due (ask two days later)")
    fast_answer_minutes: float = param(15.0, unit="minutes", ge=0, le=1440, description="answers within this wait count as fast")
    trust_fast_answer: float = param(0.05, unit="share", ge=0, le=1, description="trust gained by a fast answer (times room left)")
    trust_slow_answer: float = param(0.05, unit="share", ge=0, le=1, description="share of trust lost per hour of waiting beyond fast (capped at 3 hours)")
    trust_unanswered: float = param(0.10, unit="share", ge=0, le=1, description="share of trust lost when a question gets no answer by the end of the day")
    trust_unanswered_aftersale: float = param(0.35, unit="share", ge=0, le=1, description="share of trust lost when an after-sale problem gets no answer (sharply down)")
    expert_factor: float = param(2.0, unit="factor", ge=0, le=100, description="trust gain of an expert's answer relative to generic service")
    expert_minutes_factor: float = param(1.2, unit="factor", gt=0, le=100, description="experts' handling time relative to generic staff (they explain more)")
    auto_reply_coverage: float = param(0.4, unit="share", ge=0, le=1, description="share of pre-sale questions keyword auto-reply can answer")
    auto_reply_factor: float = param(0.3, unit="factor", ge=0, le=10, description="trust gain of an auto-reply relative to a fast human answer")
    trust_delivery_check: float = param(0.03, unit="share", ge=0, le=1, description="trust gained by a delivery check (times room left)")
    generic_hourly_cost: float = param(35.0, unit="yuan_hour", ge=0, le=1e5, description="yuan per staff hour, generic customer service")
    expert_hourly_cost: float = param(70.0, unit="yuan_hour", ge=0, le=1e5, description="yuan per staff hour, category experts")
    content_cost_per_post: float = param(40.0, unit="yuan_post", ge=0, le=1e6, description="yuan to produce one Moments post or group message per account (photos, copy)")
    account_daily_cost: float = param(20.0, unit="yuan_day", ge=0, le=1e6, description="yuan per operator account per day (device, SIM, tools)")


class ScheduleEntry(Strict):
    """From ``day`` on, the pool is run by the strategy called ``name`` ([[strategy.schedule]])."""

    day: int = param(..., unit="day_index", ge=0, le=3650, description="first day (0-based) this strategy runs")
    name: str = param(..., unit="text", min_length=1, description="a registered strategy's name")


class StrategyChoice(Strict):
    """Which strategy `siyu run` uses by default, per-strategy lever overrides, and a schedule
    of strategies (the strategy called ``schedule`` follows it)."""

    default: str = param("nurture", unit="text", min_length=1, description="strategy used when none is named on the command line")
    levers: dict[str, Levers] = Field(
        default_factory=dict, description="lever overrides per strategy name, e.g. [strategy.levers.harvest]; only the keys written are applied")
    schedule: list[ScheduleEntry] = Field(
        default_factory=list, description="strategies by day ([[strategy.schedule]] day, name), run by the strategy 'schedule'; the first entry is day 0")

    @model_validator(mode="after")
    def _schedule_in_order(self) -> "StrategyChoice":
        days = [e.day for e in self.schedule]
        if days and (days[0] != 0 or any(b <= a for a, b in zip(days, days[1:]))):
            raise ValueError(f"schedule: days {days}; expected the first entry on day 0 and each later one on a later day")
        if any(e.name == "schedule" for e in self.schedule):
            raise ValueError("schedule: an entry cannot be the strategy 'schedule' itself")
        return self

    @field_serializer("levers")
    def _only_written(self, levers: dict[str, Levers]) -> dict[str, dict]:
        # an override applies only the keys the user wrote, so only those are data
        return {name: lev.model_dump(mode="json", exclude_unset=True) for name, lev in levers.items()}
