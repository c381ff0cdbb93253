"""Saving and approving criteria sets: the Saved sets tab of the Key accounts page.

Every save and approval goes through lib.keyaccounts.store, which checks the role again on the
server whatever the page showed. An approval first shows what changes (who enters and leaves,
which rules) and asks for a confirmation and an optional reason.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core import clock as clock
from lib.core.auth import PermissionDenied
from lib.core.roles import can_approve, can_edit
from lib.keyaccounts.criteria import CriteriaSet, InvalidCriteria
from lib.keyaccounts.qualification import qualify
from lib.keyaccounts.store import (
    MAX_NAME,
    MAX_NOTE,
    StoredCriteriaSet,
    approve_criteria_set,
    approve_new_set,
    criteria_changes,
    one_quarter_later,
    save_criteria_set,
    saved_as,
)
from lib.keyaccounts.tables import compare
from lib.portfolio.data import Filters
from lib.ui.auth import current_user
from lib.ui.errors import database_failed
from lib.ui.keyaccounts.editor import draft_as_json, load_into_draft
from lib.ui.keyaccounts.loaders import metrics_for, set_history
from lib.ui.store import engine, refresh_versions
from lib.ui.text import plain

DRAFT_ON_SCREEN = 0  # the approve box's first choice; no saved set has the id 0


def _save(draft: CriteriaSet) -> None:
    """Callback of Save: the role is checked again by lib.keyaccounts.store, whatever the page showed."""
    name = st.session_state.get("ka_save_name", "")
    try:
        save_criteria_set(engine(), current_user(), name, draft)
    except (PermissionDenied, ValueError) as refused:
        st.session_state["ka_notice"] = ("error", f"Not saved: {refused}")
        return
    except SQLAlchemyError as failed:
        st.session_state["ka_notice"] = ("error", f"Not saved. {database_failed(failed)}")
        return
    refresh_versions()
    saved = " ".join(name.split())
    st.session_state["ka_save_name"] = ""
    st.session_state["ka_draft_source"] = saved  # the draft on screen is this set now
    st.session_state["ka_notice"] = ("success", f"Saved the draft as {plain(repr(saved))}.")


def _open_approval() -> None:
    st.session_state["ka_approving"] = True


def _close_approval() -> None:
    for key in ("ka_approving", "ka_approve_reason", "ka_approve_name", "ka_approve_set"):
        st.session_state.pop(key, None)


def _approve(set_id: int | None, criteria: CriteriaSet) -> None:
    """Callback of Confirm approval: what the confirmation showed (a saved set, or the unsaved draft as a new one)."""
    note = st.session_state.get("ka_approve_reason", "")
    try:
        if set_id is None:
            approved = approve_new_set(engine(), current_user(), st.session_state.get("ka_approve_name", ""), criteria, note)
        else:
            approved = approve_criteria_set(engine(), current_user(), set_id, note)
    except PermissionDenied as refused:  # no longer an admin: the confirmation closes, the tab says why
        _close_approval()
        st.session_state["ka_notice"] = ("error", f"Not approved: {refused}")
        return
    except (ValueError, LookupError) as refused:  # e.g. no name, or a name taken: the confirmation stays, saying why
        st.session_state["ka_approve_problem"] = f"Not approved: {plain(str(refused))}"
        return
    except SQLAlchemyError as failed:
        _close_approval()
        st.session_state["ka_notice"] = ("error", f"Not approved. {database_failed(failed)}")
        return
    refresh_versions()
    _close_approval()
    if approved.criteria == criteria and st.session_state.get("ka_last_valid") == criteria:
        st.session_state["ka_draft_source"] = approved.name
    st.session_state["ka_notice"] = (
        "success",
        f"{plain(repr(approved.name))} is now the active criteria set for everyone; review due {approved.review_due:%Y-%m-%d}."
        + (f" Reason: {plain(approved.approval_note)}" if approved.approval_note else ""),
    )


def _when(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) else f"{value:%Y-%m-%d}"


def name_width(names: list[str]) -> int:
    """Pixels for a column of set names, so that the longest shows in full (up to the longest name allowed)."""
    return 24 + 8 * max((len(name) for name in names), default=8)


def _set_listing(sets: list[StoredCriteriaSet]) -> None:
    listing = pd.DataFrame(
        {
            "name": [s.name for s in sets],
            "status": [s.status if s.criteria else f"invalid: {s.problem}" for s in sets],
            "created_by": [s.created_by_name for s in sets],
            "created_at": [_when(s.created_at) for s in sets],
            "approved_by": [s.approved_by_name or "" for s in sets],
            "approved_at": [_when(s.approved_at) for s in sets],
            "review_due": [_when(s.review_due) for s in sets],
            "approval_note": [s.approval_note or "" for s in sets],
        }
    )
    labels = {"approval_note": "Reason for the approval"}
    config = {c: st.column_config.Column(labels.get(c, c.replace("_", " ").capitalize())) for c in listing.columns}
    config["name"] = st.column_config.TextColumn("Name", width=name_width(listing["name"].tolist()))
    st.dataframe(listing, hide_index=True, width="stretch", key="ka_sets", column_config=config)


def _history(chosen: StoredCriteriaSet) -> None:
    entries = set_history(chosen.id)
    with st.expander(f"History of {plain(chosen.name)}", icon=":material/history:"):
        if not entries:
            st.caption("Nothing recorded for this set (it came with the demo data or from before the audit log).")
            return
        st.markdown(
            "\n".join(
                f"- {_when(e.at)} · **{plain(e.name)}** · {plain(e.what)}" + (f" — reason: {plain(e.reason)}" if e.reason else "")
                for e in entries
            )
        )


def saved_sets_tab(
    sets: list[StoredCriteriaSet],
    active: StoredCriteriaSet | None,
    draft: CriteriaSet,
    problem: InvalidCriteria | None,
    quarter: str,
) -> None:
    """What the last save, approval or load said; every set; load, save, a set's history, approve; the JSON."""
    notice = st.session_state.pop("ka_notice", None)  # what the last save, approval or load said
    if notice:
        (st.success if notice[0] == "success" else st.error)(notice[1])
    user = current_user()
    role = user.role if user else "viewer"
    _set_listing(sets)
    load, save = st.columns(2, gap="medium")
    with load:
        chosen = st.selectbox("Saved set", sets, format_func=lambda s: f"{s.name} ({s.status})", key="ka_load_set")
        st.button(
            "Load into the draft",
            key="ka_load",
            on_click=load_into_draft,
            args=(chosen,),
            icon=":material/restore:",
            disabled=chosen is None,
        )
    with save:
        if can_edit(role):
            st.text_input("Name for the draft", key="ka_save_name", placeholder="e.g. 2 M revenue bar, Q1 review")
            st.button(
                "Save the draft",
                key="ka_save",
                on_click=_save,
                args=(draft,),
                icon=":material/save:",
                disabled=problem is not None,
                help="Fix the draft first." if problem else None,
            )
        else:
            st.caption("You can try any criteria here; saving a set needs an editor, approving it an admin.")
        st.caption(f"The draft started from {plain(st.session_state.get('ka_draft_source', 'the active set'))}.")
    if chosen is not None:
        _history(chosen)
    if can_approve(role):
        _approval(sets, active, draft, problem, quarter)
    draft_as_json(draft)


def _approval(
    sets: list[StoredCriteriaSet],
    active: StoredCriteriaSet | None,
    draft: CriteriaSet,
    problem: InvalidCriteria | None,
    quarter: str,
) -> None:
    """Admins: approve the draft on screen (or another saved set) after a confirmation that says what changes."""
    usable = {s.id: s for s in sets if s.criteria is not None}
    on_screen = saved_as(list(usable.values()), draft, st.session_state.get("ka_draft_source"))

    def label(choice: int) -> str:
        # A fixed label for the draft: the browser keeps showing an option's old text while its value stays the same.
        return "The draft on screen" if choice == DRAFT_ON_SCREEN else f"{usable[choice].name} ({usable[choice].status})"

    choice = st.selectbox(
        "Approve (it becomes the active set for everyone; review due in one quarter)",
        [DRAFT_ON_SCREEN, *usable],
        format_func=label,
        key="ka_approve_set",
    )
    if choice == DRAFT_ON_SCREEN:
        target, criteria, invalid = on_screen, draft, problem
        if problem is not None:
            st.caption("The draft on screen is not valid: fix it first.")
        elif on_screen is None:
            st.caption("The draft on screen is not saved yet: approving saves it as a new set.")
        else:
            st.caption(f"The draft on screen is saved as **{plain(on_screen.name)}** ({on_screen.status}).")
    else:
        target, criteria, invalid = usable[choice], usable[choice].criteria, None
    if not st.session_state.get("ka_approving"):
        st.button(
            "Approve…",
            key="ka_approve",
            on_click=_open_approval,
            type="primary",
            icon=":material/verified:",
            disabled=invalid is not None,
            help="Fix the draft first." if invalid else "Shows what changes, then asks you to confirm.",
        )
        return
    with st.container(border=True, key="ka_approve_box"):
        _confirmation(target, criteria, invalid, active, quarter)


def _confirmation(
    target: StoredCriteriaSet | None,
    criteria: CriteriaSet,
    invalid: InvalidCriteria | None,
    active: StoredCriteriaSet | None,
    quarter: str,
) -> None:
    """How many accounts enter and leave, which rules change, a reason; then Confirm approval or Cancel."""
    st.markdown(f"**Approve {plain(repr(target.name)) if target else 'the draft on screen as a new set'} for everyone?**")
    problem = st.session_state.pop("ka_approve_problem", None)
    if problem:
        st.error(problem, icon=":material/error:")
    if invalid is not None:
        st.error("The draft is not valid, so it cannot be approved: fix it first.", icon=":material/error:")
        st.button("Cancel", key="ka_approve_cancel", on_click=_close_approval)
        return
    metrics = metrics_for(Filters(quarter))  # the whole portfolio: an approved set applies to every account
    result = qualify(metrics, criteria)
    if active is not None and active.criteria is not None:
        diff = compare(metrics, qualify(metrics, active.criteria), result, limit=0)
        st.markdown(
            f"In {quarter}, across all {len(metrics):,} accounts: **{diff.entering_count:,}** accounts enter and "
            f"**{diff.leaving_count:,}** leave the key accounts ({result.qualified_count:,} in all)."
        )
        changes = criteria_changes(active.criteria, criteria)
        if changes.any:
            st.markdown(f"Rules changed against **{plain(active.name)}**:\n" + "\n".join(f"- {line}" for line in changes.summary))
        else:
            st.markdown(f"No rule changes against **{plain(active.name)}**: approving it again starts a new review period.")
    else:
        st.markdown(
            f"No set is active yet. In {quarter}, **{result.qualified_count:,}** of the {len(metrics):,} accounts qualify."
        )
    st.caption(f"The review will be due on {one_quarter_later(clock.today()):%Y-%m-%d}.")
    if target is None:
        st.text_input("Name for the new set", key="ka_approve_name", max_chars=MAX_NAME, placeholder="e.g. NPS 40 bar, Q4 review")
    st.text_input(
        "Reason (optional; kept in the audit log and in the set's history)",
        key="ka_approve_reason",
        max_chars=MAX_NOTE,
        placeholder="e.g. agreed in the Q4 QBR",
    )
    confirm, cancel = st.columns(2)
    confirm.button(
        "Confirm approval",
        key="ka_approve_confirm",
        on_click=_approve,
        args=(target.id if target else None, criteria),
        type="primary",
        icon=":material/verified:",
        width="stretch",
    )
    cancel.button("Cancel", key="ka_approve_cancel", on_click=_close_approval, width="stretch")
