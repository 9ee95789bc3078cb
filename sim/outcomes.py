"""Every number a run produces, declared once: the daily columns and the summary metrics.

An :class:`Outcome` says what a number is (``kind``: a count of events, people, money in
yuan, a share 0-1, minutes, a level such as trust...), whether it is a daily column, a
summary metric or both, whether comparisons report it with a confidence interval, which
way is better (``direction``, as the EMA workbench declares outcomes) and its label in
English and Chinese. Everything else derives from this table: the daily table's column
order and dtypes (:data:`DAILY_COLUMNS`, :func:`daily_dtypes`), the metrics a comparison
reports (:data:`COMPARED`), the range a confidence interval may be clipped to
(:func:`bounds`), and how reports and the command line format and label a number.

Adding a metric is one declaration here plus the code that computes it
(:mod:`sim.day` records daily columns, :mod:`sim.metrics` summarises a run).
"""

from __future__ import annotations

from dataclasses import dataclass

#: kinds of number: dtype of a daily column, and the possible range of the value
KINDS = {
    "index": ("int64", (1, None)),      # a day number
    "count": ("int64", (0, None)),      # events: orders, mutes, bans, questions
    "people": ("int64", (0, None)),     # people in a state or a group
    "money": ("float64", (None, None)),  # yuan (profit may be negative)
    "cost": ("float64", (0, None)),     # yuan spent
    "share": ("float64", (0, 1)),       # a share of a whole, 0-1
    "minutes": ("float64", (0, None)),
    "level": ("float64", (0, None)),    # trust 0-1, fatigue >= 0, per-member means
    "rate": ("float64", (0, None)),     # messages per group per day
    "ratio": ("float64", (None, None)),  # ROI: profit / cost
    "day": ("float64", (1, None)),      # a day (crossover, payback)
    "days": ("float64", (0, None)),     # a length of time in days (a median stay)
    "curve": ("object", (None, None)),  # a list (Lorenz points)
}


@dataclass(frozen=True)
class Outcome:
    """One declared number."""

    name: str
    kind: str
    daily: bool = False       # a column of the daily table
    summary: bool = False     # a key of summary.json
    compared: bool = False    # comparisons report mean, CI and the paired difference
    direction: int = 0        # +1 more is better, -1 less is better, 0 neither
    en: str = ""
    zh: str = ""
    kpi: int = 0              # a headline card in the report: its place (1 = first), 0 = none

    @property
    def dtype(self) -> str:
        return KINDS[self.kind][0]

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return KINDS[self.kind][1]


#: the declarations: one row per number. ``in``: ``d`` a daily column, ``s`` a summary metric,
#: ``-`` neither (derived by experiments); ``compared``: ``ci`` when comparisons report it with
#: a confidence interval; ``better``: which way is better; ``kpi``: place among the report's cards.
_TABLE = """
name                | kind    | in | compared | better | kpi | label (en)                                    | label (zh)
# the pool and the public domain
day                 | index   | d  |          |        |     | day                                           | 天
pool                | people  | d  |          |        |     | pool members                                  | 池内成员
active              | people  | d  |          |        |     | active members                                | 活跃成员
muted               | people  | d  |          |        |     | muted members                                 | 屏蔽成员
lost                | people  | d  |          |        |     | deleted or left                               | 已删除/退出
banned              | people  | d  |          |        |     | lost to bans                                  | 因封号流失
exposed             | people  | d  |          |        |     | reached, not joined                           | 已触达未加入
unaware             | people  | d  |          |        |     | never reached                                 | 未触达
# flows of the day
contacts            | count   | d  |          |        |     | contacts bought                               | 购买的触达
acquired            | people  | d  |          |        |     | joined from paid channels                     | 付费渠道加入
arrivals            | people  | d  |          |        |     | arrivals                                      | 到店/导入加入
referrals           | people  | ds | ci       | more   |     | joined by referral                            | 推荐加入
mutes               | count   | ds | ci       | less   |     | mutes                                         | 屏蔽次数
unmutes             | count   | d  |          |        |     | unmutes                                       | 取消屏蔽次数
deletes             | count   | ds | ci       | less   |     | deletes and leaves                            | 删除/退出人数
bans                | count   | ds | ci       | less   | 8   | account bans                                  | 封号次数
lost_to_bans        | people  | ds | ci       | less   |     | friends lost to bans                          | 因封号流失的好友
orders              | count   | ds | ci       | more   |     | orders                                        | 订单数
orders_private      | count   | d  |          |        |     | orders inside WeChat                          | 微信内订单
orders_public       | count   | d  |          |        |     | orders on public platforms                    | 公域平台订单
# money
gmv_total           | cost    | s  | ci       | more   | 1   | GMV                                           | GMV
gmv_private         | cost    | ds | ci       | more   |     | GMV inside WeChat                             | 微信内 GMV
gmv_public          | cost    | ds | ci       |        |     | GMV on public platforms                       | 公域平台 GMV
gmv                 | cost    | d  |          |        |     | GMV                                           | GMV
take_paid           | cost    | ds |          | less   |     | take rate paid                                | 平台佣金
gmv_30              | cost    | s  | ci       | more   |     | GMV, first 30 days                            | 前 30 天 GMV
gmv_90              | cost    | s  | ci       | more   |     | GMV, first 90 days                            | 前 90 天 GMV
gmv_180             | cost    | s  | ci       | more   |     | GMV, first 180 days                           | 前 180 天 GMV
gmv_365             | cost    | s  | ci       | more   |     | GMV, first 365 days                           | 前 365 天 GMV
customers_acquired  | people  | s  | ci       | more   |     | customers acquired                            | 获客人数
acquired_paid       | people  | s  |          |        |     | customers from paid channels                  | 付费渠道获客
acquisition_cost    | cost    | ds | ci       | less   |     | acquisition cost                              | 获客成本
reward_cost         | cost    | ds |          | less   |     | referral rewards                              | 推荐奖励
pool_initial        | people  | s  |          |        |     | pool on day 0                                 | 初始池规模
pool_final          | people  | s  | ci       | more   | 6   | pool at the end                               | 期末池规模
active_final        | people  | s  | ci       | more   |     | active members at the end                     | 期末活跃成员
# retention and loyalty
retention_30        | share   | s  | ci       | more   |     | 30-day retention                              | 30 天留存率
retention_90        | share   | s  | ci       | more   | 2   | 90-day retention                              | 90 天留存率
retention_180       | share   | s  | ci       | more   |     | 180-day retention                             | 180 天留存率
retention_365       | share   | s  | ci       | more   |     | 365-day retention                             | 365 天留存率
monthly_churn       | share   | s  | ci       | less   |     | monthly churn                                 | 月流失率
buyers              | people  | s  |          |        |     | buyers                                        | 购买者
repurchase_rate     | share   | s  | ci       | more   | 3   | repurchase rate                               | 复购率
top20_gmv_share     | share   | s  | ci       |        | 7   | GMV from the top 20 %                         | 前 20% 客户 GMV 占比
mean_trust_final    | level   | s  |          | more   |     | mean trust at the end                         | 期末平均信任度
mean_trust          | level   | d  |          |        |     | mean trust                                    | 平均信任度
mean_fatigue        | level   | d  |          |        |     | mean fatigue                                  | 平均疲劳度
# group chats
groups              | count   | d  |          |        |     | group chats                                   | 群聊数
group_chatter       | rate    | d  |          |        |     | members' messages per group                   | 每群成员发言数
# service
inquiries           | count   | ds | ci       |        |     | questions asked                               | 咨询数
answered            | count   | d  |          |        |     | questions answered by staff                   | 人工回复数
auto_replied        | count   | d  |          |        |     | questions auto-replied                        | 自动回复数
unanswered          | count   | d  |          |        |     | questions unanswered                          | 未回复数
answered_share      | share   | s  | ci       | more   |     | questions answered                            | 咨询回复率
mean_wait_minutes   | minutes | ds | ci       | less   |     | mean wait for an answer                       | 平均等待时长
p90_wait_minutes    | minutes | ds | ci       | less   |     | 90th-percentile wait                          | 90% 分位等待时长
followups           | count   | ds | ci       |        |     | follow-ups made                               | 回访次数
followups_missed    | count   | ds |          | less   |     | follow-ups missed                             | 未完成回访
staff               | people  | d  |          |        |     | staff on shift                                | 在岗客服
staff_cost          | cost    | ds | ci       | less   |     | staff cost                                    | 人力成本
operating_cost      | cost    | ds | ci       | less   |     | operating cost                                | 运营成本
profit              | money   | s  | ci       | more   | 4   | profit                                        | 利润
roi                 | ratio   | s  | ci       | more   | 5   | ROI                                           | 投资回报率
# who pays and the funnel
gmv_fit             | cost    | s  |          |        |     | GMV from persona fit                          | 目标人群 GMV
gmv_deal_seeker     | cost    | s  |          |        |     | GMV from deal-seekers                         | 羊毛党 GMV
lorenz_gmv          | curve   | s  |          |        |     | Lorenz curve of GMV                           | GMV 洛伦兹曲线
referrers           | people  | s  | ci       | more   |     | referrers                                     | 推荐者
funnel_referred     | people  | s  |          |        |     | joined by referral                            | 推荐加入
# customer value (sim/customer_value.py)
ltv_12m             | cost    | s  | ci       | more   |     | LTV per new customer, 12 months               | 新客 12 个月终身价值
ltv_24m             | cost    | s  | ci       | more   |     | LTV per new customer, 24 months               | 新客 24 个月终身价值
ltv_36m             | cost    | s  | ci       | more   |     | LTV per new customer, 36 months               | 新客 36 个月终身价值
cac                 | cost    | s  | ci       | less   |     | acquisition cost per new customer (CAC)       | 新客获客成本（CAC）
ltv_cac_12m         | ratio   | s  | ci       | more   |     | LTV/CAC, 12 months, paid channels             | 付费渠道 12 个月 LTV/CAC
gmv_per_member      | cost    | s  | ci       | more   |     | GMV per pool member                           | 每位池内成员 GMV
silent_30           | share   | s  | ci       | less   |     | silent members, no purchase in 30 days        | 30 天未购买的沉默成员占比
silent_90           | share   | s  | ci       | less   |     | silent members, no purchase in 90 days        | 90 天未购买的沉默成员占比
delete_rate         | share   | s  | ci       | less   |     | members who deleted or left                   | 删除/退出成员占比
still_active_90     | share   | s  | ci       | more   |     | active 90 days before the end, still active   | 90 天前活跃成员仍活跃占比
outlook_active_90   | share   | s  | ci       | more   |     | members expected active in 90 days (outlook)  | 预计 90 天后仍活跃的成员占比（前瞻）
outlook_purchases_90 | count  | s  | ci       | more   |     | expected orders from members, next 90 days    | 成员未来 90 天预计订单数
group_quit_30       | share   | s  | ci       | less   |     | group quit rate, 30 days                      | 30 天退群率
group_quit_90       | share   | s  | ci       | less   |     | group quit rate, 90 days                      | 90 天退群率
group_median_days   | days    | s  | ci       | more   |     | median days in a group before quitting        | 退群前在群天数中位数
by_channel          | curve   | s  |          |        |     | customer value by acquisition channel         | 分获客渠道客户价值
# distribution bands
trust_p10           | level   | d  |          |        |     | trust, 10th percentile                        | 信任度 10% 分位
trust_p50           | level   | d  |          |        |     | trust, median                                 | 信任度中位数
trust_p90           | level   | d  |          |        |     | trust, 90th percentile                        | 信任度 90% 分位
fatigue_p10         | level   | d  |          |        |     | fatigue, 10th percentile                      | 疲劳度 10% 分位
fatigue_p50         | level   | d  |          |        |     | fatigue, median                               | 疲劳度中位数
fatigue_p90         | level   | d  |          |        |     | fatigue, 90th percentile                      | 疲劳度 90% 分位
# derived in experiments (not in summary.json)
contribution        | money   | -  |          | more   |     | contribution (profit before operating cost)   | 贡献（未扣运营成本的利润）
"""


def _parse(table: str) -> tuple[Outcome, ...]:
    rows = [line for line in table.strip().splitlines()[1:] if line.strip() and not line.startswith("#")]
    out = []
    for line in rows:
        name, kind, where, compared, better, kpi, en, zh = (cell.strip() for cell in line.split("|"))
        if kind not in KINDS:
            raise ValueError(f"outcome {name}: unknown kind {kind!r}")
        out.append(Outcome(name, kind, daily="d" in where, summary="s" in where, compared=compared == "ci",
                           direction={"more": 1, "less": -1, "": 0}[better], en=en, zh=zh, kpi=int(kpi or 0)))
    return tuple(out)


OUTCOMES: tuple[Outcome, ...] = _parse(_TABLE)
#: furthest funnel stage a person reached, and where they are at the end of the run
FUNNEL_STAGES = ("never_bought", "bought_once", "repeat", "referrer")
FUNNEL_END_STATES = ("active", "muted", "lost", "banned")
_STAGE = {"never_bought": ("never bought", "未购买"), "bought_once": ("bought once", "购买一次"),
          "repeat": ("repeat buyers", "复购"), "referrer": ("referrers", "推荐者")}
_END = {"active": ("still active", "仍活跃"), "muted": ("muted", "屏蔽"), "lost": ("deleted or left", "删除/退出"),
        "banned": ("banned", "封号")}
OUTCOMES += tuple(
    Outcome(f"funnel_{stage}_{end}", "people", summary=True, en=f"{_STAGE[stage][0]}, {_END[end][0]}",
            zh=f"{_STAGE[stage][1]}，{_END[end][1]}")
    for stage in FUNNEL_STAGES for end in FUNNEL_END_STATES)

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
#: columns of the daily table, in declaration order
DAILY_COLUMNS: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.daily)
#: keys of summary.json that are metrics (the run's identity comes first), in declaration order
SUMMARY_METRICS: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.summary)
#: summary metrics a comparison reports with CIs and paired differences
COMPARED: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.compared)
#: the report's headline cards, in order
KPIS: tuple[str, ...] = tuple(o.name for o in sorted((o for o in OUTCOMES if o.kpi), key=lambda o: o.kpi))


def outcome(name: str) -> Outcome:
    """The declaration of ``name`` (a ``KeyError`` names the unknown metric)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a declared outcome (sim.outcomes)") from None


def daily_dtypes() -> dict[str, str]:
    """The dtype of every daily column."""
    return {c: BY_NAME[c].dtype for c in DAILY_COLUMNS}


def bounds(name: str) -> tuple[float | None, float | None]:
    """The range a value of ``name`` can take (a CI is clipped to it); unknown: unbounded."""
    o = BY_NAME.get(name)
    return o.bounds if o is not None else (None, None)


def label(name: str, lang: str = "en") -> str:
    """The metric's label in ``lang`` (``en`` or ``zh``); unknown names are shown as they are."""
    o = BY_NAME.get(name)
    if o is None:
        return name
    return o.zh if lang == "zh" else o.en
