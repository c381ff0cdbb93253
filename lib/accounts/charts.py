"""Account 360's figures: our revenue against the wallet by quarter, and who has the wallet in a quarter.

Plain functions of the frames lib.accounts.account360 returns, in the shared style of lib.core.charts.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.core.charts import LIGHT_GREY, ORANGE, OURS, VERMILLION, chart_text, style


def revenue_wallet_figure(history: pd.DataFrame, large: bool = False, height: int = 300) -> go.Figure:
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=history["quarter"],
            y=history["revenue"],
            name="Our revenue",
            marker_color=OURS,
            customdata=history[["share_of_wallet"]].to_numpy(),
            hovertemplate="%{x}: %{y:,.0f} (share of wallet %{customdata[0]:.0%})<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=history["quarter"],
            y=history["wallet"],
            name="Wallet",
            mode="lines+markers",
            line={"color": ORANGE, "width": 3, "dash": "dot"},
            marker={"symbol": "diamond"},
            hovertemplate="%{x}: wallet %{y:,.0f}<extra></extra>",
        )
    )
    figure.update_yaxes(tickformat="~s", rangemode="tozero")
    return style(figure, "Revenue and wallet by quarter", large, height=height)


def wallet_split_figure(split: pd.DataFrame, quarter: str, large: bool = False, height: int = 300) -> go.Figure:
    shown = split.iloc[::-1]
    colors = {"us": OURS, "competitor": VERMILLION, "unattributed": LIGHT_GREY}  # and each bar says whose it is
    figure = go.Figure(
        go.Bar(
            x=shown["share_of_wallet"],
            y=shown["name"].map(chart_text),
            orientation="h",
            marker_color=[colors[k] for k in shown["kind"]],
            text=[f"{v:.0%}" for v in shown["share_of_wallet"]],
            textposition="outside",
            customdata=shown[["spend"]].to_numpy(),
            hovertemplate="%{y}: %{x:.1%} of the wallet (%{customdata[0]:,.0f})<extra></extra>",
        )
    )
    figure.update_xaxes(tickformat=".0%", range=[0, min(1.0, float(split["share_of_wallet"].max() or 0) * 1.25 + 0.05)])
    return style(figure, f"Who has the wallet, {quarter}", large, height=height)
