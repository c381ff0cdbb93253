"""Where the money is: the accounts by whitespace, with their largest competitor, and the ranking as CSV."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core.csv_safe import to_csv
from lib.portfolio.data import CONFIDENCE_LEVELS, Filters, PortfolioData
from lib.wallet.data import WalletData
from lib.wallet.rules import STATUS_LABELS
from lib.wallet.shares import account_wallets


@dataclass(frozen=True)
class Ranking:
    table: pd.DataFrame
    accounts: int  # rows before the limit


def whitespace_ranking(
    data: PortfolioData,
    spend: WalletData,
    filters: Filters,
    high_confidence_only: bool = False,
    sources: np.ndarray | None = None,
    limit: int | None = None,
) -> Ranking:
    """Counted accounts by whitespace, largest first, with their largest competitor and its share of the wallet."""
    wallets = account_wallets(data, spend, filters.quarter, data.mask(filters), high_confidence_only)
    counted = np.flatnonzero(wallets.counted)
    whitespace = wallets.whitespace[counted]
    order = counted[np.argsort(-whitespace, kind="stable")]
    if limit is not None:
        order = order[:limit]
    positions = wallets.positions[order]
    top_name, top_spend = wallets.top_competitor()
    accounts = data.accounts
    table = pd.DataFrame(
        {
            "id": accounts["id"].to_numpy()[positions],
            "external_id": accounts["external_id"].to_numpy(dtype=object)[positions],
            "name": accounts["name"].to_numpy(dtype=object)[positions],
            "segment": accounts["segment"].to_numpy(dtype=object)[positions],
            "region": accounts["region"].to_numpy(dtype=object)[positions],
            "owner": accounts["owner"].to_numpy(dtype=object)[positions],
            "wallet": wallets.wallet[order],
            "revenue": wallets.revenue[order],
            "share_of_wallet": wallets.share_of_wallet[order],
            "whitespace": wallets.whitespace[order],
            "top_competitor": top_name[order],
            "competitor_share": top_spend[order] / wallets.wallet[order],
            "confidence": np.asarray(CONFIDENCE_LEVELS, dtype=object)[wallets.confidence[order]],
            "source": sources[positions] if sources is not None else None,
            "check": np.asarray([STATUS_LABELS[s] for s in wallets.status[order]], dtype=object),
        }
    )
    return Ranking(table, len(counted))


def ranking_csv(ranking: Ranking, quarter: str) -> bytes:
    """The ranking as a spreadsheet reads it: the account id users know, plain numbers, rates as fractions.

    Its columns are those of a revenue import, and money is written to the cent, so the file imported
    again leaves revenue and wallets as they were."""
    table = ranking.table.drop(columns=["id"]).rename(
        columns={"external_id": "account_id", "confidence": "wallet_confidence", "source": "wallet_source"}
    )
    table.insert(1, "quarter", quarter)
    money, rates = ["wallet", "revenue", "whitespace"], ["share_of_wallet", "competitor_share"]
    table[money], table[rates] = table[money].round(2), table[rates].round(6)
    return to_csv(table)
