"""The shared look: numbers rounded for the room, charts readable on a projector, a colour-blind safe palette."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.core import charts
from lib.core import format as fmt
from lib.wallet.charts import part_colors, share_trend_lines, wallet_split_bars


def test_numbers_rounded_for_reading():
    # 1.1234 -> 112.3 % on a laptop, 112 % on the projector; 99.6 against 100 is -0.4 %, which rounds to nothing.
    assert fmt.value("rate", 1.1234) == "112.3 %"
    assert fmt.value("rate", 1.1234, rounded=True) == "112 %"
    assert fmt.value("money", 1_234_567, rounded=True) == "1.2 M"
    assert fmt.change("money", 99.6, 100) == "-0.4 %"
    assert fmt.change("money", 99.6, 100, rounded=True) == "±0 %"
    assert fmt.change("rate", 0.52, 0.49, rounded=True) == "+3 pts"
    assert fmt.change("rate", 0.50, 0.49, rounded=True) == "+1 pt"  # one point, not "1 pts"
    assert fmt.change("money", 99.99, 100) == "±0 %"  # never "-0.0 %"


def test_projector_charts_have_big_level_text_and_thick_lines():
    figure = go.Figure(go.Scatter(x=[f"2025Q{q}" for q in range(1, 5)], y=[1, 2, 3, 4], mode="lines+markers", line={"width": 2}))
    figure.add_annotation(text="note", font={"size": 11})
    charts.style(figure, "Trend", large=True)
    assert figure.layout.font.size >= 16 and figure.layout.title.font.size >= 16
    assert figure.layout.xaxis.tickangle == 0 and figure.layout.yaxis.tickangle == 0
    assert figure.layout.xaxis.nticks == charts.PROJECTOR_TICKS
    assert figure.data[0].line.width >= 4
    assert figure.layout.annotations[0].font.size >= 16
    laptop = charts.style(go.Figure(go.Scatter(x=[1], y=[1], line={"width": 2})), "Trend")
    assert laptop.layout.font.size == 13 and laptop.data[0].line.width == 2 and laptop.layout.xaxis.tickangle is None


def test_one_colour_blind_safe_palette_with_symbols_beside_colour():
    okabe_ito = {"#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#D55E00", "#CC79A7"}
    assert set(charts.PALETTE) - {charts.GREY} == okabe_ito
    assert charts.OURS == "#0072B2"
    colors = part_colors(("Acme", "Globex", "Initech"))
    assert set(colors.values()) <= okabe_ito | {charts.GREY, charts.LIGHT_GREY}
    assert charts.text_on(charts.YELLOW) == charts.INK and charts.text_on(charts.BLUE) == "#FFFFFF"


def test_wallet_lines_and_bars_differ_by_more_than_colour():
    import pandas as pd

    from lib.wallet.split import WalletSplit

    trend = pd.DataFrame(
        {"quarter": ["2026Q1", "2026Q2"], "accounts": [3, 3], "Us": [0.3, 0.32], "Acme": [0.2, 0.21], "Globex": [0.1, 0.1]}
    )
    colors = part_colors(("Acme", "Globex"))
    lines = share_trend_lines(trend, colors, large=True)
    assert len({(t.marker.symbol, t.line.dash) for t in lines.data}) == 3
    assert min(t.line.width for t in lines.data) >= 4  # thick on the projector
    groups = pd.DataFrame(
        {
            "group": ["All", "Enterprise"],
            "wallet": [100.0, 60.0],
            "high_confidence": [0.5, 0.5],
            "Us": [30.0, 20.0],
            "Acme": [40.0, 25.0],
            "Globex": [30.0, 15.0],
        }
    )
    bars = wallet_split_bars(WalletSplit(groups=groups, parts=("Us", "Acme", "Globex"), by="segment", total_groups=2), colors)
    assert len({t.marker.pattern.shape for t in bars.data}) == 3


def test_tables_show_rates_in_points_and_an_empty_rate_stays_empty():
    from lib.ui.cards import PERCENT_FORMATS, as_shown

    frame = pd.DataFrame({"name": ["A", "B"], "nrr": pd.Series([1.194, None], dtype=object), "revenue": [10.0, 20.0]})
    config = {"nrr": {"type_config": {"format": PERCENT_FORMATS[True]}}, "revenue": {"type_config": {"format": "compact"}}}
    shown = as_shown(frame, config)
    assert shown["nrr"].iloc[0] == pytest.approx(119.4) and pd.isna(shown["nrr"].iloc[1])
    assert shown["revenue"].tolist() == [10.0, 20.0]  # only the percent columns change
    assert frame["nrr"].iloc[0] == 1.194  # the frame given (a cached one) is left as it was
