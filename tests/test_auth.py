"""Passwords, the login throttle, login sessions, the re-login cookie, the cookie key and the role rules of every write."""

import datetime as dt
import os

import jwt
import pytest
from sqlalchemy import delete, select, update

from lib.core.auth import (
    COOKIE_KEY,
    MAX_FAILED_LOGINS,
    SESSION_DAYS,
    Actor,
    LoginStatus,
    PermissionDenied,
    SessionUser,
    add_user,
    client_of,
    cookie_session_id,
    end_session,
    require_role,
    rotate_cookie_key,
    session_user,
    sign_cookie,
    start_session,
    verify_login,
)
from lib.core.db import make_engine, read_setting, utc_now
from lib.core.models import LoginSession, User
from lib.io.setup import ensure_initialized


@pytest.fixture
def users(engine):
    add_user(engine, "ana", "Ana Admin", "admin", "correct horse")
    return engine


def test_right_and_wrong_passwords(users):
    ok = verify_login(users, "ana", "correct horse")
    assert (ok.status, ok.username, ok.role, ok.name) == (LoginStatus.OK, "ana", "admin", "Ana Admin")
    assert verify_login(users, "ana", "wrong").status is LoginStatus.WRONG
    assert verify_login(users, "nobody", "correct horse").status is LoginStatus.WRONG


def test_too_many_wrong_passwords_lock_the_login_for_a_while(users, monkeypatch):
    monkeypatch.setenv("KEYSTONE_LOCKOUT_SECONDS", "300")
    now = utc_now()
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert verify_login(users, "ana", "wrong", now).status is LoginStatus.WRONG
    locked = verify_login(users, "ana", "wrong", now)
    assert locked.status is LoginStatus.LOCKED and locked.retry_after_seconds == 300
    still = verify_login(users, "ana", "correct horse", now + dt.timedelta(seconds=299))
    assert still.status is LoginStatus.LOCKED, "the right password must not open a locked login"
    assert verify_login(users, "ana", "correct horse", now + dt.timedelta(seconds=301)).status is LoginStatus.OK


def test_a_good_login_resets_the_count(users):
    now = utc_now()
    for _ in range(MAX_FAILED_LOGINS - 1):
        verify_login(users, "ana", "wrong", now)
    assert verify_login(users, "ana", "correct horse", now).status is LoginStatus.OK
    assert verify_login(users, "ana", "wrong", now).status is LoginStatus.WRONG  # counting starts again


def test_passwords_are_stored_as_bcrypt_hashes(users):
    from sqlalchemy import text

    with users.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users WHERE username = 'ana'")).scalar()
    assert stored.startswith("$2b$") and "correct horse" not in stored


def test_users_need_a_known_role_and_a_real_password(engine):
    with pytest.raises(ValueError, match="unknown role"):
        add_user(engine, "x", "", "boss", "long enough")
    with pytest.raises(ValueError, match="8 characters"):
        add_user(engine, "x", "", "viewer", "short")
    add_user(engine, "x", "", "viewer", "long enough")
    with pytest.raises(ValueError, match="exists"):
        add_user(engine, "x", "", "viewer", "long enough")


def test_require_role():
    assert require_role(Actor("e", "editor"), "editor", "admin").username == "e"
    with pytest.raises(PermissionDenied, match="viewer"):
        require_role(Actor("v", "viewer"), "editor", "admin")
    with pytest.raises(PermissionDenied):
        require_role(None, "admin")


# --- item 10: the throttle is per username and client, and unknown names behave like known ones ----


def test_a_strangers_wrong_passwords_do_not_lock_the_real_user_on_another_client(users):
    now = utc_now()
    for _ in range(MAX_FAILED_LOGINS):
        verify_login(users, "ana", "guess", now, client="203.0.113.9")
    assert verify_login(users, "ana", "correct horse", now, client="203.0.113.9").status is LoginStatus.LOCKED
    assert verify_login(users, "ana", "correct horse", now, client="198.51.100.4").status is LoginStatus.OK


def test_unknown_and_known_usernames_get_the_same_answers_and_the_same_lock(users, monkeypatch):
    monkeypatch.setenv("KEYSTONE_LOCKOUT_SECONDS", "300")
    now = utc_now()

    def answers(username: str) -> list[tuple[LoginStatus, int]]:
        outcomes = [verify_login(users, username, "guess", now, client="203.0.113.9") for _ in range(MAX_FAILED_LOGINS + 1)]
        return [(o.status, o.retry_after_seconds, o.username, o.role) for o in outcomes]

    known, unknown = answers("ana"), answers("nobody")
    assert known == unknown
    assert known[-1][0] is LoginStatus.LOCKED


def test_an_unknown_name_costs_a_bcrypt_check_as_dear_as_a_real_one(users):
    from sqlalchemy import text

    from lib.core.auth import _dummy_hash

    with users.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users WHERE username = 'ana'")).scalar()
    assert _dummy_hash().decode()[:7] == stored[:7] == "$2b$12$"  # same algorithm, same rounds


def test_wrong_passwords_long_ago_do_not_add_up(users, monkeypatch):
    monkeypatch.setenv("KEYSTONE_LOCKOUT_SECONDS", "300")
    start = utc_now()
    for minute in range(MAX_FAILED_LOGINS + 3):
        when = start + dt.timedelta(minutes=6 * minute)  # one slip every six minutes
        assert verify_login(users, "ana", "slip", when, client="203.0.113.9").status is LoginStatus.WRONG


def test_a_password_too_long_for_bcrypt_is_just_wrong(users):
    assert verify_login(users, "ana", "x" * 200).status is LoginStatus.WRONG
    assert verify_login(users, "n" * 500, "x" * 200).status is LoginStatus.WRONG  # longer than the column, too


def test_the_lock_and_the_wrong_password_messages_say_nothing_of_the_name(demo_url):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    def messages(username: str) -> list[str]:
        os.environ["DATABASE_URL"] = demo_url
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        shown = []
        for attempt in range(MAX_FAILED_LOGINS + 1):
            at.text_input(key="login_username").input(username)
            at.text_input(key="login_password").input(f"guess {attempt}")
            at.button(key="FormSubmitter:login_form-Log in").click().run()
            assert not at.exception
            shown.append(at.error[0].value)
        return shown

    known, unknown = messages("viewer"), messages("no-such-user")
    assert known == unknown
    assert known[0] == "Wrong username or password."
    assert known[-1].startswith("Too many wrong passwords.") and "login" not in known[-1]


# --- item 2: server-side login sessions ------------------------------------------------------------


def test_a_session_gives_the_user_as_the_database_says_now(users):
    session_id = start_session(users, "ana")
    assert session_user(users, session_id) == SessionUser("ana", "Ana Admin", "admin")
    with users.begin() as connection:
        connection.execute(update(User).where(User.username == "ana").values(role="viewer"))
    assert session_user(users, session_id).actor == Actor("ana", "viewer")


def test_a_logout_ends_the_session_for_every_copy_of_its_id(users):
    mine, other_browser = start_session(users, "ana"), start_session(users, "ana")
    end_session(users, mine)
    assert session_user(users, mine) is None
    assert session_user(users, other_browser) is not None  # logging out here keeps a login elsewhere


def test_a_session_ends_with_its_days_and_with_its_user(users):
    now = utc_now()
    session_id = start_session(users, "ana", now)
    assert session_user(users, session_id, now + dt.timedelta(days=SESSION_DAYS, seconds=-1)) is not None
    assert session_user(users, session_id, now + dt.timedelta(days=SESSION_DAYS)) is None
    with users.begin() as connection:
        connection.execute(delete(User).where(User.username == "ana"))
    assert session_user(users, session_id) is None


def test_only_the_hash_of_a_session_id_is_stored(users):
    session_id = start_session(users, "ana")
    with users.connect() as connection:
        stored = connection.scalars(select(LoginSession.token_hash)).all()
    assert stored and session_id not in stored


# --- the cookie: only our own signature passes ------------------------------------------------------


KEY = "k" * 64


def test_a_signed_cookie_carries_the_session_id():
    assert cookie_session_id(sign_cookie("abc", KEY), KEY) == "abc"


@pytest.mark.parametrize(
    "cookie",
    [
        jwt.encode({"sid": "abc"}, None, algorithm="none"),  # unsigned
        jwt.encode({"sid": "abc"}, "f" * 64, algorithm="HS256"),  # signed with another key
        jwt.encode({"sid": "abc"}, KEY, algorithm="HS512"),  # our key, another algorithm
        jwt.encode({"sid": "abc", "exp": 1}, KEY, algorithm="HS256"),  # expired
        jwt.encode({"username": "admin", "exp_date": 4e9}, KEY, algorithm="HS256"),  # streamlit-authenticator's old shape
        jwt.encode({"sid": 42}, KEY, algorithm="HS256"),
        "eyJhbGciOiJub25lIn0.eyJzaWQiOiJhYmMifQ.",  # alg none, written by hand
        "not a token",
        "a.b.c",
        "",
    ],
)
def test_any_other_cookie_is_no_login(cookie):
    assert cookie_session_id(cookie, KEY) is None


def test_without_a_key_no_cookie_is_accepted():
    assert cookie_session_id(sign_cookie("abc", KEY), "") is None


# --- item 1: rotating the cookie key ----------------------------------------------------------------


def test_rotating_the_key_ends_every_session_and_every_cookie(users):
    ensure_initialized(users)
    old_key = read_setting(users, COOKIE_KEY)
    session_id = start_session(users, "ana")
    cookie = sign_cookie(session_id, old_key)
    assert rotate_cookie_key(users) == 1
    new_key = read_setting(users, COOKIE_KEY)
    assert new_key and new_key != old_key
    assert cookie_session_id(cookie, new_key) is None
    assert session_user(users, session_id) is None


def log_in_by_form(at, username: str, password: str = "demo"):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="FormSubmitter:login_form-Log in").click().run()


def test_after_a_logout_the_next_user_of_the_tab_inherits_nothing(demo_copy_url):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    os.environ["DATABASE_URL"] = demo_copy_url
    at = log_in_by_form(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run(), "editor")
    assert at.session_state["user"] == Actor("editor", "editor")
    at.session_state["editors_unsaved_work"] = "a draft"
    at.button(key="logout_button").click().run()
    assert "user" not in at.session_state and at.button(key="FormSubmitter:login_form-Log in")
    log_in_by_form(at, "editor")
    assert at.session_state["editors_unsaved_work"] == "a draft"  # the same person gets the draft back
    at.button(key="logout_button").click().run()
    log_in_by_form(at, "viewer")
    assert not at.exception
    assert at.session_state["user"] == Actor("viewer", "viewer")
    assert "editors_unsaved_work" not in at.session_state


@pytest.mark.parametrize(
    "page", ["pages/portfolio.py", "pages/wallet.py", "pages/key_accounts.py", "pages/review_notes.py", "pages/data.py"]
)
def test_no_page_shows_the_cookie_key(demo_url, page):
    from tests.conftest import app_test

    engine = make_engine(demo_url)
    key = read_setting(engine, COOKIE_KEY)
    engine.dispose()
    at = app_test(demo_url, "admin", page)
    assert not at.exception
    kinds = ("markdown", "caption", "text", "code", "title", "header", "subheader", "info", "error", "warning", "success")
    shown = [str(e.value) for kind in kinds for e in at.get(kind)]
    shown += [e.value.to_csv() for kind in ("dataframe", "table") for e in at.get(kind)]
    assert shown and not [s for s in shown if key in s or COOKIE_KEY in s]


def test_behind_a_trusted_proxy_the_throttle_counts_the_forwarded_address():
    # The proxy appends the visitor's address last; earlier entries come from the visitor and can be forged.
    assert client_of("10.0.0.2", "198.51.100.7, 203.0.113.9", trust_proxy=True) == "203.0.113.9"
    assert client_of("10.0.0.2", "203.0.113.9", trust_proxy=False) == "10.0.0.2"  # an untrusted header is ignored
    assert client_of(None, None) == "local"  # localhost: Streamlit gives no address
    assert client_of("10.0.0.2", "  ", trust_proxy=True) == "10.0.0.2"
