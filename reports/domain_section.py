"""The project's domain document (``docs/domain.md``: what siyu models, the sourced figures
the scenarios cite as DOMAIN) carried inside the report, folded, so the report stays one
self-contained file a client can open anywhere and every DOMAIN reference resolves.

The document is rendered from Markdown with raw HTML disabled (markdown-it's
``js-default`` preset escapes it), so nothing in it can become markup of the page.
"""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from reports.i18n import labels
from reports.page import Section

#: the document, where a checkout of the project holds it (an installed wheel does not)
DOMAIN_DOC = Path(__file__).resolve().parents[1] / "docs" / "domain.md"


def domain_html(path: Path = DOMAIN_DOC) -> str | None:
    """The domain document as HTML, or ``None`` when this installation has no copy."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return MarkdownIt("js-default").render(text)


def domain_section(lang: str = "en", path: Path = DOMAIN_DOC) -> Section:
    """The closing section: where DOMAIN figures come from, the document folded below."""
    t = labels(lang)
    html = domain_html(path)
    return Section("domain", t["domain"], t["domain_lead"] if html is not None else t["domain_missing"],
                   document=html or "", document_summary=t["domain_open"])
