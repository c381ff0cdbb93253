"""The cards of the Share of wallet page: share, wallet, whitespace and our market share per segment,
now and a quarter before, and the accounts behind each card."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import KpiValue, previous_filters, ratio, round_money
from lib.wallet.data import NO_GROUP, WalletData
from lib.wallet.shares import AccountWallets, Coverage, account_wallets, coverage, group_totals, pooled_share
from lib.wallet.whitespace import whitespace_ranking


def market_share_key(segment: str) -> str:
    """The card's id: readable, and unique to the exact label ("Mid-market" and "Mid-Market" are two segments)."""
    readable = re.sub(r"[^a-z0-9]+", "_", segment.lower()).strip("_")
    return f"market_share_{readable}_{hashlib.blake2s(segment.encode(), digest_size=4).hexdigest()}"


@dataclass(frozen=True)
class WalletFigures:
    """The cards of the page for one set of filters, with the previous quarter's values for the change."""

    now: dict[str, KpiValue]
    before: dict[str, KpiValue]
    keys: tuple[str, ...]
    coverage: Coverage
    quarter: str
    high_confidence_only: bool

    @property
    def portfolio_keys(self) -> tuple[str, ...]:
        return self.keys[:3]

    @property
    def segment_keys(self) -> tuple[str, ...]:
        return self.keys[3:]


MAX_SEGMENT_CARDS = 4


def wallet_figures(data: PortfolioData, spend: WalletData, filters: Filters, high_confidence_only: bool = False) -> WalletFigures:
    """Share of wallet, wallet, whitespace and our market share per segment, now and a quarter before."""
    wallets = account_wallets(data, spend, filters.quarter, data.mask(filters), high_confidence_only)
    segments = _segments_by_wallet(spend, wallets)[:MAX_SEGMENT_CARDS]
    before_filters = previous_filters(filters)
    earlier = account_wallets(data, spend, before_filters.quarter, data.mask(before_filters), high_confidence_only)
    now = _figures(spend, wallets, segments, high_confidence_only)
    before = _figures(spend, earlier, segments, high_confidence_only)
    keys = ("share_of_wallet", "wallet", "whitespace", *(market_share_key(s) for s in segments))
    return WalletFigures(now, before, keys, coverage(wallets), filters.quarter, high_confidence_only)


def _segments_by_wallet(spend: WalletData, wallets: AccountWallets) -> list[str]:
    """The segments of the accounts in the filter, largest counted wallet first."""
    codes, names = spend.groups["segment"]
    present = np.bincount(codes[wallets.positions], minlength=len(names)) > 0
    totals = group_totals(spend, wallets, "segment")
    order = sorted(np.flatnonzero(present), key=lambda c: (-totals.wallet[c], str(names[c])))
    return [str(names[c]) for c in order]


def _figures(spend: WalletData, wallets: AccountWallets, segments: list[str], high_only: bool) -> dict[str, KpiValue]:
    ours, wallet, accounts = pooled_share(wallets)
    which = "high-confidence wallet estimates" if high_only else "wallet estimates"
    left_out = "accounts without an estimate, with an estimate of 0 or below our revenue" + (
        ", or whose estimate is not high confidence" if high_only else ""
    )
    inputs = {
        "our revenue": round_money(ours),
        "wallet": round_money(wallet),
        "accounts counted": accounts,
        "accounts in the filter": len(wallets.positions),
    }
    whitespace = np.nansum(wallets.whitespace) if accounts else 0.0
    figures = [
        KpiValue(
            "share_of_wallet",
            "Share of wallet",
            ratio(ours, wallet),
            "rate",
            f"Our revenue divided by the customers' total wallet in {wallets.quarter}, pooled over the accounts "
            f"with {which} ({left_out} are left out).",
            inputs,
        ),
        KpiValue(
            "wallet",
            "Wallet",
            round_money(wallet) if accounts else None,
            "money",
            f"The customers' estimated total spend in our category in {wallets.quarter}, summed over the accounts with {which}.",
            inputs,
        ),
        KpiValue(
            "whitespace",
            "Whitespace",
            round_money(whitespace) if accounts else None,
            "money",
            f"Wallet minus our revenue, floored at 0 per account, summed over the accounts with {which} "
            "(competitors' spend and the unattributed rest).",
            {"wallet": round_money(wallet), "our revenue": round_money(ours), "accounts counted": accounts},
        ),
    ]
    totals = group_totals(spend, wallets, "segment")
    code_of = {str(name): code for code, name in enumerate(totals.names)}
    for segment in segments:
        code = code_of[segment]
        seg_ours, seg_wallet, seg_accounts = totals.revenue[code], totals.wallet[code], int(totals.accounts[code])
        figures.append(
            KpiValue(
                market_share_key(segment),
                segment,
                ratio(seg_ours, seg_wallet),
                "rate",
                f"Our market share in the {segment} segment: our revenue there divided by the segment's total wallet "
                f"in {wallets.quarter} (the wallets of its accounts with {which}).",
                {"our revenue": round_money(seg_ours), "wallet": round_money(seg_wallet), "accounts counted": seg_accounts},
            )
        )
    return {f.key: f for f in figures}


def figure_accounts(
    data: PortfolioData,
    spend: WalletData,
    filters: Filters,
    key: str,
    high_confidence_only: bool = False,
    limit: int = 10,
) -> pd.DataFrame:
    """The accounts behind a card: the largest whitespaces, wallets, or a segment's largest wallets."""
    table = whitespace_ranking(data, spend, filters, high_confidence_only).table
    columns = ["id", "name", "revenue", "wallet", "share_of_wallet", "whitespace"]  # id: a row opens Account 360
    if key == "wallet":
        return table.sort_values("wallet", ascending=False).head(limit)[columns]
    if key.startswith("market_share_"):
        in_segment = table[table["segment"].fillna(NO_GROUP).map(market_share_key) == key]
        return in_segment.sort_values("wallet", ascending=False).head(limit)[columns]
    return table.head(limit)[columns]
