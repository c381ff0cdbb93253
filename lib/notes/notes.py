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
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from merge3 import Merge3
from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core import csv_safe as csv_safe
from lib.core.auth import Actor, require_role
from lib.core.db import NOTES, bump_version, unstorable, utc_now, write_session
from lib.core.models import Account, ActionItem, AuditLog, ReviewNote, ReviewNoteRevision, User
from lib.core.quarters import parse_quarter
from lib.core.roles import EDIT_ROLES

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
            f"{_lines(marked)} still {'holds a conflict mark' if len(marked) == 1 else 'hold conflict marks'} "
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


def normalise(body: str) -> str:
    """One kind of line break, so that the same text typed in any browser compares equal."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n")


# --- comparing texts -------------------------------------------------------------------------

# What a merge tool leaves where two edits collide: <<<<<<< and >>>>>>> open and close a block,
# ======= divides it. A line of seven "=" alone is also a Markdown heading's underline, so it
# counts as a mark only in a text that holds an opening or closing mark too.
_OUTER_MARK = re.compile(r"^(<{7}|>{7})")
_DIVIDER_MARK = re.compile(r"^={7}[ \t]*$")


def conflict_marker_lines(body: str) -> list[int]:
    """The numbers (from 1) of the lines that are conflict marks: <<<<<<<, >>>>>>>, and ======= beside them."""
    lines = normalise(body).split("\n")
    outer = [number for number, line in enumerate(lines, 1) if _OUTER_MARK.match(line)]
    if not outer:
        return []
    dividers = [number for number, line in enumerate(lines, 1) if _DIVIDER_MARK.match(line)]
    return sorted(outer + dividers)


def _lines(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


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


Piece = tuple[str, bool]  # a run of a line's text, and whether it changed


@dataclass(frozen=True)
class DiffLine:
    """One row of a side-by-side comparison: a line of the old text beside a line of the new."""

    kind: str  # "same", "changed", "removed", "added", or "skipped" (unchanged lines left out)
    old_number: int | None = None  # from 1; None where the old text has no line here
    old: tuple[Piece, ...] = ()
    new_number: int | None = None
    new: tuple[Piece, ...] = ()
    skipped: int = 0


def side_by_side(old: str, new: str, context: int = 2) -> list[DiffLine]:
    """The change from old to new line by line, with the changed words of a changed line marked.

    Unchanged lines further than `context` from a change are folded into one "skipped" row.
    Empty when the texts are equal.
    """
    old_lines, new_lines = normalise(old).splitlines(), normalise(new).splitlines()
    if old_lines == new_lines:
        return []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows: list[DiffLine] = []
    opcodes = matcher.get_opcodes()
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            keep_head = context if position > 0 else 0
            keep_tail = context if position < len(opcodes) - 1 else 0
            rows += _unchanged(old_lines, i1, i2, j1, keep_head, keep_tail)
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        for n in range(max(len(olds), len(news))):
            i = olds[n] if n < len(olds) else None
            j = news[n] if n < len(news) else None
            if i is not None and j is not None:
                old_pieces, new_pieces = _changed_words(old_lines[i], new_lines[j])
                rows.append(DiffLine("changed", i + 1, old_pieces, j + 1, new_pieces))
            elif i is not None:
                rows.append(DiffLine("removed", i + 1, ((old_lines[i], True),)))
            else:
                rows.append(DiffLine("added", new_number=j + 1, new=((new_lines[j], True),)))
    return rows


def _unchanged(lines: list[str], i1: int, i2: int, j1: int, keep_head: int, keep_tail: int) -> list[DiffLine]:
    def same(i: int) -> DiffLine:
        return DiffLine("same", i + 1, ((lines[i], False),), j1 + i - i1 + 1, ((lines[i], False),))

    if i2 - i1 <= keep_head + keep_tail + 1:
        return [same(i) for i in range(i1, i2)]
    head = [same(i) for i in range(i1, i1 + keep_head)]
    tail = [same(i) for i in range(i2 - keep_tail, i2)]
    return [*head, DiffLine("skipped", skipped=i2 - i1 - keep_head - keep_tail), *tail]


def _changed_words(old: str, new: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """Both lines in pieces, the words that differ marked; a line rewritten throughout is marked whole."""
    old_words, new_words = re.findall(r"\s+|\w+|[^\w\s]", old), re.findall(r"\s+|\w+|[^\w\s]", new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.ratio() < 0.4:
        return ((old, True),), ((new, True),)
    old_pieces: list[Piece] = []
    new_pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            old_pieces.append(("".join(old_words[i1:i2]), tag != "equal"))
        if j2 > j1:
            new_pieces.append(("".join(new_words[j1:j2]), tag != "equal"))
    return tuple(old_pieces), tuple(new_pieces)


# --- merging two edits -------------------------------------------------------------------------

CHOICES = ("mine", "theirs", "both", "edit")


@dataclass(frozen=True)
class Conflict:
    """A place both people changed differently: the lines each of them has there."""

    mine: tuple[str, ...]
    theirs: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """What to keep at one conflict: mine, theirs, both (mine first), or the place as edited."""

    choice: str  # one of CHOICES
    edited: str = ""  # the text of the place, for "edit"


@dataclass(frozen=True)
class Merge:
    """Two edits of one text: what merged by itself, and the conflicts between, in order."""

    parts: tuple[tuple[str, ...] | Conflict, ...]
    ends_with_newline: bool

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(part for part in self.parts if isinstance(part, Conflict))

    def text(self, resolutions: Sequence[Resolution] = ()) -> str:
        """The merged text, each conflict resolved as chosen (one resolution per conflict, in order)."""
        if len(resolutions) != len(self.conflicts):
            raise ValueError(f"choose what to keep at each of the {len(self.conflicts)} places you both changed")
        chosen = iter(resolutions)
        lines: list[str] = []
        for part in self.parts:
            lines += _resolved(part, next(chosen)) if isinstance(part, Conflict) else part
        if not lines:
            return ""
        return "\n".join(lines) + ("\n" if self.ends_with_newline else "")


def _resolved(conflict: Conflict, resolution: Resolution) -> list[str]:
    if resolution.choice == "mine":
        return list(conflict.mine)
    if resolution.choice == "theirs":
        return list(conflict.theirs)
    if resolution.choice == "both":
        return [*conflict.mine, *conflict.theirs]
    if resolution.choice == "edit":
        return normalise(resolution.edited).splitlines()
    raise ValueError(f"{resolution.choice!r} is not one of {', '.join(CHOICES)}")


def three_way_merge(base: str, mine: str, theirs: str) -> Merge:
    """Merge two edits of the same base line by line (merge3): changes to different places merge by
    themselves; each place both changed differently is a Conflict for the person to resolve."""
    base_lines, my_lines, their_lines = (normalise(t).splitlines() for t in (base, mine, theirs))
    merger = Merge3(base_lines, my_lines, their_lines)
    parts: list[tuple[str, ...] | Conflict] = []
    for region in merger.reprocess_merge_regions(merger.merge_regions()):
        kind, *bounds = region
        if kind == "conflict":
            _z1, _z2, a1, a2, b1, b2 = bounds
            parts.append(Conflict(tuple(my_lines[a1:a2]), tuple(their_lines[b1:b2])))
        else:
            source = {"unchanged": base_lines, "same": my_lines, "a": my_lines, "b": their_lines}[kind]
            parts.append(tuple(source[bounds[0] : bounds[1]]))
    # The last line's break follows the side that changed the text (both: either has one).
    if my_lines == base_lines:
        newline = normalise(theirs).endswith("\n")
    elif their_lines == base_lines:
        newline = normalise(mine).endswith("\n")
    else:
        newline = normalise(mine).endswith("\n") or normalise(theirs).endswith("\n")
    return Merge(tuple(parts), newline)


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
            out += [f"_Version {note['version']}, saved by {note['saved_by']} on {_stamp(note['updated_at'])} UTC._", ""]
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
    """A frame as UTF-8 CSV, with cells that a spreadsheet would run as a formula kept as text (lib.core.csv_safe)."""
    return csv_safe.to_csv(frame)


def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _stamp(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
