"""Who holds the wallet: the split between us, each competitor and the rest per group, and our share over time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.portfolio.data import Filters, PortfolioData
from lib.wallet.data import WalletData
from lib.wallet.rules import HIGH_CONFIDENCE, SPEND_ABOVE_WALLET, wallet_status
from lib.wallet.shares import OTHER_COMPETITORS, UNATTRIBUTED, US, account_wallets

ALL_ACCOUNTS = "All accounts"


@dataclass(frozen=True)
class WalletSplit:
    """The wallet of each group, split between us, each competitor and the unattributed rest (money)."""

    by: str
    groups: pd.DataFrame  # group, wallet, accounts, high_confidence, then one money column per part
    parts: tuple[str, ...]  # Us, competitors (largest first), Other competitors, Unattributed
    total_groups: int


def wallet_split(
    data: PortfolioData,
    spend: WalletData,
    filters: Filters,
    by: str,
    high_confidence_only: bool = False,
    top_groups: int = 10,
    top_competitors: int = 5,
) -> WalletSplit:
    """Pooled split of the counted wallet per segment, region or owner, with an "All accounts" row first."""
    wallets = account_wallets(data, spend, filters.quarter, data.mask(filters), high_confidence_only)
    counted = wallets.counted
    parts = wallets.parts[counted]
    shown = _largest_parts(parts, wallets.part_names, top_competitors)
    rest = [i for i in range(parts.shape[1]) if i not in shown]
    revenue, wallet = wallets.revenue[counted], wallets.wallet[counted]
    columns = {
        "wallet": wallet,
        "accounts": np.ones(len(wallet)),
        "high_wallet": np.where(wallets.confidence[counted] == HIGH_CONFIDENCE, wallet, 0.0),
        US: revenue,
        **{wallets.part_names[i]: parts[:, i] for i in shown},
        OTHER_COMPETITORS: parts[:, rest].sum(axis=1),
        UNATTRIBUTED: np.clip(wallet - revenue - parts.sum(axis=1), 0, None),
    }
    codes, names = spend.groups[by]
    at = codes[wallets.positions][counted]
    sums = {name: np.bincount(at, weights=values, minlength=len(names)) for name, values in columns.items()}
    present = np.flatnonzero(sums["accounts"] > 0)
    largest = present[np.lexsort((names[present].astype(str), -sums["wallet"][present]))][:top_groups]
    table = pd.DataFrame({"group": [ALL_ACCOUNTS, *names[largest]]})
    for name, values in columns.items():
        table[name] = np.concatenate([[values.sum()], sums[name][largest]])
    table["accounts"] = table["accounts"].astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["high_confidence"] = np.where(table["wallet"] > 0, table.pop("high_wallet") / table["wallet"], np.nan)
    if not counted.any():
        table = table.iloc[:0]
    parts_shown = (US, *(wallets.part_names[i] for i in shown), OTHER_COMPETITORS, UNATTRIBUTED)
    return WalletSplit(by, table[["group", "wallet", "accounts", "high_confidence", *parts_shown]], parts_shown, len(present))


def _largest_parts(parts: np.ndarray, names: tuple[str, ...], top: int) -> list[int]:
    """The columns of the largest tracked competitors (never the "others" column), largest first."""
    totals = parts[:, :-1].sum(axis=0) if len(parts) else np.zeros(len(names) - 1)
    order = [int(i) for i in np.argsort(-totals, kind="stable") if totals[i] > 0]
    return order[:top]


def split_shares(split: WalletSplit) -> pd.DataFrame:
    """The split as shares of each group's wallet (rows add up to 1)."""
    shares = split.groups[list(split.parts)].div(split.groups["wallet"].replace(0, np.nan), axis=0)
    return pd.concat([split.groups[["group", "wallet", "accounts", "high_confidence"]], shares], axis=1)


def share_trend(
    data: PortfolioData, spend: WalletData, filters: Filters, high_confidence_only: bool = False, top: int = 4
) -> pd.DataFrame:
    """Our pooled share and that of the top competitors (of the filters' quarter) in every quarter."""
    mask = data.mask(filters)
    chosen = account_wallets(data, spend, filters.quarter, mask, high_confidence_only)
    leaders = _largest_parts(chosen.parts[chosen.counted], chosen.part_names, top)
    rows = slice(None) if mask.all() else np.flatnonzero(mask)
    # Every quarter at once, quarter-major like the spend arrays: (quarters, accounts).
    revenue = np.ascontiguousarray(data.revenue[rows].T)
    wallet = np.ascontiguousarray(data.wallet[rows].T)
    reported = spend.total[:, rows]
    status = wallet_status(revenue, wallet, data.wallet_confidence[rows].T, reported, high_confidence_only)
    counted = status <= SPEND_ABOVE_WALLET
    weight = counted.astype(np.float64)
    overflow = status == SPEND_ABOVE_WALLET
    if overflow.any():
        weight[overflow] = np.clip(wallet[overflow] - revenue[overflow], 0, None) / reported[overflow]
    counted_wallet = np.where(counted, wallet, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ours = np.where(counted_wallet > 0, np.where(counted, revenue, 0.0).sum(axis=1) / counted_wallet, np.nan)
    trend = pd.DataFrame({"quarter": data.quarters, US: ours})
    for index in leaders:
        held = np.einsum("qa,qa->q", spend.by_competitor[:, rows, index], weight, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            trend[chosen.part_names[index]] = np.where(counted_wallet > 0, held / counted_wallet, np.nan)
    trend["accounts"] = counted.sum(axis=1).astype(int)
    return trend  # NaN where no wallet counts in a quarter
