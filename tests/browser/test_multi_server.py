"""Two app servers on one database: an import through one shows on the next rerun of the other.

The data version that keys every cache lives in the database, so server B notices server A's
import on its next rerun although B's own caches still hold the old portfolio.
"""

import pytest

from tests.browser.conftest import log_in, no_exception, screenshot, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.both_databases

NEW_REVENUE = b"account_id,quarter,revenue\nACC-000001,2026Q3,987654321\n"


def revenue_card(tab) -> str:
    return tab.locator('.st-key-kpicard_pf_revenue [data-testid="stMetricValue"]').inner_text()


def test_an_import_through_one_server_shows_on_the_next_rerun_of_another(browser, demo_copy_url, tmp_path):
    server_a = start_server(demo_copy_url, tmp_path)
    server_b = start_server(demo_copy_url, tmp_path)
    try:
        viewer = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        log_in(viewer, server_b.url, "viewer")
        before = revenue_card(viewer)

        admin = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        log_in(admin, server_a.url, "admin", path="data")
        admin.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "revenue.csv", "mimeType": "text/csv", "buffer": NEW_REVENUE}]
        )
        admin.get_by_text("revenue.csv").first.wait_for()
        admin.get_by_role("button", name="Import").click()
        admin.get_by_text("Imported 1 file(s)").wait_for(timeout=60_000)
        no_exception(admin)
        screenshot(admin, "data")

        assert revenue_card(viewer) == before  # nothing changes on B until it reruns
        viewer.keyboard.press("r")  # Streamlit's rerun shortcut
        wait_for_app(viewer)
        after = revenue_card(viewer)
        assert after != before, "server B still shows the portfolio from before the import"
        assert after.endswith("B")  # a billion more revenue in the quarter
    finally:
        stop_server(server_a)
        stop_server(server_b)
