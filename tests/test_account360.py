"""Account 360 queries on the hand-computed five-account fixture (tests/fixtures/portfolio)."""

import datetime as dt
import math

import pytest
from sqlalchemy import text

from lib.accounts.account360 import (
    account_kpis,
    find_by_external_id,
    load_account,
    search_accounts,
    wallet_problem,
)
from lib.core.db import make_engine
from lib.io.importer import import_files
from lib.keyaccounts.status import key_account_basis, key_account_status
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.overview import account_table
from tests.conftest import ADMIN, DEMO_END
from tests.test_notes import account_id

LATER = dt.date(2026, 11, 24)


def test_profile_history_and_kpis_of_alpha(small_engine):
    view = load_account(small_engine, account_id(small_engine, "A"), "2026Q2", LATER)
    assert (view.profile.name, view.profile.segment, view.profile.owner, view.profile.strategic_fit) == (
        "Alpha Industries",
        "Enterprise",
        "Ann",
        5,
    )
    assert view.as_of == dt.date(2026, 6, 30)
    assert view.history[["quarter", "revenue", "wallet"]].values.tolist() == [
        ["2025Q2", 100.0, 300.0],
        ["2026Q1", 110.0, 380.0],
        ["2026Q2", 120.0, 400.0],
    ]
    kpis = account_kpis(view, "2026Q2")
    assert kpis["revenue"].value == 120.0
    assert kpis["yoy_growth"].value == pytest.approx(0.2)  # 120 against 100 in 2025Q2
    assert kpis["share_of_wallet"].value == pytest.approx(0.3)  # 120 / 400
    assert kpis["whitespace"].value == 280.0  # 400 - 120
    # NPS responses dated in 2026Q2: 10, 9, 6 (the 0s are dated 2026-03-31 and 2026-07-01): (2 - 1) / 3
    assert kpis["nps"].value == pytest.approx(100 / 3)
    assert kpis["csat"].value == 1.0  # 5 and 4, both satisfied
    q1 = account_kpis(view, "2026Q1")
    assert q1["yoy_growth"].value is None  # no revenue in 2025Q1: n/a, not 0
    assert q1["nps"].value == -100.0  # one response, a 0
    assert q1["csat"].value is None


def test_who_has_the_wallet(small_engine):
    view = load_account(small_engine, account_id(small_engine, "A"), "2026Q2", LATER)
    split = view.wallet_split
    # wallet 400: us 120, Northstar 200, Cobalt 50, the rest 30
    assert split[["name", "kind", "spend"]].values.tolist() == [
        ["Us", "us", 120.0],
        ["Northstar Systems", "competitor", 200.0],
        ["Cobalt Analytics", "competitor", 50.0],
        ["Unattributed", "unattributed", 30.0],
    ]
    assert split["share_of_wallet"].tolist() == pytest.approx([0.3, 0.5, 0.125, 0.075])
    assert view.top_competitors["name"].tolist() == ["Northstar Systems", "Cobalt Analytics"]
    no_wallet = load_account(small_engine, account_id(small_engine, "B"), "2025Q2", LATER)
    assert no_wallet.wallet_split.empty  # B had no wallet estimate in 2025Q2


def impossible_wallets(engine) -> None:
    """O: revenue 500 against a wallet of 400 in 2026Q2 (100 of 300 in 2026Q1); Z: revenue 10, wallet 0."""
    import_files(
        engine,
        [
            ("accounts.csv", b"account_id,name\nO,Over Wallet Ltd\nZ,Zero Wallet Ltd\n"),
            ("revenue.csv", b"account_id,quarter,revenue,wallet\nO,2026Q1,100,300\nO,2026Q2,500,400\nZ,2026Q2,10,0\n"),
        ],
        ADMIN,
    )


def test_a_wallet_below_our_revenue_or_of_zero_is_left_out_and_says_why(engine):
    impossible_wallets(engine)
    over = load_account(engine, account_id(engine, "O"), "2026Q2", LATER)
    kpis = account_kpis(over, "2026Q2")
    assert kpis["revenue"].value == 500.0
    assert kpis["share_of_wallet"].value is None  # 500 / 400 would read 125 %: the wallet cannot be right
    assert kpis["whitespace"].value is None  # not 0: there is no estimate to measure it against
    assert "our revenue above the wallet" in kpis["share_of_wallet"].formula
    assert "our revenue above the wallet" in kpis["whitespace"].formula
    assert wallet_problem(over, "2026Q2") == "our revenue above the wallet"
    assert over.wallet_split.empty  # no "Us 125 %" in who has the wallet
    shares = over.history.set_index("quarter")
    assert shares.loc["2026Q1", "share_of_wallet"] == pytest.approx(100 / 300)
    assert shares.loc["2026Q1", "whitespace"] == 200.0
    assert math.isnan(shares.loc["2026Q2", "share_of_wallet"]) and math.isnan(shares.loc["2026Q2", "whitespace"])
    earlier = account_kpis(over, "2026Q1")
    assert earlier["share_of_wallet"].value == pytest.approx(100 / 300) and earlier["whitespace"].value == 200.0
    assert wallet_problem(over, "2026Q1") == ""
    zero = load_account(engine, account_id(engine, "Z"), "2026Q2", LATER)
    assert account_kpis(zero, "2026Q2")["share_of_wallet"].value is None
    assert account_kpis(zero, "2026Q2")["whitespace"].value is None
    assert wallet_problem(zero, "2026Q2") == "wallet estimate is 0"


def test_account_360_counts_the_same_wallets_as_the_portfolio(small_engine):
    impossible_wallets(small_engine)
    table = account_table(load_portfolio(small_engine), Filters("2026Q2")).set_index("external_id")
    for external_id in ("A", "B", "C", "D", "E", "O", "Z"):
        view = load_account(small_engine, account_id(small_engine, external_id), "2026Q2", LATER)
        share = account_kpis(view, "2026Q2")["share_of_wallet"].value
        expected = table.loc[external_id, "share_of_wallet"]
        assert (share is None and math.isnan(expected)) or share == pytest.approx(expected), external_id
    no_estimate = load_account(small_engine, account_id(small_engine, "B"), "2025Q2", LATER)
    assert "no wallet estimate" in account_kpis(no_estimate, "2025Q2")["share_of_wallet"].formula


def test_people_and_meetings(small_engine):
    alpha = load_account(small_engine, account_id(small_engine, "A"), "2026Q2", LATER)
    assert alpha.stakeholders["name"].tolist() == ["Maria Lopez", "Tom Berg", "Ivy Chen"]  # execs first, then by name
    assert alpha.stakeholders["contacts_90d"].tolist() == [1, 1, 0]
    assert alpha.stakeholders["last_contact"].tolist()[:2] == [dt.date(2026, 5, 10), dt.date(2026, 6, 1)]
    assert alpha.interactions[["date", "stakeholder", "channel"]].values.tolist() == [
        [dt.date(2026, 6, 1), "Tom Berg", "QBR"],
        [dt.date(2026, 5, 10), "Maria Lopez", "meeting"],
    ]
    assert alpha.people_touched_90d == 2 and not alpha.single_threaded
    beta = load_account(small_engine, account_id(small_engine, "B"), "2026Q2", LATER)
    assert beta.people_touched_90d == 1 and beta.single_threaded
    earlier = load_account(small_engine, account_id(small_engine, "A"), "2026Q1", LATER)
    assert earlier.interactions.empty and earlier.single_threaded  # as of 2026-03-31 nobody had been met


def test_stakeholders_are_ordered_by_the_levels_of_the_vocabulary_then_by_name(small_engine):
    people = b"account_id,name,level\nB,Zoe Adams,staff\nB,Al Brown,\nB,Max Lee,manager\nB,Ada Ng,senior\n"
    import_files(small_engine, [("stakeholders.csv", people)], ADMIN)
    beta = load_account(small_engine, account_id(small_engine, "B"), "2026Q2", LATER)
    # senior, manager, staff (lib.relationships.vocabulary.LEVELS), then a stakeholder of no level
    assert beta.stakeholders["name"].tolist() == ["Ada Ng", "Sam Patel", "Max Lee", "Zoe Adams", "Al Brown"]


def test_a_churned_account_and_a_missing_one(small_engine):
    gamma = load_account(small_engine, account_id(small_engine, "C"), "2026Q2", LATER)
    assert gamma.profile.churned_on == dt.date(2026, 1, 10)
    assert account_kpis(gamma, "2026Q2")["revenue"].value is None
    assert load_account(small_engine, 999_999, "2026Q2", LATER) is None
    assert find_by_external_id(small_engine, "E") == account_id(small_engine, "E")
    assert find_by_external_id(small_engine, "nope") is None


def test_search_by_name_or_id_ranks_the_closest_first(small_engine):
    accounts = load_portfolio(small_engine).accounts
    found, total = search_accounts(accounts, "  ALPHA ")
    assert total == 1 and found["name"].tolist() == ["Alpha Industries"]
    found, total = search_accounts(accounts, "e")  # in four names (not Gamma Foods); the id "E" is an exact match
    assert total == 4 and found["external_id"].iloc[0] == "E"
    found, total = search_accounts(accounts, "ta")
    assert found["name"].tolist() == ["Beta Bank", "Delta Health"]
    assert search_accounts(accounts, "")[1] == 0 and search_accounts(accounts, "zzz")[1] == 0
    assert len(search_accounts(accounts, "a", limit=2)[0]) == 2


def test_key_account_status_says_when_no_criteria_set_is_active(small_engine):
    data = load_portfolio(small_engine)  # the importer's portfolio has no criteria set at all
    basis = key_account_basis(small_engine, data, Filters("2026Q2"))
    status = key_account_status(basis, account_id(small_engine, "A"))
    assert not status.available and status.message == "no approved criteria set is active" and status.label == "n/a"


def test_key_account_status_says_when_the_active_set_is_invalid(demo_copy_url):
    engine = make_engine(demo_copy_url)
    with engine.begin() as connection:
        connection.execute(text('UPDATE criteria_sets SET rules = \'{"rules": [{"metric": "shoe_size"}]}\' WHERE active'))
    basis = key_account_basis(engine, load_portfolio(engine), Filters(DEMO_END))
    assert not basis.available and basis.message.startswith("the active criteria set is invalid")


def test_key_account_status_under_the_active_criteria(demo_url):
    engine = make_engine(demo_url)
    data = load_portfolio(engine)
    basis = key_account_basis(engine, data, Filters(DEMO_END))
    assert basis.available, basis.message
    assert basis.criteria_name and basis.approved_by == "Alex Admin"  # named as Review notes and Key accounts name people
    assert len(basis.results) == len(data.accounts)
    largest = int(data.accounts["id"].iloc[data.revenue[:, -1].argmax()])
    status = key_account_status(basis, largest)
    assert status.available and 0 <= status.score <= 100
    assert status.label in ("Key account", "Near miss", "Not key")
    qualified = basis.results[basis.results["qualified"]]
    assert key_account_status(basis, int(qualified.index[0])).label == "Key account"
    engine.dispose()
