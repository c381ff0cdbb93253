"""One account's relationships: the stakeholder map, the communication matrix, and the bus factor and
single-threaded status with the reason in words.

Two small queries by account id (index lookups), so an account costs the same in any portfolio. The
figures come from lib.relationships.metrics run on this account's own arrays, so they are exactly
what the portfolio view shows for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from lib.core.models import Interaction, Stakeholder
from lib.relationships.data import UNKNOWN, assemble
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
    rel = assemble(
        np.array([account_id], dtype=np.int64),
        people.assign(level=_codes(people["level"], LEVELS), role=_codes(people["role"], STAKEHOLDER_ROLES)),
        meetings[["stakeholder_id", "our_person", "date"]].drop_duplicates(),
    )
    metrics = relationship_metrics(rel, quarter)
    stakeholders = stakeholder_map(people, meetings, span)
    return AccountRelationships(
        account_id=account_id,
        quarter=quarter,
        as_of=span.as_of,
        stakeholders=stakeholders,
        matrix=communication_matrix(stakeholders, meetings, window, span),
        matrix_window=window,
        stakeholders_met_90d=int(metrics.stakeholders_met_90d[0]),
        exec_met_90d=bool(metrics.exec_met_90d[0]),
        economic_buyer_met_90d=bool(metrics.economic_buyer_met_90d[0]),
        single_threaded=bool(metrics.single_threaded[0]),
        bus_factor=int(metrics.bus_factor[0]),
        bus_factor_reason=bus_factor_reason(stakeholders, span),
        single_threaded_reason=single_threaded_reason(stakeholders, span),
    )


def _read(engine: Engine, account_id: int, last_day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The account's stakeholders, and its interactions naming one of them up to last_day."""
    with engine.connect() as connection:
        people = connection.execute(
            select(
                Stakeholder.id,
                Stakeholder.account_id,
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
    people_frame = pd.DataFrame(people, columns=["id", "account_id", "name", "title", "level", "role", "stance", "our_owner"])
    meeting_frame = pd.DataFrame(meetings, columns=["stakeholder_id", "our_person", "date"])
    meeting_frame["date"] = pd.to_datetime(meeting_frame["date"]).dt.date  # date objects whichever the driver
    return people_frame, meeting_frame


def _codes(values: pd.Series, words: tuple[str, ...]) -> np.ndarray:
    """Each value's position in words (any case), as lib.relationships.data codes them in SQL."""
    lookup = {word: i for i, word in enumerate(words)}
    return np.array([lookup.get(v.lower(), UNKNOWN) if isinstance(v, str) else UNKNOWN for v in values], dtype=np.int64)


def stakeholder_map(people: pd.DataFrame, meetings: pd.DataFrame, span: Windows) -> pd.DataFrame:
    """Each stakeholder with our owner, the last interaction, who of ours met them in 180 days and the flags."""
    up_to = meetings[meetings["date"] <= span.as_of]
    recent = up_to[up_to["date"] >= span.bus_factor_from]
    last = up_to.groupby("stakeholder_id")["date"].max()
    in_90 = up_to[up_to["date"] >= span.met_from].groupby("stakeholder_id").size()
    met_by = recent.groupby("stakeholder_id")["our_person"].agg(lambda names: sorted(set(names))).to_dict()
    frame = people.drop(columns="account_id").copy()
    frame["level"] = frame["level"].map(lambda v: v.lower() if isinstance(v, str) else v)
    frame["role"] = frame["role"].map(lambda v: v.lower() if isinstance(v, str) else v)
    frame["stance"] = frame["stance"].map(lambda v: v.lower() if isinstance(v, str) and v.strip() else UNKNOWN_STANCE)
    frame["key"] = frame["role"].isin(KEY_ROLES)
    frame["last_interaction"] = frame["id"].map(last).astype(object).where(frame["id"].isin(last.index), None)
    frame["met_by"] = [met_by.get(i, []) for i in frame["id"]]
    frame["interactions_90d"] = frame["id"].map(in_90).fillna(0).astype(np.int64)
    frame["not_met_90d"] = frame["interactions_90d"] == 0
    frame["single_link"] = frame["key"] & (frame["met_by"].map(len) == 1)
    frame["flags"] = [_flags(row) for row in frame.itertuples()]
    order = np.lexsort(
        (frame["name"].to_numpy(dtype=str), _rank(frame["role"], STAKEHOLDER_ROLES), _rank(frame["level"], LEVELS))
    )
    return frame.iloc[order][list(MAP_COLUMNS)].reset_index(drop=True)


def _rank(values: pd.Series, words: tuple[str, ...]) -> np.ndarray:
    """The order of the vocabulary, with anything else after it."""
    return values.map({word: i for i, word in enumerate(words)}).fillna(len(words)).to_numpy(dtype=np.int64)


def _flags(row) -> str:
    flags = []
    if row.not_met_90d:
        flags.append(f"not met in {MET_DAYS} days")
    if row.single_link:
        flags.append(f"{row.role} met only by {row.met_by[0]}")
    return "; ".join(flags)


def communication_matrix(
    stakeholders: pd.DataFrame, meetings: pd.DataFrame, window: tuple[dt.date, dt.date], span: Windows
) -> pd.DataFrame:
    """Interactions per our person (rows) and stakeholder (columns) in the window, empty rows and columns included.

    Rows: our people who own a stakeholder, met anyone in the 180 days to the quarter's end, or met
    anyone in the window; the busiest first. Columns: every stakeholder on record, in the map's order.
    """
    in_window = meetings[(meetings["date"] >= window[0]) & (meetings["date"] <= window[1])]
    recent = meetings[(meetings["date"] >= span.bus_factor_from) & (meetings["date"] <= span.as_of)]
    owners = [o for o in stakeholders["our_owner"].dropna() if str(o).strip()]
    rows = sorted(set(owners) | set(recent["our_person"]) | set(in_window["our_person"]))
    counts = in_window.groupby(["our_person", "stakeholder_id"]).size().unstack(fill_value=0)
    matrix = counts.reindex(index=rows, columns=stakeholders["id"], fill_value=0).astype(np.int64)
    matrix.index.name, matrix.columns = "our person", pd.Index(stakeholders["name"].tolist(), name="stakeholder")
    busiest = np.lexsort((np.array(rows, dtype=str), -matrix.sum(axis=1).to_numpy())) if rows else np.zeros(0, dtype=np.int64)
    return matrix.iloc[busiest]


def _role_label(role: str) -> str:
    return f"the {role}"


def _listed(parts: list[str], word: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def _day(day: dt.date, as_of: dt.date) -> str:
    """'4 April', with the year when it is not the as-of date's year."""
    return f"{day.day} {day:%B}" if day.year == as_of.year else f"{day.day} {day:%B %Y}"


def bus_factor_reason(stakeholders: pd.DataFrame, span: Windows) -> str:
    """Why the bus factor is what it is, in a sentence fragment ("only Zoe Hart has met Ana Marsh, the economic buyer, since 4 April")."""
    key = stakeholders[stakeholders["key"]]
    if key.empty:
        return "no economic buyer or champion on record"
    counts = key["met_by"].map(len)
    unmet = key[counts == 0]
    if not unmet.empty:
        people = [f"{row.name}, {_role_label(row.role)}" for row in unmet.itertuples()]
        return f"nobody of ours has met {_listed(people, 'or')}, in {BUS_FACTOR_DAYS} days"
    since = _day(span.bus_factor_from, span.as_of)
    fewest = int(counts.min())
    weakest = key[counts == fewest]
    if fewest == 1:
        links = [f"only {row.met_by[0]} has met {row.name}, {_role_label(row.role)}" for row in weakest.itertuples()]
        return f"{_listed(links)}, since {since}"
    first = next(weakest.itertuples())
    return (
        f"at least {fewest} of ours have met each key person since {since}; the fewest: "
        f"{first.name}, {_role_label(first.role)}, met by {_listed(first.met_by)}"
    )


def single_threaded_reason(stakeholders: pd.DataFrame, span: Windows) -> str:
    """Why the account is single-threaded or not ("only Ana Marsh was met in the 90 days to 30 September 2026")."""
    window = f"in the {MET_DAYS} days to {span.as_of.day} {span.as_of:%B %Y}"
    if stakeholders.empty:
        return "no stakeholder on record"
    met = stakeholders.loc[~stakeholders["not_met_90d"], "name"].tolist()
    if not met and len(stakeholders) == 1:
        return f"{stakeholders['name'].iloc[0]}, their only person on record, was not met {window}"
    if not met:
        return f"none of the {len(stakeholders)} people on record was met {window}"
    if len(met) == 1:
        return f"only {met[0]} was met {window}"
    shown = met if len(met) <= 5 else [*met[:4], f"{len(met) - 4} more"]
    return f"{len(met)} of their people were met {window}: {_listed(shown)}"
