"""The portfolio as small arrays: SQL aggregates per account and quarter, loaded once per data version.

Every page filters and computes on these arrays, so a filter change or a criterion change never
queries the database again. Rows are accounts (aligned with `accounts`), columns are quarters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Case, Engine, Select, case, func, select

from lib.core.fastread import read_frames
from lib.core.models import Account, Revenue, Stakeholder, Survey
from lib.core.quarters import is_stored_quarter, quarter_range

WALLET_CONFIDENCES = ("low", "medium", "high")  # how sure a wallet estimate is (the revenue file's wallet_confidence)
CONFIDENCE_LEVELS = ("", *WALLET_CONFIDENCES)  # as codes: 0 = no wallet estimate
# What every page knows of an account, in this order (PortfolioData.accounts, Account 360's profile).
ACCOUNT_COLUMNS = (
    Account.id,
    Account.external_id,
    Account.name,
    Account.segment,
    Account.industry,
    Account.region,
    Account.owner,
    Account.customer_since,
    Account.churned_on,
    Account.strategic_fit,
)


@dataclass(frozen=True)
class Filters:
    """The global filters of the sidebar; empty tuples mean 'all'."""

    quarter: str
    base_offset: int = 4  # base quarter B = Q-4 (year over year) or Q-1
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class PortfolioData:
    quarters: list[str]
    accounts: pd.DataFrame  # one row per account, positional index 0..n-1
    revenue: np.ndarray  # (accounts, quarters), currency units
    wallet: np.ndarray  # (accounts, quarters), NaN where there is no estimate
    wallet_confidence: np.ndarray  # (accounts, quarters), index into CONFIDENCE_LEVELS
    nps_promoters: np.ndarray
    nps_detractors: np.ndarray
    nps_responses: np.ndarray
    csat_satisfied: np.ndarray
    csat_responses: np.ndarray
    stakeholder_count: np.ndarray  # (accounts,)
    data_as_of: dt.datetime | None = None
    _positions: dict[str, int] = field(default_factory=dict)
    _masks: dict[tuple, np.ndarray] = field(default_factory=dict)
    _choices: dict[str, list[str]] = field(default_factory=dict)

    def column(self, quarter: str) -> int | None:
        """The column of a quarter, or None when the data does not cover it."""
        if not self._positions:
            self._positions.update({q: i for i, q in enumerate(self.quarters)})
        return self._positions.get(quarter)

    @property
    def last_quarter(self) -> str | None:
        return self.quarters[-1] if self.quarters else None

    def mask(self, filters: Filters) -> np.ndarray:
        """Accounts inside the segment, region and owner filters (read-only; remembered per filter)."""
        key = (filters.segments, filters.regions, filters.owners)
        # Sessions share this cache and another one may clear it at any moment: once built, the mask
        # is returned from the local variable, never read back from the cache.
        keep = self._masks.get(key)
        if keep is None:
            keep = np.ones(len(self.accounts), dtype=bool)
            for column, chosen in zip(("segment", "region", "owner"), key):
                if chosen:
                    keep &= self.accounts[column].isin(chosen).to_numpy()
            keep.flags.writeable = False
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = keep
        return keep

    def choices(self, column: str) -> list[str]:
        """The distinct values of an account column, sorted (remembered: the sidebar asks on every rerun)."""
        found = self._choices.get(column)
        if found is None:
            found = sorted(v for v in self.accounts[column].dropna().unique().tolist() if v)
            self._choices[column] = found
        return list(found)


def portfolio_queries() -> dict[str, Select]:
    """The aggregates the portfolio arrays are built from, grouped by account and quarter in the database."""
    return {
        "accounts": select(*ACCOUNT_COLUMNS).order_by(Account.id),
        "revenue": select(
            Revenue.account_id,
            Revenue.quarter,
            func.sum(Revenue.revenue_cents).label("revenue"),
            func.sum(Revenue.wallet_cents).label("wallet"),
            func.max(_confidence_code()).label("confidence"),
        ).group_by(Revenue.account_id, Revenue.quarter),
        "surveys": select(
            Survey.account_id,
            Survey.quarter,
            Survey.kind,
            func.count().label("n"),
            func.sum(case((Survey.score >= 9, 1), else_=0)).label("promoters"),
            func.sum(case((Survey.score <= 6, 1), else_=0)).label("detractors"),
            func.sum(case((Survey.score >= 4, 1), else_=0)).label("satisfied"),
        ).group_by(Survey.account_id, Survey.quarter, Survey.kind),
        "stakeholders": select(Stakeholder.account_id, func.count().label("n")).group_by(Stakeholder.account_id),
    }


def load_portfolio(engine: Engine, data_as_of: dt.datetime | None = None) -> PortfolioData:
    """Read the aggregates into arrays (a million rows at 100,000 accounts: see lib.core.fastread)."""
    frames = read_frames(engine, portfolio_queries())
    return _assemble(frames["accounts"], frames["revenue"], frames["surveys"], frames["stakeholders"], data_as_of)


def _confidence_code() -> Case[int]:
    return case(
        (Revenue.wallet_confidence == "high", 3),
        (Revenue.wallet_confidence == "medium", 2),
        (Revenue.wallet_confidence == "low", 1),
        else_=0,
    )


def _assemble(
    accounts: pd.DataFrame,
    revenue_frame: pd.DataFrame,
    survey_frame: pd.DataFrame,
    stakeholder_frame: pd.DataFrame,
    data_as_of: dt.datetime | None,
) -> PortfolioData:
    accounts = _typed_accounts(accounts)
    ids = accounts["id"].to_numpy()  # sorted: the query orders by id
    nps = survey_frame[(survey_frame["kind"] == "NPS").to_numpy()]
    csat = survey_frame[(survey_frame["kind"] == "CSAT").to_numpy()]
    revenue_at, nps_at, csat_at = _locate(revenue_frame, ids), _locate(nps, ids), _locate(csat, ids)
    quarters = covered_quarters(set(revenue_at.quarters) | set(nps_at.quarters) | set(csat_at.quarters))
    shape = (len(accounts), len(quarters))
    position = {q: i for i, q in enumerate(quarters)}

    def matrix(frame: pd.DataFrame, at: _Cells, values: str, fill: float) -> np.ndarray:
        out = np.full(shape, fill, dtype=np.float64)
        if not frame.empty:
            # The trailing -1 is where factorize's code -1 (a missing quarter) points.
            columns = np.array([position.get(q, -1) for q in at.quarters] + [-1], dtype=np.int64)[at.codes]
            numbers = pd.to_numeric(frame[values], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            keep = at.known & (columns >= 0)
            out[at.rows[keep], columns[keep]] = np.where(np.isfinite(numbers[keep]), numbers[keep], fill)
        return out

    revenue = matrix(revenue_frame, revenue_at, "revenue", 0.0) / 100.0
    wallet = matrix(revenue_frame, revenue_at, "wallet", np.nan) / 100.0
    confidence = matrix(revenue_frame, revenue_at, "confidence", 0.0).astype(np.int8)
    stakeholders = np.zeros(len(accounts), dtype=np.int64)
    if not stakeholder_frame.empty:
        people = _locate_accounts(ids, stakeholder_frame["account_id"].to_numpy())
        stakeholders[people.rows[people.known]] = stakeholder_frame["n"].to_numpy()[people.known]
    return PortfolioData(
        quarters=quarters,
        accounts=accounts,
        revenue=revenue,
        wallet=wallet,
        wallet_confidence=confidence,
        nps_promoters=matrix(nps, nps_at, "promoters", 0.0),
        nps_detractors=matrix(nps, nps_at, "detractors", 0.0),
        nps_responses=matrix(nps, nps_at, "n", 0.0),
        csat_satisfied=matrix(csat, csat_at, "satisfied", 0.0),
        csat_responses=matrix(csat, csat_at, "n", 0.0),
        stakeholder_count=stakeholders,
        data_as_of=data_as_of,
    )


def covered_quarters(seen: set, today: dt.date | None = None) -> list[str]:
    """Every quarter from the first to the last one with data, leaving out stored values that are
    no quarter of the window (a row written before the importer checked it must not break a page)."""
    valid = [q for q in seen if is_stored_quarter(q, today)]
    return quarter_range(min(valid), max(valid)) if valid else []


@dataclass(frozen=True)
class _Rows:
    """Where each aggregate row's account is in the accounts, and whether it is there at all."""

    rows: np.ndarray
    known: np.ndarray


@dataclass(frozen=True)
class _Cells:
    """Where each row of an (account, quarter) aggregate goes: a row index and a quarter code."""

    rows: np.ndarray
    known: np.ndarray
    codes: np.ndarray
    quarters: list


def _locate_accounts(ids: np.ndarray, account_ids: np.ndarray) -> _Rows:
    rows = np.minimum(np.searchsorted(ids, account_ids), max(len(ids) - 1, 0))
    known = ids[rows] == account_ids if len(ids) else np.zeros(len(account_ids), dtype=bool)
    return _Rows(rows, known)


def _locate(frame: pd.DataFrame, ids: np.ndarray) -> _Cells:
    if frame.empty:
        return _Cells(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64), [])
    codes, quarters = pd.factorize(frame["quarter"])
    at = _locate_accounts(ids, frame["account_id"].to_numpy())
    return _Cells(at.rows, at.known, codes, list(quarters))


def _typed_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """The same column types whichever driver read them: dates as dates, fit as a nullable integer."""
    typed = accounts.reset_index(drop=True).copy()
    typed["id"] = typed["id"].astype(np.int64)  # PostgreSQL's integer arrives as int32 through Arrow
    for column in ("customer_since", "churned_on"):
        typed[column] = as_dates(typed[column])
    typed["strategic_fit"] = pd.to_numeric(typed["strategic_fit"], errors="coerce").astype("Int64")
    return typed


def as_dates(values: pd.Series) -> pd.Series:
    """Dates as datetime.date objects, None where missing (whatever the driver returned)."""
    parsed = pd.to_datetime(values, errors="coerce")
    return pd.Series(parsed.dt.date.astype(object), index=values.index).where(parsed.notna(), None)
