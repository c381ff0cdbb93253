"""Quarters written `YYYYQn`, and the arithmetic the KPIs need."""

from __future__ import annotations

import re
from datetime import date, timedelta

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def parse_quarter(text: str) -> str:
    """Normalise '2026q3', '2026-Q3' or ' 2026Q3 ' to '2026Q3'; ValueError otherwise."""
    match = _QUARTER.match(str(text))
    if not match:
        raise ValueError(f"not a quarter (expected YYYYQn, e.g. 2026Q3): {text!r}")
    return f"{match.group(1)}Q{match.group(2)}"


def quarter_index(quarter: str) -> int:
    """A running number of the quarter: consecutive quarters differ by one."""
    normalised = parse_quarter(quarter)
    return int(normalised[:4]) * 4 + int(normalised[5]) - 1


def quarter_from_index(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


def shift_quarter(quarter: str, quarters: int) -> str:
    return quarter_from_index(quarter_index(quarter) + quarters)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(quarter: str) -> date:
    index = quarter_index(quarter)
    return date(index // 4, (index % 4) * 3 + 1, 1)


def quarter_end(quarter: str) -> date:
    return quarter_start(shift_quarter(quarter, 1)) - timedelta(days=1)


def last_completed_quarter(today: date) -> str:
    return shift_quarter(quarter_of(today), -1)


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from first to last, both included."""
    return [quarter_from_index(i) for i in range(quarter_index(first), quarter_index(last) + 1)]
