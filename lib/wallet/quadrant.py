"""Where to play: accounts by wallet size and our share, against our market share in their segment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.portfolio.data import CONFIDENCE_LEVELS, Filters, PortfolioData
from lib.wallet.data import WalletData
from lib.wallet.shares import account_wallets, group_totals

QUADRANTS = ("Stronghold", "Grow", "Defend", "Deprioritise")
QUADRANT_MEANINGS = {
    "Stronghold": "large wallet, high share: keep it",
    "Grow": "large wallet, low share: the money to win",
    "Defend": "small wallet, high share: hold it cheaply",
    "Deprioritise": "small wallet, low share",
}
MAX_QUADRANT_POINTS = 2_000  # WebGL draws many more; this keeps the page's payload small


@dataclass(frozen=True)
class Quadrant:
    """Accounts by wallet size and our share, against our market share in their segment."""

    points: pd.DataFrame  # the accounts drawn (all, or a sample when there are many)
    market_share: dict[str, float]  # segment -> our market share: the line each account is compared with
    median_wallet: float | None  # large wallets are at or above it
    counts: dict[str, int]  # accounts per quadrant, all of them (not only those drawn)
    accounts: int  # counted accounts in all
    quarter: str

    @property
    def sampled(self) -> bool:
        return len(self.points) < self.accounts


def quadrant(
    data: PortfolioData,
    spend: WalletData,
    filters: Filters,
    high_confidence_only: bool = False,
    sources: np.ndarray | None = None,
    max_points: int = MAX_QUADRANT_POINTS,
) -> Quadrant:
    wallets = account_wallets(data, spend, filters.quarter, data.mask(filters), high_confidence_only)
    counted = np.flatnonzero(wallets.counted)
    totals = group_totals(spend, wallets, "segment")
    codes = spend.groups["segment"][0][wallets.positions[counted]]
    wallet, revenue = wallets.wallet[counted], wallets.revenue[counted]
    share = revenue / wallet if len(counted) else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_code = totals.revenue / totals.wallet
    lines = {str(totals.names[c]): float(by_code[c]) for c in np.flatnonzero(totals.accounts > 0)}
    line = by_code[codes] if len(counted) else np.zeros(0)
    segments = totals.names[codes] if len(counted) else np.zeros(0, dtype=object)
    median = float(np.median(wallet)) if len(wallet) else None
    large = wallet >= (median if median is not None else 0)
    above = share > line + 1e-12
    position = np.select([large & above, large & ~above, ~large & above], QUADRANTS[:3], QUADRANTS[3])
    counts = {q: int((position == q).sum()) for q in QUADRANTS}
    drawn = _sample(np.clip(wallet - revenue, 0, None), revenue, max_points)
    top_name, top_spend = wallets.top_competitor()
    at = counted[drawn]
    positions = wallets.positions[at]
    points = pd.DataFrame(
        {
            "id": data.accounts["id"].to_numpy()[positions],
            "name": data.accounts["name"].to_numpy(dtype=object)[positions],
            "segment": segments[drawn],
            "wallet": wallet[drawn],
            "revenue": revenue[drawn],
            "share_of_wallet": share[drawn],
            "whitespace": np.clip(wallet[drawn] - revenue[drawn], 0, None),
            "quadrant": position[drawn],
            "top_competitor": top_name[at],
            "competitor_share": top_spend[at] / wallet[drawn],
            "confidence": np.asarray(CONFIDENCE_LEVELS, dtype=object)[wallets.confidence[at]],
            "source": sources[positions] if sources is not None else None,
        }
    )
    return Quadrant(points, lines, median, counts, len(counted), filters.quarter)


def _sample(whitespace: np.ndarray, revenue: np.ndarray, max_points: int, seed: int = 0) -> np.ndarray:
    """All indices, or the largest whitespaces, the largest revenues and a random (repeatable) sample of the rest."""
    n = len(whitespace)
    if n <= max_points:
        return np.arange(n)
    each = max(1, max_points // 4)
    keep = np.union1d(np.argsort(-whitespace, kind="stable")[:each], np.argsort(-revenue, kind="stable")[:each])
    rest = np.setdiff1d(np.arange(n), keep)
    picked = np.random.default_rng(seed).choice(rest, size=max_points - len(keep), replace=False)
    return np.sort(np.concatenate([keep, picked]))
