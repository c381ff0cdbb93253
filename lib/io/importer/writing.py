"""Writing a checked batch: one transaction, upserts by natural key, the data version, data-as-of and the audit entry."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd
from sqlalchemy import Connection, Engine, Table, Text, select, tuple_
from sqlalchemy import column as system_column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from lib.core import models as models
from lib.core.auth import Actor
from lib.core.db import FACTS, bump_version, mark_data_as_of, utc_now, write_session
from lib.io.importer.formats import WRITE_ORDER, WRITE_TARGETS, ImportSummary, Problem, Progress

CHUNK_ROWS = 5_000


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


def write_batch(
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
