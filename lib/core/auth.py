"""Users, bcrypt passwords, login sessions, login throttling and the role rules every write checks."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import secrets
from dataclasses import dataclass
from enum import Enum

import bcrypt
import jwt
from sqlalchemy import ColumnElement, Engine, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib.core.db import put_setting, utc_now, write_session
from lib.core.models import AuditLog, LoginSession, LoginThrottle, User
from lib.core.roles import ROLES

MAX_FAILED_LOGINS = 5
PASSWORD_ROUNDS = 12
SESSION_DAYS = 7
COOKIE_KEY = "cookie_key"  # the setting that signs the re-login cookie
# What never leaves the database (export, pages): settings rows and whole tables.
SECRET_SETTINGS = (COOKIE_KEY,)
SECRET_TABLES = ("users", "login_sessions", "login_throttle")  # password hashes, login ids, who tried what from where
_COOKIE_ALGORITHM = "HS256"


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


def client_of(address: str | None, forwarded_for: str | None = None, trust_proxy: bool = False) -> str:
    """Who is typing, for the login throttle: the connection's address, or behind a trusted reverse proxy the
    address it says it forwards for (the last one it appended to X-Forwarded-For); "local" when there is none."""
    if trust_proxy and forwarded_for:
        forwarded = forwarded_for.split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return address if isinstance(address, str) and address else "local"


def full_name(username: ColumnElement[str] | str) -> ColumnElement[str]:
    """The one way a person is named on screen: in a query where a username is stored, the user's full name.

    'editor' reads 'Erin Editor'; a user no longer on record (or without a name) reads as the username.
    """
    name = select(User.name).where(User.username == username).scalar_subquery()
    return func.coalesce(func.nullif(name, ""), username)


def hash_password(password: str, rounds: int = PASSWORD_ROUNDS) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


@functools.cache
def _dummy_hash() -> bytes:
    """What an unknown name is checked against, at the real cost, so a wrong name takes as long as a wrong password."""
    return hash_password("not a password").encode()


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


def verify_login(
    engine: Engine, username: str, password: str, now: dt.datetime | None = None, *, client: str = "unknown"
) -> LoginOutcome:
    """Check a password; after MAX_FAILED_LOGINS wrong ones from one client that client waits a while.

    The count is per (username, client), so a stranger's guesses do not lock the real user out on
    another client, and it is kept for names that do not exist exactly as for those that do: the
    answers and their timing tell nobody which names exist. It lives in the database, shared by
    every app server.
    """
    now = now or utc_now()
    username = username.strip()
    with write_session(engine) as session:
        throttle = _throttle(session, username, client)
        if throttle.locked_until and throttle.locked_until > now:
            return LoginOutcome(LoginStatus.LOCKED, retry_after_seconds=int((throttle.locked_until - now).total_seconds()) + 1)
        user = session.scalars(select(User).where(User.username == username)).first()
        stored = user.password_hash.encode() if user else _dummy_hash()
        if _password_matches(password, stored) and user is not None:
            session.delete(throttle)
            session.add(AuditLog(at=now, user=user.username, action="login", entity="session", detail=""))
            return LoginOutcome(LoginStatus.OK, user.username, user.name, user.role)
        return _count_failure(session, throttle, now)


def _password_matches(password: str, stored: bytes) -> bool:
    typed = password.encode()
    # bcrypt reads at most 72 bytes (and refuses more): a longer password is wrong, at the same cost.
    return bcrypt.checkpw(typed[:72], stored) and len(typed) <= 72


def _throttle(session: Session, username: str, client: str) -> LoginThrottle:
    """The locked row of wrong passwords for this name and client, made on first use."""
    key = {"username": username[:100], "client": client[:64]}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(LoginThrottle).values(**key, failures=0).on_conflict_do_nothing())
    return session.scalars(select(LoginThrottle).filter_by(**key).with_for_update()).one()


def _count_failure(session: Session, throttle: LoginThrottle, now: dt.datetime) -> LoginOutcome:
    window = dt.timedelta(seconds=lockout_seconds())
    if throttle.last_failure_at is None or now - throttle.last_failure_at > window:
        throttle.failures = 0  # wrong passwords long ago do not add up
    throttle.failures += 1
    throttle.last_failure_at = now
    # Old rows of names nobody tries any more go, so strangers cannot fill the table.
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - dt.timedelta(days=1),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    if throttle.failures < MAX_FAILED_LOGINS:
        return LoginOutcome(LoginStatus.WRONG)
    throttle.failures = 0
    throttle.locked_until = now + window
    detail = f"{MAX_FAILED_LOGINS} wrong passwords from {throttle.client}"
    session.add(AuditLog(at=now, user=throttle.username, action="lockout", entity="session", detail=detail))
    return LoginOutcome(LoginStatus.LOCKED, retry_after_seconds=lockout_seconds())


# --- login sessions: what the re-login cookie points at, checked on every rerun --------------------


@dataclass(frozen=True)
class SessionUser:
    """The user behind a live login session, as the database says now."""

    username: str
    name: str
    role: str

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(engine: Engine, username: str, now: dt.datetime | None = None) -> str:
    """A new login session for the user; returns its id (kept by the browser, only its hash is stored)."""
    now = now or utc_now()
    session_id = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise LookupError(f"no user {username!r}")
        session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
        expires = now + dt.timedelta(days=SESSION_DAYS)
        session.add(LoginSession(token_hash=_hashed(session_id), user_id=user_id, created_at=now, expires_at=expires))
    return session_id


def session_user(engine: Engine, session_id: str, now: dt.datetime | None = None) -> SessionUser | None:
    """The user of a live session, read fresh: None once it was logged out, expired, or the user deleted."""
    now = now or utc_now()
    with engine.connect() as connection:
        row = connection.execute(
            select(User.username, User.name, User.role)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == _hashed(session_id), LoginSession.expires_at > now)
        ).first()
    return SessionUser(*row) if row else None


def end_session(engine: Engine, session_id: str) -> None:
    """Log out: the session ends on the server, so every tab and every copy of the cookie loses it."""
    with write_session(engine) as session:
        username = session.scalar(
            select(User.username)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == _hashed(session_id))
        )
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _hashed(session_id)))
        if username is not None:
            session.add(AuditLog(at=utc_now(), user=username, action="logout", entity="session", detail=""))


def new_cookie_key() -> str:
    return secrets.token_urlsafe(32)


def rotate_cookie_key(engine: Engine, actor: str = "cli") -> int:
    """Replace the stored cookie key and end every login session; returns how many were ended."""
    with write_session(engine) as session:
        put_setting(session, COOKIE_KEY, new_cookie_key())
        ended = session.scalar(select(func.count()).select_from(LoginSession)) or 0
        session.execute(delete(LoginSession))
        session.add(
            AuditLog(at=utc_now(), user=actor, action="rotate key", entity="cookie key", detail=f"{ended} sessions ended")
        )
    return ended


def sign_cookie(session_id: str, key: str) -> str:
    """The re-login cookie: the session id, signed with the cookie key."""
    return jwt.encode({"sid": session_id}, key, algorithm=_COOKIE_ALGORITHM)


def cookie_session_id(cookie: str, key: str) -> str | None:
    """The session id in a cookie this installation signed; None for anything else.

    Only HS256 with our key passes: an unsigned ("alg": "none"), forged, expired or malformed
    cookie is just no login.
    """
    if not key or not cookie:
        return None
    try:
        claims = jwt.decode(cookie, key, algorithms=[_COOKIE_ALGORITHM], options={"require": ["sid"]})
    except jwt.PyJWTError:
        return None
    session_id = claims.get("sid")
    return session_id if isinstance(session_id, str) and session_id else None


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
