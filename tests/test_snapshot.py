"""The file copy of the portfolio arrays: identical to a fresh load, per data version, self-healing."""

import numpy as np
import pandas as pd

from lib.db import FACTS, data_versions
from lib.importer import import_files
from lib.portfolio import load_portfolio
from lib.snapshot import MATRICES, cached_portfolio, snapshot_path
from tests.conftest import ADMIN


def assert_same(left, right) -> None:
    pd.testing.assert_frame_equal(left.accounts, right.accounts)
    assert left.quarters == right.quarters
    for name in MATRICES:
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
    assert [p.name for p in tmp_path.glob("*.npz")] == [snapshot_path(small_engine, second, tmp_path).name]


def test_a_damaged_snapshot_is_rebuilt(small_engine, tmp_path):
    version = data_versions(small_engine)[FACTS]
    path = snapshot_path(small_engine, version, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an npz file")
    assert_same(cached_portfolio(small_engine, version, directory=tmp_path), load_portfolio(small_engine))
