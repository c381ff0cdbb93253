"""The Relationships page's data, cached by lib.ui.store: the stakeholder arrays, the key accounts, the
portfolio view and one account's map and matrix.

The arrays are a resource (large, read-only, loaded once per facts version, from the file an import
prepared); the views are resources too (built once per filter and data version, only read). Every key
holds the database and the versions it reads, so a write shows on the next rerun.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import streamlit as st

from lib.core.csv_safe import to_csv
from lib.core.db import CRITERIA, FACTS
from lib.keyaccounts.status import KeyAccountBasis, key_account_basis
from lib.portfolio.data import Filters, PortfolioData
from lib.relationships.account import AccountRelationships, account_relationships
from lib.relationships.data import RelationshipData, cached_relationships
from lib.relationships.portfolio import RelationshipOverview, relationship_overview
from lib.ui.portfolio import portfolio
from lib.ui.store import database_key, engine, engine_for, url_of, versioned, versions

TABLE_ROWS = 500  # the riskiest shown on screen; the CSV holds them all


@st.cache_resource(max_entries=2, show_spinner="Loading stakeholders and meetings (once after each import)…")
def _relationships_of(database: str, facts_version: int, _data: PortfolioData) -> RelationshipData:
    return cached_relationships(engine_for(url_of(database)), _data, facts_version)


def warm_relationships(database: str, facts_version: int, data: PortfolioData) -> None:
    """Load the arrays ahead of the first visit (lib.ui.warmup calls it at server start)."""
    _relationships_of(database, facts_version, data)


def relationships() -> RelationshipData:
    """The portfolio's stakeholders and interactions as arrays (lib.relationships.data)."""
    return _relationships_of(database_key(), versions()[FACTS], portfolio())


def _basis_filters(filters: Filters) -> Filters:
    """The criteria read the quarter and the filters, never the base quarter: one cache entry for both."""
    return Filters(filters.quarter, 4, filters.segments, filters.regions, filters.owners)


@versioned(FACTS, CRITERIA, resource=True, max_entries=4, show_spinner="Qualifying the key accounts…")
def _basis_for(filters: Filters) -> KeyAccountBasis:
    return key_account_basis(engine(), portfolio(), filters, relationships())


def key_basis(filters: Filters) -> KeyAccountBasis:
    """Every account of the filter under the active approved criteria (or why there are none)."""
    return _basis_for(_basis_filters(filters))


def key_account_ids(filters: Filters) -> tuple[int, ...] | None:
    """The accounts (accounts.id) the active approved set qualifies; None when no set is active."""
    basis = key_basis(filters)
    if not basis.available or basis.results is None:
        return None
    results = basis.results
    return tuple(int(i) for i in results.index[results["qualified"].to_numpy(dtype=bool)])


@versioned(FACTS, CRITERIA, resource=True, max_entries=16)
def _overview_for(filters: Filters, key_only: bool) -> RelationshipOverview:
    data = portfolio()
    ids = key_account_ids(filters)
    key = None if ids is None else data.accounts["id"].isin(ids).to_numpy()
    return relationship_overview(data, relationships(), filters, key, key_only)


def overview(filters: Filters, key_only: bool) -> RelationshipOverview:
    """The three cards, now and the quarter before, and every active account riskiest first."""
    return _overview_for(filters, key_only)


def overview_csv(filters: Filters, key_only: bool) -> bytes:
    """Every account of the view as CSV (built when the download is clicked)."""
    return to_csv(overview(filters, key_only).accounts)


@versioned(FACTS, resource=True, max_entries=128)
def _account_for(account_id: int, quarter: str, window: tuple[dt.date, dt.date] | None) -> AccountRelationships:
    return account_relationships(engine(), account_id, quarter, window)


def account_view(account_id: int, quarter: str, window: tuple[dt.date, dt.date] | None = None) -> AccountRelationships:
    """One account's map, matrix (interactions in the window; default the 90 days to the quarter's end) and figures."""
    return _account_for(int(account_id), quarter, window)


@versioned(FACTS, max_entries=256)
def _account_row_for(account_id: int) -> dict | None:
    accounts = portfolio().accounts
    found = np.flatnonzero(accounts["id"].to_numpy() == account_id)
    return accounts.iloc[int(found[0])].to_dict() if len(found) else None


def account_row(account_id: int) -> dict | None:
    """The account's row of the portfolio (id, external_id, name, owner, ...), None when it is not there."""
    return _account_row_for(int(account_id))


def account_ids_by_position(rows: np.ndarray) -> np.ndarray:
    """accounts.id of rows of the portfolio (positions in data.accounts)."""
    return portfolio().accounts["id"].to_numpy()[rows]
