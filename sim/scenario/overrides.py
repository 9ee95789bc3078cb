"""Changing a scenario by dotted path: the one implementation behind
:meth:`Scenario.with_overrides`, sweep factors and overrides, calibration parameters and
the command line's ``--set``.

A path names a field from the top of the scenario: ``days``, ``market.audience``,
``strategy.levers.harvest.moments_posts``; list items by position
(``public_channels.0.cost_per_contact`` or ``public_channels[0].cost_per_contact``) or
by name (``public_channels[douyin].cost_per_contact``, ``campaigns[618 launch].discount``).
A missing ``strategy.levers.NAME`` table is created (an override applies only the keys
written). Every bad path is a :class:`~sim.errors.ScenarioError` naming it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import numpy as np

from sim.errors import ScenarioError

_SEGMENT = re.compile(r"^(?P<key>[^\[\]]*)(?:\[(?P<item>[^\[\]]+)\])?$")


def _segments(path: str, source: str) -> list[str | int | tuple[str]]:
    """``a.b[2].c`` -> ``["a", "b", 2, "c"]``; ``x[name]`` -> ``["x", ("name",)]``."""
    if not isinstance(path, str) or not path.strip():
        raise ScenarioError(source, str(path), "empty path; expected a dotted field path such as market.audience")
    out: list = []
    for raw in path.split("."):
        m = _SEGMENT.match(raw)
        if not m or (not m["key"] and m["item"] is None):
            raise ScenarioError(source, path, f"cannot read '{raw}' in the path; expected names joined by dots, "
                                "list items as [index] or [name]")
        if m["key"]:
            out.append(int(m["key"]) if m["key"].isdigit() else m["key"])
        if m["item"] is not None:
            item = m["item"].strip()
            out.append(int(item) if item.isdigit() else (item,))
    return out


def _shown(parts: list) -> str:
    text = ""
    for p in parts:
        if isinstance(p, int):
            text += f"[{p}]"
        elif isinstance(p, tuple):
            text += f"[{p[0]}]"
        else:
            text += ("." if text else "") + p
    return text


def _step(node: Any, part, parts_so_far: list, path: str, source: str, create: bool) -> Any:
    """The child of ``node`` named by ``part`` (creating a lever table where allowed)."""
    where = _shown(parts_so_far)
    if isinstance(node, list):
        if isinstance(part, int):
            if part >= len(node):
                raise ScenarioError(source, path, f"'{where}' has {len(node)} item(s); no item [{part}]")
            return part
        if isinstance(part, tuple):
            names = [item.get("name") for item in node if isinstance(item, dict)]
            if part[0] not in names:
                hint = difflib.get_close_matches(part[0], [n for n in names if n], n=1)
                more = f"did you mean '{hint[0]}'?" if hint else f"expected one of: {', '.join(map(str, names)) or 'none'}"
                raise ScenarioError(source, path, f"'{where}' has no item named '{part[0]}'; {more}")
            return names.index(part[0])
        raise ScenarioError(source, path, f"'{where}' is a list; name an item as [index] or [name]")
    if isinstance(node, dict):
        if isinstance(part, (int, tuple)):
            raise ScenarioError(source, path, f"'{where}' is a table, not a list")
        if part not in node:
            if create:
                node[part] = {}
            else:
                hint = difflib.get_close_matches(part, list(node), n=1)
                more = f"did you mean '{hint[0]}'?" if hint else f"expected one of: {', '.join(node) or 'none'}"
                raise ScenarioError(source, path, f"'{_shown(parts_so_far + [part])}' is not a scenario table; {more}")
        return part
    raise ScenarioError(source, path, f"'{where}' is a value, not a table or list")


def set_path(data: dict, path: str, value: Any, source: str = "<overrides>", create_tables: bool = False) -> None:
    """Set ``path`` in a scenario dict (as :meth:`Scenario.model_dump` gives) to ``value``.

    ``create_tables``: a table missing on the way is created (for a file's own data,
    which writes only what differs from the defaults); list items must exist either way."""
    parts = _segments(path, source)
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        creating = create_tables or [p for p in parts[:i]] == ["strategy", "levers"]
        key = _step(node, part, parts[:i], path, source, create=creating)
        node = node[key]
    last = parts[-1]
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = plain(value)
        return
    if isinstance(node, list):
        node[_step(node, last, parts[:-1], path, source, create=False)] = plain(value)
        return
    _step(node, last, parts[:-1], path, source, create=False)  # raises: a value, or a table named as a list


def get_path(data: dict, path: str, source: str = "<overrides>") -> Any:
    """The value at ``path`` in a scenario dict, ``None`` where a lever table does not write it."""
    parts = _segments(path, source)
    node: Any = data
    for i, part in enumerate(parts):
        if isinstance(node, dict) and isinstance(part, str) and part not in node and parts[:2] == ["strategy", "levers"]:
            return None
        node = node[_step(node, part, parts[:i], path, source, create=False)]
    return node


def plain(value: Any) -> Any:
    """Python values for the validator: numpy scalars (from samplers) become int / float / bool."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def apply_paths(data: dict, changes: dict[str, Any], source: str = "<overrides>", create_tables: bool = False) -> dict:
    """``data`` with every ``path: value`` of ``changes`` set, in order (``create_tables``: see
    :func:`set_path`). Shortening ``days`` drops the campaigns that would start after the new
    horizon (a file must keep its campaigns inside its own horizon; a shorter run of it
    simply ends before them)."""
    for path, value in changes.items():
        set_path(data, path, value, source, create_tables)
    if "days" in changes and "campaigns" not in changes and isinstance(data.get("days"), int):
        data["campaigns"] = [c for c in data.get("campaigns", []) if c["start"] < data["days"]]
    return data
