"""The global filters, shared by every page through st.session_state and kept in the address.

A session's first run reads them from the address (?flt_quarter=2026Q2&flt_segments=Enterprise...), and
every run writes them back, so a reload or a shared link opens exactly the view that was on screen, on
any page. (Widgets bound to the address lose it on a page switch in Streamlit 1.67; writing it each run
does not.) A value that names nothing here is left out, and the page says so.
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
DEFAULT_BASE = 4
QUARTER, BASE, SEGMENTS, REGIONS, OWNERS = "flt_quarter", "flt_base", "flt_segments", "flt_regions", "flt_owners"
COLUMNS = {SEGMENTS: "segment", REGIONS: "region", OWNERS: "owner"}
READ_ADDRESS = "flt_address_read"  # the session has taken its filters from the address
SHOWN_URL_CHARS = 40  # of a value from the address quoted in a message


def sidebar_filters(data: PortfolioData, place: DeltaGenerator | None = None) -> Filters:
    """Render the filters (from app.py, so they keep their state across pages), remember them, put them in the address.

    place: where they go (the sidebar, or the page bar's popover in projector mode).
    """
    quarters, choices = _quarters(data), _choices(data)
    filters_from_address(data)
    _keep_to_choices(quarters, choices)
    with place if place is not None else st.sidebar:
        st.selectbox("Quarter", quarters, key=QUARTER)
        st.segmented_control("Compare with", list(BASES), format_func=BASES.get, key=BASE, selection_mode="single")
        st.multiselect("Segment", choices[SEGMENTS], key=SEGMENTS, placeholder="All segments")
        st.multiselect("Region", choices[REGIONS], key=REGIONS, placeholder="All regions")
        st.multiselect("Owner", choices[OWNERS], key=OWNERS, placeholder="All owners")
    filters = chosen_filters(data)
    st.session_state["filters"] = filters
    filters_to_address(filters)
    return filters


def chosen_filters(data: PortfolioData) -> Filters:
    """The filters as the session holds them (before their widgets are drawn too: the page bar's summary)."""
    quarters, state = _quarters(data), st.session_state
    quarter = state.get(QUARTER)
    return Filters(
        quarter=quarter if quarter in quarters else quarters[0],
        base_offset=state.get(BASE) or DEFAULT_BASE,
        segments=tuple(state.get(SEGMENTS) or ()),
        regions=tuple(state.get(REGIONS) or ()),
        owners=tuple(state.get(OWNERS) or ()),
    )


def filters_from_address(data: PortfolioData) -> list[str]:
    """A session's first run takes the filters the address names; returns (and shows) what names nothing here."""
    state, params = st.session_state, st.query_params
    if state.get(READ_ADDRESS):
        return []
    state[READ_ADDRESS] = True
    state.setdefault(BASE, DEFAULT_BASE)
    quarters, choices = _quarters(data), _choices(data)
    problems: list[str] = []
    asked = params.get(QUARTER)
    if asked is not None:
        if asked in quarters:
            state[QUARTER] = asked
        else:
            problems.append(f"quarter “{_quoted(asked)}” has no data (showing {quarters[0]})")
    asked = params.get(BASE)
    if asked is not None:
        offset = _base_offset(asked)
        if offset is None:
            problems.append(f"“{_quoted(asked)}” is not a quarter to compare with")
        else:
            state[BASE] = offset
    for key, column in COLUMNS.items():
        known = set(choices[key])
        values = [v for v in params.get_all(key) if v]
        problems += [f"no {column} is called “{_quoted(v)}”" for v in values if v not in known]
        if any(v in known for v in values):
            state[key] = list(dict.fromkeys(v for v in values if v in known))
    if problems:
        st.warning("The address asks for what is not here: " + "; ".join(problems) + ".", icon=":material/link_off:")
    return problems


def filters_to_address(filters: Filters) -> None:
    """The filters in the address: the quarter always (a link keeps its quarter after the next import), the rest when set."""
    wanted = {
        QUARTER: [filters.quarter],
        BASE: [str(filters.base_offset)] if filters.base_offset != DEFAULT_BASE else [],
        SEGMENTS: list(filters.segments),
        REGIONS: list(filters.regions),
        OWNERS: list(filters.owners),
    }
    params = st.query_params
    for key, values in wanted.items():
        if params.get_all(key) == values:
            continue
        if values:
            params[key] = values
        elif key in params:
            del params[key]


def _base_offset(asked: str) -> int | None:
    """4 or 1, from '4', '1' or a label ('Q-1 (the quarter before)')."""
    for offset, label in BASES.items():
        if asked.strip() in (str(offset), label, label.split(" ")[0]):
            return offset
    return None


def _keep_to_choices(quarters: Sequence[str], choices: dict[str, list[str]]) -> None:
    """Drop what the data no longer has (a quarter, an owner after an import): a widget refuses a value it cannot show."""
    state = st.session_state
    if state.get(QUARTER) not in quarters:
        state[QUARTER] = quarters[0]
    for key in COLUMNS:
        if key in state and state[key] and not set(state[key]) <= set(choices[key]):
            state[key] = [v for v in state[key] if v in set(choices[key])]


def _quarters(data: PortfolioData) -> list[str]:
    return list(reversed(data.quarters)) or [last_completed_quarter(clock.today())]


def _choices(data: PortfolioData) -> dict[str, list[str]]:
    return {key: data.choices(column) for key, column in COLUMNS.items()}


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
