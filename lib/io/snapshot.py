"""Local file copies of what is built from the facts, per data version, so a cold server starts fast.

Building the portfolio arrays reads every account-quarter aggregate (a million rows at 100,000
accounts: seconds on SQLite), competitor spend several times more. The result only changes when
the facts change, so it is kept in a file named after what the database says of itself
(lib.core.db.facts_identity: its identity and the stamp of its last facts write, never the spelling
of its address, so the command line and the app servers find each other's files; a database
recreated at the same address is another database), the kind of data and the version; a restarted
server, the command line and every other process on the machine load it in a fraction of a second.

The portfolio is one Parquet file written by pyarrow: the accounts frame as it is, one column per
measure and quarter ("revenue 2026Q3"), the quarters and the data's time in the file's metadata.
Other arrays (competitor spend) are numpy's .npz of plain arrays. No pickles; every file is written
atomically, and the database's older files of the kind are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine

from lib.core.config import PROJECT_ROOT
from lib.core.db import facts_identity
from lib.portfolio.data import PortfolioData, load_portfolio

CACHE_DIR = Path(os.environ.get("KEYSTONE_CACHE_DIR", PROJECT_ROOT / "data" / "cache"))
FORMAT = 2  # bump when what a file holds changes (2: the portfolio in Parquet)
MATRICES = (
    "revenue",
    "wallet",
    "wallet_confidence",
    "nps_promoters",
    "nps_detractors",
    "nps_responses",
    "csat_satisfied",
    "csat_responses",
)  # PortfolioData's (accounts, quarters) arrays
PER_ACCOUNT = ("stakeholder_count",)  # its (accounts,) arrays
_METADATA = b"keystone"
_SUFFIX = {"portfolio": ".parquet"}  # any other kind: .npz
_DAMAGED = (OSError, ValueError, KeyError, TypeError, EOFError, pa.ArrowException)  # a file to build again


def snapshot_path(engine: Engine, facts_version: int, directory: Path | None = None, kind: str = "portfolio") -> Path:
    return _path(kind, facts_identity(engine), facts_version, directory)


def _path(kind: str, identity: tuple[str, str], facts_version: int, directory: Path | None) -> Path:
    facts = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:12]
    name = f"{_prefix(kind, identity[0])}f{FORMAT}-v{facts_version}-{facts}{_SUFFIX.get(kind, '.npz')}"
    return (directory or CACHE_DIR) / name


def _prefix(kind: str, database: str) -> str:
    """The start of the names of every file of this kind kept for this database."""
    return f"{kind}-{hashlib.sha256(database.encode()).hexdigest()[:16]}-"


def cached_arrays(
    engine: Engine, facts_version: int, kind: str, build: Callable[[], dict[str, np.ndarray]], directory: Path | None = None
) -> dict[str, np.ndarray]:
    """The arrays of this kind and data version: from their file when there is one, else built and saved."""
    identity = facts_identity(engine)
    path = _path(kind, identity, facts_version, directory)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {name: stored[name] for name in stored.files}
        except _DAMAGED:
            path.unlink(missing_ok=True)  # damaged or from another format: build it again
    arrays = build()
    with contextlib.suppress(OSError):  # a read-only disk only costs speed
        _save(path, lambda stream: np.savez(stream, **arrays), _prefix(kind, identity[0]))
    return arrays


def cached_portfolio(
    engine: Engine, facts_version: int, data_as_of: dt.datetime | None = None, directory: Path | None = None
) -> PortfolioData:
    """The portfolio arrays of this data version: from their Parquet file when there is one, else loaded and saved."""
    identity = facts_identity(engine)
    path = _path("portfolio", identity, facts_version, directory)
    if path.exists():
        try:
            return portfolio_from_table(pq.read_table(path))
        except _DAMAGED:
            path.unlink(missing_ok=True)
    data = load_portfolio(engine, data_as_of)
    with contextlib.suppress(OSError):
        _save(path, lambda stream: write_portfolio(data, stream), _prefix("portfolio", identity[0]))
    return data


def portfolio_table(data: PortfolioData) -> pa.Table:
    """The portfolio as one Arrow table: a row per account, its columns, then a column per measure and quarter."""
    accounts = pa.Table.from_pandas(data.accounts, preserve_index=False)
    names, columns = list(accounts.column_names), list(accounts.columns)
    for name in MATRICES:
        matrix = getattr(data, name)
        names += [f"{name} {quarter}" for quarter in data.quarters]
        columns += [pa.array(matrix[:, column]) for column in range(len(data.quarters))]
    names += list(PER_ACCOUNT)
    columns += [pa.array(getattr(data, name)) for name in PER_ACCOUNT]
    described = {
        "accounts": accounts.column_names,
        "quarters": data.quarters,
        "data_as_of": data.data_as_of.isoformat() if data.data_as_of else None,
        "dtypes": {name: getattr(data, name).dtype.str for name in MATRICES},
    }
    metadata = {**accounts.schema.metadata, _METADATA: json.dumps(described).encode()}
    return pa.Table.from_arrays(columns, names=names, metadata=metadata)


def write_portfolio(data: PortfolioData, stream: BinaryIO) -> None:
    # Uncompressed: the dictionary encoding alone makes it a quarter of the arrays' size, and it reads fastest.
    pq.write_table(portfolio_table(data), stream, compression="none")


def portfolio_from_table(table: pa.Table) -> PortfolioData:
    described = json.loads(table.schema.metadata[_METADATA])
    quarters = described["quarters"]

    def matrix(name: str) -> np.ndarray:
        if not quarters:
            return np.zeros((table.num_rows, 0), dtype=described["dtypes"][name])
        return np.column_stack([table.column(f"{name} {quarter}").to_numpy() for quarter in quarters])

    return PortfolioData(
        quarters=quarters,
        accounts=table.select(described["accounts"]).to_pandas(),
        data_as_of=dt.datetime.fromisoformat(described["data_as_of"]) if described["data_as_of"] else None,
        **{name: matrix(name) for name in MATRICES},
        **{name: table.column(name).to_numpy(zero_copy_only=False).copy() for name in PER_ACCOUNT},
    )


def save_portfolio(engine: Engine, facts_version: int, data: PortfolioData, directory: Path | None = None) -> None:
    """Keep these arrays as the portfolio of this data version (built otherwise than by cached_portfolio)."""
    identity = facts_identity(engine)
    _save(
        _path("portfolio", identity, facts_version, directory),
        lambda stream: write_portfolio(data, stream),
        _prefix("portfolio", identity[0]),
    )


def carry_forward(
    engine: Engine, previous: tuple[tuple[str, str], int], facts_version: int, kind: str, directory: Path | None = None
) -> bool:
    """Keep a previous data version's file of this kind as the current version's: for a write that left what
    it holds as it was (previous: that version's facts identity and number). False when there is no such file."""
    identity, version = previous
    old = _path(kind, identity, version, directory)
    if not old.exists():
        return False
    current = facts_identity(engine)
    try:
        content = old.read_bytes()
    except OSError:  # removed meanwhile by a newer version's write
        return False
    _save(_path(kind, current, facts_version, directory), lambda stream: stream.write(content), _prefix(kind, current[0]))
    return True


def _save(path: Path, write: Callable[[BinaryIO], object], prefix: str) -> None:
    """Write the file atomically, then remove the database's older files of this kind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    for old in path.parent.glob(f"{prefix}*"):
        if old != path:
            old.unlink(missing_ok=True)
