"""Account 360: one account on one screen: profile, revenue and wallet, competitors, KPIs,
key-account status, people and meetings, every quarter's review note, open action items."""

import streamlit as st

from lib.accounts.account360 import wallet_data_problem
from lib.ui.accounts.account360 import (
    account_figures,
    account_search,
    account_view,
    current_account,
    key_account,
    key_account_badge,
    open_in_account_360,
)
from lib.ui.accounts.notes import note_cards, open_items
from lib.ui.accounts.people import people_panel
from lib.ui.accounts.summary import account_cards, changes_caption, profile_caption, wallet_split_panel
from lib.ui.auth import require_user
from lib.ui.filters import current_filters
from lib.ui.notes.guard import unsaved_banner, unsaved_guard
from lib.ui.notes.show import note_styles
from lib.ui.portfolio import accounts_page
from lib.ui.tables import account_table
from lib.ui.text import plain
from lib.ui.theme import is_presentation
from lib.ui.views import shared_tabs

user = require_user()
filters = current_filters()
large = is_presentation()
account_id = current_account()

heading, search = st.columns([3, 2], vertical_alignment="bottom")
with search:
    account_search("a360", open_in_account_360)
view = account_view(account_id, filters.quarter) if account_id is not None else None

if view is None:
    heading.title("Account 360")
    unsaved_banner(key_prefix="a360")
    st.info("Find an account by name above, or open one from the largest accounts below.", icon=":material/search:")
    rows, total = accounts_page(filters, "revenue", limit=10)
    account_table(rows, key="a360_top_accounts")
    unsaved_guard()
    st.stop()

profile = view.profile
st.query_params["account"] = profile.external_id
status = key_account(profile.id, filters)
with heading:
    st.title(plain(profile.name))
    st.caption(profile_caption(profile))
    key_account_badge(status)
unsaved_banner(key_prefix="a360")

account_cards(view, filters.quarter, large)
data_problem = wallet_data_problem(view, filters.quarter)  # a wallet there that cannot be right
st.caption(changes_caption(filters.quarter, data_problem, large))
money_tab, people_tab, notes_tab, items_tab = shared_tabs(
    ["Revenue and wallet", "People", "Review notes", "Action items"], key="a360_tab"
)

with money_tab:
    trend_col, split_col = st.columns([3, 2] if not large else [1, 1])
    trend, split = account_figures(profile.id, filters.quarter, large)
    trend_col.plotly_chart(trend, width="stretch", key="a360_trend")
    with split_col:
        wallet_split_panel(view, split, filters.quarter, data_problem)

with people_tab:
    people_panel(view, filters.quarter)

with notes_tab:
    note_cards(user, profile.id, filters.quarter)

with items_tab:
    open_items(profile.id)

note_styles()
unsaved_guard()
