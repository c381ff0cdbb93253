"""The wallet data the Share of wallet page needs besides the portfolio arrays, loaded once per data version.

Competitor spend is grouped per account and quarter in the database (one column per tracked
competitor) and kept as arrays aligned with lib.portfolio.data, so a filter change never queries the
database again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Float, Select, case, cast, func, select

from lib.core.fastread import read_frames
from lib.core.models import CompetitorSpend, Revenue
from lib.core.quarters import is_stored_quarter, quarter_window
from lib.io.snapshot import cached_arrays
from lib.portfolio.data import PortfolioData

MAX_TRACKED_COMPETITORS = 12  # the latest quarter's largest, kept one by one; the rest are "Other competitors"
NO_GROUP = "(none)"
SPEND_KIND = "competitor-spend"  # the name of the array files (lib.io.snapshot)
GROUPINGS = ("segment", "region", "owner")


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


def tracked_competitors_query(quarter: str, limit: int = MAX_TRACKED_COMPETITORS) -> Select[tuple[str, float]]:
    """The largest competitors of the quarter (read through the quarter index, not the whole table)."""
    return (
        select(CompetitorSpend.competitor, cast(func.sum(CompetitorSpend.spend_cents), Float).label("spend"))
        .where(CompetitorSpend.quarter == quarter)
        .group_by(CompetitorSpend.competitor)
        .order_by(func.sum(CompetitorSpend.spend_cents).desc(), CompetitorSpend.competitor)
        .limit(limit)
    )


def competitor_spend_query(competitors: tuple[str, ...]) -> Select[tuple[int, str, float, *tuple[float, ...]]]:
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

    arrays = cached_arrays(engine, facts_version, SPEND_KIND, build, directory)
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
