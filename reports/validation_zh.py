"""The validation battery's sentences and chart labels in Simplified Chinese.

Each check (:mod:`experiments.validation`) words itself in English and also records what
each sentence says as a :class:`~experiments.validation.check.Statement`: a key and its
facts. This module holds the Chinese sentence of every key (the English is where the check
is built) and fills it with the facts, numbers through the one formatter
(:mod:`reports.fmt`). A template's field may carry a spec beyond ``str.format``'s own:
``yuan`` (an amount with 万/亿 and 元), ``strategy`` (the strategy's Chinese label),
``metric`` (an outcome's label), ``day`` (第 N 天), ``g3`` (three significant digits
without an exponent),
``yesno``, ``ranking`` (a Morris ranking per output); a list is formatted item by item and
joined with 、; a nested statement is said in turn.
"""

from __future__ import annotations

import string

from experiments.validation.check import Statement
from reports import fmt
from reports.i18n import strategy_label
from sim.outcomes import label

#: key -> Chinese sentence (``str.format`` template over the statement's facts)
ZH: dict[str, str] = {
    # words several checks share
    "day": "天",
    "yuan": "元",
    "percent": "%",
    "simulated": "模拟值",
    "replications": "各次重复",
    "strategy": "{name:strategy}",
    # 1. diffusion
    "bass.source.published": "公开发表的平均值（Sultan、Farley 与 Lehmann 1990；Bass 1969 的产品）",
    "bass.source.imitation": "以模仿为主",
    "bass.source.innovation": "以创新为主",
    "bass.source.small_step": "小步长（p、q 各除以 10）：闭式解适用",
    "bass.compares": "Bass 模式下每天的私域池占比与 Bass 递推式 F(t+1) = F + (p + q·F)(1 − F) 对比，p = {p}，q = {q}（{source}）",
    "bass.expected": "第 {day} 天 F = {e_worst:.4f}；第 {days} 天 F = {e_last:.4f}",
    "bass.observed": "第 {day} 天 F = {o_worst:.4f}；第 {days} 天 F = {o_last:.4f}；最大偏差 {dev:.2f} 个标准误",
    "bass.tolerance": "每一天都在 {reps} 次重复均值的 {z:.2f} 个标准误以内（显著性水平 {alpha}，对 {days} 天做 Bonferroni 校正）",
    "bass.evidence": "只打开创新系数 p = {p} 与模仿系数 q = {q} 时，{reps} 次各 {audience:,} 人的运行在全部 {days} 天里都与 "
                     "Bass 递推式相差不超过 {dev:.1f} 个标准误（最大差距为市场的 {gap_worst:.4f}）；在这一步长下，连续时间的"
                     "闭式解与递推式最多相差 {gap:.3f}。",
    "bass.title": "Bass 模式 p = {p}，q = {q}（{audience:,} 人，{reps} 次重复）",
    "bass.yaxis": "私域池占比 F(t)",
    "bass.recursion": "Bass 递推式",
    "bass.closed_form": "Bass 闭式解",
    # 2. queue
    "queue.compares": "SimPy 客服台的平均等待时间与 Erlang C 公式对比（M/M/{c}，利用率 {rho}）",
    "queue.expected": "{expected:.2f} 分钟",
    "queue.observed": "{mean:.2f} 分钟（99% 置信区间 {low:.2f}-{high:.2f}）",
    "queue.tolerance": "Erlang C 的理论值落在 99% 批均值置信区间内（30 批）",
    "queue.evidence": "在利用率 {rho} 下模拟 {hours:,} 小时，客服台的平均等待为 {mean:.2f} 分钟，排队论的精确值为 "
                      "{expected:.2f} 分钟；精确值{inside:inside} 99% 置信区间内。",
    "queue.title": "利用率 {rho} 下的 M/M/{c} 排队",
    "queue.yaxis": "平均等待（分钟）",
    "queue.erlang_c": "Erlang C 理论值",
    # 3. docking
    "docking.compares": "向量化引擎与逐个体 Mesa 参考模型的 {compared} 项重复模拟汇总（私域池、GMV、留存、屏蔽、删除、推荐、"
                        "订单、信任、成本与利润）对比，默认场景缩小到 {audience:,} 人",
    "docking.expected": "分布相同（Holm 校正后的 Mann-Whitney 检验 p 值都不低于 {alpha}）",
    "docking.observed": "Holm 校正后最小的 p = {p:.3f}（{strategy:strategy}策略的{metric:metric}）",
    "docking.tolerance": "族错误率 {alpha}（Holm 校正）",
    "docking.evidence": "两套独立的实现（整体数组与每位客户一个 Mesa 个体）在 {compared} 项统计量上（各 {reps} 次重复）"
                        "{same:same}（校正后最小 p 为 {p:.3f}）。",
    "docking.title": "引擎与逐个体参考模型对比（各 {reps} 次重复）",
    "docking.yaxis": "模拟期内的 GMV（元）",
    "docking.engine": "{strategy:strategy}：引擎",
    "docking.reference": "{strategy:strategy}：参考模型",
    # 4. stylized facts: ranges
    "stylized.range_both": "{low:g}-{high:g}%",
    "stylized.range_above": "≥ {low:g}%",
    "stylized.range_below": "≤ {high:g}%",
    "stylized.range_observed": "{mean:.1f}%（95% 置信区间 {lo:.1f}-{hi:.1f}，{n} 次重复）",
    "stylized.range_tolerance": "均值的 95% 置信区间落在观测范围内",
    "stylized.coupon_group_monthly_loss.compares": "收割策略下优惠券群第一个月流失的成员比例，与观测到的 200 -> 163 人（18.5%）对比",
    "stylized.coupon_group_monthly_loss.evidence": "在 {n} 次运行中，靠优惠券维持的群在收割策略下一个月内流失了 {mean:.1f}% 的成员"
                                                   "（观测值：18.5%；接受范围 {target}）。",
    "stylized.coupon_group_monthly_loss.title": "优惠券群：30 天内流失的成员",
    "stylized.hotel_repurchase.compares": "养护策略下酒店团队的复购率，与观测到的约 80% 对比",
    "stylized.hotel_repurchase.evidence": "在 {n} 次运行中，酒店预订场景在养护策略下的复购率为 {mean:.1f}%"
                                          "（观测值约 80%；接受范围 {target}）。",
    "stylized.hotel_repurchase.title": "酒店礼宾：复购率",
    "stylized.pareto_top20_share.compares": "前 20% 客户贡献的 GMV 占比（养护策略，默认场景），与 80/20 法则对比",
    "stylized.pareto_top20_share.evidence": "在 {n} 次运行中，养护策略下前五分之一的客户贡献了 {mean:.1f}% 的 GMV"
                                            "（业内经验：约 80%；接受范围 {target}）。",
    "stylized.pareto_top20_share.title": "默认场景，养护策略：前 20% 客户的 GMV 占比",
    # stylized facts: contrasts
    "stylized.contrast_observed": "{first} {a:g3}，{second} {b:g3}；差值 {d:g3}（95% 置信区间 {lo:g3} 至 {hi:g3}）",
    "stylized.contrast_tolerance": "差值的配对 95% 置信区间在预期方向上不含 0",
    "stylized.as_observed": "——与观测一致。",
    "stylized.not_reproduced": "——未能复现。",
    "stylized.ratio": "；比值 {ratio:.2f}",
    "stylized.ratio_tolerance": "；且差/好产品的比值 ≤ 2/3",
    "stylized.false_prosperity_pool.compares": "用 60 元钩子与不用钩子时获得的成员数（收割策略，默认场景）",
    "stylized.false_prosperity_pool.expected": "用钩子时私域池更大",
    "stylized.false_prosperity_pool.evidence": "优惠券钩子带来了更多成员",
    "stylized.false_prosperity_pool.title": "优惠券钩子：获得的成员数",
    "stylized.false_prosperity_pool.unit": "获得的成员数",
    "stylized.false_prosperity_pool.label0": "不用钩子",
    "stylized.false_prosperity_pool.label1": "60 元钩子",
    "stylized.false_prosperity_gmv_per_member.compares": "用 60 元钩子与不用钩子时每位获得成员的 GMV",
    "stylized.false_prosperity_gmv_per_member.expected": "用钩子时每位成员的 GMV 更低",
    "stylized.false_prosperity_gmv_per_member.evidence": "但每位成员买得更少（薅羊毛的人）",
    "stylized.false_prosperity_gmv_per_member.title": "优惠券钩子：每位成员的 GMV",
    "stylized.false_prosperity_gmv_per_member.unit": "每位成员（元）",
    "stylized.false_prosperity_gmv_per_member.label0": "不用钩子",
    "stylized.false_prosperity_gmv_per_member.label1": "60 元钩子",
    "stylized.bad_product.compares": "{strategy:strategy}策略下，产品质量 0.2 与默认 0.85 时的复购率",
    "stylized.bad_product.expected": "复购率崩塌（至少降低三分之一）",
    "stylized.bad_product.evidence": "{strategy:strategy}策略下，差产品压低了复购率",
    "stylized.bad_product.title": "{strategy:strategy}策略下的差产品",
    "stylized.bad_product.unit": "复购率",
    "stylized.bad_product.label0": "质量 0.85",
    "stylized.bad_product.label1": "质量 0.2",
    # stylized facts: their own sentences
    "stylized.crossover.compares": "默认场景下养护减收割在第 30 天与第 365 天的 GMV 差值（短期收割占优，数月后养护占优）",
    "stylized.crossover.expected": "第 30 天差值 < 0 且第 365 天差值 > 0",
    "stylized.crossover.observed": "第 30 天：{d30:yuan}（置信区间 {d30_lo:yuan} 至 {d30_hi:yuan}）；第 365 天：{d365:yuan}"
                                   "（置信区间 {d365_lo:yuan} 至 {d365_hi:yuan}）；交叉日中位数 {day:day}",
    "stylized.crossover.tolerance": "配对 95% 置信区间不含 0",
    "stylized.crossover.evidence": "在 {reps} 次配对运行中，收割在第一个月的 GMV 领先，养护在全年领先；两条曲线大约在{day:day}交叉。",
    "stylized.crossover.title": "默认场景：累计 GMV（各次重复的平均）",
    "stylized.inverted_u.compares": "养护策略下，每天朋友圈条数为 {posts:g} 时的利润",
    "stylized.inverted_u.expected": "最大值在范围内部，且显著高于两端",
    "stylized.inverted_u.observed": "峰值在每天 {best:g} 条；利润 {means:yuan}",
    "stylized.inverted_u.tolerance": "峰值不在端点；峰值减各端点的配对 95% 置信区间不含 0",
    "stylized.inverted_u.evidence": "利润随发布频率{shape:rise_fall}，峰值在每天 {best:g} 条朋友圈（每个水平 {reps} 次配对运行）。",
    "stylized.inverted_u.title": "利润与每天朋友圈条数（养护策略）",
    "stylized.inverted_u.xaxis": "每天朋友圈条数",
    "stylized.inverted_u.yaxis": "利润（元）",
    "stylized.ban.compares": "两个账号在第 1 天都被封后的私域池（封号风险强制为 1：基础风险 1，指数 0）",
    "stylized.ban.expected": "所有好友同时流失：封号后私域池为 0",
    "stylized.ban.observed": "封号 {bans} 次，{pool0} 位第 0 天成员中因封号流失 {lost} 位，封号后私域池 {pool_after}",
    "stylized.ban.tolerance": "精确相等",
    "stylized.ban.evidence": "平台封号时，这些账号上的全部 {lost} 位好友在同一天流失。",
    "stylized.ban.title": "第 1 天强制封号",
    "stylized.ban.pool": "私域池",
    "stylized.ban.lost": "因封号流失",
    # 5. empirical
    "empirical.structure.BG/NBD's own process": "BG/NBD 自身的过程（用 siyu 的机制表达，参数取 BG/NBD 的最大似然拟合）",
    "empirical.structure.buying and satisfaction": "购买（意愿及其个体差异）与满意度（及其个体差异）",
    "empirical.structure.+ drift and trust moved by purchases": "再加上自然流失，以及随购买体验变化的信任",
    "empirical.structure.+ trust decay and heterogeneous drop-out": "再加上无接触时的信任衰减与流失倾向的个体差异",
    "empirical.parameter": "{path} {value:.3g}",
    "empirical.fit": "BG/NBD 拟合参数 r {r:.3f}、α {alpha:.2f} 周、a {a:.3f}、b {b:.3f}；siyu 的各候选结构在校准期的开发切分上"
                     "每周预测误差为 {inner:.1f} 次购买（BG/NBD {bar:.1f}）；siyu 选择了“{structure}”，拟合得到 {fitted}",
    "empirical.curve.compares": "{log} 的 {n:,} 位客户在留出期每周的累计复购次数（第 {first_week}-{last_week} 周）：siyu 与 BG/NBD"
                                "（都只用校准期拟合，每位客户的预测都以她本人在校准期的购买记录为条件）与实际值对比",
    "empirical.curve.expected": "siyu 的平均绝对误差 ≤ BG/NBD 的（{mae_bg:.1f} 次购买）；实际总数 {actual:.0f}",
    "empirical.curve.observed": "siyu 平均绝对误差 {mae_sy:.1f}，BG/NBD 平均绝对误差 {mae_bg:.1f} 次购买；总数：siyu {total_sy:.0f}，"
                                "BG/NBD {total_bg:.0f}，实际 {actual:.0f}",
    "empirical.curve.tolerance": "siyu 不比 BG/NBD 差（不留余量）",
    "empirical.curve.evidence": "在两个模型都没见过的数据上，siyu 每周累计预测平均偏差 {mae_sy:.1f} 次购买，BG/NBD 为 {mae_bg:.1f}"
                                "（{fit}）。",
    "empirical.curve.title": "{log} 留出期（{n:,} 位客户）：预测与实际",
    "empirical.curve.xaxis": "留出期周数",
    "empirical.curve.yaxis": "累计复购次数",
    "empirical.hist.compares": "{log} 的 {n:,} 位客户在留出期购买 0、1、…、7 次及以上的占比：siyu 与 BG/NBD 与实际值对比",
    "empirical.hist.expected": "siyu 的卡方距离 ≤ BG/NBD 的（{chi_bg:.1f}）；实际占比 {actual_shares:.3f}",
    "empirical.hist.observed": "siyu 卡方 {chi_sy:.1f}，BG/NBD {chi_bg:.1f}；siyu 占比 {siyu_shares:.3f}",
    "empirical.hist.tolerance": "siyu 不比 BG/NBD 差（不留余量）；8 个分组，期望频数下限 0.5",
    "empirical.hist.evidence": "留出期每位客户购买次数的分布与 siyu 预测的距离为 {chi_sy:.1f}（Pearson 卡方），与 BG/NBD 的为 "
                               "{chi_bg:.1f}；{siyu_better:better}更好地描述了谁会再次购买。",
    "empirical.hist.title": "留出期每位客户的购买次数",
    "empirical.hist.xaxis": "留出期购买次数",
    "empirical.hist.yaxis": "客户占比",
    "empirical.actual": "实际（{log}）",
    "empirical.bgnbd": "BG/NBD",
    "empirical.siyu": "siyu",
    "empirical.siyu_replications": "siyu（各组模拟）",
    "empirical.siyu_mean": "siyu（全部模拟）",
    # 6. sensitivity of the verdict
    "sensitivity.compares": "对收割与养护结论（模拟期末的配对 GMV 差值；交叉日）做 Morris 筛选（{points} 个点），参数为 {parameters}",
    "sensitivity.expected": "筛选完成且每个指数（μ*、μ、σ）都有限；得到各假设的排序",
    "sensitivity.observed": "指数均有限：{finite:yesno}；按 μ* 排序，{ranking:ranking}",
    "sensitivity.tolerance": "无（这是一项分析：运行完成且指数有定义即通过）",
    "sensitivity.evidence": "在筛选范围内，养护在 {share:.0%} 的点上最终领先；结论随 {first} 变化最大，因此应当首先质疑（并测量）"
                            "这些假设。",
    "sensitivity.gmv_difference": "GMV 差值（养护 − 收割，元）",
    "sensitivity.crossover_day": "交叉日",
}

#: words a yes/no fact is said with, by the spec that asks for it
_CHOICES = {"yesno": ("是", "否"), "inside": ("落在", "不在"), "same": ("给出了统计上无法区分的结果", "给出了不同的结果"),
            "rise_fall": ("先升后降", "没有呈现明显的先升后降"), "better": ("siyu", "BG/NBD")}


class _Formatter(string.Formatter):
    def format_field(self, value, spec):
        if isinstance(value, Statement):
            return say_zh(value)
        if isinstance(value, list):
            return "、".join(self.format_field(v, spec) for v in value)
        if spec == "yuan":
            return fmt.yuan(value, "zh")
        if spec == "metric":
            return label(str(value), "zh")
        if spec == "strategy":
            return strategy_label(str(value), "zh")
        if spec == "day":
            return fmt.MISSING["zh"] if value is None else f"第 {value:g} 天"
        if spec == "ranking":
            return "；".join(f"{ZH.get('sensitivity.' + o, o)}：" + "、".join(
                f"{p} {fmt.yuan(v, 'zh') if o == 'gmv_difference' else self.format_field(v, 'g3')}" for p, v in rows)
                for o, rows in value.items())
        if spec == "g3":  # three significant digits, never in exponent form
            return f"{value:,.3g}" if value is None or abs(value) < 1000 else f"{value:,.0f}"
        if spec in _CHOICES:
            return _CHOICES[spec][0 if value else 1]
        if value is None:
            return fmt.MISSING["zh"]
        return super().format_field(value, spec)


_FORMATTER = _Formatter()


def say_zh(statement: Statement | list | str) -> str:
    """A statement (or statements read one after the other) in Chinese; plain text (the
    user's own, e.g. a source given by a test) is shown as written."""
    if isinstance(statement, str):
        return statement
    if isinstance(statement, list):
        return "".join(say_zh(s) for s in statement)
    return _FORMATTER.format(ZH[statement.key], **statement.facts)
