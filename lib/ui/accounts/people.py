"""Account 360's People tab: the account's stakeholder map in small (lib.ui.relationships.map), the latest
meetings beside it, and the way on to the Relationships page for the whole map and the matrix."""

from __future__ import annotations

import streamlit as st

from lib.accounts.account360 import AccountView
from lib.ui.navigation import RELATIONSHIPS_PAGE
from lib.ui.relationships.data import account_view as relationships_of
from lib.ui.relationships.map import small_map
from lib.ui.text import plain


def people_panel(view: AccountView, quarter: str) -> None:
    """The bus factor and threading in one line, the map in small beside the meetings, a link to Relationships."""
    rel = relationships_of(view.profile.id, quarter)
    threads = "single-threaded" if rel.single_threaded else "not single-threaded"
    line = f"Bus factor **{rel.bus_factor}** · {threads}: {plain(rel.bus_factor_reason)}; {plain(rel.single_threaded_reason)}."
    if rel.single_threaded or rel.bus_factor <= 1:
        st.warning(line, icon=":material/person_alert:")
    else:
        st.success(line, icon=":material/groups:")
    st.page_link(
        RELATIONSHIPS_PAGE,
        label="Open the stakeholder map and the communication matrix",
        icon=":material/groups:",
        query_params={"account": view.profile.external_id},
    )
    people_col, meetings_col = st.columns([3, 2])
    with people_col:
        small_map(rel, key="a360_stakeholders", height=300, columns=("name", "role", "last_interaction", "met_by", "flags"))
    meetings_col.dataframe(
        view.interactions,
        hide_index=True,
        width="stretch",
        height=300,
        key="a360_interactions",
        placeholder="—",
        column_config={
            "date": st.column_config.DateColumn("Date", width=95),
            "stakeholder": st.column_config.TextColumn("With", width=115),
            "our_person": st.column_config.TextColumn("Ours", width=115),
            "channel": st.column_config.TextColumn("Channel", width=75),
        },
    )
