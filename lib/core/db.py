"""Engine, sessions, schema migrations and the data versions that key every cache."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from lib.core.clock import utc_now as utc_now  # re-exported: writers import it from here
from lib.core.models import DataVersion, Setting

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Kinds of data with their own cache key: a note save must not reload the revenue matrix.
FACTS = "facts"  # accounts, revenue, wallets, competitor spend, surveys, stakeholders, interactions
NOTES = "notes"  # review notes, revisions, action items
CRITERIA = "criteria"  # key-account criteria sets
VERSION_NAMES = (FACTS, NOTES, CRITERIA)
DATABASE_ID = "database_id"  # the settings row naming this database (see database_id)
FACTS_STAMP = "facts_stamp"  # the settings row naming the facts written last (see facts_identity)


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend: SQLite gets WAL, foreign keys and a patient lock wait."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _tune_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _tune_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # The stdlib driver opens transactions lazily and lets SELECTs run outside them; take
    # control so that BEGIN IMMEDIATE can serialise writers (optimistic saves rely on it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get("write") else "BEGIN")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction for one user action: committed on success, rolled back on any error.

    On SQLite the transaction takes the write lock at its start, so two writers never
    interleave; on PostgreSQL the callers lock the rows they compare (SELECT ... FOR UPDATE).
    """
    with engine.connect() as connection:
        connection.info["write"] = True
        try:
            with Session(bind=connection) as session, session.begin():
                yield session
        finally:
            connection.info.pop("write", None)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe to call from every server)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several app servers may start at once: let one migrate, the others wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(727272)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if _database_id(connection) is None:
            connection.execute(insert(Setting).values(key=DATABASE_ID, value=uuid.uuid4().hex))
    with engine.begin() as connection:
        known = set(connection.scalars(select(DataVersion.name)))
        for name in VERSION_NAMES:
            if name not in known:
                connection.execute(insert(DataVersion).values(name=name, version=0))


def data_versions(engine: Engine) -> dict[str, int]:
    """Every version counter, read in one small query (done on every rerun)."""
    with engine.connect() as connection:
        return dict(connection.execute(select(DataVersion.name, DataVersion.version)).all())


def database_id(engine: Engine) -> str:
    """This database's own identity, made at its first migration ('' before that).

    Copies of its data kept outside it (array files, in-process caches) are keyed on it besides the
    address: a database deleted and recreated at the same address gets a new identity, so it never
    shows what was kept for the old one, whatever its version numbers.
    """
    with engine.connect() as connection:
        return _database_id(connection) or ""


def versions_and_identity(engine: Engine) -> tuple[dict[str, int], str]:
    """The data versions and the database identity, in one connection (read on every rerun)."""
    with engine.connect() as connection:
        found = dict(connection.execute(select(DataVersion.name, DataVersion.version)).all())
        return found, _database_id(connection) or ""


def facts_identity(engine: Engine) -> tuple[str, str]:
    """The database's identity and the stamp of the facts written last, whatever the URL that reaches it.

    What a copy of the facts kept outside the database (the array files of lib.io.snapshot) is named
    after: another spelling of the same database's address finds it, a database recreated at the same
    address (a new identity) or a copy that has been written to since (a new stamp) does not.
    """
    with engine.connect() as connection:
        stamp = connection.scalar(select(Setting.value).where(Setting.key == FACTS_STAMP))
        return _database_id(connection) or "", stamp or ""


def _database_id(connection: Connection) -> str | None:
    return connection.scalar(select(Setting.value).where(Setting.key == DATABASE_ID))


def bump_version(session: Session, name: str) -> None:
    session.execute(update(DataVersion).where(DataVersion.name == name).values(version=DataVersion.version + 1))
    if name == FACTS:
        # A new name for the new facts: copies of one database (a copied SQLite file, a restored dump) share
        # its identity and version numbers, not what they write afterwards. Written after the version row's
        # update, which serialises writers, so two of them never race to insert it.
        put_setting(session, FACTS_STAMP, uuid.uuid4().hex)


def get_setting(session: Session, key: str) -> str | None:
    return session.scalar(select(Setting.value).where(Setting.key == key))


def put_setting(session: Session, key: str, value: str) -> None:
    existing = session.get(Setting, key)
    if existing is None:
        session.add(Setting(key=key, value=value))
    else:
        existing.value = value


def mark_data_as_of(session: Session, when: dt.datetime) -> None:
    put_setting(session, "data_as_of", when.isoformat(timespec="seconds"))


def read_setting(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        return get_setting(session, key)


# --- what a person is told when the database cannot do what was asked ---------------------------

READ_ONLY = "The database is read-only: nothing can be saved until an administrator makes it writable."
NOT_ALLOWED = "Keystone is not allowed to write to the database: nothing was saved. Tell an administrator."
UNREACHABLE = "The database cannot be reached right now. Try again in a moment; if it lasts, tell an administrator."
BUSY = "The database is busy with another change: nothing was saved. Try again in a moment."
FULL = "The database's disk is full: nothing can be saved until an administrator frees space."
NO_TABLES = "The database does not hold Keystone's tables (was it replaced?). Restart Keystone to set it up."
REFUSED = "The database refused the request and nothing was changed. Tell an administrator if it happens again."


def database_problem(error: BaseException) -> str:
    """What is wrong with the database, in one sentence for the person who asked (no SQL, no traceback)."""
    reason = database_reason(error).lower()
    state = getattr(getattr(error, "orig", None), "sqlstate", None) or ""
    if state == "25006" or "readonly" in reason or "read-only" in reason:
        return READ_ONLY
    if state == "42501" or "permission denied" in reason:
        return NOT_ALLOWED
    if state == "42P01" or "no such table" in reason:
        return NO_TABLES
    if "locked" in reason or state in ("40001", "40P01", "55P03"):
        return BUSY
    if "full" in reason or state == "53100":
        return FULL
    if isinstance(error, OSError | OperationalError | InterfaceError) or state.startswith("08"):
        return UNREACHABLE
    return REFUSED


def database_reason(error: BaseException) -> str:
    """The driver's own first line ("attempt to write a readonly database"), without the SQL SQLAlchemy adds."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def unstorable(text: str) -> str | None:
    """Why this text cannot be stored, or None: PostgreSQL refuses NUL, and no database takes half a character."""
    if "\x00" in text:
        return "it holds a NUL character (\\0), which cannot be stored; remove it"
    if any("\ud800" <= char <= "\udfff" for char in text):
        return "it holds a broken character (half of a UTF-16 pair), which cannot be stored; remove it"
    return None
