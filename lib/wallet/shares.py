"""Share of wallet against the competition: who holds the customers' money, and where the rest is.

This module holds one quarter's shares for the accounts of a filter (lib.wallet.data loads the
arrays; the cards, split, quadrant, whitespace, estimates and history modules build on these).
What a share counts (DESIGN.md, "Share of wallet"; the rules in lib.wallet.rules):

- an account without a wallet estimate in the quarter is left out of every share, never 0 % or 100 %;
- a wallet estimate of 0, or below our own revenue, cannot be right: a data problem, left out too;
- competitors' spend above what the wallet leaves after our revenue is a data problem as well: the
  account still counts for our share, and its competitors' spend is scaled down to the wallet left,
  so no split ever passes 100 %;
- "high-confidence wallets only" leaves out every estimate that is not marked high.
Shares of a group are pooled: the group's revenue over the group's wallet, not a mean of shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.portfolio.data import PortfolioData
from lib.portfolio.kpis import ratio, round_money
from lib.wallet.data import WalletData
from lib.wallet.rules import (
    HIGH_CONFIDENCE,
    LOWER_CONFIDENCE,
    NO_ESTIMATE,
    REVENUE_ABOVE_WALLET,
    SPEND_ABOVE_WALLET,
    ZERO_WALLET,
    wallet_status,
)

US = "Us"
OTHER_COMPETITORS = "Other competitors"
UNATTRIBUTED = "Unattributed"


@dataclass(frozen=True, eq=False)
class AccountWallets:
    """The accounts of the filter in one quarter: our revenue, their wallet, and who holds the rest."""

    quarter: str
    positions: np.ndarray  # into data.accounts
    revenue: np.ndarray
    wallet: np.ndarray  # NaN: no estimate
    confidence: np.ndarray  # codes into CONFIDENCE_LEVELS
    reported_spend: np.ndarray  # every competitor's spend as reported
    parts: np.ndarray  # (accounts, tracked + 1): each tracked competitor, then the others; scaled to fit the wallet
    part_names: tuple[str, ...]
    status: np.ndarray

    @property
    def counted(self) -> np.ndarray:
        return self.status <= SPEND_ABOVE_WALLET

    @property
    def competitor_spend(self) -> np.ndarray:
        """Every competitor's spend as the shares count it (scaled down where it overflowed the wallet)."""
        return self.parts.sum(axis=1)

    @property
    def whitespace(self) -> np.ndarray:
        """Wallet minus our revenue, floored at 0; NaN where the wallet does not count."""
        return np.where(self.counted, np.clip(self.wallet - self.revenue, 0, None), np.nan)

    @property
    def share_of_wallet(self) -> np.ndarray:
        """Our share of each account's wallet; NaN where the wallet does not count."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.counted, self.revenue / self.wallet, np.nan)

    def top_competitor(self) -> tuple[np.ndarray, np.ndarray]:
        """Each account's largest competitor (None when none) and its spend as the shares count it."""
        names = np.asarray(self.part_names, dtype=object)
        if len(self.parts) == 0:
            return np.full(0, None, dtype=object), np.zeros(0)
        # Ties go to the first name in alphabetical order; the "others" column only when no tracked one is larger.
        order = np.array([*sorted(range(len(names) - 1), key=lambda i: names[i]), len(names) - 1], dtype=np.int64)
        best = order[np.argmax(self.parts[:, order], axis=1)]
        spend = self.parts[np.arange(len(self.parts)), best]
        return np.where(spend > 0, names[best], None), spend


def account_wallets(
    data: PortfolioData,
    spend: WalletData,
    quarter: str,
    mask: np.ndarray,
    high_confidence_only: bool = False,
) -> AccountWallets:
    column = data.column(quarter)
    names = (*spend.competitors, OTHER_COMPETITORS)
    everyone = bool(mask.all())
    positions = np.arange(len(mask)) if everyone else np.flatnonzero(mask)
    if column is None:
        nothing = np.zeros(0)
        return AccountWallets(
            quarter, positions[:0], nothing, nothing, nothing.astype(np.int8), nothing, np.zeros((0, len(names))), names, nothing
        )
    rows = slice(None) if everyone else positions
    revenue = data.revenue[rows, column]
    wallet = data.wallet[rows, column]
    confidence = data.wallet_confidence[rows, column]
    reported = spend.total[column][rows]
    status = wallet_status(revenue, wallet, confidence, reported, high_confidence_only)
    parts = np.empty((len(positions), len(names)))
    parts[:, :-1] = spend.by_competitor[column][rows]
    parts[:, -1] = np.clip(reported - parts[:, :-1].sum(axis=1), 0, None)
    overflow = np.flatnonzero(status == SPEND_ABOVE_WALLET)
    if len(overflow):
        parts[overflow] *= (np.clip(wallet[overflow] - revenue[overflow], 0, None) / reported[overflow])[:, None]
    return AccountWallets(quarter, positions, revenue, wallet, confidence, reported, parts, names, status)


def pooled_share(wallets: AccountWallets, among: np.ndarray | None = None) -> tuple[float, float, int]:
    """(our revenue, wallet, accounts) pooled over the counted accounts (of `among`, when given)."""
    counted = wallets.counted if among is None else wallets.counted & among
    return float(wallets.revenue[counted].sum()), float(wallets.wallet[counted].sum()), int(counted.sum())


@dataclass(frozen=True)
class GroupTotals:
    """Sums per group (segment, region or owner) over the counted accounts, indexed by group code."""

    names: np.ndarray
    revenue: np.ndarray
    wallet: np.ndarray
    accounts: np.ndarray

    def share(self, code: int) -> float | None:
        return ratio(self.revenue[code], self.wallet[code])


def group_totals(spend: WalletData, wallets: AccountWallets, by: str, among: np.ndarray | None = None) -> GroupTotals:
    codes, names = spend.groups[by]
    counted = wallets.counted if among is None else wallets.counted & among
    at = codes[wallets.positions][counted]

    def total(values: np.ndarray | None) -> np.ndarray:
        return np.bincount(at, weights=values, minlength=len(names)).astype(np.float64)

    return GroupTotals(names, total(wallets.revenue[counted]), total(wallets.wallet[counted]), total(None))


@dataclass(frozen=True)
class Coverage:
    """Which accounts of the filter the shares count, and which they leave out and why."""

    accounts: int  # in the filter
    counted: int
    without_estimate: int  # buying accounts (revenue in the quarter) with no wallet estimate
    revenue_without_estimate: float
    lower_confidence: int
    left_out_problems: int  # wallet of 0 or below our revenue (competitors' spend above the wallet: see data_problems)
    high_confidence_wallet: float | None  # the part of the counted wallet estimated with high confidence


def coverage(wallets: AccountWallets) -> Coverage:
    counted = wallets.counted
    no_estimate = (wallets.status == NO_ESTIMATE) & (wallets.revenue > 0)
    high = counted & (wallets.confidence == HIGH_CONFIDENCE)
    return Coverage(
        accounts=len(wallets.positions),
        counted=int(counted.sum()),
        without_estimate=int(no_estimate.sum()),
        revenue_without_estimate=round_money(wallets.revenue[no_estimate].sum()),
        lower_confidence=int((wallets.status == LOWER_CONFIDENCE).sum()),
        left_out_problems=int(np.isin(wallets.status, (ZERO_WALLET, REVENUE_ABOVE_WALLET)).sum()),
        high_confidence_wallet=ratio(wallets.wallet[high].sum(), wallets.wallet[counted].sum()),
    )
