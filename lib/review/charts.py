"""The deck's charts: Plotly figures of the content's frames, sized for their place on a 16:9 slide.

A figure is as many CSS pixels wide as its box is inches times 96, so 16 px type reads as 12 pt on
the slide. Colours are Okabe and Ito's palette, which viewers with any common colour-vision
deficiency tell apart, and every colour has a label beside it (a legend, an axis name or a value),
with line dashes, marker shapes and fill patterns where series would otherwise differ by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core import format as fmt
from lib.core.charts import BLUE, GREY, INK, LIGHT_GREY, OKABE_ITO, chart_text

PX_PER_INCH = 96
FONT = 16
US_COLOR, OTHERS_COLOR, UNATTRIBUTED_COLOR = BLUE, GREY, LIGHT_GREY  # the app's palette (lib.core.charts)
PATTERNS = ("/", "x", "\\", ".", "|", "+")  # one per competitor, so bars differ without colour too
US, OTHER_COMPETITORS, UNATTRIBUTED = "Us", "Other competitors", "Unattributed"


@dataclass(frozen=True)
class Chart:
    """A figure to render, its name as the deck lists it, and the size of its box in inches."""

    key: str
    name: str
    figure: go.Figure
    width: float
    height: float


def _frame(figure: go.Figure, title: str, width: float, height: float, legend: str = "top") -> go.Figure:
    """Title top left; the legend ("top": one row under the title, "bottom": under the plot, "": none)."""
    place = {
        "top": ({"yanchor": "bottom", "y": 1.01}, {"t": 74, "b": 8}),
        "bottom": ({"yanchor": "top", "y": -0.03}, {"t": 44, "b": 84}),
        "": ({}, {"t": 44, "b": 8}),
    }[legend]
    figure.update_layout(
        title={
            "text": title,
            "font": {"size": FONT + 2, "color": INK},
            "x": 0.01,
            "xanchor": "left",
            "y": 0.985,
            "yanchor": "top",
        },
        template="plotly_white",
        font={"size": FONT, "color": INK, "family": "Arial, Liberation Sans, DejaVu Sans, sans-serif"},
        width=round(width * PX_PER_INCH),
        height=round(height * PX_PER_INCH),
        margin={"l": 8, "r": 16, **place[1]},
        showlegend=bool(legend),  # never over the axis labels or the title
        legend={"orientation": "h", "xanchor": "left", "x": 0, "font": {"size": FONT - 1}, "traceorder": "normal", **place[0]},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    figure.update_xaxes(tickangle=0, automargin=True, ticklabelstandoff=6)  # clear of the value axis's "0"
    figure.update_yaxes(automargin=True, gridcolor="#E5E5E5")
    return figure


def money_axis(top: float, most: int = 4) -> dict:
    """Up to `most` level ticks from 0 in the house format ('2.5 M'), so the axis reads like the cards."""
    values = _nice_ticks(top, most)
    return {
        "tickmode": "array",
        "tickvals": values,
        "ticktext": [_money_tick(v) for v in values],
        "range": [0, values[-1] * 1.02],
    }


def rate_axis(top: float, most: int = 5) -> dict:
    values = _nice_ticks(top, most)
    return {"tickmode": "array", "tickvals": values, "ticktext": [fmt.rate(v, 0) for v in values]}


def _money_tick(value: float) -> str:
    for limit in (1e9, 1e6, 1e3):
        if abs(value) >= limit:
            return fmt.money(value, 0 if float(value / limit).is_integer() else 1)
    return fmt.money(value)


def _nice_ticks(top: float, most: int) -> list[float]:
    if not np.isfinite(top) or top <= 0:
        return [0.0]
    raw = top / most
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [float(round(i * step, 10)) for i in range(int(np.ceil(top / step - 1e-9)) + 1)]  # the last one at or above the top


def quarter_ticks(quarters: list[str], most: int = 4) -> dict:
    """At most `most` quarter labels, level, always the last one."""
    step = max(1, -(-len(quarters) // most))
    shown = quarters[::-1][::step][::-1]
    return {"tickmode": "array", "tickvals": shown, "ticktext": shown, "type": "category"}


def revenue_chart(trends: pd.DataFrame, width: float, height: float) -> go.Figure:
    """The portfolio's revenue by quarter, each bar labelled with its amount."""
    quarters = trends["quarter"].tolist()
    figure = go.Figure(
        go.Bar(
            x=quarters,
            y=trends["revenue"],
            marker_color=US_COLOR,
            text=[fmt.money(v) for v in trends["revenue"]],
            textposition="outside",
            cliponaxis=False,
        )
    )
    figure.update_yaxes(**money_axis(float(trends["revenue"].max())))
    figure.update_xaxes(**quarter_ticks(quarters))
    return _frame(figure, "Revenue by quarter", width, height, legend="")


def retention_chart(trends: pd.DataFrame, width: float, height: float) -> go.Figure:
    """NRR (solid, circles) and GRR (dashed, squares) by quarter, each named at its last point."""
    figure = go.Figure()
    quarters = trends["quarter"].tolist()
    for key, name, dash, symbol, color in (
        ("nrr", "NRR", "solid", "circle", US_COLOR),
        ("grr", "GRR", "dash", "square", OKABE_ITO[3]),
    ):
        values = trends[key].astype(float)
        last = [f"{name} {fmt.rate(v, 0)}" if i == len(values) - 1 else "" for i, v in enumerate(values)]
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=values,
                name=name,
                mode="lines+markers+text",
                line={"dash": dash, "width": 3, "color": color},
                marker={"symbol": symbol, "size": 9, "color": color},
                text=last,
                textposition="top left",
                textfont={"color": color},
            )
        )
    figure.add_hline(y=1.0, line={"color": "#999999", "width": 1})
    low = float(np.nanmin(trends[["nrr", "grr"]].to_numpy(dtype=float), initial=1.0))
    high = float(np.nanmax(trends[["nrr", "grr"]].to_numpy(dtype=float), initial=1.0))
    ticks = [t for t in _nice_ticks(high * 1.05, 6) if t >= low * 0.95 - 0.05]
    figure.update_yaxes(tickmode="array", tickvals=ticks, ticktext=[fmt.rate(t, 0) for t in ticks])
    figure.update_xaxes(**quarter_ticks(quarters))
    return _frame(figure, "Net and gross revenue retention", width, height)


def part_styles(parts: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """(colour, fill pattern) per part of a wallet: us plain blue, each competitor its own colour and pattern."""
    styles = {US: (US_COLOR, ""), OTHER_COMPETITORS: (OTHERS_COLOR, ""), UNATTRIBUTED: (UNATTRIBUTED_COLOR, "")}
    competitors = [p for p in parts if p not in styles]
    for i, name in enumerate(competitors):
        styles[name] = (OKABE_ITO[i % len(OKABE_ITO)], PATTERNS[i % len(PATTERNS)])
    return styles


def wallet_split_chart(split: pd.DataFrame, parts: tuple[str, ...], width: float, height: float) -> go.Figure:
    """Who holds the wallet in each segment: 100 % bars of us, each competitor, the others and the unattributed rest."""
    styles = part_styles(parts)
    groups = [chart_text(g) for g in split["group"]]
    figure = go.Figure()
    for part in parts:
        shares = split[part].fillna(0.0).astype(float)
        if not shares.any():
            continue
        color, pattern = styles[part]
        figure.add_trace(
            go.Bar(
                x=shares,
                y=groups,
                orientation="h",
                name=chart_text(part),
                marker={
                    "color": color,
                    "line": {"width": 1, "color": "white"},
                    "pattern": {"shape": pattern, "fgcolor": "white", "fgopacity": 0.35},
                },
                text=[fmt.rate(s, 0) if s >= 0.07 else "" for s in shares],
                textposition="inside",
                insidetextanchor="middle",
                textfont={
                    "color": INK if part == UNATTRIBUTED or color in (OKABE_ITO[0], OKABE_ITO[4], OKABE_ITO[5]) else "white"
                },
            )
        )
    figure.update_layout(barmode="stack", bargap=0.3, uniformtext={"minsize": FONT - 3, "mode": "hide"})
    figure.update_xaxes(range=[0, 1], showticklabels=False, showgrid=False)
    figure.update_yaxes(autorange="reversed", gridcolor="white")
    return _frame(figure, "Who holds the wallet, by segment", width, height, legend="bottom")


def account_trend_chart(history: pd.DataFrame, width: float, height: float) -> go.Figure:
    """One account's revenue (bars) and wallet (dashed line with diamonds) by quarter."""
    quarters = history["quarter"].tolist()
    figure = go.Figure()
    figure.add_trace(go.Bar(x=quarters, y=history["revenue"], name="Our revenue", marker_color=US_COLOR))
    wallet = history["wallet"].astype(float)
    if wallet.notna().any():
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=wallet,
                name="Wallet",
                mode="lines+markers",
                line={"color": OKABE_ITO[0], "width": 3, "dash": "dash"},
                marker={"symbol": "diamond", "size": 9},
            )
        )
    top = float(np.nanmax([history["revenue"].max(), wallet.max()], initial=0.0))
    figure.update_yaxes(**money_axis(top))
    figure.update_xaxes(**quarter_ticks(quarters))
    return _frame(figure, "Revenue and wallet by quarter", width, height)


def account_wallet_chart(split: pd.DataFrame, quarter: str, width: float, height: float, most: int = 5) -> go.Figure:
    """Who holds this account's wallet in the quarter: a bar per party, named on the axis, its share beside it."""
    shown = _largest_parties(split, most)
    kind_colors = {"us": US_COLOR, "competitor": OKABE_ITO[0], "others": OTHERS_COLOR, "unattributed": UNATTRIBUTED_COLOR}
    shares = shown["share"].astype(float).to_numpy()
    figure = go.Figure(
        go.Bar(
            x=shares,
            y=[chart_text(n) for n in shown["name"]],
            orientation="h",
            marker={"color": [kind_colors.get(k, OTHERS_COLOR) for k in shown["kind"]], "line": {"width": 1, "color": "#777777"}},
            text=[fmt.rate(s, 0) for s in shares],
            textposition="outside",
            cliponaxis=False,
        )
    )
    top = min(1.0, float(np.nanmax(shares, initial=0.0)) * 1.3 + 0.05)
    figure.update_xaxes(range=[0, top], **rate_axis(top, 4))
    figure.update_yaxes(autorange="reversed")
    return _frame(figure, f"Who holds the wallet, {quarter}", width, height, legend="")


def _largest_parties(split: pd.DataFrame, most: int) -> pd.DataFrame:
    """Us, the largest competitors, the other competitors summed, and the unattributed rest."""
    competitors = split[split["kind"] == "competitor"].sort_values("share", ascending=False)
    rows = [split[split["kind"] == "us"], competitors.head(most)]
    if len(competitors) > most:
        rest = competitors.iloc[most:]["share"].sum()
        rows.append(pd.DataFrame({"name": [OTHER_COMPETITORS], "kind": ["others"], "share": [rest]}))
    rows.append(split[split["kind"] == "unattributed"])
    return pd.concat([r for r in rows if not r.empty], ignore_index=True)
