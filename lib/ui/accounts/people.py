"""Account 360's People tab: the client's stakeholders with our last contact, and the latest meetings."""

from __future__ import annotations

import streamlit as st

from lib.accounts.account360 import AccountView
from lib.relationships.people import THREAD_WINDOW_DAYS


def people_panel(view: AccountView) -> None:
    """A warning when one person or nobody was met lately, then the stakeholders beside the meetings."""
    if view.single_threaded:
        st.warning(
            f"Single-threaded: in the {THREAD_WINDOW_DAYS} days to {view.as_of}, meetings touched {view.people_touched_90d} of "
            f"{len(view.stakeholders)} stakeholders.",
            icon=":material/person_alert:",
        )
    people_col, meetings_col = st.columns([5, 4])
    people_col.dataframe(
        view.stakeholders,
        hide_index=True,
        width="stretch",
        height=300,
        key="a360_stakeholders",
        column_order=["name", "title", "role", "last_contact", "contacts_90d"],
        placeholder="—",
        column_config={
            "name": st.column_config.TextColumn("Stakeholder"),
            "title": st.column_config.TextColumn("Title", width=110),
            "role": st.column_config.TextColumn("Role", width=110),
            "last_contact": st.column_config.DateColumn("Last contact", width=100),
            "contacts_90d": st.column_config.NumberColumn("90 d", width=50, help="Contacts in the 90 days to the quarter's end"),
        },
    )
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
