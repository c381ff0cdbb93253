"""One account's screen of the walkthrough: who it is, its cards, its trend, its people, its open items, its note.

The cards, the key-account badge and the profile line are Account 360's; the note's editor is Review
notes' own (lib.ui.notes.editor), with its conflict-safe save, so a note edited here is the same note.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.auth import Actor
from lib.review.walkthrough import AccountScreen, RelationshipHealth
from lib.ui.accounts.account360 import key_account_badge
from lib.ui.accounts.summary import CARDS, PROJECTOR_CARDS, profile_caption
from lib.ui.cards import kpi_cards
from lib.ui.notes.editor import note_editor
from lib.ui.notes.show import note_caption, show_markdown
from lib.ui.notes.state import can_edit
from lib.ui.text import plain

MAX_ITEMS_SHOWN = 6  # what fits beside the note; the rest are counted


def account_heading(screen: AccountScreen) -> None:
    """The account's name, its profile line and its key-account status with the score."""
    st.subheader(plain(screen.profile.name), anchor=False)
    st.caption(profile_caption(screen.profile))
    key_account_badge(screen.status)


def account_cards(screen: AccountScreen, large: bool) -> None:
    """Account 360's cards: each KPI in the quarter and its change against the quarter before."""
    shown = PROJECTOR_CARDS if large else CARDS
    kpi_cards(
        screen.kpis,
        screen.kpis_before,
        shown,
        None,
        per_row=len(shown),
        key_prefix="walk",
        compared_with=screen.previous_quarter,
        same_height=True,
    )


def relationship_panel(health: RelationshipHealth) -> None:
    """Stakeholders met in 90 days, the bus factor and single-threading, each said in words beside its mark."""
    with st.container(border=True, key="walk_relationships"):
        st.markdown("**Relationship health**")
        met_col, bus_col = st.columns(2)
        met_col.metric(
            "Met in 90 days",
            f"{health.stakeholders_met_90d} of {health.stakeholders_known}",
            help="Their people (of those on record) with an interaction in the 90 days to the quarter's end.",
        )
        bus_col.metric(
            "Bus factor",
            str(health.bus_factor),
            help="The fewest people of ours who met a key person (economic buyer or champion) in 180 days.",
        )
        thread = (
            ":orange-badge[:material/warning: Single-threaded]"
            if health.single_threaded
            else ":green-badge[:material/check: Multi-threaded]"
        )
        reach = [
            f":material/{'check' if health.exec_met_90d else 'close'}: executive {'met' if health.exec_met_90d else 'not met'}",
            f":material/{'check' if health.economic_buyer_met_90d else 'close'}: economic buyer "
            f"{'met' if health.economic_buyer_met_90d else 'not met'}",
        ]
        st.markdown(f"{thread} {' · '.join(reach)}")
        reason = health.single_threaded_reason
        st.caption(f"{plain(reason[:1].upper() + reason[1:])}. Bus factor: {plain(health.bus_factor_reason)}.")


def open_items_list(items: pd.DataFrame) -> None:
    """The account's open action items of every review, soonest due first; an overdue one says so in words."""
    st.markdown(f"**Open action items** ({len(items)})" if len(items) else "**Open action items**")
    if items.empty:
        st.caption("None open.")
        return
    lines = []
    for item in items.head(MAX_ITEMS_SHOWN).itertuples(index=False):
        due = f"due {item.due:%Y-%m-%d}" if pd.notna(item.due) else "no due date"
        late = f" · :red[:material/schedule: **{int(item.days_overdue)} days overdue**]" if pd.notna(item.days_overdue) else ""
        owner = f"{plain(item.owner)} · " if isinstance(item.owner, str) and item.owner else ""
        lines.append(f"- {plain(item.text)}  \n  :gray[{owner}{due} · {item.quarter} review]{late}")
    more = len(items) - MAX_ITEMS_SHOWN
    st.markdown("\n".join(lines) + (f"\n\n:gray[and {more} more: see Review notes]" if more > 0 else ""))


def note_panel(user: Actor, screen: AccountScreen, large: bool) -> None:
    """The quarter's note: editors edit it in place (saved as on Review notes), viewers read it."""
    profile = screen.profile
    if can_edit(user):
        note_editor(profile.id, profile.name, screen.quarter, height=180 if large else 160)
        return
    st.markdown(f"**Review note, {screen.quarter}**")
    with st.container(border=True, key="notes_walk_note"):  # "notes_": the note's headings sized as Review notes sizes them
        show_markdown(screen.note.body, empty=f"_No note for {screen.quarter} yet._")
    st.caption(note_caption(screen.note))
