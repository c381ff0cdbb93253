"""How far to trust the wallet estimates: where they come from, the buying accounts without one, and
the estimates that cannot be right (data problems)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import round_money
from lib.wallet.data import WalletData
from lib.wallet.rules import DATA_PROBLEMS, SPEND_ABOVE_WALLET, STATUS_LABELS
from lib.wallet.shares import account_wallets


@dataclass(frozen=True)
class LeftOut:
    """Accounts the shares leave out, the first `limit` of them, and how many there are in all."""

    table: pd.DataFrame
    accounts: int
    revenue: float


def accounts_without_estimate(data: PortfolioData, filters: Filters, limit: int | None = 100) -> LeftOut:
    """Accounts buying from us in the quarter that have no wallet estimate, largest revenue first."""
    column = data.column(filters.quarter)
    positions = np.flatnonzero(data.mask(filters))
    if column is None:
        return LeftOut(pd.DataFrame(columns=["id", "name", "segment", "owner", "revenue"]), 0, 0.0)
    revenue = data.revenue[positions, column]
    missing = np.isnan(data.wallet[positions, column]) & (revenue > 0)
    chosen = positions[missing][np.argsort(-revenue[missing], kind="stable")]
    chosen_revenue = data.revenue[chosen, column]
    table = data.accounts.iloc[chosen[:limit]][["id", "name", "segment", "owner"]].assign(revenue=chosen_revenue[:limit])
    return LeftOut(table.reset_index(drop=True), len(chosen), round_money(chosen_revenue.sum()))


def data_problems(data: PortfolioData, spend: WalletData, filters: Filters, limit: int | None = 100) -> LeftOut:
    """Wallets that cannot be right: 0, below our revenue, or below our revenue plus the competitors' spend."""
    wallets = account_wallets(data, spend, filters.quarter, data.mask(filters))
    flagged = np.flatnonzero(np.isin(wallets.status, DATA_PROBLEMS))
    excess = wallets.revenue[flagged] + wallets.reported_spend[flagged] - np.nan_to_num(wallets.wallet[flagged])
    order = flagged[np.argsort(-excess, kind="stable")]
    positions = wallets.positions[order]
    table = data.accounts.iloc[positions[:limit]][["id", "name", "segment", "owner"]].reset_index(drop=True)
    shown = order[:limit]
    table = table.assign(
        problem=[STATUS_LABELS[s] for s in wallets.status[shown]],
        wallet=wallets.wallet[shown],
        revenue=wallets.revenue[shown],
        spend=wallets.reported_spend[shown],
        excess=wallets.revenue[shown] + wallets.reported_spend[shown] - np.nan_to_num(wallets.wallet[shown]),
        left_out=wallets.status[shown] != SPEND_ABOVE_WALLET,
    )
    return LeftOut(table, len(flagged), round_money(wallets.revenue[flagged].sum()))


def estimate_quality(data: PortfolioData, spend: WalletData, filters: Filters, sources: np.ndarray | None = None) -> pd.DataFrame:
    """How sure the wallet estimates are: counted accounts, wallet and our pooled share per confidence and source."""
    wallets = account_wallets(data, spend, filters.quarter, data.mask(filters))
    counted = wallets.counted
    confidence = np.asarray(["not given", "low", "medium", "high"], dtype=object)[wallets.confidence[counted]]
    source = sources[wallets.positions[counted]] if sources is not None else np.full(counted.sum(), None, dtype=object)
    frame = pd.DataFrame(
        {
            "confidence": confidence,
            "source": np.where(pd.isna(source), "not given", source).astype(object),
            "accounts": 1,
            "wallet": wallets.wallet[counted],
            "revenue": wallets.revenue[counted],
        }
    )
    table = frame.groupby(["confidence", "source"], as_index=False).sum(numeric_only=True)
    table["share_of_wallet"] = table["revenue"] / table["wallet"].replace(0, np.nan)
    order = {"high": 0, "medium": 1, "low": 2, "not given": 3}
    return table.sort_values(["confidence", "wallet"], key=lambda c: c.map(order) if c.name == "confidence" else -c).reset_index(
        drop=True
    )
