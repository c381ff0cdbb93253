"""The stakeholder map of one account: their people as cards in a column per level (economic buyers and
champions first within each), the bus factor and single-threaded status in words, and a small table of
the same for Account 360.

Who needs attention stands out twice: in words on the card ("not met in 90 days", "economic buyer met
only by Zoe Hart") and in colour (an orange card for a person nobody met in 90 days, a red one for a key
person one of ours, or nobody, met in 180 days).
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from lib.core.db import FACTS
from lib.relationships.account import AccountRelationships
from lib.relationships.metrics import BUS_FACTOR_DAYS, MET_DAYS
from lib.relationships.vocabulary import LEVELS
from lib.ui.relationships.data import account_view
from lib.ui.store import versioned
from lib.ui.text import plain

STALE, ALERT = "#fff4e0", "#fdecea"  # backgrounds: not met in 90 days; a key person one of ours, or nobody, met
STANCE_CLASSES = {"supporter": "good", "neutral": "plain", "detractor": "bad", "unknown": "plain"}
# The whole map is one HTML block: drawn as Streamlit elements (five or six per card), a dozen cards
# made the page rerun several times slower than everything else on it.
_MAP_CSS = f"""
<style>
.rel-map {{ display: grid; grid-template-columns: repeat(var(--levels), minmax(0, 1fr)); gap: 0.75rem; }}
.rel-level h6 {{ margin: 0 0 0.4rem 0; padding: 0; font-size: 0.95rem; }}
.rel-none {{ color: #777; font-size: 0.85rem; }}
.rel-card {{ border: 1px solid #d5d8dc; border-radius: 0.5rem; padding: 0.5rem 0.65rem; margin-bottom: 0.5rem;
  font-size: 0.85rem; line-height: 1.4; }}
.rel-card.stale {{ background: {STALE}; border-color: #e6a23c; }}
.rel-card.alert {{ background: {ALERT}; border-color: #c0392b; }}
.rel-name {{ font-weight: 600; font-size: 0.95rem; }}
.rel-title {{ color: #444; }}
.rel-badges {{ margin: 0.25rem 0; }}
.rel-badge {{ display: inline-block; border-radius: 0.3rem; padding: 0 0.35rem; margin: 0 0.25rem 0.2rem 0;
  font-size: 0.8rem; background: #eef1f4; color: #444; }}
.rel-badge.role {{ background: #e3edf7; color: #1f4e79; }}
.rel-badge.good {{ background: #e3f4e8; color: #1e6b3a; }}
.rel-badge.bad {{ background: #fbe3e0; color: #a3281b; }}
.rel-detail {{ color: #555; }}
.rel-flag {{ font-weight: 600; margin-top: 0.2rem; }}
.rel-flag.alert {{ color: #a3281b; }}
.rel-flag.stale {{ color: #9a5b00; }}
.rel-map.large .rel-card {{ font-size: 1.05rem; }}
.rel-map.large .rel-name, .rel-map.large h6 {{ font-size: 1.2rem; }}
.rel-map.large .rel-badge {{ font-size: 1rem; }}
.rel-map.large .rel-detail {{ color: #222; }}
.rel-map.large .rel-none, .rel-map.large .rel-title {{ font-size: 1rem; color: #222; }}
</style>
"""


def _day(value: object) -> str:
    return "never" if value is None or pd.isna(value) else f"{value:%d %b %Y}"


def person_state(record: dict) -> str:
    """alert (a key person one of ours, or nobody, met in 180 days), stale (not met in 90 days) or ok: the card's colour."""
    if record["key"] and len(record["met_by"]) <= 1:
        return "alert"
    return "stale" if record["not_met_90d"] else "ok"


def flags(record: dict) -> list[tuple[str, str]]:
    """What to worry about, in words, each with its colour (alert or stale)."""
    found = []
    if record["single_link"]:
        found.append(("alert", f"⚠ {record['role']} met only by {record['met_by'][0]}"))
    if record["key"] and not record["met_by"]:
        found.append(("alert", f"⚠ {record['role']} nobody of ours met in {BUS_FACTOR_DAYS} days"))
    if record["not_met_90d"]:
        found.append(("stale", f"◷ not met in {MET_DAYS} days"))
    return found


def _card_html(record: dict) -> str:
    e = html.escape
    stance = record["stance"]
    role = (
        f'<span class="rel-badge role">{e(record["role"])}</span>' if record["role"] else '<span class="rel-badge">no role</span>'
    )
    stance_badge = f'<span class="rel-badge {STANCE_CLASSES.get(stance, "plain")}">{e("stance unknown" if stance == "unknown" else stance)}</span>'
    day = _day(record["last_interaction"])
    last = "never met" if day == "never" else f"last met {day}"
    owner = e(record["our_owner"]) if record["our_owner"] else "nobody"
    met = ", ".join(e(p) for p in record["met_by"]) or "nobody"
    title = f'<div class="rel-title">{e(record["title"])}</div>' if record["title"] else ""
    warnings = "".join(f'<div class="rel-flag {kind}">{e(text)}</div>' for kind, text in flags(record))
    return (
        f'<div class="rel-card {person_state(record)}" data-stakeholder="{int(record["id"])}">'
        f'<div class="rel-name">{e(record["name"])}</div>{title}<div class="rel-badges">{role}{stance_badge}</div>'
        f'<div class="rel-detail">Owner: {owner} · {last}<br>Met by ({BUS_FACTOR_DAYS} d): {met}</div>{warnings}</div>'
    )


def map_html(view: AccountRelationships, large: bool = False) -> str:
    """The map as one HTML block: a column per level (exec first), economic buyers and champions first in each."""
    records = view.stakeholders.to_dict("records")
    levels: list[str | None] = list(LEVELS) + ([None] if any(r["level"] is None for r in records) else [])
    columns = []
    for level in levels:
        chosen = [r for r in records if r["level"] == level]
        heading = "No level given" if level is None else level.capitalize()
        cards = (
            "".join(_card_html(r) for r in chosen) or f'<div class="rel-none">Nobody at {heading.lower()} level on record.</div>'
        )
        columns.append(f'<div class="rel-level"><h6>{heading} · {len(chosen)}</h6>{cards}</div>')
    size = " large" if large else ""
    return f'{_MAP_CSS}<div class="rel-map{size}" style="--levels: {len(levels)}">{"".join(columns)}</div>'


@versioned(FACTS, resource=True, max_entries=128)
def _map_html_for(account_id: int, quarter: str, large: bool) -> str:
    return map_html(account_view(account_id, quarter), large)


def stakeholder_map(view: AccountRelationships, large: bool = False) -> None:
    """Their people in a column per level; who needs attention says so and is coloured."""
    st.caption(MAP_LEGEND)
    if view.stakeholders.empty:
        st.info("No stakeholder on record for this account.", icon=":material/group_off:")
        return
    st.html(_map_html_for(view.account_id, view.quarter, large))


_STATUS_CSS = """
<style>
div[class*="st-key-rel_status_"] [data-testid="stMarkdownContainer"] p { font-size: 0.9rem; line-height: 1.35; }
</style>
"""


MAP_LEGEND = (
    f":red[**Red**]: an economic buyer or champion whom one of ours, or nobody, met in {BUS_FACTOR_DAYS} days · "
    f":orange[**orange**]: not met in {MET_DAYS} days."
)


def relationship_status(view: AccountRelationships) -> None:
    """The bus factor and whether the account is single-threaded, each with why, in two cards."""
    st.html(_STATUS_CSS)
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
    records = people.to_dict("records")
    return pd.DataFrame(
        {
            "name": people["name"],
            "level": people["level"],
            "role": people["role"],
            "stance": people["stance"],
            "our_owner": people["our_owner"],
            "last_interaction": people["last_interaction"],
            "met_by": [", ".join(p) for p in people["met_by"]],
            "flags": ["; ".join(text for _kind, text in flags(r)) for r in records],
            "state": [person_state(r) for r in records],
        }
    )


SMALL_MAP_COLUMNS = ("name", "level", "role", "stance", "our_owner", "last_interaction", "met_by", "flags")


def small_map(
    view: AccountRelationships, key: str, height: int | None = None, columns: tuple[str, ...] = SMALL_MAP_COLUMNS
) -> None:
    """The stakeholder map in small: a table, its rows coloured as the cards are."""
    frame = small_map_frame(view)
    if frame.empty:
        st.caption("No stakeholder on record.")
        return
    colors = {"alert": ALERT, "stale": STALE, "ok": ""}
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
        column_order=list(columns),
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
