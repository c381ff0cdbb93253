"""The stakeholder map of one account: their people as cards grouped by level (roles in order within
each), the bus factor and single-threaded status in words, and a small table of the same for Account 360.

Who needs attention stands out twice: in words on the card ("not met in 90 days", "economic buyer met
only by Zoe Hart") and in colour (an orange card for a person nobody met in 90 days, a red one for a key
person only one of ours knows).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.relationships.account import AccountRelationships
from lib.relationships.metrics import BUS_FACTOR_DAYS, MET_DAYS
from lib.relationships.vocabulary import LEVELS
from lib.ui.text import plain

STALE, SINGLE = "#fff4e0", "#fdecea"  # card backgrounds: not met in 90 days; a key person known by one of ours
STANCE_COLORS = {"supporter": "green", "neutral": "gray", "detractor": "red", "unknown": "gray"}
_MAP_CSS = f"""
<style>
div[class*="st-key-relp_stale_"] {{ background: {STALE}; border-color: #e6a23c !important; }}
div[class*="st-key-relp_single_"] {{ background: {SINGLE}; border-color: #c0392b !important; }}
div[class*="st-key-relp_"] {{ position: relative; gap: 0.3rem; }}
div[class*="st-key-relp_"] div[class*="st-key-rel_edit_"] {{ position: absolute; top: 0.2rem; right: 0.3rem; width: auto; z-index: 1; }}
div[class*="st-key-rel_status_"] [data-testid="stMarkdownContainer"] p {{ font-size: 0.9rem; line-height: 1.35; }}
</style>
"""


def _day(value: object) -> str:
    return "never" if value is None or pd.isna(value) else f"{value:%d %b %Y}"


def person_state(record: dict) -> str:
    """single (a key person only one of ours met), stale (not met in 90 days) or ok: the card's colour."""
    return "single" if record["single_link"] else "stale" if record["not_met_90d"] else "ok"


def _warnings(record: dict) -> list[str]:
    """The flags in words, each with its colour."""
    lines = []
    if record["single_link"]:
        lines.append(f":red[:material/person_alert: **{plain(record['role'])} met only by {plain(record['met_by'][0])}**]")
    if record["key"] and not record["met_by"]:
        lines.append(f":red[:material/person_off: **{plain(record['role'])} nobody of ours met in {BUS_FACTOR_DAYS} days**]")
    if record["not_met_90d"]:
        lines.append(f":orange[:material/schedule: **not met in {MET_DAYS} days**]")
    return lines


def _card(record: dict, edit: Callable[[int], None] | None) -> None:
    with st.container(border=True, key=f"relp_{person_state(record)}_{record['id']}"):
        if edit is not None:
            st.button(
                "",
                icon=":material/edit:",
                type="tertiary",
                key=f"rel_edit_{record['id']}",
                help=f"Edit {record['name']}",
                on_click=edit,
                args=(int(record["id"]),),
            )
        st.markdown(f"**{plain(record['name'])}**" + (f"  \n{plain(record['title'])}" if record["title"] else ""))
        stance = record["stance"]
        role = f":blue-badge[{plain(record['role'])}]" if record["role"] else ":gray-badge[no role]"
        stance_text = "stance unknown" if stance == "unknown" else stance
        st.markdown(f"{role} :{STANCE_COLORS.get(stance, 'gray')}-badge[{plain(stance_text)}]")
        owner = plain(record["our_owner"]) if record["our_owner"] else "nobody"
        met = ", ".join(plain(p) for p in record["met_by"]) or "nobody"
        day = _day(record["last_interaction"])
        last = "never met" if day == "never" else f"last met {day}"
        st.caption(f"Owner: {owner} · {last}  \nMet by ({BUS_FACTOR_DAYS} d): {met}")
        for line in _warnings(record):
            st.markdown(line)


def stakeholder_map(view: AccountRelationships, edit: Callable[[int], None] | None = None) -> None:
    """Their people in a column per level (exec first), economic buyers and champions first within each."""
    st.html(_MAP_CSS)
    st.caption(MAP_LEGEND)
    people = view.stakeholders
    if people.empty:
        st.info("No stakeholder on record for this account.", icon=":material/group_off:")
        return
    levels: list[str | None] = list(LEVELS) + ([None] if people["level"].isna().any() else [])
    for level, column in zip(levels, st.columns(len(levels), gap="small")):
        chosen = people[people["level"].isna()] if level is None else people[people["level"] == level]
        heading = "No level given" if level is None else level.capitalize()
        with column:
            st.markdown(f"**{heading}** · {len(chosen)}")
            if chosen.empty:
                st.caption(f"Nobody at {heading.lower()} level on record.")
            for record in chosen.to_dict("records"):
                _card(record, edit)


MAP_LEGEND = (
    f":red[**Red**]: an economic buyer or champion whom only one of ours, or nobody, met in {BUS_FACTOR_DAYS} days · "
    f":orange[**orange**]: not met in {MET_DAYS} days."
)


def relationship_status(view: AccountRelationships) -> None:
    """The bus factor and whether the account is single-threaded, each with why, in two cards."""
    bus, threads, met = st.columns([5, 5, 3])
    weak = view.bus_factor <= 1
    with bus.container(border=True, key="rel_status_bus"):
        st.metric("Bus factor", view.bus_factor, help=_BUS_FACTOR_HELP)
        color = "red" if weak else "green"
        st.markdown(f":{color}[{plain(_sentence(view.bus_factor_reason))}]")
    with threads.container(border=True, key="rel_status_threads"):
        st.metric("Single-threaded", "Yes" if view.single_threaded else "No", help=_SINGLE_HELP)
        color = "red" if view.single_threaded else "green"
        st.markdown(f":{color}[{plain(_sentence(view.single_threaded_reason))}]")
    with met.container(border=True, key="rel_status_met"):
        st.metric(f"Met in {MET_DAYS} days", f"{view.stakeholders_met_90d} of {len(view.stakeholders)}")
        st.caption(
            " · ".join(
                [
                    "exec met" if view.exec_met_90d else "no exec met",
                    "economic buyer met" if view.economic_buyer_met_90d else "no economic buyer met",
                ]
            )
        )


_BUS_FACTOR_HELP = (
    f"For each key person (economic buyer, champion), the people of ours who met them in the {BUS_FACTOR_DAYS} days to "
    "the quarter's end; the bus factor is the smallest count (0 without a key person, or with one nobody met). "
    "1 means one departure on our side leaves a key person with nobody of ours who knows them."
)
_SINGLE_HELP = f"Single-threaded: our interactions in the {MET_DAYS} days to the quarter's end touch one stakeholder or fewer."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def small_map_frame(view: AccountRelationships) -> pd.DataFrame:
    """The map as one row per person, for a table: who they are, who of ours knows them, and what to worry about."""
    people = view.stakeholders
    return pd.DataFrame(
        {
            "name": people["name"],
            "level": people["level"],
            "role": people["role"],
            "stance": people["stance"],
            "our_owner": people["our_owner"],
            "last_interaction": people["last_interaction"],
            "met_by": [", ".join(p) for p in people["met_by"]],
            "flags": people["flags"],
            "state": [person_state(r) for r in people.to_dict("records")],
        }
    )


def small_map(view: AccountRelationships, key: str, height: int | None = None) -> None:
    """The stakeholder map in small: a table, its rows coloured as the cards are."""
    frame = small_map_frame(view)
    if frame.empty:
        st.caption("No stakeholder on record.")
        return
    colors = {"single": SINGLE, "stale": STALE, "ok": ""}
    states = frame["state"].tolist()
    styled = frame.style.apply(
        lambda row: [f"background-color: {colors[states[row.name]]}" if colors[states[row.name]] else ""] * len(row), axis=1
    )
    st.dataframe(
        styled,
        key=key,
        hide_index=True,
        width="stretch",
        height=height or "auto",
        column_order=["name", "level", "role", "stance", "our_owner", "last_interaction", "met_by", "flags"],
        placeholder="—",
        column_config={
            "name": st.column_config.TextColumn("Stakeholder"),
            "level": st.column_config.TextColumn("Level", width=70),
            "role": st.column_config.TextColumn("Role", width=110),
            "stance": st.column_config.TextColumn("Stance", width=80),
            "our_owner": st.column_config.TextColumn("Our owner", width=100),
            "last_interaction": st.column_config.DateColumn("Last met", width=95),
            "met_by": st.column_config.TextColumn(f"Met by ({BUS_FACTOR_DAYS} d)"),
            "flags": st.column_config.TextColumn("Watch"),
        },
    )
