"""Users, bcrypt passwords, login throttling and the role rules every write checks."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import Enum

import bcrypt
from sqlalchemy import Engine, select

from lib.db import utc_now, write_session
from lib.models import AuditLog, User

ROLES = ("viewer", "editor", "admin")
MAX_FAILED_LOGINS = 5
# A dummy hash to check unknown names against, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=10))


def lockout_seconds() -> int:
    """How long a login stays refused after too many wrong passwords (tests shorten it)."""
    return int(os.environ.get("KEYSTONE_LOCKOUT_SECONDS", "300"))


@dataclass(frozen=True)
class Actor:
    """Who performs a write: every write function in lib takes one and checks the role."""

    username: str
    role: str


class PermissionDenied(Exception):
    pass


def require_role(actor: Actor | None, *allowed: str) -> Actor:
    """Refuse the write unless the actor holds one of the allowed roles."""
    if actor is None or actor.role not in allowed:
        who = "nobody" if actor is None else f"{actor.username} ({actor.role})"
        raise PermissionDenied(f"{who} may not do this: it needs the role {' or '.join(allowed)}")
    return actor


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


class LoginStatus(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginOutcome:
    status: LoginStatus
    username: str = ""
    name: str = ""
    role: str = ""
    retry_after_seconds: int = 0


def verify_login(engine: Engine, username: str, password: str, now: dt.datetime | None = None) -> LoginOutcome:
    """Check a password; after MAX_FAILED_LOGINS wrong ones the login is refused for a while.

    The counter lives in the database, so every app server sees the same lock.
    """
    now = now or utc_now()
    username = username.strip()
    with write_session(engine) as session:
        user = session.scalars(select(User).where(User.username == username).with_for_update()).first()
        if user is None:
            bcrypt.checkpw(password.encode(), _DUMMY_HASH)
            return LoginOutcome(LoginStatus.WRONG)
        if user.locked_until and user.locked_until > now:
            return LoginOutcome(LoginStatus.LOCKED, retry_after_seconds=int((user.locked_until - now).total_seconds()) + 1)
        if bcrypt.checkpw(password.encode(), user.password_hash.encode()):
            user.failed_logins, user.locked_until = 0, None
            session.add(AuditLog(at=now, user=user.username, action="login", entity="session", detail=""))
            return LoginOutcome(LoginStatus.OK, user.username, user.name, user.role)
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + dt.timedelta(seconds=lockout_seconds())
            session.add(
                AuditLog(
                    at=now, user=user.username, action="lockout", entity="session", detail=f"{MAX_FAILED_LOGINS} wrong passwords"
                )
            )
            return LoginOutcome(LoginStatus.LOCKED, retry_after_seconds=lockout_seconds())
        return LoginOutcome(LoginStatus.WRONG)


def add_user(engine: Engine, username: str, name: str, role: str, password: str, actor: str = "cli") -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if not username.strip() or len(password) < 8:
        raise ValueError("a user needs a name and a password of at least 8 characters")
    with write_session(engine) as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise ValueError(f"user {username!r} exists already")
        session.add(
            User(
                username=username,
                name=name or username,
                role=role,
                password_hash=hash_password(password),
                is_demo=False,
                failed_logins=0,
            )
        )
        session.add(AuditLog(at=utc_now(), user=actor, action="add user", entity=f"user {username}", detail=role))


def demo_logins(engine: Engine) -> list[tuple[str, str]]:
    """(username, role) of the demo users, shown on the login screen; empty outside a demo database."""
    with engine.connect() as connection:
        rows = connection.execute(select(User.username, User.role).where(User.is_demo.is_(True)).order_by(User.id))
        return [(u, r) for u, r in rows]


def user_role(engine: Engine, username: str) -> tuple[str, str] | None:
    """(name, role) of a user, read fresh so a changed role applies on the next rerun."""
    with engine.connect() as connection:
        row = connection.execute(select(User.name, User.role).where(User.username == username)).first()
        return (row[0], row[1]) if row else None
