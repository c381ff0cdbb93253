"""Every CSV Keystone writes goes through `to_csv`, which keeps spreadsheet formulas inert.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`), so such text gets a leading `'`, which makes
the spreadsheet show it as text (OWASP, "CSV Injection"). Text that already starts with quotes
before one of those characters gets one more, so `restore` (which the importer applies to every
cell) gives back exactly what was written: a download imported again is unchanged.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

GUARD = "'"
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")  # the text a guard is put before (and taken from)


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula, with a quote before it; anything else as it is."""
    if isinstance(value, str) and _FORMULA.match(value):
        return GUARD + value
    return value


def restore(value: str) -> str:
    """The text as it was before `neutralise`: one quote taken off, and only where neutralise put one."""
    if value.startswith(GUARD) and _FORMULA.match(value[1:]):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and every column name neutralised (numbers and dates as they are)."""
    safe = frame.rename(columns=lambda name: neutralise(name) if isinstance(name, str) else name)
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype | pd.CategoricalDtype):
            safe.isetitem(position, column.astype(object).map(neutralise))
    return safe


def to_csv(frame: pd.DataFrame, path: Path | None = None, **options: object) -> bytes:
    """The frame as UTF-8 CSV without its index (written to path as well, when given)."""
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=False, **options)
    content = buffer.getvalue().encode("utf-8")
    if path is not None:
        Path(path).write_bytes(content)
    return content
