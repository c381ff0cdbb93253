"""Relationship metrics (DESIGN.md, "Relationships") on a hand-computed portfolio, tests/fixtures/relationships.

Quarter 2026Q2: as_of = 2026-06-30, "in 90 days" = 2026-04-02 .. 2026-06-30, "in 180 days" = 2026-01-02 .. 2026-06-30.
Quarter 2026Q1: as_of = 2026-03-31, "in 90 days" = 2026-01-01 .. 2026-03-31, "in 180 days" = 2025-10-03 .. 2026-03-31.

The accounts (EB = economic buyer, key people = economic buyers and champions):
- A Atlas: Ana Marsh (exec, EB) met by Zoe 04-02 (the 90 days' first day); Ben Cole (senior, champion) met by Zoe
  01-02 (the 180 days' first day) and Max 06-30 (the last day); Cara Diaz (manager, user) met by Max 04-01 (a day
  before the 90 days); Dan Eng (staff) met by Zoe 07-01 (after as_of). Zoe met two key people.
- B Birch: Eva Fox (senior, champion, a supporter) met by Yan 2026-01-01 (a day before the 180 days) and 2025-06-01
  (older than 180 days); Gus Hill (exec, decision maker) met 05-05.
- C Cedar: no stakeholders. D Dune: Hal Ives (staff, user), met twice on 06-01, plus a call naming nobody.
- E Elm: Ida Jay (exec, EB) met by Wes 01-02 and Zoe 05-01; no revenue in 2026Q2 (inactive).
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from lib.io.importer import import_files
from lib.portfolio.data import Filters, load_portfolio
from lib.relationships.account import account_relationships
from lib.relationships.data import assemble, cached_relationships, load_relationships
from lib.relationships.metrics import METRIC_NAMES, relationship_metrics, windows
from lib.relationships.portfolio import (
    TABLE_COLUMNS,
    account_table,
    criteria_columns,
    portfolio_metrics,
    relationship_cards,
    relationship_overview,
    relationships_json,
)
from tests.conftest import ADMIN
from tests.relationship_fixtures import account_id, load_relationship_portfolio

Q2_METRICS = {  # account: known, met in 90 days, exec met, EB met, single-threaded, bus factor
    "A": (4, 2, True, True, False, 1),  # Ana + Ben met; Ana is met by Zoe only (Ben by Zoe and Max): 1
    "B": (2, 1, True, False, True, 0),  # Gus only; Eva, the champion, unmet in 180 days: 0
    "C": (0, 0, False, False, True, 0),  # nobody on record: 0
    "D": (1, 1, False, False, True, 0),  # Hal (two interactions on one day count once); no key person: 0
    "E": (1, 1, True, True, True, 2),  # Ida, met by Wes (01-02, the first day) and Zoe: 2
}
Q1_METRICS = {
    "A": (4, 1, False, False, True, 0),  # Ben (01-02) only; Ana unmet until 04-02: 0
    "B": (2, 1, False, False, True, 1),  # Eva on 01-01, the 90 days' first day; met by Yan: 1
    "C": (0, 0, False, False, True, 0),
    "D": (1, 0, False, False, True, 0),
    "E": (1, 1, True, True, True, 1),  # Ida on 01-02 by Wes: 1
}


@pytest.fixture
def rel_engine(engine: Engine) -> Engine:
    return load_relationship_portfolio(engine)


def by_account(data, metrics) -> dict[str, tuple]:
    columns = [getattr(metrics, name).tolist() for name in METRIC_NAMES]
    return {external: tuple(values) for external, *values in zip(data.accounts["external_id"], *columns)}


def loaded(engine: Engine):
    data = load_portfolio(engine)
    return data, load_relationships(engine, data.accounts["id"].to_numpy(), data.quarters)


def test_windows_are_the_90_and_180_days_that_end_with_the_quarter():
    q2 = windows("2026Q2")
    assert (q2.as_of, q2.met_from, q2.bus_factor_from) == (dt.date(2026, 6, 30), dt.date(2026, 4, 2), dt.date(2026, 1, 2))
    q1 = windows("2026Q1")
    assert (q1.as_of, q1.met_from, q1.bus_factor_from) == (dt.date(2026, 3, 31), dt.date(2026, 1, 1), dt.date(2025, 10, 3))


def test_every_accounts_metrics_by_hand(rel_engine):
    data, rel = loaded(rel_engine)
    assert by_account(data, portfolio_metrics(data, rel, "2026Q2")) == Q2_METRICS
    assert by_account(data, portfolio_metrics(data, rel, "2026Q1")) == Q1_METRICS


def one_key_person_met_on(days: list[int]) -> tuple:
    """One account, one exec economic buyer, met by a different person of ours on each day (as_of + offset), 2026Q2."""
    as_of = dt.date(2026, 6, 30)
    stakeholders = pd.DataFrame({"id": [7], "account_id": [1], "level": [0], "role": [0]})
    interactions = pd.DataFrame(
        {
            "stakeholder_id": [7] * len(days),
            "our_person": [f"person {i}" for i in range(len(days))],
            "date": [as_of + dt.timedelta(days=d) for d in days],
        }
    )
    metrics = relationship_metrics(assemble(np.array([1]), stakeholders, interactions), "2026Q2")
    return int(metrics.stakeholders_met_90d[0]), int(metrics.bus_factor[0])


@pytest.mark.parametrize(
    ("offsets", "met_90d", "bus_factor"),
    [
        ([0], 1, 1),  # as_of: the last day of both windows
        ([-89], 1, 1),  # the 90 days' first day
        ([-90], 0, 1),  # a day before the 90 days, inside the 180
        ([-179], 0, 1),  # the 180 days' first day
        ([-180], 0, 0),  # a day before the 180 days: nobody met the key person
        ([1], 0, 0),  # the day after as_of
        ([-400, -180, 1], 0, 0),  # older than 180 days, or later: nobody
        ([-179, 0, 0], 1, 3),  # three people of ours, two of them on the last day
    ],
)
def test_window_edges(offsets, met_90d, bus_factor):
    assert one_key_person_met_on(offsets) == (met_90d, bus_factor)


def test_the_same_person_meeting_several_key_people_counts_for_each():
    # Zoe meets both key people, Max one of them: each is met by at least one, the economic buyer by one only.
    stakeholders = pd.DataFrame({"id": [1, 2], "account_id": [1, 1], "level": [0, 1], "role": [0, 2]})
    day = dt.date(2026, 6, 1)
    interactions = pd.DataFrame({"stakeholder_id": [1, 2, 2], "our_person": ["Zoe", "Zoe", "Max"], "date": [day, day, day]})
    metrics = relationship_metrics(assemble(np.array([1]), stakeholders, interactions), "2026Q2")
    assert metrics.bus_factor.tolist() == [1] and metrics.stakeholders_met_90d.tolist() == [2]


def test_arrays_of_other_accounts_are_lined_up_with_the_portfolio(rel_engine):
    data = load_portfolio(rel_engine)
    # Arrays read before account A existed (as a cache of an older version could be): A has nothing on record.
    rel = load_relationships(rel_engine, data.accounts["id"].to_numpy()[1:], data.quarters)
    metrics = by_account(data, portfolio_metrics(data, rel, "2026Q2"))
    assert metrics == {**Q2_METRICS, "A": (0, 0, False, False, True, 0)}


def test_an_empty_portfolio_has_zeros_not_errors(engine):
    data, rel = loaded(engine)
    metrics = relationship_metrics(rel, "2026Q2")
    assert len(metrics.bus_factor) == 0
    assert relationships_json(data, rel, "2026Q2") == {"quarter": "2026Q2", "single_threaded_share": None, "accounts": []}


def test_cards_with_the_previous_quarter(rel_engine):
    data, rel = loaded(rel_engine)
    key = {account_id(rel_engine, x) for x in "ABE"}
    overview = relationship_overview(data, rel, Filters("2026Q2"), key)
    now, before = overview.now, overview.before
    # 2026Q2: active A, B, C, D (E has no revenue); single-threaded B, C, D.
    assert now["single_threaded_share"].value == 3 / 4
    assert now["single_threaded_share"].inputs == {"active accounts": 4, "single-threaded": 3}
    # Active key accounts A, B: B single-threaded; bus factor A 1, B 0.
    assert now["key_single_threaded_share"].value == 1 / 2
    assert now["key_bus_factor_at_most_1"].value == 2
    assert now["key_bus_factor_at_most_1"].inputs == {"active key accounts": 2, "bus factor 0": 1, "bus factor 1": 1}
    # 2026Q1: all five active and single-threaded; key A, B, E with bus factor 0, 1, 1.
    assert before["single_threaded_share"].value == 1.0
    assert before["key_single_threaded_share"].value == 1.0
    assert before["key_bus_factor_at_most_1"].inputs == {"active key accounts": 3, "bus factor 0": 1, "bus factor 1": 2}
    mask = data.accounts["external_id"].isin(["A", "B", "E"]).to_numpy()
    assert relationship_cards(data, rel, Filters("2026Q2"), mask) == now


def test_a_filter_narrows_the_share(rel_engine):
    data, rel = loaded(rel_engine)
    # EMEA: A (not single-threaded) and C (single-threaded), both active in 2026Q2.
    cards = relationship_cards(data, rel, Filters("2026Q2", regions=("EMEA",)))
    assert cards["single_threaded_share"].value == 1 / 2


def test_key_cards_are_na_without_key_accounts(rel_engine):
    data, rel = loaded(rel_engine)
    cards = relationship_cards(data, rel, Filters("2026Q2"))
    assert cards["key_single_threaded_share"].value is None and cards["key_bus_factor_at_most_1"].value is None
    assert "No approved key-account criteria" in cards["key_bus_factor_at_most_1"].formula
    assert relationship_cards(data, rel, Filters("2030Q1"))["single_threaded_share"].value is None  # no revenue: n/a


def test_the_table_lists_active_accounts_riskiest_first(rel_engine):
    data, rel = loaded(rel_engine)
    metrics = portfolio_metrics(data, rel, "2026Q2")
    table = account_table(data, metrics, Filters("2026Q2"), {account_id(rel_engine, x) for x in "ABE"})
    # High risk (single-threaded, bus factor <= 1): B, C, D, all bus factor 0; C met nobody, then B before D by revenue.
    assert list(table) == list(TABLE_COLUMNS)
    assert table["account_id"].tolist() == ["C", "B", "D", "A"]
    assert table["risk"].tolist() == ["high", "high", "high", "medium"]
    assert table["key"].tolist() == [False, True, False, True]
    assert table.loc[table["account_id"] == "A", "revenue"].item() == 400.0
    key_only = account_table(data, metrics, Filters("2026Q2"), {account_id(rel_engine, x) for x in "ABE"}, key_only=True)
    assert key_only["account_id"].tolist() == ["B", "A"]  # E is a key account without revenue in 2026Q2


def test_the_json_is_exactly_the_one_of_design_md(rel_engine):
    data, rel = loaded(rel_engine)
    out = json.loads(json.dumps(relationships_json(data, rel, "2026Q2")))
    assert list(out) == ["quarter", "single_threaded_share", "accounts"]
    assert out["quarter"] == "2026Q2" and out["single_threaded_share"] == 0.75
    names = [
        "stakeholders_known",
        "stakeholders_met_90d",
        "exec_met_90d",
        "economic_buyer_met_90d",
        "single_threaded",
        "bus_factor",
    ]
    assert out["accounts"] == [{"account_id": a, **dict(zip(names, values))} for a, values in Q2_METRICS.items()]
    assert all(type(row["exec_met_90d"]) is bool and type(row["bus_factor"]) is int for row in out["accounts"])


def test_criteria_columns_are_aligned_with_the_accounts(rel_engine):
    data, rel = loaded(rel_engine)
    columns = criteria_columns(data, rel, "2026Q2")
    assert list(columns) == ["stakeholders_met_90d", "exec_met_90d", "bus_factor"]
    assert columns.index.tolist() == list(range(5))
    assert columns["bus_factor"].tolist() == [1.0, 0.0, 0.0, 0.0, 2.0]  # A..E
    assert columns["exec_met_90d"].tolist() == [1.0, 1.0, 0.0, 0.0, 1.0]


def test_the_arrays_read_back_from_their_file_are_the_same(rel_engine, tmp_path):
    data, rel = loaded(rel_engine)
    first = cached_relationships(rel_engine, data, 1, tmp_path)
    second = cached_relationships(rel_engine, data, 1, tmp_path)  # from the file
    assert len(list(tmp_path.glob("relationships*.npz"))) == 1
    assert by_account(data, portfolio_metrics(data, second, "2026Q2")) == Q2_METRICS
    assert second.people.tolist() == first.people.tolist()


def test_a_long_history_is_cut_to_the_days_the_quarters_can_see_in_the_database(rel_engine):
    data = load_portfolio(rel_engine)
    ids = data.accounts["id"].to_numpy()
    # Quarters 2026Q1..2026Q2 look at 2025-10-03 .. 2026-06-30: most of the days with interactions
    # (2025-06-01 .. 2026-07-01), so all 12 naming someone are read straight through.
    assert len(load_relationships(rel_engine, ids, data.quarters).interaction_day) == 12
    old = "account_id,stakeholder,our_person,date\nB,Eva Fox,Yan Li,2012-01-01\n"
    import_files(rel_engine, [("interactions.csv", old.encode())], ADMIN)
    # Now the days run from 2012: the database leaves out 2012-01-01, 2025-06-01 and 2026-07-01.
    rel = load_relationships(rel_engine, ids, data.quarters)
    assert len(rel.interaction_day) == 10
    assert by_account(data, portfolio_metrics(data, rel, "2026Q2")) == Q2_METRICS
    assert len(load_relationships(rel_engine, ids).interaction_day) == 13


def test_stakeholders_in_any_order_are_grouped_by_account():
    stakeholders = pd.DataFrame({"id": [1, 2, 3], "account_id": [20, 10, 20], "level": [0, 0, 0], "role": [0, 0, 2]})
    interactions = pd.DataFrame({"stakeholder_id": [1, 3], "our_person": ["Zoe", "Zoe"], "date": [dt.date(2026, 6, 1)] * 2})
    metrics = relationship_metrics(assemble(np.array([10, 20]), stakeholders, interactions), "2026Q2")
    # Account 10: its economic buyer (2) unmet: 0. Account 20: both key people met by Zoe: 1.
    assert metrics.bus_factor.tolist() == [0, 1] and metrics.stakeholders_known.tolist() == [1, 2]


def test_the_stakeholder_map_of_atlas(rel_engine):
    view = account_relationships(rel_engine, account_id(rel_engine, "A"), "2026Q2")
    shown = view.stakeholders.set_index("name")
    assert shown.index.tolist() == ["Ana Marsh", "Ben Cole", "Cara Diaz", "Dan Eng"]  # exec, senior, manager, staff
    assert shown["last_interaction"].tolist() == [dt.date(2026, 4, 2), dt.date(2026, 6, 30), dt.date(2026, 4, 1), None]
    assert shown["met_by"].tolist() == [["Zoe Hart"], ["Max Roe", "Zoe Hart"], ["Max Roe"], []]
    assert shown["interactions_90d"].tolist() == [1, 1, 0, 0]
    assert shown["not_met_90d"].tolist() == [False, False, True, True]
    assert shown["single_link"].tolist() == [True, False, False, False]
    assert shown.loc["Ana Marsh", "flags"] == "economic buyer met only by Zoe Hart"
    assert shown.loc["Cara Diaz", "flags"] == "not met in 90 days"
    assert shown["stance"].tolist() == ["unknown"] * 4  # none was given
    assert shown["our_owner"].tolist() == ["Zoe Hart", None, "Uma Vance", None]
    assert (view.stakeholders_met_90d, view.exec_met_90d, view.economic_buyer_met_90d) == (2, True, True)
    assert (view.single_threaded, view.bus_factor) == (False, 1)


def test_a_stance_given_is_shown(rel_engine):
    view = account_relationships(rel_engine, account_id(rel_engine, "B"), "2026Q2")
    assert view.stakeholders.set_index("name")["stance"].to_dict() == {"Gus Hill": "unknown", "Eva Fox": "supporter"}


def test_the_communication_matrix_keeps_empty_rows_and_columns(rel_engine):
    atlas = account_relationships(rel_engine, account_id(rel_engine, "A"), "2026Q2")
    # Window 2026-04-02 .. 06-30: Zoe met Ana, Max met Ben. Uma owns Cara but met nobody: an empty row.
    assert atlas.matrix_window == (dt.date(2026, 4, 2), dt.date(2026, 6, 30))
    assert atlas.matrix.to_dict("index") == {
        "Max Roe": {"Ana Marsh": 0, "Ben Cole": 1, "Cara Diaz": 0, "Dan Eng": 0},
        "Zoe Hart": {"Ana Marsh": 1, "Ben Cole": 0, "Cara Diaz": 0, "Dan Eng": 0},
        "Uma Vance": {"Ana Marsh": 0, "Ben Cole": 0, "Cara Diaz": 0, "Dan Eng": 0},
    }
    wide = account_relationships(rel_engine, account_id(rel_engine, "A"), "2026Q2", (dt.date(2026, 1, 1), dt.date(2026, 7, 31)))
    # Zoe: Ana, Ben (01-02), Dan (07-01) = 3; Max: Ben, Cara = 2; the busiest first.
    assert wide.matrix.index.tolist() == ["Zoe Hart", "Max Roe", "Uma Vance"]
    assert wide.matrix.sum(axis=1).tolist() == [3, 2, 0]
    assert wide.bus_factor == 1  # the figures stay those of the quarter
    dune = account_relationships(rel_engine, account_id(rel_engine, "D"), "2026Q2")
    assert dune.matrix.to_dict("index") == {"Wes Ng": {"Hal Ives": 2}}  # two interactions; the one naming nobody is left out
    cedar = account_relationships(rel_engine, account_id(rel_engine, "C"), "2026Q2")
    assert cedar.matrix.shape == (0, 0) and cedar.stakeholders.empty


def test_a_window_ending_before_it_starts_is_refused(rel_engine):
    with pytest.raises(ValueError, match="starts"):
        account_relationships(rel_engine, account_id(rel_engine, "A"), "2026Q2", (dt.date(2026, 6, 1), dt.date(2026, 5, 1)))


@pytest.mark.parametrize(
    ("account", "quarter", "bus_factor", "why"),
    [
        ("A", "2026Q2", 1, "only Zoe Hart has met Ana Marsh, the economic buyer, since 2 January"),
        ("B", "2026Q2", 0, "nobody of ours has met Eva Fox, the champion, in 180 days"),
        ("B", "2026Q1", 1, "only Yan Li has met Eva Fox, the champion, since 3 October 2025"),
        ("C", "2026Q2", 0, "no economic buyer or champion on record"),
        ("D", "2026Q2", 0, "no economic buyer or champion on record"),
        (
            "E",
            "2026Q2",
            2,
            "at least 2 of ours have met each key person since 2 January; the fewest: Ida Jay, the economic buyer, "
            "met by Wes Ng and Zoe Hart",
        ),
    ],
)
def test_the_bus_factor_in_words(rel_engine, account, quarter, bus_factor, why):
    view = account_relationships(rel_engine, account_id(rel_engine, account), quarter)
    assert (view.bus_factor, view.bus_factor_reason) == (bus_factor, why)


def test_several_weak_links_are_all_named(rel_engine):
    more_people = (
        "account_id,name,level,role\nA,Kim Lo,senior,champion\nA,Lia Moe,senior,champion\nB,Ola Park,exec,economic buyer\n"
    )
    more_meetings = "account_id,stakeholder,our_person,date\nA,Kim Lo,Max Roe,2026-05-01\nA,Lia Moe,Zoe Hart,2026-05-01\n"
    import_files(rel_engine, [("stakeholders.csv", more_people.encode()), ("interactions.csv", more_meetings.encode())], ADMIN)
    atlas = account_relationships(rel_engine, account_id(rel_engine, "A"), "2026Q2")
    assert atlas.bus_factor_reason == (
        "only Zoe Hart has met Ana Marsh, the economic buyer, and Lia Moe, the champion, "
        "and only Max Roe has met Kim Lo, the champion, since 2 January"
    )
    birch = account_relationships(rel_engine, account_id(rel_engine, "B"), "2026Q2")
    assert birch.bus_factor_reason == "nobody of ours has met Ola Park, the economic buyer, or Eva Fox, the champion, in 180 days"


@pytest.mark.parametrize(
    ("account", "quarter", "single", "why"),
    [
        ("A", "2026Q2", False, "2 of their people were met in the 90 days to 30 June 2026: Ana Marsh and Ben Cole"),
        ("B", "2026Q2", True, "only Gus Hill was met in the 90 days to 30 June 2026"),
        ("C", "2026Q2", True, "no stakeholder on record"),
        ("D", "2026Q1", True, "Hal Ives, their only person on record, was not met in the 90 days to 31 March 2026"),
    ],
)
def test_single_threaded_in_words(rel_engine, account, quarter, single, why):
    view = account_relationships(rel_engine, account_id(rel_engine, account), quarter)
    assert (view.single_threaded, view.single_threaded_reason) == (single, why)


def test_one_account_shows_what_the_portfolio_shows_for_it(demo_url):
    from lib.core.db import make_engine

    engine = make_engine(demo_url)
    data, rel = loaded(engine)
    metrics = portfolio_metrics(data, rel, "2026Q3")
    rows = np.flatnonzero(metrics.stakeholders_known > 0)[:25]
    rows = np.r_[rows, np.flatnonzero(metrics.bus_factor >= 2)[:5], np.flatnonzero(metrics.stakeholders_known == 0)[:2]]
    for row in rows:
        view = account_relationships(engine, int(data.accounts["id"].iloc[row]), "2026Q3")
        shown = (
            len(view.stakeholders),
            view.stakeholders_met_90d,
            view.exec_met_90d,
            view.economic_buyer_met_90d,
            view.single_threaded,
            view.bus_factor,
        )
        assert shown == tuple(getattr(metrics, name)[row].item() for name in METRIC_NAMES), data.accounts["external_id"].iloc[row]
        assert view.stakeholders["interactions_90d"].gt(0).sum() == view.stakeholders_met_90d
    engine.dispose()


def test_stakeholders_from_before_the_stance_column_read_as_unknown(db_url):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from lib.core.db import MIGRATIONS_DIR, make_engine, migrate

    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(text("INSERT INTO accounts (id, external_id, name) VALUES (1, 'A', 'Atlas')"))
        connection.execute(text("INSERT INTO stakeholders (account_id, name, role) VALUES (1, 'Ana Marsh', 'champion')"))
    migrate(engine)  # 0005 adds the stance
    view = account_relationships(engine, 1, "2026Q2")
    assert view.stakeholders["stance"].tolist() == ["unknown"]
    assert view.bus_factor_reason == "nobody of ours has met Ana Marsh, the champion, in 180 days"
    engine.dispose()
