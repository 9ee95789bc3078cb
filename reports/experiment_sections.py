"""Report pages for experiment directories (``manifest.json`` from :mod:`experiments.store`).

Sweeps get one response-curve chart per varied factor (mean with 95 % bands, from
:func:`experiments.sweep.response_curves`) and the "does it peak?" sentences.
"""

from __future__ import annotations

import json
from pathlib import Path

from experiments.store import load
from experiments.sweep import describe_peaks, peaks, response_curves
from reports.i18n import labels
from reports.page import Page, Section
from sim.errors import SiyuInputError


def _manifest(directory: Path) -> dict:
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


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
        figures[f"sweep-{factor}"] = fig
        sentences += describe_peaks(peaks(table, factor, outputs), factor)
    section = Section("sweep", t["sweep"], figures=figures)
    section.paragraphs = sentences[4:]  # the first four lead the page as its verdict
    identity = [(t["experiment"], str(manifest.get("name", directory.name))),
                ("experiment hash", str(manifest.get("experiment_hash", ""))),
                (t["seed"], str(manifest.get("root_seed_entropy", ""))),
                (t["version"], str(manifest.get("package_version", "")))]
    return Page(title=str(manifest.get("name", directory.name)), sections=[section], identity=identity,
                verdicts=sentences[:4], verdict_note=f"{len(table)} runs")

