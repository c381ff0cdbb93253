"""The Relationships page's figure: the communication matrix as a heatmap, in the shared style of lib.core.charts.

Empty rows (people of ours who met nobody in the window) and empty columns (their people nobody
met) are the point of the picture: they are drawn, their zero cells pale, their labels in the
warning colour.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from lib.core.charts import OURS, chart_text, style

EMPTY = "#b03a2e"  # the labels of an empty row or column
LABEL_CHARS = 22  # longer names are shortened on the axis; the hover shows them whole
COLORSCALE = ((0.0, "#f4f6f8"), (0.0001, "#d6e4f0"), (1.0, OURS))


def _label(name: object, empty: bool, lines: bool = False) -> str:
    """The name as an axis label: shortened, on two lines when asked (a column's), red with ∅ when its row or column is empty."""
    text = str(name)
    short = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
    first, _space, rest = short.partition(" ")
    shown = f"{chart_text(first)}<br>{chart_text(rest)}" if lines and rest else chart_text(short)
    return f"<span style='color:{EMPTY}'>{shown} ∅</span>" if empty else shown


def communication_matrix(matrix: pd.DataFrame, window: tuple[dt.date, dt.date], large: bool = False) -> go.Figure:
    """Our people (rows) by their stakeholders (columns), each cell the interactions in the window."""
    rows, columns = matrix.index.tolist(), matrix.columns.tolist()
    title = f"Interactions {window[0]:%d %b} – {window[1]:%d %b %Y}"
    if not rows or not columns:
        figure = go.Figure()
        figure.add_annotation(
            text="No stakeholder on record" if not columns else "Nobody of ours on record",
            showarrow=False,
            font={"size": 16},
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        return style(figure, title, large, height=160)
    cells = matrix.to_numpy()
    # Category positions, not names: two stakeholders may share a name, and names are shown escaped.
    x_labels = [_label(name, not cells[:, j].any(), lines=True) for j, name in enumerate(columns)]
    y_labels = [_label(name, not cells[i].any()) for i, name in enumerate(rows)]
    hover = [
        [f"{chart_text(ours)} met {chart_text(theirs)}: {int(cells[i, j])}" for j, theirs in enumerate(columns)]
        for i, ours in enumerate(rows)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=cells,
            x=list(range(len(columns))),
            y=list(range(len(rows))),
            colorscale=[list(stop) for stop in COLORSCALE],
            zmin=0,
            zmax=max(int(cells.max()), 1),
            text=[[str(int(v)) if v else "·" for v in row] for row in cells],
            texttemplate="%{text}",
            textfont={"size": 18 if large else 12},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            xgap=2,
            ygap=2,
            showscale=False,
        )
    )
    figure.update_xaxes(
        tickmode="array",
        tickvals=list(range(len(columns))),
        ticktext=x_labels,
        side="top",
        tickangle=-30 if len(columns) > 5 else 0,
    )
    figure.update_yaxes(tickmode="array", tickvals=list(range(len(rows))), ticktext=y_labels, autorange="reversed")
    height = 90 + 34 * len(rows) + (50 if len(columns) > 5 else 0)
    style(figure, title, large, height=max(height, 180))
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 110 if len(columns) > 5 else 80, "b": 10}, title={"y": 0.98, "yanchor": "top"}
    )
    return figure
