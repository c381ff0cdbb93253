"""In Chromium: the Share of wallet page renders with no exception, a click on a bubble of the
(WebGL) quadrant opens the account's details (and from there Account 360), the whitespace ranking
downloads as CSV and one click on a row opens Account 360, and projector mode still reads.
Screenshots: artifacts/screenshots/wallet*.png."""

import csv
import io

from tests.browser.conftest import log_in, no_exception, screenshot, settle, wait_for_app

# The pixel position of the largest bubble of the quadrant, from Plotly's own axes.
LARGEST_BUBBLE = """() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullData && p._fullData.some(t => t.type === 'scattergl'));
  let best = null;
  for (const trace of plot._fullData) {
    if (trace.type !== 'scattergl') continue;
    trace.marker.size.forEach((size, i) => {
      if (!best || size > best.size) best = {size, x: trace.x[i], y: trace.y[i], id: trace.customdata[i][0]};
    });
  }
  const layout = plot._fullLayout, box = plot.getBoundingClientRect();
  return {id: best.id, x: box.left + layout.xaxis._offset + layout.xaxis.d2p(best.x),
          y: box.top + layout.yaxis._offset + layout.yaxis.d2p(best.y)};
}"""


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)


def test_the_page_renders_and_a_click_on_an_account_opens_its_details(page, server):
    log_in(page, server.url, "viewer", path="wallet")
    page.get_by_role("heading", name="Share of wallet").wait_for()
    no_exception(page)
    assert page.locator('[class*="st-key-kpicard_sow_"] [data-testid="stMetric"]').count() == 6  # 3 + 3 segments
    assert page.locator(".st-key-kpicard_sow_share_of_wallet [data-testid='stMetricValue']").inner_text().endswith("%")
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    screenshot(page, "wallet")

    page.locator(".st-key-sow_group").get_by_text("Owner", exact=True).click()
    wait_for_app(page)
    assert "Who holds the wallet, by owner" in page.locator('[data-testid="stPlotlyChart"]').first.inner_text()
    no_exception(page)

    open_tab(page, "Where to play")
    page.locator("canvas").first.wait_for()  # WebGL draws the points
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(500)
    no_exception(page)
    screenshot(page, "wallet_quadrant")
    bubble = page.evaluate(LARGEST_BUBBLE)
    page.mouse.click(bubble["x"], bubble["y"])
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    wait_for_app(page)
    assert "Top competitor" in dialog.inner_text()
    assert dialog.locator('[data-testid="stPlotlyChart"]').count() == 2  # split over time, share trend
    no_exception(page)
    screenshot(page, "wallet_account")
    dialog.get_by_role("button", name="Open in Account 360").click()
    page.wait_for_url("**/account_360**")
    wait_for_app(page)
    no_exception(page)


def test_the_whitespace_ranking_downloads_as_csv_and_a_row_opens_account_360(page, server):
    log_in(page, server.url, "viewer", path="wallet")
    open_tab(page, "Wallet estimates")
    page.get_by_text("Data problems").wait_for()
    no_exception(page)
    screenshot(page, "wallet_estimates")
    open_tab(page, "Whitespace")
    page.get_by_text("largest whitespaces").wait_for()
    screenshot(page, "wallet_whitespace")
    page.mouse.move(0, 0)  # away from the table, whose hover toolbar reaches over the button row
    settle(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download all as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert rows and {"account_id", "whitespace", "top_competitor", "competitor_share", "wallet_confidence"} <= set(rows[0])
    whitespace = [float(r["whitespace"]) for r in rows]
    assert whitespace == sorted(whitespace, reverse=True)
    grid = page.locator(".st-key-sow_ranking [data-testid='stDataFrame']")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box, under the header
    page.wait_for_url("**/account_360**")  # one click: Account 360, no dialog in between
    wait_for_app(page)
    no_exception(page)
    assert page.get_by_test_id("stHeading").first.inner_text().strip() == rows[0]["name"]  # the largest whitespace


def test_projector_mode_reads_on_a_big_screen(page, server):
    log_in(page, server.url, "viewer", path="wallet")
    page.get_by_text("Projector mode").click()
    wait_for_app(page)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    no_exception(page)
    screenshot(page, "wallet_projector")
    open_tab(page, "Where to play")
    page.locator("canvas").first.wait_for()
    no_exception(page)
    screenshot(page, "wallet_projector_quadrant")
