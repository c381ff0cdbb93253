"""Action items of a review: edited in a table, applied exactly once, overdue when open past their due date.

`edit_set_between` compares the items as they were shown with the table as edited, by item id,
and keeps each item's values as shown. `apply_edits` then, in one transaction, applies a change
only to an item that still holds those values (someone else's change in between is reported,
never overwritten), and records the edit set's token in the audit log: the same edit set sent
twice is applied once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, and_, func, select, text
from sqlalchemy.orm import Session

from lib.core.auth import Actor, require_role
from lib.core.db import NOTES, bump_version, unstorable, utc_now, write_session
from lib.core.models import Account, ActionItem, AuditLog
from lib.core.quarters import parse_quarter
from lib.core.roles import EDIT_ROLES

STATUSES = ("open", "done", "dropped")
FIELDS = ("text", "owner", "due", "status")
MAX_TEXT_CHARS = 2_000
EDIT_ACTION = "edit action items"
ITEM_COLUMNS = ["id", "text", "owner", "due", "status", "updated_by", "updated_at"]


@dataclass(frozen=True)
class ItemChange:
    item_id: int
    before: dict  # the values shown when the edit began
    after: dict  # the values asked for


@dataclass(frozen=True)
class EditSet:
    token: str  # one per editing session: a token already applied is not applied again
    changes: tuple[ItemChange, ...] = ()
    added: tuple[dict, ...] = ()
    deleted: tuple[ItemChange, ...] = ()  # `after` is empty

    @property
    def size(self) -> int:
        return len(self.changes) + len(self.added) + len(self.deleted)


class InvalidEdits(ValueError):
    """Edits that cannot be saved as they are; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Refused:
    """A change that was not applied because someone else changed or removed the item meanwhile."""

    item_id: int
    action: str  # "change" or "delete"
    yours: dict
    now: dict | None  # the item as it is now; None when it is gone
    reason: str


@dataclass(frozen=True)
class ApplyResult:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    refused: tuple[Refused, ...] = ()
    already_applied: bool = False
    new_ids: tuple[int, ...] = field(default=())

    @property
    def written(self) -> int:
        return self.added + self.updated + self.deleted


# --- reading --------------------------------------------------------------------------------


def items_for(engine: Engine, account_id: int, quarter: str) -> pd.DataFrame:
    """The action items of an account's review in a quarter, in the order they were added."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ActionItem.id,
                ActionItem.text,
                ActionItem.owner,
                ActionItem.due,
                ActionItem.status,
                ActionItem.updated_by,
                ActionItem.updated_at,
            )
            .where(ActionItem.account_id == account_id, ActionItem.quarter == quarter)
            .order_by(ActionItem.id)
        ).all()
    return _typed(pd.DataFrame(rows, columns=ITEM_COLUMNS))


def account_open_items(engine: Engine, account_id: int, today: dt.date) -> pd.DataFrame:
    """The open action items of an account, from every quarter, soonest due first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(ActionItem.quarter, ActionItem.text, ActionItem.owner, ActionItem.due)
            .where(ActionItem.account_id == account_id, ActionItem.status == "open")
            .order_by(ActionItem.due.is_(None), ActionItem.due, ActionItem.id)
        ).all()
    frame = pd.DataFrame(rows, columns=["quarter", "text", "owner", "due"])
    return with_overdue(frame.assign(status="open"), today)


def open_items(
    engine: Engine, today: dt.date, owner: str | None = None, overdue_only: bool = False, limit: int = 1_000
) -> tuple[pd.DataFrame, int]:
    """Open action items across the portfolio (optionally one owner's, or only overdue ones), and how many in all."""
    conditions = [ActionItem.status == "open"]
    if owner:
        conditions.append(ActionItem.owner == owner)
    if overdue_only:
        conditions.append(and_(ActionItem.due.is_not(None), ActionItem.due < today))
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(ActionItem).where(*conditions))
        rows = connection.execute(
            select(
                ActionItem.id,
                ActionItem.account_id,
                Account.name,
                ActionItem.quarter,
                ActionItem.text,
                ActionItem.owner,
                ActionItem.due,
                ActionItem.status,
            )
            .join(Account, Account.id == ActionItem.account_id)
            .where(*conditions)
            .order_by(ActionItem.due.is_(None), ActionItem.due, Account.name, ActionItem.id)
            .limit(limit)
        ).all()
    frame = pd.DataFrame(rows, columns=["id", "account_id", "account", "quarter", "text", "owner", "due", "status"])
    return with_overdue(frame, today), int(total or 0)


def open_item_owners(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        owners = connection.scalars(
            select(ActionItem.owner).where(ActionItem.status == "open", ActionItem.owner.is_not(None)).distinct()
        ).all()
    return sorted(o for o in owners if o)


def is_overdue(due: dt.date | None, status: str, today: dt.date) -> bool:
    return status == "open" and due is not None and due < today


def with_overdue(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Add `days_overdue`: days past the due date of an open item, else missing."""
    days = [
        (today - due).days if is_overdue(due, status, today) else None
        for due, status in zip(frame["due"].map(_date_or_none), frame["status"])
    ]
    return frame.assign(days_overdue=pd.array(days, dtype="Int64"))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["due"] = frame["due"].map(_date_or_none).astype(object)
    return frame


# --- editing --------------------------------------------------------------------------------


def editor_frame(items: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The items as the table editor shows them: the editable fields, a read-only overdue note, the id hidden."""
    frame = items[["id", *FIELDS]].copy()
    frame["due"] = frame["due"].map(_date_or_none).astype(object)
    frame["overdue"] = [
        f"{(today - due).days} days overdue" if is_overdue(due, status, today) else ""
        for due, status in zip(frame["due"], frame["status"])
    ]
    return frame.reset_index(drop=True)


def edit_set_between(before: pd.DataFrame, after: pd.DataFrame, token: str) -> EditSet:
    """The changes that turn the items as shown (`before`) into the table as edited (`after`).

    Rows of `after` are matched to items by their `id`; a row without one is new (left out
    when entirely blank); an item whose id is gone from `after` was deleted.
    """
    shown = {int(row["id"]): _normalised(row) for _, row in before.iterrows()}
    seen: set[int] = set()
    changes, added = [], []
    for _, row in after.iterrows():
        if _blank(row.get("id")):
            if any(not _blank(row.get(k)) for k in FIELDS):
                added.append({k: (None if _blank(row.get(k)) else row.get(k)) for k in FIELDS})
            continue
        item_id = int(row["id"])
        seen.add(item_id)
        values = {k: (None if _blank(row.get(k)) else row.get(k)) for k in FIELDS}
        if item_id in shown and _normalised(values) != shown[item_id]:
            changes.append(ItemChange(item_id, shown[item_id], values))
    deleted = [ItemChange(item_id, values, {}) for item_id, values in shown.items() if item_id not in seen]
    return EditSet(token, tuple(changes), tuple(added), tuple(deleted))


def apply_edits(engine: Engine, actor: Actor, account_id: int, quarter: str, edits: EditSet) -> ApplyResult:
    """Apply an edit set in one transaction, exactly once; changes to items changed meanwhile are refused."""
    require_role(actor, *EDIT_ROLES)
    quarter = parse_quarter(quarter)
    changes, added, deleted = _validated(edits)
    if not (changes or added or deleted):
        return ApplyResult()
    entity = f"action items {account_id} {quarter}"
    with write_session(engine) as session:
        if session.get_bind().dialect.name == "postgresql":
            # Serialise edit sets of one account, so the token check below holds with concurrent requests.
            session.execute(text("SELECT pg_advisory_xact_lock(727274, :account)"), {"account": int(account_id)})
        if _token_applied(session, entity, edits.token):
            return ApplyResult(already_applied=True)
        if session.get(Account, account_id) is None:
            raise ValueError(f"there is no account {account_id}")
        ids = [c.item_id for c in changes + deleted]
        current = {
            item.id: item
            for item in session.scalars(
                select(ActionItem)
                .where(ActionItem.id.in_(ids), ActionItem.account_id == account_id, ActionItem.quarter == quarter)
                .with_for_update()
            )
        }
        now = utc_now()
        log: list[str] = []
        refused: list[Refused] = []
        updated = removed = 0
        for change in changes:
            item = current.get(change.item_id)
            values = _item_values(item) if item is not None else None
            if values == change.after:
                continue  # already so: nothing to do
            if values != change.before:
                refused.append(_refusal(change, "change", item, values))
                continue
            for name in FIELDS:
                setattr(item, name, change.after[name])
            item.updated_by, item.updated_at = actor.username, now
            updated += 1
            log.append(f"changed #{item.id} {_describe_change(change.before, change.after)}")
        for change in deleted:
            item = current.get(change.item_id)
            if item is None:
                continue  # gone already
            values = _item_values(item)
            if values != change.before:
                refused.append(_refusal(change, "delete", item, values))
                continue
            session.delete(item)
            removed += 1
            log.append(f"deleted #{item.id} {values['text']!r}")
        new_items = [
            ActionItem(account_id=account_id, quarter=quarter, **values, updated_by=actor.username, updated_at=now)
            for values in added
        ]
        session.add_all(new_items)
        session.flush()
        log += [f"added #{item.id} {item.text!r}" for item in new_items]
        summary = f"edit set {edits.token}: added {len(new_items)}, changed {updated}, deleted {removed}, refused {len(refused)}"
        session.add(AuditLog(at=now, user=actor.username, action=EDIT_ACTION, entity=entity, detail="\n".join([summary, *log])))
        if new_items or updated or removed:
            bump_version(session, NOTES)
        return ApplyResult(len(new_items), updated, removed, tuple(refused), new_ids=tuple(i.id for i in new_items))


def _token_applied(session: Session, entity: str, token: str) -> bool:
    return (
        session.scalar(
            select(AuditLog.id)
            .where(AuditLog.action == EDIT_ACTION, AuditLog.entity == entity, AuditLog.detail.startswith(f"edit set {token}:"))
            .limit(1)
        )
        is not None
    )


def _refusal(change: ItemChange, action: str, item: ActionItem | None, values: dict | None) -> Refused:
    if item is None:
        reason = "someone removed this item meanwhile"
    else:
        when = f" at {item.updated_at:%H:%M} UTC" if item.updated_at else ""
        reason = f"{item.updated_by or 'someone'} changed this item meanwhile{when}"
    return Refused(change.item_id, action, change.after or change.before, values, reason)


def _describe_change(before: dict, after: dict) -> str:
    return ", ".join(f"{k}: {before[k]!r} -> {after[k]!r}" for k in FIELDS if before[k] != after[k])


def _validated(edits: EditSet) -> tuple[list[ItemChange], list[dict], list[ItemChange]]:
    problems: list[str] = []
    changes = []
    for change in edits.changes:
        label = f"item {change.before.get('text') or change.item_id!r}"
        before = _normalised(change.before)
        after = _clean(change.after, label, problems, default_status=None)
        if before is not None and after is not None and before != after:
            changes.append(ItemChange(change.item_id, before, after))
    added = []
    for number, values in enumerate(edits.added, start=1):
        cleaned = _clean(values, f"new row {number}", problems, default_status="open")
        if cleaned is not None:
            added.append(cleaned)
    deleted = []
    for change in edits.deleted:
        deleted.append(ItemChange(change.item_id, _normalised(change.before), {}))
    if problems:
        raise InvalidEdits(problems)
    return changes, added, deleted


def _clean(values: Mapping, label: str, problems: list[str], default_status: str | None) -> dict | None:
    found = len(problems)
    text_value = "" if _blank(values.get("text")) else str(values.get("text")).strip()
    if not text_value:
        problems.append(f"{label}: an action item needs a text")
    elif len(text_value) > MAX_TEXT_CHARS:
        problems.append(f"{label}: the text is longer than {MAX_TEXT_CHARS:,} characters")
    owner = None if _blank(values.get("owner")) else str(values.get("owner")).strip()[:200]
    for name, value in (("text", text_value), ("owner", owner or "")):
        problem = unstorable(value)
        if problem:
            problems.append(f"{label}: the {name} cannot be saved as it is: {problem}")
    try:
        due = _date_or_none(values.get("due"))
    except ValueError:
        problems.append(f"{label}: the due date {values.get('due')!r} is not a date (YYYY-MM-DD)")
        due = None
    status = None if _blank(values.get("status")) else str(values.get("status")).strip().lower()
    status = status or default_status
    if status not in STATUSES:
        problems.append(f"{label}: the status must be one of {', '.join(STATUSES)}")
    if len(problems) > found:
        return None
    return {"text": text_value, "owner": owner or None, "due": due, "status": status}


def _item_values(item: ActionItem) -> dict:
    return _normalised({"text": item.text, "owner": item.owner, "due": item.due, "status": item.status})


def _normalised(values: Mapping) -> dict:
    """Values as _clean writes them, so that what was shown and what is stored compare equal."""
    return _clean(values, "", [], default_status=None) or {name: values.get(name) for name in FIELDS}


def _blank(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _date_or_none(value: object) -> dt.date | None:
    """A date from what the table editor or the database hands over: date, datetime, Timestamp or ISO text."""
    if _blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):  # epoch milliseconds, as a date cell may come back
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC).date()
    return dt.date.fromisoformat(str(value).strip()[:10])
