"""AppTest: the Review notes page for viewers and editors: reading, saving, conflicts, drafts that
survive page switches, history and restore, the action-item table applied exactly once, exports."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, text

from lib.core.auth import Actor
from lib.core.db import make_engine
from lib.core.models import ActionItem
from lib.core.quarters import quarter_end
from lib.notes.notes import get_note, quarter_notes, revisions, save_note
from tests.apptest_state import edit_table
from tests.conftest import DEMO_END, app_test

PAGE = "pages/review_notes.py"


@pytest.fixture(autouse=True)
def _today_in_the_quarter_after_the_demo(monkeypatch):
    """The page opens on the last completed quarter: run on a day after DEMO_END closed, whatever the real date."""
    monkeypatch.setenv("KEYSTONE_TODAY", (quarter_end(DEMO_END) + dt.timedelta(days=60)).isoformat())


@pytest.fixture
def writable(demo_copy_url):
    engine = make_engine(demo_copy_url)
    yield demo_copy_url, engine
    engine.dispose()


def noted_account(engine) -> tuple[int, str]:
    """The first account (by name) with a note in the last quarter, and its name."""
    row = quarter_notes(engine, DEMO_END).iloc[0]
    return int(row["account_id"]), row["account"]


def open_notes(url: str, role: str, account_id: int):
    at = app_test(url, role, PAGE)
    at.session_state["notes_account_id"] = account_id
    at.run()
    assert not at.exception, at.exception
    return at


def markdown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def shown(markdown: str) -> str:
    """The text a reader sees of Markdown whose every special character is escaped (lib.ui.text.plain)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_a_viewer_reads_the_note_but_has_no_editor(demo_url):
    engine = make_engine(demo_url)
    account_id, name = noted_account(engine)
    note = get_note(engine, account_id, DEMO_END)
    at = open_notes(demo_url, "viewer", account_id)
    assert at.title[0].value == "Review notes"
    assert name in at.caption[0].value and DEMO_END in at.caption[0].value
    assert note.body.splitlines()[2] == "**Highlights**" and "<strong>Highlights</strong>" in markdown_text(at)  # rendered
    assert not [t for t in at.text_area if t.key == "notes_body"]
    assert not [b for b in at.button if b.key in ("notes_save", "notes_items_save")]
    assert not at.data_editor  # the action items are a plain table for viewers
    engine.dispose()


def test_a_forged_save_from_a_viewer_is_refused_by_the_server(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    before = get_note(engine, account_id, DEMO_END)
    at = open_notes(url, "viewer", account_id)
    # What a tampered session could send: a save request the viewer's page never offers.
    at.session_state["notes_save_request"] = {
        "account_id": account_id,
        "account_name": "x",
        "quarter": DEMO_END,
        "text": "forged",
        "base_version": before.version,
    }
    at.run()
    assert not at.exception
    assert any("may not do this" in e.value for e in at.error)
    after = get_note(engine, account_id, DEMO_END)
    assert (after.body, after.version) == (before.body, before.version)


def test_an_editor_saves_and_sees_the_new_version(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    editor = at.text_area(key="notes_body")
    assert editor.value == get_note(engine, account_id, DEMO_END).body
    editor.input("## Review\n\n**Renewal** signed for three years.").run()
    assert "<strong>Renewal</strong> signed for three years." in markdown_text(at)  # the live preview
    assert any("Unsaved changes" in c.value for c in at.caption)
    at.button(key="notes_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved version 2."]
    saved = get_note(engine, account_id, DEMO_END)
    assert (saved.body, saved.version, saved.updated_by) == ("## Review\n\n**Renewal** signed for three years.", 2, "editor")
    assert at.text_area(key="notes_body").value == saved.body
    assert any("Version 2 · saved by Erin Editor" in c.value for c in at.caption)


def test_save_is_there_to_click_before_the_typed_text_has_reached_the_server(writable):
    # A browser sends a text area's text only with the next interaction: a Save disabled until
    # then would swallow the first click. With nothing changed, Save says so and writes nothing.
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    assert not at.button(key="notes_save").disabled
    at.button(key="notes_save").click().run()
    assert [i.value for i in at.success] == ["Nothing to save: the note already says this."]
    assert get_note(engine, account_id, DEMO_END).version == 1
    at.text_area(key="notes_body").input("Typed and saved in one click.")
    at.button(key="notes_save").click().run()  # the text and the click arrive in one run, as from a browser
    assert [s.value for s in at.success] == ["Saved version 2."]
    assert get_note(engine, account_id, DEMO_END).body == "Typed and saved in one click."


def test_the_text_digest_is_32_bit_fnv_1a_over_utf16_code_units_as_the_guard_computes_it():
    from lib.ui.notes.guard import text_digest

    assert text_digest("") == text_digest(None) == 0x811C9DC5
    assert text_digest("a") == 0xE40C292C and text_digest("foobar") == 0xBF9CF968  # the published test values
    assert text_digest("a\r\nb") == text_digest("a\nb")
    assert text_digest("😀") != text_digest("😁")  # two code units each


def test_the_quarter_shown_is_sent_to_the_browser_on_every_run(writable):
    # A selectbox the browser rebuilt (after a page switch) shows its first option unless told.
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    for _ in range(2):
        quarter = at.selectbox(key="notes_quarter")
        assert quarter.value == DEMO_END and quarter.options[0] != DEMO_END
        assert quarter.proto.set_value and quarter.proto.raw_value == DEMO_END
        at.text_area(key="notes_body").input("still typing").run()


def test_a_save_and_a_quarter_switch_in_one_click_say_one_thing(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    at.text_area(key="notes_body").input("Saved while the quarter box moved.").run()  # a draft now
    at.selectbox(key="notes_quarter").set_value(at.selectbox(key="notes_quarter").options[0])
    at.button(key="notes_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved version 2."]
    assert not [t for t in at.toast if "kept as a draft" in t.value]  # nothing is left unsaved
    assert get_note(engine, account_id, DEMO_END).body == "Saved while the quarter box moved."


def conflict_setup(url, engine):
    """An editor starts typing on version 1; meanwhile the admin saves version 2; the editor saves."""
    account_id, _name = noted_account(engine)
    base = get_note(engine, account_id, DEMO_END)
    at = open_notes(url, "editor", account_id)
    mine = base.body + "\nMy line about the renewal.\n"
    at.text_area(key="notes_body").input(mine).run()
    theirs = "Their rewrite.\n\n" + base.body
    assert save_note(engine, Actor("admin", "admin"), account_id, DEMO_END, theirs, base.version).saved
    at.button(key="notes_save").click().run()
    assert not at.exception
    return at, account_id, mine, theirs


def test_the_second_editor_sees_the_conflict_with_both_texts_and_loses_nothing(writable):
    url, engine = writable
    at, account_id, mine, theirs = conflict_setup(url, engine)
    assert get_note(engine, account_id, DEMO_END).body == theirs  # not overwritten
    assert any("Alex Admin saved version 2" in w.value for w in at.warning)
    codes = [c.value.strip() for c in at.code]
    assert mine.strip() in codes and theirs.strip() in codes  # both texts, side by side in tabs
    assert at.text_area(key="notes_body").value == mine  # still in the editor
    assert len(revisions(engine, account_id, DEMO_END)) == 2


def test_changes_to_different_lines_merge_by_themselves_then_save(writable):
    url, engine = writable
    at, account_id, mine, theirs = conflict_setup(url, engine)
    assert not [r for r in at.radio if (r.key or "").startswith("notes_place_")]  # nothing to choose
    at.button(key="notes_merge").click().run()
    merged = at.text_area(key="notes_body").value
    assert merged.startswith("Their rewrite.") and "My line about the renewal." in merged  # separate lines: merged cleanly
    at.button(key="notes_save").click().run()
    assert [s.value for s in at.success] == ["Saved version 3."]
    assert get_note(engine, account_id, DEMO_END).body == merged


def with_lines(body: str, first_bullet: str, last_line: str) -> str:
    """The note with its first bullet and its last line of text replaced."""
    lines = body.split("\n")
    bullet = next(n for n, line in enumerate(lines) if line.startswith("- "))
    last = max(n for n, line in enumerate(lines) if line.strip())
    lines[bullet], lines[last] = first_bullet, last_line
    return "\n".join(lines)


def same_lines_conflict(url, engine):
    """Both change the first bullet and the closing line of the note, differently."""
    account_id, _name = noted_account(engine)
    base = get_note(engine, account_id, DEMO_END)
    at = open_notes(url, "editor", account_id)
    mine = with_lines(base.body, "- Mine: renewal signed", "Mine: book the QBR.")
    theirs = with_lines(base.body, "- Theirs: renewal at risk", "Theirs: call the CFO.")
    at.text_area(key="notes_body").input(mine).run()
    assert save_note(engine, Actor("admin", "admin"), account_id, DEMO_END, theirs, base.version).saved
    at.button(key="notes_save").click().run()
    assert not at.exception
    return at, account_id, base.body, mine, theirs


def test_each_place_both_changed_is_resolved_as_chosen_then_saved(writable):
    url, engine = writable
    at, account_id, base, mine, theirs = same_lines_conflict(url, engine)
    assert any("same lines in 2 places" in w.value for w in at.warning)
    places = [r for r in at.radio if (r.key or "").startswith("notes_place_")]
    assert [p.label for p in places] == ["Keep at place 1", "Keep at place 2"] and all(p.value is None for p in places)
    codes = [c.value for c in at.code]
    assert "- Mine: renewal signed" in codes and "- Theirs: renewal at risk" in codes  # each place, side by side
    places[0].set_value("theirs")
    places[1].set_value("edit").run()
    edit = at.text_area(key="notes_place_2_2_text")
    assert edit.value == "Mine: book the QBR.\nTheirs: call the CFO."  # both, to edit from
    edit.input("Book the QBR, then call the CFO.")
    at.button(key="notes_merge").click().run()
    assert not at.exception
    expected = with_lines(base, "- Theirs: renewal at risk", "Book the QBR, then call the CFO.")
    assert at.text_area(key="notes_body").value == expected
    assert get_note(engine, account_id, DEMO_END).body == theirs  # merged into the editor, not saved behind the user's back
    at.button(key="notes_save").click().run()
    assert [s.value for s in at.success] == ["Saved version 3."]
    assert get_note(engine, account_id, DEMO_END).body == expected
    assert "<<<<<<<" not in expected and "=======" not in expected


def test_merge_asks_for_a_choice_at_every_place_and_loses_nothing(writable):
    url, engine = writable
    at, account_id, base, mine, theirs = same_lines_conflict(url, engine)
    at.radio(key="notes_place_2_1").set_value("both")
    at.button(key="notes_merge").click().run()
    assert any("choose what to keep at place 2" in e.value for e in at.error)
    assert at.text_area(key="notes_body").value == mine
    at.radio(key="notes_place_2_2").set_value("mine")
    at.button(key="notes_merge").click().run()
    merged = at.text_area(key="notes_body").value
    assert "- Mine: renewal signed\n- Theirs: renewal at risk" in merged and "Mine: book the QBR." in merged
    assert "Theirs: call the CFO." not in merged


def test_text_with_conflict_marks_is_not_saved_and_stays_in_the_editor(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    marked = "Intro\n<<<<<<< your text\nmine\n=======\ntheirs\n>>>>>>> version 2\n"
    at.text_area(key="notes_body").input(marked)
    at.button(key="notes_save").click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [
        "Not saved: lines 2, 4 and 6 still hold conflict marks (a line starting with <<<<<<<, ======= or "
        ">>>>>>>): keep what belongs there and delete the marks. Your text is kept in the editor."
    ]
    assert not at.success
    assert at.text_area(key="notes_body").value == marked
    assert get_note(engine, account_id, DEMO_END).version == 1


def test_keep_mine_saves_on_top_of_theirs(writable):
    url, engine = writable
    at, account_id, mine, theirs = conflict_setup(url, engine)
    at.button(key="notes_keep_mine").click().run()
    assert [s.value for s in at.success] == ["Saved version 3."]
    assert get_note(engine, account_id, DEMO_END).body == mine
    assert revisions(engine, account_id, DEMO_END)["body"].tolist()[:2] == [mine, theirs]


def test_take_theirs_shows_their_text_and_keeps_mine_aside(writable):
    url, engine = writable
    at, account_id, mine, theirs = conflict_setup(url, engine)
    at.button(key="notes_take_theirs").click().run()
    assert at.text_area(key="notes_body").value == theirs
    assert mine.strip() in [c.value.strip() for c in at.code]  # "your text from before", until dismissed
    assert any("Version 2 · saved by Alex Admin" in c.value for c in at.caption)  # no unsaved changes
    assert get_note(engine, account_id, DEMO_END).body == theirs


def test_an_unsaved_edit_survives_switching_pages_and_is_listed(writable):
    url, engine = writable
    account_id, name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    at.text_area(key="notes_body").input("draft that must not be lost").run()
    at.switch_page("pages/portfolio.py").run()
    assert not at.exception
    at.switch_page("pages/account_360.py").run()
    assert any(f"{name} {DEMO_END}" in w.value and "Unsaved note" in w.value for w in at.warning)
    at.switch_page(PAGE).run()
    assert at.text_area(key="notes_body").value == "draft that must not be lost"
    assert any("Unsaved changes" in c.value for c in at.caption)
    assert get_note(engine, account_id, DEMO_END).version == 1  # not saved behind the user's back


def test_switching_quarter_keeps_the_draft_and_warns(writable):
    url, engine = writable
    account_id, name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    at.text_area(key="notes_body").input("Q3 draft").run()
    previous = at.selectbox(key="notes_quarter").options[2]
    at.selectbox(key="notes_quarter").select(previous).run()
    assert any("kept as a draft" in t.value for t in at.toast)
    assert any(f"{name} {DEMO_END}" in w.value for w in at.warning)  # the banner names it
    assert at.text_area(key="notes_body").value != "Q3 draft"
    at.selectbox(key="notes_quarter").select(DEMO_END).run()
    assert at.text_area(key="notes_body").value == "Q3 draft"
    at.selectbox(key="notes_quarter").select(previous).run()
    at.button(key=f"notes_open_draft_{account_id}:{DEMO_END}").click().run()  # the banner's way back
    assert not at.exception, at.exception
    assert at.selectbox(key="notes_quarter").value == DEMO_END
    assert at.text_area(key="notes_body").value == "Q3 draft"


def test_history_diff_and_restore(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    first = get_note(engine, account_id, DEMO_END).body
    second = first + "\nAdded in version 2.\n<script>alert(1)</script>\n"
    save_note(engine, Actor("editor", "editor"), account_id, DEMO_END, second, 1)
    at = open_notes(url, "editor", account_id)
    assert at.selectbox(key="notes_diff_from").value == 1 and at.selectbox(key="notes_diff_to").value == 2
    (diff,) = [h.value for h in at.html if "keystone-diff" in h.value]  # side by side, the additions marked
    assert "<ins>Added in version 2.</ins>" in diff and "@@" not in diff and "+++" not in diff
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in diff and "<script>" not in diff
    (history,) = [d.value for d in at.dataframe if "editor_name" in d.value.columns]
    assert history["editor_name"].tolist()[:1] == ["Erin Editor"]
    assert not [c for c in at.code if "@@" in c.value]
    at.button(key="notes_restore").click().run()
    assert [s.value for s in at.success] == ["Restored version 1 as version 3."]
    assert get_note(engine, account_id, DEMO_END).body == first
    assert revisions(engine, account_id, DEMO_END)["version"].tolist() == [3, 2, 1]


def test_markdown_with_scripts_is_shown_as_text(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    hostile = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))"
    save_note(engine, Actor("editor", "editor"), account_id, DEMO_END, hostile, 1)
    at = open_notes(url, "viewer", account_id)
    shown = markdown_text(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "&lt;img src=x onerror=alert(2)&gt;" in shown
    assert '<a href="#">click</a>' in shown and "javascript:" not in shown
    assert "<script" not in shown and "<img" not in shown


# --- action items ----------------------------------------------------------------------------------


def items_key(at) -> str:
    (editor,) = [d for d in at.data_editor if (d.key or "").startswith("notes_items_")]
    return editor.key


def count_items(engine, account_id: int) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count())
            .select_from(ActionItem)
            .where(ActionItem.account_id == account_id, ActionItem.quarter == DEMO_END)
        )


def edit_items(at, edits: dict):
    return edit_table(at, items_key(at), edits)


def test_action_item_edits_in_sequence_are_applied_exactly_once(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    start = count_items(engine, account_id)
    assert at.button(key="notes_items_save").disabled

    first_key = items_key(at)
    edit_items(
        at, {"added_rows": [{"text": "Book the executive dinner", "owner": "Erin", "due": "2026-12-01", "status": "open"}]}
    )
    assert any("1 unsaved change" in c.value for c in at.caption)
    at.button(key="notes_items_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved: 1 added, 0 changed, 0 deleted."]
    assert count_items(engine, account_id) == start + 1
    assert items_key(at) != first_key  # a fresh editor: the spent edits cannot come back
    at.run()
    at.run()  # reruns apply nothing again
    assert count_items(engine, account_id) == start + 1

    added_at = start  # the new row is the last one
    edit_items(at, {"edited_rows": {added_at: {"status": "done", "owner": "Victor"}}})
    at.button(key="notes_items_save").click().run()
    assert [s.value for s in at.success] == ["Saved: 0 added, 1 changed, 0 deleted."]
    at.run()

    edit_items(at, {"deleted_rows": [0], "added_rows": [{"text": "Second new item"}]})
    at.button(key="notes_items_save").click().run()
    assert [s.value for s in at.success] == ["Saved: 1 added, 0 changed, 1 deleted."]
    at.run()
    with engine.connect() as connection:
        rows = connection.execute(
            select(ActionItem.text, ActionItem.owner, ActionItem.status)
            .where(ActionItem.account_id == account_id, ActionItem.quarter == DEMO_END)
            .order_by(ActionItem.id)
        ).all()
    assert len(rows) == start + 1
    assert ("Book the executive dinner", "Victor", "done") in rows and ("Second new item", None, "open") in rows


def test_unsaved_table_edits_survive_a_page_switch(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    start = count_items(engine, account_id)
    edit_items(at, {"added_rows": [{"text": "Kept across pages"}]})
    at.switch_page("pages/portfolio.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("1 unsaved change" in c.value for c in at.caption)
    at.button(key="notes_items_save").click().run()
    assert [s.value for s in at.success] == ["Saved: 1 added, 0 changed, 0 deleted."]
    assert count_items(engine, account_id) == start + 1


def test_an_action_item_without_text_is_refused_and_kept_in_the_table(writable):
    url, engine = writable
    account_id, _name = noted_account(engine)
    at = open_notes(url, "editor", account_id)
    start = count_items(engine, account_id)
    edit_items(at, {"added_rows": [{"owner": "Erin"}]})
    at.button(key="notes_items_save").click().run()
    assert any("needs a text" in e.value for e in at.error)
    assert count_items(engine, account_id) == start
    assert any("1 unsaved change" in c.value for c in at.caption)


def test_open_items_filter_by_owner_and_export_buttons(demo_url):
    engine = make_engine(demo_url)
    account_id, _name = noted_account(engine)
    at = open_notes(demo_url, "viewer", account_id)
    everyone = next(c.value for c in at.caption if "open item" in c.value)
    owner = at.selectbox(key="notes_items_owner").options[0]
    at.selectbox(key="notes_items_owner").select(owner).run()
    assert next(c.value for c in at.caption if "open item" in c.value) != everyone
    at.toggle(key="notes_items_overdue_only").set_value(True).run()
    assert not at.exception
    downloads = [d for d in at.get("download_button")]
    assert len(downloads) == 3
    engine.dispose()


def test_choosing_an_open_item_opens_its_account_and_quarter(demo_url):
    at = app_test(demo_url, "editor", PAGE)
    assert not at.exception
    at.session_state["notes_open_items"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["notes_account_id"] is not None
    assert at.text_area(key="notes_body") is not None  # that review's note is open for editing


def test_overdue_counts_follow_the_injected_today(demo_url, monkeypatch):
    def overdue_on(day: str) -> tuple[int, int]:
        monkeypatch.setenv("KEYSTONE_TODAY", day)
        at = app_test(demo_url, "viewer", PAGE)
        caption = next(c.value for c in at.caption if "open item" in c.value)
        total, late = re.match(r"([\d,]+) open items?, ([\d,]+) overdue", caption).groups()
        return int(total.replace(",", "")), int(late.replace(",", ""))

    with make_engine(demo_url).connect() as connection:
        first, last = connection.execute(text("SELECT MIN(due), MAX(due) FROM action_items WHERE status = 'open'")).one()
    before_any_due = overdue_on(str(first)[:10])  # due that day is not late yet
    after_every_due = overdue_on((dt.date.fromisoformat(str(last)[:10]) + dt.timedelta(days=1)).isoformat())
    assert before_any_due[0] == after_every_due[0] > 0
    assert before_any_due[1] == 0 and after_every_due[1] == after_every_due[0]
