"""The ONE door between the deck and the feature packages: everything on the slides is gathered here.

Each function calls today's public lib functions (portfolio KPIs, share of wallet, key-account
qualification, Account 360, notes and action items) and hands back the plain values of
lib.review.model. The slide builders import none of those packages, so when a feature moves only
the imports of this module change. The relationship metrics are read with a small query of their
own until lib.relationships offers them (`relationships`, `single_threaded_share` below).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from lib.accounts.account360 import account_kpis, load_account
from lib.core import clock as clock
from lib.core import format as fmt
from lib.core.db import FACTS, data_versions, read_setting
from lib.core.models import Interaction, Stakeholder
from lib.core.quarters import quarter_end, shift_quarter
from lib.io.snapshot import cached_portfolio
from lib.keyaccounts.criteria import describe_criteria
from lib.keyaccounts.metrics import account_metrics
from lib.keyaccounts.qualification import qualify, summarize
from lib.keyaccounts.store import active_criteria
from lib.keyaccounts.tables import near_misses, qualified_accounts
from lib.notes.action_items import account_open_items
from lib.notes.notes import get_note
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import DEFAULT_GROSS_MARGIN, KPI_ORDER, KpiValue, base_quarter
from lib.portfolio.overview import account_table, portfolio_overview
from lib.relationships.vocabulary import KEY_ROLES
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
    "relationships",
    "single_threaded_share",
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
    """Build the per-version array files a deck reads (the portfolio and competitor spend), as the app's warm-up does."""
    data = load_portfolio_data(engine)
    cached_wallet_data(engine, data, data_versions(engine)[FACTS])
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
    names = dict(zip(data.accounts["id"].tolist(), data.accounts["name"].tolist()))
    ties = relationships(engine, ids, names, quarter)
    share, active = single_threaded_share(engine, data, filters)
    accounts = []
    for done, account_id in enumerate(ids):
        if progress:
            progress(done / max(len(ids), 1), f"Reading account {done + 1} of {len(ids)}")
        accounts.append(account_content(engine, account_id, quarter, today, verdicts.get(account_id, ""), ties.get(account_id)))
        if on_account:
            on_account(quarter, accounts[-1])
    riskiest = sorted(ties.values(), key=lambda r: (not r.single_threaded, r.bus_factor, r.name.lower()))
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
        relationships=RelationshipRisks(quarter, tuple(riskiest), share, active),
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
    stored = active_criteria(engine)
    if stored is None:
        return KeyAccountsContent(False, "No approved criteria set is active."), {}, []
    if stored.criteria is None:
        return KeyAccountsContent(False, f"The active criteria set is invalid: {stored.problem}"), {}, []
    metrics = account_metrics(data, filters)
    result = qualify(metrics, stored.criteria)
    summary = summarize(metrics, result)
    qualified = qualified_accounts(metrics, result, limit=None)
    near = near_misses(metrics, result, limit=TABLE_ROWS)
    key_rows = tuple(
        (r.name, r.segment or "", r.owner or "", f"{r.score:.0f}", fmt.money(r.annual_revenue), fmt.money(r.whitespace))
        for r in qualified.head(TABLE_ROWS).itertuples()
    )
    near_rows = tuple((r.name, f"{r.score:.0f}", r.lacks, fmt.money(r.annual_revenue), r.owner or "") for r in near.itertuples())
    approved = f"approved by {stored.approved_by} on {stored.approved_at:%Y-%m-%d}" if stored.approved_at else "not approved"
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


# --- relationships (until lib.relationships offers them) ------------------------------------------


def _windows(quarter: str) -> tuple[dt.date, dt.date, dt.date]:
    """as_of = the last day of the quarter; the first days of its 90- and 180-day windows (DESIGN.md)."""
    as_of = quarter_end(quarter)
    return as_of, as_of - dt.timedelta(days=89), as_of - dt.timedelta(days=179)


def relationships(engine: Engine, account_ids: Sequence[int], names: dict[int, str], quarter: str) -> dict[int, Relationship]:
    """Stakeholders known and met, executive and economic buyer met, single-threaded and bus factor, per account."""
    if not account_ids:
        return {}
    as_of, since_90, since_180 = _windows(quarter)
    ids = [int(i) for i in account_ids]
    with engine.connect() as connection:
        people = pd.DataFrame(
            connection.execute(
                select(Stakeholder.id, Stakeholder.account_id, Stakeholder.level, Stakeholder.role).where(
                    Stakeholder.account_id.in_(ids)
                )
            ).all(),
            columns=["stakeholder_id", "account_id", "level", "role"],
        )
        met = pd.DataFrame(
            connection.execute(
                select(Interaction.account_id, Interaction.stakeholder_id, Interaction.our_person, Interaction.date).where(
                    Interaction.account_id.in_(ids),
                    Interaction.stakeholder_id.is_not(None),
                    Interaction.date >= since_180,
                    Interaction.date <= as_of,
                )
            ).all(),
            columns=["account_id", "stakeholder_id", "our_person", "date"],
        )
    met["date"] = pd.to_datetime(met["date"]).dt.date
    recent = met[met["date"] >= since_90].merge(people[["stakeholder_id", "level", "role"]], on="stakeholder_id")
    return {i: _relationship(i, names.get(i, ""), people, recent, met) for i in ids}


def _relationship(account_id: int, name: str, people: pd.DataFrame, recent: pd.DataFrame, met: pd.DataFrame) -> Relationship:
    own_people = people[people["account_id"] == account_id]
    own_recent = recent[recent["account_id"] == account_id].drop_duplicates("stakeholder_id")
    key_people = own_people[own_people["role"].isin(KEY_ROLES)]["stakeholder_id"]
    ours = met[met["account_id"] == account_id].groupby("stakeholder_id")["our_person"].nunique()
    bus_factor = int(ours.reindex(key_people).fillna(0).min()) if len(key_people) else 0
    return Relationship(
        account_id=account_id,
        name=name,
        stakeholders_known=len(own_people),
        met_90d=len(own_recent),
        exec_met_90d=bool((own_recent["level"] == "exec").any()),
        economic_buyer_met_90d=bool((own_recent["role"] == "economic buyer").any()),
        single_threaded=len(own_recent) <= 1,
        bus_factor=bus_factor,
    )


def single_threaded_share(engine: Engine, data: PortfolioData, filters: Filters) -> tuple[float | None, int]:
    """The share of the filter's active accounts (revenue in the quarter) that are single-threaded, and how many are active."""
    column = data.column(filters.quarter)
    mask = data.mask(filters)
    active = mask & (data.revenue[:, column] > 0) if column is not None else np.zeros(len(mask), dtype=bool)
    active_ids = data.accounts["id"].to_numpy()[active]
    if not len(active_ids):
        return None, 0
    as_of, since_90, _ = _windows(filters.quarter)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Interaction.account_id, func.count(func.distinct(Interaction.stakeholder_id)))
            .where(Interaction.stakeholder_id.is_not(None), Interaction.date >= since_90, Interaction.date <= as_of)
            .group_by(Interaction.account_id)
        ).all()
    met = pd.Series({int(a): int(n) for a, n in rows}, dtype="int64")
    single = met.reindex(active_ids).fillna(0) <= 1
    return float(single.mean()), len(active_ids)
