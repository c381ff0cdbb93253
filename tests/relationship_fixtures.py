"""The hand-computed relationships portfolio of tests/fixtures/relationships (described in tests/test_relationships.py),
loaded by the importer users use; the stance the importer does not take yet is set directly."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from lib.core.models import Account, Stakeholder
from lib.io.importer import import_files
from tests.conftest import ADMIN, FIXTURES

FILES = ("accounts.csv", "revenue.csv", "stakeholders.csv", "interactions.csv")


def load_relationship_portfolio(engine: Engine) -> Engine:
    files = [(name, (FIXTURES / "relationships" / name).read_bytes()) for name in FILES]
    import_files(engine, files, ADMIN)
    with engine.begin() as connection:
        connection.execute(update(Stakeholder).where(Stakeholder.name == "Eva Fox").values(stance="supporter"))
    return engine


def account_id(engine: Engine, external_id: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(Account.id).where(Account.external_id == external_id))


def stakeholder_id(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(Stakeholder.id).where(Stakeholder.name == name))
