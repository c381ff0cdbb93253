"""The walkthrough's trend: one account's revenue (bars, left axis) and share of wallet (line, right axis) by quarter."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from lib.core.charts import OURS, style

SHARE_COLOR = "#e07b00"  # orange beside the blue bars; the line is also dashed with diamonds, and both are named


def revenue_share_figure(history: pd.DataFrame, large: bool = False, height: int = 280) -> go.Figure:
    """history: quarter, revenue, share_of_wallet (NaN where the wallet is left out: the line breaks there).

    Written as plain Plotly properties and built without Plotly's validation (its only cost: about 50 ms
    of a walkthrough step's 100), so the shape of every property here is checked by the tests instead.
    """
    quarters = [str(q) for q in history["quarter"]]
    shares = [None if _missing(s) else float(s) for s in history["share_of_wallet"]]
    bars = {
        "type": "bar",
        "x": quarters,
        "y": [float(r) for r in history["revenue"]],
        "name": "Our revenue",
        "marker": {"color": OURS},
        "hovertemplate": "%{x}: revenue %{y:,.0f}<extra></extra>",
    }
    line = {
        "type": "scatter",
        "x": quarters,
        "y": shares,
        "name": "Share of wallet (right axis)",
        "yaxis": "y2",
        "mode": "lines+markers",
        "line": {"color": SHARE_COLOR, "width": 4 if large else 3, "dash": "dash"},
        "marker": {"symbol": "diamond", "size": 12 if large else 9},
        "hovertemplate": "%{x}: share of wallet %{y:.0%}<extra></extra>",
    }
    top_share = min(1.0, max((s for s in shares if s is not None), default=0.0) * 1.15 + 0.05)
    step = next(d for d in (0.05, 0.1, 0.2, 0.25) if top_share / d <= 5)  # level ticks: 0 %, 10 %, 20 %...
    layout = {
        "yaxis": {"tickformat": "~s", "rangemode": "tozero"},
        "yaxis2": {
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, top_share],
            "dtick": step,
            "showgrid": False,
        },
        "xaxis": {"type": "category", "tickangle": 0},
        "bargap": 0.35,
    }
    figure = go.Figure({"data": [bars, line], "layout": layout}, _validate=False)
    return style(figure, "Revenue and share of wallet by quarter", large, height=height)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
