"""Review notes: one Markdown note per account and quarter, saved optimistically, every version kept.

A save carries the version it was based on. In one transaction the note's row is read (locked
with SELECT ... FOR UPDATE on PostgreSQL; on SQLite the write transaction holds the database's
write lock from BEGIN IMMEDIATE) and the versions compared. Either the note, a revision and an
audit entry are written together, or nothing is written and the caller gets the other person's
text back beside its own. Revisions and the audit log are only ever inserted into.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib import csv_safe
from lib.auth import Actor, require_role
from lib.db import NOTES, bump_version, unstorable, utc_now, write_session
from lib.models import Account, ActionItem, AuditLog, ReviewNote, ReviewNoteRevision, User
from lib.quarters import parse_quarter

MAX_NOTE_CHARS = 50_000
EDIT_ROLES = ("editor", "admin")
_SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class Note:
    account_id: int
    quarter: str
    body: str = ""
    version: int = 0  # 0: nobody has written this note yet
    updated_by: str | None = None
    updated_at: dt.datetime | None = None

    @property
    def exists(self) -> bool:
        return self.version > 0


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


def get_note(engine: Engine, account_id: int, quarter: str) -> Note:
    """The note of an account and quarter; an empty Note (version 0) when there is none yet."""
    with engine.connect() as connection:
        row = connection.execute(
            select(ReviewNote.body, ReviewNote.version, ReviewNote.updated_by, ReviewNote.updated_at).where(
                ReviewNote.account_id == account_id, ReviewNote.quarter == quarter
            )
        ).first()
    return Note(account_id, quarter) if row is None else Note(account_id, quarter, *row)


def account_notes(engine: Engine, account_id: int) -> pd.DataFrame:
    """Every quarter's note of an account, newest quarter first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(ReviewNote.quarter, ReviewNote.body, ReviewNote.version, ReviewNote.updated_by, ReviewNote.updated_at)
            .where(ReviewNote.account_id == account_id)
            .order_by(ReviewNote.quarter.desc())
        ).all()
    return pd.DataFrame(rows, columns=["quarter", "body", "version", "updated_by", "updated_at"])


def revisions(engine: Engine, account_id: int, quarter: str) -> pd.DataFrame:
    """Every saved version of a note, newest first, with who saved it and when."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                ReviewNoteRevision.version,
                ReviewNoteRevision.edited_by,
                func.coalesce(User.name, ReviewNoteRevision.edited_by),
                ReviewNoteRevision.edited_at,
                ReviewNoteRevision.body,
            )
            .join(ReviewNote, ReviewNote.id == ReviewNoteRevision.note_id)
            .outerjoin(User, User.username == ReviewNoteRevision.edited_by)
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
    current = _note(row) if row is not None else Note(account_id, quarter)
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
            return SaveResult(False, _note(row), body, base_version, _revision_body(session, row.id, base_version) or "")
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
    return SaveResult(True, Note(account_id, quarter, body, version, actor.username, now), body, base_version)


def _note(row: ReviewNote) -> Note:
    return Note(row.account_id, row.quarter, row.body, row.version, row.updated_by, row.updated_at)


def _revision_body(session: Session, note_id: int, version: int) -> str | None:
    return session.scalar(
        select(ReviewNoteRevision.body).where(ReviewNoteRevision.note_id == note_id, ReviewNoteRevision.version == version)
    )


def normalise(body: str) -> str:
    """One kind of line break, so that the same text typed in any browser compares equal."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n")


# --- comparing texts -------------------------------------------------------------------------


def unified_diff(old: str, new: str, old_label: str, new_label: str, context: int = 3) -> str:
    """The change from old to new as a unified diff ('' when the texts are equal)."""
    lines = difflib.unified_diff(
        normalise(old).splitlines(), normalise(new).splitlines(), old_label, new_label, n=context, lineterm=""
    )
    return "\n".join(lines)


def diff_stats(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed) from old to new."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, normalise(old).splitlines(), normalise(new).splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed


@dataclass(frozen=True)
class Merge:
    text: str
    conflicts: int  # regions both people changed differently, marked for a hand merge


def three_way_merge(base: str, mine: str, theirs: str, mine_label: str = "yours", theirs_label: str = "theirs") -> Merge:
    """Merge two edits of the same base line by line; where both changed the same lines, keep both, marked."""
    base_lines, my_lines, their_lines = (normalise(t).splitlines() for t in (base, mine, theirs))
    mine_at, theirs_at = _matches(base_lines, my_lines), _matches(base_lines, their_lines)
    out: list[str] = []
    conflicts = 0
    i = j = k = 0
    while True:
        anchor = next((n for n in range(i, len(base_lines)) if n in mine_at and n in theirs_at), None)
        j_end, k_end = (mine_at[anchor], theirs_at[anchor]) if anchor is not None else (len(my_lines), len(their_lines))
        i_end = anchor if anchor is not None else len(base_lines)
        original, a, b = base_lines[i:i_end], my_lines[j:j_end], their_lines[k:k_end]
        if a == b or b == original:
            out.extend(a)
        elif a == original:
            out.extend(b)
        else:
            conflicts += 1
            out.extend([f"<<<<<<< {mine_label}", *a, "=======", *b, f">>>>>>> {theirs_label}"])
        if anchor is None:
            break
        out.append(base_lines[anchor])
        i, j, k = anchor + 1, j_end + 1, k_end + 1
    return Merge("\n".join(out) + ("\n" if out else ""), conflicts)


def _matches(base: list[str], other: list[str]) -> dict[int, int]:
    """Base line -> the line of the other text it is kept as."""
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return {a + n: b + n for a, b, size in matcher.get_matching_blocks() for n in range(size)}


# --- exports -----------------------------------------------------------------------------------


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
            "updated_at",
            "body",
        ],
    )


def quarter_action_items(engine: Engine, quarter: str) -> pd.DataFrame:
    """Every action item of a quarter with its account, by account name and due date."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Account.id,
                Account.external_id,
                Account.name,
                ActionItem.quarter,
                ActionItem.text,
                ActionItem.owner,
                ActionItem.due,
                ActionItem.status,
                ActionItem.updated_by,
                ActionItem.updated_at,
            )
            .join(Account, Account.id == ActionItem.account_id)
            .where(ActionItem.quarter == quarter)
            .order_by(Account.name, ActionItem.due, ActionItem.id)
        ).all()
    return pd.DataFrame(
        rows,
        columns=["account_id", "external_id", "account", "quarter", "text", "owner", "due", "status", "updated_by", "updated_at"],
    )


def export_markdown(quarter: str, notes: pd.DataFrame, items: pd.DataFrame) -> str:
    """One Markdown document: each account's note of the quarter, then its action items."""
    out = [f"# Review notes {quarter}", ""]
    accounts = pd.concat([notes[["account_id", "external_id", "account"]], items[["account_id", "external_id", "account"]]])
    accounts = accounts.drop_duplicates("account_id").sort_values(["account", "account_id"])
    if accounts.empty:
        out.append(f"_No notes and no action items for {quarter}._")
    by_account = notes.set_index("account_id")
    for account_id, external_id, name in accounts.itertuples(index=False):
        out += [f"## {name} ({external_id})", ""]
        if account_id in by_account.index:
            note = by_account.loc[account_id]
            out += [f"_Version {note['version']}, saved by {note['updated_by']} on {_stamp(note['updated_at'])} UTC._", ""]
            out += [note["body"].rstrip("\n"), ""]
        else:
            out += ["_No note._", ""]
        own = items[items["account_id"] == account_id]
        if not own.empty:
            out += ["### Action items", "", "| Status | Item | Owner | Due |", "| --- | --- | --- | --- |"]
            for row in own.itertuples(index=False):
                out.append(f"| {row.status} | {_cell(row.text)} | {_cell(row.owner)} | {row.due or ''} |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def export_csv(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV, with cells that a spreadsheet would run as a formula kept as text (lib.csv_safe)."""
    return csv_safe.to_csv(frame)


def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _stamp(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
