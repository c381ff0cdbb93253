"""CSV/XLSX imports in the formats of DESIGN.md: validate everything, then write all or nothing.

A batch of files is read and checked as a whole (a revenue file may name accounts that the
accounts file of the same batch adds). Any problem rejects the whole batch, each problem named
by file, row, column and reason, and the database stays exactly as it was. Re-importing the
same rows updates them: every kind has a natural key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Connection, Engine, String, Table, Text, select, tuple_
from sqlalchemy import column as system_column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from lib.core import models as models
from lib.core.auth import Actor, require_role
from lib.core.csv_safe import restore
from lib.core.db import FACTS, bump_version, mark_data_as_of, utc_now, write_session
from lib.core.quarters import FIRST_ACCOUNT_YEAR, FIRST_YEAR, check_date, check_quarter, quarter_of
from lib.core.roles import IMPORT_ROLES
from lib.relationships.vocabulary import CHANNELS, LEVELS, STAKEHOLDER_ROLES

# One limit, in Streamlit's megabytes of 1,048,576 bytes: server.maxUploadSize in .streamlit/config.toml
# is the same number, and Streamlit's uploader shows it as "50MB".
MAX_FILE_MB = 50
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_PROBLEMS_LISTED = 200
# Money and counts beyond ten trillion are typos; the limit keeps cents exact in a float and in a BIGINT.
MAX_NUMBER = 10_000_000_000_000
CHUNK_ROWS = 5_000

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # the row as a spreadsheet shows it: the header is row 1
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported")


@dataclass(frozen=True)
class FileSpec:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]  # natural key within the file, in file columns


SPECS = {
    "accounts": FileSpec(
        "accounts",
        ("account_id", "name"),
        ("segment", "industry", "region", "owner", "customer_since", "churned_on", "strategic_fit"),
        ("account_id",),
    ),
    "revenue": FileSpec(
        "revenue",
        ("account_id", "revenue"),
        ("quarter", "date", "wallet", "wallet_source", "wallet_confidence"),
        ("account_id", "quarter"),
    ),
    "competitor_spend": FileSpec(
        "competitor_spend", ("account_id", "quarter", "competitor", "spend"), (), ("account_id", "quarter", "competitor")
    ),
    "surveys": FileSpec(
        "surveys", ("account_id", "date", "kind", "score"), ("respondent",), ("account_id", "date", "kind", "respondent")
    ),
    "stakeholders": FileSpec(
        "stakeholders", ("account_id", "name"), ("title", "level", "role", "our_owner"), ("account_id", "name")
    ),
    "interactions": FileSpec(
        "interactions",
        ("account_id", "our_person", "date"),
        ("stakeholder", "channel"),
        ("account_id", "stakeholder", "our_person", "date", "channel"),
    ),
}
# The order batches are written in: parents first.
WRITE_ORDER = ("accounts", "revenue", "competitor_spend", "surveys", "stakeholders", "interactions")
ACCOUNT_ONLY = {"segment", "industry", "region", "owner", "customer_since", "churned_on", "strategic_fit"}
STAKEHOLDER_ONLY = {"title", "level", "role", "our_owner"}
CONFIDENCES = ("low", "medium", "high")
# ISO 8601 only: 03/04/2026 is 3 April in one country and 4 March in another. A time part (what a
# spreadsheet's date cell reads as) is allowed and ignored.
# Control characters have no place in a name or a note (a NUL even cut the text); tab and line breaks do.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Columns checked against a list or a format of their own rather than against the column's length.
_FORMATTED = {"quarter", "date", "kind", "level", "role", "channel", "wallet_confidence"}
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


@dataclass
class ParsedFile:
    name: str
    kind: str
    frame: pd.DataFrame  # the file's columns, as text, lower-cased names; row numbers in the index
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    rows: dict[str, int]  # kind -> rows written
    inserted: dict[str, int]
    updated: dict[str, int]
    files: list[tuple[str, str, int]]  # (file, kind, rows)
    warnings: list[Problem] = field(default_factory=list)  # written all the same, but worth a look

    def describe(self) -> str:
        parts = [f"{k}: {self.rows[k]:,} rows ({self.inserted[k]:,} new, {self.updated[k]:,} updated)" for k in self.rows]
        return "; ".join(parts)


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


def detect_kind(name: str, columns: Sequence[str]) -> str | None:
    """Tell the kind of a file by its header (the file name settles accounts vs stakeholders)."""
    present = set(columns)
    if {"competitor", "spend"} <= present:
        return "competitor_spend"
    if "revenue" in present:
        return "revenue"
    if {"kind", "score"} <= present:
        return "surveys"
    if "our_person" in present:
        return "interactions"
    if "name" in present:
        if present & STAKEHOLDER_ONLY and not present & ACCOUNT_ONLY:
            return "stakeholders"
        if present & ACCOUNT_ONLY:
            return "accounts"
        return "stakeholders" if "stakeholder" in name.lower() else "accounts"
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


@dataclass(frozen=True)
class _Refused:
    """A cell's value that could not be read, and why."""

    reason: str


def _iso_date(text: str, today: dt.date | None, first_year: int) -> dt.date:
    match = _ISO_DATE.match(text)
    if not match:
        raise ValueError(f"not a date (use YYYY-MM-DD, e.g. 2026-03-31): {text!r}")
    try:
        day = dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(f"no such date: {text!r}") from None
    return check_date(day, today, first_year)


def _control_reason(value: str) -> str:
    position = next(i for i, c in enumerate(value) if _CONTROL.match(c))
    return f"contains the control character U+{ord(value[position]):04X} at character {position + 1}: remove it"


def text_limits(kind: str) -> dict[str, int]:
    """The longest text each column of a file of this kind may hold, from the models' String(n) columns."""
    table = WRITE_TARGETS[kind][0]
    limits = {"account_id": models.Account.__table__.c.external_id.type.length}
    spec = SPECS[kind]
    for column in spec.required + spec.optional:
        target = table.c.get({"stakeholder": "stakeholder_name"}.get(column, column))
        free_text = column not in _FORMATTED and column != "account_id" and target is not None
        if free_text and isinstance(target.type, String) and target.type.length:
            limits[column] = target.type.length
    return limits


class _Checker:
    """Column-wise validation that collects problems and returns the cleaned values."""

    def __init__(self, parsed: ParsedFile, today: dt.date | None = None):
        self.parsed = parsed
        self.frame = parsed.frame
        self.today = today

    def flag(self, bad: pd.Series, column: str, reason: Callable[[str], str]) -> None:
        bad = bad.fillna(False).astype(bool)
        if not bad.any():
            return
        for row, value in self.frame.loc[bad[bad].index, column].items():
            self.parsed.problems.append(Problem(self.parsed.name, int(row), column, reason(value)))

    def required_text(self, column: str) -> pd.Series:
        values = self.frame[column]
        self.flag(values == "", column, lambda _v: "value is missing")
        return values

    def optional_text(self, column: str) -> pd.Series:
        if column not in self.frame.columns:
            return pd.Series(None, index=self.frame.index, dtype=object)
        values = self.frame[column]
        return values.where(values != "", None)

    def number(self, column: str, required: bool, minimum: float | None = 0.0) -> pd.Series:
        if column not in self.frame.columns:
            return pd.Series(np.nan, index=self.frame.index)
        text = self.frame[column].str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
        values = pd.to_numeric(text, errors="coerce")
        empty = text == ""
        self.flag(values.isna() & ~empty, column, lambda v: f"text where a number belongs: {v!r}")
        if required:
            self.flag(empty, column, lambda _v: "value is missing")
        infinite = values.notna() & ~np.isfinite(values)
        self.flag(infinite, column, lambda v: f"not a finite number: {v!r}")
        huge = ~infinite & (values.abs() > MAX_NUMBER)
        self.flag(huge, column, lambda v: f"must be between -{MAX_NUMBER:,} and {MAX_NUMBER:,}: {v}")
        values = values.where(~infinite & ~huge)
        if minimum is not None:
            self.flag(values < minimum, column, lambda v: f"must not be below {minimum:g}: {v}")
        return values

    def text_cells(self, limits: dict[str, int]) -> None:
        """Every cell without control characters, and every text no longer than its database column holds."""
        for column in self.frame.columns:
            cells = self.frame[column]
            self.flag(cells.str.contains(_CONTROL), column, _control_reason)
            if column in limits:
                limit = limits[column]
                self.flag(
                    cells.str.len() > limit, column, lambda v, n=limit: f"text is {len(v):,} characters long; at most {n} fit"
                )

    def convert(self, column: str, required: bool, parse: Callable[[str], object]) -> pd.Series:
        """Each filled cell through parse (once per distinct value); a ValueError's message is the cell's problem."""
        text = self.frame[column]
        results: dict[str, object] = {}
        for value in text.unique():
            if value != "":
                try:
                    results[value] = parse(value)
                except ValueError as error:
                    results[value] = _Refused(str(error))
        values = text.map(lambda v: results.get(v))
        refused = values.map(lambda v: isinstance(v, _Refused))
        self.flag(refused, column, lambda v: results[v].reason)
        if required:
            self.flag(text == "", column, lambda _v: "value is missing")
        return values.where(~refused, None).astype(object)

    def date(self, column: str, required: bool, first_year: int = FIRST_YEAR) -> pd.Series:
        if column not in self.frame.columns:
            return pd.Series(None, index=self.frame.index, dtype=object)
        return self.convert(column, required, partial(_iso_date, today=self.today, first_year=first_year))

    def choice(self, column: str, allowed: Sequence[str]) -> pd.Series:
        values = self.optional_text(column)
        lookup = {a.lower(): a for a in allowed}
        normalised = values.map(lambda v: lookup.get(v.lower(), "\x00") if isinstance(v, str) else None)
        self.flag(normalised == "\x00", column, lambda v: f"{v!r} is not one of: {', '.join(allowed)}")
        return normalised.where(normalised != "\x00", None)

    def quarter(self, column: str) -> pd.Series:
        return self.convert(column, True, partial(check_quarter, today=self.today))

    def duplicates(self, key: pd.DataFrame, label: str) -> None:
        dup = key.duplicated(keep="first") & key.notna().all(axis=1)
        for row in key.index[dup]:
            first = key.index[(key == key.loc[row]).all(axis=1)][0]
            self.parsed.problems.append(
                Problem(self.parsed.name, int(row), label, f"duplicate key {tuple(key.loc[row])!r}: first seen on row {first}")
            )


def _clean(parsed: ParsedFile, today: dt.date | None = None) -> pd.DataFrame:
    """The file's rows as typed, table-shaped values (with external account ids); problems noted."""
    check = _Checker(parsed, today)
    check.text_cells(text_limits(parsed.kind))
    account = check.required_text("account_id")
    if parsed.kind == "accounts":
        fit = check.number("strategic_fit", required=False, minimum=1)
        check.flag(fit > 5, "strategic_fit", lambda v: f"must be between 1 and 5: {v}")
        clean = pd.DataFrame(
            {
                "external_id": account,
                "name": check.required_text("name"),
                "segment": check.optional_text("segment"),
                "industry": check.optional_text("industry"),
                "region": check.optional_text("region"),
                "owner": check.optional_text("owner"),
                "customer_since": check.date("customer_since", False, FIRST_ACCOUNT_YEAR),
                "churned_on": check.date("churned_on", False, FIRST_ACCOUNT_YEAR),
                "strategic_fit": fit.round().astype("Int64"),
            }
        )
        check.duplicates(clean[["external_id"]], "account_id")
    elif parsed.kind == "revenue":
        clean = _clean_revenue(check, account)
    elif parsed.kind == "competitor_spend":
        clean = pd.DataFrame(
            {
                "external_id": account,
                "quarter": check.quarter("quarter"),
                "competitor": check.required_text("competitor"),
                "spend_cents": _cents(check.number("spend", required=True)),
            }
        )
        check.duplicates(clean[["external_id", "quarter", "competitor"]], "account_id, quarter, competitor")
    elif parsed.kind == "surveys":
        kind = check.choice("kind", ("NPS", "CSAT"))
        check.flag(check.frame["kind"] == "", "kind", lambda _v: "value is missing")
        score = check.number("score", required=True, minimum=None)
        high = np.where(kind == "NPS", 10, 5)
        low = np.where(kind == "NPS", 0, 1)
        out_of_range = kind.notna() & score.notna() & ((score < low) | (score > high) | (score != score.round()))
        check.flag(out_of_range, "score", lambda v: f"score out of range (NPS 0-10, CSAT 1-5, whole numbers): {v}")
        day = check.date("date", True)
        clean = pd.DataFrame(
            {
                "external_id": account,
                "date": day,
                "quarter": day.map(lambda d: None if d is None else quarter_of(d)),
                "kind": kind,
                "score": score.round().astype("Int64"),
                "respondent": check.optional_text("respondent").fillna(""),
            }
        )
        check.duplicates(clean[["external_id", "date", "kind", "respondent"]], "account_id, date, kind, respondent")
    elif parsed.kind == "stakeholders":
        clean = pd.DataFrame(
            {
                "external_id": account,
                "name": check.required_text("name"),
                "title": check.optional_text("title"),
                "level": check.choice("level", LEVELS),
                "role": check.choice("role", STAKEHOLDER_ROLES),
                "our_owner": check.optional_text("our_owner"),
            }
        )
        check.duplicates(clean[["external_id", "name"]], "account_id, name")
    else:
        clean = pd.DataFrame(
            {
                "external_id": account,
                "stakeholder_name": check.optional_text("stakeholder").fillna(""),
                "our_person": check.required_text("our_person"),
                "date": check.date("date", True),
                "channel": check.choice("channel", CHANNELS).fillna(""),
            }
        )
        check.duplicates(
            clean[["external_id", "stakeholder_name", "our_person", "date", "channel"]],
            "account_id, stakeholder, our_person, date, channel",
        )
    return clean


def _clean_revenue(check: _Checker, account: pd.Series) -> pd.DataFrame:
    revenue = check.number("revenue", required=True)
    wallet = check.number("wallet", required=False)
    if "quarter" in check.frame.columns:
        quarter = check.quarter("quarter")
    else:
        quarter = check.date("date", True).map(lambda d: None if d is None else quarter_of(d))
    clean = pd.DataFrame(
        {
            "external_id": account,
            "quarter": quarter,
            "revenue": revenue,
            "wallet": wallet,
            "wallet_source": check.optional_text("wallet_source"),
            "wallet_confidence": check.choice("wallet_confidence", CONFIDENCES),
        }
    )
    if "quarter" in check.frame.columns:
        check.duplicates(clean[["external_id", "quarter"]], "account_id, quarter")
    else:
        # Rows with a date are summed into their quarter; the wallet is a quarterly estimate, so the
        # largest one given for the quarter stands.
        clean = (
            clean.assign(first_row=clean.index)
            .groupby(["external_id", "quarter"], as_index=False, sort=False)
            .agg(
                revenue=("revenue", "sum"),
                wallet=("wallet", "max"),
                first_row=("first_row", "min"),
                wallet_source=("wallet_source", "last"),
                wallet_confidence=("wallet_confidence", "last"),
            )
        )
        clean.index = clean.pop("first_row").to_numpy()
        for row in clean.index[clean["revenue"].abs() > MAX_NUMBER]:
            check.parsed.problems.append(
                Problem(check.parsed.name, int(row), "revenue", f"the quarter's rows add up to more than {MAX_NUMBER:,}")
            )
        clean["revenue"] = clean["revenue"].where(clean["revenue"].abs() <= MAX_NUMBER)
    clean["revenue_cents"] = _cents(clean.pop("revenue"))
    clean["wallet_cents"] = _cents(clean.pop("wallet"))
    return clean


def _cents(values: pd.Series) -> pd.Series:
    return (values * 100).round().astype("Int64")


def validate(
    files: Sequence[tuple[str, bytes]],
    known_accounts: set[str],
    known_stakeholders: set[tuple[str, str]],
    today: dt.date | None = None,
) -> tuple[dict[str, list[pd.DataFrame]], list[tuple[str, str, int]], list[Problem]]:
    """Check a batch of files against each other and the database; return clean frames or problems.

    Quarters and dates must lie in the window of lib.core.quarters around `today` (default: lib.core.clock)."""
    parsed = [parse_file(name, content) for name, content in files]
    cleaned: dict[str, list[pd.DataFrame]] = {}
    listing: list[tuple[str, str, int]] = []
    for item in parsed:
        if item.problems:
            continue
        frame = _clean(item, today)
        frame["_file"], frame["_row"] = item.name, frame.index
        cleaned.setdefault(item.kind, []).append(frame)
        listing.append((item.name, item.kind, len(frame)))
    problems = [p for item in parsed for p in item.problems]
    batch_accounts = set().union(*(set(f["external_id"]) for f in cleaned.get("accounts", [])))
    accounts = known_accounts | batch_accounts
    problems += _ids_in_another_spelling(cleaned.get("accounts", []), known_accounts)
    spelled = _by_folded_id(accounts)
    batch_people = {(a, n) for f in cleaned.get("stakeholders", []) for a, n in zip(f["external_id"], f["name"])}
    people = known_stakeholders | batch_people
    for kind, frames in cleaned.items():
        for frame in frames:
            if kind != "accounts":
                unknown = frame["external_id"].notna() & (frame["external_id"] != "") & ~frame["external_id"].isin(accounts)
                problems += [
                    Problem(f, int(r), "account_id", unknown_account(a, spelled.get(_folded_id(a))))
                    for f, r, a in frame.loc[unknown, ["_file", "_row", "external_id"]].itertuples(index=False)
                ]
            if kind == "interactions":
                named = frame["stakeholder_name"] != ""
                pairs = pd.Series(list(zip(frame["external_id"], frame["stakeholder_name"])), index=frame.index)
                unknown_person = named & ~pairs.isin(people)
                problems += [
                    Problem(f, int(r), "stakeholder", f"unknown stakeholder {n!r} for account {a!r}")
                    for f, r, a, n in frame.loc[unknown_person, ["_file", "_row", "external_id", "stakeholder_name"]].itertuples(
                        index=False
                    )
                ]
    for kind, frames in cleaned.items():
        if len(frames) > 1:
            _cross_file_duplicates(kind, frames, problems)
    problems.sort(key=lambda p: (p.file, p.row or 0, p.column or ""))
    return cleaned, listing, problems


ACCOUNTS_FIRST = "accounts come first: import the accounts file before this one, or in the same batch"


def unknown_account(account_id: str, other_spelling: str | None) -> str:
    """Why a row naming an account that does not exist is refused, and what to do about it."""
    reason = f"unknown account {account_id!r}: no account has this id in the database or in an accounts file of this batch"
    if other_spelling:
        return f"{reason} (did you mean {other_spelling!r}?)"
    return f"{reason}; {ACCOUNTS_FIRST}"


def _folded_id(account_id: str) -> str:
    return re.sub(r"\s+", "", account_id.casefold())


def _folded_label(label: str) -> str:
    return re.sub(r"[\s_-]+", "", label.casefold())


def _by_folded_id(ids: set[str]) -> dict[str, str]:
    return {_folded_id(i): i for i in sorted(ids, reverse=True)}  # the first spelling in order wins


def _ids_in_another_spelling(frames: list[pd.DataFrame], known: set[str]) -> list[Problem]:
    """New account ids that differ from another id only in case or spacing: refused, since they would
    make a second account of what is almost always the same one (ACC-000001 and acc-000001)."""
    problems = []
    seen = _by_folded_id(known)
    where: dict[str, tuple[str, int]] = {}
    for frame in frames:
        for file, row, account_id in frame[["_file", "_row", "external_id"]].itertuples(index=False):
            if not isinstance(account_id, str) or not account_id or account_id in known:
                continue
            other = seen.setdefault(_folded_id(account_id), account_id)
            where.setdefault(account_id, (file, int(row)))
            if other != account_id:
                origin = "an account in the database" if other in known else "file {}, row {}".format(*where[other])
                problems.append(
                    Problem(
                        file,
                        int(row),
                        "account_id",
                        f"account id {account_id!r} differs only in case or spacing from {other!r} ({origin}): "
                        "write it the same way, or it becomes a second account",
                    )
                )
    return problems


LABEL_COLUMNS = ("segment", "region", "owner")


def label_warnings(frames: list[pd.DataFrame], known: dict[str, set[str]]) -> list[Problem]:
    """Segments, regions and owners of the accounts files that differ from one another, or from those in
    the database, only in case or spacing: imported as given (they are labels, not keys), but each
    spelling is a group of its own in every filter and chart, so the admin hears of it."""
    warnings = []
    for column in LABEL_COLUMNS:
        spellings: dict[str, dict[str, tuple[str, int] | None]] = {}
        for label in sorted(known.get(column, set())):
            spellings.setdefault(_folded_label(label), {})[label] = None
        for frame in frames:
            for file, row, label in frame[["_file", "_row", column]].itertuples(index=False):
                if isinstance(label, str) and label:
                    spellings.setdefault(_folded_label(label), {}).setdefault(label, (file, int(row)))
        for variants in spellings.values():
            if len(variants) < 2 or all(origin is None for origin in variants.values()):
                continue
            for label, origin in variants.items():
                if origin is None:
                    continue
                others = ", ".join(repr(v) for v in variants if v != label)
                warnings.append(
                    Problem(
                        origin[0],
                        origin[1],
                        column,
                        f"{column} {label!r} differs only in case or spacing from {others}: they are counted as different {column}s",
                    )
                )
    return warnings


def _cross_file_duplicates(kind: str, frames: list[pd.DataFrame], problems: list[Problem]) -> None:
    key = {
        "accounts": ["external_id"],
        "revenue": ["external_id", "quarter"],
        "competitor_spend": ["external_id", "quarter", "competitor"],
        "surveys": ["external_id", "date", "kind", "respondent"],
        "stakeholders": ["external_id", "name"],
        "interactions": ["external_id", "stakeholder_name", "our_person", "date", "channel"],
    }[kind]
    combined = pd.concat(frames, ignore_index=True)
    dup = combined.duplicated(key, keep="first")
    for f, r in combined.loc[dup, ["_file", "_row"]].itertuples(index=False):
        problems.append(Problem(f, int(r), ", ".join(key), "duplicate key: the same row is in another file of this import"))


def import_files(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    actor: Actor,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportSummary:
    """Validate and load a batch of files, all or nothing. Raises ImportRejected listing every problem."""
    require_role(actor, *IMPORT_ROLES)
    report = progress or (lambda _f, _m: None)
    if not files:
        raise ImportRejected([Problem("(no file)", None, None, "choose at least one file")])
    report(0.02, "Reading and checking the files")
    with engine.connect() as connection:
        known_accounts = set(connection.scalars(select(models.Account.external_id)))
        known_people = {
            (a, n)
            for a, n in connection.execute(
                select(models.Account.external_id, models.Stakeholder.name).join(
                    models.Account, models.Account.id == models.Stakeholder.account_id
                )
            )
        }
        known_labels = {
            column: set(
                connection.scalars(
                    select(models.Account.__table__.c[column]).distinct().where(models.Account.__table__.c[column].is_not(None))
                )
            )
            for column in LABEL_COLUMNS
        }
    cleaned, listing, problems = validate(files, known_accounts, known_people, today)
    names = [name for name, _content in files]
    if problems:
        log_rejection(engine, actor, names, problems)
        raise ImportRejected(problems)
    warnings = label_warnings(cleaned.get("accounts", []), known_labels)
    try:
        summary = _write_batch(engine, cleaned, listing, actor, report)
    except SQLAlchemyError as error:
        # Validation leaves little for the database to refuse; whatever it is, it is said without SQL.
        cause = type(getattr(error, "orig", None) or error).__name__
        refused = [Problem("(database)", None, None, f"the database refused the rows ({cause}); nothing was written: try again")]
        log_rejection(engine, actor, names, refused)
        raise ImportRejected(refused) from error
    report(1.0, "Done")
    return replace(summary, warnings=warnings)


REJECTED = "import rejected"  # the audit action of an import that wrote nothing
PROBLEMS_LOGGED = 5


def log_rejection(engine: Engine, actor: Actor, file_names: Sequence[str], problems: Sequence[Problem]) -> None:
    """Put a rejected import in the import log (who, when, the files, the problems) in a transaction of its own.

    The data stays untouched. A database that cannot take even this row (read-only, gone) already
    rejected the import; the person is told the problems all the same.
    """
    shown = "; ".join(str(p) for p in problems[:PROBLEMS_LOGGED])
    more = f"; and {len(problems) - PROBLEMS_LOGGED} more" if len(problems) > PROBLEMS_LOGGED else ""
    entry = models.AuditLog(
        at=utc_now(),
        user=actor.username,
        action=REJECTED,
        entity=fit_entity(", ".join(file_names)),
        detail=f"{len(problems)} problem(s), nothing was written: {shown}{more}",
    )
    with contextlib.suppress(SQLAlchemyError), write_session(engine) as session:
        session.add(entry)


def fit_entity(text: str) -> str:
    """Text cut to the audit log's entity column, so long file names never fail an import (PostgreSQL checks lengths)."""
    width = models.AuditLog.__table__.c.entity.type.length
    return text if len(text) <= width else text[: width - 1] + "…"


def _write_batch(
    engine: Engine, cleaned: dict[str, list[pd.DataFrame]], listing: list[tuple[str, str, int]], actor: Actor, report: Progress
) -> ImportSummary:
    """Write the checked frames in one transaction, with the data version, data-as-of and the audit entry."""
    total = sum(len(f) for frames in cleaned.values() for f in frames)
    done = 0
    rows: dict[str, int] = {}
    inserted: dict[str, int] = {}
    with write_session(engine) as session:
        connection = session.connection()
        for kind in WRITE_ORDER:
            for frame in cleaned.get(kind, []):
                tick = partial(_report_rows, report, done, total, f"Writing {kind}")
                new, old = _write_kind(connection, kind, frame, tick)
                rows[kind] = rows.get(kind, 0) + new + old
                inserted[kind] = inserted.get(kind, 0) + new
                done += len(frame)
        bump_version(session, FACTS)
        now = utc_now()
        mark_data_as_of(session, now)
        summary = ImportSummary(rows, inserted, {k: rows[k] - inserted[k] for k in rows}, listing)
        session.add(
            models.AuditLog(
                at=now,
                user=actor.username,
                action="import",
                entity=fit_entity(", ".join(name for name, _k, _n in listing)),
                detail=summary.describe(),
            )
        )
    return summary


def _report_rows(report: Progress, done_before: int, total: int, message: str, written: int) -> None:
    report(0.1 + 0.85 * (done_before + written) / total, message)


def _account_ids(connection: Connection, external_ids: Sequence[str]) -> dict[str, int]:
    wanted = list(set(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        found.update(
            dict(
                connection.execute(
                    select(models.Account.external_id, models.Account.id).where(models.Account.external_id.in_(chunk))
                ).all()
            )
        )
    return found


WRITE_TARGETS = {
    "accounts": (models.Account.__table__, ("external_id",)),
    "revenue": (models.Revenue.__table__, ("account_id", "quarter")),
    "competitor_spend": (models.CompetitorSpend.__table__, ("account_id", "quarter", "competitor")),
    "surveys": (models.Survey.__table__, ("account_id", "date", "kind", "respondent")),
    "stakeholders": (models.Stakeholder.__table__, ("account_id", "name")),
    "interactions": (models.Interaction.__table__, ("account_id", "stakeholder_name", "our_person", "date", "channel")),
}


def _write_kind(connection: Connection, kind: str, frame: pd.DataFrame, tick: Callable[[int], None]) -> tuple[int, int]:
    """Upsert the rows of one file; returns (inserted, updated)."""
    table, key = WRITE_TARGETS[kind]
    frame = frame.drop(columns=["_file", "_row"])
    if kind != "accounts":
        ids = _account_ids(connection, frame["external_id"].tolist())
        frame = frame.assign(account_id=frame.pop("external_id").map(ids))
    if kind == "interactions":
        frame["stakeholder_id"] = _stakeholder_ids(connection, frame)
    # Optional columns that the file did not carry keep their stored values.
    present = [c for c in frame.columns if c in key or (c in table.c and not frame[c].isna().all())]
    frame = frame[[c for c in frame.columns if c in table.c]]
    # One order of keys for every writer, so two imports of the same rows wait for each other, never deadlock.
    records = sorted(_records(frame), key=lambda r: tuple(str(r[k]) for k in key))
    postgres = connection.dialect.name == "postgresql"
    # SQLite: the transaction holds the write lock since BEGIN IMMEDIATE, so a count now stays true.
    # PostgreSQL: another import may be writing the same keys; each upserted row says itself whether it is new.
    existing = 0 if postgres else _existing_keys(connection, table, key, frame)
    inserted = 0
    for start in range(0, len(records), CHUNK_ROWS):
        inserted += _upsert(connection, table, key, records[start : start + CHUNK_ROWS], [c for c in present if c not in key])
        tick(min(start + CHUNK_ROWS, len(records)))
    if postgres:
        return inserted, len(records) - inserted
    return len(records) - existing, existing


def _records(frame: pd.DataFrame) -> list[dict]:
    cleaned = frame.astype(object).where(frame.notna(), None)
    return cleaned.to_dict("records")


def _existing_keys(connection: Connection, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> int:
    keys = list(dict.fromkeys(zip(*(frame[k].tolist() for k in key))))
    count = 0
    columns = [table.c[k] for k in key]
    for start in range(0, len(keys), 2_000):
        chunk = keys[start : start + 2_000]
        if len(key) == 1:
            condition = columns[0].in_([k[0] for k in chunk])
        else:
            condition = tuple_(*columns).in_(chunk)
        count += len(connection.execute(select(*columns).where(condition)).all())
    return count


def _stakeholder_ids(connection: Connection, frame: pd.DataFrame) -> pd.Series:
    accounts = frame["account_id"].dropna().unique().tolist()
    lookup: dict[tuple[int, str], int] = {}
    for start in range(0, len(accounts), 10_000):
        rows = connection.execute(
            select(models.Stakeholder.account_id, models.Stakeholder.name, models.Stakeholder.id).where(
                models.Stakeholder.account_id.in_(accounts[start : start + 10_000])
            )
        )
        lookup.update({(a, n): i for a, n, i in rows})
    return pd.Series(
        [lookup.get((a, n)) for a, n in zip(frame["account_id"], frame["stakeholder_name"])], index=frame.index, dtype=object
    )


def _upsert(connection: Connection, table: Table, key: tuple[str, ...], records: list[dict], update_columns: list[str]) -> int:
    """Insert or update the records; on PostgreSQL returns how many were inserted (0 elsewhere)."""
    postgres = connection.dialect.name == "postgresql"
    statement = (pg_insert if postgres else sqlite_insert)(table)
    if update_columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: statement.excluded[c] for c in update_columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))  # returns only the rows it inserts
    if not postgres:
        connection.execute(statement, records)
        return 0
    # A row this statement inserted has no deleting or locking transaction yet: xmax is 0.
    new = statement.returning((system_column("xmax").cast(Text) == "0").label("inserted"))
    return sum(1 for (inserted,) in connection.execute(new, records) if inserted)
