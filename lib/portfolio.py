"""The portfolio as small arrays: SQL aggregates per account and quarter, loaded once per data version.

Every page filters and computes on these arrays, so a filter change or a criterion change never
queries the database again. Rows are accounts (aligned with `accounts`), columns are quarters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, select

from lib.models import Account, Revenue, Stakeholder, Survey
from lib.quarters import quarter_index, quarter_range

CONFIDENCE_LEVELS = ("", "low", "medium", "high")  # code 0 = no wallet estimate


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

    def column(self, quarter: str) -> int | None:
        """The column of a quarter, or None when the data does not cover it."""
        if not self._positions:
            self._positions.update({q: i for i, q in enumerate(self.quarters)})
        return self._positions.get(quarter)

    @property
    def last_quarter(self) -> str | None:
        return self.quarters[-1] if self.quarters else None

    def mask(self, filters: Filters) -> np.ndarray:
        """Accounts inside the segment, region and owner filters."""
        keep = np.ones(len(self.accounts), dtype=bool)
        for column, chosen in (("segment", filters.segments), ("region", filters.regions), ("owner", filters.owners)):
            if chosen:
                keep &= self.accounts[column].isin(chosen).to_numpy()
        return keep

    def choices(self, column: str) -> list[str]:
        return sorted(v for v in self.accounts[column].dropna().unique().tolist() if v)


def load_portfolio(engine: Engine, data_as_of: dt.datetime | None = None) -> PortfolioData:
    """Read the aggregates (grouped by account and quarter in the database) into arrays."""
    with engine.connect() as connection:
        accounts = pd.DataFrame(
            connection.execute(
                select(
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
                ).order_by(Account.id)
            ).all(),
            columns=[
                "id",
                "external_id",
                "name",
                "segment",
                "industry",
                "region",
                "owner",
                "customer_since",
                "churned_on",
                "strategic_fit",
            ],
        )
        revenue_rows = connection.execute(
            select(
                Revenue.account_id,
                Revenue.quarter,
                func.sum(Revenue.revenue_cents),
                func.sum(Revenue.wallet_cents),
                func.max(_confidence_code()),
            ).group_by(Revenue.account_id, Revenue.quarter)
        ).all()
        survey_rows = connection.execute(
            select(
                Survey.account_id,
                Survey.quarter,
                Survey.kind,
                func.count(),
                func.sum(case((Survey.score >= 9, 1), else_=0)),
                func.sum(case((Survey.score <= 6, 1), else_=0)),
                func.sum(case((Survey.score >= 4, 1), else_=0)),
            ).group_by(Survey.account_id, Survey.quarter, Survey.kind)
        ).all()
        stakeholder_rows = connection.execute(select(Stakeholder.account_id, func.count()).group_by(Stakeholder.account_id)).all()
    return _assemble(accounts, revenue_rows, survey_rows, stakeholder_rows, data_as_of)


def _confidence_code():
    return case(
        (Revenue.wallet_confidence == "high", 3),
        (Revenue.wallet_confidence == "medium", 2),
        (Revenue.wallet_confidence == "low", 1),
        else_=0,
    )


def _assemble(accounts: pd.DataFrame, revenue_rows, survey_rows, stakeholder_rows, data_as_of) -> PortfolioData:
    position = pd.Series(np.arange(len(accounts)), index=accounts["id"].to_numpy())
    revenue_frame = pd.DataFrame(revenue_rows, columns=["account_id", "quarter", "revenue", "wallet", "confidence"])
    survey_frame = pd.DataFrame(
        survey_rows, columns=["account_id", "quarter", "kind", "n", "promoters", "detractors", "satisfied"]
    )
    seen = pd.concat([revenue_frame["quarter"], survey_frame["quarter"]]).dropna().unique().tolist()
    quarters = quarter_range(min(seen, key=quarter_index), max(seen, key=quarter_index)) if seen else []
    column_of = {q: i for i, q in enumerate(quarters)}
    shape = (len(accounts), len(quarters))

    def matrix(frame: pd.DataFrame, values: str, fill: float) -> np.ndarray:
        out = np.full(shape, fill, dtype=np.float64)
        if not frame.empty:
            rows = position.reindex(frame["account_id"].to_numpy()).to_numpy()
            cols = frame["quarter"].map(column_of).to_numpy()
            out[rows.astype(np.int64), cols.astype(np.int64)] = pd.to_numeric(frame[values]).to_numpy(dtype=np.float64)
        return out

    revenue = matrix(revenue_frame, "revenue", 0.0) / 100.0
    wallet = matrix(revenue_frame, "wallet", np.nan) / 100.0
    confidence = matrix(revenue_frame, "confidence", 0.0).astype(np.int8)
    nps = survey_frame[survey_frame["kind"] == "NPS"]
    csat = survey_frame[survey_frame["kind"] == "CSAT"]
    stakeholders = np.zeros(len(accounts), dtype=np.int64)
    for account_id, count in stakeholder_rows:
        stakeholders[position[account_id]] = count
    return PortfolioData(
        quarters=quarters,
        accounts=accounts.reset_index(drop=True),
        revenue=revenue,
        wallet=wallet,
        wallet_confidence=confidence,
        nps_promoters=matrix(nps, "promoters", 0.0),
        nps_detractors=matrix(nps, "detractors", 0.0),
        nps_responses=matrix(nps, "n", 0.0),
        csat_satisfied=matrix(csat, "satisfied", 0.0),
        csat_responses=matrix(csat, "n", 0.0),
        stakeholder_count=stakeholders,
        data_as_of=data_as_of,
    )
