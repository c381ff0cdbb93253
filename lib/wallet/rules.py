"""Which wallet estimates a share of wallet counts, shared by the KPI engine and the Share of wallet page.

A wallet estimate of 0, or below our own revenue, cannot be right: a data problem, left out of the
shares like an account with no estimate at all, never counted as 0 % or 100 %.
"""

from __future__ import annotations

import numpy as np

from lib.portfolio.data import CONFIDENCE_LEVELS

HIGH_CONFIDENCE = CONFIDENCE_LEVELS.index("high")
CENT = 0.005  # money is whole cents: a comparison only fails by more than rounding

# Why an account's wallet counts for the shares of a quarter, or why not.
COUNTED = 0
SPEND_ABOVE_WALLET = 1  # counted; the competitors' spend is scaled down to the wallet left after ours
NO_ESTIMATE = 2
LOWER_CONFIDENCE = 3  # only when high-confidence wallets alone are asked for
ZERO_WALLET = 4
REVENUE_ABOVE_WALLET = 5
STATUS_LABELS = {
    COUNTED: "",
    SPEND_ABOVE_WALLET: "competitors' spend above the wallet",
    NO_ESTIMATE: "no wallet estimate",
    LOWER_CONFIDENCE: "not a high-confidence estimate",
    ZERO_WALLET: "wallet estimate is 0",
    REVENUE_ABOVE_WALLET: "our revenue above the wallet",
}
DATA_PROBLEMS = (SPEND_ABOVE_WALLET, ZERO_WALLET, REVENUE_ABOVE_WALLET)


def wallet_status(
    revenue: np.ndarray,
    wallet: np.ndarray,
    confidence: np.ndarray | None = None,
    competitor_spend: np.ndarray | None = None,
    high_confidence_only: bool = False,
) -> np.ndarray:
    """The status code of each account's wallet (COUNTED ... REVENUE_ABOVE_WALLET); later rules win."""
    status = np.full(np.shape(wallet), COUNTED, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        if competitor_spend is not None:
            status[revenue + competitor_spend > wallet + CENT] = SPEND_ABOVE_WALLET
        if high_confidence_only and confidence is not None:
            status[confidence != HIGH_CONFIDENCE] = LOWER_CONFIDENCE
        status[revenue > wallet + CENT] = REVENUE_ABOVE_WALLET
        status[wallet <= 0] = ZERO_WALLET
    status[np.isnan(wallet)] = NO_ESTIMATE
    return status


def counted_wallets(
    revenue: np.ndarray, wallet: np.ndarray, confidence: np.ndarray | None = None, high_confidence_only: bool = False
) -> np.ndarray:
    """Which wallets our share of wallet counts: an estimate above 0 and not below our own revenue."""
    return wallet_status(revenue, wallet, confidence, None, high_confidence_only) <= SPEND_ABOVE_WALLET
