"""The validation report: ``index.html`` of ``siyu validate-model`` (one self-contained page,
plotly inlined, every string escaped; see :mod:`reports.page`), in English or Chinese.

In English the checks' sentences and charts are shown as the checks wrote them; in Chinese
each is said from the facts it records (:mod:`reports.validation_zh`), the charts relabelled
the same way (yuan axes in 万/亿)."""

from __future__ import annotations

import copy
import shlex

import plotly.graph_objects as go

from experiments.validation import Check
from reports.experiment_figures import sensitivity_figure
from reports.figures import money_ticks, plotted, trace_values
from reports.i18n import labels
from reports.page import Page, Section, Table
from reports.validation_zh import ZH, say_zh

#: the families' section titles, by the i18n key of each
FAMILY_TITLES = {"diffusion": "val_diffusion", "queue": "val_queue", "docking": "val_docking",
                 "stylized": "val_stylized", "empirical": "val_empirical", "sensitivity": "val_sensitivity"}

#: how to read a tolerance stated in standard errors (the diffusion and docking checks)
STANDARD_ERRORS = labels("en")["val_standard_errors"]


def reproduce_command(quick: bool, only: list[str] | None = None, transactions: str | None = None,
                      calibration_end: str | None = None) -> str:
    """The command that reruns the checks on this page (the subset, when it is one; the
    user's log and split, when the page checked one)."""
    log = (f" --transactions {shlex.quote(transactions)}" if transactions else "") + (
        f" --calibration-end {shlex.quote(calibration_end)}" if calibration_end else "")
    return ("siyu validate-model" + log + (" --quick" if quick else "")
            + (f" --only {','.join(only)}" if only else ""))


def sentence(check: Check, name: str, lang: str = "en") -> str:
    """One of the check's sentences (``compares``, ``expected``, ...) in ``lang``; a check
    that records no statement for it is shown as it wrote it."""
    if lang == "zh" and name in check.statements:
        return say_zh(check.statements[name])
    return getattr(check, name)


def chart(check: Check, lang: str = "en") -> go.Figure | None:
    """The check's figure in ``lang``: title, axis titles, legend and category labels from
    what the check says they are (:attr:`Check.chart`), yuan axes in 万/亿."""
    if check.figure is None or lang != "zh" or not check.chart:
        return check.figure
    fig, words = copy.deepcopy(check.figure), check.chart  # the check keeps its English chart
    if words.get("kind") == "sensitivity":  # its first panel is the GMV difference, in yuan along x
        fig = sensitivity_figure(fig, lang, {o: ZH[f"sensitivity.{o}"] for o in ("gmv_difference", "crossover_day")})
        gmv = [float(x) + float(e) * sign for tr in fig.data if (tr.xaxis or "x") == "x"
               for x, e in zip(plotted(tr.x), plotted(tr.error_x.array) or [0.0] * len(plotted(tr.x)))
               for sign in (-1, 1)]
        ticks = money_ticks(gmv, lang)
        return fig.update_xaxes(**ticks, row=1, col=1) if ticks else fig
    for part in ("title", "xaxis", "yaxis"):
        if part in words:
            text = say_zh(words[part])
            fig.update_layout(title=text) if part == "title" else fig.update_layout({part: {"title": {"text": text}}})
    for i, tr in enumerate(fig.data):
        if f"trace.{i}" in words:
            tr.name = say_zh(words[f"trace.{i}"])
        if f"x.{i}" in words:
            tr.x = [say_zh(w) for w in words[f"x.{i}"]]
    if words.get("yuan"):
        fig.update_yaxes(**(money_ticks(trace_values(fig), lang) or {}))
    else:  # whole numbers in full (20,000), not with an SI suffix (20k)
        fig.update_yaxes(exponentformat="none", separatethousands=True)
    return fig


def page(checks: list[Check], quick: bool, seconds: float, only: list[str] | None = None, lang: str = "en",
         transactions: str | None = None, calibration_end: str | None = None) -> Page:
    """The validation page as data: one section per family, then what failed. ``only``: the
    families asked for, when the battery ran a subset; ``transactions`` and
    ``calibration_end``: the log and split a ``--transactions`` run checked."""
    t = labels(lang)
    failed = [c for c in checks if not c.passed]
    sections = []
    for fam in dict.fromkeys(c.family for c in checks):
        group = [c for c in checks if c.family == fam]
        in_errors = any("standard error" in c.tolerance for c in group)
        sections.append(Section(
            id=f"val-{fam}", title=t[FAMILY_TITLES[fam]] if fam in FAMILY_TITLES else fam,
            lead=t["val_lead"].format(k=sum(c.passed for c in group), n=len(group)),
            figures={f"{c.name}": chart(c, lang) for c in group if c.figure is not None},
            tables=[Table(header=[t[f"val_{h}"] for h in ("check", "compares", "expected", "observed", "tolerance",
                                                           "result")],
                          rows=[[c.name, *(sentence(c, s, lang) for s in ("compares", "expected", "observed", "tolerance")),
                                 t["val_pass"] if c.passed else t["val_fail"]] for c in group],
                          css="checks", verbatim=(0,))],
            paragraphs=[sentence(c, "evidence", lang) for c in group] + ([t["val_standard_errors"]] if in_errors else [])))
    closing = ([t["val_failed_line"].format(name=c.name, expected=sentence(c, "expected", lang),
                                            observed=sentence(c, "observed", lang)) for c in failed]
               or [t["val_all_passed"]])
    sections.append(Section(id="val-closing", title=t["val_closing"], paragraphs=closing))
    size = t["val_quick"] if quick else t["val_full"]
    return Page(title=t["val_title"], subtitle=size + (t["val_of"].format(only=", ".join(only)) if only else "")
                + t["val_seconds"].format(s=seconds),
                verdicts=[t["val_lead"].format(k=len(checks) - len(failed), n=len(checks))],
                verdict_note=t["val_note"], sections=sections,
                reproduce=reproduce_command(quick, only, transactions, calibration_end))
