"""The world outside the brand: the public audience, what is sold, the public platforms
contacts are bought on, and Bass mode (diffusion only, for validation)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.units import Strict, param


class Arrival(Strict):
    """People who join the pool on one day from outside the paid channels ([[market.arrivals]]):
    store customers added to WeChat at the till, an imported member list, a cohort of
    first-time buyers. Arrivals need account room like everyone else; those who find none
    wait for the next day with room. A transaction log's customers enter the pool this way
    when the model is calibrated to the log (each on the day of her first purchase)."""

    day: int = param(..., unit="day_index", ge=-3650, le=3650, description="day they arrive (0-based, like campaigns; a negative day -k falls k days before day 0, inside a [start] warm-up of at least k days; days past the horizon never come)")
    count: int = param(..., unit="people", ge=1, le=50_000_000, description="people arriving that day")
    fit_share: float = param(1.0, unit="share", ge=0, le=1, description="share of them who fit the persona")
    trust: float | None = param(None, unit="trust", ge=0, le=1, description="their mean trust on arrival (default: market.initial_pool_trust)")
    first_order: bool = param(True, unit="flag", description="they arrive having just bought: their first order is recorded on the arrival day")


class Market(Strict):
    """The addressable public audience the brand can reach through public platforms."""

    audience: int = param(50_000, unit="people", ge=1, le=50_000_000, description="people in the addressable public audience")
    fit_share: float = param(0.35, unit="share", ge=0, le=1, description="share of the audience who fit the target persona (the rest are deal-seekers and idle browsers)")
    initial_pool: int = param(0, unit="people", ge=0, description="people already in the private pool on day 0")
    initial_pool_fit_share: float = param(0.6, unit="share", ge=0, le=1, description="share of the day-0 pool who fit the persona")
    initial_pool_trust: float = param(0.35, unit="trust", ge=0, le=1, description="mean trust (0-1) of the day-0 pool")
    pool_trust_concentration: float = param(8.0, unit="concentration", gt=0, le=1e9, description="how tightly the trust of people who join with a history (the day-0 pool, arrivals) gathers around its mean: Beta(mean x this, (1 - mean) x this); 8 gives a standard deviation of about 0.16 at mean 0.5; a very large value gives everyone the mean (then differences in how readily people buy are behaviour.buy_rate_shape's alone)")
    initial_pool_channels: list[Literal["friend", "group", "moments", "official"]] = param(
        default_factory=lambda: ["friend", "moments"], unit="list", description="private channels the day-0 pool is reachable through")
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


class Category(Strict):
    """What is sold: price, purchase cycle and product quality."""

    name: str = param("cosmetics", unit="text", min_length=1, description="category label shown in reports")
    price_mean: float = param(120.0, unit="yuan", gt=0, le=1e7, description="mean order value, yuan")
    price_sigma: float = param(0.5, unit="sigma", ge=0, le=3, description="log-normal sigma of one order's value around the person's usual basket")
    customer_spend_sigma: float = param(0.6, unit="sigma", ge=0, le=3, description="log-normal sigma of people's usual basket (some buy big sets)")
    purchase_cycle_days: float = param(45.0, unit="days", gt=0, le=3650, description="mean days between purchases of a customer who buys regularly")
    need_sharpness: float = param(2.0, unit="exponent", gt=0, le=50, description="how sharply buying waits for need to come due (hazard scales with need**sharpness); high for once-in-a-lifetime purchases")
    cycle_shape: float = param(1.5, unit="shape", gt=0, le=100, description="gamma shape of personal purchase rates; lower = more heterogeneous customers")
    quality: float = param(0.85, unit="probability", ge=0, le=1, description="probability that a purchase leaves the customer satisfied")
    quality_spread: float = param(0.0, unit="share", ge=0, le=0.99, description="how much that probability varies between people (0 = the same for everyone; towards 1 = some are reliably pleased, others reliably disappointed): the share of the satisfied/disappointed variance that lies between people, each person's chance being Beta-distributed around quality")
    margin: float = param(0.6, unit="share", ge=0, le=1, description="gross margin on GMV, share")
    deal_seeker_basket: float = param(0.6, unit="factor", gt=0, le=5, description="deal-seekers' order value relative to the mean")


class PublicChannel(Strict):
    """A public platform the brand buys contacts on (Douyin, Xiaohongshu, Tmall, store...)."""

    name: str = param(..., unit="text", min_length=1, description="channel name, referenced by strategies' channel_mix")
    cost_per_contact: float = param(..., unit="yuan_contact", gt=0, le=1e5, description="yuan per person reached")
    precision: float = param(0.3, unit="share", ge=0, le=1, description="share of contacts who fit the target persona, with no hook")
    conversion: float = param(0.05, unit="probability", ge=0, le=1, description="probability a reached person joins the pool, with no hook")
    take_rate: float = param(0.05, unit="share", ge=0, le=1, description="platform commission on a sale made on this channel")


class Bass(Strict):
    """Bass mode ([bass]): the pool as a pure diffusion process, for validating the model
    against the Bass (1969) model. Messaging, fatigue, churn, purchases, referrals and
    bans are switched off (see :mod:`sim.rules.bass`); each day every person still in the
    public domain joins with probability ``p + q × (pool share)``, well mixed. Joiners
    still need account room, so give enough accounts (friend caps) and a high
    ``platform.daily_add_limit``, and set ``service.enabled = false``."""

    p: float = param(..., unit="prob_day", ge=0, le=1, description="coefficient of innovation: daily chance of joining with nobody in the pool")
    q: float = param(..., unit="prob_day", ge=0, le=10, description="coefficient of imitation: extra daily chance per unit of pool share (well-mixed word of mouth)")
