"""Passwords, the login lockout and the role rules of every write."""

import datetime as dt

import pytest

from lib.auth import MAX_FAILED_LOGINS, Actor, LoginStatus, PermissionDenied, add_user, require_role, verify_login
from lib.db import utc_now


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
