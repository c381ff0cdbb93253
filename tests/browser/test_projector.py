"""In Chromium at 1280x720 with projector mode on (?present=1): every page reads from the back of the room
(text at least 20 px, headline numbers at least 40 px, level chart text at least 16 px, no chart toolbar,
nothing wider than the screen), axe-core finds no serious or critical violation in the main area, and a reload
or a page change keeps projector mode and the filters. Printing drops the chrome and stamps the filters.

Screenshots: artifacts/screenshots/projector-*.png and print-portfolio.png; axe counts: artifacts/axe-projector.json.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from lib.ui.theme import PAPER_PX
from tests.browser.axe import SERIOUS, axe_source, violations
from tests.browser.conftest import SCREENSHOTS, log_in, no_exception, screenshot, settle
from tests.conftest import DEMO_END

ACCOUNT = "ACC-000143"  # a key account of the test demo
PAGES = {  # screenshot name: address (projector mode is added)
    "portfolio": "",
    "wallet": "wallet",
    "key_accounts": "key_accounts",
    "account_360": f"account_360?account={ACCOUNT}",
    "relationships": f"relationships?account={ACCOUNT}",
    "review_notes": f"review_notes?account={ACCOUNT}",
    "walkthrough": "walkthrough",
    "data": "data",
}
PAGE_HEADING = '[data-testid="stMain"] h1:not(:has-text("Keystone"))'  # a page's, not the login screen's
PAGE_BAR = ".st-key-page_bar"

# Every visible text in the main area below 20 px (charts, tables' canvas and the print stamp aside).
SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.querySelector('[data-testid="stMain"]'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode, element = text.parentElement;
    if (!text.textContent.trim() || element.closest('.js-plotly-plot, [data-testid="stDataFrame"], .ks-print-stamp, svg')) continue;
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < 20) small.push(`${size}px: ${text.textContent.trim().slice(0, 40)}`);
  }
  return small;
}"""
LOOK = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const px = e => parseFloat(getComputedStyle(e).fontSize);
  const charts = [...main.querySelectorAll('.js-plotly-plot')].filter(c => c.getBoundingClientRect().width > 0);
  const chartText = charts.flatMap(c => [...c.querySelectorAll('.main-svg text')]).filter(t => t.textContent.trim());
  return {
    sidebarShown: !!document.querySelector('[data-testid="stSidebar"]') &&
      document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect().width > 0,
    metricSizes: [...main.querySelectorAll('[data-testid="stMetricValue"]')].map(px),
    metricsCut: [...main.querySelectorAll('[data-testid="stMetricValue"] > div')]
      .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent),
    charts: charts.length,
    smallestChartText: Math.min(...chartText.map(px), 99),
    tiltedLabels: charts.flatMap(c => [...c.querySelectorAll('.xtick text, .ytick text')])
      .filter(t => /rotate\\((?!0)/.test(t.getAttribute('transform') || '')).length,
    toolbars: [...main.querySelectorAll('.modebar-container, [data-testid="stElementToolbar"]')]
      .filter(e => e.getBoundingClientRect().width > 0 && getComputedStyle(e).display !== 'none').length,
    wider: main.scrollWidth - main.clientWidth,
  };
}"""


@pytest.fixture(scope="module")
def axe_js() -> str:
    return axe_source()


def open_page(tab, base_url: str, address: str, username: str = "admin") -> None:
    """Open an address as a reload would (a new session, logged in by the cookie) and wait for the page.

    Where the login cookie has not landed yet (it is set a moment after the login's last rerun), the login
    form shows: logging in there opens the same address."""
    joiner = "&" if "?" in address else "?"
    tab.goto(f"{base_url}/{address}{joiner}present=1")
    settle(tab)
    login = tab.get_by_role("textbox", name="Username")
    if login.count():
        login.fill(username)
        tab.get_by_role("textbox", name="Password").fill("demo")
        tab.get_by_role("button", name="Log in").click()
    tab.wait_for_selector(PAGE_HEADING)
    settle(tab)


def filters_button(tab):
    """The page bar's popover of the filters, labelled with their summary ('2026Q3 vs 2025Q3 · all accounts')."""
    return tab.locator(PAGE_BAR).get_by_role("button", name=re.compile(" vs ")).first


def test_every_page_reads_on_the_projector(page, server, axe_js):
    log_in(page, server.url, "admin")
    problems: list[str] = []
    counts: dict[str, dict[str, int]] = {}
    for name, address in PAGES.items():
        open_page(page, server.url, address)
        no_exception(page)
        assert page.locator(PAGE_BAR).is_visible(), f"{name}: no page bar"
        page.wait_for_timeout(500)  # charts finish drawing
        screenshot(page, f"projector-{name}")
        look = page.evaluate(LOOK)
        small = page.evaluate(SMALL_TEXT)
        if look["sidebarShown"]:
            problems.append(f"{name}: the sidebar is shown")
        if small:
            problems.append(f"{name}: text under 20 px: {small[:5]}")
        if any(size < 40 for size in look["metricSizes"]):
            problems.append(f"{name}: headline numbers of {look['metricSizes']} px")
        if look["metricsCut"]:
            problems.append(f"{name}: numbers cut off: {look['metricsCut']}")
        if look["charts"] and look["smallestChartText"] < 16:
            problems.append(f"{name}: chart text of {look['smallestChartText']} px")
        if look["tiltedLabels"] or look["toolbars"] or look["wider"] > 0:
            problems.append(
                f"{name}: {look['tiltedLabels']} tilted labels, {look['toolbars']} toolbars, {look['wider']} px too wide"
            )
        found = violations(page, axe_js)
        counts[name] = dict(Counter(v["impact"] for v in found for _ in range(v["nodes"])))
        problems += [f"{name}: axe {v['id']} ({v['impact']}): {v['where']}" for v in found if v["impact"] in SERIOUS]
    SCREENSHOTS.parent.joinpath("axe-projector.json").write_text(json.dumps(counts, indent=2))
    print("axe violations (nodes by impact) per page:", json.dumps(counts))
    assert not problems, "\n".join(problems)


def test_projector_mode_and_the_filters_survive_a_reload_and_a_page_change(page, server):
    log_in(page, server.url, "viewer")
    open_page(page, server.url, "", "viewer")
    filters_button(page).click()
    filters = page.locator("[data-testid='stPopoverBody']")
    filters.get_by_role("combobox", name="Quarter").click()  # in the page bar's popover
    page.get_by_role("option", name="2025Q3", exact=True).click()
    settle(page)
    filters.get_by_role("combobox", name="Segment").click()
    page.get_by_role("option", name="Enterprise", exact=True).click()
    settle(page)
    page.keyboard.press("Escape")
    settle(page)
    for key, value in (("present", "1"), ("flt_quarter", "2025Q3"), ("flt_segments", "Enterprise")):
        assert f"{key}={value}" in page.url, page.url
    summary = "2025Q3 vs 2024Q3 · Enterprise"

    page.reload()
    settle(page)
    page.wait_for_selector(PAGE_HEADING)
    settle(page)
    assert page.locator(PAGE_BAR).is_visible()
    assert summary in filters_button(page).inner_text()
    assert (
        page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']")
        .first.inner_text()
        .startswith("2025Q3 · retention against 2024Q3")
    )

    page.locator(PAGE_BAR).get_by_role("link", name="Wallet", exact=True).click()
    page.get_by_role("heading", name="Share of wallet").wait_for()
    settle(page)
    no_exception(page)
    assert "/wallet" in page.url and "present=1" in page.url and "flt_quarter=2025Q3" in page.url, page.url
    assert summary in filters_button(page).inner_text()

    page.locator(PAGE_BAR).get_by_role("button", name="Exit").click()
    settle(page)
    page.locator("[data-testid='stSidebar']").wait_for()
    assert "present=" not in page.url and "flt_quarter=2025Q3" in page.url, page.url
    page.reload()
    settle(page)
    page.get_by_role("heading", name="Share of wallet").wait_for()
    settle(page)
    assert not page.locator(PAGE_BAR).count()
    assert page.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Quarter").input_value() == "2025Q3"


def test_printing_drops_the_chrome_fits_the_charts_and_stamps_the_filters(page, server):
    log_in(page, server.url, "viewer")
    open_page(page, server.url, "", "viewer")  # projector mode: the charts share the whole 1280 px screen
    page.locator(".js-plotly-plot").first.wait_for()
    drawn = "[...document.querySelectorAll('.js-plotly-plot .svg-container')]"  # Plotly's drawing, in pixels
    widths = f"() => {drawn}.map(p => p.getBoundingClientRect().width)"
    widest = f"() => Math.max(...{drawn}.map(p => p.getBoundingClientRect().right))"
    page_width = page.evaluate(
        '() => document.querySelector(\'[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"]\').getBoundingClientRect().width'
    )
    assert page_width > PAPER_PX
    on_screen = page.evaluate(widths)
    # Chromium lays the page out for paper without running scripts: before that, charts are zoomed to the paper.
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    for screen, paper in zip(on_screen, page.evaluate(widths)):
        assert paper == pytest.approx(screen * PAPER_PX / page_width, abs=2)
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(widths) == on_screen

    page.emulate_media(media="print")
    page.set_viewport_size({"width": PAPER_PX, "height": 720})  # the paper's width, as Chromium lays it out
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    settle(page)
    stamp = page.locator(".ks-print-stamp")
    assert stamp.is_visible()
    assert stamp.inner_text() == f"Keystone · Portfolio · {DEMO_END} against 2025Q3 · all accounts"
    for chrome in ("[data-testid='stSidebar']", PAGE_BAR, "[data-testid='stPopover']", "[data-testid='stButton']"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.evaluate(widest) <= PAPER_PX
    screenshot(page, "print-portfolio")
    page.pdf(path=str(SCREENSHOTS / "print-portfolio.pdf"), format="A4", landscape=True)
