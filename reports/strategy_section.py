"""What each strategy does: the levers it ran with, which of them come from its preset
(the strategy's class, :mod:`agents.presets`) and which from the scenario file
(``[strategy.levers.all]`` / ``[strategy.levers.NAME]``), and what it is (its docstring).

The sheets come from ``comparison.json`` (``strategy_levers``, written by
:func:`experiments.compare.statistics`); a directory written before that key existed gets
them from its stored scenario and the registered strategies.
"""

from __future__ import annotations

from agents.strategy import lever_sheet
from reports.i18n import STRATEGY_ABOUT_ZH, labels, strategy_label
from reports.meanings_zh import LEVER_MEANINGS_ZH
from reports.page import Section, Table
from sim.errors import SiyuInputError
from sim.scenario import Levers


def sheets_of(comparison) -> dict[str, dict]:
    """Each strategy's lever sheet (see :func:`agents.strategy.lever_sheet`); a strategy not
    registered in this process (a user's, loaded with ``--strategies-from`` when the
    comparison ran) and not in ``comparison.json`` is left out."""
    stored = comparison.summary.get("strategy_levers") or {}
    out = {}
    for name in comparison.strategies:
        if name in stored:
            out[name] = stored[name]
            continue
        try:
            out[name] = lever_sheet(comparison.scenario, name)
        except SiyuInputError:
            continue
    return out


def show_value(value: object, lang: str = "en") -> str:
    """A lever value as text: yes/no for flags, ``-`` for unset, ``a=0.5, b=0.5`` for a mix."""
    t = labels(lang)
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    if value is None:
        return t["u_none"]
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v:g}" for k, v in value.items()) if value else t["lv_equal_mix"]
    return str(value)


def origin(sheet: dict, lever: str) -> str:
    """Where a lever's value comes from: ``overrides`` (the scenario file), ``preset`` or ``default``."""
    if lever in sheet["overrides"]:
        return "overrides"
    return "preset" if lever in sheet["preset"] else "default"


def meaning(lever: str, lang: str = "en") -> str:
    """The lever's meaning: its field description, or the Chinese one in ``zh``."""
    if lang == "zh" and lever in LEVER_MEANINGS_ZH:
        return LEVER_MEANINGS_ZH[lever]
    info = Levers.model_fields.get(lever)
    return info.description or "" if info is not None else ""


def about(name: str, sheet: dict, lang: str = "en") -> str:
    """One paragraph on what the strategy is: its docstring (English), or its Chinese summary."""
    if lang == "zh":
        return STRATEGY_ABOUT_ZH.get(name, labels(lang)["lv_no_about"])
    return " ".join(sheet.get("description", "").split())


def strategies_section(comparison, lang: str = "en") -> Section | None:
    """The strategies section: one paragraph per strategy, then every lever with each
    strategy's value and its origin: first those some strategy sets (by preset or the
    scenario file), then those all leave at the engine's defaults."""
    t = labels(lang)
    sheets = sheets_of(comparison)
    if not sheets:
        return None
    names = list(sheets)
    paragraphs = [f"{strategy_label(n, lang)}: {about(n, sheets[n], lang)}" for n in names]
    # levers some strategy sets first, then those every strategy leaves at the defaults
    chosen = [k for k in Levers.model_fields if any(origin(sheets[n], k) != "default" for n in names)]
    order = chosen + [k for k in Levers.model_fields if k not in chosen]
    rows = [[k, meaning(k, lang),
             # .get: a comparison.json written before a lever existed does not hold it
             *[f"{show_value(sheets[n]['levers'].get(k), lang)} · {t['lv_' + origin(sheets[n], k)]}" for n in names]]
            for k in order]
    table = Table(header=[t["lv_lever"], t["meaning"], *[strategy_label(n, lang) for n in names]], rows=rows,
                  css="levers", verbatim=(0,))
    return Section("strategies_run", t["lv_title"], t["lv_lead"], paragraphs=paragraphs, tables=[table])


def lever_lines(comparison) -> list[str]:
    """One line per strategy for the command line: the preset, then what the scenario file
    changed (which wins)."""
    out = []
    for name, sheet in sheets_of(comparison).items():
        preset = ", ".join(f"{k}={show_value(v)}" for k, v in sheet["preset"].items()) or "none"
        line = f"{name} levers: preset {preset}"
        if sheet["overrides"]:
            line += "; from the scenario file (win over the preset) " + ", ".join(
                f"{k}={show_value(v)}" for k, v in sheet["overrides"].items())
        out.append(line)
    return out
