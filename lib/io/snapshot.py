"""Local file copies of arrays built from the facts, per data version, so a cold server starts fast.

Building the portfolio arrays reads every account-quarter aggregate (a million rows at 100,000
accounts: seconds on SQLite), competitor spend several times more. The result only changes when
the facts change, so it is kept as an .npz file named after what the database says of itself
(lib.core.db.facts_identity: its identity and the stamp of its last facts write, never the spelling
of its address, so the command line and the app servers find each other's files; a database
recreated at the same address is another database), the kind of arrays and the version; a restarted
server, the command line and every other process on the machine load it in a fraction of a second.
The files hold plain arrays only (no pickles), are written atomically, and older versions are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from lib.core.config import PROJECT_ROOT
from lib.core.db import facts_identity
from lib.portfolio.data import PortfolioData, as_dates, load_portfolio

CACHE_DIR = Path(os.environ.get("KEYSTONE_CACHE_DIR", PROJECT_ROOT / "data" / "cache"))
FORMAT = 1  # bump when the arrays of PortfolioData change
MATRICES = (
    "revenue",
    "wallet",
    "wallet_confidence",
    "nps_promoters",
    "nps_detractors",
    "nps_responses",
    "csat_satisfied",
    "csat_responses",
    "stakeholder_count",
)
_TEXT = ("external_id", "name", "segment", "industry", "region", "owner")
_DATES = ("customer_since", "churned_on")
ACCOUNT_COLUMNS = (
    "id",
    "external_id",
    "name",
    "segment",
    "industry",
    "region",
    "owner",
    "customer_since",
    "churned_on",
    "strategic_fit",
)  # the order lib.portfolio.data reads them in


def snapshot_path(engine: Engine, facts_version: int, directory: Path | None = None, kind: str = "portfolio") -> Path:
    return _path(kind, facts_identity(engine), facts_version, directory)


def _path(kind: str, identity: tuple[str, str], facts_version: int, directory: Path | None) -> Path:
    facts = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:12]
    return (directory or CACHE_DIR) / f"{_prefix(kind, identity[0])}f{FORMAT}-v{facts_version}-{facts}.npz"


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
        except (OSError, ValueError, KeyError, EOFError):
            path.unlink(missing_ok=True)  # damaged or from another format: build it again
    arrays = build()
    with contextlib.suppress(OSError):  # a read-only disk only costs speed
        _save(path, arrays, _prefix(kind, identity[0]))
    return arrays


def cached_portfolio(
    engine: Engine, facts_version: int, data_as_of: dt.datetime | None = None, directory: Path | None = None
) -> PortfolioData:
    """The portfolio arrays of this data version (see cached_arrays)."""
    return _from_arrays(
        cached_arrays(engine, facts_version, "portfolio", lambda: _to_arrays(load_portfolio(engine, data_as_of)), directory)
    )


def _save(path: Path, arrays: dict[str, np.ndarray], prefix: str) -> None:
    """Write the file atomically, then remove the database's older files of this kind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        np.savez(stream, **arrays)
    os.replace(temporary, path)
    for old in path.parent.glob(f"{prefix}*"):
        if old != path:
            old.unlink(missing_ok=True)


def _to_arrays(data: PortfolioData) -> dict[str, np.ndarray]:
    accounts = data.accounts
    arrays = {name: getattr(data, name) for name in MATRICES}
    arrays["quarters"] = np.array(data.quarters, dtype=str)
    arrays["account_id"] = accounts["id"].to_numpy(dtype=np.int64)
    for column in _TEXT:
        arrays[column] = accounts[column].fillna("").astype(str).to_numpy(dtype=str)
        arrays[f"{column}_missing"] = accounts[column].isna().to_numpy()
    for column in _DATES:
        arrays[column] = pd.to_datetime(accounts[column]).to_numpy(dtype="datetime64[D]")
    arrays["strategic_fit"] = accounts["strategic_fit"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    arrays["data_as_of"] = np.array([data.data_as_of.isoformat() if data.data_as_of else ""], dtype=str)
    return arrays


def _from_arrays(stored: dict[str, np.ndarray]) -> PortfolioData:
    accounts = pd.DataFrame({"id": stored["account_id"]})
    for column in _TEXT:
        accounts[column] = pd.Series(stored[column], dtype=object).where(~stored[f"{column}_missing"], None)
    for column in _DATES:
        accounts[column] = as_dates(pd.Series(stored[column]))
    fit = stored["strategic_fit"]
    accounts["strategic_fit"] = pd.array(np.where(np.isnan(fit), None, fit), dtype="Int64")
    as_of = str(stored["data_as_of"][0])
    return PortfolioData(
        quarters=[str(q) for q in stored["quarters"]],
        accounts=accounts[list(ACCOUNT_COLUMNS)],
        data_as_of=dt.datetime.fromisoformat(as_of) if as_of else None,
        **{name: stored[name] for name in MATRICES},
    )
