"""The importer: good files load (and reload without duplicates); every kind of bad file is
rejected whole with its problems listed, and the database is exactly as it was."""

import io

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select, text

from lib.core.auth import PermissionDenied
from lib.core.models import AuditLog, Base
from lib.io.importer import MAX_FILE_BYTES, ImportRejected, import_files
from lib.io.importer.formats import detect_kind
from tests.conftest import ADMIN, EDITOR, ROOT, portfolio_files

TABLES = ("accounts", "revenue", "competitor_spend", "surveys", "stakeholders", "interactions", "data_versions", "settings")


def snapshot(engine) -> dict[str, list]:
    """Every row of the data (the audit log aside: a rejected import is logged there)."""
    with engine.connect() as connection:
        return {t: sorted(map(tuple, connection.execute(select(Base.metadata.tables[t])).all()), key=repr) for t in TABLES}


def audit_rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(
            select(AuditLog.user, AuditLog.action, AuditLog.entity, AuditLog.detail).order_by(AuditLog.id)
        ).all()


def rejected(engine, files) -> list:
    """The problems of an import that must be rejected; the data is checked unchanged and the rejection logged."""
    before, logged = snapshot(engine), audit_rows(engine)
    with pytest.raises(ImportRejected) as caught:
        import_files(engine, files, ADMIN)
    assert snapshot(engine) == before, "a rejected import changed the database"
    [(user, action, _files, detail)] = audit_rows(engine)[len(logged) :]
    assert (user, action) == ("admin", "import rejected") and f"{len(caught.value.problems)} problem(s)" in detail
    return caught.value.problems


def test_good_files_load_and_report_a_summary(small_engine):
    with small_engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM accounts")).scalar() == 5
        assert connection.execute(text("SELECT COUNT(*) FROM revenue")).scalar() == 13
        assert (
            connection.execute(
                text(
                    "SELECT revenue_cents FROM revenue r JOIN accounts a ON a.id = r.account_id "
                    "WHERE a.external_id = 'A' AND quarter = '2026Q2'"
                )
            ).scalar()
            == 12000
        )
        assert connection.execute(text("SELECT COUNT(*) FROM interactions WHERE stakeholder_id IS NOT NULL")).scalar() == 4


def test_reimporting_the_same_rows_updates_and_never_duplicates(small_engine):
    before = snapshot(small_engine)
    summary = import_files(small_engine, portfolio_files(), ADMIN)
    after = snapshot(small_engine)
    for table in TABLES[:6]:
        assert len(after[table]) == len(before[table]), table
    assert summary.inserted["revenue"] == 0 and summary.updated["revenue"] == 13
    changed = b"account_id,quarter,revenue\nA,2026Q2,125.50\n"
    import_files(small_engine, [("revenue.csv", changed)], ADMIN)
    with small_engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT revenue_cents, wallet_cents FROM revenue r JOIN accounts a ON a.id = r.account_id "
                "WHERE a.external_id = 'A' AND quarter = '2026Q2'"
            )
        ).one()
    assert row == (12550, 40000)  # revenue updated; the wallet, absent from the file, kept


def test_revenue_rows_with_dates_are_summed_into_their_quarter(small_engine):
    dated = b"account_id,date,revenue\nE,2026-07-03,10\nE,2026-08-20,15.25\nE,2026-09-30,5\n"
    import_files(small_engine, [("revenue_by_invoice.csv", dated)], ADMIN)
    with small_engine.connect() as connection:
        assert (
            connection.execute(
                text(
                    "SELECT revenue_cents FROM revenue r JOIN accounts a ON a.id = r.account_id "
                    "WHERE a.external_id = 'E' AND quarter = '2026Q3'"
                )
            ).scalar()
            == 3025
        )


def test_xlsx_and_headers_in_any_case_with_extra_columns(engine):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Account_ID", "NAME", "Segment", "Notes from sales"])
    sheet.append(["X1", "Xylo GmbH", "SMB", "ignored"])
    buffer = io.BytesIO()
    book.save(buffer)
    summary = import_files(engine, [("accounts.xlsx", buffer.getvalue())], ADMIN)
    assert summary.rows == {"accounts": 1}


def test_missing_column(small_engine):
    problems = rejected(small_engine, [("revenue.csv", b"account_id,quarter,wallet\nA,2026Q2,5\n")])
    assert [(p.row, p.column) for p in problems] == [(1, None)]  # without revenue it is no known kind
    problems = rejected(small_engine, [("spend.csv", b"account_id,competitor,spend\nA,Northstar Systems,5\n")])
    assert [(p.file, p.row, p.column, p.reason) for p in problems] == [("spend.csv", 1, "quarter", "required column is missing")]


def test_text_where_a_number_belongs_lists_every_bad_cell(small_engine):
    problems = rejected(
        small_engine, [("revenue.csv", b"account_id,quarter,revenue,wallet\nA,2026Q3,12k,100\nB,2026Q3,5,lots\nE,2026Q3,7,\n")]
    )
    assert [(p.row, p.column) for p in problems] == [(2, "revenue"), (3, "wallet")]
    assert "text where a number belongs: '12k'" in problems[0].reason


def test_unknown_account_but_accounts_of_the_same_batch_are_known(small_engine):
    problems = rejected(small_engine, [("revenue.csv", b"account_id,quarter,revenue\nNOPE,2026Q3,5\n")])
    assert [(p.row, p.column) for p in problems] == [(2, "account_id")]
    assert "unknown account 'NOPE'" in problems[0].reason
    import_files(
        small_engine,
        [("revenue.csv", b"account_id,quarter,revenue\nNEW,2026Q3,5\n"), ("accounts.csv", b"account_id,name\nNEW,Newco\n")],
        ADMIN,
    )


SAMPLES = ROOT / "data" / "samples"


def test_the_sample_revenue_alone_is_refused_saying_that_accounts_come_first(engine):
    problems = rejected(engine, [("revenue.csv", (SAMPLES / "revenue.csv").read_bytes())])
    assert len(problems) == 13 and {(p.file, p.column) for p in problems} == {("revenue.csv", "account_id")}
    assert [p.row for p in problems] == list(range(2, 15))  # one problem per row
    assert problems[0].reason == (
        "unknown account 'A': no account has this id in the database or in an accounts file of this batch; "
        "accounts come first: import the accounts file before this one, or in the same batch"
    )
    summary = import_files(engine, [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.csv"))], ADMIN)
    assert summary.rows["accounts"] == 5 and summary.rows["revenue"] == 13


def test_the_readme_says_that_accounts_come_first_and_names_the_sample():
    readme = (ROOT / "README.md").read_text()
    assert "**Accounts come first.**" in readme and "import `data/samples/accounts.csv`" in readme


def test_duplicate_keys_within_and_across_files(small_engine):
    problems = rejected(small_engine, [("revenue.csv", b"account_id,quarter,revenue\nA,2026Q3,5\nA,2026q3,6\n")])
    assert [(p.row, p.column) for p in problems] == [(3, "account_id, quarter")]
    assert "first seen on row 2" in problems[0].reason
    problems = rejected(small_engine, [("a.csv", b"account_id,name\nQ1,One\n"), ("b.csv", b"account_id,name\nQ1,Uno\n")])
    assert [(p.file, p.row) for p in problems] == [("b.csv", 2)]


def test_empty_files(small_engine):
    assert [p.reason for p in rejected(small_engine, [("accounts.csv", b"")])] == ["file is empty"]
    assert [p.reason for p in rejected(small_engine, [("accounts.csv", b"account_id,name\n")])] == [
        "file has a header but no rows"
    ]


def test_wrong_encoding(small_engine):
    latin1 = "account_id,name\nM1,Müller Söhne\n".encode("latin-1")
    problems = rejected(small_engine, [("accounts.csv", latin1)])
    assert "not UTF-8" in problems[0].reason
    utf16 = "account_id,name\nM1,Müller\n".encode("utf-16")
    assert "not UTF-8" in rejected(small_engine, [("accounts.csv", utf16)])[0].reason


def test_a_100_mb_file_is_refused_before_it_is_read(small_engine):
    huge = b"account_id,name\n" + b"X" * (100 * 1024 * 1024)
    problems = rejected(small_engine, [("accounts.csv", huge)])
    assert problems[0].row is None and "limit" in problems[0].reason
    assert len(huge) > MAX_FILE_BYTES


def test_every_problem_of_every_file_is_listed_and_nothing_is_written(small_engine):
    files = [
        ("accounts.csv", b"account_id,name,strategic_fit\nN1,,9\n"),
        ("surveys.csv", b"account_id,date,kind,score\nA,2026-13-01,NPS,11\nA,2026-05-01,CES,3\n"),
        ("revenue.csv", b"account_id,quarter,revenue\nA,Q3 2026,-5\n"),
    ]
    problems = rejected(small_engine, files)
    found = {(p.file, p.row, p.column) for p in problems}
    assert {
        ("accounts.csv", 2, "name"),
        ("accounts.csv", 2, "strategic_fit"),
        ("surveys.csv", 2, "date"),
        ("surveys.csv", 2, "score"),
        ("surveys.csv", 3, "kind"),
        ("revenue.csv", 2, "quarter"),
        ("revenue.csv", 2, "revenue"),
    } <= found


def test_only_an_admin_may_import(small_engine):
    before = snapshot(small_engine)
    with pytest.raises(PermissionDenied):
        import_files(small_engine, portfolio_files("accounts.csv"), EDITOR)
    assert snapshot(small_engine) == before


def test_a_failure_while_writing_rolls_everything_back(small_engine, monkeypatch):
    import lib.io.importer.writing as writing

    real = writing._write_kind
    calls = []

    def failing(connection, kind, frame, tick):
        calls.append(kind)
        if kind == "surveys":
            raise RuntimeError("disk full")
        return real(connection, kind, frame, tick)

    monkeypatch.setattr(writing, "_write_kind", failing)
    before = snapshot(small_engine)
    with pytest.raises(RuntimeError):
        import_files(small_engine, portfolio_files("accounts.csv", "revenue.csv", "surveys.csv"), ADMIN)
    assert calls == ["accounts", "revenue", "surveys"]
    assert snapshot(small_engine) == before


@pytest.mark.parametrize(
    "columns, kind",
    [
        (["account_id", "name", "segment"], "accounts"),
        (["account_id", "name", "title"], "stakeholders"),
        (["account_id", "quarter", "revenue"], "revenue"),
        (["account_id", "quarter", "competitor", "spend"], "competitor_spend"),
        (["account_id", "date", "kind", "score"], "surveys"),
        (["account_id", "our_person", "date"], "interactions"),
    ],
)
def test_the_kind_is_told_by_the_header(columns, kind):
    assert detect_kind("upload.csv", columns) == kind


def test_a_large_import_reports_progress(engine):
    accounts = pd.DataFrame({"account_id": [f"L{i}" for i in range(12_000)], "name": [f"Large {i}" for i in range(12_000)]})
    seen = []
    import_files(
        engine,
        [("accounts.csv", accounts.to_csv(index=False).encode())],
        ADMIN,
        progress=lambda fraction, message: seen.append(fraction),
    )
    assert seen[0] < 0.5 and seen[-1] == 1.0 and len(seen) >= 4 and seen == sorted(seen)


# --- bad input gets a message, never a traceback (run on SQLite and, with TEST_DATABASE_URL, PostgreSQL) ---


@pytest.mark.parametrize(
    "content, column, reason",
    [
        (b"account_id,quarter,revenue\nA,2026Q3,inf\n", "revenue", "not a finite number: 'inf'"),
        (b"account_id,quarter,revenue\nA,2026Q3,-inf\n", "revenue", "not a finite number: '-inf'"),
        (b"account_id,quarter,revenue\nA,2026Q3,1e17\n", "revenue", "must be between -10,000,000,000,000 and 10,000,000,000,000"),
        (b"account_id,quarter,revenue,wallet\nA,2026Q3,5,Infinity\n", "wallet", "not a finite number"),
        (b"account_id,quarter,revenue\nA,2026Q3,NaN\n", "revenue", "text where a number belongs: 'NaN'"),
        (b"account_id,quarter,competitor,spend\nA,2026Q3,Rival,1e300\n", "spend", "must be between"),
        (b"account_id,date,kind,score\nA,2026-05-01,NPS,inf\n", "score", "not a finite number"),
        (b"account_id,name,strategic_fit\nA,Alpha,1e30\n", "strategic_fit", "must be between"),
    ],
)
def test_numbers_that_do_not_fit_are_refused(small_engine, content, column, reason):
    [problem] = rejected(small_engine, [("upload.csv", content)])
    assert (problem.file, problem.row, problem.column) == ("upload.csv", 2, column)
    assert reason in problem.reason


def test_a_quarter_summed_beyond_the_limit_is_refused(small_engine):
    dated = b"account_id,date,revenue\nA,2026-07-01,9000000000000\nA,2026-08-01,9000000000000\n"
    [problem] = rejected(small_engine, [("invoices.csv", dated)])
    assert (problem.row, problem.column) == (2, "revenue") and "add up to more than" in problem.reason


def test_the_largest_allowed_amount_is_stored_to_the_cent(small_engine):
    import_files(small_engine, [("revenue.csv", b"account_id,quarter,revenue\nA,2026Q3,9999999999999.99\n")], ADMIN)
    with small_engine.connect() as connection:
        assert connection.execute(text("SELECT MAX(revenue_cents) FROM revenue")).scalar() == 999999999999999


@pytest.mark.parametrize("content", [b"account_id,name\nA,Alpha\n", b"PK\x03\x04 broken", b"\x00\x01\x02"])
def test_an_xlsx_that_is_no_workbook(small_engine, content):
    [problem] = rejected(small_engine, [("accounts.xlsx", content)])
    assert (problem.file, problem.row) == ("accounts.xlsx", None)
    assert problem.reason.startswith("not an .xlsx workbook")


@pytest.mark.parametrize(
    "name, header, column, limit",
    [
        ("accounts.csv", "account_id,name,owner", "owner", 200),
        ("accounts.csv", "account_id,name,segment", "segment", 100),
        ("accounts.csv", "account_id,name", "name", 200),
        ("accounts.csv", "account_id,name", "account_id", 100),
        ("revenue.csv", "account_id,quarter,revenue,wallet_source", "wallet_source", 200),
        ("spend.csv", "account_id,quarter,competitor,spend", "competitor", 200),
        ("stakeholders.csv", "account_id,name,title", "title", 200),
        ("interactions.csv", "account_id,our_person,date", "our_person", 200),
    ],
)
def test_text_longer_than_its_column_is_refused(small_engine, name, header, column, limit):
    values = {"account_id": "A", "name": "N", "quarter": "2026Q3", "revenue": "1", "spend": "1", "date": "2026-05-01"}

    def row(length: int) -> bytes:
        cells = ["x" * length if c == column else values.get(c, "v") for c in header.split(",")]
        return (header + "\n" + ",".join(cells) + "\n").encode()

    [problem] = rejected(small_engine, [(name, row(limit + 1))])
    assert (problem.row, problem.column) == (2, column)
    assert problem.reason == f"text is {limit + 1:,} characters long; at most {limit} fit"
    if column != "account_id":  # a new account id of 100 characters is fine, but unknown to the other kinds
        import_files(small_engine, [(name, row(limit))], ADMIN)


def test_text_limits_come_from_the_models():
    from lib.core import models
    from lib.io.importer.formats import text_limits

    assert text_limits("accounts")["owner"] == models.Account.__table__.c.owner.type.length
    assert text_limits("interactions")["stakeholder"] == models.Interaction.__table__.c.stakeholder_name.type.length
    assert "quarter" not in text_limits("revenue") and "kind" not in text_limits("surveys")


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_in_a_cell_are_refused(small_engine, character):
    content = f"account_id,name\nOK,Fine\tname\nN1,Acme{character} Corp\n".encode()
    [problem] = rejected(small_engine, [("accounts.csv", content)])
    assert (problem.file, problem.row, problem.column) == ("accounts.csv", 3, "name")
    assert f"U+{ord(character):04X} at character 5" in problem.reason


def test_a_tab_and_a_line_break_inside_a_cell_are_kept(engine):
    import_files(engine, [("accounts.csv", b'account_id,name\nT1,"Two\nlines\tand a tab"\n')], ADMIN)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM accounts")).scalar() == "Two\nlines\tand a tab"


@pytest.mark.parametrize("day", ["03/04/2026", "4.3.2026", "2026/03/04", "20260304", "March 4, 2026", "2026-W10-3"])
def test_dates_are_iso_only(small_engine, day):
    [problem] = rejected(small_engine, [("surveys.csv", f'account_id,date,kind,score\nA,"{day}",NPS,9\n'.encode())])
    assert (problem.row, problem.column) == (2, "date")
    assert problem.reason == f"not a date (use YYYY-MM-DD, e.g. 2026-03-31): {day!r}"


def test_a_date_cell_of_a_workbook_is_a_date(engine):
    import datetime as dt

    book = openpyxl.Workbook()
    book.active.append(["account_id", "name", "customer_since"])
    book.active.append(["W1", "Workbook Ltd", dt.date(2026, 3, 4)])
    buffer = io.BytesIO()
    book.save(buffer)
    import_files(engine, [("accounts.xlsx", buffer.getvalue())], ADMIN)
    with engine.connect() as connection:
        assert str(connection.execute(text("SELECT customer_since FROM accounts")).scalar()) == "2026-03-04"


def test_a_column_named_twice_is_refused(small_engine):
    problems = rejected(small_engine, [("accounts.csv", b"account_id,Name,NAME\nA,x,y\n")])
    assert [(p.row, p.column, p.reason) for p in problems] == [(1, "name", "the column appears more than once in the header")]


def test_every_bad_input_of_a_batch_is_listed_and_nothing_is_written(small_engine):
    files = [
        ("accounts.csv", ("account_id,name,owner\nN1,Acme\x00 Corp,Ann\nN2,Beta," + "o" * 201 + "\n").encode()),
        ("revenue.csv", b"account_id,quarter,revenue\nA,2026Q3,inf\nB,2026Q3,1e17\n"),
        ("surveys.csv", b"account_id,date,kind,score\nA,03/04/2026,NPS,9\n"),
        ("book.xlsx", b"not a zip"),
    ]
    found = {(p.file, p.row, p.column) for p in rejected(small_engine, files)}
    assert found == {
        ("accounts.csv", 2, "name"),
        ("accounts.csv", 3, "owner"),
        ("revenue.csv", 2, "revenue"),
        ("revenue.csv", 3, "revenue"),
        ("surveys.csv", 2, "date"),
        ("book.xlsx", None, None),
    }


def test_a_database_error_while_writing_is_a_message_and_rolls_back(small_engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import lib.io.importer.writing as writing

    def failing(connection, kind, frame, tick):
        raise OperationalError("INSERT INTO revenue ...", {}, Exception("deadlock detected"))

    monkeypatch.setattr(writing, "_write_kind", failing)
    [problem] = rejected(small_engine, portfolio_files("accounts.csv"))
    assert problem.file == "(database)" and "nothing was written" in problem.reason and "INSERT" not in problem.reason
    assert audit_rows(small_engine)[-1][2:] == ("accounts.csv", f"1 problem(s), nothing was written: {problem}")


def test_a_rejected_import_is_logged_with_who_the_files_and_the_first_problems(small_engine):
    bad = "account_id,quarter,revenue\n" + "".join(f"A,2026Q{q},lots\n" for q in range(1, 5)) + "NOPE,2025Q1,1\nA,2025Q2,x\n"
    problems = rejected(small_engine, [("revenue.csv", bad.encode()), ("accounts.csv", b"account_id,name\nN1,New\n")])
    user, action, files, detail = audit_rows(small_engine)[-1]
    assert (user, action, files) == ("admin", "import rejected", "revenue.csv, accounts.csv")
    assert detail.startswith("6 problem(s), nothing was written: revenue.csv, row 2, column revenue: text where a number")
    assert str(problems[4]) in detail and str(problems[5]) not in detail and detail.endswith("; and 1 more")


def test_long_file_names_are_cut_to_the_audit_column_and_the_import_goes_through(small_engine):
    long = "a-very-long-export-name-" * 8
    files = [
        (f"{long}accounts.csv", b"account_id,name\nL1,Long\n"),
        (f"{long}revenue.csv", b"account_id,quarter,revenue\nL1,2026Q2,5\n"),
    ]
    import_files(small_engine, files, ADMIN)
    width = AuditLog.__table__.c.entity.type.length
    (entity,) = audit_rows(small_engine)[-1][2:3]
    assert len(entity) == width and entity.endswith("…") and entity.startswith(long)
    rejected(small_engine, [(f"{long}revenue.csv", b"account_id,quarter,revenue\nNOPE,2026Q2,5\n")] * 2)
    assert len(audit_rows(small_engine)[-1][2]) == width


# --- ids and labels that differ only in case or spacing ---


def test_a_new_account_id_in_another_spelling_of_an_existing_one_is_refused(small_engine):
    [problem] = rejected(small_engine, [("accounts.csv", b"account_id,name\na,Alpha again\n")])
    assert (problem.row, problem.column) == (2, "account_id")
    assert problem.reason.startswith("account id 'a' differs only in case or spacing from 'A' (an account in the database)")
    problems = rejected(
        small_engine, [("a.csv", b"account_id,name\nACC-000001,One\n"), ("b.csv", b"account_id,name\nacc-000001,Uno\n")]
    )
    assert [(p.file, p.row) for p in problems] == [("b.csv", 2)] and "(file a.csv, row 2)" in problems[0].reason
    spaced = rejected(small_engine, [("accounts.csv", b"account_id,name\nNEW 1,One\nnew1,Two\n")])
    assert [(p.row, p.column) for p in spaced] == [(3, "account_id")]


def test_an_unknown_account_in_another_spelling_is_named(small_engine):
    [problem] = rejected(small_engine, [("revenue.csv", b"account_id,quarter,revenue\na,2026Q3,5\n")])
    assert problem.reason.endswith("(did you mean 'A'?)")


def test_the_same_id_spelled_the_same_way_updates_its_account(small_engine):
    summary = import_files(small_engine, [("accounts.csv", b"account_id,name\nA,Alpha Renamed\n")], ADMIN)
    assert summary.updated["accounts"] == 1 and summary.warnings == []


LABELS = b"account_id,name,segment,region,owner\nN1,New One,Mid-market,North  America,ANN\nN2,New Two,Big Co,LatAm,Bob\nN3,New Three,big co,LatAm,Bob\n"


def test_labels_that_differ_only_in_case_or_spacing_are_imported_with_warnings(small_engine):
    summary = import_files(small_engine, [("accounts.csv", LABELS)], ADMIN)
    assert summary.inserted["accounts"] == 3
    found = {(w.file, w.row, w.column): w.reason for w in summary.warnings}
    assert found == {
        ("accounts.csv", 2, "segment"): "segment 'Mid-market' differs only in case or spacing from 'Mid-Market': "
        "they are counted as different segments",
        ("accounts.csv", 2, "region"): "region 'North  America' differs only in case or spacing from 'North America': "
        "they are counted as different regions",
        (
            "accounts.csv",
            2,
            "owner",
        ): "owner 'ANN' differs only in case or spacing from 'Ann': they are counted as different owners",
        ("accounts.csv", 3, "segment"): "segment 'Big Co' differs only in case or spacing from 'big co': "
        "they are counted as different segments",
        ("accounts.csv", 4, "segment"): "segment 'big co' differs only in case or spacing from 'Big Co': "
        "they are counted as different segments",
    }
    again = import_files(small_engine, [("accounts.csv", b"account_id,name,segment\nN4,Four,Mid-Market\n")], ADMIN)
    assert again.warnings == []  # the database's own spelling


def test_the_command_line_prints_the_warnings(db_url, tmp_path):
    from tests.test_cli import cli

    path = tmp_path / "accounts.csv"
    path.write_bytes(b"account_id,name,segment\nL1,One,Mid-Market\nL2,Two,mid-market\n")
    result = cli("import", str(path), db=db_url)
    assert result.returncode == 0, result.stderr
    assert "warning: accounts.csv, row 3, column segment: segment 'mid-market' differs only in case" in result.stdout


def test_the_data_page_shows_the_warnings(demo_copy_url):
    from tests.conftest import app_test
    from tests.test_app_data import DATA_PAGE, upload

    at = upload(app_test(demo_copy_url, "admin", DATA_PAGE), ("accounts.csv", LABELS))
    assert not at.exception and at.success
    assert "differ from another only in case or spacing" in at.warning[0].value
    shown = next(d.value for d in at.dataframe if "warning" in d.value.columns)
    assert "'Mid-market' differs only in case or spacing from 'Mid-Market'" in shown["warning"].tolist()[0]
