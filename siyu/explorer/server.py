"""What ``siyu explore`` serves: Solara's page, and the full report beside it.

One ASGI application on the one address ``siyu explore`` listens on (127.0.0.1 by
default): :data:`REPORT_ROUTE` answers with the ``report.html`` the page's "full report"
last wrote in the output folder (``SIYU_EXPLORE_OUT``), so the browser opens it in a tab
from this machine; every other request goes to Solara. Only that one file is served:
nothing else of the output folder is reachable.
"""

from __future__ import annotations

import os
from pathlib import Path

from solara.server.starlette import app as page_app
from starlette.responses import HTMLResponse, PlainTextResponse

from siyu.explorer.app import REPORT_FOLDER, REPORT_ROUTE


class ExplorerServer:
    """Solara's app with the report route in front of it."""

    def __init__(self, page, report: Path):
        self.page = page
        self.report = report

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == REPORT_ROUTE:
            if self.report.is_file():
                # a new report replaces the old one under the same address: never cached
                response = HTMLResponse(self.report.read_bytes(), headers={"Cache-Control": "no-store"})
            else:
                response = PlainTextResponse("No report yet: press 'full report' in the explorer.", status_code=404)
            await response(scope, receive, send)
        else:
            await self.page(scope, receive, send)


app = ExplorerServer(page_app, Path(os.environ.get("SIYU_EXPLORE_OUT", ".")) / REPORT_FOLDER / "report.html")
