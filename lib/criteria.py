"""Key-account criteria sets in the database: saved as JSON, validated on load, approved by an admin.

Every write checks the actor's role here, on the server, writes the audit log and bumps the
CRITERIA data version in the same transaction, so every app server's caches see it on their next run.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from lib.auth import Actor, require_role
from lib.db import CRITERIA, bump_version, utc_now, write_session
from lib.models import AuditLog, CriteriaSetRow
from lib.qualification import CriteriaSet, InvalidCriteria

SAVE_ROLES = ("editor", "admin")
APPROVE_ROLES = ("admin",)
MAX_NAME = 200


@dataclass(frozen=True)
class StoredCriteriaSet:
    """A saved criteria set. `criteria` is None when its stored JSON is invalid; `problem` says why."""

    id: int
    name: str
    criteria: CriteriaSet | None
    problem: str | None
    rules_json: str
    created_by: str
    created_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    active: bool
    review_due: dt.date | None

    @property
    def status(self) -> str:
        if self.active:
            return "active"
        return "approved before" if self.approved_at else "draft"

    def review_overdue(self, today: dt.date) -> bool:
        """Due for review: the review date has come (an active set only)."""
        return self.active and self.review_due is not None and self.review_due <= today


def _stored(row: CriteriaSetRow) -> StoredCriteriaSet:
    try:
        criteria, problem = CriteriaSet.from_json(row.rules), None
    except InvalidCriteria as invalid:
        criteria, problem = None, str(invalid)
    return StoredCriteriaSet(
        id=row.id,
        name=row.name,
        criteria=criteria,
        problem=problem,
        rules_json=row.rules,
        created_by=row.created_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        active=bool(row.active),
        review_due=row.review_due,
    )


def list_criteria_sets(engine: Engine) -> list[StoredCriteriaSet]:
    """Every saved set, the active one first, then the newest; a read, open to every logged-in role."""
    with Session(engine) as session:
        rows = session.scalars(
            select(CriteriaSetRow).order_by(
                CriteriaSetRow.active.desc(), CriteriaSetRow.created_at.desc(), CriteriaSetRow.id.desc()
            )
        ).all()
        return [_stored(row) for row in rows]


def get_criteria_set(engine: Engine, set_id: int) -> StoredCriteriaSet | None:
    with Session(engine) as session:
        row = session.get(CriteriaSetRow, set_id)
        return None if row is None else _stored(row)


def active_criteria(engine: Engine) -> StoredCriteriaSet | None:
    """The active, approved set (the latest approved if the table ever holds two), or None."""
    with Session(engine) as session:
        row = session.scalars(
            select(CriteriaSetRow)
            .where(CriteriaSetRow.active.is_(True))
            .order_by(CriteriaSetRow.approved_at.desc(), CriteriaSetRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _stored(row)


def one_quarter_later(day: dt.date) -> dt.date:
    """The same day three months later (the last day of the month when it has fewer days)."""
    month = day.month + 3
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def save_criteria_set(engine: Engine, actor: Actor, name: str, criteria: CriteriaSet, now: dt.datetime | None = None) -> int:
    """Save a draft under a new, unique name (editor or admin); returns its id. It is not active until approved."""
    require_role(actor, *SAVE_ROLES)
    name = " ".join(str(name or "").split())
    if not name:
        raise ValueError("Give the set a name.")
    if len(name) > MAX_NAME:
        raise ValueError(f"The name is too long ({len(name)} characters; at most {MAX_NAME}).")
    if not isinstance(criteria, CriteriaSet):
        raise InvalidCriteria(["Only a valid criteria set can be saved."])
    text = CriteriaSet.from_dict(criteria.to_dict()).to_json()  # validated again, as it will be read back
    now = now or utc_now()
    with write_session(engine) as session:
        taken = session.scalar(select(CriteriaSetRow.id).where(func.lower(CriteriaSetRow.name) == name.lower()))
        if taken is not None:
            raise ValueError(f"A set named {name!r} exists already; choose another name.")
        row = CriteriaSetRow(name=name, rules=text, created_by=actor.username, created_at=now, active=False)
        session.add(row)
        session.flush()
        session.add(
            AuditLog(
                at=now, user=actor.username, action="save criteria", entity=f"criteria set {row.id}", detail=f"{name}: {text}"
            )
        )
        bump_version(session, CRITERIA)
        return row.id


def approve_criteria_set(engine: Engine, actor: Actor, set_id: int, now: dt.datetime | None = None) -> StoredCriteriaSet:
    """Make a saved set the active one (admin only): who and when are recorded, review due one quarter later.

    Approving the active set again records a new review and moves its review date.
    """
    require_role(actor, *APPROVE_ROLES)
    now = now or utc_now()
    with write_session(engine) as session:
        # Lock every set first: two admins approving at once must leave exactly one active (PostgreSQL;
        # SQLite's write transaction already serialises them).
        rows = {row.id: row for row in session.scalars(select(CriteriaSetRow).with_for_update())}
        row = rows.get(set_id)
        if row is None:
            raise LookupError(f"There is no criteria set {set_id}.")
        try:
            CriteriaSet.from_json(row.rules)
        except InvalidCriteria as invalid:
            raise InvalidCriteria([f"Set {row.name!r} cannot be approved:", *invalid.problems]) from None
        replaced = [r for r in rows.values() if r.active and r.id != set_id]
        session.execute(update(CriteriaSetRow).where(CriteriaSetRow.id != set_id).values(active=False))
        row.active = True
        row.approved_by = actor.username
        row.approved_at = now
        row.review_due = one_quarter_later(now.date())
        detail = {"name": row.name, "review_due": row.review_due.isoformat(), "replaces": [r.id for r in replaced]}
        session.add(
            AuditLog(
                at=now, user=actor.username, action="approve criteria", entity=f"criteria set {row.id}", detail=json.dumps(detail)
            )
        )
        bump_version(session, CRITERIA)
        session.flush()
        return _stored(row)
