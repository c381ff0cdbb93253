"""The file copy of the portfolio arrays: identical to a fresh load, per database and data version, self-healing."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import lib.io.snapshot as snapshot
import lib.wallet.data as wallet_data
from lib.core.db import FACTS, data_versions, database_id, make_engine, migrate
from lib.io.importer import import_files
from lib.io.prepare import prepare_version
from lib.io.snapshot import MATRICES, PER_ACCOUNT, cached_portfolio, snapshot_path
from lib.portfolio.data import load_portfolio
from tests.conftest import ADMIN, portfolio_files
from tests.conftest import _new_database_url as new_database_url

pytestmark = pytest.mark.database


def assert_same(left, right) -> None:
    pd.testing.assert_frame_equal(left.accounts, right.accounts)
    assert left.quarters == right.quarters
    assert left.data_as_of == right.data_as_of
    for name in (*MATRICES, *PER_ACCOUNT):
        assert getattr(left, name).dtype == getattr(right, name).dtype, name
        assert np.array_equal(getattr(left, name), getattr(right, name), equal_nan=True), name


def test_the_snapshot_equals_a_fresh_load(small_engine, tmp_path):
    version = data_versions(small_engine)[FACTS]
    built = cached_portfolio(small_engine, version, directory=tmp_path)
    assert snapshot_path(small_engine, version, tmp_path).exists()
    reread = cached_portfolio(small_engine, version, directory=tmp_path)
    assert_same(reread, load_portfolio(small_engine))
    assert_same(built, reread)


def test_a_new_version_gets_a_new_snapshot_and_the_old_one_goes(small_engine, tmp_path):
    first = data_versions(small_engine)[FACTS]
    cached_portfolio(small_engine, first, directory=tmp_path)
    import_files(small_engine, [("revenue.csv", b"account_id,quarter,revenue\nA,2026Q2,999\n")], ADMIN)
    second = data_versions(small_engine)[FACTS]
    assert second == first + 1
    data = cached_portfolio(small_engine, second, directory=tmp_path)
    assert data.revenue[0, data.column("2026Q2")] == 999.0
    assert [p.name for p in tmp_path.glob("portfolio-*")] == [snapshot_path(small_engine, second, tmp_path).name]


def test_the_portfolio_file_is_parquet_that_pandas_reads(small_engine, tmp_path):
    version = data_versions(small_engine)[FACTS]
    data = cached_portfolio(small_engine, version, directory=tmp_path)
    stored = pd.read_parquet(snapshot_path(small_engine, version, tmp_path))
    pd.testing.assert_frame_equal(stored[list(data.accounts.columns)], data.accounts)
    assert stored["revenue 2026Q2"].tolist() == data.revenue[:, data.column("2026Q2")].tolist()
    assert stored["stakeholder_count"].tolist() == data.stakeholder_count.tolist()


def test_an_empty_database_has_a_snapshot_too(engine, tmp_path):
    version = data_versions(engine)[FACTS]
    built = cached_portfolio(engine, version, directory=tmp_path)
    assert snapshot_path(engine, version, tmp_path).exists()
    reread = cached_portfolio(engine, version, directory=tmp_path)
    assert reread.quarters == [] and reread.revenue.shape == (0, 0)
    assert_same(reread, built)


def test_a_damaged_snapshot_is_rebuilt(small_engine, tmp_path):
    version = data_versions(small_engine)[FACTS]
    path = snapshot_path(small_engine, version, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an npz file")
    assert_same(cached_portfolio(small_engine, version, directory=tmp_path), load_portfolio(small_engine))


def recreate_database(url: str) -> None:
    """Delete the database at url and make an empty one at the same address (a SQLite file, or a PostgreSQL schema)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    schema = parsed.query["options"].split("search_path=", 1)[1]
    admin = create_engine(parsed.difference_update_query(["options"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()


OTHER_PORTFOLIO = [
    ("accounts.csv", b"account_id,name\nZ,Zulu Only\n"),
    ("revenue.csv", b"account_id,quarter,revenue\nZ,2026Q2,7\n"),
]


def test_a_database_recreated_at_the_same_address_shows_its_own_figures(db_url, tmp_path):
    first = make_engine(db_url)
    migrate(first)
    import_files(first, portfolio_files(), ADMIN)
    version = data_versions(first)[FACTS]
    assert len(cached_portfolio(first, version, directory=tmp_path).accounts) == 5
    first.dispose()

    recreate_database(db_url)
    second = make_engine(db_url)
    migrate(second)
    import_files(second, OTHER_PORTFOLIO, ADMIN)
    assert data_versions(second)[FACTS] == version  # the same version number: only the identity tells them apart
    data = cached_portfolio(second, version, directory=tmp_path)
    assert data.accounts["name"].tolist() == ["Zulu Only"]
    assert data.revenue.sum() == 7.0
    second.dispose()


def test_every_database_has_an_identity_of_its_own_that_migrations_keep(engine, db_url):
    identity = database_id(engine)
    assert len(identity) == 32
    migrate(engine)
    assert database_id(engine) == identity
    recreate_database(db_url)
    fresh = make_engine(db_url)
    migrate(fresh)
    assert database_id(fresh) not in ("", identity)
    fresh.dispose()


def another_spelling(url: str, relative_to: Path | None = None) -> str:
    """The same database's address written otherwise: a relative SQLite path, or the other name of the local host."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{os.path.relpath(parsed.database, relative_to or Path.cwd())}"
    return parsed.set(host="localhost" if parsed.host == "127.0.0.1" else "127.0.0.1").render_as_string(hide_password=False)


def refuse_to_build(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("built from the database although the arrays were prepared")

    monkeypatch.setattr(snapshot, "load_portfolio", refuse)
    monkeypatch.setattr(wallet_data, "load_wallet_data", refuse)


def test_arrays_prepared_under_another_spelling_of_the_address_are_found(small_engine, db_url, monkeypatch):
    other = make_engine(another_spelling(db_url))
    assert other.url.render_as_string() != small_engine.url.render_as_string()
    prepared = prepare_version(other)
    assert prepared.facts_version == data_versions(small_engine)[FACTS] and prepared.database_id == database_id(small_engine)
    other.dispose()
    refuse_to_build(monkeypatch)
    data = cached_portfolio(small_engine, prepared.facts_version)
    assert_same(data, prepared.portfolio)
    spend = wallet_data.cached_wallet_data(small_engine, data, prepared.facts_version)
    assert spend.competitors == prepared.wallet.competitors and np.array_equal(spend.total, prepared.wallet.total)


def test_a_copy_of_a_database_written_to_since_is_another_database(db_url, tmp_path):
    first = make_engine(db_url)
    migrate(first)
    import_files(first, portfolio_files(), ADMIN)
    copy_url, drop = new_database_url(tmp_path)
    copy = make_engine(copy_url)
    migrate(copy)
    import_files(copy, OTHER_PORTFOLIO, ADMIN)
    with copy.begin() as connection:  # what a copied file or a restored dump carries: the same identity
        connection.execute(text("UPDATE settings SET value = :v WHERE key = 'database_id'"), {"v": database_id(first)})
    version = data_versions(first)[FACTS]
    assert data_versions(copy)[FACTS] == version
    assert len(prepare_version(first).portfolio.accounts) == 5
    assert prepare_version(copy).portfolio.accounts["name"].tolist() == ["Zulu Only"]
    assert len(cached_portfolio(first, version).accounts) == 5
    first.dispose()
    copy.dispose()
    drop()
