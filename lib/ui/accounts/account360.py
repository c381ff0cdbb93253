"""Account 360 in the browser: account search, cached single-account loaders, the key-account status.

Caches are keyed on the database (lib.ui.store.database_key: its URL and its own identity), the
data version of what they hold (facts, notes, criteria) and their arguments, so a write anywhere
shows on the next rerun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.accounts.account360 import (
    AccountView,
    load_account,
    search_accounts,
)
from lib.accounts.charts import revenue_wallet_figure, wallet_split_figure
from lib.core import clock as clock
from lib.core.db import FACTS, NOTES
from lib.keyaccounts.status import KeyAccountStatus, key_account_status
from lib.notes.action_items import account_open_items
from lib.notes.notes import account_notes
from lib.portfolio.data import Filters
from lib.ui.navigation import ACCOUNT_360_ACCOUNT, NOTES_ACCOUNT, selected_account
from lib.ui.portfolio import portfolio
from lib.ui.relationships.data import key_basis
from lib.ui.store import engine, versioned
from lib.ui.text import plain


@versioned(FACTS, max_entries=256)
def _view_for(account_id: int, quarter: str, today: dt.date) -> AccountView | None:
    return load_account(engine(), account_id, quarter, today)


def account_view(account_id: int, quarter: str) -> AccountView | None:
    return _view_for(int(account_id), quarter, clock.today())


# Plotly figures take longer to build (validation) than everything else on the page; once built
# they are only read, so they are kept as objects (cache_resource), not pickled copies.
@versioned(FACTS, resource=True)
def _figures_for(account_id: int, quarter: str, today: dt.date, large: bool) -> tuple[go.Figure, go.Figure | None]:
    view = _view_for(account_id, quarter, today)
    split = None if view.wallet_split.empty else wallet_split_figure(view.wallet_split, quarter, large)
    return revenue_wallet_figure(view.history, large), split


def account_figures(account_id: int, quarter: str, large: bool) -> tuple[go.Figure, go.Figure | None]:
    """The revenue-and-wallet trend and who has the wallet in the quarter (None without a wallet estimate)."""
    return _figures_for(int(account_id), quarter, clock.today(), large)


@versioned(FACTS, max_entries=128)
def _search_for(query: str) -> tuple[pd.DataFrame, int]:
    return search_accounts(portfolio().accounts, query)


def key_account(account_id: int, filters: Filters) -> KeyAccountStatus:
    return key_account_status(key_basis(filters), int(account_id))


@versioned(NOTES, max_entries=256)
def _notes_for(account_id: int) -> pd.DataFrame:
    return account_notes(engine(), account_id)


def notes_of(account_id: int) -> pd.DataFrame:
    """Every quarter's review note of the account, newest first."""
    return _notes_for(int(account_id))


@versioned(NOTES, max_entries=256)
def _open_items_for(account_id: int, today: dt.date) -> pd.DataFrame:
    return account_open_items(engine(), account_id, today)


def open_items_of(account_id: int) -> pd.DataFrame:
    return _open_items_for(int(account_id), clock.today())


def current_account() -> int | None:
    """The account Account 360 shows: the last one opened here, else the one in the address, else Review notes' one."""
    return selected_account(ACCOUNT_360_ACCOUNT, NOTES_ACCOUNT)


def account_search(prefix: str, on_pick: Callable[[int], None]) -> None:
    """A text search over names and account ids (fine at 100,000 accounts): one match opens at once,
    more are listed to pick from."""
    search_col = match_col = st.container()
    query = search_col.text_input(
        "Find an account",
        key=f"{prefix}_search",
        placeholder="Part of a name or an account id",
        icon=":material/search:",
        on_change=_searched,
        args=(prefix, on_pick),
    )
    if not (query or "").strip():
        return
    matches, total = _search_for(query.strip())
    if matches.empty:
        match_col.caption(f"No account matches “{plain(query.strip())}”.")
        return
    labels = {int(r.id): f"{r.name} · {r.external_id}" for r in matches.itertuples(index=False)}
    shown = f"{total:,} matches" if total <= len(matches) else f"{total:,} matches, the first {len(matches)}"
    match_col.selectbox(
        "1 match" if total == 1 else shown,
        options=list(labels),
        index=None,
        format_func=labels.get,
        placeholder="Choose an account",
        key=f"{prefix}_match",
        on_change=_picked,
        args=(prefix, on_pick),
    )


def _searched(prefix: str, on_pick: Callable[[int], None]) -> None:
    query = (st.session_state.get(f"{prefix}_search") or "").strip()
    if not query:
        return
    matches, total = _search_for(query)
    if total == 1:
        on_pick(int(matches["id"].iloc[0]))
        st.session_state[f"{prefix}_search"] = ""


def _picked(prefix: str, on_pick: Callable[[int], None]) -> None:
    chosen = st.session_state.get(f"{prefix}_match")
    if chosen is None:
        return
    on_pick(int(chosen))
    st.session_state[f"{prefix}_search"] = ""
    st.session_state.pop(f"{prefix}_match", None)


def open_in_account_360(account_id: int) -> None:
    st.session_state[ACCOUNT_360_ACCOUNT] = int(account_id)


def key_account_badge(status: KeyAccountStatus) -> None:
    """One line: key account, near miss or not, the score, and the criteria it was judged by."""
    if not status.available:
        st.markdown(f":gray-badge[:material/star_border: Key-account status: {plain(status.message)}]")
        return
    color = "green" if status.qualified else "orange" if status.near_miss else "gray"
    score = f" · score {status.score:.0f}" if status.score is not None else ""
    approved = f", approved by {plain(status.approved_by)} on {status.approved_at:%Y-%m-%d}" if status.approved_at else ""
    criteria = f"under “{plain(status.criteria_name)}”{approved}"
    st.markdown(f":{color}-badge[:material/star: {status.label}{score}] :gray[{criteria}]")
