"""In Chromium: an image in a note that points at another host is shown as a link and never fetched."""

from __future__ import annotations

import pytest

from lib.core.auth import Actor
from lib.core.db import make_engine
from lib.notes.notes import quarter_notes, save_note
from tests.browser.conftest import log_in, no_exception, start_server, stop_server

OUTSIDE = "evil.example"


@pytest.fixture
def note_server(demo_copy_url, tmp_path):
    running = start_server(demo_copy_url, tmp_path)
    engine = make_engine(demo_copy_url)
    yield running, engine
    engine.dispose()
    stop_server(running)


def outside_requests(tab) -> list[str]:
    """Every request the page makes to the outside host (answered here, so none leaves the machine)."""
    seen: list[str] = []
    tab.context.route(f"**/*{OUTSIDE}*/**", lambda route: (seen.append(route.request.url), route.abort()))
    tab.on("request", lambda request: seen.append(request.url) if OUTSIDE in request.url else None)
    return seen


def test_an_image_from_another_host_in_a_note_is_a_link_and_never_loaded(page, note_server):
    server, engine = note_server
    row = quarter_notes(engine, "2026Q3").iloc[0]
    pixel = f"http://{OUTSIDE}/pixel.png"
    body = f"## Tracking\n\n![pixel]({pixel}) and ![]( //{OUTSIDE}/p2.png ) and [![x](https://{OUTSIDE}/p3.png)](https://example.com)"
    save_note(engine, Actor("editor", "editor"), int(row["account_id"]), "2026Q3", body, int(row["version"]))
    seen = outside_requests(page)
    log_in(page, server.url, "viewer", path=f"review_notes?account={row['external_id']}&quarter=2026Q3")
    note = page.locator(".st-key-notes_current")
    note.get_by_role("heading", name="Tracking").wait_for()
    page.wait_for_timeout(1_000)
    assert note.locator("img").count() == 0
    assert pixel in [a.get_attribute("href") for a in note.locator("a").all()]
    page.goto(f"{server.url}/account_360?account={row['external_id']}")
    page.get_by_role("tab", name="Review notes").click()
    page.locator('[class*="st-key-a360_note_2026Q3"]').get_by_role("heading", name="Tracking").wait_for()
    page.wait_for_timeout(1_000)
    assert page.locator('[class*="st-key-a360_note"] img').count() == 0
    assert seen == []
    no_exception(page)
