"""Save the explorer's settings as a scenario file a strategist can keep, validate and run.

A scenario file cannot include another, so a file holding only the changed keys would
describe a different world (every key it leaves out falls back to the schema's default,
not to the base file's value). The saved file therefore holds the keys the base file
writes plus the ones changed in the explorer, each changed key marked with a comment
giving the base's value, under a header naming the base and listing the changes. Read
back, it is the scenario the explorer ran (same :attr:`Scenario.hash`).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from agents.strategy import make_strategy
from sim.errors import SiyuInputError
from sim.files import write_atomic
from sim.scenario import Scenario, apply_paths, get_path

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(f"cannot write {v!r} to TOML")


def _is_table_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _emit(node: dict, prefix: list[str], lines: list[str], notes: dict[str, str]) -> None:
    """Write ``node``'s plain keys, then its sub-tables, then its lists of tables."""
    here = ".".join(prefix)
    for k, v in node.items():
        if v is None or isinstance(v, dict) or _is_table_list(v):
            continue
        path = f"{here}.{k}" if here else k
        note = f"  # {notes[path]}" if path in notes else ""
        lines.append(f"{_key(k)} = {_value(v)}{note}")
    for k, v in node.items():
        if isinstance(v, dict) and v:
            lines.append("")
            lines.append(f"[{'.'.join(_key(p) for p in prefix + [k])}]")
            _emit(v, prefix + [k], lines, notes)
    for k, v in node.items():
        if _is_table_list(v):
            for item in v:
                lines.append("")
                lines.append(f"[[{'.'.join(_key(p) for p in prefix + [k])}]]")
                _emit(item, prefix + [k], lines, notes)


def _make_tables(data: dict, path: str) -> None:
    """Create the tables of a dotted path (as the controls write them) that the base file
    does not write, so the one override mechanism can set it."""
    node = data
    for t in path.split(".")[:-1]:
        node = node.setdefault(t, {})


def _starting_value(base: Scenario, dumped: dict, path: str) -> Any:
    """What ``path`` held in the base: for a lever the base file does not write, the value
    the strategy runs with (its preset)."""
    was = get_path(dumped, path)
    parts = path.split(".")
    if was is None and parts[:2] == ["strategy", "levers"] and len(parts) == 4:
        was = getattr(make_strategy(base, parts[2]).base, parts[3], None)
    return was


def scenario_text(base: Scenario, changes: dict[str, Any], base_name: str) -> str:
    """The TOML text of ``base`` with ``changes`` (dotted path -> value) applied."""
    data = base.model_dump(mode="json", exclude_unset=True)
    before = base.model_dump(mode="json")
    notes = {}
    for path, value in changes.items():
        notes[path] = f"explorer: was {_value(_starting_value(base, before, path))}"
        _make_tables(data, path)
    apply_paths(data, changes, "explorer settings")
    listed = ", ".join(f"{p} = {_value(v)}" for p, v in changes.items()) or "none"
    header = [f"# Saved from the siyu explorer, based on {base_name}.",
              f"# Changed from the base: {listed}.",
              "# Every other key is the base file's own value (a scenario file cannot include another)."]
    lines: list[str] = []
    _emit(data, [], lines, notes)
    return "\n".join(header + [""] + lines).rstrip() + "\n"


def save_scenario(base: Scenario, changes: dict[str, Any], out: str | Path, base_name: str) -> Path:
    """Write the explorer's scenario to ``out`` (atomically), after checking it reads back
    as the scenario the explorer ran; a :class:`SiyuInputError` names what is wrong."""
    out = Path(out)
    if out.suffix != ".toml":
        raise SiyuInputError(f"save as: {out}: expected a file name ending in .toml")
    text = scenario_text(base, changes, base_name)
    expected = base.with_overrides(changes, source="explorer settings")
    written = Scenario.from_dict(tomllib.loads(text), source=str(out))
    if written.hash != expected.hash:
        raise SiyuInputError(f"save as: {out}: the file would not reproduce the explorer's scenario; nothing written")
    return write_atomic(out, text)
