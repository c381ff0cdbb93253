"""First start: an empty database gets the demo portfolio and a per-installation cookie key."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from lib.core import models as models
from lib.core.auth import COOKIE_KEY, new_cookie_key
from lib.core.db import get_setting, put_setting, write_session
from lib.io.demo import DemoSpec, fill_demo


def ensure_initialized(engine: Engine, spec: DemoSpec | None = None) -> bool:
    """Fill a never-initialised database with the demo portfolio; True when it did.

    Runs under a lock, so several app servers starting on one PostgreSQL fill it once.
    """
    with write_session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(727273)))
        if get_setting(session, "initialized"):
            return False
        put_setting(session, COOKIE_KEY, new_cookie_key())
        put_setting(session, "initialized", "1")
        has_data = session.execute(select(models.Account.id).limit(1)).first() is not None
        if not has_data:
            fill_demo(session, spec or DemoSpec())
        return not has_data
