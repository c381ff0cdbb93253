"""Getting around: the page files, and opening an account or a note from anywhere in one call.

The selected account lives in the session (one key per page that shows one) and in the address
(?account=ACC-000123), so a reload or a shared link opens it again.
"""

from __future__ import annotations

import streamlit as st

from lib.accounts.account360 import find_by_external_id
from lib.core.db import unstorable
from lib.ui.store import engine
from lib.ui.text import plain
from lib.ui.views import TAB_PARAMS

PORTFOLIO_PAGE = "pages/portfolio.py"
WALLET_PAGE = "pages/wallet.py"
KEY_ACCOUNTS_PAGE = "pages/key_accounts.py"
ACCOUNT_360_PAGE = "pages/account_360.py"
REVIEW_NOTES_PAGE = "pages/review_notes.py"
WALKTHROUGH_PAGE = "pages/walkthrough.py"
DATA_PAGE = "pages/data.py"
RELATIONSHIPS_PAGE = "pages/relationships.py"

ACCOUNT_360_ACCOUNT = "a360_account_id"  # the account Account 360 shows
NOTES_ACCOUNT = "notes_account_id"  # the account Review notes shows
NOTES_QUARTER = "notes_quarter_chosen"  # and its quarter
MAX_EXTERNAL_ID_CHARS = 100  # the column's width (lib.core.models.Account.external_id)


def switch_page(page: str) -> None:
    """st.switch_page, taking along the address's shared view but not the tab of the page left behind.

    The open tab is bound to the address (lib.ui.views.shared_tabs); switched to without query
    parameters of its own, a page opened from inside a bound tab is sent back by the browser.
    """
    kept = {name: st.query_params.get_all(name) for name in st.query_params if name not in TAB_PARAMS}
    st.switch_page(page, query_params=kept)


def open_account(account_id: int) -> None:
    """Go to Account 360 on this account (call it from the script, not from a widget callback)."""
    st.session_state[ACCOUNT_360_ACCOUNT] = int(account_id)
    switch_page(ACCOUNT_360_PAGE)


def open_note(account_id: int, quarter: str) -> None:
    """Go to Review notes on an account and quarter.

    Call it from the script, not from a widget callback: callbacks run before app.py has set up
    the navigation, so a page switch there finds no pages.
    """
    st.session_state[NOTES_ACCOUNT] = int(account_id)
    st.session_state[NOTES_QUARTER] = quarter
    switch_page(REVIEW_NOTES_PAGE)


def account_from_url() -> int | None:
    """The account named in the address (?account=ACC-000123), so a reload or a shared link opens it again."""
    external_id = st.query_params.get("account")
    if not external_id:
        return None
    if len(external_id) > MAX_EXTERNAL_ID_CHARS or unstorable(external_id):  # checked before it reaches SQL
        st.warning("The address does not name an account: find one by name instead.", icon=":material/link_off:")
        return None
    found = find_by_external_id(engine(), external_id)
    if found is None:
        st.warning(f"No account has the id “{plain(external_id)}”: find one by name instead.", icon=":material/link_off:")
    return found


def selected_account(key: str, fallback: str) -> int | None:
    """The account a page shows: the last one opened there, else the one in the address, else the other page's one."""
    if st.session_state.get(key) is None:
        from_url = account_from_url()
        st.session_state[key] = from_url if from_url is not None else st.session_state.get(fallback)
    return st.session_state.get(key)
