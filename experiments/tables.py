"""Reading a user's CSV (a transaction log, an observed series) as strict data.

A CSV is read with a byte cap (a device or a runaway file is refused, never read to the
end of memory) and a UTF-8 byte-order mark is dropped. Dates are in one unambiguous
format: ISO ``YYYY-MM-DD`` (optionally with a time and one time-zone offset throughout),
or the format the user names (``--date-format``, strftime codes). A date that does not
fit is refused naming the file, the column and the first row that disagrees: a log
that mixes ``2024-01-05`` and ``01/02/2024`` is never guessed month-first.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.scenario.files import read_bounded

#: the largest CSV read (bytes): a brand's log of a few million rows fits well under it
MAX_CSV_BYTES = 512 * 2**20
#: the longest span of days a log or series may cover (the model's longest horizon)
MAX_DAYS = 3650
_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?")


def read_csv(path: str | Path, what: str, **kwargs) -> pd.DataFrame:
    """The CSV at ``path`` (at most :data:`MAX_CSV_BYTES`), or a :class:`ScenarioError`."""
    path = Path(path)
    raw = read_bounded(path, what, MAX_CSV_BYTES)
    try:
        return pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", **kwargs)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ScenarioError(path, None, f"cannot read a CSV {what} ({exc})") from None


def first_bad(path, col: str, bad, values: pd.Series, expected: str) -> None:
    """Refuse the first row where ``bad`` holds (rows are 1-based, the header is row 1)."""
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScenarioError(path, col, f"row {i + 2}: expected {expected} (got {values.iloc[i]!r}); "
                            f"{int(bad.sum())} bad row(s) in all")


def parse_dates(path, col: str, values: pd.Series, date_format: str | None = None) -> pd.Series:
    """Calendar dates (datetime64, midnight) of ``values``, read in one format."""
    text = values.astype(str).str.strip()
    if date_format is not None:
        try:
            when = pd.to_datetime(text, format=date_format, errors="coerce")
        except (ValueError, TypeError) as exc:
            raise ScenarioError(path, col, f"dates do not share one time-zone offset under --date-format "
                                f"{date_format!r} ({exc}); expected one offset throughout") from None
        first_bad(path, col, when.isna(), values, f"a date in the format {date_format!r} (--date-format)")
        if getattr(when.dt, "tz", None) is not None:
            when = when.dt.tz_localize(None)
        return when.dt.normalize()
    parts = text.str.fullmatch(_ISO.pattern)
    first_bad(path, col, ~parts.to_numpy(), values,
              "an ISO date YYYY-MM-DD (or name the log's format with --date-format, e.g. %m/%d/%Y)")
    found = text.str.extract(_ISO.pattern)
    offsets = found[2].fillna("")
    first_bad(path, col, (offsets != offsets.iloc[0]).to_numpy(), values,
              f"the time-zone offset of row 2 ({offsets.iloc[0] or 'none'}): mixed offsets are not guessed; "
              "convert the log to one time zone")
    # the date as written, in the log's own (single) time zone
    when = pd.to_datetime(found[0], format="%Y-%m-%d", errors="coerce")
    first_bad(path, col, when.isna().to_numpy(), values, "a calendar date (YYYY-MM-DD)")
    return when


def check_span(path, col: str, when: pd.Series, values: pd.Series) -> None:
    """At most :data:`MAX_DAYS` days from the first date to the last."""
    days = (when - when.min()).dt.days
    first_bad(path, col, (days >= MAX_DAYS).to_numpy(), values,
              f"a date within {MAX_DAYS} days of the first ({when.min():%Y-%m-%d}): the model's longest horizon")
