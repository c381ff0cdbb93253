"""The Relationships page's portfolio view: three cards with their change and "why this number?", then
every active account of the filter riskiest first, with its CSV; a row opens the account's map."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.core import format as fmt
from lib.core.quarters import shift_quarter
from lib.portfolio.data import Filters
from lib.relationships.metrics import BUS_FACTOR_DAYS, MET_DAYS
from lib.relationships.portfolio import CARD_ORDER, RelationshipOverview
from lib.ui.cards import kpi_cards
from lib.ui.relationships.data import TABLE_ROWS, account_ids_by_position, key_account_ids, overview, overview_csv
from lib.ui.relationships.pick import open_here
from lib.ui.theme import is_presentation

BEHIND_ROWS = 500


def key_accounts_only(filters: Filters) -> bool:
    """The "Key accounts only" switch; off, and disabled, when no approved criteria set is active."""
    known = key_account_ids(filters) is not None
    chosen = st.toggle(
        "Key accounts only",
        key="rel_key_only",
        disabled=not known,
        help="The accounts the active approved criteria set qualifies" if known else "No approved criteria set is active",
    )
    return bool(chosen and known)


def csv_download(filters: Filters, key_only: bool) -> None:
    """Every account of the view, riskiest first, built when clicked."""
    st.download_button(
        "Download all as CSV",
        lambda: overview_csv(filters, key_only),
        file_name=f"relationships_{filters.quarter}{'_key' if key_only else ''}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="rel_download",
    )


def _behind(filters: Filters) -> Callable[[str], pd.DataFrame]:
    """The accounts behind each card, computed when its "why?" is opened; a row opens Account 360."""

    def accounts(card: str) -> pd.DataFrame:
        table = overview(filters, False).accounts
        if card == "single_threaded_share":
            chosen = table[table["single_threaded"]]
        elif card == "key_single_threaded_share":
            chosen = table[table["key"] & table["single_threaded"]]
        else:
            chosen = table[table["key"] & (table["bus_factor"] <= 1)]
        shown = chosen.head(BEHIND_ROWS)
        columns = ["account_id", "name", "owner", "stakeholders_met_90d", "bus_factor", "risk"]
        return shown[columns].assign(id=account_ids_by_position(shown.index.to_numpy())).reset_index(drop=True)

    return accounts


def relationship_cards(view: RelationshipOverview, large: bool) -> None:
    """Share single-threaded, share of key accounts single-threaded, key accounts with bus factor 0 or 1."""
    previous = shift_quarter(view.filters.quarter, -1)
    kpi_cards(view.now, view.before, CARD_ORDER, _behind(view.filters), per_row=3, key_prefix="rel", compared_with=previous)


TABLE_CONFIG = {
    "account_id": st.column_config.TextColumn("Account ID", width=95),
    "name": st.column_config.TextColumn("Account"),
    "segment": st.column_config.TextColumn("Segment", width=95),
    "region": st.column_config.TextColumn("Region", width=95),
    "owner": st.column_config.TextColumn("Owner", width=100),
    "key": st.column_config.CheckboxColumn("Key", width=45),
    "revenue": st.column_config.NumberColumn("Revenue", format="compact", width=75),
    "stakeholders_known": st.column_config.NumberColumn("Known", width=55, help="Stakeholders on record"),
    "stakeholders_met_90d": st.column_config.NumberColumn(
        f"Met {MET_DAYS} d", width=60, help=f"Stakeholders met in the {MET_DAYS} days to the quarter's end"
    ),
    "exec_met_90d": st.column_config.CheckboxColumn("Exec met", width=65),
    "economic_buyer_met_90d": st.column_config.CheckboxColumn("EB met", width=60, help="Economic buyer met"),
    "single_threaded": st.column_config.CheckboxColumn("Single-threaded", width=105),
    "bus_factor": st.column_config.NumberColumn(
        "Bus factor", width=75, help=f"The fewest of ours who met a key person in {BUS_FACTOR_DAYS} days"
    ),
    "risk": st.column_config.TextColumn("Risk", width=65),
}


# What the risk is made of first, so it is on screen at 1280 px; who and where after (the CSV has every column).
TABLE_ORDER = (
    "name",
    "risk",
    "bus_factor",
    "single_threaded",
    "stakeholders_met_90d",
    "stakeholders_known",
    "exec_met_90d",
    "economic_buyer_met_90d",
    "key",
    "revenue",
    "owner",
    "account_id",
    "segment",
    "region",
)


# On the projector (20 px type) the room reads the risk and the account; owner, ids and places stay on the
# laptop, and the columns size to their headers instead of the laptop's fixed widths, which cut them off.
PROJECTOR_ORDER = (
    "name",
    "risk",
    "bus_factor",
    "single_threaded",
    "stakeholders_met_90d",
    "exec_met_90d",
    "economic_buyer_met_90d",
    "key",
    "revenue",
)


def _table_layout(large: bool) -> tuple[dict, tuple[str, ...]]:
    if not large:
        return TABLE_CONFIG, TABLE_ORDER
    return {column: {**config, "width": None} for column, config in TABLE_CONFIG.items()}, PROJECTOR_ORDER


def risk_table(view: RelationshipOverview, key_only: bool) -> None:
    """The riskiest accounts (high: single-threaded and bus factor 0 or 1; medium: one of the two); a row opens its map."""
    table = view.accounts
    shown = table.head(TABLE_ROWS)
    config, order = _table_layout(is_presentation())
    st.caption(
        f"{min(len(table), TABLE_ROWS):,} of {len(table):,} active {'key ' if key_only else ''}accounts shown, riskiest first "
        "(high: single-threaded and bus factor 0 or 1; medium: one of the two); select a row to open its map."
    )
    event = st.dataframe(
        shown,
        key="rel_accounts",
        hide_index=True,
        width="stretch",
        height=420,
        column_config=config,
        column_order=order,
        on_select="rerun",
        selection_mode="single-row",
        placeholder=fmt.NA,
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        st.session_state.pop("rel_accounts", None)  # so that coming back does not open it again
        open_here(int(account_ids_by_position(shown.index.to_numpy()[[rows[0]]])[0]))
