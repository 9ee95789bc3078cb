"""The report's "How robust is this verdict?" section and its sentences, generated from
``robust.json`` (:mod:`experiments.robust`): win shares, the paired difference across
plausible worlds, regret, the boxes where the verdict reverses and what each assumption
alone would have to be for it to flip. Nothing here is hand-written."""

from __future__ import annotations

from reports import fmt
from reports.i18n import labels
from reports.page import Section, Table
from sim.outcomes import label


def _cap(name: str, lang: str) -> str:
    return name[:1].upper() + name[1:] if lang == "en" else name


def _num(x: float | None) -> str:
    """An assumption's value (a scenario parameter, not an outcome): plainly, by the one formatter."""
    return fmt.plain(x)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}"


def _conditions(limits: list[dict], t: dict) -> str:
    parts = []
    for lim in limits:
        lo, hi, name = lim["low"], lim["high"], lim["path"]
        if lo is not None and hi is not None:
            parts.append(t["r_between"].format(name=name, a=_num(lo), b=_num(hi)))
        elif hi is not None:
            parts.append(t["r_below"].format(name=name, x=_num(hi)))
        else:
            parts.append(t["r_above"].format(name=name, x=_num(lo)))
    return t["r_and"].join(parts)


def flip_sentences(robust: dict, lang: str = "en") -> list[str]:
    """Per metric: the boxes of assumptions where the verdict reverses, as sentences."""
    t = labels(lang)
    out = []
    for m, stats in robust["metrics"].items():
        f = stats["flips"]
        names = {"majority": f["majority"], "minority": f["minority"], "Majority": _cap(f["majority"], lang),
                 "Minority": _cap(f["minority"], lang), "metric": label(m, lang), "worlds": f["worlds"]}
        if f["reversed_worlds"] == 0:
            out.append(t["r_no_flip_box"].format(**names))
        elif not f["boxes"]:
            out.append(t["r_scattered"].format(**names, n=f["reversed_worlds"]))
        for box in f["boxes"]:
            out.append(t["r_flip_box"].format(**names, conditions=_conditions(box["limits"], t),
                                              cov=_pct(box["coverage"]), den=_pct(box["density"])))
    return out


def _flip_cell(row: dict, t: dict) -> str:
    if not row["flips"]:
        return t["r_no_flip"]
    return "; ".join(f"{_num(f['value'])} ({_num(f['ci_low'])} – {_num(f['ci_high'])})" for f in row["flips"])


def robust_lines(robust: dict, lang: str = "en") -> list[str]:
    """The flip sentences and what each assumption would have to be, for the command line."""
    t = labels(lang)
    lines = flip_sentences(robust, lang)
    for row in robust["what_would_have_to_be_true"]["assumptions"]:
        lines.append(t["r_wwtbt_line"].format(name=row["path"], flip=_flip_cell(row, t), value=_num(row["scenario_value"]),
                                              low=_num(row["low"]), high=_num(row["high"]),
                                              winner=row["winner_at_scenario"] or t["na"]))
    return lines


def robust_section(robust: dict, strategies: list[str], lang: str = "en") -> Section:
    """The section, shown only when a comparison varied its assumptions."""
    t = labels(lang)
    first, second = robust["compared"]["first"], robust["compared"]["second"]
    header = ([t["r_metric"]] + [t["r_wins"].format(name=s) for s in strategies]
              + [t["r_diff"].format(first=first, second=second)] + [t["r_regret"].format(name=s) for s in strategies])
    rows = []
    for m, stats in robust["metrics"].items():
        f = fmt.of(m)
        w = stats["win_share"]
        d = stats["difference"]
        rows.append([label(m, lang)]
                    + [f"{_pct(w[s]['share'])} % ({_pct(w[s]['ci_low'])}–{_pct(w[s]['ci_high'])})" for s in strategies]
                    + [f"{f(d['median'], lang)} ({f(d['q05'], lang)} – {f(d['q95'], lang)})"]
                    + [f"{f(stats['regret'][s]['mean'], lang)} / {f(stats['regret'][s]['worst10_mean'], lang)}"
                       for s in strategies])
    wwtbt = robust["what_would_have_to_be_true"]
    flips = Table(header=[t["r_assumption"], t["r_scenario_value"], t["r_flip_value"], t["r_range"], t["source"]],
                  rows=[[r["path"], _num(r["scenario_value"]), _flip_cell(r, t),
                         f"{_num(r['low'])} – {_num(r['high'])}", r["source"]] for r in wwtbt["assumptions"]])
    return Section("robust", t["robust"], t["robust_lead"].format(worlds=robust["worlds"], reps=robust["replications"]),
                   paragraphs=flip_sentences(robust, lang) + [t["r_wwtbt"].format(metric=label(wwtbt["metric"], lang))],
                   tables=[Table(header=header, rows=rows), flips])
