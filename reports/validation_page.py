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

#: how to read a tolerance stated in standard errors (the diffusion and docking checks)
STANDARD_ERRORS = (
    "A tolerance in standard errors: the simulated mean may differ from the expected value by at most z "
    "standard errors of that mean, where one standard error is the spread across replications divided by "
    "the square root of their number. z is the Student-t quantile for the stated alpha, divided over the "
    "days compared (Bonferroni), so a correct model fails a check by chance with probability alpha at most, "
    "while a gap larger than the noise of the replications fails it.")


def reproduce_command(quick: bool, only: list[str] | None = None) -> str:
    """The command that reruns the checks on this page (the subset, when it is one)."""
    return "siyu validate-model" + (" --quick" if quick else "") + (f" --only {','.join(only)}" if only else "")


def page(checks: list[Check], quick: bool, seconds: float, only: list[str] | None = None) -> Page:
    """The validation page as data: one section per family, then what failed. ``only``: the
    families asked for, when the battery ran a subset."""
    failed = [c for c in checks if not c.passed]
    sections = []
    for fam in dict.fromkeys(c.family for c in checks):
        group = [c for c in checks if c.family == fam]
        in_errors = any("standard error" in c.tolerance for c in group)
        sections.append(Section(
            id=f"val-{fam}", title=FAMILY_TITLES.get(fam, fam),
            lead=f"{sum(c.passed for c in group)} of {len(group)} checks pass.",
            figures={f"{c.name}": c.figure for c in group if c.figure is not None},
            tables=[Table(header=["check", "compares", "expected", "observed", "tolerance", "result"],
                          rows=[[c.name, c.compares, c.expected, c.observed, c.tolerance, "pass" if c.passed else "FAIL"]
                                for c in group], css="checks")],
            paragraphs=[c.evidence for c in group] + ([STANDARD_ERRORS] if in_errors else [])))
    closing = ([f"{c.name}: expected {c.expected}, observed {c.observed}." for c in failed]
               or ["Every check passed at this size."])
    sections.append(Section(id="val-closing", title="Closing note: what failed", paragraphs=closing))
    return Page(title="siyu model validation", subtitle=("quick battery (small sizes)" if quick else "full battery")
                + (f" of {', '.join(only)}" if only else "") + f", {seconds:.0f} s",
                verdicts=[f"{len(checks) - len(failed)} of {len(checks)} checks pass."],
                verdict_note="Rand & Rust (2011): verification and validation of an agent-based marketing model.",
                sections=sections, reproduce=reproduce_command(quick, only))
