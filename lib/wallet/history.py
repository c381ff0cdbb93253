"""One account's wallet over time: our revenue, its wallet and each competitor's spend in every quarter.

The one loader of a single account's wallet: the Share of wallet dialog and Account 360 both read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Row, func, select

from lib.core.models import Account, CompetitorSpend, Revenue
from lib.core.quarters import is_stored_quarter
from lib.wallet.rules import SPEND_ABOVE_WALLET, STATUS_LABELS, wallet_status
from lib.wallet.shares import OTHER_COMPETITORS, UNATTRIBUTED, US

AccountRow = Row[tuple[int, str, str | None, str | None, str | None]]  # id, name, segment, region, owner
RevenueRow = Row[tuple[str, int, int | None, str | None, str | None]]  # quarter, revenue, wallet, source, confidence (cents)
SpendRow = Row[tuple[str, str, int]]  # quarter, competitor, spend (cents)


@dataclass(frozen=True)
class AccountHistory:
    """One account's wallet, our revenue and each competitor's spend in every quarter it has a row."""

    account_id: int
    name: str
    segment: str | None
    region: str | None
    owner: str | None
    # quarter, revenue, wallet, source, confidence, recorded (a revenue row: not only competitor spend),
    # spend, status, counted, share_of_wallet, whitespace
    quarters: pd.DataFrame
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
        return read_account_history(connection, account_id)


def read_account_history(connection: Connection, account_id: int) -> AccountHistory | None:
    """One account's quarters on an open connection (None when there is no such account): three index lookups."""
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


def account_history(account: AccountRow, revenue_rows: Sequence[RevenueRow], spend_rows: Sequence[SpendRow]) -> AccountHistory:
    """Assemble one account's quarters from its rows (money in cents, as stored).

    A dozen quarters and a few dozen spend rows: plain Python and one frame each, since pandas'
    per-operation cost would be most of Account 360's first view of an account.
    """
    reported_cents: dict[str, int] = {}
    for quarter, _competitor, cents in spend_rows:
        reported_cents[quarter] = reported_cents.get(quarter, 0) + int(cents)
    rows = [(q, revenue, wallet, source, confidence, True) for q, revenue, wallet, source, confidence in revenue_rows]
    # Quarters with competitor spend but no revenue row have no wallet: they show as "no estimate".
    recorded = {row[0] for row in rows}
    extra = [(q, 0, None, None, None, False) for q in sorted(set(reported_cents) - recorded)]
    if extra:
        rows = sorted(rows + extra, key=lambda row: row[0])
    names = [row[0] for row in rows]
    revenue = np.array([row[1] for row in rows], dtype=np.float64) / 100.0
    wallet = np.array([np.nan if row[2] is None else row[2] for row in rows], dtype=np.float64) / 100.0
    reported = np.array([reported_cents.get(q, 0) for q in names], dtype=np.float64) / 100.0
    status = wallet_status(revenue, wallet, None, reported)
    counted = status <= SPEND_ABOVE_WALLET
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(status == SPEND_ABOVE_WALLET, np.clip(wallet - revenue, 0, None) / reported, 1.0)
        share_of_wallet = np.where(counted, revenue / wallet, np.nan)
    quarters = pd.DataFrame(
        {
            "quarter": pd.Series(names, dtype=object),
            "revenue": revenue,
            "wallet": wallet,
            "source": pd.Series([row[3] for row in rows], dtype=object),
            "confidence": pd.Series([row[4] for row in rows], dtype=object),
            "recorded": np.array([row[5] for row in rows], dtype=bool),
            "spend": reported,
            "share_of_wallet": share_of_wallet,
            "whitespace": np.where(counted, np.clip(wallet - revenue, 0, None), np.nan),
            "status": pd.Series([STATUS_LABELS[s] for s in status], dtype=object),
            "counted": counted,
        }
    )
    at = {q: i for i, q in enumerate(names)}
    # Each quarter's spend, largest first as the shares count it (scaled to fit the wallet where it overflowed).
    spend = []
    for quarter, competitor, cents in spend_rows:
        amount = int(cents) / 100.0
        i = at[quarter]
        counted_amount = amount * scale[i]
        spend.append((quarter, competitor, amount, counted_amount, counted_amount / wallet[i] if counted[i] else np.nan))
    spend.sort(key=lambda row: (row[0], -row[3]))
    return AccountHistory(
        int(account.id),
        str(account.name),
        account.segment,
        account.region,
        account.owner,
        quarters,
        pd.DataFrame(spend, columns=["quarter", "competitor", "spend", "counted", "share"]).astype(
            {"spend": np.float64, "counted": np.float64, "share": np.float64}
        ),
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
