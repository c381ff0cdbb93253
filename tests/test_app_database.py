"""AppTest: the app and its database: a database recreated at the same address shows its own
figures; a bad address, a note the database cannot store, a read-only or unreachable database and an
unexpected error each show a sentence, never a traceback, and leave the database as it was."""

import pytest

from lib.core.db import READ_ONLY, UNREACHABLE, make_engine, migrate
from lib.io.importer import import_files
from lib.io.setup import ensure_initialized
from lib.notes.notes import Note, get_note, quarter_notes
from lib.ui.errors import UNEXPECTED
from lib.ui.store import engine_for
from tests.conftest import ADMIN, DEMO_END, app_test, log_in_session, portfolio_files
from tests.test_bad_input import read_only, unreachable_url
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
    engine_for(db_url).dispose()  # the server's connections to the old database are gone (as after a restart of it)
    at.session_state["login_session"] = log_in_session(db_url, "admin")  # the new database knows no login of the old one
    at.run()
    assert not at.exception
    assert metric(at, "Accounts") == "1"


# --- bad input and a failing database: a sentence on the page, never a traceback ---------------


def test_an_address_naming_no_possible_account_says_so(demo_url):
    for page in ("pages/account_360.py", "pages/review_notes.py", "pages/relationships.py"):
        at = app_test(demo_url, "viewer", page)
        at.query_params["account"] = "ACC\x00"
        at.session_state["a360_account_id"] = None
        at.session_state["notes_account_id"] = None
        at.session_state["rel_account_id"] = None
        at.run()
        assert not at.exception, at.exception
        assert any("does not name an account" in w.value for w in at.warning), page


def save_request(at, account_id: int, text: str, base_version: int) -> None:
    at.session_state["notes_save_request"] = {
        "account_id": account_id,
        "account_name": "x",
        "quarter": DEMO_END,
        "text": text,
        "base_version": base_version,
    }
    at.run()
    assert not at.exception, at.exception


def noted(url: str) -> tuple[int, Note]:
    engine = make_engine(url)
    account_id = int(quarter_notes(engine, DEMO_END).iloc[0]["account_id"])
    note = get_note(engine, account_id, DEMO_END)
    engine.dispose()
    return account_id, note


def test_a_note_with_a_nul_character_is_refused_on_the_page_and_nothing_is_written(demo_copy_url):
    account_id, before = noted(demo_copy_url)
    at = app_test(demo_copy_url, "editor", "pages/review_notes.py")
    save_request(at, account_id, "line\x00two", before.version)
    assert any("NUL character" in e.value and "kept in the editor" in e.value for e in at.error)
    assert noted(demo_copy_url)[1] == before


def test_a_read_only_database_is_browsed_and_a_save_or_login_says_why_it_fails(demo_copy_url):
    account_id, before = noted(demo_copy_url)
    with read_only(demo_copy_url) as url:
        at = app_test(url, "editor", "pages/review_notes.py", login_url=demo_copy_url)
        assert not at.exception, at.exception
        save_request(at, account_id, "a new text", before.version)
        assert any(READ_ONLY in e.value and "kept in the editor" in e.value for e in at.error), [e.value for e in at.error]

        visitor = app_test(url, role=None)
        visitor.text_input(key="login_username").input("admin")
        visitor.text_input(key="login_password").input("demo")
        visitor.button[0].click().run()
        assert not visitor.exception, visitor.exception
        assert any(f"Cannot log in now. {READ_ONLY}" == e.value for e in visitor.error), [e.value for e in visitor.error]
        engine_for(url).dispose()
    assert noted(demo_copy_url)[1] == before


@pytest.mark.parametrize("role", ["viewer", None])
def test_an_unreachable_database_is_a_sentence_on_the_page(demo_copy_url, tmp_path, role):
    at = app_test(unreachable_url(demo_copy_url, tmp_path), role, login_url=demo_copy_url)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [UNREACHABLE]


def test_an_unexpected_error_on_a_page_is_a_sentence_and_the_frame_stays(demo_url, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr("lib.ui.portfolio.accounts_page", broken)
    at = app_test(demo_url, "viewer", "pages/account_360.py")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [UNEXPECTED]
    assert at.button(key="logout_button") is not None  # the sidebar is still there
