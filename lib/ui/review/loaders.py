"""The walkthrough's cached loaders: the list per filter and choice, an account's screen and its trend figure.

Keyed on the database and the data versions they read (lib.ui.store), so a save anywhere shows on the next step.
While one account is discussed, the next one's screen is read in the background (read_ahead): Next
then finds it ready. A screen read ahead is used only for the database, data versions, filters and
day it was read for.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import plotly.graph_objects as go

from lib.core import clock as clock
from lib.core.db import CRITERIA, FACTS, NOTES
from lib.portfolio.data import Filters
from lib.review.screen_chart import revenue_share_figure
from lib.review.walkthrough import AccountScreen, ListChoice, WalkList, account_screen, walk_list
from lib.ui.accounts.account360 import key_account
from lib.ui.portfolio import portfolio
from lib.ui.store import database_key, engine, versioned, versions


# A resource: at 10,000 accounts a list holds thousands of ids, only ever read.
@versioned(FACTS, CRITERIA, resource=True, max_entries=16, show_spinner="Listing the accounts…")
def _walk_list_for(filters: Filters, choice: ListChoice) -> WalkList:
    return walk_list(engine(), portfolio(), filters, choice)


def walk_list_of(filters: Filters, choice: ListChoice) -> WalkList:
    return _walk_list_for(filters, choice)


SCREEN_VERSIONS = (FACTS, NOTES, CRITERIA)
AHEAD_KEPT = 32  # screens read ahead and not yet shown, over all sessions of this server
AHEAD_WAIT = 30.0  # seconds to wait for a screen still being read ahead before reading it here instead
_ahead_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="walk-read-ahead")
_ahead: OrderedDict[tuple, Future] = OrderedDict()
_ahead_lock = threading.Lock()


@versioned(*SCREEN_VERSIONS, max_entries=128)
def _screen_for(account_id: int, filters: Filters, today: dt.date) -> AccountScreen | None:
    with _ahead_lock:
        ahead = _ahead.pop(_ahead_key(account_id, filters, today), None)
    if ahead is not None:
        try:
            return ahead.result(timeout=AHEAD_WAIT)
        except Exception:  # noqa: BLE001 - whatever failed there is read again here, where a failure shows
            pass
    return account_screen(engine(), account_id, filters.quarter, key_account(account_id, filters), today)


def _ahead_key(account_id: int, filters: Filters, today: dt.date) -> tuple:
    found = versions()
    return (database_key(), tuple(found[kind] for kind in SCREEN_VERSIONS), int(account_id), filters, today)


def read_ahead(account_id: int, filters: Filters) -> None:
    """Start reading the account's screen in the background, unless it is being read already."""
    today = clock.today()
    key = _ahead_key(account_id, filters, today)
    with _ahead_lock:
        if key in _ahead:
            return
    status = key_account(account_id, filters)  # a lookup in the qualified portfolio, cached here in the script's thread
    future = _ahead_pool.submit(account_screen, engine(), int(account_id), filters.quarter, status, today)
    with _ahead_lock:
        _ahead[key] = future
        while len(_ahead) > AHEAD_KEPT:
            _ahead.popitem(last=False)


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
