"""Plotly figures of the Share of wallet page: who holds the wallet, our share over time, where to play.

Plain functions of the frames lib.wallet's modules return; one colour per competitor on every chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core import format as fmt
from lib.core.charts import (
    ALERT,
    DASHES,
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    OURS,
    PALETTE,
    PATTERNS,
    SYMBOLS,
    chart_text,
    style,
    text_on,
)
from lib.wallet.history import AccountHistory
from lib.wallet.quadrant import QUADRANTS, Quadrant
from lib.wallet.shares import OTHER_COMPETITORS, UNATTRIBUTED, US
from lib.wallet.split import WalletSplit

COMPETITOR_COLORS = OKABE_ITO  # the seventh competitor takes the first colour again, with another pattern and symbol
OTHERS_COLOR = GREY
UNATTRIBUTED_COLOR = LIGHT_GREY
SEGMENT_COLORS = PALETTE


def part_colors(competitors: tuple[str, ...] | list[str]) -> dict[str, str]:
    """A colour per part of a wallet: us, each tracked competitor (in the order given), the others, the rest."""
    colors = {name: COMPETITOR_COLORS[i % len(COMPETITOR_COLORS)] for i, name in enumerate(competitors)}
    return {US: OURS, **colors, OTHER_COMPETITORS: OTHERS_COLOR, UNATTRIBUTED: UNATTRIBUTED_COLOR}


def _mark(colors: dict[str, str], part: str) -> int:
    """The part's place among the wallet's parts: its pattern, symbol and dash (us and the rest plain)."""
    if part in (US, OTHER_COMPETITORS, UNATTRIBUTED) or part not in colors:
        return 0
    return list(colors).index(part)  # us first: competitors from 1


def quarter_ticks(quarters: list[str], most: int) -> dict:
    """At most `most` quarter labels, always the last one, level (a dozen rotated labels do not read)."""
    step = max(1, -(-len(quarters) // most))
    shown = quarters[::-1][::step][::-1]
    return {"tickmode": "array", "tickvals": shown, "ticktext": shown, "tickangle": 0}


def wallet_split_bars(split: WalletSplit, colors: dict[str, str], large: bool = False) -> go.Figure:
    """100 % bars per group: our share, each competitor's, the others' and the unattributed rest."""
    groups = split.groups
    wallet = groups["wallet"].replace(0, np.nan)
    labels = [f"{chart_text(g)} · {fmt.money(w)}" for g, w in zip(groups["group"], groups["wallet"])]
    figure = go.Figure()
    for part in split.parts:
        share = groups[part] / wallet
        if not share.fillna(0).any():
            continue
        figure.add_trace(
            go.Bar(
                x=share,
                y=labels,
                orientation="h",
                name=chart_text(part),
                marker={
                    "color": colors.get(part, OTHERS_COLOR),
                    "line": {"width": 1, "color": "#fff"},
                    "pattern": {"shape": PATTERNS[_mark(colors, part) % len(PATTERNS)], "fgcolor": "#fff", "fgopacity": 0.35},
                },
                customdata=np.column_stack([groups[part], groups["high_confidence"].fillna(0)]),
                text=[fmt.rate(s, 0) if s >= (0.09 if large else 0.06) else "" for s in share.fillna(0)],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": text_on(colors.get(part, OTHERS_COLOR))},
                hovertemplate="%{y}<br><b>%{fullData.name}</b>: %{x:.1%} of the wallet (%{customdata[0]:,.0f})"
                + "<br>high-confidence estimates: %{customdata[1]:.0%} of the wallet<extra></extra>",
            )
        )
    shown = len(groups) - 1  # the first row is all accounts
    title = f"Who holds the wallet, by {split.by}" + (
        f" (largest {shown} of {split.total_groups})" if split.total_groups > shown else ""
    )
    figure.update_layout(barmode="stack", bargap=0.25, uniformtext={"minsize": 10, "mode": "hide"})
    figure.update_xaxes(range=[0, 1], showgrid=False, showticklabels=False)
    figure.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 16 if large else 12})
    height = max(260, (46 if large else 34) * len(groups) + 110)
    style(figure, title, large, height=height)
    figure.update_layout(legend={"y": -0.08, "yanchor": "top", "x": 0, "xanchor": "left", "traceorder": "normal"})
    figure.update_layout(margin={"b": 10 + (90 if large else 60)})
    return figure


def share_trend_lines(trend: pd.DataFrame, colors: dict[str, str], large: bool = False) -> go.Figure:
    """Our pooled share of wallet and the top competitors' over every quarter."""
    figure = go.Figure()
    for name in [c for c in trend.columns if c not in ("quarter", "accounts")]:
        ours = name == US
        figure.add_trace(
            go.Scatter(
                x=trend["quarter"],
                y=trend[name],
                name=chart_text(name),
                mode="lines+markers",
                line={
                    "width": 4 if ours else 2,
                    "color": colors.get(name, OTHERS_COLOR),
                    "dash": DASHES[_mark(colors, name) % len(DASHES)],
                },
                marker={"size": 7 if ours else 6, "symbol": SYMBOLS[_mark(colors, name) % len(SYMBOLS)]},
                customdata=trend["accounts"],
                hovertemplate="%{x}: %{y:.1%} of the wallet (%{customdata:,} accounts)<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(**quarter_ticks(trend["quarter"].tolist(), 4 if large else 6))
    style(figure, "Our share against the top competitors", large, height=300)
    figure.update_layout(legend={"y": -0.15, "yanchor": "top", "x": 0, "xanchor": "left"})
    figure.update_layout(margin={"b": 10 + (90 if large else 60)})
    return figure


def quadrant_chart(quadrant: Quadrant, large: bool = False, height: int = 420) -> go.Figure:
    """Accounts by wallet (log) and our share, bubbles by our revenue, against our market share in their segment.

    WebGL (Scattergl) draws the points, so thousands of them stay smooth; customdata[0] is the account id.
    """
    points = quadrant.points
    figure = go.Figure()
    segments = sorted(quadrant.market_share, key=lambda s: -points.loc[points["segment"] == s, "wallet"].sum())
    colors = {s: SEGMENT_COLORS[i % len(SEGMENT_COLORS)] for i, s in enumerate(segments)}
    symbols = {s: SYMBOLS[i % len(SYMBOLS)] for i, s in enumerate(segments)}
    biggest = float(points["revenue"].max()) if len(points) else 0.0
    max_size = 46 if large else 38
    sizeref = 2.0 * biggest / max_size**2 if biggest > 0 else 1.0
    for segment in segments:
        rows = points[points["segment"] == segment]
        if rows.empty:
            continue
        figure.add_trace(
            go.Scattergl(
                x=rows["wallet"].to_numpy(dtype=np.float32),
                y=rows["share_of_wallet"].to_numpy(dtype=np.float32),
                mode="markers",
                name=chart_text(segment),
                marker={
                    "size": rows["revenue"].to_numpy(dtype=np.float32),
                    "sizemode": "area",
                    "sizeref": sizeref,
                    "sizemin": 4,
                    "color": colors[segment],
                    "symbol": symbols[segment],
                    "opacity": 0.75,
                    "line": {"width": 0.5, "color": "#fff"},
                },
                # Per-point strings escaped (Plotly reads tags in them); the markup is in the one template.
                customdata=np.column_stack([rows["id"], rows["revenue"], rows["whitespace"]]).astype(np.float32),
                text=[chart_text(name) for name in rows["name"]],
                hovertext=_hover_details(rows),
                hovertemplate="<b>%{text}</b><br>Wallet %{x:.3~s} · our share %{y:.1%}<br>"
                "Our revenue %{customdata[1]:.3~s} · whitespace %{customdata[2]:.3~s}<br>"
                "Top competitor; wallet estimate: %{hovertext}<extra>%{fullData.name}</extra>",
            )
        )
    for segment in segments:
        figure.add_hline(y=quadrant.market_share[segment], line={"color": colors[segment], "width": 2, "dash": "dash"})
    if quadrant.median_wallet:
        # Shapes take data values on a log axis (unlike its range, which takes logarithms).
        figure.add_vline(x=quadrant.median_wallet, line={"color": "#888", "width": 1, "dash": "dot"})
    for name, x, y, xanchor, yanchor in (
        (QUADRANTS[0], 0.995, 0.99, "right", "top"),
        (QUADRANTS[1], 0.995, 0.01, "right", "bottom"),
        (QUADRANTS[2], 0.005, 0.99, "left", "top"),
        (QUADRANTS[3], 0.005, 0.01, "left", "bottom"),
    ):
        figure.add_annotation(
            text=f"<b>{name}</b> · {quadrant.counts[name]:,}",
            x=x,
            y=y,
            xref="paper",
            yref="paper",
            xanchor=xanchor,
            yanchor=yanchor,
            showarrow=False,
            font={"size": 17 if large else 13, "color": "#555"},
            bgcolor="rgba(255,255,255,0.8)",
        )
    figure.update_xaxes(type="log", title={"text": "Wallet (log scale)"}, tickformat="~s")
    figure.update_yaxes(title={"text": "Our share of wallet"}, tickformat=".0%", range=[-0.04, 1.04])
    style(figure, f"Where to play, {quadrant.quarter}", large, height=height)
    lines = ", ".join(f"{chart_text(s)} {fmt.rate(quadrant.market_share[s], 0)}" for s in segments)
    drawn = (
        f"{len(points):,} of {quadrant.accounts:,} accounts drawn (largest whitespaces and revenues, and a sample); counts are for all"
        if quadrant.sampled
        else f"{quadrant.accounts:,} accounts · bubble = our revenue"
    )
    subtitle = f"{drawn}<br>dashed: our market share ({lines}) · dotted: median wallet {fmt.money(quadrant.median_wallet)}"
    figure.update_layout(
        title={"subtitle": {"text": subtitle, "font": {"size": 16 if large else 11, "color": "#333" if large else "#555"}}},
        margin={"t": 96 if large else 84},
        clickmode="event+select",
        dragmode="pan",
    )
    return figure


def _hover_details(rows: pd.DataFrame) -> list[str]:
    """'Northstar Systems 31 %; high, Analyst estimate' per point: ASCII and short, 2,000 of them go to the browser."""
    details = []
    for competitor, share, confidence, source in zip(
        rows["top_competitor"], rows["competitor_share"], rows["confidence"], rows["source"]
    ):
        top = f"{competitor} {fmt.rate(share, 0)}" if competitor else "none reported"
        estimate = ", ".join(x for x in (confidence, source) if x) or "not rated"
        details.append(chart_text(f"{top}; {estimate}"))
    return details


def account_split_chart(split: pd.DataFrame, colors: dict[str, str], large: bool = False) -> go.Figure:
    """One account's wallet per quarter: our revenue, each competitor, the unattributed rest (money)."""
    figure = go.Figure()
    parts = [c for c in split.columns if c not in ("quarter", "wallet", "status")]
    for part in parts:
        figure.add_trace(
            go.Bar(
                x=split["quarter"],
                y=split[part],
                name=chart_text(part),
                marker={
                    "color": colors.get(part, OTHERS_COLOR),
                    "pattern": {"shape": PATTERNS[_mark(colors, part) % len(PATTERNS)], "fgcolor": "#fff", "fgopacity": 0.35},
                },
                customdata=split["status"],
                hovertemplate="%{x}: %{y:,.0f} %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    flagged = split[split["status"] != ""]
    if not flagged.empty:
        figure.add_trace(
            go.Scatter(
                x=flagged["quarter"],
                y=flagged["wallet"] * 1.04,
                mode="markers",
                name="data problem",
                marker={"symbol": "triangle-down", "size": 12, "color": ALERT},
                customdata=flagged["status"],
                hovertemplate="%{x}: %{customdata}; competitors scaled to fit the wallet<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack", bargap=0.2)
    figure.update_yaxes(tickformat="~s")
    figure.update_xaxes(**quarter_ticks(split["quarter"].tolist(), 6))
    style(figure, "Wallet split over time", large, height=300)
    figure.update_layout(legend={"y": -0.15, "yanchor": "top", "x": 0, "xanchor": "left"}, margin={"b": 70})
    return figure


def account_share_chart(history: AccountHistory, colors: dict[str, str], large: bool = False, top: int = 3) -> go.Figure:
    """One account's share of wallet, ours and its largest competitors', over the quarters."""
    quarters = history.quarters
    figure = go.Figure(
        go.Scatter(
            x=quarters["quarter"],
            y=quarters["share_of_wallet"],
            name=US,
            mode="lines+markers",
            line={"width": 4, "color": OURS},
            hovertemplate="%{x}: %{y:.1%}<extra>" + US + "</extra>",
        )
    )
    leaders = history.spend.groupby("competitor")["counted"].sum().sort_values(ascending=False).index[:top]
    for name in leaders:
        rows = history.spend[history.spend["competitor"] == name].set_index("quarter")["share"]
        figure.add_trace(
            go.Scatter(
                x=quarters["quarter"],
                y=rows.reindex(quarters["quarter"]).to_numpy(),
                name=chart_text(name),
                mode="lines+markers",
                line={"width": 2, "color": colors.get(name, OTHERS_COLOR), "dash": DASHES[_mark(colors, name) % len(DASHES)]},
                marker={"symbol": SYMBOLS[_mark(colors, name) % len(SYMBOLS)]},
                hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(**quarter_ticks(quarters["quarter"].tolist(), 6))
    style(figure, "Share of this wallet", large, height=300)
    figure.update_layout(legend={"y": -0.15, "yanchor": "top", "x": 0, "xanchor": "left"}, margin={"b": 70})
    return figure
