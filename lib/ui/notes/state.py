"""What Review notes keeps in the session: drafts that survive page switches, refused saves, the
text from before a merge, messages for the next run, and who may edit.

Nothing typed is lost: every edit of a note is copied into a draft in st.session_state, keyed by
account and quarter (widget state is dropped on a page switch; drafts are not), and a refused
save keeps the draft and shows the other person's text beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.core.auth import Actor
from lib.core.roles import can_edit as can_edit_role
from lib.notes.notes import SaveResult
from lib.ui.navigation import NOTES_ACCOUNT, NOTES_QUARTER

DRAFTS = "notes_drafts"  # draft key -> Draft
CONFLICTS = "notes_conflicts"  # draft key -> SaveResult of the refused save
STASH = "notes_stash"  # draft key -> your text from before you merged or took theirs
SAVE_REQUEST = "notes_save_request"
FLASH = "notes_flash"
LEFT_DRAFT = "notes_left_draft"  # the draft of the note just left, to mention once the run has settled
EDITOR = "notes_body"
EDITOR_SOURCE = "notes_body_source"
ACCOUNT = NOTES_ACCOUNT
QUARTER = NOTES_QUARTER
TABLES = "notes_items_tables"  # draft key -> ItemsTable


@dataclass(frozen=True)
class Draft:
    account_id: int
    account_name: str
    quarter: str
    text: str
    base_version: int  # the version the text was started from: the save is checked against it
    base_body: str


def draft_key(account_id: int, quarter: str) -> str:
    return f"{int(account_id)}:{quarter}"


def drafts() -> dict[str, Draft]:
    return st.session_state.setdefault(DRAFTS, {})


def conflicts() -> dict[str, SaveResult]:
    return st.session_state.setdefault(CONFLICTS, {})


def stash() -> dict[str, str]:
    return st.session_state.setdefault(STASH, {})


def can_edit(user: Actor) -> bool:
    return can_edit_role(user.role)


def flash(kind: str, text: str) -> None:
    """A message (success, error, warning or info) to show once, after this interaction."""
    st.session_state.setdefault(FLASH, []).append((kind, text))
