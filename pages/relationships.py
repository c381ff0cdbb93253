"""Relationships: per account, whom of theirs we know and who of ours meets them (the stakeholder map, the
communication matrix, the bus factor); across the portfolio, where we are thin."""

import streamlit as st

from lib.core.quarters import shift_quarter
from lib.ui.accounts.account360 import account_search
from lib.ui.auth import require_user
from lib.ui.filters import current_filters, describe
from lib.ui.relationships.data import account_row, account_view, overview
from lib.ui.relationships.edit import edit_controls, edit_dialogs, saved_notice
from lib.ui.relationships.map import relationship_status, stakeholder_map
from lib.ui.relationships.matrix import matrix_figure, matrix_window
from lib.ui.relationships.pick import ONE_ACCOUNT, PORTFOLIO, TAB, choose_tab, current_account, pick, show_in_address
from lib.ui.relationships.portfolio import csv_download, key_accounts_only, relationship_cards, risk_table
from lib.ui.text import plain
from lib.ui.theme import is_presentation
from lib.ui.views import shared_tabs

user = require_user()
filters = current_filters()
large = is_presentation()
account_id = current_account()

heading, search = st.columns([3, 2], vertical_alignment="bottom")
with search:
    account_search("rel", pick)
heading.title("Relationships")
choose_tab(account_id is not None)
one_tab, portfolio_tab = shared_tabs([ONE_ACCOUNT, PORTFOLIO], key=TAB, on_change="rerun")

if one_tab.open:
    with one_tab:
        account = account_row(account_id) if account_id is not None else None
        if account is None:
            st.info("Find an account by name above, or select one in the Portfolio tab.", icon=":material/search:")
        else:
            show_in_address(account["external_id"])
            view = account_view(account_id, filters.quarter)
            name_col, buttons_col = st.columns([2, 3], vertical_alignment="bottom")
            with name_col:
                st.subheader(plain(account["name"]))
                st.caption(
                    f"{plain(account['external_id'])} · owner {plain(account['owner'] or 'n/a')} · {filters.quarter}, "
                    f"as of {view.as_of:%d %B %Y}"
                )
            with buttons_col:
                edit_controls(user, view)
            saved_notice()
            relationship_status(view)
            st.markdown("##### Stakeholder map")
            stakeholder_map(view, large)
            matrix_title, window_col = st.columns([3, 2], vertical_alignment="bottom")
            matrix_title.markdown("##### Communication matrix")
            with window_col:
                window = matrix_window(filters.quarter)
            st.plotly_chart(matrix_figure(account_id, filters.quarter, window, large), width="stretch", key="rel_matrix")
            st.caption("Rows: our people; columns: their people; ∅ and red: no interaction in the window.")
            edit_dialogs(user, account_id, view)

if portfolio_tab.open:
    with portfolio_tab:
        key_only = key_accounts_only(filters)
        view = overview(filters, key_only)
        st.caption(f"{filters.quarter} · changes vs {shift_quarter(filters.quarter, -1)} · {describe(filters)}")
        relationship_cards(view, large)
        risk_table(view, key_only)
        csv_download(filters, key_only)
