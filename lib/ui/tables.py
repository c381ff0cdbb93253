"""Account tables that open Account 360 when a row is selected."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core import format as fmt
from lib.ui.cards import money_columns
from lib.ui.navigation import open_account


def account_table(frame: pd.DataFrame, key: str, height: int | None = None) -> None:
    """A sortable table of accounts (an `id` column is kept hidden); selecting a row opens Account 360.

    An empty cell reads "n/a", as a card does, never "None".
    """
    visible = [c for c in frame.columns if c != "id"]
    event = st.dataframe(
        frame,
        key=key,
        hide_index=True,
        width="stretch",
        height=height or "auto",
        column_order=visible,
        column_config=money_columns(frame[visible]),
        on_select="rerun",
        selection_mode="single-row",
        placeholder=fmt.NA,
    )
    rows = event.selection.rows if event is not None else []
    if rows and "id" in frame.columns:
        st.session_state.pop(key, None)  # so that coming back does not open the same account again
        open_account(frame.iloc[rows[0]]["id"])
