"""The walkthrough's trend: one account's revenue (bars, left axis) and share of wallet (line, right axis) by quarter."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.core.charts import OURS, style

SHARE_COLOR = "#e07b00"  # orange beside the blue bars; the line is also dashed with diamonds, and both are named


def revenue_share_figure(history: pd.DataFrame, large: bool = False, height: int = 280) -> go.Figure:
    """history: quarter, revenue, share_of_wallet (NaN where the wallet is left out: the line breaks there)."""
    quarters = history["quarter"].tolist()
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=quarters,
            y=history["revenue"],
            name="Our revenue",
            marker_color=OURS,
            hovertemplate="%{x}: revenue %{y:,.0f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=history["share_of_wallet"],
            name="Share of wallet (right axis)",
            yaxis="y2",
            mode="lines+markers",
            line={"color": SHARE_COLOR, "width": 4 if large else 3, "dash": "dash"},
            marker={"symbol": "diamond", "size": 12 if large else 9},
            hovertemplate="%{x}: share of wallet %{y:.0%}<extra></extra>",
        )
    )
    top_share = float(pd.to_numeric(history["share_of_wallet"], errors="coerce").max()) if len(history) else 0.0
    share_top = min(1.0, (top_share if top_share == top_share else 0.0) * 1.15 + 0.05)
    figure.update_layout(
        yaxis={"tickformat": "~s", "rangemode": "tozero", "title": None},
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, share_top], "showgrid": False},
        xaxis={"type": "category", "tickangle": 0},
        bargap=0.35,
    )
    return style(figure, "Revenue and share of wallet by quarter", large, height=height)
