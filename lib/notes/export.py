"""A quarter's notes and action items for reading and sharing (Markdown) and for spreadsheets (CSV)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from lib.core import csv_safe as csv_safe
from lib.core.models import Account, ActionItem


def quarter_action_items(engine: Engine, quarter: str) -> pd.DataFrame:
    """Every action item of a quarter with its account, by account name and due date."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Account.id,
                Account.external_id,
                Account.name,
                ActionItem.quarter,
                ActionItem.text,
                ActionItem.owner,
                ActionItem.due,
                ActionItem.status,
                ActionItem.updated_by,
                ActionItem.updated_at,
            )
            .join(Account, Account.id == ActionItem.account_id)
            .where(ActionItem.quarter == quarter)
            .order_by(Account.name, ActionItem.due, ActionItem.id)
        ).all()
    return pd.DataFrame(
        rows,
        columns=["account_id", "external_id", "account", "quarter", "text", "owner", "due", "status", "updated_by", "updated_at"],
    )


def export_markdown(quarter: str, notes: pd.DataFrame, items: pd.DataFrame) -> str:
    """One Markdown document: each account's note of the quarter, then its action items."""
    out = [f"# Review notes {quarter}", ""]
    accounts = pd.concat([notes[["account_id", "external_id", "account"]], items[["account_id", "external_id", "account"]]])
    accounts = accounts.drop_duplicates("account_id").sort_values(["account", "account_id"])
    if accounts.empty:
        out.append(f"_No notes and no action items for {quarter}._")
    by_account = notes.set_index("account_id")
    for account_id, external_id, name in accounts.itertuples(index=False):
        out += [f"## {name} ({external_id})", ""]
        if account_id in by_account.index:
            note = by_account.loc[account_id]
            out += [f"_Version {note['version']}, saved by {note['saved_by']} on {_stamp(note['updated_at'])} UTC._", ""]
            out += [note["body"].rstrip("\n"), ""]
        else:
            out += ["_No note._", ""]
        own = items[items["account_id"] == account_id]
        if not own.empty:
            out += ["### Action items", "", "| Status | Item | Owner | Due |", "| --- | --- | --- | --- |"]
            for row in own.itertuples(index=False):
                out.append(f"| {row.status} | {_cell(row.text)} | {_cell(row.owner)} | {row.due or ''} |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def export_csv(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV, with cells that a spreadsheet would run as a formula kept as text (lib.core.csv_safe)."""
    return csv_safe.to_csv(frame)


def _cell(value: str | None) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _stamp(value: dt.datetime | None) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
