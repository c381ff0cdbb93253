"""In Chromium: names typed as Markdown, directives, LaTeX and HTML show as the characters typed;
nothing is fetched from the host they point at, and no link or image appears for them."""

from __future__ import annotations

import pytest

from lib.ui.text import WORD_JOINER
from tests.browser.conftest import log_in, no_exception, start_server, stop_server, wait_for_app
from tests.test_app_names import NAME, OWNER, PASSWORD, SEGMENT, USER_NAME, build_hostile_database

OUTSIDE = "evil.example"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    url, drop = build_hostile_database(tmp_path_factory.mktemp("hostile-browser"))
    running = start_server(url, tmp_path_factory.mktemp("logs"))
    yield running
    stop_server(running)
    drop()


def seen_as(text: str) -> str:
    """The text as a reader sees it (the word joiners lib.ui.text adds are invisible)."""
    return text.replace(WORD_JOINER, "")


def watch_outside(tab) -> list[str]:
    seen: list[str] = []
    tab.on("request", lambda request: seen.append(request.url) if OUTSIDE in request.url else None)
    tab.context.route(f"**/*{OUTSIDE}*/**", lambda route: route.abort())
    return seen


def nothing_from_the_name(tab) -> None:
    assert tab.locator(f'a[href*="{OUTSIDE}"]').count() == 0
    assert tab.locator(f'img[src*="{OUTSIDE}"]').count() == 0
    assert tab.locator(".katex").count() == 0


def test_account_360_and_review_notes_show_the_names_as_typed(page, hostile_server):
    seen = watch_outside(page)
    log_in(page, hostile_server.url, "viewer", PASSWORD, path="account_360?account=H")
    assert USER_NAME in seen_as(page.locator('[data-testid="stSidebar"]').inner_text())
    heading = page.locator("h1").filter(has_text="Seg")
    heading.wait_for()
    assert seen_as(heading.inner_text()).strip() == NAME
    captions = [seen_as(c) for c in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()]
    assert any(SEGMENT in c and OWNER in c for c in captions), captions
    nothing_from_the_name(page)
    page.goto(f"{hostile_server.url}/review_notes?account=H&quarter=2026Q2")
    wait_for_app(page)
    captions = [seen_as(c) for c in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()]
    assert any(NAME in c and OWNER in c for c in captions), captions
    nothing_from_the_name(page)
    page.wait_for_timeout(500)
    assert seen == []
    no_exception(page)


def test_chart_labels_show_tags_as_text(page, hostile_server):
    log_in(page, hostile_server.url, "viewer", PASSWORD)
    page.get_by_role("tab", name="Breakdown").click()
    ticks = page.locator(".js-plotly-plot .ytick text")
    ticks.filter(has_text="Seg").first.wait_for(timeout=90_000)  # the chart is built on the first visit
    assert SEGMENT in [tick.text_content() for tick in ticks.all()]
    assert page.locator(".js-plotly-plot text[style*='italic'], .js-plotly-plot tspan[style*='italic']").count() == 0
    no_exception(page)
