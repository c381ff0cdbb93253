"""In Chromium: while the portfolio loads after a login, the screen shows its progress and nothing of the login form."""

import json
import os

from tests.browser.conftest import VIEWPORT, no_exception, screenshot, settle, start_server, stop_server
from tests.conftest import ROOT

# Loaded by the server's Python at start (sitecustomize): every build of the portfolio arrays takes
# a few seconds more, as it does at 100,000 accounts, so that the test sees the screen while it loads.
SLOW_PORTFOLIO = """
import json
import os
import time

import lib.portfolio.data as data

_load = data.load_portfolio


def _slow(*args, **kwargs):
    time.sleep(float(os.environ["KEYSTONE_TEST_SLOW_LOAD"]))
    return _load(*args, **kwargs)


data.load_portfolio = _slow
"""


REVENUE_CARD = '.st-key-kpicard_pf_revenue [data-testid="stMetricValue"]'
# The most revenue cards ever on screen at once, counted on every change of the page.
COUNT_REVENUE_CARDS = f"""
window.mostRevenueCards = 0;
new MutationObserver(() => {{
  const now = document.querySelectorAll({json.dumps(REVENUE_CARD)}).length;
  window.mostRevenueCards = Math.max(window.mostRevenueCards, now);
}}).observe(document, {{childList: true, subtree: true}});
"""


def test_the_login_form_is_gone_while_the_portfolio_loads(browser, demo_copy_url, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SLOW_PORTFOLIO)
    slow = {
        "PYTHONPATH": os.pathsep.join([str(hooks), str(ROOT)]),
        "KEYSTONE_TEST_SLOW_LOAD": "8",
        "KEYSTONE_CACHE_DIR": str(tmp_path / "cache"),  # no arrays on disk yet: they are built from the database
    }
    server = start_server(demo_copy_url, tmp_path, slow)
    try:
        tab = browser.new_context(viewport=VIEWPORT).new_page()
        tab.add_init_script(COUNT_REVENUE_CARDS)
        tab.goto(server.url)
        tab.get_by_role("textbox", name="Username").fill("admin")
        tab.get_by_role("textbox", name="Password").fill("demo")
        tab.get_by_role("button", name="Log in").click()
        tab.get_by_text("Loading the portfolio").wait_for(timeout=30_000)
        screenshot(tab, "loading_after_login")
        assert tab.get_by_role("textbox", name="Username").count() == 0, "the login form stays beside the progress"
        assert tab.get_by_role("button", name="Log in").count() == 0
        assert tab.get_by_text("Key-account portfolio reviews").count() == 0
        tab.locator(REVENUE_CARD).first.wait_for(timeout=60_000)
        settle(tab)  # the login's follow-up reruns (the cookie) must not move the page, not even for a moment
        assert tab.evaluate("window.mostRevenueCards") == 1, "the page was drawn twice while it moved by one place"
        no_exception(tab)
    finally:
        stop_server(server)
