"""The import formats of DESIGN.md: the kinds of file, their columns and keys, the limits, and what an import reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import String

from lib.core import models as models

# One limit, in Streamlit's megabytes of 1,048,576 bytes: server.maxUploadSize in .streamlit/config.toml
# is the same number, and Streamlit's uploader shows it as "50MB".
MAX_FILE_MB = 50
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_PROBLEMS_LISTED = 200
# Money and counts beyond ten trillion are typos; the limit keeps cents exact in a float and in a BIGINT.
MAX_NUMBER = 10_000_000_000_000

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
    def __init__(self, problems: list[Problem]) -> None:
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
        "stakeholders", ("account_id", "name"), ("title", "level", "role", "stance", "our_owner"), ("account_id", "name")
    ),
    "interactions": FileSpec(
        "interactions",
        ("account_id", "our_person", "date"),
        ("stakeholder", "channel", "note"),
        ("account_id", "stakeholder", "our_person", "date", "channel"),
    ),
}
# The order batches are written in: parents first.
WRITE_ORDER = ("accounts", "revenue", "competitor_spend", "surveys", "stakeholders", "interactions")
ACCOUNT_ONLY = {"segment", "industry", "region", "owner", "customer_since", "churned_on", "strategic_fit"}
STAKEHOLDER_ONLY = {"title", "level", "role", "stance", "our_owner"}
# Columns checked against a list or a format of their own rather than against the column's length.
FORMATTED = {"quarter", "date", "kind", "level", "role", "stance", "channel", "wallet_confidence"}
# The table each kind is written to, and its natural key in the table's columns.
WRITE_TARGETS = {
    "accounts": (models.Account.__table__, ("external_id",)),
    "revenue": (models.Revenue.__table__, ("account_id", "quarter")),
    "competitor_spend": (models.CompetitorSpend.__table__, ("account_id", "quarter", "competitor")),
    "surveys": (models.Survey.__table__, ("account_id", "date", "kind", "respondent")),
    "stakeholders": (models.Stakeholder.__table__, ("account_id", "name")),
    "interactions": (models.Interaction.__table__, ("account_id", "stakeholder_name", "our_person", "date", "channel")),
}


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


def text_limits(kind: str) -> dict[str, int]:
    """The longest text each column of a file of this kind may hold, from the models' String(n) columns."""
    table = WRITE_TARGETS[kind][0]
    limits = {"account_id": models.Account.__table__.c.external_id.type.length}
    spec = SPECS[kind]
    for column in spec.required + spec.optional:
        target = table.c.get({"stakeholder": "stakeholder_name"}.get(column, column))
        free_text = column not in FORMATTED and column != "account_id" and target is not None
        if free_text and isinstance(target.type, String) and target.type.length:
            limits[column] = target.type.length
    return limits
