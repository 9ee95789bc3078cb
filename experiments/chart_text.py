"""User text as a chart shows it: literally.

Plotly reads a few HTML tags in every piece of chart text (titles, legend names, axis
titles, category labels, hover text): ``<b>``, ``<i>``, ``<br>``, ``<span style=...>``,
``<a href=...>`` and others. A scenario's, channel's, strategy's or file's name is a
user's text, so before it enters a chart it goes through :func:`chart_text`, and a
channel called ``<b>VIP</b>`` reads ``<b>VIP</b>`` rather than a bold VIP, and no name
can put a link in a client's report. The chart's own markup (a bold panel title, a line
break between two names) stays markup because it is added after the escaping.
"""

from __future__ import annotations

import html


def chart_text(text: object) -> str:
    """``text`` (anything with a ``str``) escaped so that plotly draws it as written."""
    return html.escape(str(text), quote=False)
