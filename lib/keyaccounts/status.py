"""An account's key-account status: qualified, near miss or not, under the active approved criteria set.

The whole portfolio is qualified once per filter and data version (key_account_basis); one account's
status is then a lookup (key_account_status), or the reason there is none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from lib.core.db import FACTS, data_versions
from lib.keyaccounts.metrics import RELATIONSHIP_COLUMNS, account_metrics
from lib.keyaccounts.qualification import Qualification, qualify
from lib.keyaccounts.store import StoredCriteriaSet, active_criteria
from lib.portfolio.data import Filters, PortfolioData
from lib.relationships.data import RelationshipData, cached_relationships


@dataclass(frozen=True, eq=False)
class ActiveQualification:
    """Every account of the filter qualified under the active approved set, or why that cannot be (`problem`)."""

    problem: str = ""  # "no approved criteria set is active", "the active criteria set is invalid: ..."
    stored: StoredCriteriaSet | None = None
    metrics: pd.DataFrame | None = None
    result: Qualification | None = None


def qualify_under_active(
    engine: Engine, data: PortfolioData, filters: Filters, rel: RelationshipData | None = None
) -> ActiveQualification:
    """rel: the relationship arrays, for criteria on stakeholders_met_90d, exec_met_90d or bus_factor.

    Without them, criteria that use those metrics read this data version's arrays (their file), so no
    caller (the deck, the walkthrough) qualifies by n/a where the Key accounts page sees figures.
    """
    stored = active_criteria(engine)
    if stored is None:
        return ActiveQualification("no approved criteria set is active")
    if stored.criteria is None:
        return ActiveQualification(f"the active criteria set is invalid: {stored.problem}")
    if rel is None and any(rule.metric in RELATIONSHIP_COLUMNS for rule in stored.criteria.rules):
        rel = cached_relationships(engine, data, data_versions(engine)[FACTS])
    metrics = account_metrics(data, filters, rel)
    return ActiveQualification("", stored, metrics, qualify(metrics, stored.criteria))


@dataclass(frozen=True, eq=False)
class KeyAccountBasis:
    """The active criteria and every account's result under them, or why there is none."""

    available: bool
    message: str = ""
    criteria_name: str = ""
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    results: pd.DataFrame | None = None  # index: account id; score, qualified, near_miss


@dataclass(frozen=True)
class KeyAccountStatus:
    available: bool
    message: str = ""
    criteria_name: str = ""
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    score: float | None = None
    qualified: bool = False
    near_miss: bool = False

    @property
    def label(self) -> str:
        if not self.available:
            return "n/a"
        return "Key account" if self.qualified else "Near miss" if self.near_miss else "Not key"


def key_account_basis(
    engine: Engine, data: PortfolioData, filters: Filters, rel: RelationshipData | None = None
) -> KeyAccountBasis:
    """Qualify every account under the active criteria set (rel: for criteria on relationship metrics)."""
    active = qualify_under_active(engine, data, filters, rel)
    if active.problem:
        return KeyAccountBasis(False, active.problem)
    stored, metrics, result = active.stored, active.metrics, active.result
    results = pd.DataFrame(
        {
            "score": np.asarray(result.score, dtype=float),
            "qualified": np.asarray(result.qualified, dtype=bool),
            "near_miss": np.asarray(result.near_miss, dtype=bool),
        },
        index=pd.Index(metrics["id"].to_numpy(), name="id"),
    )
    return KeyAccountBasis(
        True,
        criteria_name=getattr(stored, "name", "") or "",
        approved_by=getattr(stored, "approved_by_name", None)
        or getattr(stored, "approved_by", None),  # the full name, as everywhere
        approved_at=getattr(stored, "approved_at", None),
        results=results,
    )


def key_account_status(basis: KeyAccountBasis, account_id: int) -> KeyAccountStatus:
    if not basis.available or basis.results is None:
        return KeyAccountStatus(False, basis.message or "criteria not available")
    common = {"criteria_name": basis.criteria_name, "approved_by": basis.approved_by, "approved_at": basis.approved_at}
    if account_id not in basis.results.index:
        return KeyAccountStatus(False, "the account is outside the current filters", **common)
    row = basis.results.loc[account_id]
    score = None if pd.isna(row["score"]) else float(row["score"])
    return KeyAccountStatus(True, "", score=score, qualified=bool(row["qualified"]), near_miss=bool(row["near_miss"]), **common)
