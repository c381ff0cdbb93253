"""Criteria sets in the database: the demo's two sets, save and approve with roles, audit and versions."""

import datetime as dt
import json

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lib.core.auth import PermissionDenied
from lib.core.db import CRITERIA, data_versions, write_session
from lib.core.models import AuditLog, CriteriaSetRow, User
from lib.io.demo import DemoSpec, load_demo
from lib.keyaccounts.criteria import CriteriaSet, InvalidCriteria, Rule
from lib.keyaccounts.starter import APPROVED_CRITERIA, DRAFT_CRITERIA
from lib.keyaccounts.store import (
    HistoryEntry,
    active_criteria,
    approve_criteria_set,
    approve_new_set,
    criteria_changes,
    criteria_set_history,
    get_criteria_set,
    list_criteria_sets,
    one_quarter_later,
    save_criteria_set,
    saved_as,
)
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
    assert detail == {"name": "Draft: raise the revenue bar to 2 M", "review_due": "2027-02-28", "replaces": [1], "note": ""}


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


LATER = dt.datetime(2026, 12, 1, 9, 30)


def test_the_reason_for_an_approval_is_in_the_audit_log_and_the_sets_history(demo_engine):
    set_id = save_criteria_set(demo_engine, EDITOR, "Two million bar", TWO_M, now=NOW)
    approved = approve_criteria_set(demo_engine, ADMIN, set_id, note="  Agreed in the   Q3 QBR ", now=LATER)
    assert approved.approval_note == "Agreed in the Q3 QBR" == get_criteria_set(demo_engine, set_id).approval_note
    with Session(demo_engine) as session:
        detail = json.loads(session.scalar(select(AuditLog.detail).where(AuditLog.action == "approve criteria")))
    assert detail["note"] == "Agreed in the Q3 QBR" and detail["replaces"] == [1]
    assert criteria_set_history(demo_engine, set_id) == [
        HistoryEntry(NOW, "editor", "Erin Editor", "saved"),
        HistoryEntry(LATER, "admin", "Alex Admin", "approved; review due 2027-03-01", "Agreed in the Q3 QBR"),
    ]
    assert criteria_set_history(demo_engine, 1) == [
        HistoryEntry(LATER, "admin", "Alex Admin", "replaced by 'Two million bar'", "Agreed in the Q3 QBR")
    ]
    assert criteria_set_history(demo_engine, 2) == []  # the demo's draft: loaded, never saved nor approved here


def test_sets_and_their_history_name_people_as_review_notes_do(demo_engine):
    """'Erin Editor', not 'editor': the names Review notes shows; a user no longer on record keeps the username."""
    demo = active_criteria(demo_engine)
    assert (demo.approved_by, demo.approved_by_name, demo.created_by_name) == ("admin", "Alex Admin", "Alex Admin")
    set_id = save_criteria_set(demo_engine, EDITOR, "Two million bar", TWO_M, now=NOW)
    approved = approve_criteria_set(demo_engine, ADMIN, set_id, now=LATER)
    assert (approved.created_by_name, approved.approved_by_name) == ("Erin Editor", "Alex Admin")
    assert [(s.name, s.created_by_name, s.approved_by_name) for s in list_criteria_sets(demo_engine)] == [
        ("Two million bar", "Erin Editor", "Alex Admin"),
        ("Draft: raise the revenue bar to 2 M", "Erin Editor", None),
        ("Key accounts (approved)", "Alex Admin", "Alex Admin"),
    ]
    assert [e.name for e in criteria_set_history(demo_engine, set_id)] == ["Erin Editor", "Alex Admin"]
    with write_session(demo_engine) as session:
        session.execute(delete(User).where(User.username == "editor"))  # left the company
    assert get_criteria_set(demo_engine, set_id).created_by_name == "editor"
    assert [e.name for e in criteria_set_history(demo_engine, set_id)] == ["editor", "Alex Admin"]
    again = approve_criteria_set(demo_engine, ADMIN, set_id, now=LATER + dt.timedelta(days=1))
    assert again.approval_note is None  # a new approval without a reason does not keep the old one
    assert [e.what for e in criteria_set_history(demo_engine, set_id)][-1] == "approved; review due 2027-03-02"


def test_a_reason_too_long_is_refused_and_nothing_changes(demo_engine):
    version = data_versions(demo_engine)[CRITERIA]
    with pytest.raises(ValueError, match="The reason is too long \\(501 characters; at most 500\\)"):
        approve_criteria_set(demo_engine, ADMIN, 2, note="x" * 501)
    assert active_criteria(demo_engine).id == 1 and data_versions(demo_engine)[CRITERIA] == version
    assert audit(demo_engine) == []


def test_the_draft_on_screen_is_saved_and_approved_in_one_transaction(demo_engine):
    version = data_versions(demo_engine)[CRITERIA]
    approved = approve_new_set(demo_engine, ADMIN, " NPS 40 bar ", TWO_M, note="QBR decision", now=NOW)
    assert approved.name == "NPS 40 bar" and approved.active and approved.created_by == "admin"
    assert approved.criteria == TWO_M and approved.approval_note == "QBR decision"
    assert active_criteria(demo_engine).id == approved.id and data_versions(demo_engine)[CRITERIA] == version + 1
    assert audit(demo_engine) == [
        ("admin", "save criteria", f"criteria set {approved.id}"),
        ("admin", "approve criteria", f"criteria set {approved.id}"),
    ]
    assert [e.what for e in criteria_set_history(demo_engine, approved.id)] == ["saved", "approved; review due 2027-02-28"]


def test_approving_an_unsaved_draft_is_all_or_nothing(demo_engine):
    for actor, name, error in (
        (EDITOR, "Editor's bar", PermissionDenied),  # an editor saves drafts but approves nothing
        (ADMIN, "key accounts (approved)", ValueError),  # the name is taken: not saved, not approved
        (ADMIN, "", ValueError),
    ):
        with pytest.raises(error):
            approve_new_set(demo_engine, actor, name, TWO_M, now=NOW)
    with pytest.raises(ValueError, match="too long"):
        approve_new_set(demo_engine, ADMIN, "Fine name", TWO_M, note="y" * 600)
    assert len(list_criteria_sets(demo_engine)) == 2 and active_criteria(demo_engine).id == 1
    assert audit(demo_engine) == []


def test_saved_as_finds_the_set_holding_the_draft(demo_engine):
    sets = list_criteria_sets(demo_engine)
    approved, draft = CriteriaSet.from_dict(APPROVED_CRITERIA), CriteriaSet.from_dict(DRAFT_CRITERIA)
    assert saved_as(sets, approved).name == "Key accounts (approved)"
    assert saved_as(sets, draft, "anything").name == "Draft: raise the revenue bar to 2 M"
    assert saved_as(sets, TWO_M) is None
    save_criteria_set(demo_engine, EDITOR, "Same as the draft", draft, now=NOW)
    sets = list_criteria_sets(demo_engine)
    assert saved_as(sets, draft, "Same as the draft").name == "Same as the draft"
    assert saved_as(sets, draft, "Draft: raise the revenue bar to 2 M").name == "Draft: raise the revenue bar to 2 M"


def test_criteria_changes_say_what_differs_in_words():
    approved, draft = CriteriaSet.from_dict(APPROVED_CRITERIA), CriteriaSet.from_dict(DRAFT_CRITERIA)
    changes = criteria_changes(approved, draft)
    assert changes.rules == ("threshold 1 M → 2 M", "", "", "", "", "", "new rule")
    assert changes.summary == ("Annual revenue ≥ 1 M → Annual revenue ≥ 2 M", "new rule: Top 20 % by revenue (weight 1)")
    assert changes.removed == () and changes.settings == () and changes.any
    back = criteria_changes(draft, approved)
    assert back.rules == ("threshold 2 M → 1 M", "", "", "", "", "")
    assert back.summary[-1] == "removed: Top 20 % by revenue (weight 1)"
    assert not criteria_changes(approved, approved).any and criteria_changes(approved, approved).rules == ("",) * 6


def test_criteria_changes_name_every_kind_of_change():
    base = CriteriaSet(
        (Rule("annual_revenue", ">=", 1e6, 3, True), Rule("nps", ">=", 30, 1), Rule("csat", ">=", 0.8, 1)),
        cutoff=60,
        near_miss_margin=0.1,
    )
    draft = CriteriaSet(
        (
            Rule("nps", ">=", 40, 2, True),  # moved up, stricter, heavier, a must-have now
            Rule("annual_revenue", ">=", 1e6, 3, False),
            Rule("tenure_years", "<=", 10, 1),
        ),
        cutoff=70,
        near_miss_margin=0.15,
    )
    changes = criteria_changes(base, draft)
    assert changes.rules == ("threshold 30 → 40, weight 1 → 2, now a must-have", "no longer a must-have", "new rule")
    assert changes.removed == (Rule("csat", ">=", 0.8, 1),)
    assert changes.settings == ("cutoff 60 → 70", "near-miss margin 10 % → 15 %")
    assert changes.summary == (
        "NPS ≥ 30 → NPS ≥ 40, weight 1 → 2, now a must-have",
        "Annual revenue ≥ 1 M: no longer a must-have",
        "new rule: Tenure (years) ≤ 10 (weight 1)",
        "removed: CSAT ≥ 80 % (weight 1)",
        "cutoff 60 → 70",
        "near-miss margin 10 % → 15 %",
    )
    flipped = criteria_changes(base, CriteriaSet((Rule("nps", "<=", 30, 1),), cutoff=60, near_miss_margin=0.1))
    assert flipped.rules == ("≥ → ≤",) and flipped.summary[0] == "NPS ≥ 30 → NPS ≤ 30"


def test_two_rules_on_one_metric_are_matched_to_the_same_rule_first():
    low, high = Rule("annual_revenue", ">=", 1e6, 1), Rule("annual_revenue", "<=", 5e7, 1)
    base = CriteriaSet((low, high, Rule("nps", ">=", 30, 1)))
    draft = CriteriaSet((high, Rule("nps", ">=", 30, 1)))  # the first row deleted: the others are unchanged
    changes = criteria_changes(base, draft)
    assert changes.rules == ("", "") and changes.summary == ("removed: Annual revenue ≥ 1 M (weight 1)",)
