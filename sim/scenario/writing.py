"""Writing a scenario file: a scenario's data, with some values changed, as TOML that
:meth:`Scenario.from_toml` reads back to the same scenario.

The one TOML writer of the project (the fitted scenario of ``siyu calibrate``, the
explorer's "save as scenario"): plain keys first, then sub-tables, then lists of tables,
strings as TOML basic strings, and a comment after any value whose path has a note
(where a fitted value came from, what a changed value was), under a header of comment
lines. A file keeps what its source wrote (and only that: defaults stay implicit, so a
reader sees what differs), with the changed values set in place.
"""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

from sim.scenario.overrides import apply_paths

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def toml_value(v: Any) -> str:
    """One value as TOML (a JSON string is a TOML basic string; floats keep every digit)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(f"cannot write {v!r} to TOML")


def _is_table_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _emit(node: dict, prefix: list[str], shown: str, lines: list[str], notes: dict[str, str]) -> None:
    """``node``'s plain keys, then its sub-tables, then its lists of tables; ``shown`` is the
    node's path as notes name it (list items by their ``name``, as dotted overrides do)."""
    for k, v in node.items():
        if v is None or isinstance(v, dict) or _is_table_list(v):
            continue
        path = f"{shown}.{k}" if shown else k
        note = f"  # {notes[path]}" if path in notes else ""
        lines.append(f"{_key(k)} = {toml_value(v)}{note}")
    for k, v in node.items():
        if isinstance(v, dict) and v:
            lines += ["", f"[{'.'.join(_key(p) for p in prefix + [k])}]"]
            _emit(v, prefix + [k], f"{shown}.{k}" if shown else k, lines, notes)
    for k, v in node.items():
        if _is_table_list(v):
            for i, item in enumerate(v):
                lines += ["", f"[[{'.'.join(_key(p) for p in prefix + [k])}]]"]
                label = item["name"] if isinstance(item.get("name"), str) else i
                _emit(item, prefix + [k], f"{shown}.{k}[{label}]" if shown else f"{k}[{label}]", lines, notes)


def toml_text(data: dict, header: list[str] | tuple[str, ...] = (), notes: dict[str, str] | None = None) -> str:
    """``data`` (tables as read from TOML) as TOML text, ``header`` as comment lines on top,
    ``notes`` (dotted path -> text) as comments after the values they name."""
    lines = [f"# {line}".rstrip() for text in header for line in text.splitlines()]
    body: list[str] = []
    _emit(data, [], "", body, notes or {})
    return "\n".join(lines + ([""] if lines else []) + body).strip("\n") + "\n"


def scenario_toml(data: dict, changes: dict[str, Any], header: list[str], source: str = "<scenario file>",
                  notes: dict[str, str] | None = None) -> str:
    """TOML text of ``data`` (a scenario file's tables, as read) with ``changes`` (dotted
    path -> value) set, ``header`` as comment lines and ``notes`` as comments after the
    values they name. A bad path is a :class:`~sim.errors.ScenarioError` naming it."""
    doc = apply_paths(copy.deepcopy(data), changes, source, create_tables=True)
    return toml_text(doc, header, notes)
