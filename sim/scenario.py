"""Scenario files: what a strategist writes, validated before anything runs.

A scenario is data (TOML, read with :mod:`tomllib`), never code. Every field has a
default, a unit in its description, and the shipped files say where each value comes
from (a DOMAIN.md figure, or "assumption"). Unknown keys are rejected
(``extra="forbid"``) so a misspelt lever never silently does nothing.

>>> s = Scenario.from_toml("scenarios/default.toml")   # doctest: +SKIP
>>> s.days, s.market.audience                           # doctest: +SKIP
(365, 50000)
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_serializer, field_validator, model_validator

from sim.errors import ScenarioError, format_validation_error

# A daily probability or a share.
Share = float

#: how far shares of one whole (``channel_mix``) may miss 1 (rounding in hand-written files)
SHARE_SUM_TOLERANCE = 0.01

#: scenario files bigger than this are refused before parsing (a scenario is a few KB)
MAX_FILE_BYTES = 16 * 2**20

#: working memory per person besides the stored state: the rules' temporary masks and
#: random draws over all rows (an upper estimate, see Scenario.memory_estimate)
WORKING_BYTES_PER_CUSTOMER = 64


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Arrival(_Strict):
    """People who join the pool on one day from outside the paid channels ([[market.arrivals]]):
    store customers added to WeChat at the till, an imported member list, a cohort of
    first-time buyers. Arrivals need account room like everyone else; those who find none
    wait for the next day with room. A transaction log's customers enter the pool this way
    when the model is calibrated to the log (each on the day of her first purchase)."""

    day: int = Field(..., ge=0, le=3650, description="day they arrive (0-based, like campaigns; days past the horizon never come)")
    count: int = Field(..., ge=1, le=50_000_000, description="people arriving that day")
    fit_share: Share = Field(1.0, ge=0, le=1, description="share of them who fit the persona")
    trust: float | None = Field(None, ge=0, le=1, description="their mean trust on arrival (default: market.initial_pool_trust)")
    first_order: bool = Field(True, description="they arrive having just bought: their first order is recorded on the arrival day")


class Market(_Strict):
    """The addressable public audience the brand can reach through public platforms."""

    audience: int = Field(50_000, ge=1, le=50_000_000, description="people in the addressable public audience")
    fit_share: Share = Field(0.35, ge=0, le=1, description="share of the audience who fit the target persona (the rest are deal-seekers and idle browsers)")
    initial_pool: int = Field(0, ge=0, description="people already in the private pool on day 0")
    initial_pool_fit_share: Share = Field(0.6, ge=0, le=1, description="share of the day-0 pool who fit the persona")
    initial_pool_trust: float = Field(0.35, ge=0, le=1, description="mean trust (0-1) of the day-0 pool")
    initial_pool_channels: list[Literal["friend", "group", "moments", "official"]] = Field(
        default_factory=lambda: ["friend", "moments"], description="private channels the day-0 pool is reachable through")
    arrivals: list[Arrival] = Field(default_factory=list, description="people joining on given days from outside the paid channels ([[market.arrivals]])")

    @model_validator(mode="after")
    def _pool_fits(self) -> "Market":
        if self.initial_pool > self.audience:
            raise ValueError(f"initial_pool ({self.initial_pool}) cannot exceed audience ({self.audience})")
        arriving = sum(a.count for a in self.arrivals)
        if self.initial_pool + arriving > self.audience:
            raise ValueError(f"arrivals: {arriving} arrivals and an initial pool of {self.initial_pool} exceed the "
                             f"audience ({self.audience}); expected at most {self.audience} in all")
        return self


class Category(_Strict):
    """What is sold: price, purchase cycle and product quality."""

    name: str = Field("cosmetics", min_length=1, description="category label shown in reports")
    price_mean: float = Field(120.0, gt=0, le=1e7, description="mean order value, yuan")
    price_sigma: float = Field(0.5, ge=0, le=3, description="log-normal sigma of one order's value around the person's usual basket")
    customer_spend_sigma: float = Field(0.6, ge=0, le=3, description="log-normal sigma of people's usual basket (some buy big sets)")
    purchase_cycle_days: float = Field(45.0, gt=0, le=3650, description="mean days between purchases of a customer who buys regularly")
    need_sharpness: float = Field(2.0, gt=0, le=50, description="how sharply buying waits for need to come due (hazard scales with need**sharpness); high for once-in-a-lifetime purchases")
    cycle_shape: float = Field(1.5, gt=0, le=100, description="gamma shape of personal purchase rates; lower = more heterogeneous customers")
    quality: Share = Field(0.85, ge=0, le=1, description="probability that a purchase leaves the customer satisfied")
    quality_spread: Share = Field(0.0, ge=0, le=0.99, description="how much that probability varies between people (0 = the same for everyone; towards 1 = some are reliably pleased, others reliably disappointed): the share of the satisfied/disappointed variance that lies between people, each person's chance being Beta-distributed around quality")
    margin: Share = Field(0.6, ge=0, le=1, description="gross margin on GMV, share")
    deal_seeker_basket: float = Field(0.6, gt=0, le=5, description="deal-seekers' order value relative to the mean")


class PublicChannel(_Strict):
    """A public platform the brand buys contacts on (Douyin, Xiaohongshu, Tmall, store...)."""

    name: str = Field(..., min_length=1, description="channel name, referenced by strategies' channel_mix")
    cost_per_contact: float = Field(..., gt=0, le=1e5, description="yuan per person reached")
    precision: Share = Field(0.3, ge=0, le=1, description="share of contacts who fit the target persona, with no hook")
    conversion: Share = Field(0.05, ge=0, le=1, description="probability a reached person joins the pool, with no hook")
    take_rate: Share = Field(0.05, ge=0, le=1, description="platform commission on a sale made on this channel")


class PrivateChannels(_Strict):
    """How reliably each private channel reaches a pool member (strong vs weak channels, DOMAIN)."""

    moments_reach: Share = Field(0.5, ge=0, le=1, description="share of a Moments post's viewers who see it")
    group_reach: Share = Field(0.6, ge=0, le=1, description="share of group messages a member sees")
    private_reach: Share = Field(0.9, ge=0, le=1, description="share of private (1-to-1 or mass) messages read")
    official_reach: Share = Field(0.15, ge=0, le=1, description="share of official-account posts a follower sees (weak channel)")
    muted_reach: Share = Field(0.1, ge=0, le=1, description="reach multiplier once a customer has muted the account")
    moments_fold_threshold: float = Field(3.0, ge=0, le=100, description="Moments posts per day before further posts are folded")
    moments_fold_reach: Share = Field(0.2, ge=0, le=1, description="reach of a folded Moments post relative to an unfolded one")
    public_take_rate: Share = Field(0.05, ge=0, le=1, description="take rate when a pool member buys on a public platform")
    group_chatter_per_member: float = Field(0.02, ge=0, le=100, description="messages per member per day from other members of a lively group")
    group_chatter_cap: float = Field(30.0, ge=0, le=10_000, description="members' messages a person reads in a day at most (they skim)")
    group_chatter_value: Share = Field(0.3, ge=0, le=1, description="share of members' messages that are useful (social proof, peers' answers)")
    group_chatter_fatigue: float = Field(0.05, ge=0, le=100, description="fatigue per member message read (before the group factor)")
    group_vitality_loss: float = Field(2.0, ge=0, le=100, description="how sharply a group quietens as members leave (vitality x share kept ** this)")
    group_vitality_recovery: float = Field(0.02, ge=0, le=1, description="vitality regained per valuable brand message a day")
    private_purchase_share: Share = Field(0.8, ge=0, le=1, description="share of an active member's orders placed inside WeChat (no take rate); halved when muted")
    muted_buy: Share = Field(0.5, ge=0, le=1, description="purchase hazard of a muted member relative to an active one")


class Behaviour(_Strict):
    """How customers respond: fatigue, trust, muting, buying and referring. Mostly assumptions."""

    # fatigue
    fatigue_half_life_days: float = Field(3.0, gt=0, le=365, description="days for accumulated fatigue to halve")
    fatigue_value: float = Field(0.10, ge=0, le=100, description="fatigue added per value message seen")
    fatigue_promo: float = Field(0.30, ge=0, le=100, description="fatigue added per promotion seen")
    fatigue_group_factor: float = Field(1.5, ge=0, le=100, description="multiplier on fatigue for group messages (floods are worse than Moments)")
    fatigue_moments_factor: float = Field(0.6, ge=0, le=100, description="multiplier on fatigue for Moments posts (can be scrolled past)")
    fatigue_private_factor: float = Field(2.0, ge=0, le=100, description="multiplier on fatigue for private messages")
    tolerance_median: float = Field(1.5, gt=0, le=1e4, description="median personal fatigue tolerance")
    tolerance_sigma: float = Field(0.6, ge=0, le=5, description="log-normal sigma of personal tolerance")
    trust_tolerance: float = Field(1.0, ge=0, le=100, description="extra tolerance per unit of trust (trusted brands are forgiven more)")
    mute_rate: Share = Field(0.15, ge=0, le=1, description="daily mute hazard per unit of fatigue above tolerance")
    leave_rate: Share = Field(0.009, ge=0, le=1, description="daily delete/leave hazard per unit of fatigue above twice the tolerance")
    muted_leave_rate: Share = Field(0.003, ge=0, le=1, description="daily hazard that a muted, distrustful customer cleans the account out")
    drift_leave_rate: Share = Field(0.001, ge=0, le=1, description="daily hazard that an active, distrustful member drifts away (phone change, lost interest)")
    unmute_rate: Share = Field(0.02, ge=0, le=1, description="daily chance a calm, trusting muted customer unmutes")
    # trust
    trust_value_gain: float = Field(0.006, ge=0, le=1, description="trust gained per value message seen (times the room left to 1)")
    trust_spam_loss: float = Field(0.01, ge=0, le=1, description="trust lost per promotion seen while fatigued")
    trust_decay: float = Field(0.004, ge=0, le=1, description="daily trust decay (share of trust), offset by value content and good purchases")
    trust_good_purchase: float = Field(0.10, ge=0, le=1, description="trust gained after a satisfying purchase (times room left)")
    trust_bad_purchase: float = Field(0.6, ge=0, le=1, description="share of trust lost after a bad product")
    bad_product_rebuy: Share = Field(0.3, ge=0, le=1, description="purchase hazard of someone whose last product disappointed, relative to a satisfied customer")
    bad_product_leave: Share = Field(0.4, ge=0, le=1, description="chance a member who just got a bad product deletes the brand at once")
    trust_followup: float = Field(0.08, ge=0, le=1, description="trust gained from a post-purchase follow-up (times room left)")
    followup_recovery: Share = Field(0.5, ge=0, le=1, description="share of a bad purchase's trust loss a follow-up recovers")
    trust_paid: float = Field(0.15, ge=0, le=1, description="trust of someone who joins from a paid public channel")
    trust_referred: float = Field(0.45, ge=0, le=1, description="trust of someone referred by a friend")
    # buying
    buy_rate: Share = Field(0.25, ge=0, le=1, description="daily purchase hazard of a fully trusting customer whose need is due")
    trust_power: float = Field(1.0, ge=0, le=10, description="how sharply trust gates buying (hazard scales with trust**power)")
    promo_lift: float = Field(1.5, ge=0, le=100, description="maximal relative lift of the purchase hazard from promotions seen today")
    promo_pull_forward: float = Field(0.4, ge=0, le=10, description="share of a purchase cycle a strong promotion pulls forward (stocking up)")
    discount_lift: float = Field(3.0, ge=0, le=100, description="relative lift of the purchase hazard per unit of campaign discount (20 % off: x1.6)")
    deal_seeker_base: Share = Field(0.15, ge=0, le=1, description="deal-seekers' purchase propensity without a promotion, relative to fit customers")
    deal_join_base: Share = Field(0.4, ge=0, le=1, description="deal-seekers' chance to join without a hook, relative to fit people")
    hook_fit_lift: float = Field(1.0, ge=0, le=100, description="relative lift of fit people's joining per hook of one mean price")
    hook_deal_lift: float = Field(8.0, ge=0, le=1000, description="relative lift of deal-seekers' joining per hook of one mean price")
    coupon_redeem: Share = Field(0.5, ge=0, le=1, description="chance a hooked joiner redeems the coupon at once, for a hook of one mean price")
    public_buy_factor: Share = Field(0.3, ge=0, le=1, description="purchase hazard of past contacts outside the pool, relative to members (public platforms)")
    # referring
    referral_rate: Share = Field(0.004, ge=0, le=1, description="daily chance a fully trusting, satisfied member refers a friend")
    referral_reward_lift: float = Field(1.0, ge=0, le=100, description="relative lift of referring per reward of one mean price")
    referral_conversion: Share = Field(0.6, ge=0, le=1, description="chance a referred friend joins the pool")
    referral_fit_share: Share = Field(0.8, ge=0, le=1, description="share of referred friends who fit the persona")


class Platform(_Strict):
    """WeChat/WeCom rules (DOMAIN: friend caps, add limits, bans after bombing)."""

    personal_friend_cap: int = Field(10_000, ge=1, le=10_000, description="friends per personal WeChat account (WeChat's limit, DOMAIN)")
    wecom_contact_cap: int = Field(20_000, ge=1, le=20_000, description="external contacts per WeCom account (WeCom's limit, DOMAIN)")
    group_member_cap: int = Field(500, ge=1, le=500, description="members per WeChat group (WeChat's limit)")
    daily_add_limit: int = Field(240, ge=0, le=100_000, description="new friends an account may add per day before it is blocked")
    ban_base_hazard: Share = Field(0.0003, ge=0, le=1, description="daily ban hazard of an account messaging at the safe intensity")
    ban_safe_intensity: float = Field(6.0, gt=0, le=1e4, description="messages per member per day (private + group + folded Moments) the platform tolerates")
    ban_group_weight: float = Field(0.3, ge=0, le=100, description="weight of one group message relative to one private mass message in the ban intensity")
    ban_exponent: float = Field(3.0, ge=0, le=20, description="how steeply ban risk rises above the safe intensity")
    ban_complaint_weight: float = Field(50.0, ge=0, le=1e6, description="ban-hazard multiplier per unit of daily delete rate (complaints)")
    wecom_one_broadcast_per_day: bool = Field(True, description="WeCom: a customer receives at most one mass (group) broadcast per day from one enterprise")
    replace_banned_after_days: int = Field(7, ge=0, le=3650, description="days until a banned account is replaced by a fresh, empty one")


class Accounts(_Strict):
    """The brand's operator accounts (personas)."""

    kind: Literal["personal", "wecom"] = Field("personal", description="personal WeChat or WeCom")
    count: int = Field(1, ge=1, le=10_000, description="number of identical accounts")
    posting_spread: float = Field(0.0, ge=0, le=1, description="+/- share by which each account's posting deviates from the strategy's schedule")


class Levers(_Strict):
    """What the operator sets each day. Strategy presets fill these; scenario files may override any."""

    acquisition_budget: float = Field(0.0, ge=0, le=1e9, description="yuan per day spent on public channels")
    channel_mix: dict[str, float] = Field(default_factory=dict, description="share of the budget per public channel name; empty = equal shares")
    hook: float = Field(0.0, ge=0, le=1e6, description="coupon / freebie for joining the pool, yuan")
    moments_posts: float = Field(2.0, ge=0, le=100, description="Moments posts per day per account")
    group_messages: float = Field(2.0, ge=0, le=500, description="brand messages per day in each group")
    private_messages: float = Field(0.1, ge=0, le=100, description="mass private messages per day to each friend")
    official_posts: float = Field(0.3, ge=0, le=100, description="official-account posts per day")
    value_share: Share = Field(0.6, ge=0, le=1, description="share of messages that are valuable content rather than promotion")
    group_invite_share: Share = Field(0.3, ge=0, le=1, description="share of new members invited into a group")
    group_fit_only: bool = Field(False, description="only persona-fit members are invited into groups (a join threshold)")
    official_follow_share: Share = Field(0.3, ge=0, le=1, description="share of new members who also follow the official account")
    followup: bool = Field(False, description="check in after each purchase (delivery, satisfaction, thanks)")
    super_user_share: Share = Field(0.0, ge=0, le=1, description="share of the pool (top spenders) given one-to-one care")
    super_user_value_messages: float = Field(0.0, ge=0, le=50, description="extra one-to-one value messages per day to each super user")
    referral_reward: float = Field(0.0, ge=0, le=1e6, description="yuan paid per successful referral, per commission level")
    referral_levels: int = Field(1, ge=0, description="commission levels (more than 3 risks being an illegal pyramid scheme, DOMAIN)")
    recall_after_days: int = Field(0, ge=0, le=3650, description="send one recall message to members who have not bought for this many days (0 = never)")
    # service (issue 3): who answers questions, when, and how well
    staff_per_1000_members: float = Field(0.3, ge=0, le=1000, description="service staff on shift per 1,000 pool members (rounded up)")
    staff_min: int = Field(1, ge=0, le=100_000, description="service staff on shift at least, whatever the pool size")
    staff_max: int = Field(10_000, ge=0, le=100_000, description="service staff at most (hiring limit)")
    shift_start: float = Field(9.0, ge=0, lt=24, description="hour the service shift starts (0-24)")
    shift_end: float = Field(21.0, gt=0, le=24, description="hour the service shift ends (0-24)")
    expert_staff: bool = Field(False, description="staff are category experts (trust more per answer, cost more) rather than generic customer service")
    auto_reply: bool = Field(False, description="keyword auto-reply answers matching pre-sale questions instantly (weaker effect)")

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
        if levels > 3:
            raise ValueError(
                f"{levels} commission levels: referral commission deeper than 3 levels risks being "
                "an illegal pyramid scheme in China (DOMAIN, platform rules); expected 0-3")
        return levels


class Campaign(_Strict):
    """A promotion period (DOMAIN: six-week launches ahead of 618 and Double-11)."""

    name: str = Field(..., min_length=1, max_length=200, description="campaign label")
    start: int = Field(..., ge=0, description="first day of the campaign (0-based)")
    length: int = Field(42, ge=1, le=3650, description="days the campaign lasts (DOMAIN: about six weeks)")
    discount: Share = Field(0.2, ge=0, le=0.95, description="price cut, share of the price; lifts conversion")
    extra_posts: float = Field(2.0, ge=0, le=100, description="extra promotional Moments posts and group messages per day")
    extra_private: float = Field(0.2, ge=0, le=100, description="extra mass private messages per day (harvest sends them for every campaign)")


class Service(_Strict):
    """Inquiries, staff and follow-ups on the SimPy clock (see sim/operations.py). Assumptions."""

    enabled: bool = Field(True, description="run the operations layer (inquiries, staff, follow-ups as staff tasks)")
    presale_rate: Share = Field(0.02, ge=0, le=1, description="daily chance a member whose need is due asks a pre-sale question")
    aftersale_rate: Share = Field(0.15, ge=0, le=1, description="chance an order brings an after-sale question the next day")
    aftersale_bad_rate: Share = Field(0.6, ge=0, le=1, description="chance an unsatisfying order brings an after-sale complaint")
    open_hour: float = Field(8.0, ge=0, lt=24, description="customers ask from this hour ...")
    close_hour: float = Field(23.0, gt=0, le=24, description="... until this hour")
    handle_minutes: float = Field(6.0, gt=0, le=600, description="mean minutes of staff time per inquiry")
    handle_distribution: Literal["exponential", "lognormal", "fixed"] = Field("exponential", description="distribution of handling times")
    followup_minutes: float = Field(3.0, gt=0, le=600, description="staff minutes per follow-up (delivery or satisfaction check)")
    delivery_check_day: int = Field(1, ge=0, le=60, description="days after an order the delivery check is due")
    satisfaction_check_day: int = Field(3, ge=0, le=60, description="days after an order the satisfaction check is due (DOMAIN: ask two days later)")
    fast_answer_minutes: float = Field(15.0, ge=0, le=1440, description="answers within this wait count as fast")
    trust_fast_answer: float = Field(0.05, ge=0, le=1, description="trust gained by a fast answer (times room left)")
    trust_slow_answer: float = Field(0.05, ge=0, le=1, description="share of trust lost per hour of waiting beyond fast (capped at 3 hours)")
    trust_unanswered: float = Field(0.10, ge=0, le=1, description="share of trust lost when a question gets no answer by the end of the day")
    trust_unanswered_aftersale: float = Field(0.35, ge=0, le=1, description="share of trust lost when an after-sale problem gets no answer (sharply down)")
    expert_factor: float = Field(2.0, ge=0, le=100, description="trust gain of an expert's answer relative to generic service")
    expert_minutes_factor: float = Field(1.2, gt=0, le=100, description="experts' handling time relative to generic staff (they explain more)")
    auto_reply_coverage: Share = Field(0.4, ge=0, le=1, description="share of pre-sale questions keyword auto-reply can answer")
    auto_reply_factor: float = Field(0.3, ge=0, le=10, description="trust gain of an auto-reply relative to a fast human answer")
    trust_delivery_check: float = Field(0.03, ge=0, le=1, description="trust gained by a delivery check (times room left)")
    generic_hourly_cost: float = Field(35.0, ge=0, le=1e5, description="yuan per staff hour, generic customer service")
    expert_hourly_cost: float = Field(70.0, ge=0, le=1e5, description="yuan per staff hour, category experts")
    content_cost_per_post: float = Field(40.0, ge=0, le=1e6, description="yuan to produce one Moments post or group message per account (photos, copy)")
    account_daily_cost: float = Field(20.0, ge=0, le=1e6, description="yuan per operator account per day (device, SIM, tools)")


class StrategyChoice(_Strict):
    """Which strategy `siyu run` uses by default, and per-strategy lever overrides."""

    default: str = Field("nurture", min_length=1, description="strategy used when none is named on the command line")
    levers: dict[str, Levers] = Field(
        default_factory=dict, description="lever overrides per strategy name, e.g. [strategy.levers.harvest]; only the keys written are applied")

    @field_serializer("levers")
    def _only_written(self, levers: dict[str, Levers]) -> dict[str, dict]:
        # an override applies only the keys the user wrote, so only those are data
        return {name: lev.model_dump(mode="json", exclude_unset=True) for name, lev in levers.items()}


class Bass(_Strict):
    """Bass mode ([bass]): the pool as a pure diffusion process, for validating the model
    against the Bass (1969) model. Messaging, fatigue, churn, purchases, referrals and
    bans are switched off (see :mod:`sim.rules_bass`); each day every person still in the
    public domain joins with probability ``p + q × (pool share)``, well mixed. Joiners
    still need account room, so give enough accounts (friend caps) and a high
    ``platform.daily_add_limit``, and set ``service.enabled = false``."""

    p: Share = Field(..., ge=0, le=1, description="coefficient of innovation: daily chance of joining with nobody in the pool")
    q: float = Field(..., ge=0, le=10, description="coefficient of imitation: extra daily chance per unit of pool share (well-mixed word of mouth)")


class Scenario(_Strict):
    """One world to simulate: market, category, channels, platform, accounts, strategy overrides."""

    name: str = Field("scenario", min_length=1, max_length=200, description="scenario name shown in outputs")
    description: str = Field("", max_length=5000, description="free text for reports")
    days: int = Field(365, ge=1, le=3650, description="horizon, days")
    seed: int = Field(20261125, ge=0, lt=2**63, description="root seed for replications")
    market: Market = Field(default_factory=Market)
    category: Category = Field(default_factory=Category)
    public_channels: list[PublicChannel] = Field(
        default_factory=lambda: [PublicChannel(name="douyin", cost_per_contact=1.0)],
        description="public platforms contacts are bought on")
    private: PrivateChannels = Field(default_factory=PrivateChannels)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    platform: Platform = Field(default_factory=Platform)
    accounts: Accounts = Field(default_factory=Accounts)
    strategy: StrategyChoice = Field(default_factory=StrategyChoice)
    # the TOML text it was read from (comments say where values come from; the report shows them)
    _source_text: str | None = PrivateAttr(default=None)
    service: Service = Field(default_factory=Service)
    campaigns: list[Campaign] = Field(default_factory=list, description="promotion periods ([[campaigns]])")
    bass: Bass | None = Field(None, description="Bass mode ([bass] p, q): diffusion only, for model validation; absent = the full model")

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        names = [c.name for c in self.public_channels]
        if len(set(names)) != len(names):
            raise ValueError(f"public_channels: names must be unique, got {names}")
        for who, lev in self.strategy.levers.items():
            unknown = sorted(set(lev.channel_mix) - set(names))
            if unknown:
                raise ValueError(f"strategy.levers.{who}.channel_mix: unknown public channel(s) "
                                 f"{', '.join(map(repr, unknown))}; expected names from public_channels: {names}")
        for i, c in enumerate(self.campaigns):
            if c.start >= self.days:
                raise ValueError(f"campaigns[{i}].start: campaign '{c.name}' starts on day {c.start}, after the horizon "
                                 f"of {self.days} days; expected a start day below {self.days}")
        if self.bass is not None and self.market.arrivals:
            raise ValueError("market.arrivals: Bass mode ([bass]) is diffusion only; expected no arrivals with [bass]")
        cap = self.friend_cap * self.accounts.count
        if self.market.initial_pool > cap and "friend" in self.market.initial_pool_channels:
            raise ValueError(
                f"market.initial_pool: {self.market.initial_pool} exceeds the accounts' friend capacity "
                f"({self.accounts.count} x {self.friend_cap} = {cap})")
        return self

    @property
    def friend_cap(self) -> int:
        """Friends one account may hold, for its kind."""
        p = self.platform
        return p.personal_friend_cap if self.accounts.kind == "personal" else p.wecom_contact_cap

    # -- loading -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> "Scenario":
        """Read and validate a scenario file; raise :class:`ScenarioError` naming file and field."""
        path = Path(path)
        data, text = read_toml(path)
        scenario = cls.from_dict(data, source=path)
        scenario._source_text = text
        return scenario

    @classmethod
    def from_dict(cls, data: dict, source: str | Path = "<dict>") -> "Scenario":
        """Validate a plain dict (as read from TOML)."""
        from pydantic import ValidationError

        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise format_validation_error(exc, source, cls) from None
        except RecursionError:
            raise ScenarioError(source, None, "values nested too deeply; expected a flat TOML scenario") from None
        scenario.check_memory(source)
        return scenario

    # -- resources -----------------------------------------------------------------
    def memory_estimate(self) -> int:
        """Bytes one run may need at worst: every person in the audience becomes a
        customer row (its state, x2.5 while the arrays grow) plus the rules' working arrays."""
        from sim.population import Population

        per_row = 2.5 * Population.bytes_per_customer() + WORKING_BYTES_PER_CUSTOMER
        return int(self.market.audience * per_row)

    def check_memory(self, source: str | Path = "<scenario>", copies: int = 1) -> None:
        """Refuse (:class:`ScenarioError` on ``market.audience``) a scenario whose ``copies``
        simultaneous runs would not fit in this machine's available memory."""
        need = self.memory_estimate() * max(1, copies)
        free = available_memory()
        if free is not None and need > free:
            runs = f" for {copies} parallel runs" if copies > 1 else ""
            raise ScenarioError(
                source, "market.audience",
                f"{self.market.audience:,} people need about {need / 2**30:.1f} GiB of memory{runs} "
                f"but this machine has {free / 2**30:.1f} GiB available; expected a smaller audience "
                f"(or fewer workers)")

    def with_overrides(self, **changes: object) -> "Scenario":
        """A validated copy with top-level fields changed (``days=90``) or dotted paths
        (``{"market.audience": 10000}``).

        Shortening ``days`` drops campaigns that would start after the new horizon (a
        file must keep its campaigns inside its own horizon; a shorter run of it simply
        ends before them).
        """
        data = self.model_dump()
        for key, value in changes.items():
            node = data
            parts = key.split(".")
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = value
        if "days" in changes and "campaigns" not in changes and isinstance(data.get("days"), int):
            data["campaigns"] = [c for c in data["campaigns"] if c["start"] < data["days"]]
        changed = type(self).from_dict(data, source=f"<{self.name} overrides>")
        changed._source_text = self._source_text  # the report marks values that differ from the file
        return changed

    # -- identity ------------------------------------------------------------------
    def canonical_json(self) -> str:
        """Every parameter, defaults included, in a stable order: what the hash covers."""
        data = self.model_dump(mode="json")
        if data.get("bass") is None:  # the full model: hashes stay as they were before Bass mode
            data.pop("bass", None)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the canonical scenario: same hash, same world."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()[:16]


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (``MemAvailable``), or None if unknown."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def read_toml(path: str | Path, what: str = "scenario") -> tuple[dict, str]:
    """Read a TOML data file (scenario or sweep): ``(data, text)``, or a
    :class:`ScenarioError` naming the file for every way a file can be unreadable
    (missing, too big, not UTF-8, bad syntax, nested too deeply, absurd numbers)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(path, None, f"file is {size / 2**20:.1f} MB; a {what} file is expected to be "
                                f"under {MAX_FILE_BYTES // 2**20} MB of TOML")
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
        return tomllib.loads(text), text
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, None, f"not UTF-8 text (byte {exc.start}): a {what} file is TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(path, None, f"arrays or tables nested too deeply to read; expected a flat TOML {what}") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits (Python's int_max_str_digits)
        raise ScenarioError(path, None, f"unreadable value: {exc}") from None
