"""Which account the Relationships page shows: the address (?account=) when someone arrives with one,
else the one chosen here, else Account 360's.

The page writes the account it shows into the address, and remembers what it wrote: an address
that differs from it was typed, reloaded or followed from a link (Account 360's), and wins.
"""

from __future__ import annotations

import streamlit as st

from lib.ui.navigation import ACCOUNT_360_ACCOUNT, account_from_url

ACCOUNT = "rel_account_id"  # the account the page shows
WRITTEN = "rel_account_written"  # the account id the page last wrote into the address
TAB = "rel_tab"
NEXT_TAB = "rel_tab_next"  # a tab to show on the next run (a widget's state is set before it is drawn)
ONE_ACCOUNT, PORTFOLIO = "One account", "Portfolio"


def current_account() -> int | None:
    asked = st.query_params.get("account")
    if asked and asked != st.session_state.get(WRITTEN):
        st.session_state[WRITTEN] = asked  # read once: a wrong address warns once, not on every rerun
        found = account_from_url()
        if found is not None:
            st.session_state[ACCOUNT] = found
            if TAB not in st.query_params:  # a link to an account opens its map, unless it names the tab
                st.session_state[NEXT_TAB] = ONE_ACCOUNT
    if st.session_state.get(ACCOUNT) is None:
        st.session_state[ACCOUNT] = st.session_state.get(ACCOUNT_360_ACCOUNT)
    return st.session_state.get(ACCOUNT)


def show_in_address(external_id: str) -> None:
    st.query_params["account"] = external_id
    st.session_state[WRITTEN] = external_id


def pick(account_id: int) -> None:
    """A callback: show this account's map (the search's choice)."""
    st.session_state[ACCOUNT] = int(account_id)
    st.session_state[NEXT_TAB] = ONE_ACCOUNT


def open_here(account_id: int) -> None:
    """Show this account's map, from the portfolio view (call it from the script: it reruns)."""
    st.session_state[ACCOUNT] = int(account_id)
    st.session_state[NEXT_TAB] = ONE_ACCOUNT
    st.rerun()


def choose_tab(has_account: bool) -> None:
    """Set the tab the page opens on before it is drawn: a pending switch first, then the address's
    (?rel_tab=, bound to the tabs), else one account when one is chosen and the portfolio when not."""
    pending = st.session_state.pop(NEXT_TAB, None)
    if pending:
        st.session_state[TAB] = pending
    elif TAB not in st.session_state and TAB not in st.query_params:
        st.session_state[TAB] = ONE_ACCOUNT if has_account else PORTFOLIO
