"""One account's wallet over time: our revenue, its wallet and each competitor's spend in every quarter.

The one loader of a single account's wallet: the Share of wallet dialog and Account 360 both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from lib.core.models import Account, CompetitorSpend, Revenue
from lib.core.quarters import is_stored_quarter
from lib.wallet.rules import SPEND_ABOVE_WALLET, STATUS_LABELS, wallet_status
from lib.wallet.shares import OTHER_COMPETITORS, UNATTRIBUTED, US


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


def account_history(account, revenue_rows, spend_rows) -> AccountHistory:
    """Assemble one account's quarters from its rows (money in cents, as stored)."""
    quarters = pd.DataFrame(revenue_rows, columns=["quarter", "revenue", "wallet", "source", "confidence"]).assign(recorded=True)
    quarters["revenue"] = pd.to_numeric(quarters["revenue"]).astype(np.float64) / 100.0
    quarters["wallet"] = pd.to_numeric(quarters["wallet"]).astype(np.float64) / 100.0
    spend = pd.DataFrame(spend_rows, columns=["quarter", "competitor", "spend"])
    spend["spend"] = pd.to_numeric(spend["spend"]).astype(np.float64) / 100.0
    reported = spend.groupby("quarter")["spend"].sum()
    # Quarters with competitor spend but no revenue row have no wallet: they show as "no estimate".
    extra = sorted(set(reported.index) - set(quarters["quarter"]))
    if extra:
        quarters = pd.concat(
            [quarters, pd.DataFrame({"quarter": extra, "revenue": 0.0, "wallet": np.nan, "recorded": False})], ignore_index=True
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
