"""What the Portfolio page shows beyond the KPI cards: trends, breakdowns, the accounts table and
the accounts behind a KPI, all on the arrays of lib.portfolio.data and the KPI engine (lib.portfolio.kpis)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import DEFAULT_GROSS_MARGIN, KpiValue, base_quarter, portfolio_kpis, previous_filters, top_accounts_count
from lib.wallet.rules import counted_wallets


def kpi_trends(data: PortfolioData, filters: Filters) -> pd.DataFrame:
    """Revenue, NRR, GRR and NPS for every quarter of the data, under the same filters."""
    rows = []
    for quarter in data.quarters:
        values = portfolio_kpis(data, Filters(quarter, filters.base_offset, filters.segments, filters.regions, filters.owners))
        rows.append({"quarter": quarter, **{k: values[k].value for k in ("revenue", "nrr", "grr", "nps", "active_accounts")}})
    return pd.DataFrame(rows)


BREAKDOWN_COLUMNS = ("revenue", "revenue_share", "active_accounts", "nrr", "grr", "churn_rate", "logo_retention", "nps")


def breakdown(data: PortfolioData, filters: Filters, by: str) -> pd.DataFrame:
    """KPIs per segment, region or owner: revenue and its share, accounts, NRR, GRR, churn, logo retention, NPS."""
    mask = data.mask(filters)
    q, b = data.column(filters.quarter), data.column(base_quarter(filters))
    if q is None or not mask.any():
        return pd.DataFrame(columns=[by, *BREAKDOWN_COLUMNS])
    rev_q = data.revenue[mask, q]
    rev_b = data.revenue[mask, b] if b is not None else np.zeros_like(rev_q)
    in_cohort = rev_b > 0
    frame = pd.DataFrame(
        {
            by: data.accounts.loc[mask, by].fillna("(none)").to_numpy(),
            "revenue": rev_q,
            "active": rev_q > 0,
            "cohort_base": np.where(in_cohort, rev_b, 0.0),
            "cohort_now": np.where(in_cohort, rev_q, 0.0),
            "cohort_capped": np.where(in_cohort, np.minimum(rev_q, rev_b), 0.0),
            "cohort": in_cohort,
            "retained": in_cohort & (rev_q > 0),
            "nps_n": data.nps_responses[mask, q],
            "nps_net": data.nps_promoters[mask, q] - data.nps_detractors[mask, q],
        }
    )
    grouped = frame.groupby(by, sort=False).sum(numeric_only=True)
    total = grouped["revenue"].sum()
    result = pd.DataFrame(
        {
            "revenue": grouped["revenue"],
            "revenue_share": grouped["revenue"] / total if total else np.nan,
            "active_accounts": grouped["active"].astype(int),
            "nrr": grouped["cohort_now"] / grouped["cohort_base"].replace(0, np.nan),
            "grr": grouped["cohort_capped"] / grouped["cohort_base"].replace(0, np.nan),
            "logo_retention": grouped["retained"] / grouped["cohort"].replace(0, np.nan),
            "nps": 100.0 * grouped["nps_net"] / grouped["nps_n"].replace(0, np.nan),
        }
    )
    result["churn_rate"] = 1.0 - result["logo_retention"]
    return result[list(BREAKDOWN_COLUMNS)].sort_values("revenue", ascending=False).reset_index(names=by)


def account_table(data: PortfolioData, filters: Filters) -> pd.DataFrame:
    """One row per account in the filter: revenue now and in the base quarter, its movement, wallet, share, NPS, status.

    Share of wallet and whitespace are n/a where lib.wallet.rules leaves the wallet out, as on every page.
    """
    mask = data.mask(filters)
    q, b = data.column(filters.quarter), data.column(base_quarter(filters))
    accounts = data.accounts.loc[mask, ["id", "external_id", "name", "segment", "region", "owner"]]
    if q is None:
        return accounts.assign(revenue=np.nan).iloc[:0]
    rev_q = data.revenue[mask, q]
    rev_b = data.revenue[mask, b] if b is not None else np.full_like(rev_q, np.nan)
    wallet = data.wallet[mask, q]
    counted = counted_wallets(rev_q, wallet)
    nps_n = data.nps_responses[mask, q]
    with np.errstate(divide="ignore", invalid="ignore"):
        table = accounts.assign(
            revenue=rev_q,
            base_revenue=rev_b,
            change=np.where(rev_b > 0, rev_q / rev_b - 1.0, np.nan),
            movement=rev_q - rev_b,
            wallet=wallet,
            share_of_wallet=np.where(counted, rev_q / wallet, np.nan),
            whitespace=np.where(counted, np.clip(wallet - rev_q, 0, None), np.nan),
            nps=np.where(nps_n > 0, 100.0 * (data.nps_promoters[mask, q] - data.nps_detractors[mask, q]) / nps_n, np.nan),
            status=np.select([(rev_q > 0) & ~(rev_b > 0), rev_q > 0, rev_b > 0], ["new", "active", "lost"], "inactive"),
        )
    return table.sort_values("revenue", ascending=False).reset_index(drop=True)


def kpi_accounts(data: PortfolioData, filters: Filters, key: str, limit: int = 10) -> pd.DataFrame:
    """The accounts behind a KPI: the ones that move it most, in the quarter and filters shown.

    Each row keeps the account's `id` (shown hidden) so that selecting it opens Account 360.
    """
    table = account_table(data, filters)
    if table.empty:
        return table
    cohort_rows = table[table["base_revenue"] > 0]
    if key in ("nrr", "grr", "expansion_rate", "revenue_growth_existing", "accounts_expanding"):
        picked = cohort_rows.reindex(cohort_rows["movement"].abs().sort_values(ascending=False).index)
        return picked.head(limit)[["id", "name", "base_revenue", "revenue", "movement"]]
    if key in ("logo_retention", "churn_rate"):
        return cohort_rows[cohort_rows["revenue"] <= 0].head(limit)[["id", "name", "base_revenue", "revenue", "owner"]]
    if key in ("nps", "csat"):
        rated = table[table["nps"].notna()]
        return rated.sort_values("nps").head(limit)[["id", "name", "nps", "revenue"]]
    if key == "share_of_wallet":
        largest = table.sort_values("whitespace", ascending=False, na_position="last")
        return largest.head(limit)[["id", "name", "revenue", "wallet", "share_of_wallet"]]
    if key == "top20_revenue_share":
        active = table[table["revenue"] > 0]
        return active.head(min(limit, top_accounts_count(len(active))))[["id", "name", "revenue"]]
    return table.head(limit)[["id", "name", "revenue", "segment", "owner"]]


BREAKDOWNS = ("segment", "region", "owner")


@dataclass(frozen=True)
class PortfolioOverview:
    """Everything the Portfolio page shows for one set of filters (small: cached per filters)."""

    filters: Filters
    now: dict[str, KpiValue]
    before: dict[str, KpiValue]
    trends: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    accounts_in_filter: int


def portfolio_overview(data: PortfolioData, filters: Filters, gross_margin: float = DEFAULT_GROSS_MARGIN) -> PortfolioOverview:
    return PortfolioOverview(
        filters=filters,
        now=portfolio_kpis(data, filters, gross_margin),
        before=portfolio_kpis(data, previous_filters(filters), gross_margin),
        trends=kpi_trends(data, filters),
        breakdowns={by: breakdown(data, filters, by) for by in BREAKDOWNS},
        accounts_in_filter=int(data.mask(filters).sum()),
    )
