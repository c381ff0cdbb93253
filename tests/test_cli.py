"""The command line: demo, import, kpis (equal to the page), export (without secrets), users, rotate-key."""

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from lib.core import format as fmt
from lib.core.auth import COOKIE_KEY, cookie_session_id, session_user, sign_cookie, start_session, verify_login
from lib.core.db import FACTS, data_versions, make_engine, read_setting
from lib.core.models import AuditLog
from lib.io.snapshot import cached_portfolio, snapshot_path
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.kpis import KPI_ORDER, portfolio_kpis
from lib.wallet.data import cached_wallet_data
from tests.conftest import FIXTURES, ROOT, app_test


def cli(*args: str, db: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", "--db", db, *args], cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=300
    )


EVERY_COMMAND = [
    ["demo"],
    ["import", "a.csv"],
    ["kpis", "--quarter", "2026Q2"],
    ["export", "out"],
    ["users", "add", "dana", "--role", "editor"],
    ["rotate-key"],
]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: " ".join(c[:2]))
def test_every_command_takes_the_database_before_or_after_it(command):
    from lib.cli import _parser

    assert _parser().parse_args(["--db", "sqlite:///before.db", *command]).db == "sqlite:///before.db"
    assert _parser().parse_args([*command, "--db", "sqlite:///after.db"]).db == "sqlite:///after.db"
    assert not hasattr(_parser().parse_args(command), "db")  # then DATABASE_URL, secrets.toml, data/keystone.db


def test_kpis_and_users_add_with_the_database_after_the_command(db_url):
    files = [str(FIXTURES / "portfolio" / f) for f in ("accounts.csv", "revenue.csv")]
    run = {"cwd": ROOT, "capture_output": True, "text": True, "timeout": 300}
    loaded = subprocess.run([sys.executable, "-m", "lib", "import", *files, "--db", db_url], **run)
    assert loaded.returncode == 0, loaded.stderr
    kpis = subprocess.run([sys.executable, "-m", "lib", "kpis", "--quarter", "2026Q2", "--format", "json", "--db", db_url], **run)
    assert kpis.returncode == 0, kpis.stderr
    assert json.loads(kpis.stdout)["revenue"] == 460.0
    add = [sys.executable, "-m", "lib", "users", "add", "dana", "--role", "editor", "--db", db_url]
    added = subprocess.run(add, input="a long password\na long password\n", **run)
    assert added.returncode == 0, added.stderr
    assert verify_login(make_engine(db_url), "dana", "a long password").username == "dana"


def test_import_then_kpis_json_is_the_hand_computed_portfolio(db_url):
    files = [str(FIXTURES / "portfolio" / f) for f in ("accounts.csv", "revenue.csv", "surveys.csv")]
    loaded = cli("import", *files, db=db_url)
    assert loaded.returncode == 0, loaded.stderr
    assert "accounts: 5 rows (5 new, 0 updated)" in loaded.stdout
    out = json.loads(cli("kpis", "--quarter", "2026Q2", "--format", "json", db=db_url).stdout)
    assert out["quarter"] == "2026Q2" and out["base_quarter"] == "2025Q2"
    assert out["revenue"] == 460.0 and out["nrr"] == pytest.approx(0.84) and out["csat"] == 0.5
    base_q1 = json.loads(cli("kpis", "--quarter", "2026Q2", "--base-quarter", "2026Q1", "--format", "json", db=db_url).stdout)
    assert base_q1["base_quarter"] == "2026Q1" and base_q1["logo_retention"] == 1.0
    empty = json.loads(cli("kpis", "--quarter", "2026Q1", "--format", "json", db=db_url).stdout)
    assert empty["nrr"] is None  # printed as null


def test_a_rejected_import_exits_non_zero_and_lists_the_problems(db_url):
    cli("import", str(FIXTURES / "portfolio" / "accounts.csv"), db=db_url)
    bad = ROOT / "tests" / "fixtures" / "bad_revenue.csv"
    bad.write_text("account_id,quarter,revenue\nA,2026Q3,lots\nZZ,2026Q3,1\n")
    try:
        result = cli("import", str(bad), db=db_url)
    finally:
        bad.unlink()
    assert result.returncode == 1
    assert "bad_revenue.csv, row 2, column revenue: text where a number belongs" in result.stderr
    assert "bad_revenue.csv, row 3, column account_id: unknown account 'ZZ'" in result.stderr
    with make_engine(db_url).connect() as connection:
        logged = connection.execute(select(AuditLog.user, AuditLog.action, AuditLog.entity, AuditLog.detail)).all()[-1]
    assert logged[:3] == ("cli", "import rejected", "bad_revenue.csv") and logged[3].startswith("2 problem(s)")


def test_kpis_json_equals_what_the_portfolio_page_shows(demo_url):
    out = json.loads(cli("kpis", "--quarter", "2026Q3", "--format", "json", db=demo_url).stdout)
    at = app_test(demo_url)
    shown = {m.label: m.value for m in at.metric}
    from lib.ui.cards import SHORT_LABELS

    kpis = portfolio_kpis(load_portfolio(make_engine(demo_url)), Filters("2026Q3"))
    for key in KPI_ORDER:
        label = SHORT_LABELS.get(key, kpis[key].label)
        assert shown[label] == fmt.value(kpis[key].unit, out[key]), key


def test_demo_and_export(db_url, tmp_path):
    built = cli("demo", "--accounts", "25", "--quarters", "4", "--seed", "5", "--end", "2026Q2", db=db_url)
    assert built.returncode == 0 and "25 accounts, 2025Q3..2026Q2" in built.stdout
    exported = cli("export", str(tmp_path / "out"), db=db_url)
    assert exported.returncode == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"accounts.csv", "revenue.csv", "review_notes.csv", "review_note_revisions.csv", "audit_log.csv"} <= names
    assert "users.csv" not in names  # password hashes stay in the database


def test_users_add_asks_for_the_password_twice(db_url):
    # getpass reads the terminal; without one it falls back to stdin, which lets the test answer.
    added = cli("users", "add", "dana", "--role", "editor", db=db_url, stdin="a long password\na long password\n")
    assert added.returncode == 0, added.stderr
    differ = cli("users", "add", "eve", "--role", "viewer", db=db_url, stdin="one password\nanother one\n")
    assert differ.returncode == 1 and "differ" in differ.stderr


def test_export_leaves_every_secret_in_the_database(demo_copy_url, tmp_path):
    engine = make_engine(demo_copy_url)
    key = read_setting(engine, COOKIE_KEY)
    session_id = start_session(engine, "admin")
    verify_login(engine, "admin", "a guess", client="203.0.113.9")
    engine.dispose()
    assert key, "the first start stores a cookie key"
    exported = cli("export", str(tmp_path / "out"), db=demo_copy_url)
    assert exported.returncode == 0, exported.stderr
    files = {p.name: p.read_text() for p in (tmp_path / "out").iterdir()}
    assert not {"users.csv", "login_sessions.csv", "login_throttle.csv"} & set(files)
    settings = files["settings.csv"]
    assert "data_as_of" in settings and "cookie_key" not in settings  # the other settings still go out
    for name, content in files.items():
        assert key not in content and session_id not in content, name


def test_rotate_key_replaces_the_key_and_logs_everybody_out(demo_copy_url):
    engine = make_engine(demo_copy_url)
    old_key = read_setting(engine, COOKIE_KEY)
    session_id = start_session(engine, "editor")
    cookie = sign_cookie(session_id, old_key)
    rotated = cli("rotate-key", db=demo_copy_url)
    assert rotated.returncode == 0, rotated.stderr
    assert "ended 1 login session" in rotated.stdout
    new_key = read_setting(engine, COOKIE_KEY)
    assert new_key and new_key != old_key
    assert cookie_session_id(cookie, new_key) is None and session_user(engine, session_id) is None
    engine.dispose()


def test_rotate_key_says_it_cannot_change_a_key_set_in_secrets_toml(engine, db_url, monkeypatch, capsys):
    from lib import cli as cli_module

    monkeypatch.setattr(cli_module, "read_secrets", lambda: {"cookie_key": "set by hand"})
    assert cli_module.main(["--db", db_url, "rotate-key"]) == 0
    assert "secrets.toml sets cookie_key" in capsys.readouterr().err


def test_relationships_json_is_exactly_design_md_on_the_hand_computed_portfolio(db_url):
    # tests/fixtures/relationships, worked out account by account in tests/test_relationships.py.
    files = [str(FIXTURES / "relationships" / f) for f in ("accounts.csv", "revenue.csv", "stakeholders.csv", "interactions.csv")]
    assert cli("import", *files, db=db_url).returncode == 0
    printed = cli("relationships", "--format", "json", db=db_url)  # the last quarter with data: 2026Q2
    assert printed.returncode == 0, printed.stderr

    def account(a, known, met, executive, buyer, single, bus):
        return {
            "account_id": a,
            "stakeholders_known": known,
            "stakeholders_met_90d": met,
            "exec_met_90d": executive,
            "economic_buyer_met_90d": buyer,
            "single_threaded": single,
            "bus_factor": bus,
        }

    assert json.loads(printed.stdout) == {
        "quarter": "2026Q2",
        "single_threaded_share": 0.75,  # B, C, D of the active A, B, C, D
        "accounts": [
            account("A", 4, 2, True, True, False, 1),
            account("B", 2, 1, True, False, True, 0),
            account("C", 0, 0, False, False, True, 0),
            account("D", 1, 1, False, False, True, 0),
            account("E", 1, 1, True, True, True, 2),
        ],
    }
    q1 = json.loads(cli("relationships", "--quarter", "2026Q1", "--format", "json", db=db_url).stdout)
    assert q1["quarter"] == "2026Q1" and q1["single_threaded_share"] == 1.0 and q1["accounts"][1]["bus_factor"] == 1
    table = cli("relationships", "--quarter", "2026Q2", db=db_url)
    assert table.returncode == 0 and "single-threaded share 75.0% of active accounts" in table.stdout
    assert table.stdout.splitlines()[2].split() == ["A", "4", "2", "yes", "yes", "no", "1"]
    assert cli("relationships", "--quarter", "2026Q9", db=db_url).returncode == 2  # not a quarter


def test_relationships_piped_into_a_reader_that_stops_early_is_no_database_problem(small_engine, db_url):
    reader, writer = os.pipe()
    os.close(reader)  # like `| head` that has read enough: every write fails with a broken pipe
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lib", "--db", db_url, "relationships"],
            cwd=ROOT,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)
    assert done.returncode == 0 and done.stderr == ""


def test_an_import_prepares_the_arrays_the_app_finds_under_another_spelling_of_the_address(db_url, monkeypatch):
    from tests.test_snapshot import another_spelling, refuse_to_build

    files = [str(FIXTURES / "portfolio" / f) for f in ("accounts.csv", "revenue.csv", "competitor_spend.csv")]
    loaded = cli("import", *files, db=another_spelling(db_url, relative_to=ROOT))
    assert loaded.returncode == 0, loaded.stderr
    engine = make_engine(db_url)
    version = data_versions(engine)[FACTS]
    assert f"Prepared data version {version} for the app" in loaded.stdout
    for kind in ("portfolio", "competitor-spend"):
        assert snapshot_path(engine, version, kind=kind).exists(), kind
    refuse_to_build(monkeypatch)  # what the app server loads first comes from the prepared files
    data = cached_portfolio(engine, version)
    assert data.revenue.sum() > 0 and cached_wallet_data(engine, data, version).total.sum() > 0
