"""What the database holds: row counts per table, the time of its data and the recent imports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, func, select

from lib.core import models as models
from lib.core.db import read_setting
from lib.io.importer import REJECTED

COUNTED = (
    models.Account,
    models.Revenue,
    models.CompetitorSpend,
    models.Survey,
    models.Stakeholder,
    models.Interaction,
    models.ReviewNote,
    models.ActionItem,
    models.CriteriaSetRow,
)


def table_counts(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        rows = [(m.__tablename__, connection.scalar(select(func.count()).select_from(m))) for m in COUNTED]
    return pd.DataFrame(rows, columns=["table", "rows"])


def recent_writes(engine: Engine, limit: int = 20) -> pd.DataFrame:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                models.AuditLog.at, models.AuditLog.user, models.AuditLog.action, models.AuditLog.entity, models.AuditLog.detail
            )
            .where(models.AuditLog.action.in_(("import", REJECTED, "demo")))
            .order_by(models.AuditLog.id.desc())
            .limit(limit)
        ).all()
    return pd.DataFrame(rows, columns=["at", "user", "action", "files", "detail"])


def data_as_of(engine: Engine) -> dt.datetime | None:
    """When the data was last written by an import or the demo, as the database says now."""
    stored = read_setting(engine, "data_as_of")
    return dt.datetime.fromisoformat(stored) if stored else None
