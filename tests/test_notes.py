"""Review notes: versioned saves, conflicts, restore, the diff and merge, exports (inert Markdown: test_markdown_safe.py)."""

import csv
import io

import pytest
from sqlalchemy import func, select

from lib.core.auth import PermissionDenied
from lib.core.db import NOTES, data_versions
from lib.core.models import Account, AuditLog, ReviewNote, ReviewNoteRevision, User
from lib.notes.diff import DiffLine, diff_stats, side_by_side
from lib.notes.export import export_csv, export_markdown, quarter_action_items
from lib.notes.merge import Conflict, Resolution, three_way_merge
from lib.notes.notes import account_notes, get_note, quarter_notes, restore_revision, revisions, save_note
from lib.notes.text import conflict_marker_lines
from tests.conftest import ADMIN, EDITOR, VIEWER

Q = "2026Q2"


def account_id(engine, external_id: str = "A") -> int:
    with engine.connect() as connection:
        return connection.scalar(select(Account.id).where(Account.external_id == external_id))


def revision_rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(ReviewNoteRevision).order_by(ReviewNoteRevision.id)).all()]


def audit_count(engine, action: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_first_save_creates_version_one_with_revision_audit_and_a_new_data_version(small_engine):
    a = account_id(small_engine)
    before = data_versions(small_engine)[NOTES]
    assert get_note(small_engine, a, Q).version == 0
    result = save_note(small_engine, EDITOR, a, Q, "## Q2\n\nRenewal signed.", 0)
    assert result.saved and result.changed and result.note.version == 1
    note = get_note(small_engine, a, Q)
    assert (note.body, note.version, note.updated_by) == ("## Q2\n\nRenewal signed.", 1, "editor")
    history = revisions(small_engine, a, Q)
    assert history[["version", "edited_by", "body"]].values.tolist() == [[1, "editor", "## Q2\n\nRenewal signed."]]
    assert audit_count(small_engine, "save note") == 1
    assert data_versions(small_engine)[NOTES] == before + 1


def test_a_save_on_the_current_version_becomes_the_next_version(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "one", 0)
    result = save_note(small_engine, ADMIN, a, Q, "one\ntwo", 1)
    assert result.saved and result.note.version == 2 and result.note.updated_by == "admin"
    assert revisions(small_engine, a, Q)["version"].tolist() == [2, 1]


def test_the_second_of_two_saves_from_the_same_version_is_refused_with_both_texts(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "base line\n", 0)
    first = save_note(small_engine, EDITOR, a, Q, "base line\nfirst editor\n", 1)
    assert first.saved
    history_before = revision_rows(small_engine)
    notes_version = data_versions(small_engine)[NOTES]

    second = save_note(small_engine, ADMIN, a, Q, "base line\nsecond editor\n", 1)

    assert not second.saved and second.conflict
    assert second.attempted == "base line\nsecond editor\n"  # the refused text comes back, not lost
    assert (second.note.version, second.note.body, second.note.updated_by) == (2, "base line\nfirst editor\n", "editor")
    assert second.base_version == 1 and second.base_body == "base line\n"
    assert get_note(small_engine, a, Q).body == "base line\nfirst editor\n"  # nothing overwritten
    assert revision_rows(small_engine) == history_before  # nothing added
    assert audit_count(small_engine, "save note") == 2
    assert data_versions(small_engine)[NOTES] == notes_version


def test_keep_mine_after_a_conflict_saves_on_top_of_the_other_version(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "v1", 0)
    save_note(small_engine, EDITOR, a, Q, "v2 by editor", 1)
    refused = save_note(small_engine, ADMIN, a, Q, "mine", 1)
    kept = save_note(small_engine, ADMIN, a, Q, refused.attempted, refused.note.version)
    assert kept.saved and kept.note.version == 3
    assert revisions(small_engine, a, Q)["body"].tolist() == ["mine", "v2 by editor", "v1"]


def test_a_first_save_racing_an_existing_note_is_a_conflict(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "someone was first", 0)
    late = save_note(small_engine, ADMIN, a, Q, "me too", 0)
    assert late.conflict and late.note.body == "someone was first" and late.base_body == ""


def test_saving_the_same_text_adds_no_version(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "same\r\ntext", 0)
    again = save_note(small_engine, EDITOR, a, Q, "same\ntext", 1)
    assert again.saved and not again.changed and again.note.version == 1
    assert len(revisions(small_engine, a, Q)) == 1
    assert get_note(small_engine, a, Q).body == "same\ntext"  # line breaks normalised


def test_a_viewer_cannot_save_or_restore(small_engine):
    a = account_id(small_engine)
    with pytest.raises(PermissionDenied):
        save_note(small_engine, VIEWER, a, Q, "forged", 0)
    save_note(small_engine, EDITOR, a, Q, "real", 0)
    with pytest.raises(PermissionDenied):
        restore_revision(small_engine, VIEWER, a, Q, 1, 1)
    with pytest.raises(PermissionDenied):
        save_note(small_engine, None, a, Q, "nobody", 1)
    assert get_note(small_engine, a, Q).body == "real"
    assert audit_count(small_engine, "save note") == 1


def test_bad_input_is_refused_before_anything_is_written(small_engine):
    a = account_id(small_engine)
    with pytest.raises(ValueError, match="at most"):
        save_note(small_engine, EDITOR, a, Q, "x" * 50_001, 0)
    with pytest.raises(ValueError, match="not a quarter"):
        save_note(small_engine, EDITOR, a, "Q2-2026", "x", 0)
    with pytest.raises(ValueError, match="no account"):
        save_note(small_engine, EDITOR, 999_999, Q, "x", 0)
    with small_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ReviewNote)) == 0


def test_restore_adds_a_new_version_and_leaves_the_history_as_it_was(small_engine):
    a = account_id(small_engine)
    for version, body in enumerate(["first", "second", "third"]):
        save_note(small_engine, EDITOR, a, Q, body, version)
    history_before = revision_rows(small_engine)

    result = restore_revision(small_engine, ADMIN, a, Q, 1, 3)

    assert result.saved and result.note.version == 4 and result.note.body == "first"
    assert revision_rows(small_engine)[:3] == history_before  # append-only: the old rows are untouched
    assert revisions(small_engine, a, Q)["body"].tolist() == ["first", "third", "second", "first"]
    assert audit_count(small_engine, "restore note") == 1


def test_restore_from_a_stale_page_is_refused(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "first", 0)
    save_note(small_engine, EDITOR, a, Q, "second", 1)
    stale = restore_revision(small_engine, ADMIN, a, Q, 1, 1)  # the page still showed version 1 as newest
    assert stale.conflict and stale.note.version == 2
    with pytest.raises(ValueError, match="no version 9"):
        restore_revision(small_engine, ADMIN, a, Q, 9, 2)


def test_notes_are_kept_per_account_and_quarter(small_engine):
    a, b = account_id(small_engine, "A"), account_id(small_engine, "B")
    save_note(small_engine, EDITOR, a, Q, "A in Q2", 0)
    save_note(small_engine, EDITOR, a, "2026Q1", "A in Q1", 0)
    save_note(small_engine, EDITOR, b, Q, "B in Q2", 0)
    assert get_note(small_engine, a, Q).body == "A in Q2"
    assert get_note(small_engine, a, "2026Q1").body == "A in Q1"
    assert get_note(small_engine, b, Q).version == 1


def test_side_by_side_pairs_the_lines_and_marks_the_changed_words():
    old = "## Risks\n\n- Price pressure\n- Champion leaving\n"
    new = "## Risks\n\n- Price pressure at renewal\n- Champion leaving\n- Budget freeze\n"
    rows = side_by_side(old, new)
    assert rows == [
        DiffLine("same", 1, (("## Risks", False),), 1, (("## Risks", False),)),
        DiffLine("same", 2, (("", False),), 2, (("", False),)),
        DiffLine("changed", 3, (("- Price pressure", False),), 3, (("- Price pressure", False), (" at renewal", True))),
        DiffLine("same", 4, (("- Champion leaving", False),), 4, (("- Champion leaving", False),)),
        DiffLine("added", None, (), 5, (("- Budget freeze", True),)),
    ]
    assert side_by_side(old, old) == []
    assert diff_stats(old, new) == (2, 1)
    assert diff_stats("", "a\nb") == (2, 0)


def test_side_by_side_folds_long_unchanged_runs_and_marks_rewritten_lines_whole():
    middle = "".join(f"line {n}\n" for n in range(1, 11))
    rows = side_by_side("start\n" + middle + "end\n", "begin\n" + middle + "finish\n")
    assert [r.kind for r in rows] == ["changed", "same", "same", "skipped", "same", "same", "changed"]
    assert rows[3].skipped == 6  # lines 3 to 8 of the middle, two kept either side of a change
    assert rows[0].old == (("start", True),) and rows[0].new == (("begin", True),)
    assert (rows[-1].old_number, rows[-1].new_number) == (12, 12)
    removed = side_by_side("a\nb\nc\n", "a\nc\n")
    assert [r.kind for r in removed] == ["same", "removed", "same"] and removed[1].old == (("b", True),)


def test_three_way_merge_combines_changes_to_different_lines():
    base = "title\n\nhighlights\n\nrisks\n\nnext\n"
    mine = "title\n\nhighlights: renewal signed\n\nrisks\n\nnext\n"
    theirs = "title\n\nhighlights\n\nrisks: budget freeze\n\nnext\n"
    merged = three_way_merge(base, mine, theirs)
    assert merged.conflicts == ()
    assert merged.text() == "title\n\nhighlights: renewal signed\n\nrisks: budget freeze\n\nnext\n"
    assert three_way_merge("a\n", "a\nb", "a\n").text() == "a\nb"  # one side changed: exactly its text
    assert three_way_merge("a\nsame\nc\n", "a\nsame\nc\n", "a\nsame\nc\n").text() == "a\nsame\nc\n"


def test_each_place_both_changed_is_a_conflict_resolved_as_chosen_and_never_marked():
    base = "# Review\nrisk: price\nok\nnext: renew\nend\n"
    mine = "# Review\nrisk: price pressure\nok\nnext: renew early\nend\n"
    theirs = "# Review\nrisk: budget\nok\nnext: expand\nend\n"
    merge = three_way_merge(base, mine, theirs)
    assert merge.conflicts == (
        Conflict(("risk: price pressure",), ("risk: budget",)),
        Conflict(("next: renew early",), ("next: expand",)),
    )
    chosen = merge.text([Resolution("theirs"), Resolution("both")])
    assert chosen == "# Review\nrisk: budget\nok\nnext: renew early\nnext: expand\nend\n"
    assert merge.text([Resolution("mine"), Resolution("edit", "next: renew, then expand\r\n")]) == (
        "# Review\nrisk: price pressure\nok\nnext: renew, then expand\nend\n"
    )
    assert merge.text([Resolution("edit", ""), Resolution("theirs")]) == "# Review\nok\nnext: expand\nend\n"
    for text in (chosen, merge.text([Resolution("mine"), Resolution("mine")])):
        assert conflict_marker_lines(text) == []
    with pytest.raises(ValueError, match="each of the 2 places"):
        merge.text([Resolution("mine")])
    with pytest.raises(ValueError, match="not one of"):
        merge.text([Resolution("mine"), Resolution("merge it")])
    first_saves = three_way_merge("", "mine\n", "theirs\n")
    assert first_saves.conflicts == (Conflict(("mine",), ("theirs",)),)


def test_conflict_marks_are_found_by_line():
    text = "keep\n<<<<<<< your text\nmine\n=======\ntheirs\n>>>>>>> version 3\n"
    assert conflict_marker_lines(text) == [2, 4, 6]
    assert conflict_marker_lines("Title\n=====\n\nOther\n==========\n\n> quote\n>> deeper\n") == []
    assert conflict_marker_lines("a\r\n<<<<<<<\r\n") == [2]
    assert conflict_marker_lines("Title\n=======\n\nText\n") == []  # seven "=": a heading's underline
    assert conflict_marker_lines("Title\n=======\nmine\n>>>>>>> version 3\n") == [2, 4]  # half a block still counts
    assert conflict_marker_lines("<<<<<<< yours\nmine\n=======  \n") == [1, 3]


def test_a_heading_underlined_with_seven_equals_signs_is_saved_and_restored(small_engine):
    a = account_id(small_engine)
    heading = "Renewal\n=======\n\nSigned for three years.\n"
    assert save_note(small_engine, EDITOR, a, Q, heading, 0).saved
    assert save_note(small_engine, EDITOR, a, Q, "later\n", 1).saved
    restored = restore_revision(small_engine, ADMIN, a, Q, 1, 2)
    assert restored.saved and restored.note.body == heading and restored.note.version == 3


def test_a_save_with_conflict_marks_is_refused_and_names_the_lines(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "clean\n", 0)
    marked = "clean\n<<<<<<< your text\nmine\n=======\ntheirs\n>>>>>>> version 2 by Alex Admin\n"
    with pytest.raises(ValueError, match="lines 2, 4 and 6 still hold conflict marks"):
        save_note(small_engine, EDITOR, a, Q, marked, 1)
    with pytest.raises(ValueError, match="line 2 still holds a conflict mark"):
        save_note(small_engine, EDITOR, a, Q, "clean\n>>>>>>> version 2\n", 1)
    with pytest.raises(ValueError, match="lines 2 and 3 still hold conflict marks"):
        save_note(small_engine, EDITOR, a, Q, "clean\n=======\n>>>>>>> version 2\n", 1)
    assert (get_note(small_engine, a, Q).body, get_note(small_engine, a, Q).version) == ("clean\n", 1)
    assert audit_count(small_engine, "save note") == 1


def test_an_old_version_with_conflict_marks_is_not_restored(small_engine):
    a = account_id(small_engine)
    save_note(small_engine, EDITOR, a, Q, "first\n", 0)
    save_note(small_engine, EDITOR, a, Q, "second\n", 1)
    with small_engine.begin() as connection:  # as a version saved before marks were refused reads
        connection.execute(
            ReviewNoteRevision.__table__.update()
            .where(ReviewNoteRevision.version == 1)
            .values(body="<<<<<<< yours\nx\n=======\ny\n>>>>>>> theirs\n")
        )
    with pytest.raises(ValueError, match="lines 1, 3 and 5 still hold conflict marks"):
        restore_revision(small_engine, ADMIN, a, Q, 1, 2)
    assert (get_note(small_engine, a, Q).body, get_note(small_engine, a, Q).version) == ("second\n", 2)


def test_who_saved_a_note_is_named_as_in_history(small_engine):
    with small_engine.begin() as connection:
        connection.execute(
            User.__table__.insert(), [{"username": "editor", "name": "Erin Editor", "role": "editor", "password_hash": "x"}]
        )
    a = account_id(small_engine)
    saved = save_note(small_engine, EDITOR, a, Q, "by Erin", 0)
    later = save_note(small_engine, ADMIN, a, Q, "by a user who is gone", 1)
    refused = save_note(small_engine, EDITOR, a, Q, "late", 1)
    assert saved.note.saved_by == "Erin Editor" and saved.note.updated_by == "editor"
    assert later.note.saved_by == "admin"  # no such user any more: the username is all there is
    assert refused.note.saved_by == "admin"
    save_note(small_engine, EDITOR, a, "2026Q1", "Q1 by Erin", 0)
    assert get_note(small_engine, a, "2026Q1").saved_by == "Erin Editor"
    assert revisions(small_engine, a, "2026Q1")["editor_name"].tolist() == ["Erin Editor"]
    assert account_notes(small_engine, a)["saved_by"].tolist() == ["admin", "Erin Editor"]
    notes = quarter_notes(small_engine, "2026Q1")
    assert notes["saved_by"].tolist() == ["Erin Editor"]
    assert "saved by Erin Editor on" in export_markdown("2026Q1", notes, quarter_action_items(small_engine, "2026Q1"))


def test_the_quarter_export_holds_every_note_and_action_item(demo_copy_url):
    from lib.core.db import make_engine

    engine = make_engine(demo_copy_url)
    notes = quarter_notes(engine, "2026Q3")
    items = quarter_action_items(engine, "2026Q3")
    assert len(notes) == 30 and len(items) > 0
    document = export_markdown("2026Q3", notes, items)
    assert document.startswith("# Review notes 2026Q3\n")
    for row in notes.itertuples():
        assert f"## {row.account} ({row.external_id})" in document
        assert row.body.strip() in document
    assert document.count("### Action items") == items["account_id"].nunique()
    parsed = list(csv.DictReader(io.StringIO(export_csv(notes).decode())))
    assert len(parsed) == 30 and parsed[0]["body"] == notes.iloc[0]["body"]
    assert len(list(csv.DictReader(io.StringIO(export_csv(items).decode())))) == len(items)
    engine.dispose()


def test_csv_export_keeps_formulas_as_text():
    import pandas as pd

    frame = pd.DataFrame({"body": ['=HYPERLINK("x")', "- a list item", "-2+3", "+1", "@SUM(A1)", "plain"]})
    rows = [r["body"] for r in csv.DictReader(io.StringIO(export_csv(frame).decode()))]
    assert rows == ['\'=HYPERLINK("x")', "'- a list item", "'-2+3", "'+1", "'@SUM(A1)", "plain"]  # OWASP: every "-"


def test_an_empty_quarter_exports_a_document_that_says_so():
    import pandas as pd

    empty_notes = pd.DataFrame(
        columns=["account_id", "external_id", "account", "version", "updated_by", "saved_by", "updated_at", "body"]
    )
    empty_items = pd.DataFrame(columns=["account_id", "external_id", "account", "text", "owner", "due", "status"])
    assert "_No notes and no action items for 2024Q1._" in export_markdown("2024Q1", empty_notes, empty_items)
