"""Portfolio: KPI cards with their change, trends, breakdowns and the accounts behind them."""

import streamlit as st

from lib.core import format as fmt
from lib.core.quarters import shift_quarter
from lib.portfolio.kpis import KPI_ORDER, base_quarter
from lib.portfolio.overview import BREAKDOWNS
from lib.ui.auth import require_user
from lib.ui.cards import as_shown, kpi_cards, money_columns
from lib.ui.filters import current_filters, describe
from lib.ui.portfolio import accounts_behind, accounts_csv, accounts_page, breakdown_figure, overview, portfolio, trend_figures
from lib.ui.tables import account_table
from lib.ui.theme import is_presentation
from lib.ui.views import shared_tabs

require_user()
filters = current_filters()
view = overview(filters)
large = is_presentation()
as_of = portfolio().data_as_of
previous = shift_quarter(filters.quarter, -1)

st.title("Portfolio")
# Retention compares the cohort with the Compare-with quarter; the cards' changes are always quarter on quarter.
details = [
    filters.quarter,
    f"retention against {base_quarter(filters)} (Compare with)",
    f"changes vs {previous}",
    describe(filters),
    f"{view.accounts_in_filter:,} accounts",
]
if not large:
    details.append(f"data as of {as_of:%Y-%m-%d %H:%M} UTC" if as_of else "no import yet")
st.caption(" · ".join(details))
headline = ("revenue", "nrr", "grr", "logo_retention", "nps", "share_of_wallet") if large else KPI_ORDER
kpi_cards(
    view.now,
    view.before,
    headline,
    accounts_behind(filters),
    per_row=3 if large else 7,
    key_prefix="pf",
    compared_with=previous,
)

trends, by_group, table = shared_tabs(["Trends", "Breakdown", "Accounts"], key="pf_tab")
with trends:
    for column, figure, key in zip(
        st.columns(3), trend_figures(filters, large), ("pf_revenue_trend", "pf_retention_trend", "pf_nps_trend")
    ):
        column.plotly_chart(figure, width="stretch", key=key)
with by_group:
    by = (
        st.segmented_control("Break down by", BREAKDOWNS, default="segment", key="pf_breakdown", format_func=str.capitalize)
        or "segment"
    )
    frame = view.breakdowns[by]
    config = money_columns(frame)
    st.dataframe(
        as_shown(frame, config),
        hide_index=True,
        width="stretch",
        column_config=config,
        height="auto" if len(frame) < 12 else 400,
        placeholder=fmt.NA,
    )
    st.caption(f"Retention and churn of each group's cohort: its accounts with revenue in {base_quarter(filters)}.")
    st.plotly_chart(breakdown_figure(filters, by, large), width="stretch", key="pf_breakdown_chart")
with table:
    sort_options = {
        "movement": "Largest decline",
        "revenue": "Revenue",
        "change": "Change",
        "whitespace": "Whitespace",
        "share_of_wallet": "Share of wallet",
        "nps": "NPS",
        "name": "Name",
    }
    sort_col, download_col = st.columns([2, 1] if large else [3, 1], vertical_alignment="bottom")
    sort_by = sort_col.selectbox("Show the top 500 by", list(sort_options), format_func=sort_options.get, key="pf_sort")
    rows, total = accounts_page(filters, sort_by)
    download_col.download_button(
        "Download all as CSV",
        lambda: accounts_csv(filters),
        file_name=f"accounts_{filters.quarter}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="pf_download",
        width="stretch",
    )
    st.caption(
        f"{min(total, len(rows)):,} of {total:,} accounts shown; movement is revenue in {filters.quarter} minus "
        f"{base_quarter(filters)}; select a row to open Account 360."
    )
    account_table(rows, key="pf_accounts", height=420)
