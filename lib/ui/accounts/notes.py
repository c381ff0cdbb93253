"""Account 360's review tabs: every quarter's note of the account as a card, and its open action items.

The notes are rendered as Review notes renders them (lib.ui.notes.show); editing happens there.
"""

from __future__ import annotations

import streamlit as st

from lib.core.auth import Actor
from lib.notes.notes import Note
from lib.ui.accounts.account360 import notes_of, open_items_of
from lib.ui.navigation import open_note
from lib.ui.notes.items import highlight_overdue
from lib.ui.notes.loaders import current_note
from lib.ui.notes.show import note_caption, show_markdown
from lib.ui.notes.state import can_edit
from lib.ui.text import plain


def note_cards(user: Actor, account_id: int, quarter: str) -> None:
    """The quarter's note to write when there is none, then each quarter's note, the latest open, with a way to edit it."""
    editor = can_edit(user)
    if not current_note(account_id, quarter).exists and st.button(
        f"{'Write' if editor else 'Open'} the {quarter} note", key="a360_write_note", icon=":material/edit_note:"
    ):
        open_note(account_id, quarter)
    notes = notes_of(account_id)
    if notes.empty:
        st.caption("No review notes for this account yet.")
    for position, note in enumerate(notes.itertuples(index=False)):
        title = f"{note.quarter} · version {note.version} · {plain(note.saved_by)}"
        with st.expander(title, expanded=position == 0), st.container(key=f"a360_note_{note.quarter}"):
            show_markdown(note.body)
            caption_col, button_col = st.columns([4, 1], vertical_alignment="center")
            caption_col.caption(
                note_caption(
                    Note(account_id, note.quarter, note.body, note.version, note.updated_by, note.updated_at, note.saved_by)
                )
            )
            if button_col.button(
                f"{'Edit' if editor else 'Open'} in Review notes",
                key=f"a360_open_note_{note.quarter}",
                icon=":material/edit_note:",
                width="stretch",
            ):
                open_note(account_id, note.quarter)


def open_items(account_id: int) -> None:
    """The account's open action items of every review, the overdue ones marked."""
    items = open_items_of(account_id)
    if items.empty:
        st.caption("No open action items.")
        return
    late = int(items["days_overdue"].notna().sum())
    st.caption(f"{len(items)} open, {late} overdue (marked).")
    st.dataframe(
        highlight_overdue(items.drop(columns=["status"])),
        hide_index=True,
        width="stretch",
        key="a360_items",
        column_config={
            "quarter": "Review",
            "text": st.column_config.TextColumn("Action item", width="large"),
            "owner": "Owner",
            "due": st.column_config.DateColumn("Due"),
            "days_overdue": st.column_config.NumberColumn("Days overdue", format="%d"),
        },
    )
