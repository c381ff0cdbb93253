"""A local file copy of the portfolio arrays per data version, so a cold server starts fast.

Building the arrays reads every account-quarter aggregate (a million rows at 100,000 accounts:
seconds on SQLite). The result only changes when the facts version changes, so it is kept as
an .npz file named after the database and the version; a restarted server, the command line
and every other process on the machine load it in a fraction of a second. The file holds plain
arrays only (no pickles), is written atomically, and older versions are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from lib.config import PROJECT_ROOT
from lib.portfolio import PortfolioData, as_dates, load_portfolio

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


def snapshot_path(engine: Engine, facts_version: int, directory: Path | None = None) -> Path:
    database = engine.url.render_as_string(hide_password=True)
    key = hashlib.sha256(database.encode()).hexdigest()[:16]
    return (directory or CACHE_DIR) / f"portfolio-{key}-f{FORMAT}-v{facts_version}.npz"


def cached_portfolio(
    engine: Engine, facts_version: int, data_as_of: dt.datetime | None = None, directory: Path | None = None
) -> PortfolioData:
    """The portfolio arrays of this data version: from the file when there is one, else built and saved."""
    path = snapshot_path(engine, facts_version, directory)
    if path.exists():
        try:
            return _read(path)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # damaged or from another format: build it again
    data = load_portfolio(engine, data_as_of)
    with contextlib.suppress(OSError):  # a read-only disk only costs speed
        _write(path, data)
    return data


def _write(path: Path, data: PortfolioData) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
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
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        np.savez(stream, **arrays)
    os.replace(temporary, path)
    for old in path.parent.glob(path.name.rsplit("-v", 1)[0] + "-v*.npz"):
        if old != path:
            old.unlink(missing_ok=True)


def _read(path: Path) -> PortfolioData:
    with np.load(path, allow_pickle=False) as stored:
        accounts = pd.DataFrame({"id": stored["account_id"]})
        for column in _TEXT:
            accounts[column] = pd.Series(stored[column], dtype=object).where(~stored[f"{column}_missing"], None)
        for column in _DATES:
            accounts[column] = as_dates(pd.Series(stored[column]))
        accounts["strategic_fit"] = pd.array(
            np.where(np.isnan(stored["strategic_fit"]), None, stored["strategic_fit"]), dtype="Int64"
        )
        as_of = str(stored["data_as_of"][0])
        return PortfolioData(
            quarters=[str(q) for q in stored["quarters"]],
            accounts=accounts[
                [
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
                ]
            ],
            data_as_of=dt.datetime.fromisoformat(as_of) if as_of else None,
            **{name: stored[name] for name in MATRICES},
        )
