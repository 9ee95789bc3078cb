"""Writing a scenario file: a scenario's own data with some values changed, as TOML that
:meth:`Scenario.from_toml` reads back to the same scenario.

The file keeps what its source wrote (and only that: defaults stay implicit, so a reader
sees what differs) with the changed values set in place; comment lines at the top say
where it came from and why the values are what they are (a TOML writer cannot keep the
source's own comments, so the header names the source file instead).
"""

from __future__ import annotations

import copy
from typing import Any

import tomli_w

from sim.scenario.overrides import set_path


def scenario_toml(data: dict, changes: dict[str, Any], header: list[str], source: str = "<scenario file>") -> str:
    """TOML text of ``data`` (a scenario file's tables, as read) with ``changes`` (dotted
    path -> value) set, preceded by ``header`` as comment lines. A bad path is a
    :class:`~sim.errors.ScenarioError` naming it."""
    doc = copy.deepcopy(data)
    for path, value in changes.items():
        set_path(doc, path, value, source, create_tables=True)
    lines = [f"# {line}".rstrip() for text in header for line in text.splitlines()]
    return "\n".join(lines) + ("\n\n" if lines else "") + tomli_w.dumps(doc)

