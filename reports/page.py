"""A report page as data (sections of charts and tables), rendered to one self-contained
HTML file: plotly.js inlined once, no network, jinja2 autoescaping every string.

Any kind of result directory (comparison, sweep, sensitivity, calibration) builds a
:class:`Page` from its own sections; :func:`render_page` does the rest, so a new kind of
experiment plugs in by producing :class:`Section` s (see :mod:`reports.directory`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field

import jinja2
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from reports.i18n import labels

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
)


@dataclass
class Table:
    """A plain table: header cells and rows of cells (all text, escaped when rendered).
    ``notes`` (same length as ``rows``, optional) is a muted remark under a row's first cell;
    ``warn_notes`` draws them as a warning instead (a value changed from the file)."""

    header: list[str]
    rows: list[list[str]]
    css: str = ""
    notes: list[str] | None = None
    warn_notes: bool = False
    collapsed: str = ""  # when set, the table is folded away under this summary line
    verbatim: tuple[int, ...] = ()  # columns shown as written (identifiers, the user's own text)


@dataclass
class Section:
    """One titled part of the page: a lead sentence, charts (figures) and tables."""

    id: str
    title: str
    lead: str = ""
    figures: dict[str, go.Figure] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)  # the user's own text (a file's notes), shown as written
    document: str = ""  # HTML of a document the project ships (rendered with raw HTML escaped), folded
    document_summary: str = ""  # the line that unfolds it
    full_width: frozenset[str] = frozenset()  # chart keys that take a whole row


@dataclass
class Page:
    """What a report shows, top to bottom."""

    title: str
    subtitle: str = ""
    verdicts: list[str] = field(default_factory=list)
    verdict_note: str = ""
    kpis: list[dict] = field(default_factory=list)  # {"strategy", "colour", "cards": [{"label","value","ci"}]}
    sections: list[Section] = field(default_factory=list)
    identity: list[tuple[str, str]] = field(default_factory=list)
    reproduce: str = ""


_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def chart_id(key: str) -> str:
    """The chart's HTML id: ``chart-KEY`` for a plain key, else derived from a hash of it.
    Plotly writes the id raw into an attribute and a script, so a key that is user text
    (a sweep factor's name) must never reach it."""
    if _PLAIN_ID.fullmatch(key):
        return f"chart-{key}"
    return "chart-h" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _chart_html(key: str, fig: go.Figure) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=chart_id(key),
                       config={"displaylogo": False, "responsive": True})


def render_page(page: Page, lang: str = "en") -> str:
    """The page as one HTML document (UTF-8 text)."""
    t = labels(lang)
    charts = {s.id: [(k, _chart_html(k, f)) for k, f in s.figures.items()] for s in page.sections}
    return _ENV.get_template("report.html.j2").render(
        page=page, t=t, lang=lang, charts=charts, plotlyjs=get_plotlyjs(),
        html_lang="zh-CN" if lang == "zh" else "en",
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
