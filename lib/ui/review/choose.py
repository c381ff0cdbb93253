"""Choosing the walkthrough's list and stepping through it; both live in the address, so a reload keeps them.

The list's kind and segment (?walk_list=segment&walk_segment=SMB), the hand-picked accounts
(?walk_picked=A-1,A-7) and the position (?walk_at=7) are written to the address on every run and read
from it when a session starts (a reload, a shared link); during a session they are remembered outside
the widgets, so they also survive a visit to another page. When the list changes (another choice or filter), the screen stays on the account it showed if
the new list holds it, and goes to the first account otherwise.
"""

from __future__ import annotations

import streamlit as st

from lib.portfolio.data import Filters
from lib.review.walkthrough import KEY, LIST_KINDS, PICKED, SEGMENT, ListChoice, WalkList
from lib.ui.accounts.account360 import account_search
from lib.ui.portfolio import portfolio
from lib.ui.text import plain

KIND = "walk_list"  # widget keys, and the address's parameters
SEGMENT_CHOSEN = "walk_segment"
CHOSEN_KIND = "walk_list_chosen"  # session: the choices, kept outside the widgets
CHOSEN_SEGMENT = "walk_segment_chosen"
PICKED_PARAM = "walk_picked"
POSITION_PARAM = "walk_at"
PICKED_IDS = "walk_picked_ids"  # session: the hand-picked account ids as imported, in order
PICKED_SHOWN = "walk_picked_shown"  # the multiselect that shows them (and takes them off)
POSITION = "walk_position"  # session: 1-based position in the list
POSITION_OF = "walk_position_of"  # session: (filters, choice) the position belongs to
ACCOUNT_SHOWN = "walk_account_shown"  # session: the account on screen, followed into a changed list
MAX_PICKED = 100  # a deck holds at most this many accounts (lib.review.model.MAX_ACCOUNT_SLIDES)


def list_choice() -> ListChoice:
    """The list chooser in a popover named after the list: key accounts, a segment, near misses or hand-picked accounts."""
    kind = _remembered(KIND, CHOSEN_KIND, list(LIST_KINDS), KEY)
    segments = portfolio().choices("segment") if kind == SEGMENT else []
    segment = _remembered(SEGMENT_CHOSEN, CHOSEN_SEGMENT, segments, segments[0] if segments else None) if segments else None
    with st.popover(_list_label(kind, segment), icon=":material/list:", width="stretch", key="walk_choose"):
        st.segmented_control(
            "Accounts to step through",
            list(LIST_KINDS),
            format_func=LIST_KINDS.get,
            key=KIND,
            required=True,
            on_change=_remember,
            args=(KIND, CHOSEN_KIND),
        )
        if segments:
            st.selectbox("Segment", segments, key=SEGMENT_CHOSEN, on_change=_remember, args=(SEGMENT_CHOSEN, CHOSEN_SEGMENT))
        picked = _picked_accounts() if kind == PICKED else ()
    _to_address(KIND, kind if kind != KEY else None)
    _to_address(SEGMENT_CHOSEN, segment)
    if kind != PICKED:
        _to_address(PICKED_PARAM, None)
    return ListChoice(kind, segment=segment if kind == SEGMENT else None, picked=picked)


def _list_label(kind: str, segment: str | None) -> str:
    if kind == SEGMENT and segment:
        return f"List: {plain(segment)}"
    if kind == PICKED:
        return (
            f"List: hand-picked ({len(st.session_state.get(PICKED_IDS, ()))})"
            if PICKED_IDS in st.session_state
            else "List: hand-picked"
        )
    return f"List: {LIST_KINDS[kind].lower()}"


def _remembered(widget: str, memory: str, options: list[str], default: str | None) -> str | None:
    """The choice kept outside the widget (widget state is dropped on a page switch), at first from the address.

    It leads the widget on every run, as Review notes' quarter does (lib.ui.notes.choose).
    """
    state = st.session_state
    if state.get(memory) not in options:
        asked = st.query_params.get(widget)
        state[memory] = asked if asked in options else default
    if state[memory] is not None:
        state[widget] = state[memory]
    return state[memory]


def _remember(widget: str, memory: str) -> None:
    st.session_state[memory] = st.session_state[widget]


def _to_address(name: str, value: str | None) -> None:
    """The choice in the address, so that a reload or a shared link opens the same list."""
    if value:
        st.query_params[name] = value
    else:
        st.query_params.pop(name, None)


def _picked_accounts() -> tuple[str, ...]:
    """A search that adds accounts, and the accounts added (take one off by removing it)."""
    if PICKED_IDS not in st.session_state:  # a new session: the address says which
        asked = st.query_params.get(PICKED_PARAM) or ""
        st.session_state[PICKED_IDS] = tuple(dict.fromkeys(p.strip() for p in asked.split(",") if p.strip()))[:MAX_PICKED]
    account_search("walk", _add_account)
    picked = st.session_state[PICKED_IDS]
    st.session_state[PICKED_SHOWN] = list(picked)
    names = _names_of(picked)
    st.multiselect(
        "Hand-picked accounts, in this order",
        list(picked),
        key=PICKED_SHOWN,
        format_func=lambda external: names.get(external, external),
        on_change=_take_off,
        placeholder="Find accounts to add them",
    )
    _to_address(PICKED_PARAM, ",".join(picked))
    return picked


def _names_of(external_ids: tuple[str, ...]) -> dict[str, str]:
    accounts = portfolio().accounts
    found = accounts[accounts["external_id"].isin(external_ids)]
    return {e: f"{n} · {e}" for e, n in zip(found["external_id"], found["name"])}


def _add_account(account_id: int) -> None:
    accounts = portfolio().accounts
    external = accounts.loc[accounts["id"] == account_id, "external_id"]
    if external.empty:
        return
    picked = st.session_state.get(PICKED_IDS, ())
    if external.iloc[0] not in picked and len(picked) < MAX_PICKED:
        st.session_state[PICKED_IDS] = (*picked, str(external.iloc[0]))


def _take_off() -> None:
    st.session_state[PICKED_IDS] = tuple(st.session_state.get(PICKED_SHOWN) or ())


def current_position(walk: WalkList, filters: Filters) -> int:
    """Where the walkthrough stands in the list (1-based), written to the address."""
    state, owner = st.session_state, (filters, walk.choice)
    if POSITION not in state:  # a new session (a reload, a shared link): the address says where
        state[POSITION] = _number(st.query_params.get(POSITION_PARAM))
    elif state.get(POSITION_OF) != owner:  # another list: stay on the account shown if it is in it
        shown = state.get(ACCOUNT_SHOWN)
        state[POSITION] = walk.ids.index(shown) + 1 if shown in walk.ids else 1
    state[POSITION_OF] = owner
    state[POSITION] = min(max(int(state[POSITION]), 1), max(len(walk), 1))
    if walk.ids:
        state[ACCOUNT_SHOWN] = walk.ids[state[POSITION] - 1]
    st.query_params[POSITION_PARAM] = str(state[POSITION])
    return state[POSITION]


def _number(text: str | None) -> int:
    try:
        return int(text or 1)
    except ValueError:  # a hand-edited address: start at the beginning
        return 1


def _step(by: int, count: int) -> None:
    st.session_state[POSITION] = min(max(int(st.session_state.get(POSITION, 1)) + by, 1), count)


def stepper(walk: WalkList, position: int) -> None:
    """Previous, "7 of 23" and the list's name, Next; the arrow keys press the buttons."""
    count = len(walk)
    back_col, where_col, next_col = st.columns([1.3, 4, 1.3], vertical_alignment="center")
    back_col.button(
        "Previous",
        key="walk_prev",
        shortcut="Left",
        on_click=_step,
        args=(-1, count),
        disabled=position <= 1,
        width="stretch",
        help="The account before (← key)",
    )
    where_col.markdown(f"**{position} of {count}** · {plain(walk.title)}", width="stretch", text_alignment="center")
    next_col.button(
        "Next",
        key="walk_next",
        type="primary",
        shortcut="Right",
        on_click=_step,
        args=(1, count),
        disabled=position >= count,
        width="stretch",
        help="The next account (→ key)",
    )
