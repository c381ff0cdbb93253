"""The relationship metrics of DESIGN.md ("Relationships") for every account at once.

For quarter Q, as_of = the last day of Q; "in 90 days" = dated as_of - 89 .. as_of, "in 180 days" =
as_of - 179 .. as_of; an interaction counts for the stakeholder it names.

| metric | definition |
|---|---|
| stakeholders_known | stakeholders on record for the account |
| stakeholders_met_90d | distinct stakeholders with an interaction in 90 days |
| exec_met_90d | one of them is at level exec |
| economic_buyer_met_90d | one of them has the role economic buyer |
| single_threaded | stakeholders_met_90d <= 1 |
| bus_factor | key people = economic buyer or champion; per key person the distinct people of ours who met them in 180 days; the smallest count, 0 when no key person is on record or one nobody of ours met |

Every figure is a handful of numpy operations over lib.relationships.data's arrays: the interactions
are sorted by day, so a window is a slice, and stakeholders are grouped by account, so "per account"
is a bincount or a reduceat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from lib.core.quarters import quarter_end
from lib.relationships.data import RelationshipData, day_number
from lib.relationships.vocabulary import KEY_ROLES, LEVELS, STAKEHOLDER_ROLES

MET_DAYS = 90
BUS_FACTOR_DAYS = 180
EXEC = LEVELS.index("exec")
ECONOMIC_BUYER = STAKEHOLDER_ROLES.index("economic buyer")
# Indexed by a role code, UNKNOWN (-1) included: the last entry, False.
_IS_KEY_ROLE = np.array([role in KEY_ROLES for role in STAKEHOLDER_ROLES] + [False])
METRIC_NAMES = (
    "stakeholders_known",
    "stakeholders_met_90d",
    "exec_met_90d",
    "economic_buyer_met_90d",
    "single_threaded",
    "bus_factor",
)


@dataclass(frozen=True)
class Windows:
    """The days a quarter's metrics look at, both ends included."""

    as_of: dt.date
    met_from: dt.date  # as_of - 89
    bus_factor_from: dt.date  # as_of - 179


def windows(quarter: str) -> Windows:
    as_of = quarter_end(quarter)
    return Windows(as_of, as_of - dt.timedelta(days=MET_DAYS - 1), as_of - dt.timedelta(days=BUS_FACTOR_DAYS - 1))


@dataclass(frozen=True, eq=False)
class RelationshipMetrics:
    """The metrics of one quarter, one value per account (in the order of the accounts they were computed for)."""

    quarter: str
    as_of: dt.date
    stakeholders_known: np.ndarray  # int64
    stakeholders_met_90d: np.ndarray  # int64
    exec_met_90d: np.ndarray  # bool
    economic_buyer_met_90d: np.ndarray  # bool
    single_threaded: np.ndarray  # bool
    bus_factor: np.ndarray  # int64


def is_key_person(rel: RelationshipData) -> np.ndarray:
    """Per stakeholder: economic buyer or champion."""
    return _IS_KEY_ROLE[rel.stakeholder_role]


def day_slice(rel: RelationshipData, first: dt.date, last: dt.date) -> slice:
    """The interactions dated first .. last (both included), as a slice of the day-sorted arrays."""
    days = rel.interaction_day
    return slice(
        int(np.searchsorted(days, day_number(first), side="left")), int(np.searchsorted(days, day_number(last), side="right"))
    )


def met_stakeholders(rel: RelationshipData, first: dt.date, last: dt.date) -> np.ndarray:
    """Per stakeholder: whether anyone of ours met them in first .. last."""
    met = np.zeros(len(rel.stakeholder_ids), dtype=bool)
    met[rel.interaction_stakeholder[day_slice(rel, first, last)]] = True
    return met


def people_who_met(rel: RelationshipData, first: dt.date, last: dt.date) -> np.ndarray:
    """Per stakeholder: how many distinct people of ours met them in first .. last."""
    seen = np.zeros(len(rel.pair_stakeholder), dtype=bool)
    seen[rel.interaction_pair[day_slice(rel, first, last)]] = True
    return np.bincount(rel.pair_stakeholder[seen], minlength=len(rel.stakeholder_ids)).astype(np.int64)


def relationship_metrics(rel: RelationshipData, quarter: str) -> RelationshipMetrics:
    """Every account's metrics for the quarter, in the order of rel.account_ids."""
    span = windows(quarter)
    accounts = rel.account_count
    owner = rel.stakeholder_account
    met = met_stakeholders(rel, span.met_from, span.as_of)
    met_90d = np.bincount(owner[met], minlength=accounts).astype(np.int64)
    exec_met = np.bincount(owner[met & (rel.stakeholder_level == EXEC)], minlength=accounts) > 0
    buyer_met = np.bincount(owner[met & (rel.stakeholder_role == ECONOMIC_BUYER)], minlength=accounts) > 0
    return RelationshipMetrics(
        quarter=quarter,
        as_of=span.as_of,
        stakeholders_known=np.bincount(owner, minlength=accounts).astype(np.int64),
        stakeholders_met_90d=met_90d,
        exec_met_90d=exec_met,
        economic_buyer_met_90d=buyer_met,
        single_threaded=met_90d <= 1,
        bus_factor=_bus_factor(rel, span),
    )


def _bus_factor(rel: RelationshipData, span: Windows) -> np.ndarray:
    """Per account, the fewest distinct people of ours who met one of its key people in 180 days (0 without any)."""
    key = is_key_person(rel)
    met_by = people_who_met(rel, span.bus_factor_from, span.as_of)
    key_rows = np.flatnonzero(key)  # in account order: stakeholders are grouped by account
    bus_factor = np.zeros(rel.account_count, dtype=np.int64)
    if len(key_rows):
        accounts = rel.stakeholder_account[key_rows]
        starts = np.flatnonzero(np.r_[True, accounts[1:] != accounts[:-1]])
        bus_factor[accounts[starts]] = np.minimum.reduceat(met_by[key_rows], starts)
    return bus_factor


def aligned(metrics: RelationshipMetrics, computed_for: np.ndarray, account_ids: np.ndarray) -> RelationshipMetrics:
    """The metrics in the order of account_ids (an account missing from computed_for has none of anything)."""
    if np.array_equal(computed_for, account_ids):
        return metrics
    at = np.minimum(np.searchsorted(computed_for, account_ids), max(len(computed_for) - 1, 0))
    known = computed_for[at] == account_ids if len(computed_for) else np.zeros(len(account_ids), dtype=bool)
    columns = {}
    for name in METRIC_NAMES:
        values = getattr(metrics, name)
        column = np.zeros(len(account_ids), dtype=values.dtype)
        column[known] = values[at[known]]
        columns[name] = column
    columns["single_threaded"] = columns["stakeholders_met_90d"] <= 1
    return RelationshipMetrics(metrics.quarter, metrics.as_of, **columns)
