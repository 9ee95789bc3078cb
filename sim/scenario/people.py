"""How customers respond: how well each private channel reaches them, and fatigue,
trust, muting, buying and referring (mostly assumptions; the shipped scenario files say
where each value comes from)."""

from __future__ import annotations

from sim.scenario.units import Strict, param


class PrivateChannels(Strict):
    """How reliably each private channel reaches a pool member (strong vs weak channels)."""

    moments_reach: float = param(0.5, unit="share", ge=0, le=1, description="share of a Moments post's viewers who see it")
    group_reach: float = param(0.6, unit="share", ge=0, le=1, description="share of group messages a member sees")
    private_reach: float = param(0.9, unit="share", ge=0, le=1, description="share of private (1-to-1 or mass) messages read")
    official_reach: float = param(0.15, unit="share", ge=0, le=1, description="share of official-account posts a follower sees (weak channel)")
    muted_reach: float = param(0.1, unit="factor", ge=0, le=1, description="reach multiplier once a customer has muted the account")
    moments_fold_threshold: float = param(3.0, unit="msgs_day", ge=0, le=100, description="Moments posts per day before further posts are folded")
    moments_fold_reach: float = param(0.2, unit="factor", ge=0, le=1, description="reach of a folded Moments post relative to an unfolded one")
    public_take_rate: float = param(0.05, unit="share", ge=0, le=1, description="take rate when a pool member buys on a public platform")
    group_chatter_per_member: float = param(0.02, unit="msgs_member_day", ge=0, le=100, description="messages per member per day from other members of a lively group")
    group_chatter_cap: float = param(30.0, unit="msgs_day", ge=0, le=10_000, description="members' messages a person reads in a day at most (they skim)")
    group_chatter_value: float = param(0.3, unit="share", ge=0, le=1, description="share of members' messages that are useful (social proof, peers' answers)")
    group_chatter_fatigue: float = param(0.05, unit="fatigue_per_msg", ge=0, le=100, description="fatigue per member message read (before the group factor)")
    group_vitality_loss: float = param(2.0, unit="exponent", ge=0, le=100, description="how sharply a group quietens as members leave (vitality x share kept ** this)")
    group_vitality_recovery: float = param(0.02, unit="share_per_msg", ge=0, le=1, description="vitality regained per valuable brand message a day")
    private_purchase_share: float = param(0.8, unit="share", ge=0, le=1, description="share of an active member's orders placed inside WeChat (no take rate); halved when muted")
    muted_buy: float = param(0.5, unit="factor", ge=0, le=1, description="purchase hazard of a muted member relative to an active one")


class Behaviour(Strict):
    """How customers respond: fatigue, trust, muting, buying and referring. Mostly assumptions."""

    # fatigue
    fatigue_half_life_days: float = param(3.0, unit="days", gt=0, le=365, description="days for accumulated fatigue to halve")
    fatigue_value: float = param(0.10, unit="fatigue_per_msg", ge=0, le=100, description="fatigue added per value message seen")
    fatigue_promo: float = param(0.30, unit="fatigue_per_msg", ge=0, le=100, description="fatigue added per promotion seen")
    fatigue_group_factor: float = param(1.5, unit="factor", ge=0, le=100, description="multiplier on fatigue for group messages (floods are worse than Moments)")
    fatigue_moments_factor: float = param(0.6, unit="factor", ge=0, le=100, description="multiplier on fatigue for Moments posts (can be scrolled past)")
    fatigue_private_factor: float = param(2.0, unit="factor", ge=0, le=100, description="multiplier on fatigue for private messages")
    tolerance_median: float = param(1.5, unit="fatigue", gt=0, le=1e4, description="median personal fatigue tolerance")
    tolerance_sigma: float = param(0.6, unit="sigma", ge=0, le=5, description="log-normal sigma of personal tolerance")
    trust_tolerance: float = param(1.0, unit="factor", ge=0, le=100, description="extra tolerance per unit of trust (trusted brands are forgiven more)")
    mute_rate: float = param(0.15, unit="prob_day", ge=0, le=1, description="daily mute hazard per unit of fatigue above tolerance")
    leave_rate: float = param(0.009, unit="prob_day", ge=0, le=1, description="daily delete/leave hazard per unit of fatigue above twice the tolerance")
    muted_leave_rate: float = param(0.003, unit="prob_day", ge=0, le=1, description="daily hazard that a muted, distrustful customer cleans the account out")
    drift_leave_rate: float = param(0.001, unit="prob_day", ge=0, le=1, description="daily hazard that an active, distrustful member drifts away (phone change, lost interest)")
    drop_out_shape: float = param(0.0, unit="shape", ge=0, le=100, description="how much people differ in drifting away: each person's drift and clean-out hazards are multiplied by a personal propensity drawn once from a gamma distribution with mean 1 and this shape (lower = more different: some prune their contacts often, others never); 0 = everyone alike")
    unmute_rate: float = param(0.02, unit="prob_day", ge=0, le=1, description="daily chance a calm, trusting muted customer unmutes")
    # trust
    trust_value_gain: float = param(0.006, unit="share_per_msg", ge=0, le=1, description="trust gained per value message seen (times the room left to 1)")
    trust_spam_loss: float = param(0.01, unit="share_per_msg", ge=0, le=1, description="trust lost per promotion seen while fatigued")
    trust_decay: float = param(0.004, unit="prob_day", ge=0, le=1, description="daily trust decay (share of trust), offset by value content and good purchases")
    trust_good_purchase: float = param(0.10, unit="share", ge=0, le=1, description="trust gained after a satisfying purchase (times room left)")
    trust_bad_purchase: float = param(0.6, unit="share", ge=0, le=1, description="share of trust lost after a bad product")
    bad_product_rebuy: float = param(0.3, unit="factor", ge=0, le=1, description="purchase hazard of someone whose last product disappointed, relative to a satisfied customer")
    bad_product_leave: float = param(0.77, unit="probability", ge=0, le=1, description="chance a member whose bad product nobody puts right deletes the brand (DOMAIN: TARP, 9-37 % of customers with an unresolved problem they did not complain about buy again)")
    arrival_walk_out: float = param(1.0, unit="factor", ge=0, le=1, description="how readily the order an arrival came having bought (market.arrivals first_order) drives her away when it disappoints, relative to any later order: 1 = the same; 0 = never (a transaction log's customer is on record because of that order, so her record cannot start with her leaving)")
    bad_product_leave_resolved: float = param(0.115, unit="probability", ge=0, le=1, description="chance a member whose bad product a follow-up puts right still deletes the brand (DOMAIN: TARP, 82-95 % buy again when a problem is resolved quickly)")
    trust_followup: float = param(0.08, unit="share", ge=0, le=1, description="trust gained from a post-purchase follow-up (times room left)")
    followup_recovery: float = param(0.5, unit="share", ge=0, le=1, description="share of a bad purchase's trust loss a follow-up recovers")
    trust_paid: float = param(0.15, unit="trust", ge=0, le=1, description="trust of someone who joins from a paid public channel")
    trust_referred: float = param(0.45, unit="trust", ge=0, le=1, description="trust of someone referred by a friend")
    # buying
    buy_rate: float = param(0.25, unit="prob_day", ge=0, le=1, description="daily purchase hazard of a fully trusting customer whose need is due")
    buy_rate_shape: float = param(0.0, unit="shape", ge=0, le=100, description="how much people differ in how readily they buy once need is due: each person's purchase hazard is multiplied by a personal propensity drawn once from a gamma distribution with mean 1 and this shape (lower = more different: some buy on impulse, others put it off; with a low need_sharpness this makes each person's buying a Poisson process with a gamma-distributed rate, as in NBD models); 0 = everyone alike")
    trust_power: float = param(1.0, unit="exponent", ge=0, le=10, description="how sharply trust gates buying (hazard scales with trust**power)")
    promo_lift: float = param(1.5, unit="factor", ge=0, le=100, description="maximal relative lift of the purchase hazard from promotions seen today")
    promo_pull_forward: float = param(0.4, unit="share", ge=0, le=10, description="share of a purchase cycle a strong promotion pulls forward (stocking up)")
    discount_lift: float = param(3.0, unit="factor", ge=0, le=100, description="relative lift of the purchase hazard per unit of campaign discount (20 % off: x1.6)")
    deal_seeker_base: float = param(0.15, unit="factor", ge=0, le=1, description="deal-seekers' purchase propensity without a promotion, relative to fit customers")
    deal_join_base: float = param(0.4, unit="factor", ge=0, le=1, description="deal-seekers' chance to join without a hook, relative to fit people")
    hook_fit_lift: float = param(1.0, unit="factor", ge=0, le=100, description="relative lift of fit people's joining per hook of one mean price")
    hook_deal_lift: float = param(8.0, unit="factor", ge=0, le=1000, description="relative lift of deal-seekers' joining per hook of one mean price")
    coupon_redeem: float = param(0.5, unit="probability", ge=0, le=1, description="chance a hooked joiner redeems the coupon at once, for a hook of one mean price")
    public_buy_factor: float = param(0.3, unit="factor", ge=0, le=1, description="purchase hazard of past contacts outside the pool, relative to members (public platforms)")
    # referring
    referral_rate: float = param(0.004, unit="prob_day", ge=0, le=1, description="daily chance a fully trusting, satisfied member refers a friend")
    referral_reward_lift: float = param(1.0, unit="factor", ge=0, le=100, description="relative lift of referring per reward of one mean price")
    referral_conversion: float = param(0.6, unit="probability", ge=0, le=1, description="chance a referred friend joins the pool")
    referral_fit_share: float = param(0.8, unit="share", ge=0, le=1, description="share of referred friends who fit the persona")
