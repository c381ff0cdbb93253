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
div[class*="st-key-relp_"] p {{ margin-bottom: 0.1rem; }}
div[class*="st-key-relp_"] [data-testid="stButton"] {{ position: absolute; top: 0.1rem; right: 0.1rem; width: auto; }}
div[class*="st-key-relp_"] {{ position: relative; }}
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
        title = f" · {plain(record['title'])}" if record["title"] else ""
        st.markdown(f"**{plain(record['name'])}**{title}")
        stance = record["stance"]
        role = f":blue-badge[{plain(record['role'])}]" if record["role"] else ":gray-badge[no role]"
        st.markdown(f"{role} :{STANCE_COLORS.get(stance, 'gray')}-badge[{plain(stance)}]")
        owner = plain(record["our_owner"]) if record["our_owner"] else "nobody"
        met = ", ".join(plain(p) for p in record["met_by"]) or "nobody"
        st.caption(f"Owner: {owner} · last met {_day(record['last_interaction'])}  \nMet by ({BUS_FACTOR_DAYS} d): {met}")
        for line in _warnings(record):
            st.markdown(line)


def stakeholder_map(view: AccountRelationships, edit: Callable[[int], None] | None = None, per_row: int = 4) -> None:
    """Their people, one row of cards per level (exec first), economic buyers and champions first within it."""
    st.html(_MAP_CSS)
    people = view.stakeholders
    if people.empty:
        st.info("No stakeholder on record for this account.", icon=":material/group_off:")
        return
    levels = [*LEVELS, None]
    for level in levels:
        chosen = people[people["level"].isna()] if level is None else people[people["level"] == level]
        if chosen.empty:
            continue
        heading = "No level given" if level is None else level.capitalize()
        st.markdown(f"**{heading}** · {len(chosen)} {'person' if len(chosen) == 1 else 'people'}")
        records = chosen.to_dict("records")
        for start in range(0, len(records), per_row):
            for column, record in zip(st.columns(per_row), records[start : start + per_row]):
                with column:
                    _card(record, edit)


def relationship_status(view: AccountRelationships) -> None:
    """The bus factor and whether the account is single-threaded, each with why, in two cards."""
    bus, threads, met = st.columns([2, 2, 1])
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
