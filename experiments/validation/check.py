"""One validation check: what is compared, what was expected, what was observed.

A check's sentences are English text (the command line prints them, ``validation.json``
keeps them). Each also comes as a :class:`Statement`: what the sentence says, a key and
the facts it states (numbers, names, other statements), so that the reports layer can
word the same facts in another language without reading the English back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Statement:
    """What a sentence says: ``key`` names the sentence, ``facts`` the numbers and names it
    states. A fact may itself be a :class:`Statement` (a phrase inside the sentence) or a
    list of them."""

    key: str
    facts: dict = field(default_factory=dict)


def say(key: str, **facts) -> Statement:
    """The :class:`Statement` ``key`` with its facts."""
    return Statement(key, facts)


#: the sentences of a check a statement may stand for
SENTENCES = ("compares", "expected", "observed", "tolerance", "evidence")


@dataclass
class Check:
    """One validation check: what is compared, what was expected, what was observed.

    ``expected``, ``observed`` and ``tolerance`` are short human-readable statements (with
    numbers); ``passed`` is the verdict; ``evidence`` is one sentence for the report and
    ``figure`` a plotly figure (not written to JSON).

    ``statements`` holds, for each of :data:`SENTENCES`, what it says (a :class:`Statement`,
    or a list of them read one after the other); ``chart`` what the figure's texts say:
    ``title``, ``xaxis``, ``yaxis``, ``trace.I`` (the name of trace I) and ``x.I`` (the
    category labels of trace I, a list). Neither is written to JSON."""

    name: str
    family: str
    compares: str
    expected: str
    observed: str
    tolerance: str
    passed: bool
    evidence: str = ""
    figure: Any = field(default=None, repr=False)
    details: dict = field(default_factory=dict, repr=False)
    seconds: float = 0.0
    statements: dict = field(default_factory=dict, repr=False)
    chart: dict = field(default_factory=dict, repr=False)

    def record(self) -> dict:
        """The ``validation.json`` entry (keys: name, compares, expected, observed, tolerance, passed, ...)."""
        return {"name": self.name, "compares": self.compares, "expected": self.expected, "observed": self.observed,
                "tolerance": self.tolerance, "passed": bool(self.passed), "family": self.family,
                "evidence": self.evidence, "details": self.details, "seconds": round(self.seconds, 2)}
