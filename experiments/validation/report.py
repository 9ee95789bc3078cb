"""The validation report: ``validation.json`` and ``index.html`` (the report machinery of
:mod:`reports.page`: one self-contained page, plotly inlined, every string escaped)."""

from __future__ import annotations

import json
from pathlib import Path

from experiments.validation import Check

FAMILY_TITLES = {
    "diffusion": "1. Diffusion limit: Bass mode vs the Bass model",
    "queue": "2. Queue limit: service desk vs Erlang C",
    "docking": "3. Docking: vectorised engine vs per-agent Mesa reference",
    "stylized": "4. Stylized facts from the field (DOMAIN.md)",
}


def to_json(checks: list[Check], quick: bool, seconds: float) -> str:
    return json.dumps({"quick": quick, "seconds": round(seconds, 1), "passed": all(c.passed for c in checks),
                       "checks": [c.record() for c in checks]}, indent=2, ensure_ascii=False, default=float)


def page(checks: list[Check], quick: bool, seconds: float):
    from reports.page import Page, Section, Table

    failed = [c for c in checks if not c.passed]
    sections = []
    for fam in dict.fromkeys(c.family for c in checks):
        group = [c for c in checks if c.family == fam]
        sections.append(Section(
            id=f"val-{fam}", title=FAMILY_TITLES.get(fam, fam),
            lead=f"{sum(c.passed for c in group)} of {len(group)} checks pass.",
            figures={f"{c.name}": c.figure for c in group if c.figure is not None},
            tables=[Table(header=["check", "compares", "expected", "observed", "tolerance", "result"],
                          rows=[[c.name, c.compares, c.expected, c.observed, c.tolerance, "pass" if c.passed else "FAIL"]
                                for c in group], notes=[c.evidence for c in group])],
            paragraphs=[c.evidence for c in group]))
    closing = ([f"{c.name}: expected {c.expected}, observed {c.observed}." for c in failed]
               or ["Every check passed at this size."])
    sections.append(Section(id="val-closing", title="Closing note: what failed", paragraphs=closing))
    return Page(title="siyu model validation", subtitle=("quick battery (small sizes)" if quick else "full battery")
                + f", {seconds:.0f} s", verdicts=[f"{len(checks) - len(failed)} of {len(checks)} checks pass."],
                verdict_note="Rand & Rust (2011): verification and validation of an agent-based marketing model.",
                sections=sections, reproduce="siyu validate-model" + (" --quick" if quick else ""))


def write(checks: list[Check], out: Path, quick: bool, seconds: float) -> tuple[Path, Path]:
    from reports.page import render_page
    from sim.files import write_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    j = write_atomic(out / "validation.json", to_json(checks, quick, seconds))
    h = write_atomic(out / "index.html", render_page(page(checks, quick, seconds)))
    return Path(j), Path(h)
