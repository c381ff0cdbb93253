"""Quarters written `YYYYQn`, the arithmetic the KPIs need, and the window of plausible dates.

The window (1990 to the end of the year after next) keeps a typo such as `0000Q1` or `9999Q4`
out of the database: every quarter between the first and the last one with data becomes a column
of the portfolio arrays, so one such row would turn a few quarters into thousands.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from lib.core import clock as clock

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)
FIRST_YEAR = 1990  # the first year of facts (revenue, spend, surveys, interactions)
FIRST_ACCOUNT_YEAR = 1900  # customer_since may go back further: a key account can be decades old
YEARS_AHEAD = 2  # plans and wallet estimates may run until the end of the year after next


def parse_quarter(text: str) -> str:
    """Normalise '2026q3', '2026-Q3' or ' 2026Q3 ' to '2026Q3'; ValueError otherwise."""
    match = _QUARTER.match(str(text))
    if not match:
        raise ValueError(f"not a quarter (expected YYYYQn, e.g. 2026Q3): {text!r}")
    return f"{match.group(1)}Q{match.group(2)}"


def date_window(today: date | None = None, first_year: int = FIRST_YEAR) -> tuple[date, date]:
    """The first and last date Keystone accepts."""
    today = today or clock.today()
    return date(first_year, 1, 1), date(today.year + YEARS_AHEAD, 12, 31)


def quarter_window(today: date | None = None) -> tuple[str, str]:
    """The first and last quarter Keystone accepts."""
    first, last = date_window(today)
    return quarter_of(first), quarter_of(last)


def check_quarter(text: str, today: date | None = None) -> str:
    """parse_quarter, and a ValueError naming the window when the quarter lies outside it."""
    quarter = parse_quarter(text)
    first, last = quarter_window(today)
    if not first <= quarter <= last:  # same width, zero-padded: text order is time order
        raise ValueError(f"quarter {quarter} is outside {first}..{last}")
    return quarter


def check_date(day: date, today: date | None = None, first_year: int = FIRST_YEAR) -> date:
    """The date itself, or a ValueError naming the window when it lies outside it."""
    first, last = date_window(today, first_year)
    if not first <= day <= last:
        raise ValueError(f"date {day.isoformat()} is outside {first.isoformat()}..{last.isoformat()}")
    return day


def is_stored_quarter(value: object, today: date | None = None) -> bool:
    """Whether a stored value is a quarter as Keystone writes it (YYYYQn) and inside the window."""
    if not isinstance(value, str):
        return False
    try:
        return check_quarter(value, today) == value
    except ValueError:
        return False


def quarter_index(quarter: str) -> int:
    """A running number of the quarter: consecutive quarters differ by one."""
    normalised = parse_quarter(quarter)
    return int(normalised[:4]) * 4 + int(normalised[5]) - 1


def quarter_from_index(index: int) -> str:
    return f"{index // 4:04d}Q{index % 4 + 1}"


def shift_quarter(quarter: str, quarters: int) -> str:
    return quarter_from_index(quarter_index(quarter) + quarters)


def quarter_of(day: date) -> str:
    return f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"


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
