"""Every word the explorer shows, in English and Simplified Chinese.

Verdict sentences, metric labels and unit names are not here: they are the report's
(:mod:`reports.i18n`, :mod:`sim.outcomes`), so the explorer, the command line and the
report word a result the same way. Both languages hold the same keys (a test checks).
"""

from __future__ import annotations

from reports.i18n import LANGUAGES

EN: dict[str, str] = {
    "title": "siyu explorer",
    "language": "中文",
    "run": "Run",
    "first": "first strategy",
    "second": "second strategy",
    "seed": "seed",
    "replications": "replications",
    "play": "Play",
    "pause": "Pause",
    "step": "Step",
    "reset": "Reset",
    "day_of": "day {day} of {days}",
    "speed": "{rate:.0f} simulated days per second",
    "levers_of": "Levers: {strategy}",
    "assumptions_of": "Assumptions: {table}",
    "save_as": "save as scenario",
    "save_path": "scenario file to write (.toml)",
    "saved": "Saved {path}: it reads back as the scenario on screen (siyu validate {path}).",
    "full_report": "full report",
    "report_replications": "replications for the report",
    "report_running": "Comparing {done} of {total} runs...",
    "report_done": "Report written: {path}",
    "open_report": "open the report",
    "open_scenario": "Open another scenario",
    "open_pick": "a shipped scenario or one of this folder",
    "open_path": "or a scenario file's path (.toml)",
    "open": "open",
    "typed": "type a value",
    "verdict_waiting": "Press Play or Step: the verdict appears after the first day.",
    "verdict_so_far": "After {day} of {days} days (as the report words it):",
    "day": "day",
    "on_day": "day {day}",
    "crossover": "crossover, day {day}",
    "leaked": "leaked",
    "chart_pool_states": "Pool by state",
    "chart_cumulative_gmv": "Cumulative GMV (yuan), crossover marked",
    "chart_daily_orders": "Orders per day",
    "chart_trust_fatigue": "Trust and fatigue of pool members (10th-90th percentile band, mean line)",
    "chart_funnel": "Funnel: everyone who joined, by furthest step (solid: still active)",
    "chart_profit": "Cumulative profit (yuan)",
    "stage_never_bought": "never bought",
    "stage_bought_once": "bought once",
    "stage_repeat": "repeat buyer",
    "stage_referrer": "referrer",
    "bands": "Bands span the replications' lowest to highest value.",
    "changed": "{n} setting(s) changed from {base}",
    "t_run": "run",
    "t_market": "market",
    "t_category": "category",
    "t_private": "private channels",
    "t_behaviour": "behaviour",
    "t_service": "service",
    "t_platform": "platform",
    "t_accounts": "accounts",
}

ZH: dict[str, str] = {
    "title": "私域模拟探索器",
    "language": "English",
    "run": "运行",
    "first": "第一个策略",
    "second": "第二个策略",
    "seed": "随机种子",
    "replications": "重复次数",
    "play": "播放",
    "pause": "暂停",
    "step": "单步",
    "reset": "重置",
    "day_of": "第 {day} 天，共 {days} 天",
    "speed": "每秒模拟 {rate:.0f} 天",
    "levers_of": "运营杠杆：{strategy}",
    "assumptions_of": "假设：{table}",
    "save_as": "另存为场景",
    "save_path": "要写入的场景文件（.toml）",
    "saved": "已保存 {path}：读回即为屏幕上的场景（siyu validate {path}）。",
    "full_report": "完整报告",
    "report_replications": "报告的重复次数",
    "report_running": "正在比较：{done} / {total} 次运行……",
    "report_done": "报告已写入：{path}",
    "open_report": "打开报告",
    "open_scenario": "打开其他场景",
    "open_pick": "内置场景或本文件夹中的场景",
    "open_path": "或场景文件路径（.toml）",
    "open": "打开",
    "typed": "输入数值",
    "verdict_waiting": "点击“播放”或“单步”：第一天后显示结论。",
    "verdict_so_far": "模拟 {day} / {days} 天后（与报告措辞相同）：",
    "day": "天",
    "on_day": "第 {day} 天",
    "crossover": "交叉点：第 {day} 天",
    "leaked": "流失",
    "chart_pool_states": "私域池成员状态",
    "chart_cumulative_gmv": "累计 GMV（元），标出交叉点",
    "chart_daily_orders": "每日订单",
    "chart_trust_fatigue": "池成员的信任与疲劳（第 10-90 百分位带，均值线）",
    "chart_funnel": "漏斗：所有加入者按最远阶段（实色：仍活跃）",
    "chart_profit": "累计利润（元）",
    "stage_never_bought": "从未购买",
    "stage_bought_once": "购买一次",
    "stage_repeat": "复购",
    "stage_referrer": "推荐人",
    "bands": "色带为各次重复模拟的最低值至最高值。",
    "changed": "相对 {base} 已更改 {n} 项设置",
    "t_run": "运行",
    "t_market": "市场",
    "t_category": "品类",
    "t_private": "私域渠道",
    "t_behaviour": "行为",
    "t_service": "服务",
    "t_platform": "平台",
    "t_accounts": "账号",
}

_TABLES = {"en": EN, "zh": ZH}


def words(lang: str = "en") -> dict[str, str]:
    """The explorer's words in ``lang``; ``ValueError`` naming the choices otherwise."""
    try:
        return _TABLES[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}") from None

