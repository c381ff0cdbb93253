"""Editing in place on the Relationships page (editor and admin): add or edit a stakeholder, log an interaction.

Each opens a dialog holding a form; lib.relationships.edit checks the role and every value again,
audits the write and bumps the facts version, so the map, the matrix and the figures show it on the
rerun that closes the dialog. A viewer gets no button; a forged write is refused in lib all the same.

Which dialog is open is kept in the session (rel_dialog) until it is saved or dismissed, so a rerun of
the whole page (a form submitted under AppTest, say) finds it open still.
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core import clock as clock
from lib.core.auth import Actor, PermissionDenied
from lib.core.roles import can_edit
from lib.io.prepare import facts_before_write, prepare_after_relationships
from lib.relationships.account import AccountRelationships
from lib.relationships.edit import (
    InteractionInput,
    InvalidRelationshipEdit,
    StakeholderChanged,
    StakeholderInput,
    as_input,
    log_interaction,
    save_stakeholder,
)
from lib.relationships.vocabulary import CHANNELS, LEVELS, STAKEHOLDER_ROLES, STANCES
from lib.ui.portfolio import portfolio_of
from lib.ui.relationships.data import warm_relationships
from lib.ui.store import database_key, engine, refresh_versions
from lib.ui.text import plain
from lib.ui.wallet.wallet import warm_spend

DIALOG = "rel_dialog"  # "add", "edit" or "log": the dialog open
NOTICE = "rel_notice"  # what the last save did, shown once after the dialog closes
STAKEHOLDER_KEYS = ("name", "title", "level", "role", "stance", "owner")
INTERACTION_KEYS = ("date", "ours", "theirs", "channel", "note")


def _open(kind: str) -> None:
    st.session_state[DIALOG] = kind


def _close() -> None:
    st.session_state.pop(DIALOG, None)


def edit_controls(user: Actor, view: AccountRelationships) -> None:
    """The add, edit and log buttons, for an editor or admin only."""
    if not can_edit(user.role):
        return
    row = st.container(horizontal=True, horizontal_alignment="right")
    row.button("Add a stakeholder", icon=":material/person_add:", key="rel_add", on_click=_open, args=("add",))
    row.button(
        "Edit a stakeholder",
        icon=":material/edit:",
        key="rel_edit",
        on_click=_open,
        args=("edit",),
        disabled=view.stakeholders.empty,
    )
    row.button("Log an interaction", icon=":material/forum:", key="rel_log", on_click=_open, args=("log",))


def saved_notice() -> None:
    """What the last save did, once."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")


def edit_dialogs(user: Actor, account_id: int, view: AccountRelationships) -> None:
    """The dialog the user opened, if any (an editor's or admin's only)."""
    chosen = st.session_state.get(DIALOG)
    if chosen not in ("add", "edit", "log") or not can_edit(user.role):
        return
    if chosen == "log":
        st.dialog("Log an interaction", on_dismiss=_close, width="medium")(_interaction_form)(user, account_id, view)
    elif chosen == "add":
        st.dialog("Add a stakeholder", on_dismiss=_close, width="medium")(_stakeholder_form)(user, account_id, None)
    else:
        st.dialog("Edit a stakeholder", on_dismiss=_close, width="medium")(_edit_form)(user, account_id, view)


def _edit_form(user: Actor, account_id: int, view: AccountRelationships) -> None:
    """Whom to edit, then their form with what is on record."""
    records = {int(r["id"]): r for r in view.stakeholders.to_dict("records")}
    chosen = st.selectbox(
        "Who",
        list(records),
        index=None,
        key="rel_sh_who",
        format_func=lambda i: f"{records[i]['name']} · {records[i]['role']}" if records[i]["role"] else records[i]["name"],
        placeholder="Choose one of their people",
    )
    if chosen is not None:
        _stakeholder_form(user, account_id, records[chosen])


def _saved(message: str, keys: list[str], previous: tuple[tuple[str, str], int]) -> None:
    for key in [*keys, "rel_sh_who"]:
        st.session_state.pop(key, None)
    _close()
    st.session_state[NOTICE] = message
    refresh_versions()
    _prepare_figures(previous)
    st.rerun()


def _prepare_figures(previous: tuple[tuple[str, str], int]) -> None:
    """The write made a new data version: have its arrays ready now, as an import does, for every server.

    The portfolio and competitor spend are carried over from the version before (lib.io.prepare), so
    only the relationship arrays are read; the other app servers find them all on disk.
    """
    bar = st.progress(0.0, text="Updating the figures…")
    try:
        prepared = prepare_after_relationships(
            engine(), previous, lambda fraction, words: bar.progress(fraction, text=f"{words}…")
        )
        database = database_key()
        data = portfolio_of(database, prepared.facts_version)
        warm_spend(database, prepared.facts_version, data)
        warm_relationships(database, prepared.facts_version, data)
    except (SQLAlchemyError, OSError):  # saved all the same; the next page builds the arrays itself
        logging.getLogger(__name__).warning("preparing the new data version failed", exc_info=True)


def _failed(error: Exception) -> None:
    if isinstance(error, InvalidRelationshipEdit):
        problems = "\n".join(f"- {plain(p)}" for p in error.problems)
        st.error(f"Nothing was saved:\n{problems}", icon=":material/error:")
    else:
        st.error(f"Nothing was saved: {plain(error)}", icon=":material/error:")


def _index(options: tuple[str, ...], value: object) -> int | None:
    return options.index(value) if value in options else None


def _stakeholder_form(user: Actor, account_id: int, record: dict | None) -> None:
    suffix = record["id"] if record else "new"
    keys = {name: f"rel_sh_{name}_{suffix}" for name in STAKEHOLDER_KEYS}
    with st.form(key=f"rel_sh_form_{suffix}", border=False):
        name_col, title_col = st.columns(2)
        name = name_col.text_input("Name", value=record["name"] if record else "", key=keys["name"], max_chars=200)
        title = title_col.text_input("Title", value=(record or {}).get("title") or "", key=keys["title"], max_chars=200)
        level_col, role_col = st.columns(2)
        level = level_col.selectbox(
            "Level", LEVELS, index=_index(LEVELS, (record or {}).get("level")), key=keys["level"], placeholder="Not given"
        )
        role = role_col.selectbox(
            "Role",
            STAKEHOLDER_ROLES,
            index=_index(STAKEHOLDER_ROLES, (record or {}).get("role")),
            key=keys["role"],
            placeholder="Not given",
        )
        stance_col, owner_col = st.columns(2)
        stance = stance_col.selectbox(
            "Stance", STANCES, index=_index(STANCES, (record or {}).get("stance")) or STANCES.index("unknown"), key=keys["stance"]
        )
        owner = owner_col.text_input(
            "Our owner", value=(record or {}).get("our_owner") or "", key=keys["owner"], help="Who of ours owns the relationship"
        )
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:", key=f"rel_sh_save_{suffix}")
    if not submitted:
        return
    values = StakeholderInput(name=name, title=title, level=level, role=role, stance=stance, our_owner=owner)
    previous = facts_before_write(engine())
    try:
        save_stakeholder(
            engine(), user, account_id, values, record["id"] if record else None, shown=as_input(record) if record else None
        )
    except StakeholderChanged as changed:
        st.warning(f"{plain(changed)}.", icon=":material/sync_problem:")
    except (InvalidRelationshipEdit, PermissionDenied) as error:
        _failed(error)
    else:
        verb = "Saved" if record else "Added"
        _saved(f"{verb} {plain(' '.join(name.split()))}.", list(keys.values()), previous)


def _interaction_form(user: Actor, account_id: int, view: AccountRelationships) -> None:
    keys = {name: f"rel_ix_{name}" for name in INTERACTION_KEYS}
    people = view.stakeholders
    names = dict(zip(people["id"].astype(int), people["name"]))
    roles = dict(zip(people["id"].astype(int), people["role"]))
    ours = sorted({*view.matrix.index, *(o for o in people["our_owner"] if isinstance(o, str) and o)})
    default_day = min(clock.today(), view.as_of)
    with st.form(key="rel_ix_form", border=False):
        day_col, channel_col = st.columns(2)
        day = day_col.date_input("Date", value=default_day, key=keys["date"], max_value=clock.today(), format="YYYY-MM-DD")
        channel = channel_col.selectbox("Channel", CHANNELS, key=keys["channel"])
        ours_col, theirs_col = st.columns(2)
        person = ours_col.selectbox(
            "Our person", ours, index=None, key=keys["ours"], accept_new_options=True, placeholder="Choose or type a name"
        )
        stakeholder = theirs_col.selectbox(
            "Their person",
            list(names),
            index=None,
            key=keys["theirs"],
            format_func=lambda i: f"{names[i]} · {roles[i]}" if roles.get(i) else names[i],
            placeholder="Choose whom of theirs",
        )
        note = st.text_input("What it was about (one line)", key=keys["note"], max_chars=300)
        submitted = st.form_submit_button("Log it", type="primary", icon=":material/forum:", key="rel_ix_save")
    st.caption(f"It counts in {view.quarter}'s figures when dated up to {view.as_of:%d %B %Y}.")
    if not submitted:
        return
    values = InteractionInput(
        date=day if isinstance(day, dt.date) else None,
        our_person=person or "",
        stakeholder_id=stakeholder,
        channel=channel,
        note=note,
    )
    previous = facts_before_write(engine())
    try:
        log_interaction(engine(), user, account_id, values)
    except (InvalidRelationshipEdit, PermissionDenied) as error:
        _failed(error)
    else:
        who = names.get(stakeholder, "them")
        _saved(f"Logged: {plain(person)} met {plain(who)} on {day:%d %B %Y}.", list(keys.values()), previous)
