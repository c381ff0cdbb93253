"""Criteria sets in the database: the demo's two sets, save and approve with roles, audit and versions."""

import datetime as dt
import json

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lib.auth import PermissionDenied
from lib.criteria import (
    active_criteria,
    approve_criteria_set,
    get_criteria_set,
    list_criteria_sets,
    one_quarter_later,
    save_criteria_set,
)
from lib.db import CRITERIA, data_versions, write_session
from lib.demo import APPROVED_CRITERIA, DRAFT_CRITERIA, DemoSpec, load_demo
from lib.models import AuditLog, CriteriaSetRow
from lib.qualification import CriteriaSet, InvalidCriteria, Rule
from tests.conftest import ADMIN, EDITOR, VIEWER

NOW = dt.datetime(2026, 11, 30, 14, 0)
TWO_M = CriteriaSet((Rule("annual_revenue", ">=", 2_000_000, 3, True), Rule("nps", ">=", 30, 1)), cutoff=70)


@pytest.fixture
def demo_engine(engine):
    load_demo(engine, DemoSpec(accounts=30, quarters=6, seed=3, end="2026Q3"))
    return engine


def audit(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.execute(select(AuditLog.user, AuditLog.action, AuditLog.entity).order_by(AuditLog.id)).all()
    return [tuple(r) for r in rows if r[1] != "demo"]


def test_the_demo_ships_one_approved_active_set_and_one_draft(demo_engine):
    sets = list_criteria_sets(demo_engine)
    assert [(s.name, s.status) for s in sets] == [
        ("Key accounts (approved)", "active"),
        ("Draft: raise the revenue bar to 2 M", "draft"),
    ]
    active = active_criteria(demo_engine)
    assert active.criteria == CriteriaSet.from_dict(APPROVED_CRITERIA)
    assert active.approved_by == "admin"
    assert active.approved_at == dt.datetime(2026, 10, 15, 9, 0)  # two weeks after the demo's last quarter closed
    assert active.review_due == dt.date(2027, 1, 15)  # one quarter later
    assert active.review_overdue(dt.date(2027, 1, 15)) and not active.review_overdue(dt.date(2027, 1, 14))
    assert sets[1].criteria == CriteriaSet.from_dict(DRAFT_CRITERIA) and sets[1].approved_by is None


def test_an_empty_database_has_no_active_set(engine):
    assert active_criteria(engine) is None and list_criteria_sets(engine) == []


def test_an_editor_saves_a_named_set_with_audit_and_a_new_version(demo_engine):
    version = data_versions(demo_engine)[CRITERIA]
    set_id = save_criteria_set(demo_engine, EDITOR, "  Two million   bar ", TWO_M, now=NOW)
    stored = get_criteria_set(demo_engine, set_id)
    assert stored.name == "Two million bar" and stored.criteria == TWO_M and stored.created_by == "editor"
    assert stored.status == "draft" and not stored.active and stored.created_at == NOW
    assert json.loads(stored.rules_json) == TWO_M.to_dict()
    assert data_versions(demo_engine)[CRITERIA] == version + 1
    assert audit(demo_engine) == [("editor", "save criteria", f"criteria set {set_id}")]
    assert active_criteria(demo_engine).name == "Key accounts (approved)"  # saving does not activate


def test_names_must_be_given_and_unique(demo_engine):
    with pytest.raises(ValueError, match="Give the set a name"):
        save_criteria_set(demo_engine, EDITOR, "  ", TWO_M)
    with pytest.raises(ValueError, match="exists already"):
        save_criteria_set(demo_engine, EDITOR, "key accounts (APPROVED)", TWO_M)
    assert audit(demo_engine) == []


def test_a_viewer_can_neither_save_nor_approve(demo_engine):
    version = data_versions(demo_engine)[CRITERIA]
    with pytest.raises(PermissionDenied, match="viewer"):
        save_criteria_set(demo_engine, VIEWER, "Viewer's set", TWO_M)
    with pytest.raises(PermissionDenied):
        save_criteria_set(demo_engine, None, "Nobody's set", TWO_M)
    with pytest.raises(PermissionDenied):
        approve_criteria_set(demo_engine, VIEWER, 2)
    with pytest.raises(PermissionDenied, match="admin"):
        approve_criteria_set(demo_engine, EDITOR, 2)
    assert len(list_criteria_sets(demo_engine)) == 2 and active_criteria(demo_engine).id == 1
    assert data_versions(demo_engine)[CRITERIA] == version and audit(demo_engine) == []


def test_an_admin_approves_a_set_which_becomes_the_only_active_one(demo_engine):
    version = data_versions(demo_engine)[CRITERIA]
    approved = approve_criteria_set(demo_engine, ADMIN, 2, now=NOW)
    assert approved.active and approved.approved_by == "admin" and approved.approved_at == NOW
    assert approved.review_due == dt.date(2027, 2, 28)  # 30 November + 3 months, clamped to February's end
    assert active_criteria(demo_engine).id == 2
    assert [s.status for s in list_criteria_sets(demo_engine)] == ["active", "approved before"]
    assert data_versions(demo_engine)[CRITERIA] == version + 1
    assert audit(demo_engine) == [("admin", "approve criteria", "criteria set 2")]
    with Session(demo_engine) as session:
        detail = json.loads(session.scalar(select(AuditLog.detail).where(AuditLog.action == "approve criteria")))
    assert detail == {"name": "Draft: raise the revenue bar to 2 M", "review_due": "2027-02-28", "replaces": [1]}


def test_approving_the_active_set_again_records_a_new_review(demo_engine):
    again = approve_criteria_set(demo_engine, ADMIN, 1, now=NOW)
    assert again.active and again.review_due == dt.date(2027, 2, 28) and again.approved_at == NOW
    assert [s.active for s in list_criteria_sets(demo_engine)] == [True, False]


def test_unknown_and_invalid_stored_sets(demo_engine):
    with pytest.raises(LookupError):
        approve_criteria_set(demo_engine, ADMIN, 99)
    with write_session(demo_engine) as session:  # a set broken outside the app, e.g. by hand in SQL
        session.execute(
            update(CriteriaSetRow)
            .where(CriteriaSetRow.id == 2)
            .values(rules=json.dumps({"cutoff": 60, "rules": [{"metric": "profit", "op": ">=", "threshold": 1}]}))
        )
    broken = get_criteria_set(demo_engine, 2)
    assert broken.criteria is None and "unknown metric 'profit'" in broken.problem
    with pytest.raises(InvalidCriteria, match="cannot be approved"):
        approve_criteria_set(demo_engine, ADMIN, 2)
    assert active_criteria(demo_engine).id == 1


def test_one_quarter_later():
    assert one_quarter_later(dt.date(2026, 7, 1)) == dt.date(2026, 10, 1)
    assert one_quarter_later(dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)
    assert one_quarter_later(dt.date(2027, 11, 30)) == dt.date(2028, 2, 29)  # a leap year
    assert one_quarter_later(dt.date(2026, 5, 31)) == dt.date(2026, 8, 31)
