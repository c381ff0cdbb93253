"""One account's people: the client's stakeholders with when we last met them, and the latest meetings.

Everything is as of a day (Account 360: the end of the quarter shown, or today while it runs);
"in 90 days" is DESIGN.md's: dated as_of - 89 .. as_of. Small queries by account id, one connection.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, case, func, select

from lib.core.models import Interaction, Stakeholder
from lib.relationships.vocabulary import LEVELS

THREAD_WINDOW_DAYS = 90
RECENT_INTERACTIONS = 12


def window_start(as_of: dt.date) -> dt.date:
    """The day before the 90-day window: an interaction counts when dated after it, up to as_of."""
    return as_of - dt.timedelta(days=THREAD_WINDOW_DAYS)


def stakeholders(connection: Connection, account_id: int, as_of: dt.date) -> pd.DataFrame:
    """The account's stakeholders, the most senior first (lib.relationships.vocabulary.LEVELS), then by name,
    each with the last contact up to as_of and the contacts in the 90 days to it."""
    since = window_start(as_of)
    contacts = (
        select(
            Interaction.stakeholder_id.label("stakeholder_id"),
            func.max(Interaction.date).label("last_contact"),
            func.sum(case((Interaction.date > since, 1), else_=0)).label("contacts_90d"),
        )
        .where(Interaction.account_id == account_id, Interaction.date <= as_of, Interaction.stakeholder_id.is_not(None))
        .group_by(Interaction.stakeholder_id)
        .subquery()
    )
    seniority = case({level: rank for rank, level in enumerate(LEVELS)}, value=Stakeholder.level, else_=len(LEVELS))
    rows = connection.execute(
        select(
            Stakeholder.name,
            Stakeholder.title,
            Stakeholder.level,
            Stakeholder.role,
            Stakeholder.our_owner,
            contacts.c.last_contact,
            func.coalesce(contacts.c.contacts_90d, 0),
        )
        .outerjoin(contacts, contacts.c.stakeholder_id == Stakeholder.id)
        .where(Stakeholder.account_id == account_id)
        .order_by(seniority, Stakeholder.name)
    ).all()
    frame = pd.DataFrame(rows, columns=["name", "title", "level", "role", "our_owner", "last_contact", "contacts_90d"])
    frame["last_contact"] = (
        pd.to_datetime(frame["last_contact"]).dt.date.astype(object).where(frame["last_contact"].notna(), None)
    )
    return frame


def recent_interactions(
    connection: Connection, account_id: int, as_of: dt.date, limit: int = RECENT_INTERACTIONS
) -> pd.DataFrame:
    """The latest meetings, calls and emails up to as_of, newest first."""
    rows = connection.execute(
        select(Interaction.date, Interaction.stakeholder_name, Interaction.our_person, Interaction.channel)
        .where(Interaction.account_id == account_id, Interaction.date <= as_of)
        .order_by(Interaction.date.desc(), Interaction.id.desc())
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=["date", "stakeholder", "our_person", "channel"])


def people_met(connection: Connection, account_id: int, as_of: dt.date) -> int:
    """How many of the client's people our interactions touched in the 90 days to as_of (one or fewer: single-threaded)."""
    met = connection.scalar(
        select(func.count(func.distinct(Interaction.stakeholder_name))).where(
            Interaction.account_id == account_id,
            Interaction.stakeholder_name != "",
            Interaction.date > window_start(as_of),
            Interaction.date <= as_of,
        )
    )
    return int(met or 0)
