"""The validation report: ``index.html`` of ``siyu validate-model`` (one self-contained page,
plotly inlined, every string escaped; see :mod:`reports.page`)."""

from __future__ import annotations

from experiments.validation import Check
from reports.page import Page, Section, Table

FAMILY_TITLES = {
    "diffusion": "1. Diffusion limit: Bass mode vs the Bass model",
    "queue": "2. Queue limit: service desk vs Erlang C",
    "docking": "3. Docking: vectorised engine vs per-agent Mesa reference",
    "stylized": "4. Stylized facts from the field",
}


def page(checks: list[Check], quick: bool, seconds: float) -> Page:
    """The validation page as data: one section per family, then what failed."""
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
