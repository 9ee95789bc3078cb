"""Numbers as a reader expects them, for the command line and the reports alike.

Yuan in k/M (English) or 万/亿 (Chinese), shares as %, counts without fractional
people where the value is whole. Every number siyu prints goes through these functions
(:mod:`reports.fmt` re-exports them for the reports), chosen by the outcome's declared
kind (:data:`sim.outcomes.KINDS`), so an amount reads the same in a table, a verdict
sentence and a chart label.

A confidence interval is printed by :func:`interval` (or :func:`with_ci`): both bounds
are first cut to the range the value can possibly take (a count's lower bound at 0, a
share inside [0, 1], by :func:`sim.outcomes.bounds`), because a t-interval over few
replications can stray past it; and a narrow interval gets as many more digits as it
needs for its bounds to print differently (``69.1 % – 69.4 %``, never ``69 % – 69 %``).
"""

from __future__ import annotations

from numbers import Integral
from typing import Callable, Optional

from sim.outcomes import BY_NAME

#: what is printed for a missing value
MISSING = {"en": "n/a", "zh": "无"}
#: the most digits :func:`interval` adds to tell two close bounds apart
MAX_EXTRA_DIGITS = 4

Formatter = Callable[..., str]


def money(x: float | None, lang: str = "en", extra: int = 0) -> str:
    """A yuan amount, rounded for reading: ``1.23M`` / ``123.0万`` (no unit: see :func:`yuan`)."""
    if x is None:
        return MISSING.get(lang, "n/a")
    if lang == "zh":
        scales = ((1e8, "亿", 2), (1e4, "万", 1))
    else:
        scales = ((1e6, "M", 2), (1e3, "k", 1))
    for size, suffix, decimals in scales:
        if abs(x) >= size:
            return f"{x / size:,.{decimals + extra}f}{suffix}"
    return f"{x:,.{extra}f}"


def yuan(x: float | None, lang: str = "en", extra: int = 0) -> str:
    """A yuan amount with its unit: ``1.23M yuan`` / ``123.0万元``."""
    if x is None:
        return MISSING.get(lang, "n/a")
    return f"{money(x, lang, extra)} yuan" if lang == "en" else f"{money(x, lang, extra)}元"


def pct(x: float | None, lang: str = "en", digits: int = 1, extra: int = 0) -> str:
    """A share 0-1 as a percentage."""
    if x is None:
        return MISSING.get(lang, "n/a")
    d = digits + extra
    return f"{100 * x:.{d}f} %" if lang == "en" else f"{100 * x:.{d}f}%"


def pct_whole(x: float | None, lang: str = "en", extra: int = 0) -> str:
    """A share 0-1 as a whole percentage (``42 %``), for sentences."""
    return pct(x, lang, 0, extra)


def count(x: float | None, lang: str = "en", extra: int = 0) -> str:
    """A head count or event count; a mean over replications keeps one decimal below 100
    (a whole number prints whole: no fractional people where there are none)."""
    if x is None:
        return MISSING.get(lang, "n/a")
    if abs(x) < 100 and x != int(x):
        return f"{x:,.{1 + extra}f}"
    return f"{x:,.{extra}f}"


def ratio(x: float | None, lang: str = "en", extra: int = 0) -> str:
    """A return on investment (profit / cost) as a multiple."""
    if x is None:
        return MISSING.get(lang, "n/a")
    return f"{x:.{2 + extra}f}×"


def plain(x: float | None, lang: str = "en", extra: int = 0) -> str:
    """Any other number (a level, a rate, minutes, a day, an index): about three
    significant digits, thousands separated."""
    if x is None:
        return MISSING.get(lang, "n/a")
    if isinstance(x, Integral) or (float(x).is_integer() and abs(x) >= 100):
        return f"{x:,.{extra}f}" if extra else f"{int(x):,}"
    size = abs(x)
    decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.01 or size == 0 else 4
    return f"{x:,.{decimals + extra}f}"


#: how each kind of outcome (:data:`sim.outcomes.KINDS`) is printed
_BY_KIND: dict[str, Formatter] = {
    "money": money, "cost": money, "share": pct, "ratio": ratio, "people": count, "count": count,
    "index": plain, "minutes": plain, "level": plain, "rate": plain, "day": plain, "days": plain}

#: the unit printed beside a number of each kind (en, zh); a share (``%``) and a ratio
#: (``×``) carry theirs in the number, counts of events are bare numbers
_UNITS: dict[str, tuple[str, str]] = {
    "money": ("yuan", "元"), "cost": ("yuan", "元"), "people": ("people", "人"),
    "minutes": ("minutes", "分钟"), "day": ("day", "天"), "index": ("day", "天"), "days": ("days", "天")}


def of(name: str) -> Formatter:
    """The formatter of the outcome ``name`` (by its declared kind); plain numbers otherwise."""
    o = BY_NAME.get(name)
    return _BY_KIND.get(o.kind, count) if o is not None else plain


def unit(name: str, lang: str = "en") -> str:
    """The unit of the outcome ``name`` (``yuan``, ``people``, ``minutes``...); ``""`` when
    the number carries its own (``%``, ``×``) or is a bare count."""
    o = BY_NAME.get(name)
    if o is None or o.kind not in _UNITS:
        return ""
    en, zh = _UNITS[o.kind]
    return zh if lang == "zh" else en


def value(x: float | None, name: str, lang: str = "en") -> str:
    """``x`` as a value of the outcome ``name``, formatted by its kind."""
    return of(name)(x, lang)


def clamp(x: float | None, name: str) -> float | None:
    """``x`` cut to the range the outcome ``name`` can possibly take: a count or a cost
    is never below 0, a share stays in [0, 1]; unknown names are not cut."""
    if x is None:
        return None
    o = BY_NAME.get(name)
    lo, hi = o.bounds if o is not None else (None, None)
    if lo is not None:
        x = max(x, lo)
    return min(x, hi) if hi is not None else x


def interval(low: float | None, high: float | None, name: str, lang: str = "en",
             formatter: Optional[Formatter] = None) -> tuple[str, str]:
    """The bounds of a confidence interval of the outcome ``name``, each cut to the
    outcome's possible range and printed with enough digits to differ when they do."""
    f = formatter or of(name)
    low, high = clamp(low, name), clamp(high, name)
    if low is None or high is None:
        return f(low, lang), f(high, lang)
    for extra in range(MAX_EXTRA_DIGITS + 1):
        a, b = f(low, lang, extra=extra), f(high, lang, extra=extra)
        if a != b or low == high:
            break
    return a, b


def with_ci(mean: float | None, low: float | None, high: float | None, name: str, lang: str = "en",
            formatter: Optional[Formatter] = None) -> str:
    """``mean [low, high]`` of the outcome ``name``; the bounds as :func:`interval` prints them."""
    f = formatter or of(name)
    if mean is None:
        return f(None, lang)
    a, b = interval(low, high, name, lang, f)
    return f"{f(mean, lang)} [{a}, {b}]"


def stat(s: dict | None, name: str, lang: str = "en") -> str:
    """A ``{"mean", "ci_low", "ci_high"}`` record (as ``comparison.json`` holds) via :func:`with_ci`."""
    if not s:
        return MISSING.get(lang, "n/a")
    return with_ci(s.get("mean"), s.get("ci_low"), s.get("ci_high"), name, lang)


def difference(s: dict | None, name: str, lang: str = "en") -> str:
    """A paired difference ``{"mean", "ci_low", "ci_high"}`` of the outcome ``name``:
    formatted by the outcome's kind but never cut to its range (a difference of two
    counts may be negative), with an explicit sign."""
    if not s or s.get("mean") is None:
        return MISSING.get(lang, "n/a")
    f = of(name)

    def signed(x, lang=lang, extra=0):
        text = f(x, lang, extra=extra)
        return text if x is None or x < 0 or text.startswith(("+", "-")) else "+" + text

    return with_ci(s["mean"], s.get("ci_low"), s.get("ci_high"), "", lang, signed)
