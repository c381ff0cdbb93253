"""Account tables that open Account 360 when a row is selected."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from lib.core import format as fmt
from lib.ui.cards import as_shown, money_columns
from lib.ui.navigation import open_account
from lib.ui.theme import is_presentation

PROJECTOR_LEAVES_OUT = frozenset({"external_id", "base_revenue"})  # columns too detailed for the projector


def account_table(
    frame: pd.DataFrame,
    key: str,
    height: int | None = None,
    columns: Sequence[str] | None = None,
    column_config: dict | None = None,
) -> None:
    """A sortable table of accounts (an `id` column is kept hidden); selecting a row opens Account 360.

    columns: the columns shown, in order (default: all but `id`); column_config: their formats
    (default: lib.ui.cards.money_columns). An empty cell reads "n/a", as a card does, never "None".
    """
    visible = list(columns) if columns is not None else [c for c in frame.columns if c != "id"]
    if is_presentation():  # the room reads names; ids and the base quarter's revenue stay on the laptop
        visible = [c for c in visible if c not in PROJECTOR_LEAVES_OUT] or visible
    config = column_config if column_config is not None else money_columns(frame[visible])
    event = st.dataframe(
        as_shown(frame, config),
        key=key,
        hide_index=True,
        width="stretch",
        height=height or "auto",
        column_order=visible,
        column_config=config,
        on_select="rerun",
        selection_mode="single-row",
        placeholder=fmt.NA,
    )
    rows = event.selection.rows if event is not None else []
    if rows and "id" in frame.columns:
        st.session_state.pop(key, None)  # so that coming back does not open the same account again
        open_account(frame.iloc[rows[0]]["id"])
