"""One CSV writer for every CSV Keystone produces: text a spreadsheet would run as a formula gets a
leading quote (OWASP), and the importer takes exactly that quote off again, so a download imported
again leaves the database unchanged."""

import csv
import io
import re
import subprocess
import sys

import pandas as pd
import pytest
from sqlalchemy import select, text

from lib.core.csv_safe import neutralise, restore, to_csv
from lib.core.models import Base
from lib.io.importer import import_files
from lib.io.importer.reading import read_table
from lib.notes.export import export_csv
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.overview import account_table
from lib.wallet.data import load_wallet_data, load_wallet_sources
from lib.wallet.whitespace import ranking_csv, whitespace_ranking
from tests.conftest import ADMIN, ROOT

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "\tTAB", "\rCR"]
TRICKY = ["'=already quoted", "''+twice", "'plain quote", "plain", "a=b", "", "2026-03-31"]


@pytest.mark.parametrize("value", FORMULAS)
def test_text_a_spreadsheet_would_run_gets_a_quote(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", TRICKY)
def test_restore_undoes_exactly_what_neutralise_did(value):
    assert restore(neutralise(value)) == value
    if not value.startswith(("'=", "''")):
        assert neutralise(value) == value


def test_numbers_and_missing_values_are_left_alone():
    frame = pd.DataFrame({"n": [-5.0, 1.5], "k": pd.array([-1, None], dtype="Int64"), "t": ["=1", None]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode())))
    assert rows == [["n", "k", "t"], ["-5.0", "-1", "'=1"], ["1.5", "", ""]]


def test_column_names_are_neutralised_too():
    assert to_csv(pd.DataFrame({"=cmd|' /C calc'!A0": [True]})).decode().startswith("'=cmd")


def test_what_to_csv_writes_the_importer_reads_back_unchanged():
    values = FORMULAS[:4] + [v for v in TRICKY if v]  # the importer trims blanks around a cell
    frame = pd.DataFrame({"account_id": [f"X{i}" for i in range(len(values))], "name": values})
    back, problems = read_table("accounts.csv", to_csv(frame))
    assert problems == []
    assert back["name"].tolist() == values


def test_the_notes_export_guards_list_items_too():
    rows = [r["body"] for r in csv.DictReader(io.StringIO(export_csv(pd.DataFrame({"body": ["- a list item"]})).decode()))]
    assert rows == ["'- a list item"]


def test_no_csv_is_written_around_the_one_writer():
    """Every producer (Portfolio, Whitespace, Key accounts, notes, problems, `export`) goes through lib.core.csv_safe."""
    offenders = []
    for path in [*(ROOT / "lib").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        if path.name == "csv_safe.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<!csv_safe)\.to_csv\(|csv\.writer|DictWriter", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def plain_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """A CSV as a spreadsheet or another tool writes it, without any guard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def formula_engine(small_engine):
    """The small portfolio with formulas in names, owners and wallet sources, as an attacker would import them."""
    accounts = plain_csv(
        ["account_id", "name", "owner", "segment"],
        [["A", FORMULAS[0], "@owner", "Enterprise"], ["B", FORMULAS[1], "Bob", "Enterprise"], ["D", FORMULAS[2], "-Ann", "SMB"]],
    )
    revenue = plain_csv(
        ["account_id", "quarter", "revenue", "wallet", "wallet_source"],
        [
            ["A", "2026Q2", "1234567.89", "2345678.91", FORMULAS[0]],
            ["B", "2026Q2", "150", "300", "+Analyst"],
            ["D", "2026Q2", "40.01", "160", "'=quoted"],
        ],
    )
    import_files(small_engine, [("accounts.csv", accounts), ("revenue.csv", revenue)], ADMIN)
    return small_engine


def stored(engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {
            table: sorted(map(tuple, connection.execute(select(Base.metadata.tables[table])).all()), key=repr)
            for table in ("accounts", "revenue")
        }


def test_formulas_are_stored_as_imported_and_a_quote_before_one_is_a_guard(formula_engine):
    with formula_engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM accounts WHERE external_id = 'A'")).scalar() == FORMULAS[0]
        assert (
            connection.execute(text("SELECT wallet_source FROM revenue WHERE wallet_source LIKE '%quoted'")).scalar() == "=quoted"
        )


def unguarded(content: bytes) -> list[str]:
    """Cells of a CSV that a spreadsheet would run (a negative number is just a number)."""
    cells = [cell for row in csv.reader(io.StringIO(content.decode())) for cell in row]
    return [c for c in cells if re.match(r"[=+\-@\t\r]", c) and not re.fullmatch(r"-\d+(\.\d+)?(e-?\d+)?", c)]


def test_the_whitespace_download_guards_and_imports_back_unchanged(formula_engine):
    data = load_portfolio(formula_engine)
    sources = load_wallet_sources(formula_engine, data, "2026Q2")
    ranking = whitespace_ranking(data, load_wallet_data(formula_engine, data), Filters("2026Q2"), sources=sources)
    content = ranking_csv(ranking, "2026Q2")
    assert unguarded(content) == []
    assert "'=HYPERLINK" in content.decode() and "'+Analyst" in content.decode() and "'@owner" in content.decode()
    before = stored(formula_engine)
    summary = import_files(formula_engine, [("whitespace_2026Q2.csv", content)], ADMIN)
    assert summary.updated["revenue"] == len(ranking.table) and summary.inserted["revenue"] == 0
    assert stored(formula_engine) == before


def test_the_portfolio_download_guards(formula_engine, monkeypatch):
    import lib.ui.portfolio as ui_data

    data = load_portfolio(formula_engine)
    monkeypatch.setattr(ui_data, "portfolio", lambda: data)
    content = ui_data.accounts_csv(Filters("2026Q2"))
    assert unguarded(content) == [] and "'+cmd|' /C calc'!A0" in content.decode()
    assert len(account_table(data, Filters("2026Q2"))) == content.decode().count("\n") - 1


def test_the_key_accounts_downloads_use_the_writer():
    source = (ROOT / "lib" / "ui" / "keyaccounts" / "results.py").read_text()
    assert source.count("to_csv(export_frame(") == 2


def test_the_command_line_export_guards(formula_engine, tmp_path):
    url = formula_engine.url.render_as_string(hide_password=False)
    result = subprocess.run(
        [sys.executable, "-m", "lib", "--db", url, "export", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for name in ("accounts.csv", "revenue.csv"):
        content = (tmp_path / name).read_bytes()
        assert unguarded(content) == [], name
    assert "'=HYPERLINK" in (tmp_path / "accounts.csv").read_text()
    assert ",'=quoted," in (tmp_path / "revenue.csv").read_text()
