"""One validation check: what is compared, what was expected, what was observed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Check:
    """One validation check: what is compared, what was expected, what was observed.

    ``expected``, ``observed`` and ``tolerance`` are short human-readable statements (with
    numbers); ``passed`` is the verdict; ``evidence`` is one sentence for the report and
    ``figure`` a plotly figure (not written to JSON)."""

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

    def record(self) -> dict:
        """The ``validation.json`` entry (keys: name, compares, expected, observed, tolerance, passed, ...)."""
        return {"name": self.name, "compares": self.compares, "expected": self.expected, "observed": self.observed,
                "tolerance": self.tolerance, "passed": bool(self.passed), "family": self.family,
                "evidence": self.evidence, "details": self.details, "seconds": round(self.seconds, 2)}
