"""Numbers as people read them: money, rates, scores, and n/a. Used by pages, exports and the CLI."""

from __future__ import annotations

import math

NA = "n/a"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, digits: int = 1) -> str:
    """1234567 -> '1.2 M'; 98000 -> '98 k'; compact for cards and projectors."""
    if _missing(value):
        return NA
    sign = "-" if value < 0 else ""
    amount = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= limit:
            return f"{sign}{amount / limit:,.{digits if amount / limit < 100 else 0}f} {suffix}"
    return f"{sign}{amount:,.0f}"


def rate(value: float | None, digits: int = 1) -> str:
    return NA if _missing(value) else f"{value * 100:.{digits}f} %"


def score(value: float | None) -> str:
    return NA if _missing(value) else f"{value:+.0f}" if value else "0"


def count(value: float | None) -> str:
    return NA if _missing(value) else f"{value:,.0f}"


def value(kind: str, amount: float | None, rounded: bool = False) -> str:
    """Format by the unit a KPI declares: money, rate, score or count; rounded reads from the back of a room (112 %)."""
    if kind == "rate":
        return rate(amount, 0 if rounded else 1)
    return {"money": money, "score": score, "count": count}[kind](amount)


def change(kind: str, now: float | None, before: float | None, rounded: bool = False) -> str | None:
    """The change against the previous quarter, in the KPI's own terms (points for rates); rounded: whole numbers."""
    if _missing(now) or _missing(before):
        return None
    digits = 0 if rounded else 1
    if kind == "rate":
        points = (now - before) * 100
        return _signed(points, digits) + (" pt" if rounded and abs(round(points)) == 1 else " pts")
    if kind == "score":
        return f"{now - before:+.0f}"
    if kind == "count":
        return f"{now - before:+,.0f}"
    if before == 0:
        return None
    return _signed((now / before - 1) * 100, digits) + " %"


def _signed(amount: float, digits: int) -> str:
    """+1.2, -0.4; a change that rounds to nothing reads ±0, never -0."""
    return "±0" if round(amount, digits) == 0 else f"{amount:+.{digits}f}"


def sentence(text: str) -> str:
    """A lower-case clause as a sentence of its own: "no set is active" -> "No set is active."."""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
