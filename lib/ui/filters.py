"""The global filters, shared by every page through st.session_state and kept in the address.

Each filter is bound to the address (?flt_quarter=2026Q2&flt_segments=Enterprise...), so a reload or
a shared link opens exactly the view that was on screen. Streamlit drops a value it does not know;
the page says which one it dropped instead of silently showing something else.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.core import clock as clock
from lib.core.quarters import last_completed_quarter
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import base_quarter
from lib.ui.text import plain

BASES = {4: "Q-4 (a year before)", 1: "Q-1 (the quarter before)"}
QUARTER, BASE, SEGMENTS, REGIONS, OWNERS = "flt_quarter", "flt_base", "flt_segments", "flt_regions", "flt_owners"
SHOWN_URL_CHARS = 40  # of a value from the address quoted in a message


def sidebar_filters(data: PortfolioData, place: DeltaGenerator | None = None) -> Filters:
    """Render the filters (from app.py, so they keep their state across pages) and remember them.

    place: where they go (the sidebar, or the page bar's popover in projector mode).
    """
    quarters = list(reversed(data.quarters)) or [last_completed_quarter(clock.today())]
    choices = {SEGMENTS: data.choices("segment"), REGIONS: data.choices("region"), OWNERS: data.choices("owner")}
    unknown_in_address(quarters, choices)
    with place if place is not None else st.sidebar:
        st.selectbox("Quarter", quarters, key=QUARTER, bind="query-params")
        st.segmented_control(
            "Compare with",
            list(BASES),
            format_func=BASES.get,
            key=BASE,
            default=4,
            selection_mode="single",
            bind="query-params",
        )
        st.multiselect("Segment", choices[SEGMENTS], key=SEGMENTS, placeholder="All segments", bind="query-params")
        st.multiselect("Region", choices[REGIONS], key=REGIONS, placeholder="All regions", bind="query-params")
        st.multiselect("Owner", choices[OWNERS], key=OWNERS, placeholder="All owners", bind="query-params")
    quarter = st.session_state.get(QUARTER)
    filters = Filters(
        quarter=quarter if quarter in quarters else quarters[0],
        base_offset=st.session_state.get(BASE) or 4,
        segments=tuple(st.session_state.get(SEGMENTS) or ()),
        regions=tuple(st.session_state.get(REGIONS) or ()),
        owners=tuple(st.session_state.get(OWNERS) or ()),
    )
    st.session_state["filters"] = filters
    return filters


def peek_filters(data: PortfolioData) -> Filters:
    """The filters this run will read, before their widgets are drawn: what the session holds, else what the
    address asks for (a first run), else the defaults; for labels above the widgets (the page bar's summary)."""
    quarters = list(reversed(data.quarters)) or [last_completed_quarter(clock.today())]
    state, params = st.session_state, st.query_params

    def chosen(key: str, column: str) -> tuple[str, ...]:
        if key in state:
            return tuple(state[key])
        known = set(data.choices(column))
        return tuple(dict.fromkeys(v for v in params.get_all(key) if v in known))

    quarter = state[QUARTER] if QUARTER in state else params.get(QUARTER)
    base = state[BASE] if BASE in state else {label: offset for offset, label in BASES.items()}.get(params.get(BASE, ""))
    return Filters(
        quarter=quarter if quarter in quarters else quarters[0],
        base_offset=base or 4,
        segments=chosen(SEGMENTS, "segment"),
        regions=chosen(REGIONS, "region"),
        owners=chosen(OWNERS, "owner"),
    )


def unknown_in_address(quarters: Sequence[str], choices: dict[str, Sequence[str]]) -> list[str]:
    """Warn about filter values in the address that name nothing here (a mistyped or old link); returns them."""
    params = st.query_params
    problems: list[str] = []
    asked = params.get(QUARTER)
    if asked is not None and asked not in quarters:
        problems.append(f"quarter “{_quoted(asked)}” has no data (showing {quarters[0]})")
    asked = params.get(BASE)
    if asked is not None and asked not in BASES.values():
        problems.append(f"“{_quoted(asked)}” is not a quarter to compare with")
    for key, label in ((SEGMENTS, "segment"), (REGIONS, "region"), (OWNERS, "owner")):
        known = set(choices[key])
        problems += [f"no {label} is called “{_quoted(v)}”" for v in params.get_all(key) if v and v not in known]
    if problems:
        st.warning("The address asks for what is not here: " + "; ".join(problems) + ".", icon=":material/link_off:")
    return problems


def _quoted(value: str) -> str:
    return plain(value[:SHOWN_URL_CHARS] + ("…" if len(value) > SHOWN_URL_CHARS else ""))


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


def summary(filters: Filters) -> str:
    """'2026Q2 vs 2025Q2 · Enterprise · EMEA': the whole view in one line (Markdown, names escaped)."""
    return f"{filters.quarter} vs {base_quarter(filters)} · {describe(filters)}"
