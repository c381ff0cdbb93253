"""SQL is built by SQLAlchemy with bound parameters (ruff's S608 keeps it so), the upload limit is one
number, and two imports at once count new and updated rows right."""

import ast
import threading
import time
import tomllib

import pandas as pd
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from lib.core.fastread import positional, read_frames
from lib.core.models import Account, AuditLog
from lib.io.bulk import insert_frame
from lib.io.importer import MAX_FILE_BYTES, MAX_FILE_MB, ImportRejected, import_files
from lib.io.importer import writing as writing
from tests.conftest import ADMIN, ROOT

HOSTILE = "x'); DROP TABLE accounts; --"


def test_ruff_checks_for_sql_built_from_strings():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S608" in lint["select"] or "S" in lint["select"]


SQL_RUNNERS = {"text", "exec_driver_sql", "execute", "executemany", "SQL", "copy"}


def spliced_sql(path) -> list[str]:
    """Calls that run SQL (text, execute, psycopg's SQL, ...) given a string built in Python: an f-string,
    a concatenation, % or .format. A line marked `noqa: S608` carries its reason and is let through."""
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SQL_RUNNERS or not node.args:
            continue
        first = node.args[0]
        built = (
            isinstance(first, ast.JoinedStr)
            or (isinstance(first, ast.BinOp) and isinstance(first.op, ast.Add | ast.Mod))
            or (
                isinstance(first, ast.Call)
                and isinstance(first.func, ast.Attribute)
                and first.func.attr == "format"
                and isinstance(first.func.value, ast.Constant)  # "...".format, not psycopg's quoting SQL(...).format
            )
        )
        if built and "noqa: S608" not in lines[node.lineno - 1]:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


def test_no_sql_in_lib_is_built_from_strings():
    found = [hit for path in sorted((ROOT / "lib").rglob("*.py")) for hit in spliced_sql(path)]
    assert found == []


def test_values_reach_the_fast_reader_as_parameters(engine, monkeypatch):
    with engine.begin() as connection:
        insert_frame(
            connection, Account.__table__, pd.DataFrame({"id": [1, 2], "external_id": ["H1", "H2"], "name": [HOSTILE, "Plain"]})
        )
    sent = []

    def recording(statement, dialect):
        sql, values = positional(statement, dialect)
        sent.append((sql, values))
        return sql, values

    monkeypatch.setattr("lib.core.fastread.positional", recording)
    statement = select(Account.external_id, Account.name).where(Account.name == HOSTILE, Account.id.in_([1, 2]))
    frame = read_frames(engine, {"hostile": statement})["hostile"]
    assert frame.to_dict("records") == [{"external_id": "H1", "name": HOSTILE}]
    [(sql, values)] = sent
    assert "DROP" not in sql and HOSTILE in values and 1 in values


def test_bulk_inserts_quote_names_and_bind_values(engine):
    with engine.begin() as connection:
        insert_frame(connection, Account.__table__, pd.DataFrame({"external_id": ["B1"], "name": [HOSTILE], "segment": [None]}))
    with engine.connect() as connection:
        assert connection.execute(select(Account.name, Account.segment)).one() == (HOSTILE, None)


def test_bulk_writes_are_one_sqlalchemy_executemany_or_a_copy_of_rows(engine):
    seen = []

    def record(_connection, _cursor, statement, parameters, _context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ACCOUNTS"):
            seen.append((statement, executemany, len(parameters) if executemany else 1))

    frame = pd.DataFrame({"external_id": ["M1", "M2", "M3"], "name": [HOSTILE, "Two", "Three"], "segment": [None, "SMB", None]})
    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as connection:
            assert insert_frame(connection, Account.__table__, frame) == 3
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        stored = connection.execute(select(Account.external_id, Account.name, Account.segment).order_by(Account.external_id))
        assert [tuple(row) for row in stored] == [("M1", HOSTILE, None), ("M2", "Two", "SMB"), ("M3", "Three", None)]
    if engine.dialect.name == "postgresql":
        assert seen == []  # psycopg's COPY: the rows travel as data
        return
    [(statement, executemany, rows)] = seen
    assert executemany and rows == 3 and "DROP" not in statement


def test_a_bulk_write_the_database_refuses_is_a_sqlalchemy_error_and_writes_nothing(engine):
    twice = pd.DataFrame({"external_id": ["D1", "D1"], "name": ["One", "Again"]})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_frame(connection, Account.__table__, twice)
    with engine.connect() as connection:
        assert connection.execute(select(Account.id)).all() == []


def test_the_export_reads_tables_without_sql_text():
    source = (ROOT / "lib" / "cli.py").read_text()
    assert "SELECT * FROM" not in source and "pd.read_sql(select(table)" in source


def test_the_upload_limit_is_one_number():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_FILE_MB == 50
    assert MAX_FILE_BYTES == 50 * 1024 * 1024  # Streamlit's megabyte (its uploader shows "50MB")
    assert "up to 50 MB a file" in (ROOT / "README.md").read_text()


def test_the_size_message_names_the_same_limit(engine):
    with pytest.raises(ImportRejected) as caught:
        import_files(engine, [("accounts.csv", b"account_id,name\n" + b"X" * MAX_FILE_BYTES)], ADMIN)
    assert caught.value.problems[0].reason == "file is 50.0 MB; the limit is 50 MB a file"


def test_two_imports_at_once_count_new_and_updated_rows_right(engine, monkeypatch):
    """The second import counts while the first has written but not yet committed."""
    accounts = pd.DataFrame({"account_id": [f"C{i:05d}" for i in range(3_000)], "name": "Concurrent Ltd"})
    content = accounts.to_csv(index=False).encode()
    first_wrote = threading.Event()
    real = writing._write_kind

    def pausing(connection, kind, frame, tick):
        written = real(connection, kind, frame, tick)
        if threading.current_thread().name == "first":
            first_wrote.set()
            time.sleep(1.5)  # the second import counts and writes meanwhile (it waits for the row locks)
        return written

    monkeypatch.setattr(writing, "_write_kind", pausing)
    summaries = {}

    def run(name: str) -> None:
        if name == "second":
            first_wrote.wait(30)
        summaries[name] = import_files(engine, [("accounts.csv", content)], ADMIN)

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert summaries["first"].inserted["accounts"] == 3_000 and summaries["first"].updated["accounts"] == 0
    assert summaries["second"].inserted["accounts"] == 0 and summaries["second"].updated["accounts"] == 3_000
    with engine.connect() as connection:
        details = sorted(connection.scalars(select(AuditLog.detail).where(AuditLog.action == "import")))
        assert details == ["accounts: 3,000 rows (0 new, 3,000 updated)", "accounts: 3,000 rows (3,000 new, 0 updated)"]
        assert connection.execute(text("SELECT COUNT(*) FROM accounts")).scalar() == 3_000
