"""After a relationships edit, the new data version's arrays are ready at once: the portfolio and competitor
spend carried over from the version before (stakeholder counts read again), the relationship arrays read anew;
exactly what building everything from the database gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import Engine

import lib.io.snapshot as snapshot
import lib.wallet.data as wallet_data
from lib.io.importer import import_files
from lib.io.prepare import facts_before_write, prepare_after_relationships, prepare_version
from lib.portfolio.data import load_portfolio
from lib.relationships.edit import InteractionInput, StakeholderInput, log_interaction, save_stakeholder
from lib.relationships.portfolio import portfolio_metrics
from tests.conftest import ADMIN, EDITOR
from tests.relationship_fixtures import account_id, load_relationship_portfolio, stakeholder_id


@pytest.fixture
def rel_engine(engine: Engine) -> Engine:
    engine = load_relationship_portfolio(engine)
    prepare_version(engine)  # the version before the edit has its files, as after an import
    return engine


def no_rebuild(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("built from the database although the previous version's arrays were there")

    monkeypatch.setattr(snapshot, "load_portfolio", refuse)
    monkeypatch.setattr(wallet_data, "load_wallet_data", refuse)


def same_portfolio(prepared, engine: Engine) -> None:
    fresh = load_portfolio(engine)
    assert prepared.quarters == fresh.quarters
    assert np.array_equal(prepared.revenue, fresh.revenue) and np.array_equal(prepared.stakeholder_count, fresh.stakeholder_count)


def bus_factor(prepared, external_id: str) -> int:
    data = prepared.portfolio
    metrics = portfolio_metrics(data, prepared.relationships, "2026Q2")
    return int(metrics.bus_factor[data.accounts["external_id"].tolist().index(external_id)])


def test_an_interaction_carries_the_portfolio_over_and_reads_the_relationships_again(rel_engine, monkeypatch):
    assert bus_factor(prepare_version(rel_engine), "A") == 1  # Ana met by Zoe only
    previous = facts_before_write(rel_engine)
    log_interaction(
        rel_engine,
        EDITOR,
        account_id(rel_engine, "A"),
        InteractionInput(dt.date(2026, 6, 15), "Max Roe", stakeholder_id(rel_engine, "Ana Marsh")),
    )
    no_rebuild(monkeypatch)
    prepared = prepare_after_relationships(rel_engine, previous)
    assert prepared.facts_version == previous[1] + 1
    assert bus_factor(prepared, "A") == 2
    monkeypatch.undo()
    same_portfolio(prepared.portfolio, rel_engine)


def test_a_new_stakeholder_is_counted_in_the_carried_portfolio(rel_engine, monkeypatch):
    previous = facts_before_write(rel_engine)
    save_stakeholder(rel_engine, EDITOR, account_id(rel_engine, "C"), StakeholderInput("Ola Park", level="exec", role="champion"))
    no_rebuild(monkeypatch)
    prepared = prepare_after_relationships(rel_engine, previous)
    counts = dict(zip(prepared.portfolio.accounts["external_id"], prepared.portfolio.stakeholder_count.tolist()))
    assert counts == {"A": 4, "B": 2, "C": 1, "D": 1, "E": 1}  # C had nobody
    monkeypatch.undo()
    same_portfolio(prepared.portfolio, rel_engine)


def test_with_another_write_in_between_everything_is_built_again(rel_engine):
    previous = facts_before_write(rel_engine)
    import_files(rel_engine, [("revenue.csv", b"account_id,quarter,revenue\nA,2026Q2,999\n")], ADMIN)  # someone's import
    save_stakeholder(rel_engine, EDITOR, account_id(rel_engine, "C"), StakeholderInput("Ola Park"))
    prepared = prepare_after_relationships(rel_engine, previous)
    assert prepared.facts_version == previous[1] + 2
    same_portfolio(prepared.portfolio, rel_engine)  # the import's revenue is there: nothing stale was carried
    a = prepared.portfolio.accounts["external_id"].tolist().index("A")
    assert prepared.portfolio.revenue[a, prepared.portfolio.column("2026Q2")] == 999
