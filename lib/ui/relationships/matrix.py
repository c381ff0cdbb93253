"""The communication matrix of one account: its window (default the 90 days to the quarter's end) and the heatmap."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from lib.core.db import FACTS
from lib.relationships.charts import communication_matrix
from lib.relationships.metrics import windows
from lib.ui.relationships.data import account_view
from lib.ui.store import versioned


def matrix_window(quarter: str) -> tuple[dt.date, dt.date] | None:
    """The window the user chose (one date picker per quarter, so a new quarter starts from its 90 days); None: the default."""
    span = windows(quarter)
    default = (span.met_from, span.as_of)
    chosen = st.date_input(
        "Interactions dated",
        value=default,
        key=f"rel_window_{quarter}",
        format="YYYY-MM-DD",
        help="The matrix counts the interactions dated in this window; the default is the 90 days to the quarter's end.",
    )
    if not isinstance(chosen, tuple) or len(chosen) != 2:  # the second day is not picked yet
        return None
    window = (chosen[0], chosen[1])
    return None if window == default else window


# Built Plotly figures are only read: kept as objects (a resource), not pickled copies.
@versioned(FACTS, resource=True, max_entries=128)
def _figure_for(account_id: int, quarter: str, window: tuple[dt.date, dt.date] | None, large: bool) -> go.Figure:
    view = account_view(account_id, quarter, window)
    return communication_matrix(view.matrix, view.matrix_window, large)


def matrix_figure(account_id: int, quarter: str, window: tuple[dt.date, dt.date] | None, large: bool) -> go.Figure:
    return _figure_for(int(account_id), quarter, window, large)
