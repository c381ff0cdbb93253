"""What the database holds: row counts per table and the recent imports."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from lib.core import models as models

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
            .where(models.AuditLog.action.in_(("import", "demo")))
            .order_by(models.AuditLog.id.desc())
            .limit(limit)
        ).all()
    return pd.DataFrame(rows, columns=["at", "user", "action", "files", "detail"])
