"""The review deck from the walkthrough: the chosen list as PPTX or PDF, a progress bar while it builds, then the download.

The deck is lib.review.deck's (the same as `python -m lib deck`); the file built is kept in the
session with what it was built from, so the download stays on offer until the list, the filters,
the format or the data change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.portfolio.data import Filters
from lib.review.content import request_from_filters
from lib.review.model import KEY as DECK_KEY_ACCOUNTS
from lib.review.model import MAX_ACCOUNT_SLIDES, DeckError, DeckRequest
from lib.review.walkthrough import KEY, WalkList
from lib.ui.errors import database_failed
from lib.ui.portfolio import portfolio
from lib.ui.store import engine, versions
from lib.ui.text import plain

if TYPE_CHECKING:
    from lib.review.deck import BuiltDeck

FORMATS = {"pptx": "PowerPoint (PPTX)", "pdf": "PDF"}
FORMAT = "walk_deck_format"
BUILT = "walk_deck_built"  # session: (what it was built from, BuiltDeck)


def deck_request(walk: WalkList, filters: Filters) -> DeckRequest:
    """The deck of the list: the key accounts as the deck names them, any other list by its account ids (the first 100)."""
    accounts = DECK_KEY_ACCOUNTS if walk.choice.kind == KEY else walk.external_ids[:MAX_ACCOUNT_SLIDES]
    return request_from_filters(filters, accounts)


def deck_button(walk: WalkList, filters: Filters) -> None:
    """A popover with the format, the build button, the progress while it builds, then the download."""
    with st.popover("Review deck", icon=":material/slideshow:", width="stretch", key="walk_deck"):
        fmt = st.segmented_control("Format", list(FORMATS), format_func=FORMATS.get, key=FORMAT, default="pptx", required=True)
        request = deck_request(walk, filters)
        source = (request, fmt, tuple(sorted(versions().items())))
        if len(walk) > MAX_ACCOUNT_SLIDES:
            st.caption(f"A deck holds {MAX_ACCOUNT_SLIDES} accounts: the first {MAX_ACCOUNT_SLIDES} of the {len(walk):,}.")
        if st.button(
            f"Build the {fmt.upper()}",
            key="walk_deck_build",
            type="primary",
            icon=":material/build:",
            disabled=not walk.ids,
            help=None if walk.ids else "The list holds no account.",
        ):
            built = _build(request, fmt)
            if built is not None:
                st.session_state[BUILT] = (source, built)
        kept = st.session_state.get(BUILT)
        if kept is not None and kept[0] == source:
            _offer(kept[1])


def _build(request: DeckRequest, fmt: str) -> BuiltDeck | None:
    from lib.review.deck import build_deck  # here: the slide writers and the chart renderer load when a deck is asked for

    bar = st.progress(0.0, text="Reading the portfolio")
    try:
        built = build_deck(
            engine(),
            request,
            fmt,
            progress=lambda done, what: bar.progress(min(max(done, 0.0), 1.0), text=what),
            data=portfolio(),
        )
    except DeckError as refused:
        bar.empty()
        st.error(f"No deck: {plain(refused)}", icon=":material/block:")
        return None
    except SQLAlchemyError as failed:
        bar.empty()
        st.error(f"No deck. {database_failed(failed)}", icon=":material/block:")
        return None
    bar.empty()
    return built


def _offer(built: BuiltDeck) -> None:
    """The download, and the charts the deck had to do without (its tables are in it all the same)."""
    st.success(f"{len(built.slide_titles)} slides ready.", icon=":material/check_circle:")
    if built.charts_left_out:
        st.warning(
            f"Built without {len(built.charts_left_out)} chart{'s' if len(built.charts_left_out) > 1 else ''}: "
            f"{plain(built.why_left_out)}. Left out: {plain(', '.join(built.charts_left_out))}. Their numbers are in the deck's tables.",
            icon=":material/image_not_supported:",
        )
    st.download_button(
        f"Download {built.file_name}",
        data=built.data,
        file_name=built.file_name,
        mime=built.media_type,
        key="walk_deck_download",
        icon=":material/download:",
        on_click="ignore",
        type="primary",
        width="stretch",
    )
