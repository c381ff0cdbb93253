"""The Share of wallet page's data, cached by lib.ui.store, and its cards.

Two caches, as in lib.ui.store: `st.cache_resource` for the competitor-spend arrays (large and
read-only, loaded once per data version), `st.cache_data` for the small per-filter views. Every
key holds the database URL and the facts version, so an import shows on the next rerun.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from lib.core import format as fmt
from lib.core.db import FACTS
from lib.core.quarters import shift_quarter
from lib.portfolio.data import Filters, PortfolioData
from lib.ui.cards import kpi_cards
from lib.ui.portfolio import portfolio
from lib.ui.store import database_key, engine, engine_for, url_of, versioned, versions
from lib.wallet import charts as charts
from lib.wallet.cards import WalletFigures, figure_accounts, wallet_figures
from lib.wallet.data import WalletData, accounts_only, cached_wallet_data, load_wallet_sources
from lib.wallet.estimates import LeftOut, accounts_without_estimate, data_problems, estimate_quality
from lib.wallet.quadrant import Quadrant
from lib.wallet.quadrant import quadrant as place_accounts
from lib.wallet.split import WalletSplit, share_trend, wallet_split
from lib.wallet.whitespace import Ranking, whitespace_ranking
from lib.wallet.whitespace import ranking_csv as ranking_as_csv


@st.cache_resource(max_entries=2, show_spinner="Loading competitor spend (once after each import)…")
def _spend_of(database: str, facts_version: int, _data: PortfolioData) -> WalletData:
    return cached_wallet_data(engine_for(url_of(database)), _data, facts_version)


def warm_spend(database: str, facts_version: int, data: PortfolioData) -> None:
    """Load competitor spend ahead of the first visit (lib.ui.warmup calls it at server start)."""
    _spend_of(database, facts_version, data)


def _spend() -> WalletData:
    return _spend_of(database_key(), versions()[FACTS], portfolio())


@versioned(FACTS, max_entries=16)
def _sources(quarter: str) -> np.ndarray:
    return load_wallet_sources(engine(), portfolio(), quarter)


def colors() -> dict[str, str]:
    """One colour per competitor, the same on every chart of the page."""
    return charts.part_colors(_spend().competitors)


@versioned(FACTS, resource=True, max_entries=2)
def _accounts_only() -> WalletData:
    return accounts_only(portfolio())


@versioned(FACTS)
def figures(filters: Filters, high_confidence_only: bool) -> WalletFigures:
    """The cards, from the portfolio arrays alone: on screen before competitor spend is loaded."""
    return wallet_figures(portfolio(), _accounts_only(), filters, high_confidence_only)


@versioned(FACTS, max_entries=256)
def _figure_accounts(filters: Filters, high_confidence_only: bool, key: str) -> pd.DataFrame:
    return figure_accounts(portfolio(), _spend(), filters, key, high_confidence_only)


def accounts_behind(filters: Filters, high_confidence_only: bool) -> Callable[[str], pd.DataFrame]:
    """The accounts behind a card, computed when its "why?" is opened."""
    return lambda key: _figure_accounts(filters, high_confidence_only, key)


def cards(figures: WalletFigures, filters: Filters, high_confidence_only: bool, large: bool) -> None:
    """The share, wallet and whitespace cards, then our market share per segment, each with its change."""
    behind = accounts_behind(filters, high_confidence_only)
    segments = figures.segment_keys
    previous = shift_quarter(filters.quarter, -1)
    if not segments:
        kpi_cards(figures.now, figures.before, figures.keys, behind, per_row=3, key_prefix="sow", compared_with=previous)
        return
    totals, markets = st.columns([3.3 if large else 3, len(segments)], gap="small")
    with totals:
        st.caption("**Wallet**" + (" · high-confidence estimates only" if high_confidence_only else ""))
        kpi_cards(
            figures.now, figures.before, figures.portfolio_keys, behind, per_row=3, key_prefix="sow", compared_with=previous
        )
    with markets:
        st.caption("**Our market share by segment**")
        kpi_cards(figures.now, figures.before, segments, behind, per_row=len(segments), key_prefix="sow", compared_with=previous)


def coverage_caption(figures: WalletFigures, filters: Filters, describe: str, large: bool = False) -> str:
    """What the shares count and leave out, in one line under the title (the counts alone on a projector)."""
    cover = figures.coverage
    # A share has no base cohort: its changes are quarter on quarter, like the Portfolio cards', whatever Compare with says.
    changes = f"{filters.quarter} · changes vs {shift_quarter(filters.quarter, -1)} (Compare with applies to retention only)"
    if large:
        return f"{changes} · {describe} · {cover.counted:,} accounts counted"
    left_out = []
    if cover.without_estimate:
        left_out.append(f"{cover.without_estimate:,} without a wallet estimate")
    if cover.lower_confidence:
        left_out.append(f"{cover.lower_confidence:,} not high confidence")
    if cover.left_out_problems:
        left_out.append(f"{cover.left_out_problems:,} with an impossible wallet")
    parts = [
        changes,
        describe,
        f"{cover.counted:,} of {cover.accounts:,} accounts counted" + (f" ({', '.join(left_out)} left out)" if left_out else ""),
    ]
    if cover.high_confidence_wallet is not None and not figures.high_confidence_only:
        parts.append(f"{fmt.rate(cover.high_confidence_wallet, 0)} of the wallet rated high confidence")
    return " · ".join(parts)


@versioned(FACTS)
def _split(filters: Filters, high_confidence_only: bool, by: str, top_groups: int) -> WalletSplit:
    return wallet_split(portfolio(), _spend(), filters, by, high_confidence_only, top_groups=top_groups)


def split(filters: Filters, high_confidence_only: bool, by: str, large: bool = False) -> WalletSplit:
    return _split(filters, high_confidence_only, by, 6 if large else 10)


@versioned(FACTS)
def trend(filters: Filters, high_confidence_only: bool) -> pd.DataFrame:
    return share_trend(portfolio(), _spend(), filters, high_confidence_only)


@versioned(FACTS, max_entries=32)
def quadrant(filters: Filters, high_confidence_only: bool) -> Quadrant:
    return place_accounts(portfolio(), _spend(), filters, high_confidence_only, _sources(filters.quarter))


@versioned(FACTS)
def ranking(filters: Filters, high_confidence_only: bool, limit: int) -> Ranking:
    """The first `limit` accounts by whitespace, and how many there are in all."""
    return whitespace_ranking(portfolio(), _spend(), filters, high_confidence_only, _sources(filters.quarter), limit)


def ranking_csv(filters: Filters, high_confidence_only: bool) -> bytes:
    """Every account of the ranking as CSV, built when the download is clicked (not on each rerun)."""
    everything = whitespace_ranking(portfolio(), _spend(), filters, high_confidence_only, _sources(filters.quarter))
    return ranking_as_csv(everything, filters.quarter)


@versioned(FACTS, max_entries=32)
def estimates(filters: Filters) -> tuple[pd.DataFrame, LeftOut, LeftOut]:
    """Where the estimates come from, the buying accounts without one, and the impossible ones."""
    data, spend = portfolio(), _spend()
    return (
        estimate_quality(data, spend, filters, _sources(filters.quarter)),
        accounts_without_estimate(data, filters),
        data_problems(data, spend, filters),
    )
