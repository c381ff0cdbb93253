"""The ONE door between the deck and the feature packages: everything on the slides is gathered here.

Each function calls today's public lib functions (portfolio KPIs, share of wallet, key-account
qualification, relationships, Account 360, notes and action items) and hands back the plain values of
lib.review.model. The slide builders import none of those packages, so when a feature moves only
the imports of this module change. The relationships are lib.relationships' figures, the very ones
of the Relationships page and of `python -m lib relationships`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from lib.accounts.account360 import account_kpis, load_account
from lib.core import clock as clock
from lib.core import format as fmt
from lib.core.db import FACTS, data_versions, read_setting
from lib.core.format import sentence
from lib.core.quarters import shift_quarter
from lib.io.snapshot import cached_portfolio
from lib.keyaccounts.criteria import describe_criteria
from lib.keyaccounts.qualification import summarize
from lib.keyaccounts.status import qualify_under_active
from lib.keyaccounts.tables import near_misses, qualified_accounts
from lib.notes.action_items import account_open_items
from lib.notes.notes import get_note
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import DEFAULT_GROSS_MARGIN, KPI_ORDER, KpiValue, base_quarter
from lib.portfolio.overview import account_table, portfolio_overview
from lib.relationships.data import cached_relationships
from lib.relationships.metrics import RelationshipMetrics
from lib.relationships.portfolio import account_table as relationship_table
from lib.relationships.portfolio import active_accounts, portfolio_metrics, single_threaded_share
from lib.review.model import (
    ALL,
    KEY,
    MAX_ACCOUNT_SLIDES,
    AccountContent,
    ActionLine,
    DeckContent,
    DeckError,
    DeckRequest,
    KeyAccountsContent,
    Metric,
    PortfolioContent,
    Relationship,
    RelationshipRisks,
    Table,
    WalletContent,
)
from lib.review.text import plain_text
from lib.wallet.cards import wallet_figures
from lib.wallet.data import cached_wallet_data
from lib.wallet.split import split_shares, wallet_split

__all__ = [
    "PortfolioData",
    "deck_content",
    "load_portfolio_data",
    "request_from_filters",
    "relationship_metrics",
    "relationship_risks",
    "relationships",
]
Progress = Callable[[float, str], None]
TABLE_ROWS = 40  # more than any slide holds; the slide cuts to what fits and says "and N more"


def request_from_filters(filters: Filters, accounts: str | Sequence[str] = KEY) -> DeckRequest:
    """The deck for what the pages show: their quarter and filters, and the accounts asked for."""
    chosen = accounts if isinstance(accounts, str) else tuple(accounts)
    return DeckRequest(filters.quarter, filters.base_offset, filters.segments, filters.regions, filters.owners, chosen)


def load_portfolio_data(engine: Engine) -> PortfolioData:
    """The portfolio arrays as the command line reads them (per data version, from their snapshot file)."""
    as_of = read_setting(engine, "data_as_of")
    return cached_portfolio(engine, data_versions(engine)[FACTS], dt.datetime.fromisoformat(as_of) if as_of else None)


def prepare_snapshots(engine: Engine) -> PortfolioData:
    """Build the per-version array files a deck reads (the portfolio, competitor spend and relationships), as the app's
    warm-up does."""
    data = load_portfolio_data(engine)
    version = data_versions(engine)[FACTS]
    cached_wallet_data(engine, data, version)
    cached_relationships(engine, data, version)
    return data


def deck_content(
    engine: Engine,
    request: DeckRequest,
    data: PortfolioData | None = None,
    progress: Progress | None = None,
    on_account: Callable[[str, AccountContent], None] | None = None,
) -> DeckContent:
    """Everything the deck shows, for the request; DeckError when it cannot be built as asked.

    on_account(quarter, account) hears of each account as soon as it is read (the deck starts drawing its charts).
    """
    data = data if data is not None else load_portfolio_data(engine)
    quarter = request.quarter or data.last_quarter
    if quarter is None:
        raise DeckError("The database holds no revenue yet: import some or run `python -m lib demo`.")
    if data.column(quarter) is None:
        raise DeckError(f"There is no data for {quarter}: the data covers {data.quarters[0]} to {data.quarters[-1]}.")
    filters = Filters(quarter, request.base_offset, request.segments, request.regions, request.owners)
    today = request.today or clock.today()
    key_accounts, verdicts, key_ids = _key_accounts(engine, data, filters)
    ids, selection = _selected_accounts(data, filters, request.accounts, key_accounts, key_ids)
    relationship = relationship_metrics(engine, data, quarter)
    ties = relationships(data, relationship, ids)
    accounts = []
    for done, account_id in enumerate(ids):
        if progress:
            progress(done / max(len(ids), 1), f"Reading account {done + 1} of {len(ids)}")
        accounts.append(account_content(engine, account_id, quarter, today, verdicts.get(account_id, ""), ties.get(account_id)))
        if on_account:
            on_account(quarter, accounts[-1])
    return DeckContent(
        quarter=quarter,
        base_quarter=base_quarter(filters),
        previous_quarter=shift_quarter(quarter, -1),
        filters=describe_filters(filters),
        data_as_of=f"{data.data_as_of:%Y-%m-%d %H:%M} UTC" if data.data_as_of else "no import yet",
        made_on=f"{clock.utc_now():%Y-%m-%d %H:%M} UTC",
        selection=selection,
        portfolio=_portfolio(engine, data, filters),
        wallet=_wallet(engine, data, filters),
        key_accounts=key_accounts,
        relationships=relationship_risks(data, relationship, filters, ties),
        accounts=tuple(accounts),
    )


def describe_filters(filters: Filters) -> str:
    chosen = [*filters.segments, *filters.regions, *filters.owners]
    return " · ".join(chosen) if chosen else "all accounts"


def metric(kpi: KpiValue, before: KpiValue | None, label: str | None = None) -> Metric:
    """A KPI as a card reads it: the app's format, the change against `before`, and whether it is good news."""
    previous = before.value if before is not None else None
    change = fmt.change(kpi.unit, kpi.value, previous)
    good = None
    if change is not None and previous != kpi.value:
        good = (kpi.value > previous) == kpi.higher_is_better
    return Metric(label or kpi.label, fmt.value(kpi.unit, kpi.value), change, good)


# --- portfolio and wallet -------------------------------------------------------------------------


SHORT_LABELS = {"revenue_growth_existing": "Growth, existing clients", "cltv": "Lifetime value (CLTV)"}  # to fit a card


def _portfolio(engine: Engine, data: PortfolioData, filters: Filters) -> PortfolioContent:
    margin = float(read_setting(engine, "gross_margin") or DEFAULT_GROSS_MARGIN)
    view = portfolio_overview(data, filters, margin)
    metrics = tuple(metric(view.now[key], view.before.get(key), SHORT_LABELS.get(key)) for key in KPI_ORDER)
    caption = (
        f"{filters.quarter} · retention against {base_quarter(filters)} (Compare with) · changes vs "
        f"{shift_quarter(filters.quarter, -1)} · {describe_filters(filters)} · {view.accounts_in_filter:,} accounts"
    )
    trends = view.trends[view.trends["quarter"] <= filters.quarter][["quarter", "revenue", "nrr", "grr"]].tail(8)
    return PortfolioContent(metrics, caption, trends.reset_index(drop=True))


def _wallet(engine: Engine, data: PortfolioData, filters: Filters) -> WalletContent:
    spend = cached_wallet_data(engine, data, data_versions(engine)[FACTS])
    figures = wallet_figures(data, spend, filters)
    labels = {"share_of_wallet": "Share of wallet", "wallet": "Wallet", "whitespace": "Whitespace"}
    metrics = tuple(
        metric(figures.now[key], figures.before.get(key), labels.get(key, f"Market share {figures.now[key].label}"))
        for key in figures.keys
    )
    cover = figures.coverage
    caption = (
        f"{cover.counted:,} of {cover.accounts:,} accounts have a wallet estimate that counts; "
        f"{cover.without_estimate:,} buying accounts have none ({fmt.money(cover.revenue_without_estimate)} of revenue), "
        "left out of every share. Changes vs the quarter before."
    )
    split = wallet_split(data, spend, filters, "segment", top_groups=6, top_competitors=4)
    return WalletContent(
        metrics, caption, split_shares(split).drop(columns=["wallet", "accounts", "high_confidence"]), split.parts
    )


# --- key accounts and the selection ---------------------------------------------------------------


def _key_accounts(engine: Engine, data: PortfolioData, filters: Filters) -> tuple[KeyAccountsContent, dict[int, str], list[int]]:
    """The key-account list and near misses, each account's verdict ("Key account · score 83"), and the key ids."""
    active = qualify_under_active(engine, data, filters)
    if active.problem:
        return KeyAccountsContent(False, sentence(active.problem)), {}, []
    stored, metrics, result = active.stored, active.metrics, active.result
    summary = summarize(metrics, result)
    qualified = qualified_accounts(metrics, result, limit=None)
    near = near_misses(metrics, result, limit=TABLE_ROWS)
    key_rows = tuple(
        (r.name, r.segment or "", r.owner or "", f"{r.score:.0f}", fmt.money(r.annual_revenue), fmt.money(r.whitespace))
        for r in qualified.head(TABLE_ROWS).itertuples()
    )
    near_rows = tuple((r.name, f"{r.score:.0f}", r.lacks, fmt.money(r.annual_revenue), r.owner or "") for r in near.itertuples())
    approved = (
        f"approved by {stored.approved_by_name or stored.approved_by} on {stored.approved_at:%Y-%m-%d}"
        if stored.approved_at
        else "not approved"
    )
    content = KeyAccountsContent(
        True,
        criteria_name=stored.name,
        approval=approved,
        criteria=describe_criteria(stored.criteria),
        summary=(
            f"{summary.qualified:,} key accounts of {summary.accounts:,} in the filter, "
            f"{fmt.rate(summary.revenue_share, 0)} of annual revenue; {summary.near_misses:,} near misses"
        ),
        qualified=_table(("Account", "Segment", "Owner", "Score", "Annual revenue", "Whitespace"), key_rows, summary.qualified),
        near_misses=_table(("Account", "Score", "What it lacks", "Annual revenue", "Owner"), near_rows, summary.near_misses),
    )
    score, chosen, near_miss = result.score.to_numpy(), result.qualified.to_numpy(), result.near_miss.to_numpy()
    verdicts = {
        int(i): f"{'Key account' if k else 'Near miss' if n else 'Not key'} · score {s:.0f}"
        for i, s, k, n in zip(metrics["id"].to_numpy(), score, chosen, near_miss)
    }
    return content, verdicts, [int(i) for i in qualified["id"]]


def _table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], total: int) -> Table:
    return Table(columns, tuple(tuple("" if c is None else str(c) for c in row) for row in rows), total)


def _selected_accounts(
    data: PortfolioData, filters: Filters, chosen: str | tuple[str, ...], key: KeyAccountsContent, key_ids: list[int]
) -> tuple[list[int], str]:
    """The internal ids of the accounts that get a slide each, and how the title slide names them."""
    if chosen == KEY:
        if not key.available:
            raise DeckError(f"There is no key-account list: {key.message} Choose all accounts or name them by id.")
        return _at_most(key_ids, "key accounts")
    if chosen == ALL:
        table = account_table(data, filters).sort_values(["revenue", "name"], ascending=[False, True], kind="stable")
        buying = table[table["revenue"] > 0]["id"].astype(int).tolist()
        return _at_most(buying, "accounts with revenue in the quarter, largest first")
    if isinstance(chosen, str):
        chosen = tuple(part.strip() for part in chosen.split(",") if part.strip())
    ids_by_external = dict(zip(data.accounts["external_id"].tolist(), data.accounts["id"].tolist()))
    wanted = list(dict.fromkeys(chosen))
    unknown = [external for external in wanted if external not in ids_by_external]
    if unknown:
        raise DeckError(f"Unknown account id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    if len(wanted) > MAX_ACCOUNT_SLIDES:
        raise DeckError(f"A deck holds at most {MAX_ACCOUNT_SLIDES} accounts; {len(wanted):,} were named.")
    return [int(ids_by_external[e]) for e in wanted], f"{len(wanted):,} chosen account{'s' if len(wanted) != 1 else ''}"


def _at_most(ids: list[int], what: str) -> tuple[list[int], str]:
    if len(ids) > MAX_ACCOUNT_SLIDES:
        return ids[:MAX_ACCOUNT_SLIDES], f"the first {MAX_ACCOUNT_SLIDES} of {len(ids):,} {what}"
    return ids, f"the {len(ids):,} {what}"


# --- one account ---------------------------------------------------------------------------------

MAX_OPEN_ITEMS = 8  # read from the database; the slide shows what fits


def account_content(
    engine: Engine, account_id: int, quarter: str, today: dt.date, verdict: str, relationship: Relationship | None
) -> AccountContent:
    """One account's slide: Account 360's numbers and history, its open action items and the quarter's note."""
    view = load_account(engine, account_id, quarter, today)
    if view is None:
        raise DeckError(f"Account {account_id} is gone: it was deleted while the deck was being built.")
    profile = view.profile
    now, before = account_kpis(view, quarter), account_kpis(view, shift_quarter(quarter, -1))
    history = view.history[view.history["quarter"] <= quarter][["quarter", "revenue", "wallet"]].tail(8)
    split = view.wallet_split.rename(columns={"share_of_wallet": "share"})[["name", "kind", "share"]]
    items = account_open_items(engine, account_id, today)
    lines = tuple(
        ActionLine(str(text), owner or "", str(due) if due else "", None if pd.isna(late) else int(late))
        for text, owner, due, late in items[["text", "owner", "due", "days_overdue"]].head(MAX_OPEN_ITEMS).itertuples(index=False)
    )
    note = get_note(engine, account_id, quarter)
    stamp = f"version {note.version}, saved by {note.saved_by} on {note.updated_at:%Y-%m-%d}" if note.exists else ""
    facts = [profile.external_id, profile.segment, profile.region, f"owner {profile.owner}" if profile.owner else None]
    return AccountContent(
        account_id=account_id,
        external_id=profile.external_id,
        name=profile.name,
        facts=" · ".join(f for f in facts if f),
        status=verdict,
        metrics=tuple(metric(now[key], before.get(key)) for key in now),
        relationship=relationship,
        history=history.reset_index(drop=True),
        wallet_split=split.reset_index(drop=True),
        open_items=lines,
        open_items_total=len(items),
        note=plain_text(note.body),
        note_stamp=stamp,
    )


# --- relationships (lib.relationships: the Relationships page's figures) ------------------------------


def relationship_metrics(engine: Engine, data: PortfolioData, quarter: str) -> RelationshipMetrics:
    """Every account's relationship metrics for the quarter, in the portfolio's order, from this data version's arrays."""
    return portfolio_metrics(data, cached_relationships(engine, data, data_versions(engine)[FACTS]), quarter)


def relationships(data: PortfolioData, metrics: RelationshipMetrics, account_ids: Sequence[int]) -> dict[int, Relationship]:
    """Stakeholders known and met, executive and economic buyer met, single-threaded and bus factor, per account."""
    rows = pd.Series(np.arange(len(data.accounts)), index=data.accounts["id"].to_numpy())
    names = data.accounts["name"].to_numpy()
    return {
        int(i): Relationship(
            account_id=int(i),
            name=str(names[row]),
            stakeholders_known=int(metrics.stakeholders_known[row]),
            met_90d=int(metrics.stakeholders_met_90d[row]),
            exec_met_90d=bool(metrics.exec_met_90d[row]),
            economic_buyer_met_90d=bool(metrics.economic_buyer_met_90d[row]),
            single_threaded=bool(metrics.single_threaded[row]),
            bus_factor=int(metrics.bus_factor[row]),
        )
        for i, row in rows.reindex([int(i) for i in account_ids]).dropna().astype(int).items()
    }


def relationship_risks(
    data: PortfolioData,
    metrics: RelationshipMetrics,
    filters: Filters,
    ties: dict[int, Relationship],
) -> RelationshipRisks:
    """The deck's accounts riskiest first, in the order of the Relationships page's portfolio table (accounts it does
    not list, without revenue in the quarter or outside the filter, last), and the filter's single-threaded share."""
    table = relationship_table(data, metrics, filters)
    listed = data.accounts["id"].to_numpy()[table.index.to_numpy()]
    order = [int(i) for i in listed if int(i) in ties]
    order += [i for i in ties if i not in set(order)]
    active = active_accounts(data, filters)
    return RelationshipRisks(
        filters.quarter, tuple(ties[i] for i in order), single_threaded_share(metrics, active), int(active.sum())
    )
