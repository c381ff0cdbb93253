"""Action items: a review's table edited and applied exactly once, read-only for viewers, and the open items of the whole portfolio."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core import clock as clock
from lib.core.auth import Actor, PermissionDenied
from lib.notes import action_items as items_lib
from lib.ui.errors import database_failed
from lib.ui.notes.choose import pick_account
from lib.ui.notes.loaders import items_for, open_items_for, owners_for
from lib.ui.notes.state import QUARTER, TABLES, draft_key, flash
from lib.ui.store import engine, refresh_versions
from lib.ui.text import plain

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


@dataclass(frozen=True, eq=False)
class ItemsTable:
    """One editing session of an action-item table: the items as shown and the frame the editor edits."""

    token: str  # names the editor widget and the edit set (applied once)
    shown: pd.DataFrame  # the items as loaded
    working: pd.DataFrame  # the frame handed to st.data_editor; stable until the next session


def _tables() -> dict[str, ItemsTable]:
    return st.session_state.setdefault(TABLES, {})


def _new_table(items: pd.DataFrame, working: pd.DataFrame | None = None) -> ItemsTable:
    today = clock.today()
    return ItemsTable(uuid.uuid4().hex[:12], items, working if working is not None else items_lib.editor_frame(items, today))


def items_editor(user: Actor, account_id: int, quarter: str) -> None:
    """The editable table of a review's action items; changes are written once, on Save."""
    key = draft_key(account_id, quarter)
    loaded = items_for(int(account_id), quarter)
    table = _tables().get(key)
    widget = f"notes_items_{table.token}" if table else None
    edited_before = st.session_state.get(f"notes_items_latest_{key}")
    carried = table is not None and widget not in st.session_state and edited_before is not None
    if carried and _pending(table, edited_before).size:
        # The editor's own state went with a page switch; carry its last result on as the new frame.
        table = _new_table(table.shown, edited_before)
        _tables()[key] = table
        widget = f"notes_items_{table.token}"
    unsaved = table is not None and (_has_edits(widget) or _pending(table, edited_before).size > 0)
    if table is None or (not unsaved and not table.shown.equals(loaded)):
        table = _new_table(loaded)  # nothing pending: follow the database
        _tables()[key] = table
    edited = st.data_editor(
        table.working,
        key=f"notes_items_{table.token}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * (len(table.working) + 2), 320),
        column_order=["text", "owner", "due", "status", "overdue"],
        column_config={
            "text": st.column_config.TextColumn("Action item", required=True, width="large", max_chars=items_lib.MAX_TEXT_CHARS),
            "owner": st.column_config.TextColumn("Owner"),
            "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
            "status": st.column_config.SelectboxColumn("Status", options=list(items_lib.STATUSES), required=True, default="open"),
            "overdue": st.column_config.TextColumn("Overdue", disabled=True),
        },
    )
    st.session_state[f"notes_items_latest_{key}"] = edited
    pending = _pending(table, edited)
    save_col, discard_col, state_col = st.columns([1.3, 1, 2.3], vertical_alignment="center")
    save = save_col.button(
        "Save changes", key="notes_items_save", type="primary", icon=":material/save:", disabled=not pending.size, width="stretch"
    )
    if discard_col.button(
        "Discard", key="notes_items_discard", icon=":material/undo:", disabled=not pending.size, width="stretch"
    ):
        _reset_items(key)
        st.rerun()
    state_col.caption(
        f":orange[**{pending.size} unsaved change{'s' if pending.size != 1 else ''}**]"
        if pending.size
        else "Add a row at the bottom; set the status to done or dropped to close an item."
    )
    if save:
        _save_items(user, account_id, quarter, pending)


def _has_edits(widget: str | None) -> bool:
    state = st.session_state.get(widget) if widget else None
    return bool(state) and any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def _pending(table: ItemsTable, edited: pd.DataFrame | None) -> items_lib.EditSet:
    if edited is None:
        return items_lib.EditSet(table.token)
    return items_lib.edit_set_between(table.shown, edited, table.token)


def _reset_items(key: str) -> None:
    _tables().pop(key, None)
    st.session_state.pop(f"notes_items_latest_{key}", None)


def _save_items(user: Actor, account_id: int, quarter: str, edits: items_lib.EditSet) -> None:
    key = draft_key(account_id, quarter)
    try:
        result = items_lib.apply_edits(engine(), user, account_id, quarter, edits)
    except PermissionDenied as refused:
        st.error(f"Not saved: {refused}.", icon=":material/block:")
        return
    except items_lib.InvalidEdits as invalid:
        st.error("Not saved, nothing was written: " + "; ".join(map(plain, invalid.problems)), icon=":material/error:")
        return
    except SQLAlchemyError as failed:
        st.error(f"Not saved. {database_failed(failed)} Your changes are still in the table.", icon=":material/error:")
        return
    # The edit set is spent: a new editor (new key, empty state) starts from the database.
    _reset_items(key)
    refresh_versions()
    if result.already_applied:
        flash("info", "These changes were saved already.")
    else:
        flash("success", f"Saved: {result.added} added, {result.updated} changed, {result.deleted} deleted.")
    for refused in result.refused:
        yours = refused.yours
        flash(
            "warning",
            f"Not applied ({plain(refused.reason)}): your {refused.action} of “{plain(yours.get('text'))}” "
            f"(owner {plain(yours.get('owner') or '—')}, due {yours.get('due') or '—'}, {yours.get('status')}). "
            "The table now shows their version; apply your change again if it still holds.",
        )
    st.rerun()


def items_table(account_id: int, quarter: str) -> None:
    """The action items read-only (viewers), overdue ones marked."""
    loaded = items_for(int(account_id), quarter)
    if loaded.empty:
        st.caption(f"No action items for {quarter}.")
        return
    frame = items_lib.editor_frame(loaded, clock.today()).drop(columns=["id"])
    st.dataframe(
        highlight_overdue(frame),
        hide_index=True,
        width="stretch",
        key="notes_items_view",
        column_config={"text": st.column_config.TextColumn("Action item", width="large")},
    )


def highlight_overdue(frame: pd.DataFrame) -> Styler:
    """The frame styled with overdue rows in red (by its `overdue` text or `days_overdue` number)."""
    marker = "overdue" if "overdue" in frame.columns else "days_overdue"

    def paint(row: pd.Series) -> list[str]:
        late = bool(row[marker]) if marker == "overdue" else pd.notna(row[marker])
        return ["background-color: #fdecea; color: #8a1c14" if late else ""] * len(row)

    return frame.style.apply(paint, axis=1)


def open_items_panel() -> None:
    """Open action items across the portfolio, by owner; overdue ones first and marked."""
    today = clock.today()
    owners = owners_for()
    owner_col, late_col, count_col = st.columns([2, 1, 2], vertical_alignment="bottom")
    owner = owner_col.selectbox("Owner", owners, index=None, placeholder="All owners", key="notes_items_owner")
    overdue_only = late_col.toggle("Overdue only", key="notes_items_overdue_only")
    frame, total = open_items_for(owner, overdue_only, today)
    late = int(frame["days_overdue"].notna().sum())
    count_col.caption(
        f"{total:,} open item{'s' if total != 1 else ''}, {late:,} overdue"
        + (f" · first {len(frame):,} shown" if total > len(frame) else "")
    )
    if frame.empty:
        st.info("No open action items here.", icon=":material/task_alt:")
        return
    shown = frame.drop(columns=["id", "account_id", "status"])
    event = st.dataframe(
        highlight_overdue(shown),
        hide_index=True,
        width="stretch",
        height=360,
        key="notes_open_items",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "account": st.column_config.TextColumn("Account", width="medium"),
            "quarter": st.column_config.TextColumn("Review", width="small"),
            "text": st.column_config.TextColumn("Action item", width="medium"),
            "owner": st.column_config.TextColumn("Owner", width="small"),
            "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD", width="small"),
            "days_overdue": st.column_config.NumberColumn("Late (days)", format="%d", width="small"),
        },
    )
    st.caption("Select a row to make its account and quarter the ones above: its note and action items are in the first tabs.")
    rows = event.selection.rows if event is not None else []
    if rows:
        chosen = frame.iloc[rows[0]]
        st.session_state.pop("notes_open_items", None)
        pick_account(int(chosen["account_id"]))
        st.session_state[QUARTER] = chosen["quarter"]
        st.rerun()
