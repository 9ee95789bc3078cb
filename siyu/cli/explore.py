"""``siyu explore``: the live explorer in the browser, served on this machine."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape

from agents.strategy import load_strategy_module
from reports.i18n import LANGUAGES
from siyu.cli.common import SetValues, load_scenario, out, parse_sets
from sim.scenario import Scenario
from sim.errors import SiyuInputError

#: what the explorer's server must not do on a workshop laptop: phone home or look for updates
OFFLINE_ENVIRONMENT = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_CHECK_VERSION": "False",
}


def _free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise SiyuInputError(f"--port: cannot listen on {host}:{port} ({exc.strerror}); "
                                 "expected a free port, e.g. --port 8766") from None


def explore(scenario: Optional[Path] = typer.Argument(None, help="scenario TOML file (default: the schema's defaults)"),
            port: int = typer.Option(8765, "--port", min=1, max=65535, help="port to serve on"),
            host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (default: this machine only)"),
            lang: str = typer.Option("en", "--lang", help="language: en or zh"),
            out_dir: Path = typer.Option(Path("."), "--out", help="folder for saved scenarios and reports"),
            strategies_from: Optional[Path] = typer.Option(None, "--strategies-from",
                                                           help="Python file defining your own Strategy classes"),
            sets: Optional[List[str]] = SetValues) -> None:
    """Explore a scenario live in the browser: sliders for every lever and assumption, both
    strategies side by side, the verdict as it forms; save the settings or run the full report.

    Example: siyu explore scenarios/default.toml --port 8765 --lang zh
    Example: siyu explore scenarios/default.toml --set category.quality=0.6
    """
    if lang not in LANGUAGES:
        raise SiyuInputError(f"--lang: '{lang}'; expected one of {', '.join(LANGUAGES)}")
    # a bad file or --set stops here, before any server starts
    if scenario is not None:
        load_scenario(scenario, strategies_from, sets)
    else:
        if strategies_from is not None:
            load_strategy_module(strategies_from)
        if sets:
            Scenario().with_overrides(parse_sets(sets), source="--set")
    _free(host, port)
    os.environ.update(OFFLINE_ENVIRONMENT)
    os.environ["SOLARA_APP"] = "siyu.explorer.app:Page"
    os.environ["SIYU_EXPLORE_LANG"] = lang
    os.environ["SIYU_EXPLORE_OUT"] = str(out_dir.resolve())
    if scenario is not None:
        os.environ["SIYU_EXPLORE_SCENARIO"] = str(scenario.resolve())
    if sets:
        os.environ["SIYU_EXPLORE_SETS"] = json.dumps(parse_sets(sets))
    import uvicorn  # the web server: loaded only when serving

    out.print(f"siyu explorer for {escape(str(scenario or 'the default scenario'))}: http://{host}:{port}/  "
              "(Ctrl-C stops it)", soft_wrap=True)
    uvicorn.run("siyu.explorer.server:app", host=host, port=port, log_level="warning")
    # the server returns only when Ctrl-C (or a stop signal) ended it: leave as every command does on Ctrl-C
    raise KeyboardInterrupt
