"""In Chromium: an editor opens an account whose bus factor is 1 on the Relationships page, logs an
interaction in the dialog, and sees the matrix cell and the bus factor change. Screenshots at 1280x720:
artifacts/screenshots/relationships_map.png, relationships_matrix.png, relationships_logged.png,
relationships_portfolio.png; the fullest account's relationships_busy_map.png, relationships_busy_matrix.png,
relationships_busy_projector.png, and its Account 360 People tab, relationships_account_360.png."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from lib.core.db import make_engine
from lib.core.models import Account, Stakeholder
from lib.relationships.account import account_relationships
from tests.browser.conftest import log_in, no_exception, screenshot, settle, start_server, stop_server, wait_for_app
from tests.conftest import DEMO_END

RISK_ORDER = ["high", "medium", "low"]
MATRIX = """() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullData && p._fullData.some(t => t.type === 'heatmap'));
  const trace = plot._fullData.find(t => t.type === 'heatmap');
  return {z: trace.z, rows: plot._fullLayout.yaxis.ticktext, columns: plot._fullLayout.xaxis.ticktext};
}"""


def single_link_account(url: str) -> tuple[str, str, str, str]:
    """An account whose only key person is met by one of ours, and another of ours on its matrix:
    (external id, the key person, the one of ours who met them, the other one of ours)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            accounts = connection.execute(select(Account.id, Account.external_id).order_by(Account.id)).all()
        for account_id, external_id in accounts:
            view = account_relationships(engine, account_id, DEMO_END)
            key = view.stakeholders[view.stakeholders["key"]]
            others = [p for p in view.matrix.index if key.empty or p not in key["met_by"].iloc[0]]
            if view.bus_factor == 1 and len(key) == 1 and others and all(n.isascii() for n in view.stakeholders["name"]):
                return external_id, key["name"].iloc[0], key["met_by"].iloc[0][0], others[0]
    finally:
        engine.dispose()
    raise AssertionError("the demo has no account with one key person met by one of ours")


def busiest_account(url: str) -> str:
    """The account with the most stakeholders on record: the fullest map and matrix."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(Account.external_id)
                .join(Stakeholder, Stakeholder.account_id == Account.id)
                .group_by(Account.external_id)
                .order_by(func.count().desc(), Account.external_id)
                .limit(1)
            )
    finally:
        engine.dispose()


def bus_factor(page) -> str:
    return page.locator(".st-key-rel_status_bus [data-testid='stMetricValue']").inner_text().strip()


def _text(label: str) -> str:
    # A column's name is on two lines; an empty row's or column's label is wrapped in a coloured span.
    return re.sub(r"<[^>]+>", "", label.replace("<br>", " "))


def cell(matrix: dict, ours: str, theirs: str) -> int:
    row = next(i for i, label in enumerate(matrix["rows"]) if _text(label).startswith(ours))
    column = next(j for j, label in enumerate(matrix["columns"]) if _text(label).startswith(theirs[:21]))
    return int(matrix["z"][row][column])


def choose(page, key: str, text: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.click()
    box.fill(text)
    page.get_by_role("option", name=text).first.click()


def test_an_editor_logs_an_interaction_and_sees_the_matrix_and_the_bus_factor_change(page, demo_copy_url, tmp_path):
    external_id, key_person, only_one, other = single_link_account(demo_copy_url)
    server = start_server(demo_copy_url, tmp_path)
    try:
        log_in(page, server.url, "editor", path=f"relationships?account={external_id}")
        page.locator(".st-key-rel_status_bus").wait_for()
        settle(page)
        no_exception(page)
        assert bus_factor(page) == "1"
        assert f"Only {only_one} has met {key_person}" in page.locator(".st-key-rel_status_bus").inner_text()
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
        before = page.evaluate(MATRIX)
        assert cell(before, other, key_person) == 0
        screenshot(page, "relationships_map")
        page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
        screenshot(page, "relationships_matrix")

        page.get_by_role("button", name="Log an interaction").click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        wait_for_app(page)
        choose(page, "rel_ix_ours", other)
        choose(page, "rel_ix_theirs", key_person)
        dialog.get_by_label("What it was about (one line)").fill("Introduced by the account owner")
        dialog.get_by_role("button", name="Log it").click()
        page.get_by_text(f"Logged: {other} met {key_person}").wait_for(timeout=90_000)  # the new version is prepared first
        settle(page)
        no_exception(page)
        assert page.get_by_role("dialog").count() == 0
        assert bus_factor(page) == "2"
        after = page.evaluate(MATRIX)
        assert cell(after, other, key_person) == 1
        assert sum(map(sum, after["z"])) == sum(map(sum, before["z"])) + 1
        screenshot(page, "relationships_logged")

        page.get_by_role("tab", name="Portfolio").click()
        wait_for_app(page)
        page.locator(".st-key-kpicard_rel_single_threaded_share").wait_for()
        no_exception(page)
        assert "rel_tab=Portfolio" in page.url  # the open tab is in the address: a link or a reload opens it
        screenshot(page, "relationships_portfolio")
        page.mouse.move(0, 0)
        settle(page)  # a click on a button that a rerun is redrawing is lost
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download all as CSV").click()
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
        assert rows and {"account_id", "name", "single_threaded", "bus_factor", "risk"} <= set(rows[0])
        risks = [RISK_ORDER.index(r["risk"]) for r in rows]
        assert risks == sorted(risks)  # riskiest first
        grid = page.locator(".st-key-rel_accounts [data-testid='stDataFrame']")
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box, under the header
        page.locator(".st-key-rel_status_bus").wait_for(timeout=90_000)
        settle(page)
        no_exception(page)
        assert page.get_by_test_id("stHeading").nth(1).inner_text().strip() == rows[0]["name"]
        assert page.get_by_text("Session State API").count() == 0  # the tab switched without Streamlit's warning
        assert "rel_tab=" not in page.url and "account=" in page.url
        screenshot(page, "relationships_opened_from_table")

        busy = busiest_account(demo_copy_url)
        page.goto(f"{server.url}/relationships?account={busy}")
        page.locator(".st-key-rel_status_bus").wait_for()
        settle(page)
        no_exception(page)
        page.get_by_text("Stakeholder map").scroll_into_view_if_needed()
        page.mouse.wheel(0, 330)
        page.wait_for_timeout(400)
        screenshot(page, "relationships_busy_map")
        page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        screenshot(page, "relationships_busy_matrix")

        page.goto(f"{server.url}/relationships?account={busy}&present=1")  # projector mode, as a shared link asks
        page.locator(".st-key-rel_status_bus").wait_for()
        settle(page)
        no_exception(page)
        page.get_by_text("Stakeholder map").scroll_into_view_if_needed()
        screenshot(page, "relationships_busy_projector")

        page.goto(f"{server.url}/account_360?account={busy}&present=0")
        settle(page)
        page.get_by_role("tab", name="People").click()
        wait_for_app(page)
        page.get_by_text("Open the stakeholder map and the communication matrix").wait_for()
        no_exception(page)
        page.get_by_text("Open the stakeholder map and the communication matrix").scroll_into_view_if_needed()
        screenshot(page, "relationships_account_360")
        page.get_by_text("Open the stakeholder map and the communication matrix").click()
        page.wait_for_url("**/relationships?account=*")
        page.locator(".st-key-rel_status_bus").wait_for()
        no_exception(page)
    finally:
        stop_server(server)
