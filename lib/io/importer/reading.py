"""Reading a CSV or XLSX file into text cells, and telling its kind by its header."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from lib.core.csv_safe import restore
from lib.io.importer.formats import MAX_FILE_BYTES, MAX_FILE_MB, SPECS, Problem, detect_kind


@dataclass
class ParsedFile:
    name: str
    kind: str
    frame: pd.DataFrame  # the file's columns, as text, lower-cased names; row numbers in the index
    problems: list[Problem] = field(default_factory=list)


def read_table(name: str, content: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A CSV or XLSX file as a frame of text cells, or the problems that stop it from being read."""
    if len(content) > MAX_FILE_BYTES:
        return None, [Problem(name, None, None, f"file is {len(content) / 2**20:,.1f} MB; the limit is {MAX_FILE_MB} MB a file")]
    if not content.strip():
        return None, [Problem(name, None, None, "file is empty")]
    try:
        if name.lower().endswith((".xlsx", ".xlsm")):
            frame = pd.read_excel(io.BytesIO(content), dtype=str, keep_default_na=False, engine="openpyxl")
        elif name.lower().endswith(".xls"):
            return None, [Problem(name, None, None, "old .xls workbooks are not supported: save as .xlsx or CSV")]
        else:
            text = _decode(content)
            if text is None:
                return None, [Problem(name, None, None, "file is not UTF-8 text (wrong encoding?): save it as CSV UTF-8")]
            # The fast parser ends a cell at a NUL character without a word; the Python one keeps it to be reported.
            engine = "python" if "\x00" in text else "c"
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True, engine=engine)
    except (zipfile.BadZipFile, InvalidFileException):
        return None, [
            Problem(name, None, None, "not an .xlsx workbook (the file is damaged or of another kind): save it as .xlsx or CSV")
        ]
    except (ValueError, pd.errors.ParserError, KeyError, OSError, zipfile.LargeZipFile) as error:
        return None, [Problem(name, None, None, f"cannot read the file: {str(error).splitlines()[0]}")]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.loc[:, ~frame.columns.str.startswith("unnamed:")]
    twice = sorted(set(frame.columns[frame.columns.duplicated()]))
    if twice:
        return None, [Problem(name, 1, c, "the column appears more than once in the header") for c in twice]
    if frame.empty:
        return None, [Problem(name, None, None, "file has a header but no rows")]
    frame.index = np.arange(2, len(frame) + 2)
    # A Keystone download carries a quote before text a spreadsheet would run (lib.core.csv_safe): taken off again.
    return frame.apply(lambda column: column.fillna("").astype(str).str.strip().map(restore)), []


def _decode(content: bytes) -> str | None:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None  # UTF-16: decodable in theory, but never what the formats promise
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def parse_file(name: str, content: bytes) -> ParsedFile:
    frame, problems = read_table(name, content)
    if frame is None:
        return ParsedFile(name, "unknown", pd.DataFrame(), problems)
    kind = detect_kind(name, frame.columns)
    if kind is None:
        return ParsedFile(
            name,
            "unknown",
            frame,
            [
                Problem(
                    name,
                    1,
                    None,
                    "cannot tell the kind of file from its header: "
                    + ", ".join(frame.columns[:12])
                    + " (see the import formats)",
                )
            ],
        )
    spec = SPECS[kind]
    missing = [c for c in spec.required if c not in frame.columns]
    if kind == "revenue" and "quarter" not in frame.columns and "date" not in frame.columns:
        missing.append("quarter or date")
    if missing:
        return ParsedFile(name, kind, frame, [Problem(name, 1, c, "required column is missing") for c in missing])
    keep = [c for c in spec.required + spec.optional if c in frame.columns]
    return ParsedFile(name, kind, frame[keep].copy())
