"""The look every chart shares: one colour-blind safe palette, one style readable on a projector, names shown as typed.

Each feature draws its own figures (lib.portfolio.charts, lib.wallet.charts, lib.review.charts, ...) with these.
Colour never carries a meaning alone: series also differ by marker symbol, line dash or bar pattern, and
carry their names in a legend or a label.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design": distinguishable under every common colour vision deficiency.
BLUE, ORANGE, SKY, GREEN, YELLOW, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#D55E00", "#CC79A7"
INK, GREY, LIGHT_GREY = "#222222", "#8C8C8C", "#D9D9D9"
OURS = BLUE  # us, everywhere
ALERT = VERMILLION  # a problem, a decline; always with a word or a symbol too
OKABE_ITO = (ORANGE, GREEN, PURPLE, VERMILLION, SKY, YELLOW)  # the others, after blue (ours)
PALETTE = (BLUE, *OKABE_ITO, GREY)
LIGHT_FILLS = frozenset({ORANGE, SKY, YELLOW, LIGHT_GREY})  # dark text reads on these; white on the rest
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
PATTERNS = ("", "/", "\\", "x", ".", "+", "-", "|")

PROJECTOR_FONT = 18  # px: chart text on the projector (at least 16)
PROJECTOR_LINE = 4  # px: the thinnest data line on the projector
PROJECTOR_TICKS = 4  # at most this many labels on a category axis, all level


def chart_text(value: object) -> str:
    """Text from the data (names, segments, competitors) as Plotly shows it as typed.

    Plotly reads tags (<b>, <i>, <a href>) and entities in every label, hover text, legend entry and
    axis category; escaped, a name such as "<i>Seg</i>" shows as those characters.
    """
    return html.escape("" if value is None else str(value), quote=False)


def text_on(fill: str) -> str:
    """The label colour that reads on a bar of this fill."""
    return INK if fill in LIGHT_FILLS else "#FFFFFF"


def style(figure: go.Figure, title: str, large: bool = False, height: int = 300) -> go.Figure:
    """One look for every chart: white, few lines, big enough type for the back of the room."""
    size = PROJECTOR_FONT if large else 13
    figure.update_layout(
        title={"text": title, "font": {"size": size + 3, "color": "#000" if large else None}, "x": 0, "xanchor": "left"},
        template="plotly_white",
        font={"size": size, "color": "#000" if large else None},
        height=height + (60 if large else 0),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        hoverlabel={"font_size": size},
        colorway=PALETTE,
    )
    if large:
        _for_the_room(figure)
    return figure


def _for_the_room(figure: go.Figure) -> None:
    """Projector: level axis labels (a few on a long axis), thick lines, big markers, no small print."""
    # Explicit sizes and colours: Streamlit's chart theme would otherwise set small grey ticks and legends.
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        axis.tickangle = 0
        axis.tickfont.size = max(axis.tickfont.size or 0, PROJECTOR_FONT)
        axis.tickfont.color = "#000"
        axis.title.font.size = PROJECTOR_FONT
        axis.title.font.color = "#000"
    figure.layout.legend.font.size = PROJECTOR_FONT
    figure.layout.legend.font.color = "#000"
    if figure.layout.xaxis.tickmode != "array":
        figure.layout.xaxis.nticks = PROJECTOR_TICKS
    for trace in figure.data:
        if trace.type in ("scatter", "scattergl") and "lines" in (trace.mode or "lines"):
            trace.line.width = max(trace.line.width or 0, PROJECTOR_LINE)
            if trace.marker.size is None or isinstance(trace.marker.size, int | float):
                trace.marker.size = max(trace.marker.size or 0, 10)
    for annotation in figure.layout.annotations:
        if annotation.font.size is not None and annotation.font.size < PROJECTOR_FONT - 2:
            annotation.font.size = PROJECTOR_FONT - 2
    subtitle = figure.layout.title.subtitle
    if subtitle.font.size is not None and subtitle.font.size < PROJECTOR_FONT - 2:
        subtitle.font.size = PROJECTOR_FONT - 2
