"""Login, logout, the re-login cookie and the guard every page starts with.

Passwords are bcrypt hashes checked by lib.core.auth, which also refuses a login for a while after
too many wrong passwords from one client. A login opens a session on the server (lib.core.auth); the
browser keeps its id in a cookie signed with the cookie key. Every rerun reads the session and
its user from the database, so a logout in any tab, a changed role, a deleted user or a new
cookie key apply on the next rerun of every session, and a copy of a cookie dies with its session.
The cookie is set and deleted in the browser by extra-streamlit-components' cookie manager.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from pathlib import Path
from types import CodeType

import extra_streamlit_components as stx
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core.auth import (
    COOKIE_KEY,
    SESSION_DAYS,
    Actor,
    LoginStatus,
    client_of,
    cookie_session_id,
    demo_logins,
    end_session,
    session_user,
    sign_cookie,
    start_session,
    verify_login,
)
from lib.core.db import read_setting
from lib.ui.errors import database_failed
from lib.ui.store import engine

COOKIE_NAME = "keystone_session"
SESSION = "login_session"  # session_state: the id of this browser session's login on the server
_COOKIE_RUNS = 3  # reruns that keep the cookie component on screen so it surely runs
APP_PATH = Path(__file__).resolve().parents[2] / "app.py"


def _cookie_key() -> str:
    try:
        configured = st.secrets.get("cookie_key")
    except FileNotFoundError:
        configured = None
    return configured or read_setting(engine(), COOKIE_KEY) or ""


def _client() -> str:
    """Who is typing, for the login throttle (Streamlit gives no address on localhost)."""
    try:
        trust_proxy = bool(st.secrets.get("trust_proxy", False))
    except FileNotFoundError:
        trust_proxy = False
    return client_of(st.context.ip_address, st.context.headers.get("X-Forwarded-For"), trust_proxy)


def _forget_user() -> None:
    for key in (SESSION, "user", "user_name"):
        st.session_state.pop(key, None)


def current_user() -> Actor | None:
    """The logged-in user, read fresh from the database on every call.

    The session id comes from this session's own login, else from a valid re-login cookie; the
    server must still know the session, and the role is the user's role now, not at login.
    """
    session_id = st.session_state.get(SESSION) or _cookie_session()
    found = session_user(engine(), session_id) if session_id else None
    if found is None:
        _forget_user()
        return None
    st.session_state.update({SESSION: session_id, "user": found.actor, "user_name": found.name, "last_username": found.username})
    return found.actor


def _cookie_session() -> str | None:
    # The cookies are those the browser sent when this session connected: after a logout here
    # they are stale, so they are not read again until the next form login.
    if st.session_state.get("logout") or COOKIE_NAME not in st.context.cookies:
        return None
    return cookie_session_id(st.context.cookies[COOKIE_NAME], _cookie_key())


def _attempt_login() -> None:
    username = st.session_state.get("login_username", "")
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""
    if not username or not password:
        st.session_state["login_error"] = "Enter your username and password."
        return
    try:
        outcome = verify_login(engine(), username, password, client=_client())
    except SQLAlchemyError as failed:  # a read-only or unreachable database: say so instead of a traceback
        st.session_state["login_error"] = f"Cannot log in now. {database_failed(failed)}"
        return
    if outcome.status is LoginStatus.LOCKED:
        minutes = max(1, round(outcome.retry_after_seconds / 60))
        st.session_state["login_error"] = (
            f"Too many wrong passwords. Try again in about {minutes} minute{'s' if minutes > 1 else ''}."
        )
        return
    if outcome.status is LoginStatus.WRONG:
        st.session_state["login_error"] = "Wrong username or password."
        return
    try:
        session_id = start_session(engine(), outcome.username)
    except LookupError:  # the user was deleted between the password check and now
        st.session_state["login_error"] = "Wrong username or password."
        return
    st.session_state.pop("login_error", None)
    if st.session_state.get("last_username", outcome.username) != outcome.username:
        _forget_previous_user_work()
    st.session_state.update(
        {
            "last_username": outcome.username,
            SESSION: session_id,
            "user": Actor(outcome.username, outcome.role),
            "user_name": outcome.name,
            "logout": False,
            "cookie_runs_left": _COOKIE_RUNS,
            "cookie_deletes_left": 0,
        }
    )


def clear_login_form() -> None:
    """The first element of the main area on every run of a logged-in user: an empty one.

    Streamlit keeps the last run's elements on screen, greyed, until the new run writes over them, and
    its loading spinners write over nothing. Right after a login this empty element takes the place of
    the login form (the first element of the last run), so the portfolio loads on a clean screen and
    not beside a greyed form. It stays first on every later run, so the page below never moves.
    """
    st.empty()


def _forget_previous_user_work() -> None:
    """Someone else logs in on this tab: nothing of the last user's drafts, requests or choices carries over."""
    for key in list(st.session_state.keys()):
        if not str(key).startswith("login_"):
            del st.session_state[key]


def login_screen() -> None:
    """The whole screen for a visitor who is not logged in: nothing of the data, only the form."""
    _, middle, _ = st.columns([1, 1.3, 1])
    with middle:
        st.title("Keystone")
        st.caption("Key-account portfolio reviews")
        with st.form("login_form"):
            st.text_input("Username", key="login_username", autocomplete="username")
            st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
            st.form_submit_button("Log in", type="primary", on_click=_attempt_login, width="stretch")
        if st.session_state.get("login_error"):
            st.error(st.session_state["login_error"], icon=":material/lock:")
        demo = demo_logins(engine())
        if demo:
            names = ", ".join(f"`{u}` ({r})" for u, r in demo)
            st.info(
                f"**Demo database.** Log in as {names} with the password `demo`. These logins exist only in the demo database.",
                icon=":material/info:",
            )
    _drop_cookie()


def _request_logout() -> None:
    st.session_state["logging_out"] = True


def logout_button() -> None:
    st.sidebar.button("Log out", key="logout_button", on_click=_request_logout, icon=":material/logout:", width="stretch")


def handle_logout() -> None:
    """Finish a logout asked for by the button: end the session on the server, then drop the cookie."""
    if not st.session_state.pop("logging_out", False):
        return
    session_id = st.session_state.get(SESSION)
    if session_id:
        end_session(engine(), session_id)
    _forget_user()
    st.session_state.update({"logout": True, "cookie_runs_left": 0, "cookie_deletes_left": _COOKIE_RUNS})


def keep_cookie_fresh() -> None:
    """Right after a form login, set the re-login cookie.

    The cookie is set by a component in the browser, so it stays on screen for a few reruns
    to be sure it ran (a rerun right after the login would otherwise remove it unrun).
    """
    runs = st.session_state.get("cookie_runs_left", 0)
    session_id = st.session_state.get(SESSION)
    if runs <= 0 or not session_id:
        return
    key = _cookie_key()  # a database read: only in the few runs after a login
    if not key:
        return
    expires = dt.datetime.now() + dt.timedelta(days=SESSION_DAYS)  # the browser's own clock reads it
    with st.sidebar:
        stx.CookieManager(key="keystone_cookies").set(COOKIE_NAME, sign_cookie(session_id, key), expires_at=expires)
    st.session_state["cookie_runs_left"] = runs - 1


def _drop_cookie() -> None:
    """After a logout, delete the cookie in the browser (the server has ended its session already)."""
    runs = st.session_state.get("cookie_deletes_left", 0)
    if runs <= 0:
        return
    manager = stx.CookieManager(key="keystone_cookies")
    with contextlib.suppress(KeyError):  # the manager had not read the browser's cookies yet; the delete is sent anyway
        manager.delete(COOKIE_NAME)
    st.session_state["cookie_deletes_left"] = runs - 1


@functools.lru_cache(maxsize=1)
def _app_code(modified_ns: int) -> CodeType:
    """app.py compiled once per version of the file (as Streamlit keeps a page's code), not on every such run."""
    return compile(APP_PATH.read_text(encoding="utf-8"), str(APP_PATH), "exec")


def require_user(*roles: str) -> Actor:
    """The first call of every page: the user, or nothing of the page at all.

    Streamlit runs a file of pages/ directly, without app.py, until some session has called
    st.navigation (on a fresh server, and on every rerun under AppTest). Such a run gets the
    whole app around it instead: app.py shows the login, or the page inside its frame.
    """
    if not st.session_state.pop("_entered_through_app", False):
        exec(_app_code(APP_PATH.stat().st_mtime_ns), {"__name__": "__main__", "__file__": str(APP_PATH)})  # noqa: S102 (our own app.py)
        st.stop()
    user = current_user()
    if user is None:
        login_screen()
        st.stop()
    if roles and user.role not in roles:
        st.error(f"This page is for {' or '.join(roles)} users; you are logged in as {user.role}.")
        st.stop()
    return user
