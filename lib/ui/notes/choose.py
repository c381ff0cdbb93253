"""Choosing the note: the account and the quarter, remembered outside the widgets so they survive page switches."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib.core.quarters import last_completed_quarter, quarter_index, quarter_of
from lib.ui.navigation import ACCOUNT_360_ACCOUNT, selected_account
from lib.ui.notes.state import ACCOUNT, LEFT_DRAFT, QUARTER, draft_key, drafts


def note_quarters(data_quarters: list[str], today: dt.date) -> list[str]:
    """Quarters a note can be written for: those of the data, the last completed and the running one; newest first."""
    chosen = set(data_quarters) | {last_completed_quarter(today), quarter_of(today)}
    return sorted(chosen, key=quarter_index, reverse=True)


def default_quarter(options: list[str], today: dt.date) -> str:
    completed = last_completed_quarter(today)
    return completed if completed in options else options[0]


def choose_quarter(options: list[str], today: dt.date) -> str:
    """The quarter selectbox; the choice is remembered outside the widget, so it survives page switches."""
    chosen = st.session_state.get(QUARTER)
    if chosen not in options:
        asked = st.query_params.get("quarter")
        chosen = asked if asked in options else default_quarter(options, today)
        st.session_state[QUARTER] = chosen
    # The remembered choice leads (links from other pages set it) and is sent on every run: a
    # selectbox the browser rebuilt after a page switch would otherwise show its first option
    # (the next quarter) while the page works on this one, and the next click would switch to it.
    st.session_state["notes_quarter"] = chosen
    st.selectbox("Quarter", options, key="notes_quarter", on_change=_quarter_changed)
    return st.session_state[QUARTER]


def _quarter_changed() -> None:
    _warn_if_leaving_draft()
    st.session_state[QUARTER] = st.session_state["notes_quarter"]


def current_account() -> int | None:
    """The account of Review notes: chosen here, else named in the address, else the one last open in Account 360."""
    return selected_account(ACCOUNT, ACCOUNT_360_ACCOUNT)


def pick_account(account_id: int) -> None:
    _warn_if_leaving_draft()
    st.session_state[ACCOUNT] = int(account_id)


def _warn_if_leaving_draft() -> None:
    account_id, quarter = st.session_state.get(ACCOUNT), st.session_state.get(QUARTER)
    if account_id is None or quarter is None:
        return
    key = draft_key(account_id, quarter)
    if key in drafts():
        # Said only after the run's save request is done: a Save in the same click may keep nothing to warn of.
        st.session_state[LEFT_DRAFT] = key
