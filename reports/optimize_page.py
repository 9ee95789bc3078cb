"""The report page of an optimisation directory (``siyu optimize --out DIR``): what the
search found and whether it beats the preset levers (the sentences of
:func:`experiments.optimize.describe_search`), and every candidate's objective against
each lever's value (:func:`experiments.optimize.search_figure`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from experiments.optimize import search_figure
from reports.experiment_figures import ZH, search_figure as search_figure_in, search_sentences
from reports.i18n import labels, strategy_label
from sim.outcomes import label
from reports.page import Page, Section
from sim.errors import SiyuInputError

#: what an optimisation directory must hold for its page (best.json is written when the search ends)
REQUIRED = ("manifest.json", "best.json", "history.csv")


def _read(directory: Path) -> tuple[dict, dict, pd.DataFrame]:
    missing = [name for name in REQUIRED if not (directory / name).is_file()]
    if missing:
        raise SiyuInputError(f"{directory}: the optimisation has not finished ({', '.join(missing)} missing); "
                             f"finish it with `siyu optimize SWEEP --resume --out {directory}`")
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        best = json.loads((directory / "best.json").read_text(encoding="utf-8"))
        history = pd.read_csv(directory / "history.csv")
        levers = list(best["best"])
        if not {"objective", "feasible", "generation", *levers} <= set(history.columns):
            raise KeyError("history.csv columns")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise SiyuInputError(f"{directory}: best.json or history.csv is damaged ({exc}); expected the files "
                             "`siyu optimize` writes") from None
    return manifest, best, history


def optimize_page(directory: Path, lang: str = "en") -> Page:
    """The verdict of an optimisation and its search chart."""
    t = labels(lang)
    manifest, best, history = _read(directory)
    objective, strategy = best["objective"], best["strategy"]
    figure = search_figure_in(search_figure(history, list(best["best"]), objective, strategy, best["best"]),
                              objective, strategy, lang)
    title = (ZH["search_section"].format(objective=label(objective, lang), strategy=strategy_label(strategy, lang))
             if lang == "zh" else f"Search: {objective} against the {strategy} levers")
    section = Section("search", title, figures={"optimize-search": figure}, full_width=frozenset({"optimize-search"}))
    identity = [(t["experiment"], str(manifest.get("name", directory.name))),
                (t["experiment_hash"], str(manifest.get("experiment_hash", ""))),
                (t["seed"], str(manifest.get("root_seed_entropy", ""))),
                (t["version"], str(manifest.get("package_version", "")))]
    return Page(title=str(manifest.get("name", directory.name)), sections=[section], identity=identity,
                verdicts=search_sentences(best, lang),
                verdict_note=ZH["candidates"].format(n=len(history)) if lang == "zh" else f"{len(history)} candidates evaluated")
