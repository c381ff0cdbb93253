"""Share of wallet: where we win against whom, and where the money is that we are not getting."""

import streamlit as st

from lib.core import format as fmt
from lib.ui.auth import require_user
from lib.ui.filters import current_filters, describe
from lib.ui.theme import is_presentation
from lib.ui.views import shared_tabs
from lib.ui.wallet import wallet as sow
from lib.ui.wallet.dialog import open_from_chart, show_chosen_account
from lib.ui.wallet.tables import missing_table, problems_table, ranking_caption, ranking_table, sources_table
from lib.wallet import charts as charts
from lib.wallet.data import GROUPINGS
from lib.wallet.quadrant import QUADRANT_MEANINGS

require_user()
filters = current_filters()
large = is_presentation()

heading, switch = st.columns([1.3, 1] if large else [2, 1], vertical_alignment="bottom")
heading.title("Share of wallet")
high_only = switch.toggle(
    "High-confidence wallets only",
    key="sow_high_confidence",
    help="Count only the wallet estimates marked high confidence; the others are left out of every share.",
)
figures = sow.figures(filters, high_only)
st.caption(sow.coverage_caption(figures, filters, describe(filters), large))
sow.cards(figures, filters, high_only, large)

competitors, play, whitespace, estimates = shared_tabs(
    ["Competitors", "Where to play", "Whitespace", "Wallet estimates"], key="sow_tab", on_change="rerun"
)
if competitors.open:
    with competitors:
        by = (
            st.segmented_control("Split the wallet by", GROUPINGS, default="segment", key="sow_group", format_func=str.capitalize)
            or "segment"
        )
        split_area, trend_area = (st.container(), st.container()) if large else st.columns([3, 2])
        split_area.plotly_chart(
            charts.wallet_split_bars(sow.split(filters, high_only, by, large), sow.colors(), large),
            width="stretch",
            key="sow_split_chart",
        )
        trend_area.plotly_chart(
            charts.share_trend_lines(sow.trend(filters, high_only), sow.colors(), large), width="stretch", key="sow_trend_chart"
        )

if play.open:
    with play:
        st.plotly_chart(
            charts.quadrant_chart(sow.quadrant(filters, high_only), large, height=520 if large else 430),
            width="stretch",
            key="sow_quadrant",
            on_select=open_from_chart("sow_quadrant"),
            selection_mode="points",
            config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
        )
        st.caption(
            "Click an account for its competitors and trend. Large wallet: at or above the median; high share: above our "
            "market share in the account's segment. " + " · ".join(f"**{q}**: {m}" for q, m in QUADRANT_MEANINGS.items())
        )

if whitespace.open:
    with whitespace:
        ranked = sow.ranking(filters, high_only, limit=15 if large else 100)
        note, download = st.columns([3, 1], vertical_alignment="bottom")
        note.caption(ranking_caption(ranked))
        download.download_button(
            "Download all as CSV",
            lambda: sow.ranking_csv(filters, high_only),
            file_name=f"whitespace_{filters.quarter}.csv",
            mime="text/csv",
            icon=":material/download:",
            key="sow_download",
            width="stretch",
        )
        ranking_table(ranked, large)

if estimates.open:
    with estimates:
        quality, missing, problems = sow.estimates(filters)
        sources, gaps = st.columns([3, 2])
        with sources:
            st.markdown("**Where the estimates come from**")
            st.caption("Accounts counted, their wallet and our pooled share, by how sure the estimate is and its source.")
            sources_table(quality)
        with gaps:
            st.markdown(f"**No wallet estimate: {missing.accounts:,} accounts**")
            st.caption(
                f"Buying from us in {filters.quarter} ({fmt.money(missing.revenue)} of revenue) without a wallet estimate: "
                "left out of every share, never counted as 0 % or 100 %."
            )
            missing_table(missing)
        st.markdown(f"**Data problems: {problems.accounts:,} wallets**")
        st.caption(
            "A wallet of 0 or below our revenue cannot be right: it is left out of every share. Where competitors' spend "
            "overflows the wallet left after ours, our share counts and the competitors are scaled down to fit."
        )
        problems_table(problems)

show_chosen_account(filters, large)
