"""The walkthrough's cached loaders: the list per filter and choice, an account's screen and its trend figure.

Keyed on the database and the data versions they read (lib.ui.store), so a save anywhere shows on the next step.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from lib.core import clock as clock
from lib.core.db import CRITERIA, FACTS, NOTES
from lib.portfolio.data import Filters
from lib.review.screen_chart import revenue_share_figure
from lib.review.walkthrough import AccountScreen, ListChoice, WalkList, account_screen, walk_list
from lib.ui.accounts.account360 import key_account
from lib.ui.portfolio import portfolio
from lib.ui.store import engine, versioned


# A resource: at 10,000 accounts a list holds thousands of ids, only ever read.
@versioned(FACTS, CRITERIA, resource=True, max_entries=16, show_spinner="Listing the accounts…")
def _walk_list_for(filters: Filters, choice: ListChoice) -> WalkList:
    return walk_list(engine(), portfolio(), filters, choice)


def walk_list_of(filters: Filters, choice: ListChoice) -> WalkList:
    return _walk_list_for(filters, choice)


@versioned(FACTS, NOTES, CRITERIA, max_entries=128)
def _screen_for(account_id: int, filters: Filters, today: dt.date) -> AccountScreen | None:
    return account_screen(engine(), account_id, filters.quarter, key_account(account_id, filters), today)


def screen_of(account_id: int, filters: Filters) -> AccountScreen | None:
    """The account's screen in the filters' quarter; its key-account status is judged within the filters, as everywhere."""
    return _screen_for(int(account_id), filters, clock.today())


# Built figures are only read: kept as objects (Plotly's validation costs more than the drawing).
@versioned(FACTS, resource=True, max_entries=128)
def _trend_for(account_id: int, filters: Filters, today: dt.date, large: bool) -> go.Figure:
    screen = _screen_for(account_id, filters, today)
    return revenue_share_figure(screen.history, large, height=250)


def trend_of(account_id: int, filters: Filters, large: bool) -> go.Figure:
    return _trend_for(int(account_id), filters, clock.today(), large)
