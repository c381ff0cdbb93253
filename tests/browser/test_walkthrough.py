"""In Chromium at 1280x720: the Review walkthrough steps with the arrow keys (not while typing in the note),
keeps its place through a reload, and reads in projector mode.
Screenshots: artifacts/screenshots/walkthrough*.png."""

import re

from tests.browser.conftest import log_in, no_exception, screenshot, settle

PROGRESS = re.compile(r"^(\d+) of (\d+)")


def where(page) -> tuple[int, int, str]:
    """The position, the length of the list and the account on screen."""
    line = page.locator('[data-testid="stMarkdownContainer"] strong', has_text=PROGRESS).first.inner_text()
    found = PROGRESS.match(line)
    name = page.locator('[data-testid="stHeading"] h3').first.inner_text()
    return int(found.group(1)), int(found.group(2)), name


def press(page, key: str) -> None:
    page.keyboard.press(key)
    settle(page, quiet=0.5)


def test_the_arrow_keys_step_and_a_reload_keeps_the_place(page, server):
    log_in(page, server.url, "editor", path="walkthrough")
    page.get_by_role("heading", name="Review walkthrough").wait_for()
    no_exception(page)
    first, total, first_name = where(page)
    assert first == 1 and total > 3

    page.get_by_role("heading", name="Review walkthrough").click()  # the keys go to the page, not to a text box
    press(page, "ArrowRight")
    press(page, "ArrowRight")
    assert where(page)[0] == 3
    press(page, "ArrowLeft")
    position, _total, name = where(page)
    assert position == 2 and name != first_name
    assert "walk_at=2" in page.url
    no_exception(page)

    page.locator(".st-key-notes_body textarea").click()  # typing in the note: an arrow key moves the caret only
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(500)
    assert where(page)[:2] == (2, total)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    page.get_by_role("heading", name="Review walkthrough").click()
    screenshot(page, "walkthrough")
    page.locator('[data-testid="stMain"]').hover()
    page.mouse.wheel(0, 550)
    page.wait_for_timeout(500)
    screenshot(page, "walkthrough_lower")

    page.reload()
    settle(page)
    assert where(page) == (2, total, name)
    no_exception(page)

    page.goto(f"{server.url}/walkthrough?walk_at=2&present=1")
    settle(page)
    projector = page.locator("label", has_text="Projector mode").locator("input")
    if projector.count() and not projector.first.is_checked():  # until ?present=1 switches it on by itself
        page.get_by_text("Projector mode").click()
        settle(page)
    assert where(page) == (2, total, name)
    no_exception(page)
    screenshot(page, "walkthrough_present")
    page.locator('[data-testid="stMain"]').hover()
    page.mouse.wheel(0, 650)
    page.wait_for_timeout(500)
    screenshot(page, "walkthrough_present_lower")
