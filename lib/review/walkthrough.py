"""The review walkthrough: the list of accounts a meeting steps through, and what one account's screen shows.

A list is the key accounts under the active approved criteria set, one segment's accounts, the near
misses, or accounts picked by hand; each account's screen is its headline KPIs with their changes,
its revenue and share-of-wallet history, its key-account status, its relationship health, its open
action items and the quarter's note. Everything is read through the feature packages' public
functions (Account 360, key accounts, relationships, notes), so the walkthrough shows the numbers
every other page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from lib.accounts.account360 import Profile, account_kpis, load_account
from lib.core.format import sentence
from lib.core.quarters import shift_quarter
from lib.keyaccounts.status import KeyAccountStatus, qualify_under_active
from lib.keyaccounts.tables import near_misses, qualified_accounts
from lib.notes.action_items import account_open_items
from lib.notes.notes import Note, get_note
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import KpiValue
from lib.portfolio.overview import account_table
from lib.relationships.account import account_relationships

KEY, SEGMENT, NEAR, PICKED = "key", "segment", "near", "picked"
LIST_KINDS = {KEY: "Key accounts", SEGMENT: "A segment", NEAR: "Near misses", PICKED: "Hand-picked"}
HISTORY_QUARTERS = 8  # two years of trend: what a screen reads at a glance


@dataclass(frozen=True)
class ListChoice:
    """Which accounts to step through: a kind of LIST_KINDS, the segment (SEGMENT), the account ids as imported (PICKED)."""

    kind: str = KEY
    segment: str | None = None
    picked: tuple[str, ...] = ()


@dataclass(frozen=True)
class WalkList:
    """The accounts of a choice, in the order they are shown, what the list is called, and why it is empty."""

    choice: ListChoice
    title: str  # "the 23 key accounts under “FY26 criteria”"
    ids: tuple[int, ...]  # internal account ids
    external_ids: tuple[str, ...]
    names: tuple[str, ...]
    message: str = ""  # why there is no account, or which picked ids are unknown

    def __len__(self) -> int:
        return len(self.ids)


def walk_list(engine: Engine, data: PortfolioData, filters: Filters, choice: ListChoice) -> WalkList:
    """The accounts of the choice under the filters (the quarter and, for a segment, the regions and owners)."""
    if choice.kind in (KEY, NEAR):
        return _qualified_list(engine, data, filters, choice)
    if choice.kind == SEGMENT:
        return _segment_list(data, filters, choice)
    if choice.kind == PICKED:
        return _picked_list(data, choice)
    raise ValueError(f"a walkthrough list is one of {', '.join(LIST_KINDS)}, not {choice.kind!r}")


def _qualified_list(engine: Engine, data: PortfolioData, filters: Filters, choice: ListChoice) -> WalkList:
    """The key accounts (best score first) or the near misses (closest first), as the Key accounts page lists them."""
    active = qualify_under_active(engine, data, filters)
    if active.stored is None:
        return _empty(choice, "No approved criteria set is active: an admin approves one on the Key accounts page.")
    if active.problem:
        return _empty(choice, sentence(active.problem))
    stored, metrics, result = active.stored, active.metrics, active.result
    if choice.kind == KEY:
        table, one, what = qualified_accounts(metrics, result, limit=None), "key account", "key accounts"
    else:
        table, one, what = near_misses(metrics, result, limit=None), "near miss", "near misses"
    ids = [int(i) for i in table["id"]]
    title = f"the {_count(len(ids), one, what)} under “{stored.name}”"
    return _listed(data, choice, ids, title, "" if ids else f"There are no {what} under “{stored.name}” in this filter.")


def _segment_list(data: PortfolioData, filters: Filters, choice: ListChoice) -> WalkList:
    """The segment's accounts with revenue in the quarter (in the filter's regions and owners), largest first."""
    if not choice.segment:
        return _empty(choice, "Choose a segment.")
    within = Filters(filters.quarter, filters.base_offset, (choice.segment,), filters.regions, filters.owners)
    table = account_table(data, within)
    buying = table[table["revenue"] > 0].sort_values(["revenue", "name"], ascending=[False, True], kind="stable")
    ids = [int(i) for i in buying["id"]]
    title = f"the {_count(len(ids), choice.segment + ' account', choice.segment + ' accounts')} with revenue in {filters.quarter}, largest first"
    return _listed(data, choice, ids, title, "" if ids else f"No {choice.segment} account has revenue in {filters.quarter}.")


def _picked_list(data: PortfolioData, choice: ListChoice) -> WalkList:
    """The accounts named, in the order picked; ids that name no account are said, not shown."""
    known = dict(zip(data.accounts["external_id"].tolist(), data.accounts["id"].tolist()))
    wanted = list(dict.fromkeys(choice.picked))
    unknown = [external for external in wanted if external not in known]
    ids = [int(known[external]) for external in wanted if external in known]
    message = f"Unknown account id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}." if unknown else ""
    if not ids:
        message = (message + " " if message else "") + "Find accounts by name to add them to the list."
    return _listed(data, choice, ids, _count(len(ids), "hand-picked account", "hand-picked accounts"), message)


def _listed(data: PortfolioData, choice: ListChoice, ids: Sequence[int], title: str, message: str) -> WalkList:
    accounts = data.accounts.set_index("id").loc[list(ids), ["external_id", "name"]] if ids else None
    external_ids = tuple(accounts["external_id"].tolist()) if accounts is not None else ()
    names = tuple(accounts["name"].tolist()) if accounts is not None else ()
    return WalkList(choice, title, tuple(ids), external_ids, names, message)


def _empty(choice: ListChoice, message: str) -> WalkList:
    return WalkList(choice, "no accounts", (), (), (), message)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# --- one account's screen ---------------------------------------------------------------------


@dataclass(frozen=True)
class RelationshipHealth:
    """How well we know the account's people in the quarter (DESIGN.md, "Relationships"), with the reasons in words."""

    stakeholders_known: int
    stakeholders_met_90d: int
    exec_met_90d: bool
    economic_buyer_met_90d: bool
    single_threaded: bool
    bus_factor: int
    single_threaded_reason: str
    bus_factor_reason: str


@dataclass(frozen=True, eq=False)
class AccountScreen:
    """One account's screen of the walkthrough, for a quarter."""

    profile: Profile
    quarter: str
    previous_quarter: str
    kpis: dict[str, KpiValue]  # Account 360's KPIs in the quarter
    kpis_before: dict[str, KpiValue]  # and in the quarter before: the cards' changes
    history: pd.DataFrame  # quarter, revenue, wallet, share_of_wallet: the last HISTORY_QUARTERS up to the quarter
    status: KeyAccountStatus
    relationships: RelationshipHealth
    open_items: pd.DataFrame  # quarter, text, owner, due, status, days_overdue: every review's open items, soonest due first
    note: Note  # the quarter's review note (version 0 when there is none yet)


def account_screen(
    engine: Engine, account_id: int, quarter: str, status: KeyAccountStatus, today: dt.date
) -> AccountScreen | None:
    """The account's screen for the quarter (None when the account is gone); status: lib.keyaccounts.status's verdict."""
    view = load_account(engine, account_id, quarter, today)
    if view is None:
        return None
    previous = shift_quarter(quarter, -1)
    history = view.history[view.history["quarter"] <= quarter][["quarter", "revenue", "wallet", "share_of_wallet"]]
    return AccountScreen(
        profile=view.profile,
        quarter=quarter,
        previous_quarter=previous,
        kpis=account_kpis(view, quarter),
        kpis_before=account_kpis(view, previous),
        history=history.tail(HISTORY_QUARTERS).reset_index(drop=True),
        status=status,
        relationships=relationship_health(engine, account_id, quarter),
        open_items=account_open_items(engine, account_id, today),
        note=get_note(engine, account_id, quarter),
    )


def relationship_health(engine: Engine, account_id: int, quarter: str) -> RelationshipHealth:
    ties = account_relationships(engine, account_id, quarter)
    return RelationshipHealth(
        stakeholders_known=len(ties.stakeholders),
        stakeholders_met_90d=ties.stakeholders_met_90d,
        exec_met_90d=ties.exec_met_90d,
        economic_buyer_met_90d=ties.economic_buyer_met_90d,
        single_threaded=ties.single_threaded,
        bus_factor=ties.bus_factor,
        single_threaded_reason=ties.single_threaded_reason,
        bus_factor_reason=ties.bus_factor_reason,
    )
