"""The engine, the data versions and the cached frames every page reads.

Two caches, named for what they hold: `st.cache_resource` for the engine and for the portfolio
arrays (large and read-only: `st.cache_data` would copy them on every hit), `st.cache_data` for
the small per-filter views. Every key includes the data version read from the database on each
rerun, so a write through any app server shows on the next rerun of all of them, and the database
key (database_key: its address and the identity stored in it), so a database recreated at the same
address never shows what was kept for the old one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from lib.core import charts as charts
from lib.core.config import database_url
from lib.core.csv_safe import to_csv
from lib.core.db import FACTS, make_engine, migrate, read_setting, versions_and_identity
from lib.io.setup import ensure_initialized
from lib.io.snapshot import cached_portfolio
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import DEFAULT_GROSS_MARGIN, PortfolioOverview, account_table, kpi_accounts, portfolio_overview
from lib.ui.errors import stop_for_database


@st.cache_resource(show_spinner="Opening the database…")
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    ensure_initialized(engine)
    # Load the portfolio while the first visitor is still typing their password.
    threading.Thread(target=_warm_portfolio, args=(url, engine), daemon=True, name="keystone-warm").start()
    return engine


class _QuietWarmThread(logging.Filter):
    """The warm-up runs outside any script run on purpose; Streamlit's warning about it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name != "keystone-warm"


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWarmThread())


def _warm_portfolio(url: str, engine: Engine) -> None:
    with contextlib.suppress(Exception):  # warming is only an optimisation; the pages load it anyway
        found, identity = versions_and_identity(engine)
        key = _key(url, identity)
        data = _portfolio_for(key, found[FACTS])
        from lib.ui.wallet.wallet import warm_spend  # the largest load after the portfolio: competitor spend

        warm_spend(key, found[FACTS], data)


def engine() -> Engine:
    """The engine of this installation's database; when it cannot be opened, the run ends with why."""
    try:
        return _engine_for(database_url(secrets=_secrets()))
    except (SQLAlchemyError, OSError) as error:  # unreachable, read-only, a folder that cannot be made
        stop_for_database(error)
        raise


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except FileNotFoundError:
        return {}


def refresh_versions() -> dict[str, int]:
    """Read the data versions (app.py does it once per run; a page does it after its own write)."""
    try:
        found, identity = versions_and_identity(engine())
    except SQLAlchemyError as error:  # the database went away (or read-only, or replaced) since the engine opened
        stop_for_database(error)
        raise
    st.session_state["data_versions"], st.session_state["database_id"] = found, identity
    return found


def versions() -> dict[str, int]:
    """The data versions of this run: they key every cache."""
    return st.session_state.get("data_versions") or refresh_versions()


def database_key() -> str:
    """The database's address and its own identity (lib.core.db.database_id): what every cache is keyed on besides versions."""
    if "database_id" not in st.session_state:
        refresh_versions()
    return _key(engine().url.render_as_string(hide_password=False), st.session_state["database_id"])


def _key(url: str, identity: str) -> str:
    return f"{url}#{identity}"


@st.cache_resource(max_entries=2, show_spinner="Loading the portfolio…")
def _portfolio_for(database: str, facts_version: int) -> PortfolioData:
    current = _engine_for(database.rpartition("#")[0])
    as_of = read_setting(current, "data_as_of")
    return cached_portfolio(current, facts_version, dt.datetime.fromisoformat(as_of) if as_of else None)


def portfolio() -> PortfolioData:
    return _portfolio_for(database_key(), versions()[FACTS])


def gross_margin() -> float:
    return float(read_setting(engine(), "gross_margin") or DEFAULT_GROSS_MARGIN)


@st.cache_data(max_entries=64, show_spinner=False)
def _overview_for(database: str, facts_version: int, filters: Filters, margin: float) -> PortfolioOverview:
    return portfolio_overview(_portfolio_for(database, facts_version), filters, margin)


def overview(filters: Filters) -> PortfolioOverview:
    return _overview_for(database_key(), versions()[FACTS], filters, gross_margin())


@st.cache_data(max_entries=64, show_spinner=False)
def _accounts_for(database: str, facts_version: int, filters: Filters, sort_by: str, limit: int) -> tuple[pd.DataFrame, int]:
    table = account_table(_portfolio_for(database, facts_version), filters)
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
    return kpi_accounts(_portfolio_for(database, facts_version), filters, key)


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
