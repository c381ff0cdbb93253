"""Login, logout, the re-login cookie and the guard every page starts with.

Passwords are bcrypt hashes checked by lib.auth, which also refuses a login for a while after
too many wrong passwords (the counter is in the database, shared by every app server).
streamlit-authenticator keeps the signed re-login cookie: one authenticator per session, made
here on first use and kept in st.session_state (sharing one across sessions is a known bug).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lib.auth import Actor, LoginStatus, demo_logins, user_role, verify_login
from lib.db import read_setting
from lib.models import User
from lib.ui.data import engine
from lib.ui.errors import database_failed

COOKIE_NAME = "keystone_session"
COOKIE_DAYS = 7.0
_COOKIE_RUNS = 3
APP_PATH = Path(__file__).resolve().parents[2] / "app.py"  # reruns that keep the set-cookie component on screen so it surely runs


def _cookie_key() -> str:
    try:
        configured = st.secrets.get("cookie_key")
    except FileNotFoundError:
        configured = None
    return configured or read_setting(engine(), "cookie_key") or ""


def _credentials() -> dict:
    with engine().connect() as connection:
        rows = connection.execute(select(User.username, User.name, User.password_hash, User.role)).all()
    return {"usernames": {u: {"name": n, "password": h, "roles": [r]} for u, n, h, r in rows}}


def authenticator() -> stauth.Authenticate:
    if "authenticator" not in st.session_state:
        st.session_state["authenticator"] = stauth.Authenticate(
            _credentials(), COOKIE_NAME, _cookie_key(), COOKIE_DAYS, auto_hash=False, login_sleep_time=0
        )
    return st.session_state["authenticator"]


def current_user() -> Actor | None:
    """The logged-in user: from this session, or from a valid re-login cookie."""
    user = st.session_state.get("user")
    if user is not None:
        return user
    if COOKIE_NAME not in st.context.cookies or st.session_state.get("logout"):
        return None
    try:
        authenticator().login(location="unrendered")
    except stauth.utilities.LoginError:
        return None
    username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    found = user_role(engine(), username) if username else None
    if found is None:
        return None
    st.session_state["user"] = Actor(username, found[1])
    st.session_state["user_name"] = found[0]
    return st.session_state["user"]


def _attempt_login() -> None:
    username = st.session_state.get("login_username", "")
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""
    if not username or not password:
        st.session_state["login_error"] = "Enter your username and password."
        return
    try:
        outcome = verify_login(engine(), username, password)
    except SQLAlchemyError as failed:  # a read-only or unreachable database: say so instead of a traceback
        st.session_state["login_error"] = f"Cannot log in now. {database_failed(failed)}"
        return
    if outcome.status is LoginStatus.LOCKED:
        minutes = max(1, round(outcome.retry_after_seconds / 60))
        st.session_state["login_error"] = (
            f"Too many wrong passwords for this login. Try again in about {minutes} minute{'s' if minutes > 1 else ''}."
        )
        return
    if outcome.status is LoginStatus.WRONG:
        st.session_state["login_error"] = "Wrong username or password."
        return
    st.session_state.pop("login_error", None)
    st.session_state.update(
        {
            "user": Actor(outcome.username, outcome.role),
            "user_name": outcome.name,
            "username": outcome.username,
            "name": outcome.name,
            "roles": [outcome.role],
            "authentication_status": True,
            "logout": False,
            "cookie_runs_left": _COOKIE_RUNS,
        }
    )


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


def _request_logout() -> None:
    st.session_state["logging_out"] = True


def logout_button() -> None:
    st.sidebar.button("Log out", key="logout_button", on_click=_request_logout, icon=":material/logout:", width="stretch")


def handle_logout() -> None:
    """Finish a logout asked for by the button: forget the user and delete the cookie."""
    if not st.session_state.pop("logging_out", False):
        return
    if st.session_state.get("authentication_status"):
        authenticator().logout(location="unrendered")
    for key in ("user", "user_name", "cookie_runs_left"):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True


def keep_cookie_fresh() -> None:
    """Right after a form login, set the re-login cookie.

    The cookie is set by a component in the browser, so it stays on screen for a few reruns
    to be sure it ran (a rerun right after the login would otherwise remove it unrun).
    """
    runs = st.session_state.get("cookie_runs_left", 0)
    if runs <= 0 or not _cookie_key():
        return
    with st.sidebar:
        authenticator().cookie_controller.set_cookie()
    st.session_state["cookie_runs_left"] = runs - 1


def require_user(*roles: str) -> Actor:
    """The first call of every page: the user, or nothing of the page at all.

    Streamlit runs a file of pages/ directly, without app.py, until some session has called
    st.navigation (on a fresh server, and on every rerun under AppTest). Such a run gets the
    whole app around it instead: app.py shows the login, or the page inside its frame.
    """
    if not st.session_state.pop("_entered_through_app", False):
        runpy.run_path(str(APP_PATH), run_name="__main__")
        st.stop()
    user = current_user()
    if user is None:
        login_screen()
        st.stop()
    if roles and user.role not in roles:
        st.error(f"This page is for {' or '.join(roles)} users; you are logged in as {user.role}.")
        st.stop()
    return user
