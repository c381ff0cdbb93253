"""A batch of files checked against each other and the database: unknown accounts and stakeholders,
ids in another spelling, keys repeated across files, labels that differ only in case."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from lib.io.importer.cells import clean_file
from lib.io.importer.formats import Problem
from lib.io.importer.reading import parse_file


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
        frame = clean_file(item, today)
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
