"""Key-account criteria on relationship metrics: stakeholders_met_90d, exec_met_90d and bus_factor in the
account-level frame (lib.keyaccounts.metrics), on the hand-computed portfolio of tests/test_relationships.py.

2026Q2 (as_of 2026-06-30; 90 days from 2026-04-02, 180 days from 2026-01-02):
- A: Ana (exec, EB, Zoe 04-02) and Ben (champion, Zoe 01-02 and Max 06-30) met: 2, exec met; Ana met by Zoe only: bus factor 1.
- B: Gus (exec) met 05-05: 1, exec met; Eva, the champion, last met 2026-01-01, outside the 180 days: bus factor 0.
- C: no stakeholders: 0, no exec, bus factor 0.   D: Hal (staff, user) met: 1, no exec, no key person: bus factor 0.
- E: Ida (exec, EB) met by Wes 01-02 and Zoe 05-01: 1, exec met, bus factor 2.
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Engine

from lib.core.auth import Actor
from lib.keyaccounts.criteria import CriteriaSet, Rule
from lib.keyaccounts.metrics import METRICS, account_metrics, format_value
from lib.keyaccounts.qualification import qualify
from lib.keyaccounts.status import key_account_basis
from lib.keyaccounts.store import approve_new_set
from lib.portfolio.data import Filters, load_portfolio
from lib.relationships.data import load_relationships
from lib.review.walkthrough import KEY, ListChoice, walk_list
from tests.relationship_fixtures import load_relationship_portfolio

RELATIONSHIP_METRICS = ("stakeholders_met_90d", "exec_met_90d", "bus_factor")
Q2 = {  # account: stakeholders met in 90 days, exec met (1/0), bus factor
    "A": (2.0, 1.0, 1.0),
    "B": (1.0, 1.0, 0.0),
    "C": (0.0, 0.0, 0.0),
    "D": (1.0, 0.0, 0.0),
    "E": (1.0, 1.0, 2.0),
}


@pytest.fixture
def rel_engine(engine: Engine) -> Engine:
    return load_relationship_portfolio(engine)


def frame_of(engine: Engine, filters: Filters):
    data = load_portfolio(engine)
    rel = load_relationships(engine, data.accounts["id"].to_numpy(), data.quarters)
    return account_metrics(data, filters, rel)


def values(frame) -> dict[str, tuple[float, ...]]:
    return {row.external_id: tuple(getattr(row, name) for name in RELATIONSHIP_METRICS) for row in frame.itertuples()}


def test_the_relationship_metrics_are_columns_of_the_criteria_frame(rel_engine):
    assert values(frame_of(rel_engine, Filters("2026Q2"))) == Q2


def test_they_follow_the_quarter(rel_engine):
    # 2026Q1 (90 days from 2026-01-01, 180 from 2025-10-03): A met Ben only, Ana not yet: bus factor 0;
    # B met Eva on 01-01 (the first day): 1 met, no exec, bus factor 1 (Yan); E met Ida on 01-02 (Wes): 1.
    assert values(frame_of(rel_engine, Filters("2026Q1"))) == {
        "A": (1.0, 0.0, 0.0),
        "B": (1.0, 0.0, 1.0),
        "C": (0.0, 0.0, 0.0),
        "D": (0.0, 0.0, 0.0),
        "E": (1.0, 1.0, 1.0),
    }


def test_a_filter_keeps_each_accounts_own_values(rel_engine):
    frame = frame_of(rel_engine, Filters("2026Q2", segments=("Enterprise",)))
    assert values(frame) == {"A": Q2["A"], "B": Q2["B"]}


def test_without_the_relationship_arrays_the_metrics_are_na_and_their_rules_fail(rel_engine):
    frame = account_metrics(load_portfolio(rel_engine), Filters("2026Q2"))
    assert frame[list(RELATIONSHIP_METRICS)].isna().all().all()
    assert not qualify(frame, CriteriaSet((Rule("bus_factor", "<=", 5),), cutoff=100)).qualified.any()


def test_criteria_on_the_relationship_metrics_qualify_the_accounts_that_pass(rel_engine):
    frame = frame_of(rel_engine, Filters("2026Q2"))
    # A bus factor of 2 or more is a must-have: only E; with it worth half, A (2 met, exec, bus factor 1) scores 50.
    criteria = CriteriaSet(
        (Rule("bus_factor", ">=", 2, 1, True), Rule("stakeholders_met_90d", ">=", 2, 0.5), Rule("exec_met_90d", ">=", 1, 0.5)),
        cutoff=50,
    )
    result = qualify(frame, criteria)
    assert frame["external_id"][result.qualified].tolist() == ["E"]
    assert dict(zip(frame["external_id"], result.score.round(2))) == {"A": 50.0, "B": 25.0, "C": 0.0, "D": 0.0, "E": 75.0}
    # A fails the must-have by 1 of 2 (50 %, beyond the 10 % margin) and is not a near miss.
    assert not result.near_miss.any()


def test_the_active_set_can_use_them_and_the_key_account_status_follows(rel_engine):
    data = load_portfolio(rel_engine)
    rel = load_relationships(rel_engine, data.accounts["id"].to_numpy(), data.quarters)
    criteria = CriteriaSet((Rule("stakeholders_met_90d", ">=", 2, 1, True),), cutoff=0)
    approve_new_set(rel_engine, Actor("admin", "admin"), "Two people met", criteria)
    basis = key_account_basis(rel_engine, data, Filters("2026Q2"), rel)
    ids = dict(zip(data.accounts["id"], data.accounts["external_id"]))
    assert [ids[i] for i in basis.results.index[basis.results["qualified"]]] == ["A"]
    # Callers that hold no arrays (the deck, the walkthrough) get this data version's: the same verdicts.
    without = key_account_basis(rel_engine, data, Filters("2026Q2"))
    assert without.results["qualified"].equals(basis.results["qualified"])
    walked = walk_list(rel_engine, data, Filters("2026Q2"), ListChoice(KEY))
    assert [ids[i] for i in walked.ids] == ["A"]


def test_the_metrics_are_defined_for_the_editor_in_their_units():
    for name in RELATIONSHIP_METRICS:
        metric = METRICS[name]
        assert metric.label and metric.short and metric.definition.endswith(".")
    assert "90 days" in METRICS["stakeholders_met_90d"].definition
    assert "economic buyer, champion" in METRICS["bus_factor"].definition and "180 days" in METRICS["bus_factor"].definition
    assert format_value(2.0, METRICS["bus_factor"].unit) == "2"
    assert format_value(1.0, METRICS["exec_met_90d"].unit) == "1"
    assert format_value(math.nan, METRICS["bus_factor"].unit) == "n/a"
