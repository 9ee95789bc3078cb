"""Reading data files (scenario and sweep TOML): bounded, decoded, parsed, or a
:class:`~sim.errors.ScenarioError` naming the file. Never code, never a pickle."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sim.errors import ScenarioError

#: data files bigger than this are refused (a scenario is a few KB); the cap is on the
#: bytes actually read, so a device or a growing file cannot make a read unbounded
MAX_FILE_BYTES = 16 * 2**20


def read_bounded(path: str | Path, what: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most ``limit`` bytes of ``path``; a longer file is an error naming it."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except IsADirectoryError:
        raise ScenarioError(path, None, f"is a directory; expected a {what} file") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise ScenarioError(path, None, f"file is over {limit // 2**20} MB; a {what} file is expected to be "
                            f"under {limit // 2**20} MB")
    return raw


def read_toml(path: str | Path, what: str = "scenario") -> tuple[dict, str]:
    """Read a TOML data file (scenario or sweep): ``(data, text)``, or a
    :class:`ScenarioError` naming the file for every way a file can be unreadable
    (missing, too big, not UTF-8, bad syntax, nested too deeply, absurd numbers)."""
    path = Path(path)
    raw = read_bounded(path, what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, None, f"not UTF-8 text (byte {exc.start}): a {what} file is TOML") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write is not content
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(path, None, f"arrays or tables nested too deeply to read; expected a flat TOML {what}") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits (Python's int_max_str_digits)
        raise ScenarioError(path, None, f"unreadable value: {exc}") from None
