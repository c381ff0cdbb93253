"""Fixtures: a throwaway database per test (SQLite file, or a fresh PostgreSQL schema), filled by
the same importer and demo builder users run; AppTest and browser helpers.

The suite runs on SQLite unless TEST_DATABASE_URL names a PostgreSQL database, e.g.
TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test

KEYSTONE_TEST_TRAVEL=2028-12-04 runs the whole session as if on that day (time-machine moves the clock
of this process, KEYSTONE_TODAY that of every server or command the tests start): no test may depend
on the real date.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

TRAVEL = os.environ.get("KEYSTONE_TEST_TRAVEL")
if TRAVEL:
    import time_machine

    os.environ["KEYSTONE_TODAY"] = TRAVEL  # inherited by subprocesses: browser tests' servers, the CLI
    time_machine.travel(dt.datetime.combine(dt.date.fromisoformat(TRAVEL), dt.time(12, 0), dt.UTC), tick=True).start()

# Portfolio snapshots of test databases go to a throwaway folder (set before lib.io.snapshot is imported).
os.environ.setdefault("KEYSTONE_CACHE_DIR", tempfile.mkdtemp(prefix="keystone-cache-"))

from lib.core.auth import Actor, add_user, start_session  # noqa: E402
from lib.core.db import DATABASE_ID, FACTS_STAMP, make_engine, migrate  # noqa: E402
from lib.io.demo import DemoSpec, load_demo  # noqa: E402
from lib.io.importer import import_files  # noqa: E402
from lib.io.setup import ensure_initialized  # noqa: E402
from tests.apptest_state import share_script_cache  # noqa: E402

share_script_cache()

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PORTFOLIO_FILES = ("accounts.csv", "revenue.csv", "surveys.csv", "competitor_spend.csv", "stakeholders.csv", "interactions.csv")
ADMIN = Actor("admin", "admin")
EDITOR = Actor("editor", "editor")
VIEWER = Actor("viewer", "viewer")
DEMO_END = "2026Q3"
TEST_DEMO = DemoSpec(accounts=150, quarters=12, seed=11, end=DEMO_END)


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _new_database_url(tmp_path: Path) -> tuple[str, callable]:
    """A URL to an empty database and a function that removes it."""
    base = postgres_base_url()
    if base is None:
        path = tmp_path / f"keystone-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", lambda: None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).set(drivername="postgresql+psycopg").update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    url, drop = _new_database_url(tmp_path)
    yield url
    drop()


class SqliteTemplates:
    """Pristine SQLite databases built once per test process and copied for each test that asks.

    A copy takes milliseconds where a migration takes half a second and a demo a second and a half.
    Each copy gets an identity and a facts stamp of its own, as a database made from scratch would,
    so nothing kept for one test's database (array files, in-process caches) is found for another's.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[str, Path] = {}

    def copy(self, kind: str, url: str) -> None:
        source = sqlite3.connect(self._template(kind))
        target = sqlite3.connect(make_url(url).database)
        try:
            source.backup(target)
            target.execute("UPDATE settings SET value = ? WHERE key IN (?, ?)", (uuid.uuid4().hex, DATABASE_ID, FACTS_STAMP))
            target.commit()
        finally:
            source.close()
            target.close()

    def _template(self, kind: str) -> Path:
        if kind not in self.built:
            path = self.folder / f"{kind}.db"
            build_database(kind, f"sqlite:///{path}")
            self.built[kind] = path
        return self.built[kind]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


def _fresh_database(kind: str, url: str, templates: SqliteTemplates) -> None:
    """Fill the empty database at url as `kind` (empty, small, demo): a template's copy on SQLite, built on PostgreSQL."""
    if postgres_base_url() is None:
        templates.copy(kind, url)
    else:
        build_database(kind, url)


def build_database(kind: str, url: str) -> None:
    """Migrate the empty database at url and fill it as `kind`: empty, small (the five accounts) or demo."""
    current = make_engine(url)
    migrate(current)
    if kind == "small":
        import_files(current, portfolio_files(), ADMIN)
    current.dispose()
    if kind == "demo":
        fill_with_demo(url)


@pytest.fixture
def engine(db_url: str, sqlite_templates: SqliteTemplates) -> Iterator[Engine]:
    """An empty, migrated database of this test's own."""
    _fresh_database("empty", db_url, sqlite_templates)
    current = make_engine(db_url)
    yield current
    current.dispose()


def portfolio_files(*names: str) -> list[tuple[str, bytes]]:
    return [(name, (FIXTURES / "portfolio" / name).read_bytes()) for name in names or PORTFOLIO_FILES]


@pytest.fixture
def small_engine(db_url: str, sqlite_templates: SqliteTemplates) -> Iterator[Engine]:
    """The hand-computed five-account portfolio of tests/fixtures/portfolio, loaded by the importer."""
    _fresh_database("small", db_url, sqlite_templates)
    current = make_engine(db_url)
    yield current
    current.dispose()


def fill_with_demo(url: str) -> str:
    """Migrate the database at url and load the test demo portfolio into it, as a first start would."""
    current = make_engine(url)
    migrate(current)
    load_demo(current, TEST_DEMO)
    ensure_initialized(current)
    current.dispose()
    return url


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One demo portfolio for the whole session: tests that only read share it."""
    url, drop = _new_database_url(tmp_path_factory.mktemp("demo"))
    yield fill_with_demo(url)
    drop()


@pytest.fixture
def demo_copy_url(db_url: str, sqlite_templates: SqliteTemplates) -> str:
    """A demo portfolio of this test's own, for tests that write."""
    _fresh_database("demo", db_url, sqlite_templates)
    return db_url


def log_in_session(url: str, username: str) -> str:
    """A login session on the server, as a form login opens it (app.py reads the user from it)."""
    current = make_engine(url)
    try:
        try:
            return start_session(current, username)
        except LookupError:  # a database filled by imports only holds no users: add the role's login
            add_user(current, username, username.capitalize(), username, "test-password")
            return start_session(current, username)
    finally:
        current.dispose()


def app_test(url: str, role: str | None = "admin", page: str | None = None, login_url: str | None = None):
    """An AppTest of app.py on the given database, logged in as the demo user of the role (None: a visitor), run once.

    login_url: where the login session is opened when the database at url cannot take it (read-only, unreachable).
    """
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if role is not None:
        at.session_state["login_session"] = log_in_session(login_url or url, role)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


DATABASE_FIXTURES = {"db_url", "demo_url"}  # every fixture that makes a database goes through one of these


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "database: the module makes databases of its own (run on PostgreSQL too)")
    config.addinivalue_line(
        "markers", "both_databases: a browser test whose subject is the database itself (run on PostgreSQL too)"
    )


BROWSER_RERUNS = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests first (they take longest, so the workers end together) and tried twice before they fail;
    on PostgreSQL, only what it can change.

    On PostgreSQL the suite runs the tests that reach a database, except the browser tests that only
    drive the pages: what a page shows on PostgreSQL is proven by the AppTests of every page, which run
    there, and a browser adds nothing database-specific. Browser tests about the database itself
    (sessions and logouts, two servers on one database) are marked `both_databases` and run there too.
    """
    items.sort(key=lambda item: not _in_browser(item))  # a stable sort: the order within each part is kept
    for item in items:
        if _in_browser(item):
            # A browser races a busy machine's reruns: a failure is tried once more, and reported as a rerun
            # ("R" in the log, "rerun" in the summary) so that a test that fails twice fails the suite.
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS))
    if postgres_base_url() is None:
        return
    reach = [item for item in items if _reaches_the_database(item) and _runs_on_postgresql(item)]
    if len(reach) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in reach])
        items[:] = reach


def _in_browser(item: pytest.Item) -> bool:
    return "browser" in item.path.parts


def _reaches_the_database(item: pytest.Item) -> bool:
    return bool(DATABASE_FIXTURES & set(item.fixturenames)) or item.get_closest_marker("database") is not None


def _runs_on_postgresql(item: pytest.Item) -> bool:
    return not _in_browser(item) or item.get_closest_marker("both_databases") is not None


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine that has connected in this process


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection: Connection) -> None:
    _ENGINES.add(connection.engine)


@pytest.fixture(autouse=True)
def _close_idle_connections() -> Iterator[None]:
    """PostgreSQL allows 100 connections, and the app keeps an engine (with its pool) per database address
    for the life of the process: after each test its idle connections are closed, so that two suites of
    three workers each never run out."""
    yield
    if postgres_base_url() is not None:
        for engine in list(_ENGINES):
            engine.dispose()


@pytest.fixture(autouse=True)
def _restore_database_url() -> Iterator[None]:
    before = os.environ.get("DATABASE_URL")
    yield
    if before is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = before
