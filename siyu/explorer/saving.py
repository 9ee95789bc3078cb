"""Save the explorer's settings as a scenario file a strategist can keep, validate and run.

A scenario file cannot include another, so a file holding only the changed keys would
describe a different world (every key it leaves out falls back to the schema's default,
not to the base file's value). The saved file therefore holds the keys the base file
writes plus the ones changed in the explorer, each changed key marked with a comment
giving the base's value, under a header naming the base and listing the changes. Read
back, it is the scenario the explorer ran (same :attr:`Scenario.hash`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from agents.strategy import make_strategy
from sim.errors import SiyuInputError
from sim.files import write_atomic
from sim.scenario import Scenario, get_path
from sim.scenario.writing import scenario_toml, toml_value


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
    notes = {path: f"explorer: was {toml_value(_starting_value(base, before, path))}" for path in changes}
    listed = ", ".join(f"{p} = {toml_value(v)}" for p, v in changes.items()) or "none"
    header = [f"Saved from the siyu explorer, based on {base_name}.",
              f"Changed from the base: {listed}.",
              "Every other key is the base file's own value (a scenario file cannot include another)."]
    return scenario_toml(data, changes, header, source="explorer settings", notes=notes)


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
