"""Speed and payload of the Share of wallet page at 10,000 and 100,000 accounts.

    python -m bench.bench_wallet compute [--db PATH ...] [--repeat N]
    python -m bench.bench_wallet payload [--db PATH ...]

compute (default: the 10,000 and 100,000-account demos of bench/demo_databases.py, read-only) times
  - what is loaded once per data version: the portfolio arrays (lib.portfolio.data, shared with every page),
    the competitor-spend aggregate (one GROUP BY account, quarter in the database) and the wallet
    sources of the quarter;
  - a render's compute on those arrays (what the page's st.cache_data holds per filter): the
    Competitors tab (cards now and a quarter before, the wallet split, the share trend), the quadrant,
    the ranking's first 100 rows, the estimates tab, and the CSV of the whole ranking (built on a click);
    for all accounts, for one segment, and with high-confidence wallets only.
payload (default copies of both databases: the app writes its settings on first start) runs a real
`streamlit run` server and headless Chromium, logs in on the page and, for one render of each tab,
of the owner grouping and of the account dialog, counts the bytes of every websocket message the
browser receives (Streamlit's ForwardMsgs: the page's elements, the sidebar and the run's envelopes),
and the time from the click to the run's last message.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine

from bench.demo_databases import demo_database
from lib.portfolio.data import Filters, load_portfolio
from lib.wallet.cards import wallet_figures
from lib.wallet.data import load_wallet_data, load_wallet_sources
from lib.wallet.estimates import accounts_without_estimate, data_problems, estimate_quality
from lib.wallet.quadrant import quadrant
from lib.wallet.split import share_trend, wallet_split
from lib.wallet.whitespace import ranking_csv, whitespace_ranking


def read_only_engine(path: str) -> Engine:
    """The benchmark databases are shared: open them read-only, with none of the app's PRAGMA writes."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def once(work: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = work()
    return result, (time.perf_counter() - started) * 1000


def timed(work: Callable[[], object], repeat: int) -> float:
    """Median milliseconds after one warm-up run."""
    work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def compute(paths: list[str], repeat: int) -> None:
    for path in paths:
        compute_one(path, repeat)


def compute_one(path: str, repeat: int) -> None:
    engine = read_only_engine(path)
    data, portfolio_ms = once(lambda: load_portfolio(engine))
    spend, spend_ms = once(lambda: load_wallet_data(engine, data))
    quarter = data.last_quarter
    sources, sources_ms = once(lambda: load_wallet_sources(engine, data, quarter))
    print(f"\n{path}: {len(data.accounts):,} accounts, {len(data.quarters)} quarters, {len(spend.competitors)} competitors")
    print(
        f"  once per data version: portfolio {portfolio_ms:,.0f} ms, competitor spend {spend_ms:,.0f} ms "
        f"({spend.nbytes / 1e6:,.0f} MB of arrays), wallet sources of {quarter} {sources_ms:,.0f} ms"
    )
    views = {
        "all accounts": (Filters(quarter), False),
        "segment SMB": (Filters(quarter, segments=("SMB",)), False),
        "high confidence only": (Filters(quarter), True),
    }
    for name, (filters, high) in views.items():
        tabs = {
            "Competitors tab (cards + split + trend)": lambda f=filters, h=high: (
                wallet_figures(data, spend, f, h),
                wallet_split(data, spend, f, "segment", h),
                share_trend(data, spend, f, h),
            ),
            "  of which the cards": lambda f=filters, h=high: wallet_figures(data, spend, f, h),
            "  of which the trend": lambda f=filters, h=high: share_trend(data, spend, f, h),
            "split by owner": lambda f=filters, h=high: wallet_split(data, spend, f, "owner", h),
            "Where to play tab (quadrant)": lambda f=filters, h=high: quadrant(data, spend, f, h, sources),
            "Whitespace tab (100 rows)": lambda f=filters, h=high: whitespace_ranking(data, spend, f, h, sources, 100),
            "Wallet estimates tab": lambda f=filters: (
                estimate_quality(data, spend, f, sources),
                accounts_without_estimate(data, f),
                data_problems(data, spend, f),
            ),
            "CSV of the whole ranking (on click)": lambda f=filters, h=high: ranking_csv(
                whitespace_ranking(data, spend, f, h, sources), f.quarter
            ),
        }
        print(f"  {name}:")
        for label, work in tabs.items():
            print(f"    {label:42} {timed(work, repeat):8.1f} ms")
    engine.dispose()


# The pixel position of the largest bubble of the quadrant, from Plotly's own axes.
LARGEST_BUBBLE = """() => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullData && p._fullData.some(t => t.type === 'scattergl'));
  let best = null;
  for (const trace of plot._fullData) {
    if (trace.type !== 'scattergl') continue;
    trace.marker.size.forEach((size, i) => { if (!best || size > best.size) best = {size, x: trace.x[i], y: trace.y[i]}; });
  }
  const layout = plot._fullLayout, box = plot.getBoundingClientRect();
  return {x: box.left + layout.xaxis._offset + layout.xaxis.d2p(best.x), y: box.top + layout.yaxis._offset + layout.yaxis.d2p(best.y)};
}"""


def payload(paths: list[str]) -> None:
    for path in paths:
        payload_one(path)


def payload_one(path: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in, start_server, stop_server, wait_for_app

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name
        shutil.copyfile(path, copy)
        server = start_server(f"sqlite:///{copy}", Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                tab = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                tab.set_default_timeout(180_000)
                frames: list[tuple[float, int]] = []
                tab.on(
                    "websocket",
                    lambda ws: ws.on("framereceived", lambda data: frames.append((time.perf_counter(), len(data)))),
                )

                def render(action: Callable[[], None]) -> tuple[int, float]:
                    frames.clear()
                    started = time.perf_counter()
                    action()
                    wait_for_app(tab)
                    last = max((t for t, _ in frames), default=started)
                    return sum(n for _, n in frames), (last - started) * 1000

                def open_tab(name: str) -> Callable[[], None]:
                    return lambda: tab.get_by_role("tab", name=name).click()

                print(f"\n{path} (a copy), one render each: bytes the browser received, ms from the click to the last message")
                first = render(lambda: log_in(tab, server.url, "viewer", path="wallet"))
                print(f"  {'log in onto the page (cold caches)':44} {first[0] / 1e3:9.1f} kB {first[1]:9,.0f} ms")
                steps = [
                    ("Where to play tab", open_tab("Where to play")),
                    ("Whitespace tab (100 rows)", open_tab("Whitespace")),
                    ("Wallet estimates tab", open_tab("Wallet estimates")),
                    ("Competitors tab, by segment", open_tab("Competitors")),
                    ("Competitors tab, by owner", lambda: tab.locator(".st-key-sow_group").get_by_text("Owner").click()),
                    (
                        "Competitors tab, by segment again (cached)",
                        lambda: tab.locator(".st-key-sow_group").get_by_text("Segment").click(),
                    ),
                    ("Where to play tab again (cached)", open_tab("Where to play")),
                ]
                for label, action in steps:
                    size, ms = render(action)
                    print(f"  {label:44} {size / 1e3:9.1f} kB {ms:9,.0f} ms")
                tab.mouse.wheel(0, 300)
                tab.wait_for_timeout(500)
                bubble = tab.evaluate(LARGEST_BUBBLE)
                size, ms = render(lambda: tab.mouse.click(bubble["x"], bubble["y"]))
                assert tab.get_by_role("dialog").count() == 1, "the account dialog did not open"
                print(f"  {'account dialog (click on the largest bubble)':44} {size / 1e3:9.1f} kB {ms:9,.0f} ms")
                browser.close()
        finally:
            stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_wallet")
    parser.add_argument("what", choices=("compute", "payload"), nargs="?", default="compute")
    parser.add_argument("--db", action="append", help="SQLite database file (repeatable); default: k10 and k100")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    paths = args.db or [demo_database(10_000), demo_database(100_000)]
    compute(paths, args.repeat) if args.what == "compute" else payload(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
