"""Twenty writers, each with its own engine (own connections), save one note at the same time,
on SQLite and on PostgreSQL. Every accepted save must be in the history as its own version, built
on the version before it; every refused writer must have been told, with the text it sent.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lib.core.auth import Actor
from lib.core.db import NOTES, data_versions, make_engine, migrate
from lib.core.models import AuditLog
from lib.io.importer import import_files
from lib.notes.notes import SaveResult, get_note, revisions, save_note
from tests.conftest import ADMIN, portfolio_files, postgres_base_url

pytestmark = pytest.mark.database

WRITERS = 20
ROUNDS = 3  # a refused writer reads the note again and retries, up to this many saves in all
QUARTER = "2026Q2"


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request, tmp_path):
    """A database of the given kind with the five-account fixture; PostgreSQL when TEST_DATABASE_URL names one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrency.db'}"
        drop = None
    else:
        base = postgres_base_url()
        if base is None:
            pytest.skip("set TEST_DATABASE_URL=postgresql://... to run the writers on PostgreSQL")
        schema = f"c_{uuid.uuid4().hex[:12]}"
        admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = make_url(base).set(drivername="postgresql+psycopg").update_query_dict({"options": f"-csearch_path={schema}"})
        url = url.render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()

    setup = make_engine(url)
    migrate(setup)
    import_files(setup, portfolio_files(), ADMIN)
    setup.dispose()
    yield url
    if drop:
        drop()


def run_writers(url: str, account_id: int) -> list[list[tuple[str, SaveResult]]]:
    """Every writer reads the note, all start saving at once, and a refused one re-reads and retries."""
    start = threading.Barrier(WRITERS)
    outcomes: list[list[tuple[str, SaveResult]]] = [[] for _ in range(WRITERS)]
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        own = make_engine(url)  # its own pool: its own connections and transactions
        actor = Actor(f"writer{number:02d}", "editor")
        try:
            for attempt in range(ROUNDS):
                seen = get_note(own, account_id, QUARTER)
                if attempt == 0:
                    start.wait(timeout=60)
                body = f"## Writer {number} attempt {attempt}\n\nbased on version {seen.version}\n"
                result = save_note(own, actor, account_id, QUARTER, body, seen.version)
                outcomes[number].append((body, result))
                if result.saved:
                    return
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
            start.abort()
        finally:
            own.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return outcomes


def test_twenty_writers_one_note_nothing_lost_nobody_left_uninformed(shared_url):
    engine = make_engine(shared_url)
    with engine.connect() as connection:
        account_id = connection.scalar(text("SELECT id FROM accounts WHERE external_id = 'A'"))
    notes_version = data_versions(engine)[NOTES]

    outcomes = run_writers(shared_url, account_id)

    history = revisions(engine, account_id, QUARTER)
    by_version = {int(v): (b, e) for v, b, e in zip(history["version"], history["body"], history["edited_by"])}
    accepted = [(n, body, r) for n, tries in enumerate(outcomes) for body, r in tries if r.saved]
    refused = [(n, body, r) for n, tries in enumerate(outcomes) for body, r in tries if not r.saved]

    # Every accepted save is in the history, as its own version, exactly with its text and its writer.
    assert len(accepted) == len(history)
    assert sorted(r.note.version for _n, _b, r in accepted) == list(range(1, len(accepted) + 1))
    for number, body, result in accepted:
        assert result.changed and result.attempted == body
        assert by_version[result.note.version] == (body, f"writer{number:02d}")
        assert result.base_version == result.note.version - 1  # built on the version before: no update lost
    # Every refused save was told: someone else's newer version and text, and its own text back.
    for _number, body, result in refused:
        assert result.conflict and result.attempted == body
        assert result.note.version > result.base_version
        assert by_version[result.note.version][0] == result.note.body
        assert body not in {b for b, _e in by_version.values()}
    # They all started from the empty note: exactly one of the first saves could win.
    first_round = [tries[0][1] for tries in outcomes]
    assert Counter(r.saved for r in first_round)[True] == 1
    assert len(accepted) + len(refused) == sum(len(t) for t in outcomes)
    # The note is the newest revision; one audit entry and one data version per accepted save.
    newest = max(by_version)
    assert get_note(engine, account_id, QUARTER).body == by_version[newest][0]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "save note")) == len(
            accepted
        )
    assert data_versions(engine)[NOTES] == notes_version + len(accepted)
    assert len(accepted) >= min(WRITERS, ROUNDS)  # some writers got through, so the test saw real contention
    engine.dispose()
