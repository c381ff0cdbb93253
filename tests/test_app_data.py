"""AppTest: the Data page imports for an admin, lists every problem of a bad file, and is closed to others."""

import datetime as dt

import pytest
from sqlalchemy import text

from lib.core.db import FACTS, data_versions, make_engine, read_setting
from lib.io.snapshot import snapshot_path
from tests.conftest import FIXTURES, app_test

DATA_PAGE = "pages/data.py"


def accounts_in(url: str) -> int:
    with make_engine(url).connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM accounts")).scalar()


def upload(at, *files: tuple[str, bytes]):
    at.get("file_uploader")[0].set_value([(name, content, "text/csv") for name, content in files])
    at.button(key="FormSubmitter:data_import_form-Import").click().run()
    return at


def test_an_admin_imports_and_the_portfolio_shows_it(demo_copy_url):
    at = app_test(demo_copy_url, "admin", DATA_PAGE)
    assert not at.exception and at.title[0].value == "Data"
    before = accounts_in(demo_copy_url)
    new = b"account_id,name,segment\nNEW-1,Newco One,Enterprise\nNEW-2,Newco Two,SMB\n"
    revenue = b"account_id,quarter,revenue\nNEW-1,2026Q3,5000000\n"
    upload(at, ("accounts.csv", new), ("revenue.csv", revenue))
    assert not at.exception
    assert any("Imported 2 file(s)" in s.value for s in at.success), [e.value for e in at.error]
    assert accounts_in(demo_copy_url) == before + 2
    at.switch_page("pages/portfolio.py").run()
    assert "152 accounts" in at.caption[0].value  # 150 demo accounts + 2: the caches saw the import


def test_a_bad_file_lists_every_problem_and_changes_nothing(demo_copy_url):
    at = app_test(demo_copy_url, "admin", DATA_PAGE)
    before = accounts_in(demo_copy_url)
    upload(
        at,
        ("accounts.csv", b"account_id,name,strategic_fit\nX1,,9\nX1,Dup,2\n"),
        ("revenue.csv", (FIXTURES / "portfolio" / "revenue.csv").read_bytes()),
    )
    assert not at.exception
    assert "Nothing was imported" in at.error[0].value
    problems = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert len(problems) >= 3 and set(problems.columns) == {"file", "row", "column", "reason"}
    assert accounts_in(demo_copy_url) == before


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_others_have_no_data_page(demo_url, role):
    at = app_test(demo_url, role)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(DATA_PAGE)


def test_a_session_that_loses_the_admin_role_loses_the_upload(demo_copy_url):
    at = app_test(demo_copy_url, "admin", DATA_PAGE)
    assert at.get("file_uploader")
    with make_engine(demo_copy_url).begin() as connection:  # demoted in the database meanwhile
        connection.execute(text("UPDATE users SET role = 'viewer' WHERE username = 'admin'"))
    at.run()
    assert not at.exception
    assert not at.get("file_uploader")


def test_data_as_of_shows_the_time_of_the_import_just_made(demo_copy_url):
    with make_engine(demo_copy_url).begin() as connection:
        connection.execute(text("UPDATE settings SET value = '2020-01-02T03:04:00' WHERE key = 'data_as_of'"))
    at = app_test(demo_copy_url, "admin", DATA_PAGE)
    assert "Data as of 2020-01-02 03:04 UTC." in at.caption[0].value
    upload(at, ("accounts.csv", b"account_id,name\nNEW-1,Newco One\n"))
    assert at.success and not at.exception
    stored = dt.datetime.fromisoformat(read_setting(make_engine(demo_copy_url), "data_as_of"))
    assert stored.year > 2020 and f"Data as of {stored:%Y-%m-%d %H:%M} UTC." in at.caption[0].value


def test_a_rejected_import_is_listed_under_recent_imports(demo_copy_url):
    at = app_test(demo_copy_url, "admin", DATA_PAGE)
    upload(at, ("revenue.csv", b"account_id,quarter,revenue\nNOPE,2026Q3,5\nNOPE,2026Q2,lots\n"))
    assert "Nothing was imported" in at.error[0].value
    recent = next(d.value for d in at.dataframe if "action" in d.value.columns)
    first = recent.iloc[0]
    assert (first["user"], first["action"], first["files"]) == ("admin", "import rejected", "revenue.csv")
    assert first["detail"].startswith("3 problem(s), nothing was written: revenue.csv, row 2, column account_id: unknown account")


def test_the_page_says_that_accounts_come_first(demo_url):
    at = app_test(demo_url, "admin", DATA_PAGE)
    assert "Accounts come first" in at.caption[0].value and "or in the same batch" in at.caption[0].value


def test_an_import_prepares_the_next_pages_on_disk_and_in_this_server(demo_copy_url, monkeypatch):
    import lib.ui.portfolio as ui_portfolio
    import lib.ui.wallet.wallet as ui_wallet

    at = app_test(demo_copy_url, "admin", DATA_PAGE)
    upload(at, ("revenue.csv", b"account_id,quarter,revenue\nACC-000001,2026Q3,5000000\n"))
    assert at.success and not at.exception
    engine = make_engine(demo_copy_url)
    version = data_versions(engine)[FACTS]
    for kind in ("portfolio", "competitor-spend"):
        assert snapshot_path(engine, version, kind=kind).exists(), kind

    def refuse(*_args, **_kwargs):
        raise AssertionError("the page after the import loaded the portfolio again")

    monkeypatch.setattr(ui_portfolio, "cached_portfolio", refuse)
    monkeypatch.setattr(ui_wallet, "cached_wallet_data", refuse)
    at.switch_page("pages/portfolio.py").run()
    assert not at.exception and at.metric
    at.switch_page("pages/wallet.py").run()
    assert not at.exception, [e.value for e in at.exception]
