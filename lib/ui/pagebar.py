"""The page bar: the frame's one call above every page.

In projector mode the sidebar folds away, and the bar carries what it held: the pages, the filters
(in a popover, under their one-line summary) and the way out of projector mode. On paper (any mode)
the filters are stamped at the top of the page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import base_quarter
from lib.ui.filters import chosen_filters, filters_from_address, sidebar_filters, summary
from lib.ui.theme import is_presentation, keep_projector_in_address, leave_projector_mode

# Short names, so that every page, the filters and the way out fit one row at 1280 px in projector type.
SHORT_TITLES = {
    "Share of wallet": "Wallet",
    "Key accounts": "Key accounts",
    "Account 360": "360",
    "Review notes": "Notes",
    "Relationships": "People",
    "Walkthrough": "Walk",
}


def page_bar(pages: Sequence[StreamlitPage], data: PortfolioData, current: StreamlitPage) -> Filters:
    """The filters where they belong (sidebar, or the bar in projector mode), the bar itself, the print stamp."""
    keep_projector_in_address()
    if is_presentation():
        filters = _bar(pages, data)
    else:
        filters = sidebar_filters(data)
    print_stamp(current.title, filters)
    return filters


def _bar(pages: Sequence[StreamlitPage], data: PortfolioData) -> Filters:
    filters_from_address(data)  # before the summary above the filters (and its message above the bar)
    with st.container(key="page_bar", horizontal=True, vertical_alignment="center", gap="small"):
        for page in pages:
            st.page_link(page, label=SHORT_TITLES.get(page.title, page.title), help=page.title)
        label = summary(chosen_filters(data))
        place = st.popover(label, icon=":material/filter_alt:", key="page_bar_filters", help=f"Change the filters: {label}")
        filters = sidebar_filters(data, place)
        st.button(
            "Exit",
            key="page_bar_leave",
            icon=":material/close_fullscreen:",
            on_click=leave_projector_mode,
            help="Leave projector mode",
            type="primary",
        )
    return filters


def print_stamp(title: str, filters: Filters) -> None:
    """On paper only: what the page shows, above it."""
    text = f"Keystone · {title} · {filters.quarter} against {base_quarter(filters)} · {_chosen(filters)}"
    st.html(f'<div class="ks-print-stamp">{html.escape(text)}</div>')


def _chosen(filters: Filters) -> str:
    chosen = [*filters.segments, *filters.regions, *filters.owners]
    return " · ".join(chosen) if chosen else "all accounts"
