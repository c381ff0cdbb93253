"""Shareable views: a page's tabs kept in the address (?pf_tab=Accounts), so a link opens the tab that was open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from lib.ui.text import plain

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

SHOWN_URL_CHARS = 40  # of a value from the address quoted in a message
TAB_PARAMS: set[str] = set()  # the address parameters that name a page's open tab


def shared_tabs(labels: Sequence[str], key: str, **options: object) -> Sequence[DeltaGenerator]:
    """st.tabs bound to the address under its key; a tab the address names that is not here is said, not hidden."""
    TAB_PARAMS.add(key)
    asked = st.query_params.get(key)
    if asked and asked not in labels:  # an empty ?tab= names no tab: the first one opens, without a word
        st.warning(
            f"The address asks for a tab “{plain(asked[:SHOWN_URL_CHARS])}” that this page does not have: "
            f"showing “{plain(labels[0])}”.",
            icon=":material/link_off:",
        )
    return st.tabs(list(labels), key=key, bind="query-params", **options)
