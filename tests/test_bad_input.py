"""Bad input and a failing database get a clear message, and the database stays as it was (both backends).

Read-only is a SQLite file opened read-only, or a PostgreSQL session whose transactions are read-only;
unreachable is a folder where the SQLite file should be, or a PostgreSQL port nobody listens on.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lib.core.auth import Actor
from lib.core.db import READ_ONLY, UNREACHABLE, database_problem, make_engine, migrate
from lib.core.models import ActionItem, AuditLog, ReviewNote, ReviewNoteRevision
from lib.notes import action_items as items
from lib.notes.notes import get_note, save_note
from tests.conftest import ROOT

EDITOR = Actor("editor", "editor")


@contextmanager
def read_only(url: str) -> Iterator[str]:
    """The database at url opened read-only: a SQLite file in mode=ro, or a PostgreSQL login whose transactions
    are read-only by default (a role of its own, allowed everything else, dropped afterwards)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        yield f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
        return
    schema = parsed.query["options"].split("search_path=", 1)[1]
    role = f"ro_{schema}"
    admin = create_engine(parsed.difference_update_query(["options"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in (
            f"CREATE ROLE {role} LOGIN",
            f"ALTER ROLE {role} SET default_transaction_read_only = on",
            f"GRANT ALL ON SCHEMA {schema} TO {role}",
            f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        ):
            connection.execute(text(statement))
    try:
        yield parsed.set(username=role).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"), {"role": role}
            )
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def unreachable_url(url: str, tmp_path: Path) -> str:
    if make_url(url).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}"  # a folder: no database file can be opened there
    return make_url(url).set(port=1).render_as_string(hide_password=False)


def written(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.scalar(select(func.count()).select_from(t)) for t in (ReviewNote, ReviewNoteRevision, ActionItem, AuditLog)
        )


@pytest.mark.parametrize("body", ["before\x00after", "half a pair \ud83d here"])
def test_a_note_the_database_cannot_store_is_refused_with_a_reason_and_nothing_is_written(small_engine, body):
    before = written(small_engine)
    with pytest.raises(ValueError, match="cannot be saved as it is: it holds"):
        save_note(small_engine, EDITOR, 1, "2026Q2", body, 0)
    assert written(small_engine) == before
    assert not get_note(small_engine, 1, "2026Q2").exists


def test_action_items_the_database_cannot_store_are_refused_and_nothing_is_written(small_engine):
    before = written(small_engine)
    edits = items.EditSet("t1", added=({"text": "call\x00back", "owner": "Ann", "due": None, "status": "open"},))
    with pytest.raises(items.InvalidEdits, match="new row 1: the text cannot be saved as it is: it holds a NUL"):
        items.apply_edits(small_engine, EDITOR, 1, "2026Q2", edits)
    edits = items.EditSet("t2", added=({"text": "call back", "owner": "A\x00nn", "due": None, "status": "open"},))
    with pytest.raises(items.InvalidEdits, match="the owner cannot be saved as it is"):
        items.apply_edits(small_engine, EDITOR, 1, "2026Q2", edits)
    assert written(small_engine) == before


def test_a_read_only_database_refuses_the_write_with_a_sentence(small_engine, db_url):
    with read_only(db_url) as url:
        engine = make_engine(url)
        migrate(engine)  # nothing to do on a migrated database: it only reads
        before = written(small_engine)
        with pytest.raises(SQLAlchemyError) as refused:
            save_note(engine, EDITOR, 1, "2026Q2", "a note", 0)
        assert database_problem(refused.value) == READ_ONLY
        assert written(small_engine) == before
        engine.dispose()


def test_an_unreachable_database_is_told_in_a_sentence(db_url, tmp_path):
    with pytest.raises(SQLAlchemyError) as failed:
        migrate(make_engine(unreachable_url(db_url, tmp_path)))
    assert database_problem(failed.value) == UNREACHABLE


@pytest.mark.parametrize("kind", ["read-only", "unreachable"])
def test_the_command_line_says_what_is_wrong_in_one_line(small_engine, db_url, tmp_path, kind):
    command = ["demo", "--accounts", "5", "--quarters", "4"] if kind == "read-only" else ["kpis"]
    with read_only(db_url) if kind == "read-only" else nullcontext(unreachable_url(db_url, tmp_path)) as url:
        done = subprocess.run(
            [sys.executable, "-m", "lib", "--db", url, *command], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(READ_ONLY if kind == "read-only" else UNREACHABLE)
    assert "Traceback" not in done.stderr and "SQL" not in done.stderr and "INSERT" not in done.stderr


def test_uncaught_errors_never_show_details_to_the_browser():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
