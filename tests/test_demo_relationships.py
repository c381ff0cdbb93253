"""The demo's relationships look like a real portfolio's, by lib.relationships' own figures, and are drawn
from a stream of their own: retuning them moves no other demo figure."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from lib.core.models import Interaction, Stakeholder
from lib.io.demo import DemoSpec, build_demo_frames, load_demo
from lib.keyaccounts.status import key_account_basis
from lib.portfolio.data import Filters, load_portfolio
from lib.relationships.data import load_relationships
from lib.relationships.metrics import met_stakeholders, windows
from lib.relationships.portfolio import active_accounts, relationship_cards
from lib.relationships.vocabulary import STAKEHOLDER_ROLES

TODAY = dt.date(2026, 11, 20)  # the demo's last quarter is then 2026Q3
DEFAULT_DEMO = DemoSpec(accounts=400, quarters=12, seed=7)  # the size and seed `python -m lib demo` uses
RELATIONSHIP_TABLES = ("stakeholders", "interactions")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from lib.core.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('relationships-demo') / 'demo.db'}")
    migrate(engine)
    load_demo(engine, DEFAULT_DEMO, today=TODAY)
    data = load_portfolio(engine)
    rel = load_relationships(engine, data.accounts["id"].to_numpy(dtype=np.int64))
    yield engine, data, rel
    engine.dispose()


def cards(demo, quarter: str) -> dict:
    engine, data, rel = demo
    basis = key_account_basis(engine, data, Filters(quarter))  # the demo's approved criteria set
    key = basis.results["qualified"].reindex(data.accounts["id"]).fillna(False).to_numpy(dtype=bool)
    return relationship_cards(data, rel, Filters(quarter), key)


def test_a_fifth_or_so_of_the_key_accounts_are_single_threaded_and_a_few_have_bus_factor_1(demo):
    now = cards(demo, "2026Q3")
    key_accounts = now["key_bus_factor_at_most_1"].inputs["active key accounts"]
    assert key_accounts >= 30, "enough key accounts for shares to mean something"
    assert 0.15 <= now["key_single_threaded_share"].value <= 0.30
    assert 0.35 <= now["single_threaded_share"].value <= 0.60, "the long tail of small accounts, not two thirds of all"
    bus_factor_1 = now["key_bus_factor_at_most_1"].inputs["bus factor 1"]
    assert 2 <= bus_factor_1 <= 0.25 * key_accounts, "a few key accounts with bus factor 1"
    assert now["key_bus_factor_at_most_1"].value <= 0.45 * key_accounts, "most key accounts are known by two of ours"


def test_the_previous_quarter_looks_alike_so_the_cards_change_tells_no_invented_story(demo):
    now, before = cards(demo, "2026Q3"), cards(demo, "2026Q2")
    for card in ("single_threaded_share", "key_single_threaded_share"):
        assert abs(now[card].value - before[card].value) < 0.08, card


def test_some_champions_of_active_accounts_were_not_met_in_90_days(demo):
    _engine, data, rel = demo
    span = windows("2026Q3")
    met = met_stakeholders(rel, span.met_from, span.as_of)
    active = active_accounts(data, Filters("2026Q3"))  # aligned with rel's accounts: both ordered by account id
    champion = (rel.stakeholder_role == STAKEHOLDER_ROLES.index("champion")) & active[rel.stakeholder_account]
    stale = champion & ~met
    assert 0.05 <= stale.sum() / champion.sum() <= 0.30


def test_stances_are_spread_and_interactions_carry_one_line_notes(demo):
    engine, _data, _rel = demo
    with engine.connect() as connection:
        stances = pd.Series(connection.scalars(select(Stakeholder.stance)).all(), dtype=object).fillna("unknown")
        notes = pd.Series(connection.scalars(select(Interaction.note)).all(), dtype=object)
    shares = stances.value_counts(normalize=True)
    assert set(shares.index) == {"supporter", "neutral", "detractor", "unknown"}
    assert shares.max() < 0.5 and shares.min() > 0.05
    written = notes.dropna()
    assert len(written) >= 0.8 * len(notes)
    assert not written.str.contains("\n").any() and written.str.len().max() <= Interaction.__table__.c.note.type.length


def test_our_people_are_named_and_own_the_stakeholders_they_meet():
    frames = build_demo_frames(DemoSpec(accounts=60, quarters=4, seed=2, end="2026Q3"))
    interactions, stakeholders = frames["interactions"], frames["stakeholders"]
    assert interactions["our_person"].nunique() > frames["accounts"]["owner"].nunique()  # owners and their colleagues
    met = interactions.groupby("stakeholder_id")["our_person"].agg(set)
    owners = stakeholders.set_index("id")["our_owner"]
    # Our owner of someone is their first contact, who nearly always met them in the year.
    assert np.mean([owners[person] in ours for person, ours in met.items()]) > 0.9
    assert interactions["stakeholder_id"].isin(stakeholders["id"]).all()
    assert not interactions.duplicated(["account_id", "stakeholder_name", "our_person", "date", "channel"]).any()


def test_the_relationships_draw_from_their_own_stream(monkeypatch):
    import lib.io.demo.build as build
    from lib.io.demo.relationships import relationship_generator

    spec = DemoSpec(accounts=80, quarters=6, seed=5, end="2026Q3")
    usual = build_demo_frames(spec)
    monkeypatch.setattr(build, "relationship_generator", lambda seed: relationship_generator(seed + 1000))
    other = build_demo_frames(spec)
    for name in usual:
        if name in RELATIONSHIP_TABLES:
            assert not usual[name].equals(other[name]), f"{name} should follow the relationships' stream"
        else:
            pd.testing.assert_frame_equal(usual[name], other[name], obj=name)
