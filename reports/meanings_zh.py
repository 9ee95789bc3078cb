"""Chinese meanings of scenario parameters, beside the English field descriptions of
:mod:`sim.scenario` (data only: a dotted field name -> its meaning in Simplified Chinese).
A parameter missing here is shown with its English description."""

from __future__ import annotations

#: the operator's levers (:class:`sim.scenario.Levers`)
LEVER_MEANINGS_ZH: dict[str, str] = {
    "acquisition_budget": "每天在公域渠道投放的获客预算（元）",
    "channel_mix": "各公域渠道的预算占比；空 = 平均分配",
    "hook": "加入私域送的优惠券或赠品（元）",
    "moments_posts": "每个账号每天发朋友圈条数",
    "group_messages": "每个群每天的品牌消息条数",
    "private_messages": "每天给每位好友群发私信的条数",
    "official_posts": "公众号每天推文篇数",
    "value_share": "有价值内容（而非促销）占消息的比例",
    "group_invite_share": "新成员被邀请进群的比例",
    "group_fit_only": "只邀请目标人群进群（入群门槛）",
    "official_follow_share": "同时关注公众号的新成员比例",
    "followup": "每次购买后回访（物流、满意度、致谢）",
    "super_user_share": "获得一对一服务的头部客户占池比例",
    "super_user_value_messages": "每天额外发给每位超级用户的一对一价值消息条数",
    "referral_reward": "每次成功推荐、每级佣金支付的奖励（元）",
    "referral_levels": "佣金层级数（超过 3 级有涉嫌传销的风险）",
    "recall_after_days": "对多少天未购买的成员发一条召回消息（0 = 不召回）",
    "staff_per_1000_members": "每 1000 名池成员对应的在班客服人数（向上取整）",
    "staff_min": "在班客服最少人数（无论池规模）",
    "staff_max": "在班客服最多人数（招聘上限）",
    "staff": "固定的在班客服人数（代替按每 1000 人配比）",
    "shift_start": "客服班次开始时刻（0-24 时）",
    "shift_end": "客服班次结束时刻（0-24 时）",
    "expert_staff": "客服为品类专家（每次解答带来更多信任，成本更高），而非普通客服",
    "auto_reply": "关键词自动回复即时回答匹配的售前问题（效果较弱）",
}
