"""In Chromium: Account 360 on screen, a note edited, saved and still there after a reload, Save
and page links clicked straight after typing, a draft that survives a page switch and guards the
reload, two editors saving the same note (apart, and on the same lines, resolved place by place),
and a note full of HTML and javascript: links shown inert."""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib.core.auth import Actor
from lib.core.db import make_engine
from lib.notes.notes import get_note, quarter_notes, save_note
from lib.ui.notes.guard import text_digest
from tests.browser.conftest import log_in, no_exception, screenshot, start_server, stop_server, wait_for_app, wait_until
from tests.conftest import DEMO_END

EDITOR_BOX = ".st-key-notes_body textarea"
QUARTER_BOX = ".st-key-notes_quarter input"


@pytest.fixture
def writable_server(demo_copy_url, tmp_path):
    running = start_server(demo_copy_url, tmp_path)
    engine = make_engine(demo_copy_url)
    row = quarter_notes(engine, DEMO_END).iloc[0]
    yield running, engine, int(row["account_id"]), row["account"], row["external_id"]
    engine.dispose()
    stop_server(running)


def notes_path(external_id: str) -> str:
    return f"review_notes?account={external_id}&quarter={DEMO_END}"


def type_note(tab, text: str) -> None:
    box = tab.locator(EDITOR_BOX)
    box.fill(text)
    box.press("Control+Enter")  # commit, as blurring the box does
    tab.wait_for_function("() => window.__keystoneTyping === false")  # a run has begun with the text
    wait_for_app(tab)


def saved(tab, version: int) -> None:
    """Wait for the word that the save went through (runs are slow on a busy machine)."""
    tab.get_by_text(f"Saved version {version}.").wait_for(timeout=60_000)
    wait_for_app(tab)


def cookie_set(tab) -> bool:
    return any(c["name"] == "keystone_session" for c in tab.context.cookies())


def test_account_360_shows_one_account_on_a_projector_screen(page, server, demo_url):
    engine = make_engine(demo_url)
    row = quarter_notes(engine, DEMO_END).iloc[0]
    engine.dispose()
    log_in(page, server.url, "viewer", path=f"account_360?account={row['external_id']}")
    page.get_by_role("heading", name=row["account"]).wait_for()
    page.locator('[data-testid="stMetric"]').nth(5).wait_for()
    wait_for_app(page)
    no_exception(page)
    assert page.locator('[data-testid="stMetric"]').count() == 6
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 2
    screenshot(page, "account_360")
    page.get_by_role("tab", name="Review notes").click()
    wait_for_app(page)
    assert "Open in Review notes" in page.locator("body").inner_text()
    screenshot(page, "account_360_notes")


def test_edit_save_reload_and_the_text_is_there(page, writable_server):
    server, engine, account_id, name, external_id = writable_server
    log_in(page, server.url, "editor", path=notes_path(external_id))
    page.locator(EDITOR_BOX).wait_for()
    no_exception(page)
    text = "## Browser review\n\n**Renewal** signed on the spot.\n\n- Next: map procurement"
    type_note(page, text)
    preview = page.locator(".st-key-notes_preview")
    assert "Renewal signed on the spot." in preview.inner_text()  # rendered: the stars are gone
    screenshot(page, "review_notes_editing")
    page.get_by_role("button", name="Save").click()
    wait_for_app(page)
    assert "Saved version 2." in page.locator("body").inner_text()
    assert get_note(engine, account_id, DEMO_END).body == text
    wait_until(lambda: cookie_set(page))
    page.reload()
    wait_for_app(page)
    page.locator(EDITOR_BOX).wait_for()
    assert page.locator(EDITOR_BOX).input_value() == text
    assert "Version 2 · saved by Erin Editor" in page.locator("body").inner_text()
    no_exception(page)


def messages(tab) -> list[str]:
    """The text of every message and toast on screen (without its icon's name)."""
    shown = tab.locator('[data-testid="stAlert"], [data-testid="stToast"]').all()
    return [m.inner_text().strip().split("\n")[-1] for m in shown]


def test_save_clicked_straight_after_typing_saves_what_was_typed(page, writable_server):
    server, engine, account_id, name, external_id = writable_server
    log_in(page, server.url, "editor", path=notes_path(external_id))
    page.locator(EDITOR_BOX).wait_for()
    marked = "Intro\n<<<<<<< your text\nmine\n=======\ntheirs\n>>>>>>> version 2\n"
    page.locator(EDITOR_BOX).fill(marked)  # typed: the box still has the focus
    page.get_by_role("button", name="Save").click()
    page.get_by_text("still hold conflict marks").wait_for()
    wait_for_app(page)
    assert any("lines 2, 4 and 6 still hold conflict marks" in m for m in messages(page))
    assert page.locator(EDITOR_BOX).input_value() == marked
    assert get_note(engine, account_id, DEMO_END).version == 1
    page.locator(EDITOR_BOX).fill("Typed, then Save at once.")
    page.get_by_role("button", name="Save").click()  # the first click, no blur or Ctrl+Enter before
    saved(page, 2)
    assert messages(page) == ["Saved version 2."]
    assert get_note(engine, account_id, DEMO_END).body == "Typed, then Save at once."
    no_exception(page)


def test_a_page_link_clicked_straight_after_typing_opens_that_page(page, writable_server):
    server, engine, account_id, name, external_id = writable_server
    log_in(page, server.url, "editor", path=notes_path(external_id))
    page.locator(EDITOR_BOX).wait_for()
    assert page.locator(QUARTER_BOX).input_value() == DEMO_END
    page.locator(EDITOR_BOX).fill("Typed, then off to Account 360.")
    page.get_by_role("link", name="Account 360").click()  # the first click
    page.wait_for_url("**/account_360**", timeout=10_000)
    wait_for_app(page)
    page.locator(".st-key-a360_unsaved_banner").wait_for()
    assert "/account_360" in page.url and f"{name} {DEMO_END}" in page.locator(".st-key-a360_unsaved_banner").inner_text()
    page.get_by_role("link", name="Review notes").click()
    wait_for_app(page)
    assert page.locator(QUARTER_BOX).input_value() == DEMO_END
    assert page.locator(EDITOR_BOX).input_value() == "Typed, then off to Account 360."
    # The guard knows the server has this text: a link clicked now follows at once.
    assert page.evaluate("window.__keystoneServerText") == text_digest("Typed, then off to Account 360.")
    page.get_by_role("button", name="Save").click()
    saved(page, 2)
    assert messages(page) == ["Saved version 2."]
    assert page.locator(QUARTER_BOX).input_value() == DEMO_END
    assert get_note(engine, account_id, DEMO_END).body == "Typed, then off to Account 360."
    no_exception(page)


def test_the_quarter_box_keeps_its_quarter_when_the_page_is_rebuilt(page, writable_server):
    # Without the link guard, Streamlit asks for the other page and then, with the late text,
    # for this one again: the page is built anew, and its quarter box must still say its quarter.
    server, engine, account_id, name, external_id = writable_server
    log_in(page, server.url, "editor", path=notes_path(external_id))
    page.locator(EDITOR_BOX).wait_for()
    page.locator(EDITOR_BOX).fill("Typed while the page was rebuilt.")
    page.evaluate("window.__keystoneFollowing = true")  # the guard lets this click through
    page.get_by_role("link", name="Account 360").click()
    time.sleep(1.5)
    wait_for_app(page)
    page.evaluate("window.__keystoneFollowing = false")
    if "/account_360" in page.url:  # the race went the other way this time: come back
        page.get_by_role("link", name="Review notes").click()
        wait_for_app(page)
    assert page.locator(QUARTER_BOX).input_value() == DEMO_END
    page.get_by_role("button", name="Save").click()
    saved(page, 2)
    assert messages(page) == ["Saved version 2."]
    assert page.locator(QUARTER_BOX).input_value() == DEMO_END
    assert page.locator(EDITOR_BOX).input_value() == "Typed while the page was rebuilt."
    assert get_note(engine, account_id, DEMO_END).body == "Typed while the page was rebuilt."


def test_a_draft_survives_a_page_switch_and_the_reload_asks_first(page, writable_server):
    server, engine, account_id, name, external_id = writable_server
    log_in(page, server.url, "editor", path=notes_path(external_id))
    page.locator(EDITOR_BOX).wait_for()
    type_note(page, "A draft I have not saved yet.")
    page.get_by_role("link", name="Account 360").click()
    wait_for_app(page)
    banner = page.locator(".st-key-a360_unsaved_banner")
    banner.wait_for()
    assert f"{name} {DEMO_END}" in banner.inner_text()
    screenshot(page, "account_360_unsaved_banner")
    page.get_by_role("link", name="Review notes").click()
    wait_for_app(page)
    assert page.locator(EDITOR_BOX).input_value() == "A draft I have not saved yet."
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.locator(EDITOR_BOX).click()  # a user gesture: browsers only ask after one
    with contextlib.suppress(PlaywrightTimeout):  # a dismissed reload never finishes loading
        page.reload(timeout=3_000)
    assert asked == ["beforeunload"]
    assert page.locator(EDITOR_BOX).input_value() == "A draft I have not saved yet."
    assert get_note(engine, account_id, DEMO_END).version == 1


def test_two_editors_the_second_save_is_refused_and_nothing_is_lost(browser, writable_server):
    server, engine, account_id, name, external_id = writable_server
    first = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    second = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    for tab, user in ((first, "admin"), (second, "editor")):
        tab.set_default_timeout(30_000)
        log_in(tab, server.url, user, path=notes_path(external_id))
        tab.locator(EDITOR_BOX).wait_for()
    base = get_note(engine, account_id, DEMO_END).body
    type_note(first, "First editor's line.\n\n" + base)
    type_note(second, base + "\nSecond editor's line.\n")
    first.get_by_role("button", name="Save").click()
    wait_for_app(first)
    assert "Saved version 2." in first.locator("body").inner_text()
    second.get_by_role("button", name="Save").click()
    wait_for_app(second)
    body = second.locator("body").inner_text()
    assert "Alex Admin saved version 2" in body and "Nothing was overwritten" in body
    assert "Second editor's line." in second.locator(EDITOR_BOX).input_value()
    screenshot(second, "review_notes_conflict")
    second.get_by_role("button", name="Merge", exact=True).click()
    wait_for_app(second)
    merged = second.locator(EDITOR_BOX).input_value()
    assert merged.startswith("First editor's line.") and "Second editor's line." in merged
    second.get_by_role("button", name="Save").click()
    wait_for_app(second)
    assert "Saved version 3." in second.locator("body").inner_text()
    assert get_note(engine, account_id, DEMO_END).body == merged
    first.context.close()
    second.context.close()


def with_lines(body: str, first_bullet: str, last_line: str) -> str:
    lines = body.split("\n")
    bullet = next(n for n, line in enumerate(lines) if line.startswith("- "))
    last = max(n for n, line in enumerate(lines) if line.strip())
    lines[bullet], lines[last] = first_bullet, last_line
    return "\n".join(lines)


def test_two_editors_on_the_same_lines_resolve_each_place(browser, writable_server):
    server, engine, account_id, name, external_id = writable_server
    first = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    second = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    for tab, user in ((first, "admin"), (second, "editor")):
        tab.set_default_timeout(30_000)
        log_in(tab, server.url, user, path=notes_path(external_id))
        tab.locator(EDITOR_BOX).wait_for()
    base = get_note(engine, account_id, DEMO_END).body
    type_note(first, with_lines(base, "- Admin: renewal at risk", "Admin: call the CFO."))
    type_note(second, with_lines(base, "- Editor: renewal signed", "Editor: book the QBR."))
    first.get_by_role("button", name="Save").click()
    saved(first, 2)
    second.get_by_role("button", name="Save").click()
    second.locator(".st-key-notes_conflict").wait_for()
    wait_for_app(second)
    assert "same lines in 2 places" in second.locator(".st-key-notes_conflict").inner_text()
    place_1, place_2 = second.locator(".st-key-notes_place_2_1_box"), second.locator(".st-key-notes_place_2_2_box")
    assert "- Editor: renewal signed" in place_1.inner_text() and "- Admin: renewal at risk" in place_1.inner_text()
    place_1.scroll_into_view_if_needed()
    screenshot(second, "review_notes_conflict_places")
    place_1.get_by_text("Theirs", exact=True).click()
    wait_for_app(second)
    place_2.get_by_text("Edit", exact=True).click()
    wait_for_app(second)
    edit = second.locator(".st-key-notes_place_2_2_text textarea")
    assert edit.input_value() == "Editor: book the QBR.\nAdmin: call the CFO."
    edit.fill("Book the QBR, then call the CFO.")
    second.get_by_role("button", name="Merge with these choices").click()
    second.get_by_text("Merged as you chose").wait_for()
    wait_for_app(second)
    expected = with_lines(base, "- Admin: renewal at risk", "Book the QBR, then call the CFO.")
    assert second.locator(EDITOR_BOX).input_value() == expected
    second.get_by_role("button", name="Save").click()
    saved(second, 3)
    assert get_note(engine, account_id, DEMO_END).body == expected
    no_exception(second)
    first.context.close()
    second.context.close()


def test_history_shows_the_change_side_by_side(page, writable_server):
    server, engine, account_id, name, external_id = writable_server
    base = get_note(engine, account_id, DEMO_END).body
    save_note(engine, Actor("editor", "editor"), account_id, DEMO_END, with_lines(base, "- Renewal <b>signed</b>", "Done."), 1)
    log_in(page, server.url, "viewer", path=notes_path(external_id))
    page.get_by_role("tab", name="History").click()
    wait_for_app(page)
    diff = page.locator("table.keystone-diff")
    diff.wait_for()
    assert diff.locator("ins").count() >= 2 and diff.locator("del").count() >= 2
    assert "- Renewal <b>signed</b>" in diff.inner_text() and diff.locator("b").count() == 0
    assert "@@" not in page.locator(".st-key-notes_diff").inner_text()
    screenshot(page, "review_notes_history")
    no_exception(page)


def test_html_scripts_and_javascript_links_in_a_note_are_inert(page, writable_server):
    server, engine, account_id, name, external_id = writable_server
    hostile = (
        "## Hostile\n\n<script>window.__pwned = 1; alert('script')</script>\n\n"
        'Look: <img src="x" onerror="window.__pwned = 2; alert(\'img\')">\n\n'
        "[click me](javascript:window.__pwned=3) and [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    )
    save_note(engine, Actor("editor", "editor"), account_id, DEMO_END, hostile, 1)
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    log_in(page, server.url, "viewer", path=notes_path(external_id))
    note = page.locator(".st-key-notes_current")
    note.wait_for()
    shown = note.inner_text()
    assert "<script>window.__pwned = 1; alert('script')</script>" in shown  # shown as the text typed
    assert '<img src="x" onerror=' in shown
    assert note.locator("script, img, iframe").count() == 0
    hrefs = [a.get_attribute("href") for a in note.locator("a").all()]
    assert hrefs and all(h in ("#", "") for h in hrefs), hrefs
    note.get_by_text("click me").click()
    time.sleep(0.5)
    assert page.evaluate("window.__pwned") is None and alerts == []
    no_exception(page)
