"""Loading the demo portfolio: replace what the database holds, in the caller's transaction or one of its own."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.orm import Session

from lib.core import clock as clock
from lib.core import models as models
from lib.core.db import CRITERIA, FACTS, NOTES, bump_version, mark_data_as_of, utc_now, write_session
from lib.io.bulk import insert_frame, reset_id_sequences
from lib.io.demo.build import DemoSpec, build_demo_frames
from lib.io.demo.criteria_and_users import criteria_sets, demo_users


@dataclass(frozen=True)
class DemoSummary:
    accounts: int
    quarters: list[str]
    rows: dict[str, int]
    seconds: float


# Children before parents, so deletes never trip a foreign key.
WIPE_ORDER = (
    models.ReviewNoteRevision,
    models.ReviewNote,
    models.ActionItem,
    models.Interaction,
    models.Stakeholder,
    models.Survey,
    models.CompetitorSpend,
    models.Revenue,
    models.Account,
    models.CriteriaSetRow,
)


def load_demo(engine: Engine, spec: DemoSpec, today: dt.date | None = None) -> DemoSummary:
    """Replace the portfolio with a demo one, in one transaction (the old data stays on failure)."""
    started = time.perf_counter()
    with write_session(engine) as session:
        quarters, rows = fill_demo(session, spec, today)
    return DemoSummary(spec.accounts, quarters, rows, time.perf_counter() - started)


def fill_demo(session: Session, spec: DemoSpec, today: dt.date | None = None) -> tuple[list[str], dict[str, int]]:
    """Write the demo portfolio inside the caller's transaction; returns its quarters and row counts."""
    today = today or clock.today()
    frames = build_demo_frames(spec, today)
    now = utc_now()
    frames["criteria_sets"] = criteria_sets(spec.last_quarter(today), now)
    rows: dict[str, int] = {}
    connection = session.connection()
    _wipe(connection)
    session.execute(delete(models.User).where(models.User.is_demo.is_(True)))
    existing = set(session.scalars(select(models.User.username)))
    users = demo_users()
    insert_frame(connection, models.User.__table__, users[~users["username"].isin(existing)])
    for name, frame in frames.items():
        rows[name] = insert_frame(connection, models.Base.metadata.tables[name], frame)
    reset_id_sequences(connection, [m.__table__ for m in WIPE_ORDER] + [models.User.__table__])
    for version in (FACTS, NOTES, CRITERIA):
        bump_version(session, version)
    mark_data_as_of(session, now)
    session.add(
        models.AuditLog(
            at=now,
            user="system",
            action="demo",
            entity="portfolio",
            detail=f"demo portfolio: {spec.accounts} accounts, {spec.quarters} quarters, seed {spec.seed}",
        )
    )
    return sorted(frames["revenue"]["quarter"].unique().tolist()), rows


def _wipe(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        from psycopg import sql

        # SQLAlchemy has no TRUNCATE: psycopg composes it, with lib.core.models' table names as quoted identifiers,
        # and SQLAlchemy runs it (so a refusal is a SQLAlchemyError, told in a sentence like any other).
        tables = sql.SQL(", ").join(sql.Identifier(m.__tablename__) for m in WIPE_ORDER)
        statement = sql.SQL("TRUNCATE {tables} RESTART IDENTITY CASCADE").format(tables=tables)
        connection.exec_driver_sql(statement.as_string(connection.connection.driver_connection))
        return
    for model in WIPE_ORDER:
        connection.execute(delete(model.__table__))
