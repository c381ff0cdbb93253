"""The last step of every import: the arrays of the new data version, built before anyone asks for them.

The first page after an import would otherwise wait on the SQL aggregates (seconds at 100,000
accounts). The command line and the Data page both call prepare_version once the import is
committed; the arrays land in the per-version files of lib.io.snapshot, where every app server on
the machine finds them, and the Data page also hands them to its own server's caches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from lib.core.db import FACTS, read_setting, versions_and_identity
from lib.io.snapshot import cached_portfolio
from lib.portfolio.data import PortfolioData
from lib.relationships.data import RelationshipData, cached_relationships
from lib.wallet.data import WalletData, cached_wallet_data

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
