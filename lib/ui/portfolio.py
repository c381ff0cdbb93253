"""The portfolio the pages read: its arrays, the per-filter views, the accounts behind a number, the figures.

Cached by lib.ui.store: the arrays and the built figures as resources (large, read-only), the
per-filter views as data, all keyed on the database and the facts version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.core.csv_safe import to_csv
from lib.core.db import FACTS, read_setting
from lib.io.snapshot import cached_portfolio
from lib.portfolio import charts as charts
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import DEFAULT_GROSS_MARGIN
from lib.portfolio.overview import PortfolioOverview, account_table, kpi_accounts, portfolio_overview
from lib.ui.store import database_key, engine, engine_for, url_of, versions


@st.cache_resource(max_entries=2, show_spinner="Loading the portfolio…")
def portfolio_of(database: str, facts_version: int) -> PortfolioData:
    """The portfolio arrays of a database (store.database_key) at a facts version; the warm-up calls it before any run."""
    current = engine_for(url_of(database))
    as_of = read_setting(current, "data_as_of")
    return cached_portfolio(current, facts_version, dt.datetime.fromisoformat(as_of) if as_of else None)


def portfolio() -> PortfolioData:
    return portfolio_of(database_key(), versions()[FACTS])


def gross_margin() -> float:
    return float(read_setting(engine(), "gross_margin") or DEFAULT_GROSS_MARGIN)


@st.cache_data(max_entries=64, show_spinner=False)
def _overview_for(database: str, facts_version: int, filters: Filters, margin: float) -> PortfolioOverview:
    return portfolio_overview(portfolio_of(database, facts_version), filters, margin)


def overview(filters: Filters) -> PortfolioOverview:
    return _overview_for(database_key(), versions()[FACTS], filters, gross_margin())


@st.cache_data(max_entries=64, show_spinner=False)
def _accounts_for(database: str, facts_version: int, filters: Filters, sort_by: str, limit: int) -> tuple[pd.DataFrame, int]:
    table = account_table(portfolio_of(database, facts_version), filters)
    # Names from A, movements from the largest decline, everything else from the largest.
    ordered = table.sort_values(sort_by, ascending=sort_by in ("name", "movement"), na_position="last")
    return ordered.head(limit).reset_index(drop=True), len(table)


def accounts_page(filters: Filters, sort_by: str = "revenue", limit: int = 500) -> tuple[pd.DataFrame, int]:
    """The first `limit` accounts of the filter by the chosen column, and how many there are in all."""
    return _accounts_for(database_key(), versions()[FACTS], filters, sort_by, limit)


def accounts_csv(filters: Filters) -> bytes:
    """Every account of the filter as CSV (built when the download is clicked, not on each rerun)."""
    return to_csv(account_table(portfolio(), filters).drop(columns=["id"]))


@st.cache_data(max_entries=256, show_spinner=False)
def _kpi_accounts_for(database: str, facts_version: int, filters: Filters, key: str) -> pd.DataFrame:
    return kpi_accounts(portfolio_of(database, facts_version), filters, key)


def accounts_behind(filters: Filters) -> Callable[[str], pd.DataFrame]:
    return lambda key: _kpi_accounts_for(database_key(), versions()[FACTS], filters, key)


# Plotly figures take far longer to build (validation) than to send; they are read-only once
# built, so they are kept as objects (cache_resource) rather than pickled copies (cache_data).
@st.cache_resource(max_entries=128, show_spinner=False)
def _trend_figures_for(database: str, facts_version: int, filters: Filters, margin: float, large: bool) -> tuple[go.Figure, ...]:
    trends = _overview_for(database, facts_version, filters, margin).trends
    return charts.revenue_trend(trends, large), charts.retention_trend(trends, large), charts.nps_trend(trends, large)


def trend_figures(filters: Filters, large: bool) -> tuple[go.Figure, ...]:
    """Revenue, NRR/GRR and NPS over all quarters, for the filters."""
    return _trend_figures_for(database_key(), versions()[FACTS], filters, gross_margin(), large)


@st.cache_resource(max_entries=128, show_spinner=False)
def _breakdown_figure_for(database: str, facts_version: int, filters: Filters, margin: float, by: str, large: bool) -> go.Figure:
    return charts.breakdown_bars(_overview_for(database, facts_version, filters, margin).breakdowns[by], by, large)


def breakdown_figure(filters: Filters, by: str, large: bool) -> go.Figure:
    return _breakdown_figure_for(database_key(), versions()[FACTS], filters, gross_margin(), by, large)
