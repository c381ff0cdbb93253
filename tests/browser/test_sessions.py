"""In Chromium: revoking access works. A cookie copied before a logout, a tab left open after a
logout in another tab, an editor demoted in the database, a new cookie key: each loses the login
on its next rerun. Forged, unsigned ("alg": "none") and malformed cookies show the login form.

The tests write (logouts, roles, the key), so they run a server of their own on a demo copy.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import jwt
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import Engine, text

from lib.core.auth import COOKIE_KEY
from lib.core.db import make_engine, read_setting
from lib.notes.notes import get_note, quarter_notes
from tests.browser.conftest import (
    VIEWPORT,
    Server,
    log_in,
    no_exception,
    screenshot,
    start_server,
    stop_server,
    wait_for_app,
    wait_until,
)
from tests.conftest import DEMO_END, ROOT, _new_database_url, fill_with_demo

pytestmark = [pytest.mark.database, pytest.mark.both_databases]

COOKIE = "keystone_session"
EDITOR_BOX = ".st-key-notes_body textarea"


@dataclass
class Setup:
    server: Server
    url: str
    engine: Engine
    account_id: int
    external_id: str


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    url, drop = _new_database_url(tmp_path_factory.mktemp("sessions"))
    fill_with_demo(url)
    engine = make_engine(url)
    row = quarter_notes(engine, DEMO_END).iloc[0]
    server = start_server(url, tmp_path_factory.mktemp("logs"))
    yield Setup(server, url, engine, int(row["account_id"]), row["external_id"])
    stop_server(server)
    engine.dispose()
    drop()


@pytest.fixture
def new_tab(browser) -> Iterator:
    """Fresh browser contexts (each its own cookie jar), closed after the test."""
    contexts = []

    def make(cookies: list[dict] | None = None):
        context = browser.new_context(viewport=VIEWPORT)
        if cookies:
            context.add_cookies(cookies)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        return tab

    yield make
    for context in contexts:
        context.close()


def session_cookie(tab) -> dict | None:
    return next((c for c in tab.context.cookies() if c["name"] == COOKIE), None)


def logged_in_cookie(tab) -> dict:
    wait_until(lambda: session_cookie(tab) is not None)  # a component in the page sets it
    return session_cookie(tab)


def appears(locator, seconds: float = 30) -> bool:
    """Whether the element shows within the time (a rerun under load may take a while to start)."""
    try:
        locator.first.wait_for(timeout=seconds * 1000)
    except PlaywrightTimeout:
        return False
    return True


def shows_login_form(tab) -> bool:
    """The plain login form: no page, no sidebar, no traceback."""
    arrived = appears(tab.get_by_role("button", name="Log in"))
    no_exception(tab)
    if not arrived:
        return False
    wait_for_app(tab)
    no_exception(tab)
    return tab.get_by_role("button", name="Log out").count() == 0 and tab.get_by_test_id("stSidebarNav").count() == 0


def logged_in(tab) -> bool:
    arrived = appears(tab.get_by_role("button", name="Log out"))
    no_exception(tab)
    wait_for_app(tab)
    return arrived


def rerun(tab) -> None:
    tab.keyboard.press("r")  # Streamlit's rerun shortcut
    wait_for_app(tab)


def cookie_with(server: Server, value: str) -> list[dict]:
    return [{"name": COOKIE, "value": value, "url": server.url}]


def notes_path(setup: Setup) -> str:
    return f"review_notes?account={setup.external_id}&quarter={DEMO_END}"


def test_a_cookie_copied_before_logout_no_longer_logs_in(own, new_tab):
    tab = new_tab()
    log_in(tab, own.server.url, "admin")
    copied = logged_in_cookie(tab)
    thief = new_tab([copied])
    thief.goto(own.server.url)
    assert logged_in(thief), "the copied cookie should log in while its session lives"
    tab.get_by_role("button", name="Log out").click()
    assert shows_login_form(tab)
    later = new_tab([copied])
    later.goto(own.server.url)
    assert shows_login_form(later), "a cookie copied before the logout still logs in"
    rerun(thief)  # the thief's tab, opened while the session lived, loses it on its next rerun
    assert shows_login_form(thief)
    screenshot(later, "login_after_revoked_cookie")


def test_a_tab_left_open_after_a_logout_in_another_tab_cannot_save(own, new_tab):
    first = new_tab()
    log_in(first, own.server.url, "editor")
    logged_in_cookie(first)
    second = first.context.new_page()  # the same browser: it logs in by the cookie
    second.set_default_timeout(30_000)
    second.goto(f"{own.server.url}/{notes_path(own)}")
    second.locator(EDITOR_BOX).wait_for()
    wait_for_app(second)
    before = get_note(own.engine, own.account_id, DEMO_END)
    box = second.locator(EDITOR_BOX)
    box.fill("Written in a tab that stayed open after the logout.")
    box.press("Control+Enter")
    wait_for_app(second)
    first.get_by_role("button", name="Log out").click()
    assert shows_login_form(first)
    second.get_by_role("button", name="Save").click()
    assert shows_login_form(second), "the other tab still has the login"
    after = get_note(own.engine, own.account_id, DEMO_END)
    assert (after.version, after.body) == (before.version, before.body)


def set_role(engine: Engine, username: str, role: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET role = :role WHERE username = :username"), {"role": role, "username": username})


def test_an_editor_demoted_in_the_database_can_no_longer_save(own, new_tab):
    tab = new_tab()
    log_in(tab, own.server.url, "editor", path=notes_path(own))
    tab.locator(EDITOR_BOX).wait_for()
    before = get_note(own.engine, own.account_id, DEMO_END)
    box = tab.locator(EDITOR_BOX)
    box.fill("Saved by someone who is a viewer by now.")
    box.press("Control+Enter")
    wait_for_app(tab)
    set_role(own.engine, "editor", "viewer")
    try:
        tab.get_by_role("button", name="Save").click()
        assert appears(tab.get_by_test_id("stSidebar").get_by_text("· viewer")), "the page still treats the user as an editor"
        wait_for_app(tab)
        no_exception(tab)
        after = get_note(own.engine, own.account_id, DEMO_END)
        assert (after.version, after.body) == (before.version, before.body), "the demoted editor saved"
        assert tab.locator(EDITOR_BOX).count() == 0  # a viewer reads the note
    finally:
        set_role(own.engine, "editor", "editor")


def test_forged_unsigned_and_malformed_cookies_show_the_login_form(own, new_tab):
    key = read_setting(own.engine, COOKIE_KEY)
    later = 4_000_000_000
    cookies = {
        "alg none": jwt.encode({"username": "admin", "exp_date": later, "sid": "x"}, None, algorithm="none"),
        "alg none by hand": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ1c2VybmFtZSI6ImFkbWluIiwiZXhwX2RhdGUiOjQwMDAwMDAwMDB9.",
        # What leaked from an old export sufficed before: a cookie signed with the key alone.
        "signed with the key, no session": jwt.encode({"username": "admin", "exp_date": later}, key, algorithm="HS256"),
        "signed with the key, made-up session": jwt.encode({"sid": "made-up"}, key, algorithm="HS256"),
        "expired": jwt.encode({"sid": "made-up", "exp": 1}, key, algorithm="HS256"),
        "another key": jwt.encode({"username": "admin", "exp_date": later}, "x" * 64, algorithm="HS256"),
        "garbage": "not-a-token",
    }
    for what, value in cookies.items():
        tab = new_tab(cookie_with(own.server, value))
        tab.goto(f"{own.server.url}/data")
        assert shows_login_form(tab), what


def test_rotate_key_logs_out_every_open_tab_and_every_cookie(own, new_tab):
    tab = new_tab()
    log_in(tab, own.server.url, "viewer")
    copied = logged_in_cookie(tab)
    rotated = subprocess.run(
        [sys.executable, "-m", "lib", "--db", own.url, "rotate-key"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert rotated.returncode == 0, rotated.stderr
    rerun(tab)
    assert shows_login_form(tab), "the open tab kept its login after the key changed"
    again = new_tab([copied])
    again.goto(own.server.url)
    assert shows_login_form(again)
    log_in(again, own.server.url, "viewer")  # and logging in works with the new key
    assert logged_in(again)
