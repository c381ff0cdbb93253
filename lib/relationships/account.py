"""One account's relationships: the stakeholder map, the communication matrix, and the bus factor and
single-threaded status with the reason in words.

Two small queries by account id (index lookups), so an account costs the same in any portfolio; the
few rows are worked on in plain Python (pandas costs more than the work at this size) and become
frames at the end. The figures come from lib.relationships.metrics run on this account's own
arrays, so they are exactly what the portfolio view shows for it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from lib.core.models import Interaction, Stakeholder
from lib.relationships.data import UNKNOWN, RelationshipData, day_number, pairs
from lib.relationships.metrics import BUS_FACTOR_DAYS, MET_DAYS, Windows, relationship_metrics, windows
from lib.relationships.vocabulary import KEY_ROLES, LEVELS, STAKEHOLDER_ROLES

UNKNOWN_STANCE = "unknown"
MAP_COLUMNS = (
    "id",
    "name",
    "title",
    "level",
    "role",
    "stance",
    "our_owner",
    "key",
    "last_interaction",
    "met_by",
    "interactions_90d",
    "not_met_90d",
    "single_link",
    "flags",
)


@dataclass(frozen=True, eq=False)
class AccountRelationships:
    """Everything the Relationships page shows about one account for one quarter."""

    account_id: int
    quarter: str
    as_of: dt.date
    stakeholders: pd.DataFrame  # MAP_COLUMNS, by level, then role, then name
    matrix: pd.DataFrame  # our people (index) x their stakeholders (columns, as in the map): interactions in the window
    matrix_window: tuple[dt.date, dt.date]
    stakeholders_met_90d: int
    exec_met_90d: bool
    economic_buyer_met_90d: bool
    single_threaded: bool
    bus_factor: int
    bus_factor_reason: str
    single_threaded_reason: str


def account_relationships(
    engine: Engine, account_id: int, quarter: str, window: tuple[dt.date, dt.date] | None = None
) -> AccountRelationships:
    """The map, the matrix (interactions dated window[0] .. window[1]; default the 90 days to the quarter's end) and the figures."""
    span = windows(quarter)
    window = window or (span.met_from, span.as_of)
    if window[0] > window[1]:
        raise ValueError(f"the window starts ({window[0]}) after it ends ({window[1]})")
    people, meetings = _read(engine, account_id, max(span.as_of, window[1]))
    metrics = relationship_metrics(_arrays(account_id, people, meetings), quarter)
    records = _map_records(people, meetings, span)
    return AccountRelationships(
        account_id=account_id,
        quarter=quarter,
        as_of=span.as_of,
        stakeholders=pd.DataFrame(records, columns=list(MAP_COLUMNS)),
        matrix=_matrix(records, meetings, window, span),
        matrix_window=window,
        stakeholders_met_90d=int(metrics.stakeholders_met_90d[0]),
        exec_met_90d=bool(metrics.exec_met_90d[0]),
        economic_buyer_met_90d=bool(metrics.economic_buyer_met_90d[0]),
        single_threaded=bool(metrics.single_threaded[0]),
        bus_factor=int(metrics.bus_factor[0]),
        bus_factor_reason=_bus_factor_reason(records, span),
        single_threaded_reason=_single_threaded_reason(records, span),
    )


def _read(engine: Engine, account_id: int, last_day: dt.date) -> tuple[list, list[tuple[int, str, dt.date]]]:
    """The account's stakeholders, and its interactions naming one of them up to last_day (stakeholder id, our person, date)."""
    with engine.connect() as connection:
        people = connection.execute(
            select(
                Stakeholder.id,
                Stakeholder.name,
                Stakeholder.title,
                Stakeholder.level,
                Stakeholder.role,
                Stakeholder.stance,
                Stakeholder.our_owner,
            )
            .where(Stakeholder.account_id == account_id)
            .order_by(Stakeholder.id)
        ).all()
        meetings = connection.execute(
            select(Interaction.stakeholder_id, Interaction.our_person, Interaction.date).where(
                Interaction.account_id == account_id, Interaction.stakeholder_id.is_not(None), Interaction.date <= last_day
            )
        ).all()
    return people, [(int(s), str(p), _as_date(d)) for s, p, d in meetings]


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _word(value: object) -> str | None:
    """A level, role or stance as the vocabulary writes it (lower case), None when blank."""
    return value.strip().lower() or None if isinstance(value, str) else None


def _arrays(account_id: int, people: list, meetings: list[tuple[int, str, dt.date]]) -> RelationshipData:
    """This account's arrays, as lib.relationships.data lays out the portfolio's."""
    levels, roles = {w: i for i, w in enumerate(LEVELS)}, {w: i for i, w in enumerate(STAKEHOLDER_ROLES)}
    row_of = {person.id: row for row, person in enumerate(people)}
    distinct = sorted({(row_of[s], who, day) for s, who, day in meetings if s in row_of}, key=lambda m: (m[2], m[0], m[1]))
    codes: dict[str, int] = {}
    stakeholder = np.array([m[0] for m in distinct], dtype=np.int64)
    person = np.array([codes.setdefault(m[1], len(codes)) for m in distinct], dtype=np.int32)
    pair, pair_stakeholder = pairs(stakeholder, person, len(codes))
    return RelationshipData(
        account_ids=np.array([account_id], dtype=np.int64),
        stakeholder_ids=np.array([p.id for p in people], dtype=np.int64),
        stakeholder_account=np.zeros(len(people), dtype=np.int64),
        stakeholder_level=np.array([levels.get(_word(p.level), UNKNOWN) for p in people], dtype=np.int8),
        stakeholder_role=np.array([roles.get(_word(p.role), UNKNOWN) for p in people], dtype=np.int8),
        interaction_stakeholder=stakeholder,
        interaction_person=person,
        interaction_day=np.array([day_number(m[2]) for m in distinct], dtype=np.int32),
        interaction_pair=pair,
        pair_stakeholder=pair_stakeholder,
        people=np.array(list(codes), dtype=str),
    )


def _map_records(people: list, meetings: list[tuple[int, str, dt.date]], span: Windows) -> list[dict]:
    """Each stakeholder with our owner, the last interaction, who of ours met them in 180 days and the flags, in map order."""
    last: dict[int, dt.date] = {}
    in_90: Counter[int] = Counter()
    met_by: dict[int, set[str]] = {}
    for stakeholder, who, day in meetings:
        if day > span.as_of:
            continue
        last[stakeholder] = max(day, last.get(stakeholder, day))
        if day >= span.met_from:
            in_90[stakeholder] += 1
        if day >= span.bus_factor_from:
            met_by.setdefault(stakeholder, set()).add(who)
    records = []
    for person in people:
        role = _word(person.role)
        record = {
            "id": person.id,
            "name": person.name,
            "title": person.title,
            "level": _word(person.level),
            "role": role,
            "stance": _word(person.stance) or UNKNOWN_STANCE,
            "our_owner": person.our_owner,
            "key": role in KEY_ROLES,
            "last_interaction": last.get(person.id),
            "met_by": sorted(met_by.get(person.id, ())),
            "interactions_90d": in_90[person.id],
        }
        record["not_met_90d"] = record["interactions_90d"] == 0
        record["single_link"] = record["key"] and len(record["met_by"]) == 1
        record["flags"] = _flags(record)
        records.append(record)
    level_rank = {w: i for i, w in enumerate(LEVELS)}
    role_rank = {w: i for i, w in enumerate(STAKEHOLDER_ROLES)}
    return sorted(
        records,
        key=lambda r: (level_rank.get(r["level"], len(LEVELS)), role_rank.get(r["role"], len(STAKEHOLDER_ROLES)), r["name"]),
    )


def _flags(record: dict) -> str:
    flags = []
    if record["not_met_90d"]:
        flags.append(f"not met in {MET_DAYS} days")
    if record["single_link"]:
        flags.append(f"{record['role']} met only by {record['met_by'][0]}")
    return "; ".join(flags)


def _matrix(
    records: list[dict], meetings: list[tuple[int, str, dt.date]], window: tuple[dt.date, dt.date], span: Windows
) -> pd.DataFrame:
    """Interactions per our person (rows) and stakeholder (columns) in the window, empty rows and columns included.

    Rows: our people who own a stakeholder, met anyone in the 180 days to the quarter's end, or met
    anyone in the window; the busiest first. Columns: every stakeholder on record, in the map's order.
    """
    column_of = {record["id"]: i for i, record in enumerate(records)}
    counts = Counter((who, column_of[s]) for s, who, day in meetings if window[0] <= day <= window[1] and s in column_of)
    rows = {r["our_owner"] for r in records if isinstance(r["our_owner"], str) and r["our_owner"].strip()}
    rows |= {who for _s, who, day in meetings if span.bus_factor_from <= day <= span.as_of} | {who for who, _c in counts}
    cells = np.zeros((len(rows), len(records)), dtype=np.int64)
    row_of = {who: i for i, who in enumerate(sorted(rows))}
    for (who, column), count in counts.items():
        cells[row_of[who], column] = count
    order = sorted(row_of, key=lambda who: (-int(cells[row_of[who]].sum()), who))
    return pd.DataFrame(
        cells[[row_of[who] for who in order]] if order else cells,
        index=pd.Index(order, name="our person", dtype=object),
        columns=pd.Index([r["name"] for r in records], name="stakeholder", dtype=object),
    )


def _role_label(role: str) -> str:
    return f"the {role}"


def _listed(parts: list[str], word: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def _day(day: dt.date, as_of: dt.date) -> str:
    """'4 April', with the year when it is not the as-of date's year."""
    return f"{day.day} {day:%B}" if day.year == as_of.year else f"{day.day} {day:%B %Y}"


def _bus_factor_reason(records: list[dict], span: Windows) -> str:
    """Why the bus factor is what it is ("only Zoe Hart has met Ana Marsh, the economic buyer, since 4 April")."""
    key = [r for r in records if r["key"]]
    if not key:
        return "no economic buyer or champion on record"
    unmet = [f"{r['name']}, {_role_label(r['role'])}" for r in key if not r["met_by"]]
    if unmet:
        return f"nobody of ours has met {', or '.join(unmet)}, in {BUS_FACTOR_DAYS} days"
    since = _day(span.bus_factor_from, span.as_of)
    fewest = min(len(r["met_by"]) for r in key)
    weakest = [r for r in key if len(r["met_by"]) == fewest]
    if fewest == 1:
        theirs: dict[str, list[str]] = {}
        for r in weakest:
            theirs.setdefault(r["met_by"][0], []).append(f"{r['name']}, {_role_label(r['role'])}")
        links = [f"only {ours} has met {', and '.join(people)}" for ours, people in theirs.items()]
        return f"{', and '.join(links)}, since {since}"
    first = weakest[0]
    return (
        f"at least {fewest} of ours have met each key person since {since}; the fewest: "
        f"{first['name']}, {_role_label(first['role'])}, met by {_listed(first['met_by'])}"
    )


def _single_threaded_reason(records: list[dict], span: Windows) -> str:
    """Why the account is single-threaded or not ("only Ana Marsh was met in the 90 days to 30 September 2026")."""
    window = f"in the {MET_DAYS} days to {span.as_of.day} {span.as_of:%B %Y}"
    if not records:
        return "no stakeholder on record"
    met = [r["name"] for r in records if not r["not_met_90d"]]
    if not met and len(records) == 1:
        return f"{records[0]['name']}, their only person on record, was not met {window}"
    if not met:
        return f"none of the {len(records)} people on record was met {window}"
    if len(met) == 1:
        return f"only {met[0]} was met {window}"
    shown = met if len(met) <= 5 else [*met[:4], f"{len(met) - 4} more"]
    return f"{len(met)} of their people were met {window}: {_listed(shown)}"
