"""The Key accounts page's cached loaders: the account-level frame, the saved sets and a set's history.

The account-level frame is cached per quarter, filters and FACTS version; the saved sets and their
history per CRITERIA version, so a save or an approval on any server shows on the next run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.db import CRITERIA, FACTS
from lib.keyaccounts.metrics import account_metrics
from lib.keyaccounts.store import HistoryEntry, StoredCriteriaSet, criteria_set_history, list_criteria_sets
from lib.portfolio.data import Filters
from lib.ui.portfolio import portfolio
from lib.ui.relationships.data import relationships
from lib.ui.store import database_key, engine, versioned, versions


@versioned(FACTS, max_entries=8, show_spinner="Reading the accounts…")
def _metrics_for(filters: Filters) -> pd.DataFrame:
    return account_metrics(portfolio(), filters, relationships())


def metrics_for(filters: Filters) -> pd.DataFrame:
    """The account-level frame of the quarter and filters (the base quarter plays no part in it)."""
    key = Filters(filters.quarter, 4, filters.segments, filters.regions, filters.owners)
    memo = st.session_state.get("_ka_metrics")
    stamp = (database_key(), versions()[FACTS], key)
    if memo is not None and memo[0] == stamp:  # a fragment rerun: skip even the cache's copy
        return memo[1]
    frame = _metrics_for(key)
    st.session_state["_ka_metrics"] = (stamp, frame)
    return frame


@versioned(CRITERIA, max_entries=8)
def _sets_for() -> list[StoredCriteriaSet]:
    return list_criteria_sets(engine())


def saved_sets() -> list[StoredCriteriaSet]:
    """Every saved set, the active one first (per CRITERIA version: a save or approval anywhere shows)."""
    return _sets_for()


@versioned(CRITERIA, max_entries=32)
def _history_for(set_id: int) -> list[HistoryEntry]:
    return criteria_set_history(engine(), set_id)


def set_history(set_id: int) -> list[HistoryEntry]:
    """A set's history from the audit log (per CRITERIA version, like the sets)."""
    return _history_for(set_id)


def active_set(sets: list[StoredCriteriaSet]) -> StoredCriteriaSet | None:
    return next((s for s in sets if s.active), None)
