"""Editing a note: the text box, Save and Discard; a save is carried out at the start of the next run.

Writes go through lib with the session's Actor, so the server checks the role whatever the page shows.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core.auth import Actor, PermissionDenied
from lib.notes.notes import MAX_NOTE_CHARS, save_note
from lib.notes.text import normalise
from lib.ui.errors import database_failed
from lib.ui.notes.conflicts import conflict_panel, stash_panel
from lib.ui.notes.loaders import current_note
from lib.ui.notes.show import note_caption
from lib.ui.notes.state import (
    EDITOR,
    EDITOR_SOURCE,
    SAVE_REQUEST,
    Draft,
    conflicts,
    draft_key,
    drafts,
    flash,
    stash,
)
from lib.ui.store import engine, refresh_versions
from lib.ui.text import plain


def handle_save_request(user: Actor) -> None:
    """Carry out a save asked for in the last interaction. The role is checked by lib, for every user."""
    request = st.session_state.pop(SAVE_REQUEST, None)
    if not request:
        return
    account_id, quarter, text = int(request["account_id"]), request["quarter"], request["text"]
    key = draft_key(account_id, quarter)
    try:
        result = save_note(engine(), user, account_id, quarter, text, int(request["base_version"]))
    except PermissionDenied as refused:
        flash("error", f"Not saved: {refused}.")
        return
    except ValueError as invalid:
        flash("error", f"Not saved: {plain(invalid)}. Your text is kept in the editor.")
        return
    except SQLAlchemyError as failed:
        flash("error", f"Not saved. {database_failed(failed)} Your text is kept in the editor.")
        return
    refresh_versions()
    if result.saved:
        drafts().pop(key, None)
        conflicts().pop(key, None)
        stash().pop(key, None)
        st.session_state[EDITOR_SOURCE] = None
        flash(
            "success",
            f"Saved version {result.note.version}." if result.changed else "Nothing to save: the note already says this.",
        )
        return
    earlier = drafts().get(key)
    drafts()[key] = Draft(
        account_id,
        request.get("account_name") or (earlier.account_name if earlier else str(account_id)),
        quarter,
        result.attempted,
        result.base_version,
        result.base_body or (earlier.base_body if earlier else ""),
    )
    conflicts()[key] = result


def _capture(account_id: int, account_name: str, quarter: str, version: int, body: str) -> None:
    """Keep the editor's text as a draft (or drop the draft when the text is back to where it started)."""
    text = st.session_state.get(EDITOR)
    if text is None:
        return
    key = draft_key(account_id, quarter)
    existing = drafts().get(key)
    base_version, base_body = (existing.base_version, existing.base_body) if existing else (version, body)
    if normalise(text) == normalise(base_body):
        drafts().pop(key, None)
    else:
        drafts()[key] = Draft(account_id, account_name, quarter, text, base_version, base_body)


def _request_save(account_id: int, account_name: str, quarter: str, version: int, body: str) -> None:
    _capture(account_id, account_name, quarter, version, body)
    draft = drafts().get(draft_key(account_id, quarter))
    st.session_state[SAVE_REQUEST] = {
        "account_id": account_id,
        "account_name": account_name,
        "quarter": quarter,
        "text": draft.text if draft else st.session_state.get(EDITOR, body),
        "base_version": draft.base_version if draft else version,
    }


def _discard(account_id: int, quarter: str) -> None:
    key = draft_key(account_id, quarter)
    drafts().pop(key, None)
    conflicts().pop(key, None)
    st.session_state[EDITOR_SOURCE] = None


def note_editor(account_id: int, account_name: str, quarter: str, height: int = 330) -> str:
    """The editor of a note (for editors and admins), returning the text as it stands."""
    note = current_note(account_id, quarter)
    key = draft_key(account_id, quarter)
    conflict = conflicts().get(key)
    if conflict is not None:
        conflict_panel(account_id, account_name, quarter, conflict)
    stash_panel(key)
    draft = drafts().get(key)
    source = ("draft", key) if draft else ("note", key, note.version)
    if st.session_state.get(EDITOR_SOURCE) != source or EDITOR not in st.session_state:
        st.session_state[EDITOR] = draft.text if draft else note.body
        st.session_state[EDITOR_SOURCE] = source
    args = (account_id, account_name, quarter, note.version, note.body)
    st.text_area(
        f"Note for {quarter} (Markdown)",
        key=EDITOR,
        height=height,
        max_chars=MAX_NOTE_CHARS,
        on_change=_capture,
        args=args,
        placeholder="## Highlights\n\n- …\n\n## Risks\n\n- …\n\n## Next quarter\n\n…",
        help="Markdown: ## headings, **bold**, - lists, [links](https://…). Press Ctrl+Enter to update the preview.",
    )
    _capture(*args)
    draft = drafts().get(key)
    save_col, discard_col, state_col = st.columns([1, 1.2, 2.4], vertical_alignment="center")
    save_col.button(
        "Save",
        key="notes_save",
        type="primary",
        icon=":material/save:",
        on_click=_request_save,
        args=args,
        # Never disabled by what the server last saw: the text being typed reaches it only with
        # the click, and a disabled button would swallow that first click.
        width="stretch",
    )
    with discard_col.popover("Discard", width="stretch"):
        st.markdown("Throw away your unsaved changes to this note?")
        st.button("Discard my changes", key="notes_discard", on_click=_discard, args=(account_id, quarter), type="primary")
    if draft is None:
        state_col.caption(note_caption(note))
    else:
        started = f"version {draft.base_version}" if draft.base_version else "an empty note"
        newer = f" · version {note.version} is saved meanwhile" if note.version != draft.base_version else ""
        state_col.caption(f":orange[**Unsaved changes**] (started from {started}){newer}")
    return draft.text if draft else note.body
