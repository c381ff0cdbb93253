"""Share of wallet against the competition: who holds the customers' money, and where the rest is.

Competitor spend is grouped per account and quarter in the database (one column per tracked
competitor) and kept as arrays aligned with lib.portfolio.data, so a filter change never queries the
database again. What a share counts (DESIGN.md, "Share of wallet"):

- an account without a wallet estimate in the quarter is left out of every share, never 0 % or 100 %;
- a wallet estimate of 0, or below our own revenue, cannot be right: a data problem, left out too;
- competitors' spend above what the wallet leaves after our revenue is a data problem as well: the
  account still counts for our share, and its competitors' spend is scaled down to the wallet left,
  so no split ever passes 100 %;
- "high-confidence wallets only" leaves out every estimate that is not marked high.
Shares of a group are pooled: the group's revenue over the group's wallet, not a mean of shares.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Float, case, cast, func, select

from lib.core.csv_safe import to_csv
from lib.core.fastread import read_frames
from lib.core.models import Account, CompetitorSpend, Revenue
from lib.core.quarters import is_stored_quarter, quarter_window
from lib.io.snapshot import cached_arrays
from lib.portfolio.data import CONFIDENCE_LEVELS, Filters, PortfolioData
from lib.portfolio.kpis import KpiValue, previous_filters, ratio, round_money
from lib.wallet.rules import (  # noqa: F401  (re-exported: the page and tests use them through lib.wallet.shares)
    CENT,
    COUNTED,
    DATA_PROBLEMS,
    HIGH_CONFIDENCE,
    LOWER_CONFIDENCE,
    NO_ESTIMATE,
    REVENUE_ABOVE_WALLET,
    SPEND_ABOVE_WALLET,
    STATUS_LABELS,
    ZERO_WALLET,
    counted_wallets,
    wallet_status,
)

MAX_TRACKED_COMPETITORS = 12  # the latest quarter's largest, kept one by one; the rest are "Other competitors"
US = "Us"
OTHER_COMPETITORS = "Other competitors"
UNATTRIBUTED = "Unattributed"
ALL_ACCOUNTS = "All accounts"
NO_GROUP = "(none)"
GROUPINGS = ("segment", "region", "owner")

QUADRANTS = ("Stronghold", "Grow", "Defend", "Deprioritise")
QUADRANT_MEANINGS = {
    "Stronghold": "large wallet, high share: keep it",
    "Grow": "large wallet, low share: the money to win",
    "Defend": "small wallet, high share: hold it cheaply",
    "Deprioritise": "small wallet, low share",
}
MAX_QUADRANT_POINTS = 2_000  # WebGL draws many more; this keeps the page's payload small


# --- loading --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WalletData:
    """What the page needs besides the portfolio arrays, loaded once per data version.

    Competitor spend per quarter and account, quarter-major so that one quarter is one contiguous
    block, and the accounts' segment, region and owner as integer codes for grouping.
    """

    competitors: tuple[str, ...]  # tracked one by one, largest spend in the latest quarter first
    by_competitor: np.ndarray  # (quarters, accounts, tracked competitors), float32 currency units
    total: np.ndarray  # (quarters, accounts): every competitor's spend, tracked or not, float64
    groups: dict[str, tuple[np.ndarray, np.ndarray]]  # segment/region/owner -> (code per account, names)

    @property
    def nbytes(self) -> int:
        return int(self.by_competitor.nbytes + self.total.nbytes + sum(c.nbytes for c, _ in self.groups.values()))


def latest_spend_quarter(engine: Engine) -> str | None:
    """The latest quarter of the window (lib.core.quarters) with competitor spend, or None.

    A stored row of no real quarter (9999Q4, 2026q4, written before the importer checked it) is
    passed over: it would otherwise choose the tracked competitors. Each step is one seek in the
    quarter index; there is one step more per distinct bad value above the latest real quarter.
    """
    first, last = quarter_window()
    below = (CompetitorSpend.quarter >= first) & (CompetitorSpend.quarter <= last)
    with engine.connect() as connection:
        while True:
            latest = connection.scalar(select(func.max(CompetitorSpend.quarter)).where(below))
            if latest is None or is_stored_quarter(latest):
                return latest
            below = (CompetitorSpend.quarter >= first) & (CompetitorSpend.quarter < latest)


def tracked_competitors_query(quarter: str, limit: int = MAX_TRACKED_COMPETITORS):
    """The largest competitors of the quarter (read through the quarter index, not the whole table)."""
    return (
        select(CompetitorSpend.competitor, cast(func.sum(CompetitorSpend.spend_cents), Float).label("spend"))
        .where(CompetitorSpend.quarter == quarter)
        .group_by(CompetitorSpend.competitor)
        .order_by(func.sum(CompetitorSpend.spend_cents).desc(), CompetitorSpend.competitor)
        .limit(limit)
    )


def competitor_spend_query(competitors: tuple[str, ...]):
    """One row per account and quarter: all competitors' spend, then one column per tracked competitor."""
    per_competitor = [
        cast(func.sum(case((CompetitorSpend.competitor == name, CompetitorSpend.spend_cents), else_=0)), Float).label(f"c{i}")
        for i, name in enumerate(competitors)
    ]
    return select(
        CompetitorSpend.account_id,
        CompetitorSpend.quarter,
        cast(func.sum(CompetitorSpend.spend_cents), Float).label("total"),
        *per_competitor,
    ).group_by(CompetitorSpend.account_id, CompetitorSpend.quarter)


def load_wallet_data(engine: Engine, data: PortfolioData, limit: int = MAX_TRACKED_COMPETITORS) -> WalletData:
    """Aggregate competitor spend in the database and lay it out along the portfolio's quarters and accounts."""
    latest = latest_spend_quarter(engine)
    ranked = read_frames(engine, {"competitors": tracked_competitors_query(latest, limit)})["competitors"] if latest else None
    competitors = () if ranked is None else tuple(ranked["competitor"].tolist())
    shape = (len(data.quarters), len(data.accounts))
    by_competitor = np.zeros((*shape, len(competitors)), dtype=np.float32)
    total = np.zeros(shape, dtype=np.float64)
    groups = {by: group_codes(data, by) for by in GROUPINGS}
    if not competitors or not data.quarters:
        return WalletData(competitors, by_competitor, total, groups)
    frame = read_frames(engine, {"spend": competitor_spend_query(competitors)})["spend"]
    ids = data.accounts["id"].to_numpy()
    account_ids = frame["account_id"].to_numpy()
    rows = np.minimum(np.searchsorted(ids, account_ids), max(len(ids) - 1, 0))
    columns = frame["quarter"].map({q: i for i, q in enumerate(data.quarters)}).to_numpy(dtype=np.float64, na_value=np.nan)
    # Spend for a quarter the portfolio does not cover has no wallet to be a share of.
    keep = (ids[rows] == account_ids) & ~np.isnan(columns)
    rows, columns = rows[keep], columns[keep].astype(np.int64)
    total[columns, rows] = pd.to_numeric(frame["total"]).to_numpy(dtype=np.float64)[keep] / 100.0
    names = [f"c{i}" for i in range(len(competitors))]
    values = frame[names].apply(pd.to_numeric).to_numpy(dtype=np.float64)[keep] / 100.0
    by_competitor[columns, rows, :] = values.astype(np.float32)
    return WalletData(competitors, by_competitor, total, groups)


def cached_wallet_data(engine: Engine, data: PortfolioData, facts_version: int, directory: Path | None = None) -> WalletData:
    """load_wallet_data, kept on disk per data version like the portfolio arrays (lib.io.snapshot)."""

    def build() -> dict[str, np.ndarray]:
        spend = load_wallet_data(engine, data)
        return {"competitors": np.array(spend.competitors, dtype=str), "by_competitor": spend.by_competitor, "total": spend.total}

    arrays = cached_arrays(engine, facts_version, "competitor-spend", build, directory)
    groups = {by: group_codes(data, by) for by in GROUPINGS}
    return WalletData(tuple(str(c) for c in arrays["competitors"]), arrays["by_competitor"], arrays["total"], groups)


def accounts_only(data: PortfolioData) -> WalletData:
    """The accounts' groups without any competitor spend: enough for the cards, which never depend on it.

    (Spend only decides whether a counted wallet is also flagged "competitors' spend above the wallet".)
    """
    shape = (len(data.quarters), len(data.accounts))
    nothing = np.broadcast_to(np.float64(0.0), shape)
    return WalletData((), np.zeros((*shape, 0), dtype=np.float32), nothing, {by: group_codes(data, by) for by in GROUPINGS})


def group_codes(data: PortfolioData, by: str) -> tuple[np.ndarray, np.ndarray]:
    """Each account's segment, region or owner as a code into the names (a missing one is NO_GROUP)."""
    values = data.accounts[by].to_numpy(dtype=object)
    values = np.where(pd.isna(values) | (values == ""), NO_GROUP, values)
    codes, names = pd.factorize(values)
    return codes.astype(np.int32), np.asarray(names, dtype=object)


def load_wallet_sources(engine: Engine, data: PortfolioData, quarter: str) -> np.ndarray:
    """Where each account's wallet estimate of the quarter comes from (None when not given), aligned with the accounts."""
    statement = select(Revenue.account_id, Revenue.wallet_source).where(
        Revenue.quarter == quarter, Revenue.wallet_source.is_not(None)
    )
    frame = read_frames(engine, {"sources": statement})["sources"]
    sources = np.full(len(data.accounts), None, dtype=object)
    if not frame.empty:
        ids = data.accounts["id"].to_numpy()
        rows = np.searchsorted(ids, frame["account_id"].to_numpy())
        keep = rows < len(ids)
        keep[keep] &= ids[rows[keep]] == frame["account_id"].to_numpy()[keep]
        sources[rows[keep]] = frame["wallet_source"].to_numpy(dtype=object)[keep]
    return sources


# --- one quarter, the accounts of the filter ------------------------------------------------------


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


# --- the headline figures -------------------------------------------------------------------------


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


# --- who holds the wallet: by group, and over time ------------------------------------------------


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


# --- where to play --------------------------------------------------------------------------------


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


# --- where the money is: whitespace, estimates, data problems -------------------------------------


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


# --- one account over time ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountHistory:
    """One account's wallet, our revenue and each competitor's spend in every quarter it has a row."""

    account_id: int
    name: str
    segment: str | None
    region: str | None
    owner: str | None
    quarters: pd.DataFrame  # quarter, revenue, wallet, source, confidence, spend, status, share_of_wallet, whitespace
    spend: pd.DataFrame  # quarter, competitor, spend (as reported), counted (scaled to fit the wallet), share

    def quarter(self, quarter: str) -> dict | None:
        rows = self.quarters[self.quarters["quarter"] == quarter]
        return None if rows.empty else rows.iloc[0].to_dict()

    def top_competitor(self, quarter: str) -> tuple[str | None, float | None]:
        rows = self.spend[self.spend["quarter"] == quarter]
        if rows.empty:
            return None, None
        best = rows.sort_values(["counted", "competitor"], ascending=[False, True]).iloc[0]
        return str(best["competitor"]), None if pd.isna(best["share"]) else float(best["share"])


def load_account_history(engine: Engine, account_id: int) -> AccountHistory | None:
    with engine.connect() as connection:
        account = connection.execute(
            select(Account.id, Account.name, Account.segment, Account.region, Account.owner).where(Account.id == account_id)
        ).first()
        if account is None:
            return None
        revenue_rows = connection.execute(
            select(Revenue.quarter, Revenue.revenue_cents, Revenue.wallet_cents, Revenue.wallet_source, Revenue.wallet_confidence)
            .where(Revenue.account_id == account_id)
            .order_by(Revenue.quarter)
        ).all()
        spend_rows = connection.execute(
            select(CompetitorSpend.quarter, CompetitorSpend.competitor, func.sum(CompetitorSpend.spend_cents))
            .where(CompetitorSpend.account_id == account_id)
            .group_by(CompetitorSpend.quarter, CompetitorSpend.competitor)
        ).all()
    # A row stored before the importer checked quarters (9999Q4) has no place on the account's quarter axis.
    return account_history(
        account, [r for r in revenue_rows if is_stored_quarter(r[0])], [r for r in spend_rows if is_stored_quarter(r[0])]
    )


def account_history(account, revenue_rows, spend_rows) -> AccountHistory:
    """Assemble one account's quarters from its rows (money in cents, as stored)."""
    quarters = pd.DataFrame(revenue_rows, columns=["quarter", "revenue", "wallet", "source", "confidence"])
    quarters["revenue"] = pd.to_numeric(quarters["revenue"]).astype(np.float64) / 100.0
    quarters["wallet"] = pd.to_numeric(quarters["wallet"]).astype(np.float64) / 100.0
    spend = pd.DataFrame(spend_rows, columns=["quarter", "competitor", "spend"])
    spend["spend"] = pd.to_numeric(spend["spend"]).astype(np.float64) / 100.0
    reported = spend.groupby("quarter")["spend"].sum()
    # Quarters with competitor spend but no revenue row have no wallet: they show as "no estimate".
    extra = sorted(set(reported.index) - set(quarters["quarter"]))
    if extra:
        quarters = pd.concat(
            [quarters, pd.DataFrame({"quarter": extra, "revenue": 0.0, "wallet": np.nan})], ignore_index=True
        ).sort_values("quarter", ignore_index=True)
    quarters["spend"] = quarters["quarter"].map(reported).fillna(0.0).to_numpy(dtype=np.float64)
    revenue, wallet = quarters["revenue"].to_numpy(), quarters["wallet"].to_numpy(dtype=np.float64)
    status = wallet_status(revenue, wallet, None, quarters["spend"].to_numpy())
    counted = status <= SPEND_ABOVE_WALLET
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(status == SPEND_ABOVE_WALLET, np.clip(wallet - revenue, 0, None) / quarters["spend"].to_numpy(), 1.0)
        quarters["share_of_wallet"] = np.where(counted, revenue / wallet, np.nan)
    quarters["whitespace"] = np.where(counted, np.clip(wallet - revenue, 0, None), np.nan)
    quarters["status"] = [STATUS_LABELS[s] for s in status]
    quarters["counted"] = counted
    by_quarter = quarters.set_index("quarter")
    spend["counted"] = spend["spend"] * spend["quarter"].map(pd.Series(scale, index=quarters["quarter"])).fillna(1.0)
    spend["share"] = np.where(
        spend["quarter"].map(by_quarter["counted"]).fillna(False).astype(bool),
        spend["counted"] / spend["quarter"].map(by_quarter["wallet"]),
        np.nan,
    )
    return AccountHistory(
        int(account.id),
        str(account.name),
        account.segment,
        account.region,
        account.owner,
        quarters,
        spend.sort_values(["quarter", "counted"], ascending=[True, False], ignore_index=True),
    )


def account_split_over_time(history: AccountHistory, top: int = 5) -> pd.DataFrame:
    """One row per quarter with a counted wallet: our revenue, each competitor (largest overall first), the rest (money)."""
    counted = history.quarters[history.quarters["counted"]]
    totals = history.spend.groupby("competitor")["counted"].sum().sort_values(ascending=False)
    leaders = totals.index[:top].tolist()
    wide = history.spend.assign(
        competitor=history.spend["competitor"].where(history.spend["competitor"].isin(leaders), OTHER_COMPETITORS)
    ).pivot_table(index="quarter", columns="competitor", values="counted", aggfunc="sum", fill_value=0.0)
    columns = [*leaders, *([OTHER_COMPETITORS] if OTHER_COMPETITORS in wide.columns else [])]
    wide = wide.reindex(index=counted["quarter"], columns=columns, fill_value=0.0).fillna(0.0)
    table = pd.DataFrame({"quarter": counted["quarter"].to_numpy(), "wallet": counted["wallet"].to_numpy()})
    table[US] = counted["revenue"].to_numpy()
    for name in columns:
        table[name] = wide[name].to_numpy()
    table[UNATTRIBUTED] = np.clip(table["wallet"] - table[[US, *columns]].sum(axis=1), 0, None)
    table["status"] = counted["status"].to_numpy()
    return table
