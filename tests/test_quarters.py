"""Quarters and dates: written zero-padded, accepted only inside the window (1990 to the end of the
year after next), and a row outside it that is already stored never breaks the portfolio."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from lib.core.quarters import (
    check_date,
    check_quarter,
    is_stored_quarter,
    parse_quarter,
    quarter_from_index,
    quarter_of,
    quarter_window,
    shift_quarter,
)
from lib.io.importer import ImportRejected, import_files
from lib.portfolio.data import load_portfolio
from tests.conftest import ADMIN, ROOT, app_test, portfolio_files
from tests.test_importer import snapshot

TODAY = dt.date(2026, 12, 4)


def test_quarters_are_written_with_four_digits():
    assert quarter_from_index(4) == "0001Q1"
    assert quarter_of(dt.date(5, 8, 1)) == "0005Q3"
    assert parse_quarter(" 2026-q3 ") == "2026Q3"
    assert shift_quarter("2026Q4", 1) == "2027Q1"


def test_the_window_runs_from_1990_to_the_end_of_the_year_after_next():
    assert quarter_window(TODAY) == ("1990Q1", "2028Q4")
    assert check_quarter("1990Q1", TODAY) == "1990Q1" and check_quarter("2028q4", TODAY) == "2028Q4"
    for outside in ("0000Q1", "1989Q4", "2029Q1", "9999Q4"):
        with pytest.raises(ValueError, match="outside 1990Q1..2028Q4"):
            check_quarter(outside, TODAY)
    assert check_date(dt.date(2028, 12, 31), TODAY)
    with pytest.raises(ValueError, match="outside 1990-01-01..2028-12-31"):
        check_date(dt.date(1, 1, 1), TODAY)


def test_the_window_follows_lib_clock(monkeypatch):
    monkeypatch.setenv("KEYSTONE_TODAY", "2031-05-01")
    assert quarter_window() == ("1990Q1", "2033Q4")


@pytest.mark.parametrize("value", ["0000Q1", "9999Q4", "2026q1", " 2026Q1", "junk", "", None, 20261])
def test_only_canonical_quarters_of_the_window_count_as_stored(value):
    assert not is_stored_quarter(value, TODAY)
    assert is_stored_quarter("2026Q1", TODAY)


@pytest.mark.parametrize(
    "name, content, column, reason",
    [
        ("revenue.csv", b"account_id,quarter,revenue\nA,0000Q1,5\n", "quarter", "quarter 0000Q1 is outside 1990Q1..2028Q4"),
        ("revenue.csv", b"account_id,quarter,revenue\nA,9999Q4,5\n", "quarter", "quarter 9999Q4 is outside 1990Q1..2028Q4"),
        (
            "revenue.csv",
            b"account_id,date,revenue\nA,1989-12-31,5\n",
            "date",
            "date 1989-12-31 is outside 1990-01-01..2028-12-31",
        ),
        ("spend.csv", b"account_id,quarter,competitor,spend\nA,2029Q1,Rival,5\n", "quarter", "outside 1990Q1..2028Q4"),
        ("surveys.csv", b"account_id,date,kind,score\nA,0001-01-01,NPS,9\n", "date", "date 0001-01-01 is outside"),
        ("surveys.csv", b"account_id,date,kind,score\nA,9999-12-31,NPS,9\n", "date", "date 9999-12-31 is outside"),
        ("interactions.csv", b"account_id,our_person,date\nA,Dana,3026-01-01\n", "date", "outside"),
        ("accounts.csv", b"account_id,name,customer_since\nZ,Zed,1899-12-31\n", "customer_since", "outside 1900-01-01"),
    ],
)
def test_quarters_and_dates_outside_the_window_are_rejected(small_engine, name, content, column, reason):
    before = snapshot(small_engine)
    with pytest.raises(ImportRejected) as caught:
        import_files(small_engine, [(name, content)], ADMIN, today=TODAY)
    assert snapshot(small_engine) == before
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (name, 2, column)
    assert reason in problem.reason


def test_an_old_customer_is_still_a_customer(small_engine):
    import_files(small_engine, [("accounts.csv", b"account_id,name,customer_since\nZ,Zed,1950-06-30\n")], ADMIN, today=TODAY)


BAD_STORED_QUARTERS = ["0000Q1", "9999Q4", "1Q1", "2026q1", "junk"]


def account_id(engine, external_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT id FROM accounts WHERE external_id = :e"), {"e": external_id}).scalar()


def store_bad_rows(engine, quarter: str) -> None:
    """Rows the importer refuses, written straight into the database (as an older version could)."""
    with engine.begin() as connection:
        account = connection.execute(text("SELECT id FROM accounts WHERE external_id = 'A'")).scalar()
        connection.execute(
            text("INSERT INTO revenue (account_id, quarter, revenue_cents) VALUES (:a, :q, 500)"), {"a": account, "q": quarter}
        )
        connection.execute(
            text("INSERT INTO surveys (account_id, date, quarter, kind, score, respondent) VALUES (:a, :d, :q, 'NPS', 9, :q)"),
            {"a": account, "d": dt.date(2026, 1, 1), "q": quarter},
        )
        connection.execute(
            text("INSERT INTO competitor_spend (account_id, quarter, competitor, spend_cents) VALUES (:a, :q, 'Stray', 500)"),
            {"a": account, "q": quarter},
        )
        connection.execute(text("UPDATE data_versions SET version = version + 1"))


@pytest.mark.parametrize("quarter", BAD_STORED_QUARTERS)
def test_the_portfolio_ignores_stored_rows_it_cannot_place(small_engine, quarter):
    clean = load_portfolio(small_engine)
    store_bad_rows(small_engine, quarter)
    data = load_portfolio(small_engine)
    assert data.quarters == clean.quarters and data.last_quarter == "2026Q3"
    assert (data.revenue == clean.revenue).all() and (data.nps_responses == clean.nps_responses).all()


def test_kpis_and_later_imports_survive_a_stored_bad_row(small_engine):
    for quarter in ("0000Q1", "9999Q4"):
        store_bad_rows(small_engine, quarter)
    url = small_engine.url.render_as_string(hide_password=False)
    result = subprocess.run(
        [sys.executable, "-m", "lib", "--db", url, "kpis", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KEYSTONE_TODAY": TODAY.isoformat()},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["quarter"] == "2026Q3"  # not 9999Q4
    import_files(small_engine, portfolio_files("revenue.csv"), ADMIN, today=TODAY)


def test_every_page_survives_stored_bad_rows(small_engine):
    for quarter in ("0000Q1", "9999Q4"):
        store_bad_rows(small_engine, quarter)
    url = small_engine.url.render_as_string(hide_password=False)
    at = app_test(url)
    assert not at.exception
    assert at.title[0].value == "Portfolio"
    quarters = at.selectbox(key="flt_quarter").options
    assert quarters[0] == "2026Q3" and quarters[-1] == "2025Q2"  # 0000Q1 and 9999Q4 are no quarters to choose
    pages = ("wallet", "key_accounts", "account_360", "relationships", "review_notes", "data")
    for page in (f"pages/{name}.py" for name in pages):
        assert not app_test(url, "admin", page).exception, page
    wallet = app_test(url, "admin", "pages/wallet.py")
    wallet.selectbox(key="flt_quarter").select("2026Q2").run()  # the fixture's quarter of competitor spend
    split = json.loads(next(c for c in wallet.get("plotly_chart") if "sow_split_chart" in c.proto.id).proto.spec)
    assert {"Northstar Systems", "Cobalt Analytics"} <= {trace["name"] for trace in split["data"]}  # still tracked
    account_360 = app_test(url, "admin")
    account_360.session_state["a360_account_id"] = account_id(small_engine, "A")  # the account holding the bad rows
    account_360.switch_page("pages/account_360.py").run()
    assert not account_360.exception
    assert account_360.title[0].value == "Alpha Industries"
    trend = json.loads(next(c for c in account_360.get("plotly_chart") if "a360_trend" in c.proto.id).proto.spec)
    assert trend["data"][0]["x"] == ["2025Q2", "2026Q1", "2026Q2"]  # A's revenue rows; 0000Q1 and 9999Q4 are no quarters


def test_the_command_line_refuses_quarters_outside_the_window(small_engine):
    url = small_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "KEYSTONE_TODAY": TODAY.isoformat()}
    for args in (["kpis", "--quarter", "9999Q4"], ["demo", "--end", "0000Q1"], ["demo", "--quarters", "200"]):
        result = subprocess.run(
            [sys.executable, "-m", "lib", "--db", url, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
        )
        assert result.returncode == 2 and "outside 1990Q1..2028Q4" in result.stderr, args
        assert "Traceback" not in result.stderr
