"""The Portfolio page's figures: revenue, retention and NPS by quarter, and a breakdown's revenue bars.

Plain functions of the frames lib.portfolio.overview returns, in the shared style of lib.core.charts.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.core.charts import GREEN, OURS, VERMILLION, chart_text, style


def revenue_trend(trends: pd.DataFrame, large: bool = False) -> go.Figure:
    figure = go.Figure(
        go.Bar(x=trends["quarter"], y=trends["revenue"], marker_color=OURS, hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    )
    figure.update_yaxes(tickformat="~s")
    return style(figure, "Revenue by quarter", large)


def retention_trend(trends: pd.DataFrame, large: bool = False) -> go.Figure:
    figure = go.Figure()
    for key, name, dash, symbol, color in (("nrr", "NRR", "solid", "circle", OURS), ("grr", "GRR", "dot", "square", VERMILLION)):
        figure.add_trace(
            go.Scatter(
                x=trends["quarter"],
                y=trends[key],
                name=name,
                mode="lines+markers",
                line={"dash": dash, "width": 3, "color": color},
                marker={"symbol": symbol, "size": 7},
                hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>",
            )
        )
    figure.add_hline(y=1.0, line={"color": "#999", "width": 1})
    figure.update_yaxes(tickformat=".0%")
    return style(figure, "NRR and GRR", large)


def nps_trend(trends: pd.DataFrame, large: bool = False) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=trends["quarter"],
            y=trends["nps"],
            mode="lines+markers",
            line={"width": 3, "color": GREEN},
            hovertemplate="%{x}: NPS %{y:.0f}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line={"color": "#999", "width": 1})
    figure.update_yaxes(range=[-100, 100] if trends["nps"].isna().all() else None)
    return style(figure, "NPS by quarter", large)


def breakdown_bars(frame: pd.DataFrame, by: str, large: bool = False, top: int = 12) -> go.Figure:
    shown = frame.head(top).iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=shown["revenue"],
            y=shown[by].astype(str).map(chart_text),
            orientation="h",
            marker_color=OURS,
            customdata=shown[["nrr", "revenue_share"]].to_numpy(),
            hovertemplate="%{y}<br>Revenue %{x:,.0f} (%{customdata[1]:.1%})<br>NRR %{customdata[0]:.1%}<extra></extra>",
        )
    )
    figure.update_xaxes(tickformat="~s")
    title = f"Revenue by {by}" + (f" (top {top} of {len(frame)})" if len(frame) > top else "")
    return style(figure, title, large, height=max(260, 32 * len(shown) + 80))
