"""The global filters in the sidebar, shared by every page through st.session_state."""

from __future__ import annotations

import streamlit as st

from lib.core import clock as clock
from lib.core.quarters import last_completed_quarter
from lib.portfolio.data import Filters, PortfolioData
from lib.ui.text import plain

BASES = {4: "Q-4 (a year before)", 1: "Q-1 (the quarter before)"}


def sidebar_filters(data: PortfolioData) -> Filters:
    """Render the filters (from app.py, so they keep their state across pages) and remember them."""
    quarters = list(reversed(data.quarters)) or [last_completed_quarter(clock.today())]
    with st.sidebar:
        st.selectbox("Quarter", quarters, key="flt_quarter")
        st.segmented_control(
            "Compare with", list(BASES), format_func=BASES.get, key="flt_base", default=4, selection_mode="single"
        )
        st.multiselect("Segment", data.choices("segment"), key="flt_segments", placeholder="All segments")
        st.multiselect("Region", data.choices("region"), key="flt_regions", placeholder="All regions")
        st.multiselect("Owner", data.choices("owner"), key="flt_owners", placeholder="All owners")
    quarter = st.session_state.get("flt_quarter")
    filters = Filters(
        quarter=quarter if quarter in quarters else quarters[0],
        base_offset=st.session_state.get("flt_base") or 4,
        segments=tuple(st.session_state.get("flt_segments") or ()),
        regions=tuple(st.session_state.get("flt_regions") or ()),
        owners=tuple(st.session_state.get("flt_owners") or ()),
    )
    st.session_state["filters"] = filters
    return filters


def current_filters() -> Filters:
    """The filters app.py rendered for this run (pages call this; they never draw filters)."""
    filters = st.session_state.get("filters")
    if filters is None:
        filters = Filters(last_completed_quarter(clock.today()))
    return filters


def describe(filters: Filters) -> str:
    """'Enterprise · EMEA' or 'all accounts', for captions (Markdown: the names are escaped, see lib.ui.text)."""
    chosen = [*filters.segments, *filters.regions, *filters.owners]
    return " · ".join(map(plain, chosen)) if chosen else "all accounts"
