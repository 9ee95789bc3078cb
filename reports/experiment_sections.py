"""Report pages for experiment directories (``manifest.json`` from :mod:`experiments.store`).

Sweeps get one response-curve chart per varied factor (mean with 95 % bands, from
:func:`experiments.sweep.response_curves`) and the "does it peak?" sentences; sensitivity
analyses their indices' chart and, per output, the factor it depends on most.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from experiments.chart_text import chart_text
from experiments.sensitivity import figure as sensitivity_chart
from experiments.store import load
from experiments.sweep import peaks, response_curves
from reports import fmt
from reports.experiment_figures import sensitivity_figure
from reports.figures import trace_values, money_ticks
from reports.i18n import labels, strategy_label
from reports.page import Page, Section
from sim.errors import SiyuInputError
from sim.outcomes import BY_NAME, label


def _manifest(directory: Path) -> dict:
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


def peak_sentences(frame, factor: str, lang: str = "en", by: str = "strategy") -> list[str]:
    """One sentence per (group, output) row of :func:`experiments.sweep.peaks`, in ``lang``,
    numbers as the report writes them (:mod:`reports.fmt`)."""
    t = labels(lang)
    lines = []
    for _, r in frame.iterrows():
        best = r["best_" + factor]
        at = f"{factor} = {best:g}" if isinstance(best, (int, float)) else str(best)
        f = fmt.of(r["output"])
        lines.append(t["sw_line"].format(
            group=strategy_label(str(r[by]), lang), output=label(r["output"], lang),
            shape=t[f"sw_{r['shape']}"].format(at=at), mean=f(r["mean_at_best"], lang),
            lo=f(r["ci_low"], lang), hi=f(r["ci_high"], lang)))
    return lines


def _in_language(fig, factor: str, outputs: list[str], lang: str):
    """The response figure's title, panel titles, legend and yuan axes in ``lang``."""
    t = labels(lang)
    fig.update_layout(title=t["sw_title"].format(factor=chart_text(factor)))
    names = {o: label(o, lang) for o in outputs}
    for a in fig.layout.annotations:
        if a.text in names:
            a.text = names[a.text]
    for tr in fig.data:
        if tr.name:  # the group as the sweep names it is the trace's legend group
            tr.name = chart_text(strategy_label(tr.legendgroup or tr.name, lang))
    for row, o in enumerate(outputs, start=1):
        if o in BY_NAME and BY_NAME[o].kind in ("money", "cost"):
            axis = "y" if row == 1 else f"y{row}"
            fig.update_yaxes(**(money_ticks(trace_values(fig, axis), lang) or {}), row=row, col=1)
    return fig


def sweep_page(directory: Path, lang: str = "en") -> Page:
    """Response curves of a sweep directory, one chart per factor."""
    t = labels(lang)
    manifest = _manifest(directory)
    spec = manifest.get("experiment") or {}
    spec = spec.get("spec", spec) if isinstance(spec, dict) else {}
    outputs = list(spec.get("outputs") or ["gmv_total"])
    factors = [*dict(spec.get("levers") or {}), *dict(spec.get("uncertainties") or {})]
    table = load(directory)
    if table.empty:
        raise SiyuInputError(f"{directory}: the sweep has no finished runs yet")
    figures, sentences = {}, []
    for factor in factors:
        _, fig = response_curves(table, factor, outputs)
        figures[f"sweep-{factor}"] = _in_language(fig, factor, outputs, lang)
        sentences += peak_sentences(peaks(table, factor, outputs), factor, lang)
    section = Section("sweep", t["sweep"], figures=figures)
    section.paragraphs = sentences[4:]  # the first four lead the page as its verdict
    identity = [(t["experiment"], str(manifest.get("name", directory.name))),
                (t["experiment_hash"], str(manifest.get("experiment_hash", ""))),
                (t["seed"], str(manifest.get("root_seed_entropy", ""))),
                (t["version"], str(manifest.get("package_version", "")))]
    return Page(title=str(manifest.get("name", directory.name)), sections=[section], identity=identity,
                verdicts=sentences[:4], verdict_note=t["sw_runs"].format(n=len(table)))


def sensitivity_page(directory: Path, lang: str = "en") -> Page:
    """The indices of a sensitivity directory (``indices.csv``, written when the analysis
    ends): their chart, and per output the factor it depends on most."""
    indices = directory / "indices.csv"
    if not indices.is_file():
        raise SiyuInputError(f"{directory}: the sensitivity analysis has not finished (indices.csv missing); "
                             f"finish it with `siyu sensitivity SWEEP --resume --out {directory}`")
    t = labels(lang)
    manifest = _manifest(directory)
    try:
        frame = pd.read_csv(indices)
        key = "ST" if "ST" in frame.columns else "mu_star"
        tops = [(o, f.sort_values(key, ascending=False).iloc[0]) for o, f in frame.groupby("output", sort=False)]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, IndexError) as exc:
        raise SiyuInputError(f"{directory}/indices.csv: damaged ({exc}); expected the file `siyu sensitivity` writes") from None
    verdicts = [t["se_line"].format(output=label(o, lang), parameter=r["parameter"], index=t[f"se_{key}"],
                                    value=fmt.plain(r[key], lang), conf=fmt.plain(r[f"{key}_conf"], lang))
                for o, r in tops]
    section = Section("sensitivity", t["se_title"],
                      figures={"sensitivity": sensitivity_figure(sensitivity_chart(frame), lang)},
                      full_width=frozenset({"sensitivity"}))
    identity = [(t["experiment"], str(manifest.get("name", directory.name))),
                (t["experiment_hash"], str(manifest.get("experiment_hash", ""))),
                (t["seed"], str(manifest.get("root_seed_entropy", ""))),
                (t["version"], str(manifest.get("package_version", "")))]
    return Page(title=str(manifest.get("name", directory.name)), sections=[section], identity=identity,
                verdicts=verdicts, verdict_note=t["se_note"])
