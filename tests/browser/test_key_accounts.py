"""In Chromium: move a threshold in the rules editor and see the key-account count change; an editor saves
a draft and an admin approves it after a confirmation; screenshots."""

import json
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.db import make_engine
from lib.core.models import AuditLog, CriteriaSetRow
from lib.keyaccounts.criteria import CriteriaSet
from lib.keyaccounts.metrics import account_metrics
from lib.keyaccounts.qualification import qualify
from lib.keyaccounts.starter import APPROVED_CRITERIA
from lib.keyaccounts.tables import compare
from lib.portfolio.data import Filters, load_portfolio
from tests.browser.conftest import log_in, no_exception, screenshot, start_server, stop_server, wait_for_app
from tests.conftest import DEMO_END, ROOT

COUNT = '.st-key-ka_card_count [data-testid="stMetricValue"]'

# Times the change in the browser itself: from the Enter that commits the cell to the new count in the DOM.
_WATCH = """
() => {
  const count = () => document.querySelector('.st-key-ka_card_count [data-testid="stMetricValue"]');
  const before = count().innerText;
  const timing = (window.__kaTiming = { start: null, end: null });
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && timing.start === null) timing.start = performance.now(); },
                            { capture: true });
  const observer = new MutationObserver(() => {
    const now = count();
    if (now && now.innerText !== before && timing.end === null) { timing.end = performance.now(); observer.disconnect(); }
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
}
"""


def count_on_screen(tab) -> str:
    return tab.locator(COUNT).inner_text()


def set_threshold(tab, row: int, text: str) -> float | None:
    """Type a threshold into the rules editor as a user does: select the row's Metric cell, move two cells
    right (the grid is a canvas: keyboard navigation is steadier than guessing column positions), open the
    cell, type, Enter. Waits for the new count (or the draft's error) and returns the seconds from the
    Enter to the new count on screen, None when the count did not change."""
    grid = tab.locator(".st-key-ka_rules [data-testid='stDataFrameResizable']")
    editor = tab.locator("textarea.gdg-input")
    header = row_height = 35
    for attempt in range(5):  # a grid still settling after a rerun may swallow the first click
        box = grid.bounding_box()
        tab.mouse.click(box["x"] + 60, box["y"] + header + row_height * row + row_height / 2)
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("Enter")  # opens the cell's text editor over the grid
        try:
            editor.wait_for(timeout=2_000)
            break
        except PlaywrightTimeout:
            assert attempt < 4, "the threshold cell would not open"
            tab.keyboard.press("Escape")
            time.sleep(0.3)
    editor.fill(text)
    tab.evaluate(_WATCH)
    editor.press("Enter")
    tab.wait_for_function(
        "() => window.__kaTiming.end !== null || document.body.innerText.includes('The draft is not valid')", timeout=30_000
    )
    timing = tab.evaluate("() => window.__kaTiming")
    wait_for_app(tab)
    return None if timing["end"] is None else (timing["end"] - timing["start"]) / 1000


def test_moving_a_threshold_changes_the_count(page, server):
    log_in(page, server.url, "viewer", path="key_accounts")
    wait_for_app(page)
    no_exception(page)
    assert page.get_by_role("heading", name="Key accounts").count() == 1
    before = count_on_screen(page)
    screenshot(page, "key_accounts")
    set_threshold(page, row=0, text="100 k")  # the demo's revenue must-have: 1 M -> 100 k
    after = count_on_screen(page)
    assert after != before and int(after.replace(",", "")) > int(before.replace(",", "")), (before, after)
    assert "vs approved" in page.locator(".st-key-ka_card_count").inner_text()
    no_exception(page)
    screenshot(page, "key_accounts_after_threshold")
    # A threshold that is not a number: a clear message, and the last valid count stays.
    set_threshold(page, row=0, text="lots")
    assert "is not a number" in page.locator("body").inner_text()
    assert count_on_screen(page) == after
    # A viewer can try criteria but finds no save or approve button.
    page.get_by_role("tab", name="Saved sets").click()
    wait_for_app(page)
    assert page.get_by_role("button", name="Save the draft").count() == 0
    assert page.get_by_role("button", name="Approve").count() == 0


def test_tabs_render_and_an_admin_sees_save_and_approve(browser, demo_copy_url, tmp_path):
    server = start_server(demo_copy_url, tmp_path)
    try:
        tab = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        tab.set_default_timeout(30_000)
        log_in(tab, server.url, "admin", path="key_accounts")
        wait_for_app(tab)
        for name in ("Near misses", "Enter / leave", "Compare sets", "Pareto", "Saved sets"):
            tab.get_by_role("tab", name=name).click()
            wait_for_app(tab)
            no_exception(tab)
        tab.mouse.move(700, 400)
        tab.mouse.wheel(0, 600)
        time.sleep(0.5)
        screenshot(tab, "key_accounts_saved_sets")
        assert tab.get_by_role("button", name="Save the draft").count() == 1
        assert tab.get_by_role("button", name="Approve").count() == 1
        tab.get_by_role("tab", name="Pareto").click()
        wait_for_app(tab)
        chart = tab.locator(".st-key-ka_pareto")
        chart.wait_for()
        chart.scroll_into_view_if_needed()
        time.sleep(0.5)
        screenshot(tab, "key_accounts_pareto")
    finally:
        stop_server(server)


SQL_SPY = """
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "before_cursor_execute")
def _spy(conn, cursor, statement, parameters, context, executemany):
    print("SQL:", " ".join(statement.split())[:100], flush=True)
"""


def quiet_log_lines(server, quiet: float = 3.0, limit: float = 30.0) -> int:
    """The server log's length once it has logged nothing for `quiet` seconds: the reruns that follow a login
    (the cookie component reports back, on a busy machine seconds later) are over before the edits begin."""
    lines, still_since, deadline = -1, time.monotonic(), time.monotonic() + limit
    while time.monotonic() < deadline:
        now = len(server.log.read_text().splitlines())
        if now != lines:
            lines, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            break
        time.sleep(0.2)
    return lines


def test_criteria_changes_never_touch_the_database(browser, demo_url, tmp_path):
    # Every SQL statement the server runs is logged (a sitecustomize module loaded at its start):
    # editing criteria and switching tabs rerun only the page's fragment, which reads nothing.
    (tmp_path / "sitecustomize.py").write_text(SQL_SPY)
    server = start_server(demo_url, tmp_path, extra_env={"PYTHONPATH": f"{tmp_path}:{ROOT}"})
    try:
        tab = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        tab.set_default_timeout(30_000)
        log_in(tab, server.url, "viewer", path="key_accounts")
        wait_for_app(tab)
        assert "SQL: SELECT" in server.log.read_text(), "the spy logs nothing: the test would prove nothing"
        seen = quiet_log_lines(server)
        for text in ("2 M", "1.5 M", "lots"):
            set_threshold(tab, row=0, text=text)
        tab.get_by_role("tab", name="Near misses").click()
        wait_for_app(tab)
        time.sleep(0.5)
        queries = [line for line in server.log.read_text().splitlines()[seen:] if line.startswith("SQL:")]
        assert queries == []
    finally:
        stop_server(server)


def choose(tab, label: str, option: str) -> None:
    """Open a selectbox and pick an option; a rerun that redraws the box may close its list, so try again."""
    for attempt in range(5):
        tab.get_by_test_id("stSelectbox").filter(has_text=label).click()
        try:
            tab.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except PlaywrightTimeout:
            assert attempt < 4, f"no option {option!r} in {label!r}"
            tab.keyboard.press("Escape")
            wait_for_app(tab)
    wait_for_app(tab)


def type_into(tab, label: str, text: str) -> None:
    """Type into a text input and press Enter, which hands the value to the app (as a user does)."""
    box = tab.get_by_role("textbox", name=label)
    box.fill(text)
    box.press("Enter")
    wait_for_app(tab)


def enter_leave(url: str, document: dict) -> tuple[int, int]:
    engine = make_engine(url)
    metrics = account_metrics(load_portfolio(engine), Filters(DEMO_END))
    engine.dispose()
    diff = compare(
        metrics, qualify(metrics, CriteriaSet.from_dict(APPROVED_CRITERIA)), qualify(metrics, CriteriaSet.from_dict(document))
    )
    return diff.entering_count, diff.leaving_count


def test_an_editor_saves_a_draft_and_an_admin_approves_it_after_a_confirmation(browser, demo_copy_url, tmp_path):
    server = start_server(demo_copy_url, tmp_path)
    try:
        editor = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        editor.set_default_timeout(30_000)
        log_in(editor, server.url, "editor", path="key_accounts")
        set_threshold(editor, row=0, text="2 M")  # the revenue must-have: 1 M -> 2 M
        marks = editor.locator(".st-key-ka_changes")
        assert "Annual revenue ≥ 2 M: threshold 1 M → 2 M" in marks.inner_text()  # marked in words under the editor
        editor.get_by_role("tab", name="Saved sets").click()
        wait_for_app(editor)
        type_into(editor, "Name for the draft", "Two million bar")
        editor.get_by_role("button", name="Save the draft").click()
        wait_for_app(editor)
        assert "Saved the draft as 'Two million bar'." in editor.locator("body").inner_text()
        assert editor.get_by_role("button", name="Approve").count() == 0  # editors save, admins approve
        no_exception(editor)

        admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        admin.set_default_timeout(30_000)
        log_in(admin, server.url, "admin", path="key_accounts")
        admin.get_by_role("tab", name="Saved sets").click()
        wait_for_app(admin)
        choose(admin, "Saved set", "Two million bar (draft)")
        admin.get_by_role("button", name="Load into the draft").click()
        wait_for_app(admin)
        approve_box = admin.get_by_test_id("stSelectbox").filter(has_text="Approve (it becomes the active set")
        assert approve_box.locator("input").input_value() == "The draft on screen"  # the default
        assert "The draft on screen is saved as Two million bar (draft)." in admin.locator("body").inner_text()
        admin.get_by_role("button", name="Approve…").click()
        wait_for_app(admin)
        box = admin.locator(".st-key-ka_approve_box")
        text = box.inner_text()
        two_million = {
            **APPROVED_CRITERIA,
            "rules": [{**APPROVED_CRITERIA["rules"][0], "threshold": 2_000_000}, *APPROVED_CRITERIA["rules"][1:]],
        }
        entering, leaving = enter_leave(demo_copy_url, two_million)
        assert "Approve 'Two million bar' for everyone?" in text
        assert f"{entering:,} accounts enter and {leaving:,} leave the key accounts" in text and leaving > 0
        assert "Rules changed against Key accounts (approved):" in text and "Annual revenue ≥ 1 M → Annual revenue ≥ 2 M" in text
        with Session(make_engine(demo_copy_url)) as session:  # nothing happens before the confirmation
            assert session.scalar(select(CriteriaSetRow.name).where(CriteriaSetRow.active)) == "Key accounts (approved)"
        type_into(admin, "Reason (optional; kept in the audit log and in the set's history)", "Agreed in the Q3 QBR")
        box.scroll_into_view_if_needed()
        screenshot(admin, "key_accounts_approve_confirmation")
        admin.get_by_role("button", name="Confirm approval").click()
        wait_for_app(admin)
        no_exception(admin)
        body = admin.locator("body").inner_text()
        assert "'Two million bar' is now the active criteria set for everyone" in body and "Reason: Agreed in the Q3 QBR" in body
        assert "Active criteria: Two million bar, approved by Alex Admin" in body
        engine = make_engine(demo_copy_url)
        with Session(engine) as session:
            detail = json.loads(session.scalar(select(AuditLog.detail).where(AuditLog.action == "approve criteria")))
            note = session.scalar(select(CriteriaSetRow.approval_note).where(CriteriaSetRow.active))
        engine.dispose()
        assert detail["name"] == "Two million bar" and detail["note"] == "Agreed in the Q3 QBR" == note
        admin.get_by_text("History of Two million bar").click()
        history = admin.get_by_test_id("stExpander").filter(has_text="History of Two million bar").inner_text()
        assert "Erin Editor · saved" in history and "Alex Admin · approved; review due" in history
        assert "reason: Agreed in the Q3 QBR" in history
        time.sleep(0.5)  # the expander opens with an animation
        screenshot(admin, "key_accounts_approved")
    finally:
        stop_server(server)
