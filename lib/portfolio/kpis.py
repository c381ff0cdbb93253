"""Portfolio KPIs exactly as DESIGN.md defines them, on the arrays of lib.portfolio.data.

A KPI whose denominator is empty is None ("n/a"), never 0 and never an exception.
Rates are fractions (0.87), NPS is a score from -100 to 100, money is in currency units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lib.core.quarters import shift_quarter
from lib.portfolio.data import Filters, PortfolioData
from lib.wallet.rules import counted_wallets

DEFAULT_GROSS_MARGIN = 1.0
MAX_LIFETIME_YEARS = 10.0


@dataclass(frozen=True)
class KpiValue:
    """One KPI with what it is made of: the answer to "why this number?"."""

    key: str
    label: str
    value: float | None
    unit: str  # money, count, rate, score
    formula: str
    inputs: dict[str, float | None] = field(default_factory=dict)
    higher_is_better: bool = True


KPI_ORDER = (
    "revenue",
    "active_accounts",
    "nrr",
    "grr",
    "logo_retention",
    "churn_rate",
    "expansion_rate",
    "accounts_expanding",
    "revenue_growth_existing",
    "cltv",
    "nps",
    "csat",
    "share_of_wallet",
    "top20_revenue_share",
)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None ("n/a") when the denominator is empty: never 0, never an exception."""
    return None if denominator == 0 else float(numerator) / float(denominator)


def round_money(x: float) -> float:
    """An amount of money as a KPI holds it: to the cent."""
    return round(float(x), 2)


def base_quarter(filters: Filters) -> str:
    return shift_quarter(filters.quarter, -filters.base_offset)


def _quarter_values(data: PortfolioData, matrix: np.ndarray, quarter: str, mask: np.ndarray) -> np.ndarray | None:
    column = data.column(quarter)
    return None if column is None else matrix[mask, column]


@dataclass(frozen=True)
class Cohort:
    """Accounts with revenue in the base quarter, with their base and current revenue."""

    base: np.ndarray
    now: np.ndarray
    positions: np.ndarray  # positions into data.accounts


def cohort(data: PortfolioData, filters: Filters, mask: np.ndarray) -> Cohort:
    rev_b = _quarter_values(data, data.revenue, base_quarter(filters), mask)
    rev_q = _quarter_values(data, data.revenue, filters.quarter, mask)
    positions = np.flatnonzero(mask)
    if rev_b is None:
        empty = np.zeros(0)
        return Cohort(empty, empty, positions[:0])
    rev_q = np.zeros_like(rev_b) if rev_q is None else rev_q
    member = rev_b > 0
    return Cohort(rev_b[member], rev_q[member], positions[member])


def portfolio_kpis(data: PortfolioData, filters: Filters, gross_margin: float = DEFAULT_GROSS_MARGIN) -> dict[str, KpiValue]:
    """Every portfolio KPI for the filters' quarter, keyed by its snake_case name."""
    mask = data.mask(filters)
    rev_q = _quarter_values(data, data.revenue, filters.quarter, mask)
    has_accounts = rev_q is not None and mask.any()
    rev_q = rev_q if rev_q is not None else np.zeros(0)
    group = cohort(data, filters, mask)
    base_revenue = group.base.sum()
    retained = int((group.now > 0).sum())
    logo_retention = ratio(retained, len(group.base))
    churn_rate = None if logo_retention is None else 1.0 - logo_retention
    nrr = ratio(group.now.sum(), base_revenue)
    active = int((rev_q > 0).sum())
    b = base_quarter(filters)
    kpis = [
        KpiValue(
            "revenue",
            "Revenue",
            round_money(rev_q.sum()) if has_accounts else None,
            "money",
            f"Sum of our recognised revenue in {filters.quarter} over the accounts in the filter.",
            {"accounts in the filter": int(mask.sum())},
        ),
        KpiValue(
            "active_accounts",
            "Active accounts",
            active if has_accounts else None,
            "count",
            f"Accounts with revenue above zero in {filters.quarter}.",
            {"accounts in the filter": int(mask.sum())},
        ),
        KpiValue(
            "nrr",
            "Net revenue retention",
            nrr,
            "rate",
            f"Revenue in {filters.quarter} of the cohort (accounts with revenue in {b}), divided by the cohort's revenue in {b}.",
            {
                "cohort accounts": len(group.base),
                f"cohort revenue {b}": round_money(base_revenue),
                f"cohort revenue {filters.quarter}": round_money(group.now.sum()),
            },
        ),
        KpiValue(
            "grr",
            "Gross revenue retention",
            ratio(np.minimum(group.now, group.base).sum(), base_revenue),
            "rate",
            f"Cohort revenue in {filters.quarter} with each account capped at its {b} revenue "
            f"(expansion ignored), divided by the cohort's revenue in {b}.",
            {
                "cohort accounts": len(group.base),
                f"cohort revenue {b}": round_money(base_revenue),
                "capped revenue now": round_money(np.minimum(group.now, group.base).sum()),
            },
        ),
        KpiValue(
            "logo_retention",
            "Logo retention",
            logo_retention,
            "rate",
            f"Share of the cohort's accounts (revenue in {b}) that still have revenue in {filters.quarter}.",
            {"cohort accounts": len(group.base), "still buying": retained},
        ),
        KpiValue(
            "churn_rate",
            "Churn rate",
            churn_rate,
            "rate",
            "One minus logo retention: the share of the cohort's accounts with no revenue now.",
            {"cohort accounts": len(group.base), "lost": len(group.base) - retained},
            higher_is_better=False,
        ),
        KpiValue(
            "expansion_rate",
            "Expansion rate",
            ratio(np.maximum(group.now - group.base, 0).sum(), base_revenue),
            "rate",
            f"Revenue gained by the cohort's growing accounts since {b}, divided by the cohort's revenue in {b}.",
            {
                f"cohort revenue {b}": round_money(base_revenue),
                "expansion": round_money(np.maximum(group.now - group.base, 0).sum()),
            },
        ),
        KpiValue(
            "accounts_expanding",
            "Accounts expanding",
            ratio(int((group.now > group.base).sum()), len(group.base)),
            "rate",
            f"Share of the cohort's accounts whose revenue in {filters.quarter} is above their {b} revenue.",
            {"cohort accounts": len(group.base), "expanding": int((group.now > group.base).sum())},
        ),
        KpiValue(
            "revenue_growth_existing",
            "Growth from existing clients",
            None if nrr is None else nrr - 1.0,
            "rate",
            "Net revenue retention minus one: how much the cohort's revenue grew (or shrank).",
            {"NRR": nrr},
        ),
        _cltv(data, filters, active, rev_q.sum(), churn_rate, gross_margin),
        _nps(data, filters.quarter, mask),
        _csat(data, filters.quarter, mask),
        _share_of_wallet(data, filters.quarter, mask),
        _top20_share(rev_q),
    ]
    return {k.key: k for k in kpis}


def _annual_churn(churn_rate: float | None, base_offset: int) -> float | None:
    """Logo churn over a year: as measured against Q-4, or compounded from a quarter against Q-1."""
    if churn_rate is None:
        return None
    return churn_rate if base_offset == 4 else 1.0 - (1.0 - churn_rate) ** 4


def _cltv(
    data: PortfolioData, filters: Filters, active: int, revenue: float, churn_rate: float | None, gross_margin: float
) -> KpiValue:
    annual_churn = _annual_churn(churn_rate, filters.base_offset)
    arpa = ratio(revenue * 4, active)
    if arpa is None or annual_churn is None:
        value = None
        lifetime = None
    else:
        lifetime = MAX_LIFETIME_YEARS if annual_churn == 0 else 1.0 / annual_churn
        value = round_money(arpa * gross_margin * lifetime)
    return KpiValue(
        "cltv",
        "Customer lifetime value",
        value,
        "money",
        "Annualised revenue per active account x gross margin / annual logo churn "
        f"(lifetime capped at {MAX_LIFETIME_YEARS:g} years when no logo churned).",
        {
            "annualised revenue per active account": None if arpa is None else round_money(arpa),
            "gross margin": gross_margin,
            "annual logo churn": annual_churn,
            "lifetime (years)": lifetime,
        },
    )


def _nps(data: PortfolioData, quarter: str, mask: np.ndarray) -> KpiValue:
    n = _sum(data, data.nps_responses, quarter, mask)
    promoters = _sum(data, data.nps_promoters, quarter, mask)
    detractors = _sum(data, data.nps_detractors, quarter, mask)
    value = None if n == 0 else round(100.0 * (promoters - detractors) / n, 1)
    return KpiValue(
        "nps",
        "NPS",
        value,
        "score",
        f"Percent of responses scoring 9-10 minus percent scoring 0-6, responses dated in {quarter}.",
        {"responses": int(n), "promoters (9-10)": int(promoters), "detractors (0-6)": int(detractors)},
    )


def _csat(data: PortfolioData, quarter: str, mask: np.ndarray) -> KpiValue:
    n = _sum(data, data.csat_responses, quarter, mask)
    satisfied = _sum(data, data.csat_satisfied, quarter, mask)
    return KpiValue(
        "csat",
        "CSAT",
        ratio(satisfied, n),
        "rate",
        f"Share of CSAT responses scoring 4 or 5 (of 5), dated in {quarter}.",
        {"responses": int(n), "satisfied (4-5)": int(satisfied)},
    )


def share_of_wallet_inputs(data: PortfolioData, quarter: str, mask: np.ndarray) -> tuple[float, float, int]:
    """(our revenue, wallet, accounts) over the accounts whose wallet estimate counts (lib.wallet.rules)."""
    column = data.column(quarter)
    if column is None:
        return 0.0, 0.0, 0
    revenue, wallet = data.revenue[mask, column], data.wallet[mask, column]
    counted = counted_wallets(revenue, wallet)
    return float(revenue[counted].sum()), float(wallet[counted].sum()), int(counted.sum())


def _share_of_wallet(data: PortfolioData, quarter: str, mask: np.ndarray) -> KpiValue:
    ours, wallet, accounts = share_of_wallet_inputs(data, quarter, mask)
    return KpiValue(
        "share_of_wallet",
        "Share of wallet",
        ratio(ours, wallet),
        "rate",
        f"Our revenue divided by the customers' total wallet in {quarter}, pooled over the accounts "
        "with a wallet estimate (accounts without one, or with an estimate of 0 or below our revenue, are left out).",
        {"our revenue": round_money(ours), "wallet": round_money(wallet), "accounts with a wallet": accounts},
    )


def top_accounts_count(active: int) -> int:
    return math.ceil(0.2 * active)


def _top20_share(rev_q: np.ndarray) -> KpiValue:
    active = rev_q[rev_q > 0]
    k = top_accounts_count(len(active))
    top = np.sort(active)[::-1][:k].sum() if k else 0.0
    return KpiValue(
        "top20_revenue_share",
        "Revenue concentration",
        ratio(top, active.sum()),
        "rate",
        "Share of revenue that comes from the top 20 % of active accounts (ceil(20 % x n)) by revenue.",
        {"active accounts": len(active), "top accounts": k, "their revenue": round_money(top)},
        higher_is_better=False,
    )


def _sum(data: PortfolioData, matrix: np.ndarray, quarter: str, mask: np.ndarray) -> float:
    values = _quarter_values(data, matrix, quarter, mask)
    return 0.0 if values is None else float(values.sum())


def kpis_json(data: PortfolioData, filters: Filters, gross_margin: float = DEFAULT_GROSS_MARGIN) -> dict:
    """The object `python -m lib kpis --format json` prints."""
    values = portfolio_kpis(data, filters, gross_margin)
    out: dict = {"quarter": filters.quarter, "base_quarter": base_quarter(filters)}
    out.update({key: values[key].value for key in KPI_ORDER})
    return out


def previous_filters(filters: Filters) -> Filters:
    return Filters(shift_quarter(filters.quarter, -1), filters.base_offset, filters.segments, filters.regions, filters.owners)
