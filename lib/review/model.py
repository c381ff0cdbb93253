"""What goes on the review deck, as plain values: the request, and the content of every slide.

lib.review.content fills these from the feature packages; the slide builders read nothing else,
so they never depend on where a number is computed. Numbers meant for reading arrive formatted
(lib.core.format, the app's house format); numbers for charts arrive as frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

KEY, ALL = "key", "all"
MAX_ACCOUNT_SLIDES = 100  # "all" at 10,000 accounts would be a book: the largest ones, and the deck says so


class DeckError(ValueError):
    """A deck that cannot be built as asked (unknown account ids, no data), in words for the user."""


@dataclass(frozen=True)
class DeckRequest:
    """Which deck: the quarter and filters as on the pages, and the accounts that get a slide each.

    accounts: "key" (the key accounts under the active criteria set), "all" (every account of the
    filter with revenue in the quarter, largest first) or account ids as imported ("A-001", ...).
    """

    quarter: str | None = None  # None: the last quarter with data
    base_offset: int = 4  # retention against Q-4 (or Q-1), as the Compare-with filter
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    accounts: str | tuple[str, ...] = KEY
    today: dt.date | None = None  # the day the deck is made (None: lib.core.clock.today()); overdue items count from it


@dataclass(frozen=True)
class Metric:
    """A headline number as a card shows it: label, value, its change and whether that change is good news."""

    label: str
    value: str
    change: str | None = None  # "+4.0 %", "-1.2 pts"; None when either quarter is n/a
    good: bool | None = None  # True: better, False: worse, None: no change or no judgement


@dataclass(frozen=True)
class Table:
    """Rows of formatted cells under column titles; `total` counts every row, also those not given."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int


@dataclass(frozen=True)
class PortfolioContent:
    metrics: tuple[Metric, ...]
    caption: str  # "retention against 2025Q2 (Compare with) · changes vs 2026Q1 · ..."
    trends: pd.DataFrame  # quarter, revenue, nrr, grr


@dataclass(frozen=True)
class WalletContent:
    metrics: tuple[Metric, ...]  # share of wallet, wallet, whitespace, then our market share per segment
    caption: str
    split: pd.DataFrame  # group, then one column per part: its share of the group's wallet (0..1)
    parts: tuple[str, ...]  # Us, competitors, others, unattributed: the columns of split, in order


@dataclass(frozen=True)
class KeyAccountsContent:
    available: bool
    message: str = ""  # why there is no list (no active criteria set, ...)
    criteria_name: str = ""
    approval: str = ""  # "approved by Ada on 2026-10-14"
    criteria: str = ""  # the rules and the cutoff in one line
    summary: str = ""  # "42 key accounts of 9,731: 38 % of annual revenue"
    qualified: Table = field(default_factory=lambda: Table((), (), 0))
    near_misses: Table = field(default_factory=lambda: Table((), (), 0))


@dataclass(frozen=True)
class Relationship:
    """One account's coverage of its stakeholders (DESIGN.md, "Relationships")."""

    account_id: int
    name: str
    stakeholders_known: int
    met_90d: int
    exec_met_90d: bool
    economic_buyer_met_90d: bool
    single_threaded: bool
    bus_factor: int


@dataclass(frozen=True)
class RelationshipRisks:
    quarter: str
    accounts: tuple[Relationship, ...]  # the deck's accounts, riskiest first
    single_threaded_share: float | None  # of the filter's active accounts
    active_accounts: int


@dataclass(frozen=True)
class ActionLine:
    text: str
    owner: str
    due: str  # "2026-07-15" or ""
    overdue_days: int | None = None


@dataclass(frozen=True)
class AccountContent:
    """One account's slide: who it is, its numbers and charts, what is open, and the quarter's note."""

    account_id: int
    external_id: str
    name: str
    facts: str  # "Enterprise · EMEA · owner Ann"
    status: str  # "Key account · score 83", "Near miss · score 58", "Not key · score 20", or ""
    metrics: tuple[Metric, ...]
    relationship: Relationship | None
    history: pd.DataFrame  # quarter, revenue, wallet (NaN: no estimate), the last quarters up to the deck's
    wallet_split: pd.DataFrame  # name, kind (us / competitor / unattributed), share (0..1); empty without a wallet that counts
    open_items: tuple[ActionLine, ...]
    open_items_total: int
    note: str  # plain text, Markdown reduced to what reads well on a slide
    note_stamp: str  # "version 3, saved by Ann on 2026-07-02" or ""


@dataclass(frozen=True)
class DeckContent:
    quarter: str
    base_quarter: str
    previous_quarter: str
    filters: str  # "Enterprise · EMEA" or "all accounts"
    data_as_of: str  # "2026-10-02 08:00 UTC" or "no import yet"
    made_on: str
    selection: str  # "the 12 key accounts", "3 chosen accounts", "the 100 largest of 9,412 accounts"
    portfolio: PortfolioContent
    wallet: WalletContent
    key_accounts: KeyAccountsContent
    relationships: RelationshipRisks
    accounts: tuple[AccountContent, ...]
