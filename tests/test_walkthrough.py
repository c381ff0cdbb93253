"""The review walkthrough's domain: the lists of accounts to step through, and one account's screen.

Numbers are those of the hand-computed five-account portfolio (tests/fixtures/portfolio) in 2026Q2.
Annual revenue 2025Q3..2026Q2: A 110 + 120 = 230, B 180 + 150 = 330, C 0, D 30 + 40 = 70, E 150 + 150 = 300.
Under "annual revenue ≥ 250, must-have" (near-miss margin 10 %: 225 and up), B and E are key accounts
(both score 100, B first on annual revenue) and A is the one near miss.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lib.core.models import Account, ActionItem
from lib.keyaccounts.qualification import CriteriaSet, Rule
from lib.keyaccounts.status import key_account_basis, key_account_status
from lib.keyaccounts.store import approve_new_set
from lib.notes.notes import save_note
from lib.portfolio.data import Filters, load_portfolio
from lib.review.screen_chart import revenue_share_figure
from lib.review.walkthrough import KEY, NEAR, PICKED, SEGMENT, ListChoice, account_screen, walk_list
from tests.conftest import ADMIN, EDITOR

QUARTER = "2026Q2"
FILTERS = Filters(QUARTER)
TODAY = dt.date(2026, 7, 15)
NOTE = "## Plan\n\nRenew early."


def account_id(engine: Engine, external_id: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(Account.id).where(Account.external_id == external_id))


@pytest.fixture
def walk_engine(small_engine: Engine) -> Engine:
    """The small portfolio, its criteria approved, A's 2026Q2 note saved and two action items of A (one open, one done)."""
    criteria = CriteriaSet((Rule("annual_revenue", ">=", 250, 1, True),), cutoff=50, near_miss_margin=0.1)
    approve_new_set(small_engine, ADMIN, "Walk set", criteria)
    alpha = account_id(small_engine, "A")
    assert save_note(small_engine, EDITOR, alpha, QUARTER, NOTE, 0).saved
    with Session(small_engine) as session, session.begin():
        session.add(ActionItem(account_id=alpha, quarter=QUARTER, text="Send the offer", owner="Ann", due=dt.date(2026, 7, 1)))
        session.add(ActionItem(account_id=alpha, quarter=QUARTER, text="Done already", owner="Ann", status="done"))
    return small_engine


def listed(engine: Engine, choice: ListChoice, filters: Filters = FILTERS):
    return walk_list(engine, load_portfolio(engine), filters, choice)


def test_the_key_accounts_best_score_first_then_annual_revenue(walk_engine):
    walk = listed(walk_engine, ListChoice(KEY))
    assert walk.external_ids == ("B", "E")  # both score 100; B 330 before E 300
    assert walk.names == ("Beta Bank", "Epsilon Energy")
    assert walk.ids == (account_id(walk_engine, "B"), account_id(walk_engine, "E"))
    assert walk.title == "the 2 key accounts under “Walk set”"
    assert walk.message == "" and len(walk) == 2


def test_the_near_misses(walk_engine):
    walk = listed(walk_engine, ListChoice(NEAR))
    assert (walk.external_ids, walk.title) == (("A",), "the 1 near miss under “Walk set”")


def test_the_key_accounts_follow_the_filters(walk_engine):
    walk = listed(walk_engine, ListChoice(KEY), Filters(QUARTER, regions=("APAC",)))
    assert walk.external_ids == ("E",)


def test_without_an_approved_set_there_is_no_key_list_and_it_says_why(small_engine):
    walk = listed(small_engine, ListChoice(KEY))
    assert walk.ids == () and "No approved criteria set is active" in walk.message


def test_a_segment_lists_its_accounts_with_revenue_largest_first(walk_engine):
    enterprise = listed(walk_engine, ListChoice(SEGMENT, segment="Enterprise"))
    assert enterprise.external_ids == ("B", "A")  # 150 before 120
    assert enterprise.title == "the 2 Enterprise accounts with revenue in 2026Q2, largest first"
    smb = listed(walk_engine, ListChoice(SEGMENT, segment="SMB"))
    assert smb.external_ids == ("D",)  # Gamma Foods had no revenue in 2026Q2
    assert smb.title == "the 1 SMB account with revenue in 2026Q2, largest first"
    # The segment replaces the sidebar's segments; its regions still apply.
    emea = Filters(QUARTER, regions=("EMEA",))
    assert listed(walk_engine, ListChoice(SEGMENT, segment="Enterprise"), emea).external_ids == ("A",)
    assert listed(walk_engine, ListChoice(SEGMENT)).message == "Choose a segment."


def test_hand_picked_accounts_keep_their_order_and_unknown_ids_are_named(walk_engine):
    walk = listed(walk_engine, ListChoice(PICKED, picked=("E", "X-9", "A", "E")))
    assert walk.external_ids == ("E", "A")
    assert walk.title == "2 hand-picked accounts"
    assert walk.message == "Unknown account id: X-9."
    nothing = listed(walk_engine, ListChoice(PICKED))
    assert nothing.ids == () and nothing.message == "Find accounts by name to add them to the list."


def test_an_unknown_kind_of_list_is_refused(walk_engine):
    with pytest.raises(ValueError, match="not 'everything'"):
        listed(walk_engine, ListChoice("everything"))


def test_one_accounts_screen(walk_engine):
    alpha = account_id(walk_engine, "A")
    status = key_account_status(key_account_basis(walk_engine, load_portfolio(walk_engine), FILTERS), alpha)
    screen = account_screen(walk_engine, alpha, QUARTER, status, TODAY)
    assert (screen.profile.name, screen.profile.external_id, screen.previous_quarter) == ("Alpha Industries", "A", "2026Q1")
    kpis = {key: kpi.value for key, kpi in screen.kpis.items()}
    # Revenue 120; growth 120 / 100 - 1; share of wallet 120 / 400; whitespace 400 - 120;
    # NPS of 10, 9, 6 (dated in 2026Q2): (2 - 1) / 3; CSAT 5 and 4: 2 of 2.
    assert kpis == pytest.approx(
        {"revenue": 120, "yoy_growth": 0.2, "share_of_wallet": 0.3, "whitespace": 280, "nps": 100 / 3, "csat": 1.0}
    )
    assert screen.kpis_before["revenue"].value == 110 and screen.kpis_before["share_of_wallet"].value == pytest.approx(110 / 380)
    assert screen.history["quarter"].tolist() == ["2025Q2", "2026Q1", "2026Q2"]
    assert screen.history["revenue"].tolist() == [100, 110, 120]
    assert screen.history["share_of_wallet"].tolist() == pytest.approx([100 / 300, 110 / 380, 120 / 400])
    assert (status.label, status.score) == ("Near miss", 0.0)  # the one must-have rule fails
    ties = screen.relationships
    # Maria Lopez (exec, economic buyer) met 10 May, Tom Berg (exec) 1 June, Ivy Chen not: 2 of 3 met in the
    # 90 days to 30 June; the one key person, Maria Lopez, met by Ann alone: bus factor 1.
    assert (ties.stakeholders_known, ties.stakeholders_met_90d) == (3, 2)
    assert (ties.exec_met_90d, ties.economic_buyer_met_90d) == (True, True)
    assert (ties.single_threaded, ties.bus_factor) == (False, 1)
    assert ties.bus_factor_reason == "only Ann has met Maria Lopez, the economic buyer, since 2 January"  # 30 June - 179 days
    assert ties.single_threaded_reason.startswith("2 of their people were met in the 90 days to 30 June 2026")
    assert screen.open_items[["text", "owner", "days_overdue"]].values.tolist() == [["Send the offer", "Ann", 14]]
    assert (screen.note.body, screen.note.version, screen.note.updated_by) == (NOTE, 1, "editor")


def test_an_account_without_note_items_or_people(walk_engine):
    delta = account_id(walk_engine, "D")
    status = key_account_status(key_account_basis(walk_engine, load_portfolio(walk_engine), FILTERS), delta)
    screen = account_screen(walk_engine, delta, QUARTER, status, TODAY)
    assert screen.note.version == 0 and screen.note.body == ""
    assert screen.open_items.empty
    ties = screen.relationships
    assert (ties.stakeholders_known, ties.single_threaded, ties.bus_factor) == (0, True, 0)
    assert screen.kpis["nps"].value is None  # no survey: n/a, not 0
    assert status.label == "Not key"


def test_a_deleted_account_has_no_screen(walk_engine):
    status = key_account_status(key_account_basis(walk_engine, load_portfolio(walk_engine), FILTERS), 999_999)
    assert account_screen(walk_engine, 999_999, QUARTER, status, TODAY) is None


def test_the_trend_names_both_series_and_puts_the_share_on_its_own_axis(walk_engine):
    alpha = account_id(walk_engine, "A")
    status = key_account_status(key_account_basis(walk_engine, load_portfolio(walk_engine), FILTERS), alpha)
    figure = revenue_share_figure(account_screen(walk_engine, alpha, QUARTER, status, TODAY).history)
    bars, line = figure.data
    assert (bars.name, list(bars.y)) == ("Our revenue", [100, 110, 120])
    assert line.name == "Share of wallet (right axis)" and line.yaxis == "y2" and line.line.dash == "dash"
    assert figure.layout.yaxis2.tickformat == ".0%" and figure.layout.xaxis.tickangle == 0
    # The share axis reaches past the highest share (100 / 300 x 1.15 + 5 % = 43.3 %), in ticks of 10 % (at most five).
    assert list(figure.layout.yaxis2.range) == [0, pytest.approx(100 / 300 * 1.15 + 0.05)] and figure.layout.yaxis2.dtick == 0.1
