"""Action items: edit sets from the table editor, applied exactly once, conflicts refused, overdue."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from lib.core.auth import PermissionDenied
from lib.core.db import NOTES, data_versions
from lib.core.models import ActionItem, AuditLog
from lib.notes.action_items import (
    EditSet,
    InvalidEdits,
    account_open_items,
    apply_edits,
    edit_set_between,
    editor_frame,
    is_overdue,
    items_for,
    open_item_owners,
    open_items,
)
from tests.conftest import ADMIN, EDITOR, VIEWER
from tests.test_notes import account_id

Q = "2026Q2"
TODAY = dt.date(2026, 8, 15)


def shown(engine, a: int) -> pd.DataFrame:
    return editor_frame(items_for(engine, a, Q), TODAY)


def edited(
    frame: pd.DataFrame, changes: dict[int, dict] | None = None, add: list[dict] | None = None, drop: list[int] | None = None
) -> pd.DataFrame:
    """What st.data_editor returns for these edits: cells changed by position, rows added (no id), rows removed."""
    out = frame.copy()
    out["id"] = out["id"].astype(object)
    for position, values in (changes or {}).items():
        for column, value in values.items():
            out.at[position, column] = value
    out = out.drop(index=drop or [])
    if add:
        out = pd.concat([out, pd.DataFrame([{"id": None, **row} for row in add])], ignore_index=True)
    return out


def apply(engine, a: int, before: pd.DataFrame, after: pd.DataFrame, token: str, actor=EDITOR):
    return apply_edits(engine, actor, a, Q, edit_set_between(before, after, token))


def texts(engine, a: int) -> list[tuple]:
    return [tuple(r) for r in items_for(engine, a, Q)[["text", "owner", "due", "status"]].itertuples(index=False)]


def test_add_then_edit_then_delete_each_applied_once(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    assert start.empty

    added = apply(
        small_engine, a, start, edited(start, add=[{"text": "Send renewal proposal", "owner": "Ann", "due": "2026-09-01"}]), "t1"
    )
    assert (added.added, added.updated, added.deleted) == (1, 0, 0)
    assert texts(small_engine, a) == [("Send renewal proposal", "Ann", dt.date(2026, 9, 1), "open")]

    second = shown(small_engine, a)
    more = edited(second, changes={0: {"status": "done"}}, add=[{"text": "Map the procurement team", "status": "open"}, {}])
    result = apply(small_engine, a, second, more, "t2")
    assert (result.added, result.updated, result.deleted) == (1, 1, 0)  # the blank added row is ignored
    assert texts(small_engine, a) == [
        ("Send renewal proposal", "Ann", dt.date(2026, 9, 1), "done"),
        ("Map the procurement team", None, None, "open"),
    ]

    third = shown(small_engine, a)
    result = apply(
        small_engine, a, third, edited(third, changes={1: {"owner": "Bob", "due": dt.date(2026, 7, 1)}}, drop=[0]), "t3"
    )
    assert (result.added, result.updated, result.deleted) == (0, 1, 1)
    assert texts(small_engine, a) == [("Map the procurement team", "Bob", dt.date(2026, 7, 1), "open")]
    with small_engine.connect() as connection:
        logged = connection.scalars(
            select(AuditLog.detail).where(AuditLog.action == "edit action items").order_by(AuditLog.id)
        ).all()
    assert [d.splitlines()[0] for d in logged] == [
        "edit set t1: added 1, changed 0, deleted 0, refused 0",
        "edit set t2: added 1, changed 1, deleted 0, refused 0",
        "edit set t3: added 0, changed 1, deleted 1, refused 0",
    ]


def test_the_same_edit_set_sent_again_is_not_applied_again(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    edits = edit_set_between(start, edited(start, add=[{"text": "Run a value review workshop"}]), "once")
    first = apply_edits(small_engine, EDITOR, a, Q, edits)
    version = data_versions(small_engine)[NOTES]
    again = apply_edits(small_engine, EDITOR, a, Q, edits)  # a rerun, a double click, a replayed request
    assert first.added == 1 and again.already_applied and again.written == 0
    assert len(items_for(small_engine, a, Q)) == 1
    assert data_versions(small_engine)[NOTES] == version


def test_a_change_to_an_item_someone_else_changed_meanwhile_is_refused_and_reported(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    apply(small_engine, a, start, edited(start, add=[{"text": "Call the CFO", "owner": "Ann"}, {"text": "Send deck"}]), "seed")
    mine = shown(small_engine, a)
    theirs = shown(small_engine, a)
    apply(small_engine, a, theirs, edited(theirs, changes={0: {"owner": "Bob"}}), "theirs", actor=ADMIN)

    result = apply(small_engine, a, mine, edited(mine, changes={0: {"status": "done"}, 1: {"status": "dropped"}}), "mine")

    assert result.updated == 1 and len(result.refused) == 1
    refused = result.refused[0]
    assert refused.action == "change" and refused.yours["status"] == "done" and refused.now["owner"] == "Bob"
    assert "admin changed this item meanwhile" in refused.reason
    assert texts(small_engine, a) == [("Call the CFO", "Bob", None, "open"), ("Send deck", None, None, "dropped")]


def test_deleting_an_item_someone_changed_is_refused_and_one_already_gone_is_fine(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    apply(small_engine, a, start, edited(start, add=[{"text": "One"}, {"text": "Two"}]), "seed")
    mine = shown(small_engine, a)
    with small_engine.begin() as connection:
        connection.execute(update(ActionItem).where(ActionItem.text == "One").values(text="One, changed"))
        connection.execute(ActionItem.__table__.delete().where(ActionItem.text == "Two"))
    result = apply(small_engine, a, mine, edited(mine, drop=[0, 1]), "del")
    assert result.deleted == 0 and [r.action for r in result.refused] == ["delete"]
    assert texts(small_engine, a) == [("One, changed", None, None, "open")]


def test_an_edit_that_is_already_so_is_not_a_conflict(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    apply(small_engine, a, start, edited(start, add=[{"text": "Close the loop"}]), "seed")
    before = shown(small_engine, a)
    apply(small_engine, a, before, edited(before, changes={0: {"status": "done"}}), "first")
    same = apply(small_engine, a, before, edited(before, changes={0: {"status": "done"}}), "second")
    assert same.refused == () and same.updated == 0


def test_invalid_edits_write_nothing(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    with pytest.raises(InvalidEdits) as refused:
        apply(
            small_engine,
            a,
            start,
            edited(
                start,
                add=[
                    {"text": "ok"},
                    {"text": " ", "owner": "Ann"},
                    {"text": "bad date", "due": "next week"},
                    {"text": "x", "status": "maybe"},
                ],
            ),
            "bad",
        )
    assert len(refused.value.problems) == 3
    assert "new row 2: an action item needs a text" in refused.value.problems
    assert items_for(small_engine, a, Q).empty


def test_a_viewer_cannot_edit_action_items(small_engine):
    a = account_id(small_engine)
    start = shown(small_engine, a)
    with pytest.raises(PermissionDenied):
        apply(small_engine, a, start, edited(start, add=[{"text": "forged"}]), "v", actor=VIEWER)
    assert items_for(small_engine, a, Q).empty
    assert apply_edits(small_engine, EDITOR, a, Q, EditSet("empty")).written == 0


def test_items_of_another_account_cannot_be_edited_through_this_one(small_engine):
    a, b = account_id(small_engine, "A"), account_id(small_engine, "B")
    start = shown(small_engine, b)
    apply_edits(small_engine, EDITOR, b, Q, edit_set_between(start, edited(start, add=[{"text": "B's item"}]), "b"))
    theirs = shown(small_engine, b)
    result = apply_edits(
        small_engine, EDITOR, a, Q, edit_set_between(theirs, edited(theirs, changes={0: {"text": "hijacked"}}), "x")
    )
    assert result.updated == 0 and len(result.refused) == 1
    assert texts(small_engine, b)[0][0] == "B's item"


def test_overdue_is_open_and_past_due():
    assert is_overdue(dt.date(2026, 8, 14), "open", TODAY)
    assert not is_overdue(dt.date(2026, 8, 15), "open", TODAY)
    assert not is_overdue(dt.date(2026, 1, 1), "done", TODAY)
    assert not is_overdue(None, "open", TODAY)


def test_open_items_across_the_portfolio_by_owner_and_overdue(small_engine):
    a, b = account_id(small_engine, "A"), account_id(small_engine, "B")
    for account, rows in (
        (a, [{"text": "late", "owner": "Ann", "due": "2026-08-01"}, {"text": "later", "owner": "Ann", "due": "2026-09-01"}]),
        (
            b,
            [
                {"text": "done", "owner": "Bob", "due": "2026-01-01", "status": "done"},
                {"text": "bob late", "owner": "Bob", "due": "2026-07-01"},
            ],
        ),
    ):
        start = shown(small_engine, account)
        apply_edits(small_engine, EDITOR, account, Q, edit_set_between(start, edited(start, add=rows), f"seed{account}"))
    everything, total = open_items(small_engine, TODAY)
    assert total == 3 and everything["text"].tolist() == ["bob late", "late", "later"]  # soonest due first
    assert everything["days_overdue"].tolist()[:2] == [45, 14] and pd.isna(everything["days_overdue"].iloc[2])
    anns, total = open_items(small_engine, TODAY, owner="Ann")
    assert total == 2 and set(anns["account"]) == {"Alpha Industries"}
    late, total = open_items(small_engine, TODAY, overdue_only=True)
    assert total == 2 and late["text"].tolist() == ["bob late", "late"]
    assert open_item_owners(small_engine) == ["Ann", "Bob"]
    assert account_open_items(small_engine, a, TODAY)["text"].tolist() == ["late", "later"]
    frame = editor_frame(items_for(small_engine, a, Q), TODAY)
    assert frame["overdue"].tolist() == ["14 days overdue", ""]


def test_every_edit_bumps_the_notes_version_once(small_engine):
    a = account_id(small_engine)
    version = data_versions(small_engine)[NOTES]
    start = shown(small_engine, a)
    apply(small_engine, a, start, edited(start, add=[{"text": "x"}, {"text": "y"}]), "bump")
    assert data_versions(small_engine)[NOTES] == version + 1
    with small_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ActionItem)) == 2
