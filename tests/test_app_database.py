"""AppTest: the app and its database: a database recreated at the same address shows its own figures."""

from lib.db import make_engine, migrate
from lib.importer import import_files
from lib.setup import ensure_initialized
from lib.ui.data import _engine_for
from tests.conftest import ADMIN, app_test, portfolio_files
from tests.test_snapshot import OTHER_PORTFOLIO, recreate_database


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def fill(url: str, files: list[tuple[str, bytes]]) -> None:
    current = make_engine(url)
    migrate(current)
    import_files(current, files, ADMIN)
    ensure_initialized(current)
    current.dispose()


def test_a_database_recreated_under_a_running_server_shows_its_own_figures(db_url):
    fill(db_url, portfolio_files())
    at = app_test(db_url)
    at.selectbox(key="flt_quarter").select("2026Q2").run()
    assert not at.exception
    assert metric(at, "Accounts") == "4"

    recreate_database(db_url)
    fill(db_url, OTHER_PORTFOLIO)  # the same data versions as the first one had
    _engine_for(db_url).dispose()  # the server's connections to the old database are gone (as after a restart of it)
    at.run()
    assert not at.exception
    assert metric(at, "Accounts") == "1"
