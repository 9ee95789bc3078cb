"""What ``siyu.compare`` returns: a comparison (:class:`experiments.compare.Comparison`)
that can also draw itself and write its report."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from experiments.compare import Comparison as _Data
from experiments.compare import compare as _compare
from reports.compare_report import render_comparison
from reports.figures import ComparisonFigures
from reports.spreadsheets import comparison_files


class Comparison(_Data):
    """A comparison with its figures (``c.figures.cumulative_gmv()``) and report."""

    @classmethod
    def of(cls, data: _Data) -> "Comparison":
        return cls(**{f.name: getattr(data, f.name) for f in fields(data)})

    @property
    def figures(self) -> ComparisonFigures:
        """Plotly figures of this comparison, one method per report chart."""
        return ComparisonFigures(self)

    def report(self, lang: str = "en") -> str:
        """The self-contained HTML report (``en`` or ``zh``)."""
        return render_comparison(self, lang)

    def write(self, out: str | Path, report: bool = True, csv: bool = False, xlsx: bool = False) -> list[Path]:
        """Write the comparison's data, (by default) ``report.html`` and, when asked, the
        CSV files and the ``.xlsx`` workbook (:func:`reports.spreadsheets.comparison_files`),
        with ``comparison.json`` last: its presence says the directory is complete."""
        extra = {"report.html": self.report()} if report else {}
        return super().write(out, extra=extra | comparison_files(self, csv=csv, xlsx=xlsx))


def compare(*args, **kwargs) -> Comparison:
    """Run strategies side by side with common random numbers (see
    :func:`experiments.compare.compare` for the arguments)."""
    return Comparison.of(_compare(*args, **kwargs))
