"""The look every chart shares: one palette, one style readable on a projector, names shown as typed.

Each feature draws its own figures (lib.portfolio.charts, lib.wallet.charts, ...) with these."""

from __future__ import annotations

import html

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
