"""Relationships across the portfolio: the per-account table, the cards and their change, the command
line's JSON and the columns key-account criteria can use.

Everything is aligned with lib.portfolio.data's accounts (rows = positions in `data.accounts`).
Shares are over the active accounts of the filter (revenue above zero in the quarter), as DESIGN.md
defines single_threaded_share; an empty denominator is None ("n/a").

Key accounts are whatever the caller says they are (the active approved criteria set's qualified
accounts, say): a boolean array aligned with the accounts, or a collection of account ids
(accounts.id). None means no key-account set is known, and the key cards are n/a.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import KpiValue, previous_filters
from lib.relationships.data import RelationshipData
from lib.relationships.metrics import METRIC_NAMES, RelationshipMetrics, aligned, relationship_metrics

KeyAccounts = np.ndarray | Collection[int] | None
CARD_ORDER = ("single_threaded_share", "key_single_threaded_share", "key_bus_factor_at_most_1")
RISKS = ("low", "medium", "high")  # high: single-threaded and bus factor 0 or 1; medium: one of the two
TABLE_COLUMNS = ("account_id", "name", "segment", "region", "owner", "key", "revenue", *METRIC_NAMES, "risk")
# Metrics key-account criteria can use: name -> (label, short, unit, definition), as lib.keyaccounts.qualification.Metric.
CRITERIA_METRICS = {
    "stakeholders_met_90d": (
        "Stakeholders met (90 days)",
        "stakeholders met",
        "count",
        "Their people we had an interaction with in the 90 days to the end of the quarter.",
    ),
    "exec_met_90d": (
        "Executive met (90 days)",
        "exec met",
        "number",
        "1 when one of their executives was met in the 90 days to the end of the quarter, else 0.",
    ),
    "bus_factor": (
        "Bus factor",
        "bus factor",
        "count",
        "The fewest people of ours who met one of their key people (economic buyer, champion) in 180 days; "
        "0 when none is on record or one nobody met.",
    ),
}


def portfolio_metrics(data: PortfolioData, rel: RelationshipData, quarter: str) -> RelationshipMetrics:
    """The quarter's metrics in the order of the portfolio's accounts."""
    return aligned(relationship_metrics(rel, quarter), rel.account_ids, data.accounts["id"].to_numpy(dtype=np.int64))


def active_accounts(data: PortfolioData, filters: Filters) -> np.ndarray:
    """Accounts of the filter with revenue above zero in its quarter."""
    column = data.column(filters.quarter)
    if column is None:
        return np.zeros(len(data.accounts), dtype=bool)
    return data.mask(filters) & (data.revenue[:, column] > 0)


def key_mask(data: PortfolioData, key: KeyAccounts) -> np.ndarray | None:
    """The key accounts as a boolean array aligned with the accounts (None stays None)."""
    if key is None:
        return None
    if isinstance(key, np.ndarray) and key.dtype == bool:
        if len(key) != len(data.accounts):
            raise ValueError(f"a key-account mask needs one value per account ({len(data.accounts)}), not {len(key)}")
        return key
    return data.accounts["id"].isin([int(i) for i in key]).to_numpy()


def single_threaded_share(metrics: RelationshipMetrics, active: np.ndarray) -> float | None:
    """Share of the active accounts that are single-threaded (None without any active account)."""
    count = int(active.sum())
    return None if count == 0 else float(metrics.single_threaded[active].sum()) / count


def relationship_cards(
    data: PortfolioData,
    rel: RelationshipData,
    filters: Filters,
    key: KeyAccounts = None,
    metrics: RelationshipMetrics | None = None,
) -> dict[str, KpiValue]:
    """The three cards of the Relationships page for the filters' quarter, with what makes each one."""
    metrics = metrics or portfolio_metrics(data, rel, filters.quarter)
    active = active_accounts(data, filters)
    keys = key_mask(data, key)
    q = filters.quarter
    window = f"the 90 days to {metrics.as_of:%d %B %Y}"
    cards = [
        KpiValue(
            "single_threaded_share",
            "Single-threaded accounts",
            single_threaded_share(metrics, active),
            "rate",
            f"Active accounts in the filter (revenue above zero in {q}) whose interactions in {window} touch one "
            "stakeholder or fewer, divided by the active accounts.",
            {"active accounts": int(active.sum()), "single-threaded": int(metrics.single_threaded[active].sum())},
            higher_is_better=False,
        )
    ]
    no_set = " No approved key-account criteria are active, so there are no key accounts." if keys is None else ""
    active_keys = active & keys if keys is not None else np.zeros_like(active)
    bus = metrics.bus_factor[active_keys]
    cards += [
        KpiValue(
            "key_single_threaded_share",
            "Single-threaded key accounts",
            None if keys is None else single_threaded_share(metrics, active_keys),
            "rate",
            f"Active key accounts in the filter whose interactions in {window} touch one stakeholder or fewer, "
            f"divided by the active key accounts.{no_set}",
            {"active key accounts": int(active_keys.sum()), "single-threaded": int(metrics.single_threaded[active_keys].sum())},
            higher_is_better=False,
        ),
        KpiValue(
            "key_bus_factor_at_most_1",
            "Key accounts with bus factor 0 or 1",
            None if keys is None else int((bus <= 1).sum()),
            "count",
            "Active key accounts in the filter where one departure on our side (bus factor 1), or none (bus factor 0), "
            "leaves an economic buyer or champion with nobody of ours who met them in the 180 days to "
            f"{metrics.as_of:%d %B %Y}.{no_set}",
            {
                "active key accounts": int(active_keys.sum()),
                "bus factor 0": int((bus == 0).sum()),
                "bus factor 1": int((bus == 1).sum()),
            },
            higher_is_better=False,
        ),
    ]
    return {card.key: card for card in cards}


@dataclass(frozen=True, eq=False)
class RelationshipOverview:
    """What the portfolio view of the Relationships page shows for one set of filters."""

    filters: Filters
    now: dict[str, KpiValue]
    before: dict[str, KpiValue]  # the previous quarter, for the cards' change
    accounts: pd.DataFrame  # account_table, riskiest first


def relationship_overview(
    data: PortfolioData, rel: RelationshipData, filters: Filters, key: KeyAccounts = None, key_only: bool = False
) -> RelationshipOverview:
    metrics = portfolio_metrics(data, rel, filters.quarter)
    before = previous_filters(filters)
    return RelationshipOverview(
        filters=filters,
        now=relationship_cards(data, rel, filters, key, metrics),
        before=relationship_cards(data, rel, before, key),
        accounts=account_table(data, metrics, filters, key, key_only),
    )


def account_table(
    data: PortfolioData, metrics: RelationshipMetrics, filters: Filters, key: KeyAccounts = None, key_only: bool = False
) -> pd.DataFrame:
    """The active accounts of the filter (only key ones when asked), riskiest first; index = positions in data.accounts.

    risk: high = single-threaded and bus factor 0 or 1, medium = one of the two, low = neither. Within a
    risk, the smaller bus factor, then the fewer people met, then the larger revenue comes first.
    """
    keys = key_mask(data, key)
    chosen = active_accounts(data, filters)
    if key_only:
        chosen = chosen & keys if keys is not None else np.zeros_like(chosen)
    rows = np.flatnonzero(chosen)
    column = data.column(filters.quarter)
    revenue = data.revenue[rows, column] if column is not None else np.zeros(len(rows))
    risk = metrics.single_threaded[rows].astype(np.int64) + (metrics.bus_factor[rows] <= 1)
    order = np.lexsort((-revenue, metrics.stakeholders_met_90d[rows], metrics.bus_factor[rows], -risk))
    rows, revenue, risk = rows[order], revenue[order], risk[order]
    accounts = data.accounts
    columns = {
        "account_id": accounts["external_id"].to_numpy()[rows],
        "name": accounts["name"].to_numpy()[rows],
        "segment": accounts["segment"].to_numpy()[rows],
        "region": accounts["region"].to_numpy()[rows],
        "owner": accounts["owner"].to_numpy()[rows],
        "key": keys[rows] if keys is not None else np.zeros(len(rows), dtype=bool),
        "revenue": np.round(revenue, 2),
        **{name: getattr(metrics, name)[rows] for name in METRIC_NAMES},
        "risk": np.asarray(RISKS, dtype=object)[risk],
    }
    return pd.DataFrame(columns, index=pd.Index(rows), copy=False)


def relationships_json(data: PortfolioData, rel: RelationshipData, quarter: str) -> dict:
    """The object `python -m lib relationships --format json` prints: every account, as imported, in the portfolio's order."""
    metrics = portfolio_metrics(data, rel, quarter)
    columns = [getattr(metrics, name).tolist() for name in METRIC_NAMES]
    return {
        "quarter": quarter,
        "single_threaded_share": single_threaded_share(metrics, active_accounts(data, Filters(quarter))),
        "accounts": [
            {"account_id": account_id, **dict(zip(METRIC_NAMES, values))}
            for account_id, *values in zip(data.accounts["external_id"].tolist(), *columns)
        ],
    }


def criteria_columns(data: PortfolioData, rel: RelationshipData, quarter: str) -> pd.DataFrame:
    """stakeholders_met_90d, exec_met_90d (1 or 0) and bus_factor per account, as floats; index = positions in data.accounts."""
    metrics = portfolio_metrics(data, rel, quarter)
    return pd.DataFrame(
        {name: getattr(metrics, name).astype(np.float64) for name in CRITERIA_METRICS}, index=pd.RangeIndex(len(data.accounts))
    )
