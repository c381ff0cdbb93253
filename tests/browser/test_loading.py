"""In Chromium: while the portfolio loads after a login, the screen shows its progress and nothing of the login form."""

import os

from tests.browser.conftest import VIEWPORT, no_exception, screenshot, start_server, stop_server, wait_for_app
from tests.conftest import ROOT

# Loaded by the server's Python at start (sitecustomize): every build of the portfolio arrays takes
# a few seconds more, as it does at 100,000 accounts, so that the test sees the screen while it loads.
SLOW_PORTFOLIO = """
import os
import time

import lib.portfolio.data as data

_load = data.load_portfolio


def _slow(*args, **kwargs):
    time.sleep(float(os.environ["KEYSTONE_TEST_SLOW_LOAD"]))
    return _load(*args, **kwargs)


data.load_portfolio = _slow
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
        tab.goto(server.url)
        tab.get_by_role("textbox", name="Username").fill("admin")
        tab.get_by_role("textbox", name="Password").fill("demo")
        tab.get_by_role("button", name="Log in").click()
        tab.get_by_text("Loading the portfolio").wait_for(timeout=30_000)
        screenshot(tab, "loading_after_login")
        assert tab.get_by_role("textbox", name="Username").count() == 0, "the login form stays beside the progress"
        assert tab.get_by_role("button", name="Log in").count() == 0
        assert tab.get_by_text("Key-account portfolio reviews").count() == 0
        tab.locator('.st-key-kpicard_pf_revenue [data-testid="stMetricValue"]').wait_for(timeout=60_000)
        wait_for_app(tab)
        no_exception(tab)
    finally:
        stop_server(server)
