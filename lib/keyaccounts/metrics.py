"""The account-level frame key-account criteria read: one row per account, a column per metric.

It is built once per quarter and filter (`account_metrics`); lib.keyaccounts.qualification then scores
every account with a handful of numpy operations, so a criterion changed live in a meeting never
goes back to the database.

Metric definitions, for the quarter Q of the filters ("the last 4 quarters" = Q-3 .. Q):

| metric | unit | definition |
|---|---|---|
| annual_revenue | money | our revenue summed over the last 4 quarters |
| quarter_revenue | money | our revenue in Q |
| yoy_growth | rate | revenue in Q / revenue in Q-4 - 1; n/a when Q-4 had no revenue |
| wallet | money | the wallet estimate for Q; n/a without one |
| share_of_wallet | rate | revenue in Q / wallet in Q; n/a without a wallet, or with one of 0 or below our revenue (a data problem, as lib.wallet.rules counts wallets for every page) |
| whitespace | money | wallet in Q - revenue in Q, floored at 0; n/a without a wallet |
| nps | score | NPS (-100..100) of the responses dated in the last 4 quarters (one quarter is too few answers per account); n/a without any |
| csat | rate | share of CSAT responses scoring 4-5, dated in the last 4 quarters; n/a without any |
| strategic_fit | number | accounts.strategic_fit (1-5); n/a when not set |
| stakeholder_coverage | count | stakeholders on record for the account |
| tenure_years | years | from customer_since to the last day of Q, in years of 365.25 days; n/a when unknown or later |
| revenue_rank_pct | rank | 100 x r / n, r = the account's rank by annual revenue (1 = largest, ties share the better rank), n = accounts of the filter with annual revenue > 0; "top 20 %" is `revenue_rank_pct <= 20`; n/a without revenue |
| stakeholders_met_90d | count | distinct stakeholders with an interaction dated in the 90 days to the last day of Q (lib.relationships) |
| exec_met_90d | number | 1 when one of them is at level exec, else 0 |
| bus_factor | count | the fewest distinct people of ours who met one of the account's key people (economic buyer, champion) in the 180 days to the last day of Q; 0 when none is on record or one nobody met |

The three relationship metrics come from lib.relationships' arrays (`rel`); without them they are n/a.

n/a is NaN in the frame; a rule on a metric that is n/a fails (lib.keyaccounts.qualification).
Money is rounded to cents, so a threshold of exactly 1,000,000 is met by 1,000,000.00.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import format as fmt
from lib.core.quarters import quarter_end, shift_quarter
from lib.portfolio.data import Filters, PortfolioData
from lib.relationships.data import RelationshipData
from lib.relationships.portfolio import CRITERIA_METRICS, criteria_columns
from lib.wallet.rules import counted_wallets


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # in the users' words, for the editor
    short: str  # for column headers and "what it lacks"
    unit: str  # money, rate, score, number, count, years, rank
    definition: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("annual_revenue", "Annual revenue", "revenue", "money", "Our revenue over the last 4 quarters."),
        Metric("quarter_revenue", "Revenue in the quarter", "quarter revenue", "money", "Our revenue in the quarter."),
        Metric("yoy_growth", "YoY growth", "growth", "rate", "Revenue in the quarter against the same quarter a year before."),
        Metric("wallet", "Wallet", "wallet", "money", "The customer's estimated spend in our category in the quarter."),
        Metric("share_of_wallet", "Share of wallet", "share of wallet", "rate", "Our revenue / the wallet, in the quarter."),
        Metric("whitespace", "Whitespace", "whitespace", "money", "Wallet minus our revenue in the quarter, at least 0."),
        Metric("nps", "NPS", "NPS", "score", "NPS of the responses of the last 4 quarters (-100..100)."),
        Metric("csat", "CSAT", "CSAT", "rate", "Share of CSAT responses of 4-5 in the last 4 quarters."),
        Metric("strategic_fit", "Strategic fit", "fit", "number", "Strategic fit, 1 (low) to 5 (high)."),
        Metric("stakeholder_coverage", "Stakeholders", "stakeholders", "count", "Stakeholders on record."),
        Metric("tenure_years", "Tenure (years)", "tenure", "years", "Years since the account became a customer."),
        Metric(
            "revenue_rank_pct",
            "Top N % by revenue",
            "revenue rank",
            "rank",
            "Percentile rank by annual revenue (1 = the largest); 'top 20 %' is ≤ 20.",
        ),
        *(Metric(name, *described) for name, described in CRITERIA_METRICS.items()),
    )
}
RELATIONSHIP_COLUMNS = tuple(CRITERIA_METRICS)
METRIC_COLUMNS = tuple(METRICS)
ACCOUNT_COLUMNS = ("id", "external_id", "name", "segment", "region", "owner")


def format_value(value: float | None, unit: str, digits: int = 1) -> str:
    """A metric value in its own unit (via lib.core.format): '1.2 M', '5.0 %', '28', 'top 20 %', '3.5 years'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return fmt.NA
    value = float(value)
    if unit == "money":
        return fmt.money(value, digits)
    if unit == "rate":
        return fmt.rate(value, digits)
    if unit == "years":
        return f"{value:.{digits}f} years"
    if unit == "rank":
        return f"top {_trimmed(value, digits - 1)} %"
    return _trimmed(value, digits - 1)


def _trimmed(value: float, digits: int) -> str:
    return fmt.count(value) if digits <= 0 or float(value).is_integer() else f"{value:,.{digits}f}"


def account_metrics(data: PortfolioData, filters: Filters, rel: RelationshipData | None = None) -> pd.DataFrame:
    """One row per account of the filter (index = positions in data.accounts), the metric columns above.

    rel: the portfolio's stakeholders and interactions (lib.relationships.data); without them the
    relationship metrics are n/a, so a rule on one of them fails for every account.
    """
    positions = np.flatnonzero(data.mask(filters))
    n = len(positions)
    accounts = data.accounts.iloc[positions]
    frame = pd.DataFrame({c: accounts[c].to_numpy() for c in ACCOUNT_COLUMNS}, index=pd.Index(positions))
    q = data.column(filters.quarter)
    year = [c for c in (data.column(shift_quarter(filters.quarter, -k)) for k in range(4)) if c is not None]
    year_ago = data.column(shift_quarter(filters.quarter, -4))
    nan = np.full(n, np.nan)

    def quarter(matrix: np.ndarray, column: int | None, fill: float) -> np.ndarray:
        return matrix[positions, column] if column is not None else np.full(n, fill)

    def last_year(matrix: np.ndarray) -> np.ndarray:
        return matrix[positions][:, year].sum(axis=1) if year else np.zeros(n)

    revenue_q = quarter(data.revenue, q, 0.0)
    revenue_b = quarter(data.revenue, year_ago, 0.0)
    wallet = quarter(data.wallet, q, np.nan)
    annual = np.round(last_year(data.revenue), 2)
    nps_n, csat_n = last_year(data.nps_responses), last_year(data.csat_responses)
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = {
            "annual_revenue": annual,
            "quarter_revenue": np.round(revenue_q, 2),
            "yoy_growth": np.where(revenue_b > 0, revenue_q / revenue_b - 1.0, np.nan),
            "wallet": np.round(wallet, 2),
            "share_of_wallet": np.where(counted_wallets(revenue_q, wallet), revenue_q / wallet, np.nan),
            "whitespace": np.round(np.maximum(wallet - revenue_q, 0.0), 2),  # NaN wallet stays NaN
            "nps": np.where(nps_n > 0, 100.0 * (last_year(data.nps_promoters) - last_year(data.nps_detractors)) / nps_n, np.nan),
            "csat": np.where(csat_n > 0, last_year(data.csat_satisfied) / csat_n, np.nan),
            "strategic_fit": pd.to_numeric(accounts["strategic_fit"], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            ),
            "stakeholder_coverage": data.stakeholder_count[positions].astype(np.float64),
            "tenure_years": _tenure_years(accounts["customer_since"], quarter_end(filters.quarter)) if n else nan,
            "revenue_rank_pct": _rank_pct(annual),
            **_relationship_columns(data, rel, filters.quarter, positions),
        }
    for name in METRIC_COLUMNS:
        frame[name] = np.asarray(columns[name], dtype=np.float64)
    return frame


def _relationship_columns(
    data: PortfolioData, rel: RelationshipData | None, quarter: str, positions: np.ndarray
) -> dict[str, np.ndarray]:
    if rel is None:
        return {name: np.full(len(positions), np.nan) for name in RELATIONSHIP_COLUMNS}
    every_account = criteria_columns(data, rel, quarter)
    return {name: every_account[name].to_numpy()[positions] for name in RELATIONSHIP_COLUMNS}


def _tenure_years(customer_since: pd.Series, end: dt.date) -> np.ndarray:
    since = pd.to_datetime(customer_since, errors="coerce")
    days = (pd.Timestamp(end) - since).dt.days.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(days >= 0, days / 365.25, np.nan)


def _rank_pct(annual: np.ndarray) -> np.ndarray:
    ranked = annual > 0
    out = np.full(len(annual), np.nan)
    count = int(ranked.sum())
    if count:
        # rank 1 = the largest; ties share the better rank ("min"), so equal accounts qualify together
        rank = pd.Series(annual[ranked]).rank(ascending=False, method="min").to_numpy()
        out[ranked] = 100.0 * rank / count
    return out
