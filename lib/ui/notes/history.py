"""A note's history: every saved version, any two compared side by side, and an old version restored as the newest."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core.auth import Actor, PermissionDenied
from lib.notes.notes import restore_revision
from lib.ui.auth import current_user
from lib.ui.errors import database_failed
from lib.ui.notes.loaders import revisions_for
from lib.ui.notes.show import show_diff, show_markdown
from lib.ui.notes.state import can_edit, draft_key, drafts, flash
from lib.ui.store import engine, refresh_versions
from lib.ui.text import plain


def history_panel(user: Actor, account_id: int, quarter: str) -> None:
    history = revisions_for(int(account_id), quarter)
    if history.empty:
        st.info(f"No saved versions of the {quarter} note yet.", icon=":material/history:")
        return
    table = history.assign(
        when=history["edited_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
        change=[f"+{a} −{r}" for a, r in zip(history["lines_added"], history["lines_removed"])],
    )[["version", "editor_name", "when", "change"]]
    listing, compare = st.columns([2, 3])
    listing.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(table), 320),
        key="notes_history_table",
        column_config={
            "version": st.column_config.NumberColumn("Version", format="%d", width="small"),
            "editor_name": st.column_config.TextColumn("Saved by"),
            "when": st.column_config.TextColumn("When (UTC)"),
            "change": st.column_config.TextColumn("Lines", help="Lines added and removed against the version before"),
        },
    )
    versions_list = history["version"].tolist()
    bodies = dict(zip(history["version"], history["body"]))
    if len(versions_list) == 1:
        compare.caption("Only one version so far: each save adds one, and any two can be compared here.")
        with compare.container(height=300, border=True, key="notes_only_version"):
            show_markdown(bodies[versions_list[0]])
        return
    with compare:
        old_col, new_col = st.columns(2)
        newest = versions_list[0]
        old = old_col.selectbox("Compare version", versions_list, index=min(1, len(versions_list) - 1), key="notes_diff_from")
        new = new_col.selectbox("with version", versions_list, index=0, key="notes_diff_to")
        with st.container(height=260, border=True, key="notes_diff"):
            show_diff(bodies[old], bodies[new], f"Version {old}", f"Version {new}")
        if can_edit(user) and old != newest:
            st.button(
                f"Restore version {old}",
                key="notes_restore",
                icon=":material/restore:",
                on_click=_restore,
                args=(account_id, quarter, int(old), int(newest)),
                help=f"Saves the text of version {old} as a new version {newest + 1}; the history stays as it is.",
            )
    with listing.expander(f"Read version {old}"):
        show_markdown(bodies[old])


def _restore(account_id: int, quarter: str, version: int, base_version: int) -> None:
    try:  # a callback runs before app.py: the user is read again, so a role changed meanwhile applies
        result = restore_revision(engine(), current_user(), account_id, quarter, version, base_version)
    except (PermissionDenied, ValueError) as refused:
        flash("error", f"Not restored: {plain(refused)}.")
        return
    except SQLAlchemyError as failed:
        flash("error", f"Not restored. {database_failed(failed)}")
        return
    refresh_versions()
    if result.saved and result.changed:
        flash("success", f"Restored version {version} as version {result.note.version}.")
    elif result.saved:
        flash("info", f"The note already says what version {version} says.")
    else:
        flash(
            "warning",
            f"Not restored: {plain(result.note.saved_by)} saved version {result.note.version} meanwhile. Look again and retry.",
        )
    if draft_key(account_id, quarter) in drafts():
        flash("warning", "You still have unsaved changes to this note: saving them now will show what changed in between.")
