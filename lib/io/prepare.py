"""The last step of every import (and of a relationships edit): the arrays of the new data version, built
before anyone asks for them.

The first page after an import would otherwise wait on the SQL aggregates (seconds at 100,000
accounts). The command line and the Data page both call prepare_version once the import is
committed; the arrays land in the per-version files of lib.io.snapshot, where every app server on
the machine finds them, and the Data page also hands them to its own server's caches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, func, select

from lib.core.db import FACTS, facts_identity, read_setting, versions_and_identity
from lib.core.models import Stakeholder
from lib.io.snapshot import cached_portfolio, carry_forward, save_portfolio
from lib.portfolio.data import PortfolioData
from lib.relationships.data import RelationshipData, cached_relationships
from lib.wallet.data import SPEND_KIND, WalletData, cached_wallet_data

Progress = Callable[[float, str], None]
PREPARING_PORTFOLIO = "Preparing the portfolio for the next page"
PREPARING_SPEND = "Preparing competitor spend for the next page"
PREPARING_RELATIONSHIPS = "Preparing stakeholders and meetings for the next page"


@dataclass(frozen=True)
class PreparedVersion:
    facts_version: int
    database_id: str
    portfolio: PortfolioData
    wallet: WalletData
    relationships: RelationshipData


def facts_before_write(engine: Engine) -> tuple[tuple[str, str], int]:
    """What names the data version now in the database: read it before a write, for prepare_after_relationships."""
    return facts_identity(engine), versions_and_identity(engine)[0][FACTS]


def prepare_after_relationships(
    engine: Engine, previous: tuple[tuple[str, str], int], progress: Progress | None = None
) -> PreparedVersion:
    """prepare_version after a write of stakeholders or interactions only (lib.relationships.edit).

    Such a write leaves the portfolio and competitor spend as they were, but the portfolio's stakeholder
    counts: when the write was the only one since `previous` (the version went up by one), their files
    are carried over and the counts read again, so only the relationship arrays come from the database
    (about 2 s at 100,000 accounts, against some 20 s for everything).
    """
    version = versions_and_identity(engine)[0][FACTS]
    if version == previous[1] + 1 and carry_forward(engine, previous, version, "portfolio"):
        carry_forward(engine, previous, version, SPEND_KIND)
        data = cached_portfolio(engine, version)
        counts = _stakeholder_counts(engine, data)
        if not np.array_equal(counts, data.stakeholder_count):
            save_portfolio(
                engine, version, dataclasses.replace(data, stakeholder_count=counts, _positions={}, _masks={}, _choices={})
            )
    return prepare_version(engine, progress)


def _stakeholder_counts(engine: Engine, data: PortfolioData) -> np.ndarray:
    """Stakeholders on record per account of the portfolio, as load_portfolio counts them."""
    with engine.connect() as connection:
        rows = connection.execute(select(Stakeholder.account_id, func.count()).group_by(Stakeholder.account_id)).all()
    ids = data.accounts["id"].to_numpy(dtype=np.int64)
    counts = np.zeros(len(ids), dtype=data.stakeholder_count.dtype)
    if rows and len(ids):
        account, n = np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows])
        at = np.minimum(np.searchsorted(ids, account), len(ids) - 1)
        known = ids[at] == account
        counts[at[known]] = n[known]
    return counts


def prepare_version(engine: Engine, progress: Progress | None = None) -> PreparedVersion:
    """Build (or find) the portfolio, competitor-spend and relationship arrays of the facts version now in the database."""
    report = progress or (lambda _fraction, _message: None)
    found, identity = versions_and_identity(engine)
    version = found[FACTS]
    report(0.0, PREPARING_PORTFOLIO)
    as_of = read_setting(engine, "data_as_of")
    portfolio = cached_portfolio(engine, version, dt.datetime.fromisoformat(as_of) if as_of else None)
    report(0.5, PREPARING_SPEND)
    wallet = cached_wallet_data(engine, portfolio, version)
    report(0.8, PREPARING_RELATIONSHIPS)
    relationships = cached_relationships(engine, portfolio, version)
    report(1.0, "Ready")
    return PreparedVersion(version, identity, portfolio, wallet, relationships)
