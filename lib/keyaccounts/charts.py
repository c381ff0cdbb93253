"""Plotly figures for key-account qualification; plain functions of the frames lib.keyaccounts.tables returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core import format as fmt
from lib.core.charts import GREY, ORANGE, OURS, chart_text, style

MAX_LINE_POINTS = 1500  # a curve of 100,000 accounts reads the same with 1,500 points, and ships far faster
MAX_MARKERS = 2000


def _thin(count: int, limit: int) -> np.ndarray:
    """Positions to draw: all of them when few, else evenly spread ones (first and last kept)."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def pareto_chart(frame: pd.DataFrame, large: bool = False) -> go.Figure:
    """Cumulative share of annual revenue against accounts ranked by revenue; top 20 % and key accounts marked."""
    figure = go.Figure()
    count = len(frame)
    if count == 0:
        figure.add_annotation(text="No account has revenue in the last 4 quarters.", showarrow=False, x=0.5, y=0.5)
        return style(figure, "Revenue concentration", large, height=360)
    x = frame["account_share"].to_numpy()
    y = frame["cumulative_share"].to_numpy()
    line = _thin(count, MAX_LINE_POINTS)
    figure.add_trace(
        go.Scatter(
            x=x[line],
            y=y[line],
            mode="lines",
            name="All accounts",
            line={"color": GREY, "width": 3},
            hovertemplate="Top %{x:.1%} of accounts: %{y:.1%} of revenue<extra></extra>",
        )
    )
    chosen = np.flatnonzero(frame["qualified"].to_numpy())
    shown = chosen[_thin(len(chosen), MAX_MARKERS)]
    figure.add_trace(
        go.Scatter(
            x=x[shown],
            y=y[shown],
            mode="markers",
            name=f"Key accounts ({len(chosen):,})",
            marker={"color": ORANGE, "symbol": "diamond", "size": 9 if large else 7, "line": {"width": 0}},
            customdata=[chart_text(name) for name in frame["name"].to_numpy()[shown]],
            hovertemplate="%{customdata}<br>rank %{x:.1%}, cumulative %{y:.1%}<extra></extra>",
        )
    )
    top = frame["top_20"].to_numpy()
    if top.any():
        edge = int(np.flatnonzero(top).max())
        figure.add_vline(x=x[edge], line={"color": OURS, "width": 2, "dash": "dash"})
        figure.add_annotation(
            x=x[edge],
            y=y[edge],
            text=f"top 20 %: {fmt.rate(y[edge], 0)} of revenue",
            showarrow=True,
            arrowhead=0,
            ax=60,
            ay=40,
            font={"color": OURS, "size": 16 if large else 12},
            bgcolor="white",
        )
    figure.update_xaxes(title_text="Accounts, largest first", tickformat=".0%", range=[0, 1.0])
    figure.update_yaxes(title_text="Cumulative annual revenue", tickformat=".0%", range=[0, 1.02])
    return style(figure, "Revenue concentration: accounts ranked by annual revenue", large, height=380)
