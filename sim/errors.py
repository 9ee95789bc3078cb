"""Errors a user can act on: which file, which field, what was expected.

The CLI turns :class:`SiyuInputError` into exit code 2 with the message and no traceback.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path


class SiyuInputError(Exception):
    """Bad input from the user (file, option or value): exit code 2."""


class ScenarioError(SiyuInputError):
    """A scenario (or sweep) file that cannot be used, with the field path at fault."""

    def __init__(self, source: str | Path, field: str | None, message: str):
        self.source = str(source)
        self.field = field
        self.message = message
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {message}")


def _fields_at(model: type, loc: tuple) -> list[str]:
    """Field names valid at a location in a pydantic model tree (for 'did you mean')."""
    from pydantic import BaseModel

    current: object = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            # a list index or dict key: step inside the container, consume the key
            current = _inner_model(current)
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = field.annotation
    current = _inner_model(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: object) -> object:
    """The pydantic model inside list[...] / dict[str, ...] / Optional[...], if any."""
    from pydantic import BaseModel

    args = getattr(annotation, "__args__", ()) or ()
    for arg in reversed(args):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _inner_model(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


#: "field.path[0].name: " at the start of a cross-field check's message
_FIELD_PREFIX = re.compile(r"^[^\s:'\"]+: ")


def _key(part: object) -> str:
    """A key as a field path shows it: bare if plain, else quoted as TOML would (``" "``)."""
    text = str(part)
    return text if _BARE_KEY.match(text) else json.dumps(text, ensure_ascii=False)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _clip(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_validation_error(exc, source: str | Path, model: type) -> ScenarioError:
    """Turn a pydantic ``ValidationError`` into one readable :class:`ScenarioError`.

    Every problem is listed as ``field.path: what was expected (got ...)``; a misspelt
    key gets a "did you mean" hint from the valid names at that place.
    """
    lines = []
    first_field = None
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        path = ".".join(_key(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
        kind = err.get("type", "")
        raw = err.get("msg", "").removeprefix("Value error, ")
        if not path and _FIELD_PREFIX.match(raw):
            # a cross-field check names its field first ("campaigns[0].start: ..."): use it
            path, _, raw = raw.partition(": ")
            err = {**err, "msg": raw, "type": "cross_field"}
            err.pop("input", None)
        path = path or "(top level)"
        first_field = first_field or path
        if kind == "extra_forbidden":
            options = _fields_at(model, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), options, n=1, cutoff=0.6)
            msg = "unknown key"
            if hint:
                msg += f"; did you mean '{hint[0]}'?"
            elif options:
                msg += f"; expected one of: {', '.join(options)}"
        elif kind == "missing":
            msg = "required field is missing"
        else:
            msg = err.get("msg", "invalid value")
            msg = msg.removeprefix("Value error, ")
            # at the top level the input is the whole file: not worth quoting
            if "input" in err and kind not in ("model_type", "dict_type") and path != "(top level)":
                msg += f" (got {_clip(err['input'])})"
        lines.append((path, msg))
    if len(lines) == 1:
        return ScenarioError(source, *lines[0])
    lines = [f"{path}: {msg}" for path, msg in lines]
    return ScenarioError(source, first_field, f"{len(lines)} problems:\n  " + "\n  ".join(lines))
