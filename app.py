"""Keystone: the picture frame. Login, navigation by role, global filters, projector mode."""

import streamlit as st

from lib.ui import navigation as nav
from lib.ui.auth import clear_login_form, current_user, handle_logout, keep_cookie_fresh, login_screen, logout_button
from lib.ui.errors import problems_shown
from lib.ui.notes.guard import unsaved_guard
from lib.ui.pagebar import page_bar
from lib.ui.portfolio import portfolio
from lib.ui.store import refresh_versions
from lib.ui.text import plain
from lib.ui.theme import apply_theme, presentation_toggle, projector_from_address
from lib.ui.warmup import warm_up

st.set_page_config(page_title="Keystone", page_icon=":material/insights:", layout="wide")

PORTFOLIO = st.Page(nav.PORTFOLIO_PAGE, title="Portfolio", icon=":material/dashboard:", default=True)
WALLET = st.Page(nav.WALLET_PAGE, title="Share of wallet", icon=":material/pie_chart:")
KEY_ACCOUNTS = st.Page(nav.KEY_ACCOUNTS_PAGE, title="Key accounts", icon=":material/star:")
ACCOUNT_360 = st.Page(nav.ACCOUNT_360_PAGE, title="Account 360", icon=":material/domain:")
REVIEW_NOTES = st.Page(nav.REVIEW_NOTES_PAGE, title="Review notes", icon=":material/edit_note:")
RELATIONSHIPS = st.Page(nav.RELATIONSHIPS_PAGE, title="Relationships", icon=":material/groups:")
WALKTHROUGH = st.Page(nav.WALKTHROUGH_PAGE, title="Review walkthrough", icon=":material/co_present:")
DATA = st.Page(nav.DATA_PAGE, title="Data", icon=":material/upload_file:")

PAGES_BY_ROLE = {
    "viewer": {
        "Portfolio": [PORTFOLIO, WALLET, KEY_ACCOUNTS],
        "Accounts": [ACCOUNT_360, RELATIONSHIPS, REVIEW_NOTES, WALKTHROUGH],
    },
    "editor": {
        "Portfolio": [PORTFOLIO, WALLET, KEY_ACCOUNTS],
        "Accounts": [ACCOUNT_360, RELATIONSHIPS, REVIEW_NOTES, WALKTHROUGH],
    },
    "admin": {
        "Portfolio": [PORTFOLIO, WALLET, KEY_ACCOUNTS],
        "Accounts": [ACCOUNT_360, RELATIONSHIPS, REVIEW_NOTES, WALKTHROUGH],
        "Admin": [DATA],
    },
}

warm_up()  # the portfolio loads while the first visitor types their password
handle_logout()
user = current_user()
if user is None:
    # Every address stays known (hidden), so a visitor who logs in lands on the page asked for.
    st.navigation(PAGES_BY_ROLE["admin"], position="hidden")
    login_screen()
    st.stop()

navigation = st.navigation(PAGES_BY_ROLE[user.role])
projector_from_address()  # ?present=1: a reload or a shared link opens in projector mode
clear_login_form()  # before the portfolio loads, so its progress shows on a clean screen
refresh_versions()
with st.sidebar:
    st.caption(f"**{plain(st.session_state.get('user_name', user.username))}** · {user.role}")
    presentation_toggle()
page_bar([page for group in PAGES_BY_ROLE[user.role].values() for page in group], portfolio(), navigation)
logout_button()
keep_cookie_fresh()
unsaved_guard()  # the browser asks before a reload drops an unsaved note, on every page
apply_theme()
st.session_state["_entered_through_app"] = True
with problems_shown():  # a page that fails says so in a sentence; the details go to the log
    navigation.run()
