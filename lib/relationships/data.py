"""Stakeholders and interactions of the whole portfolio as compact arrays, loaded once per data version.

Stakeholders are rows ordered by account (the portfolio's order: account id) and then by their own
id, with their level and role as codes into lib.relationships.vocabulary. Interactions keep only what
the metrics read: which stakeholder (a row of the stakeholders), which of our people (a code into
`people`) and the day, sorted by day, so any window is a slice found by binary search. Interactions
that name no stakeholder on record count for nobody (DESIGN.md) and are left out here.

At 100,000 accounts (the demo) that is 400,000 stakeholders and 800,000 interactions: read once per
data version from the database (about 3 s of CPU on SQLite), then kept as an .npz file beside the
portfolio arrays (lib.io.snapshot.cached_arrays), which loads in some 30 ms. Only interactions the
portfolio's quarters can look at are read (180 days before the first quarter's end to the last
quarter's end): with years of history, that is the database's work, not Python's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Case, Engine, Select, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from lib.core.fastread import read_frames
from lib.core.models import Interaction, Stakeholder
from lib.core.quarters import quarter_end
from lib.io.snapshot import cached_arrays
from lib.portfolio.data import PortfolioData
from lib.relationships.vocabulary import LEVELS, STAKEHOLDER_ROLES

EPOCH = dt.date(1970, 1, 1)
LONGEST_WINDOW_DAYS = 180  # the bus factor's window: the oldest interaction any quarter's metrics read
UNREADABLE_DAY = np.iinfo(np.int32).min
UNKNOWN = -1  # the code of a missing or unrecognised level or role
ARRAYS_KIND = "relationships2"  # the name of the array files; change the number when the arrays change


@dataclass(frozen=True, eq=False)
class RelationshipData:
    """The portfolio's stakeholders and interactions (see the module's docstring)."""

    account_ids: np.ndarray  # (accounts,) int64, ascending: the portfolio's account order
    stakeholder_ids: np.ndarray  # (stakeholders,) int64
    stakeholder_account: np.ndarray  # (stakeholders,) int64 row into account_ids, non-decreasing
    stakeholder_level: np.ndarray  # (stakeholders,) int8 code into LEVELS, UNKNOWN when none
    stakeholder_role: np.ndarray  # (stakeholders,) int8 code into STAKEHOLDER_ROLES, UNKNOWN when none
    interaction_stakeholder: np.ndarray  # (interactions,) int64 row into the stakeholders
    interaction_person: np.ndarray  # (interactions,) int32 code into people
    interaction_day: np.ndarray  # (interactions,) int32 days since 1970-01-01, ascending
    interaction_pair: np.ndarray  # (interactions,) int64 row into the pairs: who of ours met whom of theirs
    pair_stakeholder: np.ndarray  # (pairs,) int64 row into the stakeholders
    people: np.ndarray  # our people's names, str

    @property
    def account_count(self) -> int:
        return len(self.account_ids)


def day_number(day: dt.date) -> int:
    """A date as the day numbers the arrays hold."""
    return (day - EPOCH).days


def interaction_window(quarters: list[str]) -> tuple[dt.date, dt.date] | None:
    """The days any quarter of the portfolio can look at: 180 days before the first quarter's end to the last one's end."""
    if not quarters:
        return None
    return quarter_end(quarters[0]) - dt.timedelta(days=LONGEST_WINDOW_DAYS - 1), quarter_end(quarters[-1])


def _code(column: InstrumentedAttribute[str | None], words: tuple[str, ...]) -> Case[int]:
    """A column's value as its position in words (any case), UNKNOWN otherwise: computed by the database."""
    return case({word: i for i, word in enumerate(words)}, value=func.lower(column), else_=UNKNOWN)


def relationship_queries(window: tuple[dt.date, dt.date] | None) -> dict[str, Select]:
    """Stakeholders, and the interactions that name one, dated inside the window (values are bound parameters)."""
    people = select(
        Stakeholder.id,
        Stakeholder.account_id,
        _code(Stakeholder.level, LEVELS).label("level"),
        _code(Stakeholder.role, STAKEHOLDER_ROLES).label("role"),
    ).order_by(Stakeholder.account_id, Stakeholder.id)
    # Only who met whom when: the metrics count distinct people and stakeholders, so a meeting and a call
    # on one day need no DISTINCT (which costs the database a sort of every row).
    meetings = select(Interaction.stakeholder_id, Interaction.our_person, Interaction.date).where(
        Interaction.stakeholder_id.is_not(None)
    )
    if window is not None:
        meetings = meetings.where(Interaction.date >= window[0], Interaction.date <= window[1])
    return {"stakeholders": people, "interactions": meetings}


def load_relationships(engine: Engine, account_ids: np.ndarray, quarters: list[str] | None = None) -> RelationshipData:
    """Read the arrays for these accounts (ascending ids); only interactions the quarters' metrics can see when given."""
    window = interaction_window(quarters) if quarters is not None else None
    if window is not None and not _worth_filtering(engine, window):
        window = None
    frames = read_frames(engine, relationship_queries(window))
    return assemble(np.asarray(account_ids, dtype=np.int64), frames["stakeholders"], frames["interactions"])


def _worth_filtering(engine: Engine, window: tuple[dt.date, dt.date]) -> bool:
    """Whether the window leaves out most of the interactions' days (their first and last come from the date index).

    Reading a range through the index costs a lookup per row: at 100,000 accounts on SQLite, a window
    holding every row took 13 s through it against 7 s for reading the table straight through.
    """
    try:
        with engine.connect() as connection:
            first, last = connection.execute(select(func.min(Interaction.date), func.max(Interaction.date))).one()
    except ValueError:  # a date stored as unreadable text (written before the importer checked dates)
        return False
    if first is None or last is None:
        return False
    span = (last - first).days + 1
    inside = (min(last, window[1]) - max(first, window[0])).days + 1
    return max(inside, 0) < span / 2


def assemble(account_ids: np.ndarray, stakeholders: pd.DataFrame, interactions: pd.DataFrame) -> RelationshipData:
    """The arrays from the two query results (stakeholders ordered by account, as the query orders them)."""
    rows, on_record = _find(account_ids, stakeholders["account_id"].to_numpy(dtype=np.int64))
    if len(rows) > 1 and (np.diff(rows) < 0).any():  # the metrics group stakeholders by account
        order = np.argsort(rows, kind="stable")
        stakeholders, rows, on_record = stakeholders.iloc[order], rows[order], on_record[order]
    stake_ids = stakeholders["id"].to_numpy(dtype=np.int64)[on_record]
    level = stakeholders["level"].to_numpy(dtype=np.int64)[on_record].astype(np.int8)
    role = stakeholders["role"].to_numpy(dtype=np.int64)[on_record].astype(np.int8)

    by_id = np.argsort(stake_ids, kind="stable")
    at, known = _find(stake_ids[by_id], interactions["stakeholder_id"].to_numpy(dtype=np.int64))
    days = _days(interactions["date"])
    known &= days != UNREADABLE_DAY
    people_codes, people = pd.factorize(interactions["our_person"].to_numpy(dtype=object)[known])
    order = np.argsort(days[known], kind="stable")
    stakeholder_rows, person = by_id[at[known]][order], people_codes[order].astype(np.int32)
    pair, pair_stakeholder = pairs(stakeholder_rows, person, len(people))
    return RelationshipData(
        account_ids=account_ids,
        stakeholder_ids=stake_ids,
        stakeholder_account=rows[on_record],
        stakeholder_level=level,
        stakeholder_role=role,
        interaction_stakeholder=stakeholder_rows,
        interaction_person=person,
        interaction_day=days[known][order],
        interaction_pair=pair,
        pair_stakeholder=pair_stakeholder,
        people=np.asarray([str(p) for p in people], dtype=str),
    )


def pairs(stakeholder: np.ndarray, person: np.ndarray, people_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Number each distinct (stakeholder, person of ours) once: each interaction's pair, and each pair's stakeholder.

    Done once per data version, so "how many distinct people of ours met them in a window" is a
    bincount over the window's pairs, not a sort.
    """
    combined = stakeholder.astype(np.int64) * max(people_count, 1) + person
    distinct, pair = np.unique(combined, return_inverse=True)
    return pair.astype(np.int64).reshape(-1), distinct // max(people_count, 1)


def _find(sorted_ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each wanted id is in sorted_ids, and whether it is there at all."""
    if not len(sorted_ids):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1).astype(np.int64)
    return at, sorted_ids[at] == wanted


def _days(values: pd.Series) -> np.ndarray:
    """Dates (ISO text from SQLite, dates or timestamps from PostgreSQL) as day numbers; int32 min where unreadable."""
    parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
    days = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(parsed.isna().to_numpy(), UNREADABLE_DAY, days).astype(np.int32)


FIELDS = (
    "account_ids",
    "stakeholder_ids",
    "stakeholder_account",
    "stakeholder_level",
    "stakeholder_role",
    "interaction_stakeholder",
    "interaction_person",
    "interaction_day",
    "interaction_pair",
    "pair_stakeholder",
    "people",
)


def cached_relationships(
    engine: Engine, data: PortfolioData, facts_version: int, directory: Path | None = None
) -> RelationshipData:
    """The arrays of this data version, aligned with the portfolio's accounts: from their file, else read and saved."""

    def build() -> dict[str, np.ndarray]:
        loaded = load_relationships(engine, data.accounts["id"].to_numpy(dtype=np.int64), data.quarters)
        return {name: getattr(loaded, name) for name in FIELDS}

    arrays = cached_arrays(engine, facts_version, ARRAYS_KIND, build, directory)
    return RelationshipData(**{name: arrays[name] for name in FIELDS})
