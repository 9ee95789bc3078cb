"""Numbers as a reader expects them: yuan in k/M (English) or 万/亿 (Chinese), shares as %."""

from __future__ import annotations

from typing import Callable

from sim.outcomes import BY_NAME


def money(x: float | None, lang: str = "en") -> str:
    """A yuan amount, rounded for reading: ``1.23M`` / ``123.0万``."""
    if x is None:
        return "n/a" if lang == "en" else "无"
    if lang == "zh":
        if abs(x) >= 1e8:
            return f"{x / 1e8:,.2f}亿"
        if abs(x) >= 1e4:
            return f"{x / 1e4:,.1f}万"
        return f"{x:,.0f}"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:,.1f}k"
    return f"{x:,.0f}"


def pct(x: float | None, lang: str = "en", digits: int = 1) -> str:
    """A share 0-1 as a percentage."""
    if x is None:
        return "n/a" if lang == "en" else "无"
    return f"{100 * x:.{digits}f} %" if lang == "en" else f"{100 * x:.{digits}f}%"


def count(x: float | None, lang: str = "en") -> str:
    """A head count or event count (means over replications keep one decimal below 100)."""
    if x is None:
        return "n/a" if lang == "en" else "无"
    return f"{x:,.1f}" if abs(x) < 100 and x != int(x) else f"{x:,.0f}"


def ratio(x: float | None, lang: str = "en") -> str:
    """A return on investment (profit / cost) as a multiple."""
    if x is None:
        return "n/a" if lang == "en" else "无"
    return f"{x:.2f}×"


#: how each kind of outcome (:data:`sim.outcomes.KINDS`) is printed
_BY_KIND: dict[str, Callable[[float | None, str], str]] = {
    "money": money, "cost": money, "share": pct, "ratio": ratio, "people": count, "count": count}


def of(name: str) -> Callable[[float | None, str], str]:
    """The formatter of the outcome ``name`` (by its declared kind); plain numbers otherwise."""
    o = BY_NAME.get(name)
    return _BY_KIND.get(o.kind, count) if o is not None else count


def money_tick(x: float, lang: str = "en") -> str:
    """A yuan amount as an axis tick: the units of :func:`money` (万/亿, k/M) without trailing
    zeros, so round ticks read ``150万``, ``2.5亿``, ``500k``."""
    big, small, units = (1e8, 1e4, ("亿", "万")) if lang == "zh" else (1e6, 1e3, ("M", "k"))
    for scale, unit in zip((big, small), units):
        if abs(x) >= scale:
            return f"{x / scale:,.6g}{unit}"
    return f"{x:,.6g}"
