"""Key-account criteria sets in the database: saved as JSON, validated on load, approved by an admin.

Every write checks the actor's role here, on the server, writes the audit log and bumps the
CRITERIA data version in the same transaction, so every app server's caches see it on their next run.
A set's history is read back from the audit log: who saved it, every approval and its reason, what
replaced it. People are named by their full names (lib.core.auth.full_name), as everywhere on screen.
`criteria_changes` says in words what a draft changes against another set.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, Select, func, select, update
from sqlalchemy.orm import Session

from lib.core.auth import Actor, full_name, require_role
from lib.core.db import CRITERIA, bump_version, utc_now, write_session
from lib.core.models import AuditLog, CriteriaSetRow
from lib.core.roles import APPROVE_ROLES, EDIT_ROLES
from lib.keyaccounts.criteria import OP_SIGNS, CriteriaSet, InvalidCriteria, Rule, threshold_text

MAX_NAME = 200
MAX_NOTE = 500
SAVE, APPROVE = "save criteria", "approve criteria"


@dataclass(frozen=True)
class StoredCriteriaSet:
    """A saved criteria set. `criteria` is None when its stored JSON is invalid; `problem` says why."""

    id: int
    name: str
    criteria: CriteriaSet | None
    problem: str | None
    rules_json: str
    created_by: str  # usernames, as stored
    created_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    active: bool
    review_due: dt.date | None
    created_by_name: str  # the same people as the screen names them: 'Erin Editor'
    approved_by_name: str | None
    approval_note: str | None = None

    @property
    def status(self) -> str:
        if self.active:
            return "active"
        return "approved before" if self.approved_at else "draft"

    def review_overdue(self, today: dt.date) -> bool:
        """Due for review: the review date has come (an active set only)."""
        return self.active and self.review_due is not None and self.review_due <= today


def _stored(row: CriteriaSetRow, created_by_name: str, approved_by_name: str | None) -> StoredCriteriaSet:
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
        created_by_name=created_by_name,
        approved_by_name=approved_by_name,
        approval_note=row.approval_note,
    )


def _sets_with_names() -> Select[tuple[CriteriaSetRow, str, str | None]]:
    return select(CriteriaSetRow, full_name(CriteriaSetRow.created_by), full_name(CriteriaSetRow.approved_by))


def list_criteria_sets(engine: Engine) -> list[StoredCriteriaSet]:
    """Every saved set, the active one first, then the newest; a read, open to every logged-in role."""
    with Session(engine) as session:
        rows = session.execute(
            _sets_with_names().order_by(CriteriaSetRow.active.desc(), CriteriaSetRow.created_at.desc(), CriteriaSetRow.id.desc())
        ).all()
        return [_stored(*row) for row in rows]


def get_criteria_set(engine: Engine, set_id: int) -> StoredCriteriaSet | None:
    with Session(engine) as session:
        row = session.execute(_sets_with_names().where(CriteriaSetRow.id == set_id)).first()
        return None if row is None else _stored(*row)


def active_criteria(engine: Engine) -> StoredCriteriaSet | None:
    """The active, approved set (the latest approved if the table ever holds two), or None."""
    with Session(engine) as session:
        row = session.execute(
            _sets_with_names()
            .where(CriteriaSetRow.active.is_(True))
            .order_by(CriteriaSetRow.approved_at.desc(), CriteriaSetRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _stored(*row)


def one_quarter_later(day: dt.date) -> dt.date:
    """The same day three months later (the last day of the month when it has fewer days)."""
    month = day.month + 3
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _clean_name(name: object) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValueError("Give the set a name.")
    if len(name) > MAX_NAME:
        raise ValueError(f"The name is too long ({len(name)} characters; at most {MAX_NAME}).")
    return name


def _clean_note(note: object) -> str:
    note = " ".join(str(note or "").split())
    if len(note) > MAX_NOTE:
        raise ValueError(f"The reason is too long ({len(note)} characters; at most {MAX_NOTE}).")
    return note


def _insert_set(session: Session, actor: Actor, name: str, criteria: CriteriaSet, now: dt.datetime) -> CriteriaSetRow:
    if not isinstance(criteria, CriteriaSet):
        raise InvalidCriteria(["Only a valid criteria set can be saved."])
    text = CriteriaSet.from_dict(criteria.to_dict()).to_json()  # validated again, as it will be read back
    taken = session.scalar(select(CriteriaSetRow.id).where(func.lower(CriteriaSetRow.name) == name.lower()))
    if taken is not None:
        raise ValueError(f"A set named {name!r} exists already; choose another name.")
    row = CriteriaSetRow(name=name, rules=text, created_by=actor.username, created_at=now, active=False)
    session.add(row)
    session.flush()
    session.add(AuditLog(at=now, user=actor.username, action=SAVE, entity=f"criteria set {row.id}", detail=f"{name}: {text}"))
    return row


def save_criteria_set(engine: Engine, actor: Actor, name: str, criteria: CriteriaSet, now: dt.datetime | None = None) -> int:
    """Save a draft under a new, unique name (editor or admin); returns its id. It is not active until approved."""
    require_role(actor, *EDIT_ROLES)
    name = _clean_name(name)
    with write_session(engine) as session:
        row = _insert_set(session, actor, name, criteria, now or utc_now())
        bump_version(session, CRITERIA)
        return row.id


def _approve_row(session: Session, actor: Actor, set_id: int, note: str, now: dt.datetime) -> StoredCriteriaSet:
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
    row.approval_note = note or None
    detail = {"name": row.name, "review_due": row.review_due.isoformat(), "replaces": [r.id for r in replaced], "note": note}
    session.add(AuditLog(at=now, user=actor.username, action=APPROVE, entity=f"criteria set {row.id}", detail=json.dumps(detail)))
    bump_version(session, CRITERIA)
    session.flush()
    return _stored(row, *session.execute(select(full_name(row.created_by), full_name(actor.username))).one())


def approve_criteria_set(
    engine: Engine, actor: Actor, set_id: int, note: str = "", now: dt.datetime | None = None
) -> StoredCriteriaSet:
    """Make a saved set the active one (admin only): who, when and why are recorded, review due one quarter later.

    Approving the active set again records a new review and moves its review date.
    """
    require_role(actor, *APPROVE_ROLES)
    note = _clean_note(note)
    with write_session(engine) as session:
        return _approve_row(session, actor, set_id, note, now or utc_now())


def approve_new_set(
    engine: Engine, actor: Actor, name: str, criteria: CriteriaSet, note: str = "", now: dt.datetime | None = None
) -> StoredCriteriaSet:
    """Save a draft under a new name and approve it, in one transaction (admin only): both or neither."""
    require_role(actor, *APPROVE_ROLES)
    name, note, now = _clean_name(name), _clean_note(note), now or utc_now()
    with write_session(engine) as session:
        row = _insert_set(session, actor, name, criteria, now)
        return _approve_row(session, actor, row.id, note, now)


def saved_as(sets: list[StoredCriteriaSet], criteria: CriteriaSet, name: str | None = None) -> StoredCriteriaSet | None:
    """The saved set holding exactly these criteria: the one called `name` if it does, else the active or newest."""
    same = [s for s in sets if s.criteria == criteria]
    return next((s for s in same if s.name == name), same[0] if same else None)


# ---------------------------------------------------------------- a set's history


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    user: str  # the username, as stored
    name: str  # the same person as the screen names them: 'Erin Editor'
    what: str  # 'saved', 'approved; review due 2027-03-04', 'replaced by ...'
    reason: str = ""


def criteria_set_history(engine: Engine, set_id: int) -> list[HistoryEntry]:
    """What happened to a set, oldest first, from the audit log: saved, approved (with the reason), replaced."""
    entity = f"criteria set {set_id}"
    with Session(engine) as session:
        rows = session.execute(
            select(AuditLog.at, AuditLog.user, full_name(AuditLog.user), AuditLog.action, AuditLog.entity, AuditLog.detail)
            .where(AuditLog.action.in_((SAVE, APPROVE)))
            .where((AuditLog.entity == entity) | (AuditLog.action == APPROVE))
            .order_by(AuditLog.at, AuditLog.id)
        ).all()
    history = []
    for at, user, name, action, row_entity, detail in rows:
        if action == SAVE:
            history.append(HistoryEntry(at, user, name, "saved"))
            continue
        try:
            facts = json.loads(detail or "{}")
        except ValueError:
            facts = {}
        reason = facts.get("note") or ""
        if row_entity == entity:
            due = facts.get("review_due")
            history.append(HistoryEntry(at, user, name, "approved" + (f"; review due {due}" if due else ""), reason))
        elif set_id in (facts.get("replaces") or []):
            history.append(HistoryEntry(at, user, name, f"replaced by {facts.get('name', row_entity)!r}", reason))
    return history


# ---------------------------------------------------------------- what a draft changes, in words


@dataclass(frozen=True)
class CriteriaChanges:
    """A draft against a base set: per draft rule what differs ('' when nothing), the rules gone, cutoff and margin."""

    rules: tuple[str, ...]
    removed: tuple[Rule, ...]
    settings: tuple[str, ...]
    summary: tuple[str, ...]  # one line per change, for a confirmation: 'NPS ≥ 30 → NPS ≥ 40'

    @property
    def any(self) -> bool:
        return bool(self.summary)


def rule_text(rule: Rule) -> str:
    """'NPS ≥ 30 (weight 1)', 'Annual revenue ≥ 1 M (must-have, weight 3)'."""
    return f"{rule.label()} ({'must-have, ' if rule.must_have else ''}weight {float(rule.weight):g})"


def _pairs(base: tuple[Rule, ...], draft: tuple[Rule, ...]) -> list[int | None]:
    """For each draft rule, the base rule it stands for: the same rule, else the same metric and sign, else the metric."""
    free = list(range(len(base)))
    matched: list[int | None] = [None] * len(draft)
    for key in (lambda r: r, lambda r: (r.metric, r.op), lambda r: r.metric):
        for i, rule in enumerate(draft):
            if matched[i] is None:
                j = next((j for j in free if key(base[j]) == key(rule)), None)
                if j is not None:
                    matched[i] = j
                    free.remove(j)
    return matched


def _rule_change(old: Rule, new: Rule) -> list[str]:
    words = []
    if old.op != new.op:
        words.append(f"{OP_SIGNS[old.op]} → {OP_SIGNS[new.op]}")
    if float(old.threshold) != float(new.threshold):
        words.append(f"threshold {threshold_text(old.metric, old.threshold)} → {threshold_text(new.metric, new.threshold)}")
    if float(old.weight) != float(new.weight):
        words.append(f"weight {float(old.weight):g} → {float(new.weight):g}")
    if bool(old.must_have) != bool(new.must_have):
        words.append("now a must-have" if new.must_have else "no longer a must-have")
    return words


def criteria_changes(base: CriteriaSet, draft: CriteriaSet) -> CriteriaChanges:
    """What the draft changes against the base set, in words, rule by rule."""
    matched = _pairs(base.rules, draft.rules)
    rules, summary = [], []
    for rule, j in zip(draft.rules, matched):
        if j is None:
            rules.append("new rule")
            summary.append(f"new rule: {rule_text(rule)}")
            continue
        old = base.rules[j]
        words = _rule_change(old, rule)
        rules.append(", ".join(words))
        if words:
            extra = ", ".join(w for w in words if w.startswith(("weight", "now", "no longer")))
            if old.label() != rule.label():
                summary.append(f"{old.label()} → {rule.label()}" + (f", {extra}" if extra else ""))
            else:
                summary.append(f"{rule.label()}: {extra or ', '.join(words)}")
    removed = tuple(rule for j, rule in enumerate(base.rules) if j not in matched)
    summary += [f"removed: {rule_text(rule)}" for rule in removed]
    settings = []
    if float(base.cutoff) != float(draft.cutoff):
        settings.append(f"cutoff {float(base.cutoff):g} → {float(draft.cutoff):g}")
    if float(base.near_miss_margin) != float(draft.near_miss_margin):
        settings.append(f"near-miss margin {float(base.near_miss_margin) * 100:g} % → {float(draft.near_miss_margin) * 100:g} %")
    return CriteriaChanges(tuple(rules), removed, tuple(settings), tuple(summary + settings))
