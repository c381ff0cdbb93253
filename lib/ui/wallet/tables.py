"""The tables of Share of wallet: the whitespace ranking and the wallet estimates' tables.

Every account row opens Account 360 in one click (lib.ui.tables.account_table).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.ui.cards import as_shown, money_columns, percent_column
from lib.ui.tables import account_table
from lib.wallet.estimates import LeftOut
from lib.wallet.whitespace import Ranking

RANKING_COLUMNS = ("name", "owner", "whitespace", "wallet", "share_of_wallet", "top_competitor", "competitor_share")
RANKING_DETAILS = ("estimate", "check")  # not on a projector


def column_formats(frame: pd.DataFrame) -> dict:
    """money_columns, plus the columns only this page shows."""
    config = money_columns(frame)
    page_only = {
        "excess": st.column_config.NumberColumn("Excess", format="compact"),
        "high_confidence": percent_column("High confidence"),
        "left_out": st.column_config.CheckboxColumn("Left out"),
    }
    config.update({column: format_ for column, format_ in page_only.items() if column in frame.columns})
    return config


def ranking_caption(ranked: Ranking) -> str:
    return (
        f"The {min(len(ranked.table), ranked.accounts):,} largest whitespaces of {ranked.accounts:,} accounts "
        "with a wallet that counts; select a row to open it in Account 360."
    )


def ranking_table(ranked: Ranking, large: bool) -> None:
    """The accounts by whitespace with their largest competitor and how sure their estimate is."""
    table = ranked.table.assign(
        estimate=[" · ".join(x for x in (c, s) if x) for c, s in zip(ranked.table["confidence"], ranked.table["source"])]
    )
    shown = [*RANKING_COLUMNS, *([] if large else RANKING_DETAILS)]
    account_table(table, key="sow_ranking", height=420, columns=shown, column_config=column_formats(table[shown]))


def sources_table(quality: pd.DataFrame) -> None:
    """Accounts counted, their wallet and our pooled share, by confidence and source of the estimate."""
    config = column_formats(quality)
    st.dataframe(as_shown(quality, config), hide_index=True, width="stretch", height=250, column_config=config, key="sow_quality")


def missing_table(missing: LeftOut) -> None:
    """The buying accounts without a wallet estimate, largest revenue first."""
    without = missing.table.drop(columns=["segment"])
    account_table(without, key="sow_missing", height=250, column_config=column_formats(without.drop(columns="id")))


def problems_table(problems: LeftOut) -> None:
    """The wallets that cannot be right, the largest excess first."""
    account_table(problems.table, key="sow_problems", column_config=column_formats(problems.table.drop(columns="id")))
