"""Plotly figures for the pages; plain functions of frames, readable on a projector."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

PALETTE = ("#1f4e79", "#e07b00", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d4ac0d")
OURS = "#1f4e79"


def chart_text(value: object) -> str:
    """Text from the data (names, segments, competitors) as Plotly shows it as typed.

    Plotly reads tags (<b>, <i>, <a href>) and entities in every label, hover text, legend entry and
    axis category; escaped, a name such as "<i>Seg</i>" shows as those characters.
    """
    return html.escape("" if value is None else str(value), quote=False)


def style(figure: go.Figure, title: str, large: bool = False, height: int = 300) -> go.Figure:
    """One look for every chart: white, few lines, big enough type for the back of the room."""
    size = 18 if large else 13
    figure.update_layout(
        title={"text": title, "font": {"size": size + 3}, "x": 0, "xanchor": "left"},
        template="plotly_white",
        font={"size": size},
        height=height + (60 if large else 0),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        hoverlabel={"font_size": size},
        colorway=PALETTE,
    )
    return figure


def revenue_trend(trends: pd.DataFrame, large: bool = False) -> go.Figure:
    figure = go.Figure(
        go.Bar(x=trends["quarter"], y=trends["revenue"], marker_color=OURS, hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    )
    figure.update_yaxes(tickformat="~s")
    return style(figure, "Revenue by quarter", large)


def retention_trend(trends: pd.DataFrame, large: bool = False) -> go.Figure:
    figure = go.Figure()
    for key, name, dash in (("nrr", "NRR", "solid"), ("grr", "GRR", "dot")):
        figure.add_trace(
            go.Scatter(
                x=trends["quarter"],
                y=trends[key],
                name=name,
                mode="lines+markers",
                line={"dash": dash, "width": 3},
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
            line={"width": 3, "color": PALETTE[2]},
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
