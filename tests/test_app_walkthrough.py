"""AppTest: the Review walkthrough for every role: the list and the position in the address, stepping,
the note edited in place (editors) or read (viewers), and the deck of the list."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from lib.core.db import make_engine
from lib.core.quarters import quarter_end
from lib.notes.notes import get_note, save_note
from lib.portfolio.data import Filters, load_portfolio
from lib.review.walkthrough import KEY, NEAR, SEGMENT, ListChoice, walk_list
from tests.conftest import ADMIN, DEMO_END, EDITOR, ROOT, log_in_session

PAGE = "pages/walkthrough.py"


@pytest.fixture(autouse=True)
def _today_in_the_quarter_after_the_demo(monkeypatch):
    monkeypatch.setenv("KEYSTONE_TODAY", (quarter_end(DEMO_END) + dt.timedelta(days=60)).isoformat())


KEY_ACCOUNTS = ListChoice(KEY)


def expected_list(url: str, choice: ListChoice = KEY_ACCOUNTS):
    engine = make_engine(url)
    walk = walk_list(engine, load_portfolio(engine), Filters(DEMO_END), choice)
    engine.dispose()
    return walk


def open_walkthrough(url: str, role: str, **address: str):
    """The page as a link with these address parameters opens it (a reload or a shared link: a new session)."""
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["login_session"] = log_in_session(url, role)
    for name, value in address.items():
        at.query_params[name] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def shown(markdown: str) -> str:
    """The text a reader sees of Markdown whose special characters are escaped (lib.ui.text.plain)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def progress_line(at) -> str:
    return next(m.value for m in at.markdown if " of " in m.value and m.value.startswith("**"))


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_the_first_key_account_opens_for_every_role(demo_url, role):
    walk = expected_list(demo_url)
    assert len(walk) > 3
    at = open_walkthrough(demo_url, role)
    assert at.subheader[0].value == walk.names[0]
    assert progress_line(at).startswith(f"**1 of {len(walk)}** · the {len(walk)} key accounts under")
    assert [m.label for m in at.metric][:6] == ["Revenue", "Growth YoY", "Share of wallet", "Whitespace", "NPS", "CSAT"]
    assert {"Met in 90 days", "Bus factor"} <= {m.label for m in at.metric}
    assert any("Key account · score" in m.value for m in at.markdown)
    assert at.query_params["walk_at"] == ["1"] or at.query_params["walk_at"] == "1"
    assert at.button(key="walk_prev").disabled and not at.button(key="walk_next").disabled


def test_next_and_previous_step_through_the_list(demo_url):
    walk = expected_list(demo_url)
    at = open_walkthrough(demo_url, "viewer")
    at.button(key="walk_next").click().run()
    assert at.subheader[0].value == walk.names[1]
    assert progress_line(at).startswith(f"**2 of {len(walk)}**")
    at.button(key="walk_next").click().run()
    assert at.subheader[0].value == walk.names[2]
    at.button(key="walk_prev").click().run()
    assert at.subheader[0].value == walk.names[1]
    assert str(at.query_params["walk_at"]).strip("[]'") == "2"


def test_the_position_comes_from_the_address(demo_url):
    walk = expected_list(demo_url)
    at = open_walkthrough(demo_url, "viewer", walk_at="3")
    assert at.subheader[0].value == walk.names[2]
    assert progress_line(at).startswith(f"**3 of {len(walk)}**")
    beyond = open_walkthrough(demo_url, "viewer", walk_at=str(len(walk) + 50))
    assert beyond.subheader[0].value == walk.names[-1]  # the last one, not an error
    assert open_walkthrough(demo_url, "viewer", walk_at="seven").subheader[0].value == walk.names[0]


def test_the_list_comes_from_the_address_and_another_list_keeps_the_account_if_it_holds_it(demo_url):
    segment = load_portfolio(make_engine(demo_url)).choices("segment")[1]
    walk = expected_list(demo_url, ListChoice(SEGMENT, segment=segment))
    at = open_walkthrough(demo_url, "viewer", walk_list=SEGMENT, walk_segment=segment, walk_at="2")
    assert at.subheader[0].value == walk.names[1]
    assert f"{segment} accounts with revenue in {DEMO_END}" in progress_line(at)
    near = expected_list(demo_url, ListChoice(NEAR))
    at.segmented_control(key="walk_list").set_value(NEAR).run()
    assert not at.exception
    if near.ids:
        assert walk.ids[1] in near.ids or at.subheader[0].value == near.names[0]
        assert "near miss" in progress_line(at)
    else:
        assert any("no near misses" in i.value for i in at.info)


def test_hand_picked_accounts_from_the_address(demo_url):
    walk = expected_list(demo_url)
    picked = f"{walk.external_ids[3]},NO-SUCH-ID,{walk.external_ids[0]}"
    at = open_walkthrough(demo_url, "viewer", walk_list="picked", walk_picked=picked)
    assert at.subheader[0].value == walk.names[3]
    assert progress_line(at).startswith("**1 of 2** · 2 hand-picked accounts")
    assert any("Unknown account id: NO-SUCH-ID." in shown(i.value) for i in at.info)
    assert at.multiselect(key="walk_picked_shown").value == [walk.external_ids[3], "NO-SUCH-ID", walk.external_ids[0]]


def test_an_address_naming_no_account_shows_the_text_as_typed(demo_url):
    at = open_walkthrough(demo_url, "viewer", walk_list="picked", walk_picked="![x](http://evil.example/p.png)")
    said = next(i.value for i in at.info if "Unknown account id" in shown(i.value))
    assert "![x](http" not in said and "!\\[x\\](http" in said  # escaped: shown as typed, no image is loaded


def test_a_viewer_reads_the_note_and_has_no_editor(demo_url):
    walk = expected_list(demo_url)
    engine = make_engine(demo_url)
    note = get_note(engine, walk.ids[0], DEMO_END)
    engine.dispose()
    at = open_walkthrough(demo_url, "viewer")
    assert not [t for t in at.text_area if t.key == "notes_body"]
    assert not [b for b in at.button if b.key == "notes_save"]
    assert any(f"Review note, {DEMO_END}" in m.value for m in at.markdown)
    if note.exists:
        assert any(f"Version {note.version} · saved by" in c.value for c in at.caption)


def test_an_editor_saves_the_note_in_place(demo_copy_url):
    walk = expected_list(demo_copy_url)
    at = open_walkthrough(demo_copy_url, "editor", walk_at="2")
    engine = make_engine(demo_copy_url)
    before = get_note(engine, walk.ids[1], DEMO_END)
    editor = at.text_area(key="notes_body")
    assert editor.value == before.body
    editor.input("## In the meeting\n\nRenewal agreed.").run()
    at.button(key="notes_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"Saved version {before.version + 1}."]
    saved = get_note(engine, walk.ids[1], DEMO_END)
    assert (saved.body, saved.updated_by) == ("## In the meeting\n\nRenewal agreed.", "editor")
    assert at.subheader[0].value == walk.names[1]  # still on the same account
    at.button(key="walk_next").click().run()
    assert at.text_area(key="notes_body").value == get_note(engine, walk.ids[2], DEMO_END).body  # the next account's note
    engine.dispose()


def test_a_save_made_meanwhile_by_someone_else_is_not_overwritten(demo_copy_url):
    walk = expected_list(demo_copy_url)
    at = open_walkthrough(demo_copy_url, "editor")
    engine = make_engine(demo_copy_url)
    before = get_note(engine, walk.ids[0], DEMO_END)
    assert save_note(engine, ADMIN, walk.ids[0], DEMO_END, "Theirs, saved first.", before.version).saved
    at.text_area(key="notes_body").input("Mine, saved second.").run()
    at.button(key="notes_save").click().run()
    assert not at.exception
    assert any(f"saved version {before.version + 1}" in w.value and "while you were editing" in w.value for w in at.warning)
    assert get_note(engine, walk.ids[0], DEMO_END).body == "Theirs, saved first."  # nothing overwritten
    assert at.button(key="notes_merge") is not None  # Review notes' own choices: merge, keep yours, take theirs
    engine.dispose()


def test_an_unsaved_note_is_kept_as_a_draft_when_stepping_on(demo_copy_url):
    walk = expected_list(demo_copy_url)
    at = open_walkthrough(demo_copy_url, "editor")
    at.text_area(key="notes_body").input("Half-typed when Next was pressed.").run()
    at.button(key="walk_next").click().run()
    assert at.subheader[0].value == walk.names[1]
    banner = next(w.value for w in at.warning if "Unsaved note" in w.value)
    assert walk.names[0].split()[0] in shown(banner) and DEMO_END in banner
    at.button(key="walk_prev").click().run()
    assert at.text_area(key="notes_body").value == "Half-typed when Next was pressed."  # the draft, back in the editor
    engine = make_engine(demo_copy_url)
    assert get_note(engine, walk.ids[0], DEMO_END).body != "Half-typed when Next was pressed."  # nothing saved
    engine.dispose()


def test_the_deck_of_the_list_builds_without_a_browser_and_says_which_charts_it_left_out(demo_url, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    walk = expected_list(demo_url)
    at = open_walkthrough(demo_url, "viewer", walk_list="picked", walk_picked=walk.external_ids[0])
    at.button(key="walk_deck_build").click().run()
    assert not at.exception, at.exception
    assert any("slides ready" in s.value for s in at.success)
    warning = next(w.value for w in at.warning if "Built without" in w.value)
    assert "no Chrome or Chromium was found" in warning and "Revenue" in warning
    download = at.get("download_button")
    assert len(download) == 1 and "review-2026Q3.pptx" in download[0].proto.label


def test_the_next_account_read_ahead_is_not_shown_once_a_save_has_changed_it(demo_copy_url):
    from lib.ui.review import loaders

    walk = expected_list(demo_copy_url)
    at = open_walkthrough(demo_copy_url, "viewer")
    assert any(key[2] == walk.ids[1] for key in loaders._ahead)  # the next account is being read ahead
    engine = make_engine(demo_copy_url)
    before = get_note(engine, walk.ids[1], DEMO_END)
    assert save_note(
        engine, EDITOR, walk.ids[1], DEMO_END, "Changed while the first account was on screen.", before.version
    ).saved
    engine.dispose()
    at.button(key="walk_next").click().run()
    assert at.subheader[0].value == walk.names[1]
    assert any("Changed while the first account was on screen." in m.value for m in at.markdown)
