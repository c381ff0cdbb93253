"""Review notes: one Markdown note per account and quarter, saved optimistically, every version kept.

A save carries the version it was based on. In one transaction the note's row is read (locked
with SELECT ... FOR UPDATE on PostgreSQL; on SQLite the write transaction holds the database's
write lock from BEGIN IMMEDIATE) and the versions compared. Either the note, a revision and an
audit entry are written together, or nothing is written and the caller gets the other person's
text back beside its own. Revisions and the audit log are only ever inserted into.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.auth import Actor, require_role
from lib.core.db import NOTES, bump_version, unstorable, utc_now, write_session
from lib.core.models import Account, AuditLog, ReviewNote, ReviewNoteRevision, User
from lib.core.quarters import parse_quarter
from lib.core.roles import EDIT_ROLES
from lib.notes.diff import diff_stats
from lib.notes.text import conflict_marker_lines, line_list, normalise

MAX_NOTE_CHARS = 50_000
_SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class Note:
    account_id: int
    quarter: str
    body: str = ""
    version: int = 0  # 0: nobody has written this note yet
    updated_by: str | None = None  # the username, as stored
    updated_at: dt.datetime | None = None
    updated_by_name: str | None = None  # that user's name, as people know them

    @property
    def exists(self) -> bool:
        return self.version > 0

    @property
    def saved_by(self) -> str:
        """Who saved this version, by name (the username when the user is gone)."""
        return self.updated_by_name or self.updated_by or "someone"


@dataclass(frozen=True)
class SaveResult:
    """What became of a save. The text sent is always handed back, saved or not."""

    saved: bool
    note: Note  # the note in the database now: yours when saved, the other person's when refused
    attempted: str  # the text that was sent
    base_version: int  # the version the text was based on
    base_body: str = ""  # that version's text, for a three-way merge when refused
    changed: bool = True  # False when the text equalled the stored one: no new version

    @property
    def conflict(self) -> bool:
        return not self.saved


def _name_of(username: ColumnElement[str] | str) -> ColumnElement[str]:
    """A user's name where the username is stored (the username itself once the user is gone)."""
    return func.coalesce(select(User.name).where(User.username == username).scalar_subquery(), username)


def get_note(engine: Engine, account_id: int, quarter: str) -> Note:
    """The note of an account and quarter; an empty Note (version 0) when there is none yet."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                ReviewNote.body,
                ReviewNote.version,
                ReviewNote.updated_by,
                ReviewNote.updated_at,
                _name_of(ReviewNote.updated_by),
            ).where(ReviewNote.account_id == account_id, ReviewNote.quarter == quarter)
        ).first()
    return Note(account_id, quarter) if row is None else Note(account_id, quarter, *row)


def account_notes(engine: Engine, account_id: int) -> pd.DataFrame:
    """Every quarter's note of an account, newest quarter first; saved_by is the user's name."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ReviewNote.quarter,
                ReviewNote.body,
                ReviewNote.version,
                ReviewNote.updated_by,
                ReviewNote.updated_at,
                _name_of(ReviewNote.updated_by),
            )
            .where(ReviewNote.account_id == account_id)
            .order_by(ReviewNote.quarter.desc())
        ).all()
    return pd.DataFrame(rows, columns=["quarter", "body", "version", "updated_by", "updated_at", "saved_by"])


def revisions(engine: Engine, account_id: int, quarter: str) -> pd.DataFrame:
    """Every saved version of a note, newest first, with who saved it and when."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ReviewNoteRevision.version,
                ReviewNoteRevision.edited_by,
                _name_of(ReviewNoteRevision.edited_by),
                ReviewNoteRevision.edited_at,
                ReviewNoteRevision.body,
            )
            .join(ReviewNote, ReviewNote.id == ReviewNoteRevision.note_id)
            .where(ReviewNote.account_id == account_id, ReviewNote.quarter == quarter)
            .order_by(ReviewNoteRevision.version.desc())
        ).all()
    frame = pd.DataFrame(rows, columns=["version", "edited_by", "editor_name", "edited_at", "body"])
    older = frame["body"].shift(-1, fill_value="")
    stats = [diff_stats(a, b) for a, b in zip(older, frame["body"])]
    frame["lines_added"] = [s[0] for s in stats]
    frame["lines_removed"] = [s[1] for s in stats]
    return frame


def save_note(engine: Engine, actor: Actor, account_id: int, quarter: str, body: str, base_version: int) -> SaveResult:
    """Save the text as the next version if the note is still at base_version; else refuse and say why."""
    return _write(engine, actor, account_id, quarter, body, base_version, "save note", "")


def restore_revision(engine: Engine, actor: Actor, account_id: int, quarter: str, version: int, base_version: int) -> SaveResult:
    """Make an old version's text the newest version (a new revision; the history stays as it was)."""
    require_role(actor, *EDIT_ROLES)
    with engine.connect() as connection:
        body = connection.scalar(
            select(ReviewNoteRevision.body)
            .join(ReviewNote, ReviewNote.id == ReviewNoteRevision.note_id)
            .where(ReviewNote.account_id == account_id, ReviewNote.quarter == quarter, ReviewNoteRevision.version == version)
        )
    if body is None:
        raise ValueError(f"the note of {quarter} has no version {version}")
    return _write(engine, actor, account_id, quarter, body, base_version, "restore note", f"restored version {version}")


def _write(
    engine: Engine, actor: Actor, account_id: int, quarter: str, body: str, base_version: int, action: str, detail: str
) -> SaveResult:
    require_role(actor, *EDIT_ROLES)
    quarter = parse_quarter(quarter)
    body = normalise(body)
    if len(body) > MAX_NOTE_CHARS:
        raise ValueError(f"a note holds at most {MAX_NOTE_CHARS:,} characters; this one has {len(body):,}")
    problem = unstorable(body)
    if problem:
        raise ValueError(f"the note cannot be saved as it is: {problem}")
    marked = conflict_marker_lines(body)
    if marked:
        raise ValueError(
            f"{line_list(marked)} still {'holds a conflict mark' if len(marked) == 1 else 'hold conflict marks'} "
            "(a line starting with <<<<<<<, ======= or >>>>>>>): keep what belongs there and delete the marks"
        )
    for attempt in range(_SAVE_ATTEMPTS):
        try:
            with write_session(engine) as session:
                return _write_in(session, actor, account_id, quarter, body, int(base_version), action, detail)
        except IntegrityError:
            # Two first saves of one note raced on PostgreSQL and this one lost the insert; the
            # next attempt finds the winner's row and reports the conflict.
            if attempt == _SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _write_in(
    session: Session, actor: Actor, account_id: int, quarter: str, body: str, base_version: int, action: str, detail: str
) -> SaveResult:
    row = session.scalars(
        select(ReviewNote).where(ReviewNote.account_id == account_id, ReviewNote.quarter == quarter).with_for_update()
    ).first()
    current = _note(session, row) if row is not None else Note(account_id, quarter)
    if current.body == body:
        return SaveResult(True, current, body, base_version, changed=False)
    if current.version != base_version:
        base_body = _revision_body(session, row.id, base_version) if row is not None and base_version else ""
        return SaveResult(False, current, body, base_version, base_body or "")
    now = utc_now()
    version = base_version + 1
    if row is None:
        if session.get(Account, account_id) is None:
            raise ValueError(f"there is no account {account_id}")
        row = ReviewNote(
            account_id=account_id, quarter=quarter, body=body, version=version, updated_by=actor.username, updated_at=now
        )
        session.add(row)
        session.flush()
    else:
        # Compare-and-set as well as the lock: the update only lands on the version that was read.
        swapped = session.execute(
            update(ReviewNote)
            .where(ReviewNote.id == row.id, ReviewNote.version == base_version)
            .values(body=body, version=version, updated_by=actor.username, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if swapped != 1:
            session.expire(row)
            return SaveResult(False, _note(session, row), body, base_version, _revision_body(session, row.id, base_version) or "")
    session.add(ReviewNoteRevision(note_id=row.id, version=version, body=body, edited_by=actor.username, edited_at=now))
    session.add(
        AuditLog(
            at=now,
            user=actor.username,
            action=action,
            entity=f"review note {account_id} {quarter}",
            detail="; ".join(filter(None, [f"version {version}", detail, f"{len(body):,} characters"])),
        )
    )
    bump_version(session, NOTES)
    saved = Note(account_id, quarter, body, version, actor.username, now, session.scalar(select(_name_of(actor.username))))
    return SaveResult(True, saved, body, base_version)


def _note(session: Session, row: ReviewNote) -> Note:
    name = session.scalar(select(_name_of(row.updated_by)))
    return Note(row.account_id, row.quarter, row.body, row.version, row.updated_by, row.updated_at, name)


def _revision_body(session: Session, note_id: int, version: int) -> str | None:
    return session.scalar(
        select(ReviewNoteRevision.body).where(ReviewNoteRevision.note_id == note_id, ReviewNoteRevision.version == version)
    )


def quarter_notes(engine: Engine, quarter: str) -> pd.DataFrame:
    """Every note of a quarter with its account, by account name."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Account.id,
                Account.external_id,
                Account.name,
                Account.owner,
                ReviewNote.quarter,
                ReviewNote.version,
                ReviewNote.updated_by,
                _name_of(ReviewNote.updated_by),
                ReviewNote.updated_at,
                ReviewNote.body,
            )
            .join(Account, Account.id == ReviewNote.account_id)
            .where(ReviewNote.quarter == quarter)
            .order_by(Account.name)
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "account_id",
            "external_id",
            "account",
            "account_owner",
            "quarter",
            "version",
            "updated_by",
            "saved_by",
            "updated_at",
            "body",
        ],
    )
