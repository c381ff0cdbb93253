"""In Chromium: one click on an account behind a KPI ("why this number?") opens it in Account 360,
and a search with one match opens the account at once. Screenshots: artifacts/screenshots/
portfolio_why.png, portfolio_projector.png, account_360.png."""

from playwright.sync_api import expect

from lib.accounts.account360 import search_accounts
from lib.core.db import make_engine
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.overview import kpi_accounts
from tests.browser.conftest import log_in, no_exception, screenshot, wait_for_app
from tests.conftest import DEMO_END

FIRST_ROW = {"x": 18, "y": 52}  # the selection box of the first row: under the 35 px header


def account_title(page) -> str:
    return page.get_by_test_id("stHeading").first.inner_text().strip()


def test_an_account_behind_nrr_opens_account_360_in_one_click(page, server, demo_url):
    engine = make_engine(demo_url)
    first = kpi_accounts(load_portfolio(engine), Filters(DEMO_END), "nrr")["name"].iloc[0]
    engine.dispose()
    log_in(page, server.url, "viewer")
    page.locator(".st-key-pf_why_nrr button").first.click()
    wait_for_app(page)
    behind = page.locator(".st-key-pf_behind_nrr [data-testid='stDataFrame']")
    behind.wait_for()
    assert "select one to open it in Account 360" in page.get_by_test_id("stPopoverBody").inner_text()
    screenshot(page, "portfolio_why")
    behind.click(position=FIRST_ROW)
    page.wait_for_url("**/account_360**")
    wait_for_app(page)
    no_exception(page)
    assert account_title(page) == first
    screenshot(page, "account_360")


def test_a_search_with_one_match_opens_the_account(page, server, demo_url):
    engine = make_engine(demo_url)
    accounts = load_portfolio(engine).accounts
    engine.dispose()
    account = accounts.iloc[len(accounts) // 2]
    assert search_accounts(accounts, account["name"])[1] == 1
    log_in(page, server.url, "viewer", path="account_360")
    page.get_by_role("heading", name="Account 360").wait_for()
    search = page.get_by_role("textbox", name="Find an account")
    search.fill(account["name"].lower())
    search.press("Enter")
    expect(page.get_by_test_id("stHeading").first).to_have_text(account["name"])  # waits out the reruns of a busy machine
    wait_for_app(page)
    no_exception(page)
    assert search.input_value() == ""
    assert page.get_by_text("Choose an account").count() == 0  # nothing left to pick from


def test_projector_mode_keeps_what_the_changes_are_against(page, server):
    log_in(page, server.url, "viewer")
    page.get_by_test_id("stSidebar").get_by_text("Projector mode").click()
    wait_for_app(page)
    page.mouse.wheel(0, -2000)
    body = page.locator("body").inner_text()
    assert f"{DEMO_END} · retention against 2025Q3 (Compare with) · changes vs 2026Q2" in body
    descriptions = page.locator('[data-testid="stMetricDeltaDescription"]')
    expect(descriptions).to_have_count(6)  # the headline cards only, once the rerun has removed the others
    assert set(descriptions.all_inner_texts()) == {"vs 2026Q2"}
    screenshot(page, "portfolio_projector")
