"""One file's rows checked cell by cell and turned into typed, table-shaped values; every problem noted."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from lib.core.quarters import FIRST_ACCOUNT_YEAR, FIRST_YEAR, check_date, check_quarter, quarter_of
from lib.io.importer.formats import MAX_NUMBER, Problem, text_limits
from lib.io.importer.reading import ParsedFile
from lib.portfolio.data import WALLET_CONFIDENCES
from lib.relationships.vocabulary import CHANNELS, LEVELS, STAKEHOLDER_ROLES, STANCES

# Control characters have no place in a name or a note (a NUL even cut the text); tab and line breaks do.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ISO 8601 only: 03/04/2026 is 3 April in one country and 4 March in another. A time part (what a
# spreadsheet's date cell reads as) is allowed and ignored.
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


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


class _Checker:
    """Column-wise validation that collects problems and returns the cleaned values."""

    def __init__(self, parsed: ParsedFile, today: dt.date | None = None) -> None:
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

    def one_line(self, column: str) -> pd.Series:
        """Optional text with every run of white space, line breaks included, as one space (as the Relationships page saves it)."""
        values = self.optional_text(column)
        return values.map(lambda v: " ".join(v.split()) or None if isinstance(v, str) else None).astype(object)

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


def clean_file(parsed: ParsedFile, today: dt.date | None = None) -> pd.DataFrame:
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
        clean = _revenue(check, account)
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
        stance = check.choice("stance", STANCES)
        clean = pd.DataFrame(
            {
                "external_id": account,
                "name": check.required_text("name"),
                "title": check.optional_text("title"),
                "level": check.choice("level", LEVELS),
                "role": check.choice("role", STAKEHOLDER_ROLES),
                # Blank or "unknown" is stored one way, as nothing (lib.relationships.edit does the same).
                "stance": stance.where(stance != "unknown", None),
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
                "note": check.one_line("note"),
            }
        )
        check.duplicates(
            clean[["external_id", "stakeholder_name", "our_person", "date", "channel"]],
            "account_id, stakeholder, our_person, date, channel",
        )
    return clean


def _revenue(check: _Checker, account: pd.Series) -> pd.DataFrame:
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
            "wallet_confidence": check.choice("wallet_confidence", WALLET_CONFIDENCES),
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
