"""The report's assumptions table: every scenario parameter with its value, unit, meaning
(the pydantic ``Field`` description), its declared unit, and the source comment written
beside it in the scenario file ("DOMAIN: ..." or "assumption"), so any number can be traced and reproduced.

Comments are read from the TOML *text* (``tomllib`` drops them): a small line scanner
that tracks the current ``[table]`` / ``[[array]]`` header and takes the ``# comment``
after each ``key = value``. Values are always taken from the validated scenario; where
they differ from the file (an override after loading) the row says so.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from pydantic import BaseModel

from sim.scenario import unit_of

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(?:#\s*(.*))?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


@dataclass
class Parameter:
    """One row of the assumptions table."""

    path: str
    value: str
    unit: str            # a key of reports.i18n (u_ + the field's declared unit, sim.scenario.units)
    meaning: str
    source: str
    file_value: str | None = None  # set when the simulated value differs from the file
    in_file: bool = False          # the scenario file writes this parameter
    uncertain: str = ""            # its declared plausible range ([uncertainties."path"]), if any

    @property
    def matters(self) -> bool:
        """A parameter this scenario chose (written in its file, changed after loading, or
        given a plausible range), rather than an engine internal left at its default."""
        return self.in_file or self.file_value is not None or bool(self.uncertain)


#: what a client should never read in a source comment: issue numbers, run times on the
#: developer's machine, file paths (a sentence or bracket holding one is dropped whole)
_DEVELOPER_NOTE = re.compile(
    r"\bissue\s*#?\d+|#\d+\b|\bcores?\b|\bminutes? on\b|\.\./|\b[\w.-]+/[\w./-]+\.(?:py|md|toml|csv|json)\b",
    re.IGNORECASE)


def client_text(comment: str) -> str:
    """A source comment without developer notes: each bracketed aside or sentence holding
    one (see ``_DEVELOPER_NOTE``) is dropped, the rest kept as written."""
    text = re.sub(r"\s*\([^()]*\)", lambda m: "" if _DEVELOPER_NOTE.search(m.group(0)) else m.group(0), comment)
    parts = re.split(r"(?<=[.;])\s+", text)
    return " ".join(p for p in parts if not _DEVELOPER_NOTE.search(p)).strip()


def _plain(value: object) -> object:
    """A value as plain data (models dumped, tuples as lists), for comparing with the file."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="json", exclude_unset=False))
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def same(file_value: object, value: object) -> bool:
    """Whether the file's value and the simulated one are the same once normalised: numbers
    by value (``2`` is ``2.0``), models and tables key by key, keys the file leaves out at
    their defaults."""
    a, b = _plain(file_value), _plain(value)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in b and same(v, b[k]) for k, v in a.items())
    return a == b


def _comment(line: str) -> str | None:
    """The ``# comment`` of a TOML line, ignoring ``#`` inside quoted strings."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and line[i - 1] != "\\":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[i + 1:].strip() or None
    return None


def toml_comments(text: str) -> tuple[dict[str, str], str]:
    """Map dotted parameter paths (``market.audience``, ``public_channels[0].take_rate``)
    to their trailing comments, and return the file's opening comment block."""
    out: dict[str, str] = {}
    header_lines: list[str] = []
    prefix = ""
    arrays: dict[str, int] = {}
    seen_content = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if not seen_content:
                header_lines.append(stripped.lstrip("#").strip())
            continue
        seen_content = True
        m = _HEADER.match(line)
        if m and not _KEY.match(line):
            name = m.group(2).replace('"', "").replace("'", "").strip()
            if m.group(1) == "[[":
                arrays[name] = arrays.get(name, -1) + 1
                prefix = f"{name}[{arrays[name]}]"
            else:
                prefix = name
            if m.group(3):
                out[prefix] = m.group(3).strip()
            continue
        k = _KEY.match(line)
        if k:
            key = k.group(1).strip("\"'")
            comment = _comment(line[k.end():])
            if comment:
                out[f"{prefix}.{key}" if prefix else key] = comment
    return out, " ".join(h for h in header_lines if h)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, BaseModel):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.model_dump().items() if v is not None)
    if isinstance(value, list):
        if value and all(isinstance(v, BaseModel) for v in value):
            return "; ".join(_show(v) for v in value)
        return ", ".join(str(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) if value else "{}"
    return str(value)


def parameters(scenario, toml_text: str | None = None) -> tuple[list[Parameter], str]:
    """Every parameter of ``scenario`` (nested tables flattened to dotted paths; public
    channels by name; strategy lever overrides only where written), with source comments
    from ``toml_text`` when given. Returns the rows and the file's opening comment."""
    comments, header = toml_comments(toml_text) if toml_text else ({}, "")
    try:
        file_data = tomllib.loads(toml_text) if toml_text else {}
    except tomllib.TOMLDecodeError:
        file_data = {}
    rows: list[Parameter] = []

    def file_value(path_parts: list) -> object:
        node: object = file_data
        for part in path_parts:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                return None
        return node

    def walk(model: BaseModel, label: str, key_path: str, parts: list, only_set: bool = False) -> None:
        fields = type(model).model_fields
        names = model.model_fields_set if only_set else fields.keys()
        for name in fields:
            if name not in names:
                continue
            info, value = fields[name], getattr(model, name)
            here_label = f"{label}.{name}" if label else name
            here_key = f"{key_path}.{name}" if key_path else name
            if isinstance(value, BaseModel):
                walk(value, here_label, here_key, parts + [name], only_set)
            elif name == "public_channels":
                for i, ch in enumerate(value):
                    walk(ch, f"public_channels[{ch.name}]", f"public_channels[{i}]", parts + [name, i])
            elif name == "levers" and isinstance(value, dict):
                for who, lev in value.items():
                    walk(lev, f"{here_label}.{who}", f"{here_key}.{who}", parts + [name, who], only_set=True)
            elif name == "uncertainties" and not label:
                continue  # shown as the range column of the parameters they vary
            else:
                was = file_value(parts + [name])
                if value is None and was is None:
                    continue  # an optional section the scenario does not use (e.g. Bass mode off)
                differs = toml_text is not None and was is not None and not same(was, value)
                u = scenario.uncertainties.get(here_label)
                shown = str(value) if name == "seed" else _show(value)  # a seed is an identifier, not a quantity
                rows.append(Parameter(path=here_label, value=shown, unit=f"u_{unit_of(type(model), name) or 'none'}",
                                      meaning=info.description or "",
                                      source=client_text(comments.get(here_key, "") or getattr(u, "source", "")),
                                      file_value=_show(was) if differs else None, in_file=was is not None,
                                      uncertain=_range(u)))

    walk(scenario, "", "", [])
    return rows, client_text(header)


def _range(u) -> str:
    """A declared plausible range as text: ``0.7 – 0.95 (uniform)``; empty when none."""
    if u is None:
        return ""
    return f"{_show(u.low)} – {_show(u.high)} ({u.distribution})"
