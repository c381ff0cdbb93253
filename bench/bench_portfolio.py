"""Foundation figures: demo build, KPI compute, Portfolio page rerun and cold start, by portfolio size.

    python bench/bench_portfolio.py                      # 400, 10,000 and 100,000 accounts
    python bench/bench_portfolio.py --sizes 400 10000    # fewer
    python bench/bench_portfolio.py --db-dir DIR     # reuse k10.db / k100.db demo files there
    python bench/bench_portfolio.py --sizes 100000 --only-after-import   # just the import scenario

From 10,000 accounts on, it also imports a revenue file into a copy of the demo database through
the command line (which prepares the arrays of the new data version) and times the first Portfolio
page of a cold server after it: from the login click to the first KPI card in Chromium.

Goals at 100,000 accounts: KPI compute under 100 ms warm (cache miss on a filter change under
1 s), warm page rerun under 150 ms, first page load on a cold server under 5 s, after an import too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.core.db import FACTS, data_versions, make_engine, migrate  # noqa: E402
from lib.io.demo import DemoSpec, load_demo  # noqa: E402
from lib.io.setup import ensure_initialized  # noqa: E402
from lib.io.snapshot import cached_portfolio  # noqa: E402
from lib.portfolio.data import Filters, load_portfolio  # noqa: E402
from lib.portfolio.kpis import portfolio_kpis  # noqa: E402
from lib.portfolio.overview import portfolio_overview  # noqa: E402

END = "2026Q3"
EMPTY_PAGE = "import streamlit as st\nst.write('')\n"


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    """Median seconds of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def database_for(size: int, db_dir: Path | None, work: Path) -> tuple[str, float | None]:
    reuse = db_dir / f"k{size // 1000}.db" if db_dir and size >= 1000 else None
    if reuse and reuse.exists():
        copy = work / reuse.name
        subprocess.run(["cp", str(reuse), str(copy)], check=True)
        url = f"sqlite:///{copy}"
        migrate(make_engine(url))
        return url, None
    url = f"sqlite:///{work / f'demo-{size}.db'}"
    engine = make_engine(url)
    migrate(engine)
    started = time.perf_counter()
    load_demo(engine, DemoSpec(accounts=size, quarters=12, seed=7, end=END))
    build = time.perf_counter() - started
    ensure_initialized(engine)
    return url, build


def kpi_figures(url: str) -> dict[str, float]:
    engine = make_engine(url)
    load_from_sql = timed(lambda: load_portfolio(engine))
    version = data_versions(engine)[FACTS]
    cache = Path(tempfile.mkdtemp())
    cached_portfolio(engine, version, directory=cache)
    load_from_snapshot = timed(lambda: cached_portfolio(engine, version, directory=cache), 3)
    data = cached_portfolio(engine, version, directory=cache)
    filters = [
        Filters(END),
        Filters(END, segments=("Enterprise",)),
        Filters("2026Q2", regions=("EMEA",)),
        Filters(END, 1, segments=("SMB", "Mid-Market")),
    ]
    miss = statistics.median(timed(lambda f=f: portfolio_overview(data, f)) for f in filters)
    cards = statistics.median(timed(lambda f=f: portfolio_kpis(data, f), 5) for f in filters)
    return {
        "load from SQL (s)": load_from_sql,
        "load from snapshot (s)": load_from_snapshot,
        "filter change, all page numbers (cache miss, ms)": miss * 1000,
        "KPI cards only (ms)": cards * 1000,
    }


def rerun_figures(url: str) -> dict[str, float]:
    """Warm AppTest reruns of the Portfolio page and of an empty page, measured in the same run."""
    from streamlit.testing.v1 import AppTest

    from tests.apptest_state import share_script_cache

    share_script_cache()  # compile each script once, as a server does (AppTest alone compiles on every run)

    from lib.core.auth import start_session
    from lib.core.db import make_engine, migrate

    os.environ["DATABASE_URL"] = url
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    login_engine = make_engine(url)
    migrate(login_engine)  # a cached demo database may predate the login tables
    app.session_state["login_session"] = start_session(login_engine, "admin")
    app.run()
    for _ in range(3):
        app.run()
    portfolio = timed(app.run, 15)
    empty_file = Path(tempfile.mkdtemp()) / "empty.py"
    empty_file.write_text(EMPTY_PAGE)
    empty = AppTest.from_file(str(empty_file))
    empty.run()
    empty_rerun = timed(empty.run, 30)
    return {
        "Portfolio warm rerun (ms)": portfolio * 1000,
        "empty page rerun (ms)": empty_rerun * 1000,
        "ratio to empty page": portfolio / empty_rerun,
    }


def cold_start_figures(url: str, work: Path) -> dict[str, float]:
    """A new `streamlit run` process: time to answer, then from login to the KPI cards on screen."""
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_for_app

    started = time.perf_counter()
    server = start_server(url, work)
    boot = time.perf_counter() - started
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_page(viewport={"width": 1280, "height": 720})
            tab.goto(server.url)
            tab.get_by_role("textbox", name="Username").fill("admin")
            tab.get_by_role("textbox", name="Password").fill("demo")
            clicked = time.perf_counter()
            tab.get_by_role("button", name="Log in").click()
            tab.locator('.st-key-kpicard_pf_revenue [data-testid="stMetricValue"]').wait_for(timeout=120_000)
            first_page = time.perf_counter() - clicked
            wait_for_app(tab)
            browser.close()
    finally:
        stop_server(server)
    return {
        "server boot (s)": boot,
        "first Portfolio page after login, cold (s)": first_page,
        "cold start total (s)": boot + first_page,
    }


IMPORT_ROWS = 10_000  # revenue rows of the file imported before the cold start: a quarter's update of one in ten accounts


def after_import_figures(size: int, db_dir: Path | None, work: Path) -> dict[str, float]:
    """Import a revenue file into a copy of the demo database through the command line, then start a cold server."""
    from bench.demo_databases import demo_database

    source = db_dir / f"k{size // 1000}.db" if db_dir else Path(demo_database(size))
    copy = work / f"after-import-{source.name}"
    subprocess.run(["cp", str(source), str(copy)], check=True)
    url = f"sqlite:///{copy}"
    migrate(make_engine(url))  # a demo database built before the newest migration
    revenue = work / "revenue-update.csv"
    rows = (f"ACC-{i:06d},{END},{1000 + i % 997}.50\n" for i in range(1, min(IMPORT_ROWS, size) + 1))
    revenue.write_text("account_id,quarter,revenue\n" + "".join(rows))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lib", "import", str(revenue), "--db", url], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    imported = time.perf_counter() - started
    cold = cold_start_figures(url, work)
    return {
        f"import of {min(IMPORT_ROWS, size):,} revenue rows through the command line, arrays prepared (s)": imported,
        "server boot after an import (s)": cold["server boot (s)"],
        "first Portfolio page after an import, cold server (s)": cold["first Portfolio page after login, cold (s)"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 10_000, 100_000])
    parser.add_argument("--db-dir", type=Path, help="reuse demo databases k10.db, k100.db from this folder")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--only-after-import", action="store_true", help="only the import and the cold start after it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="keystone-bench-"))
    os.environ["KEYSTONE_CACHE_DIR"] = str(work / "cache")
    for size in args.sizes:
        if args.only_after_import:
            print(f"\n== {size:,} accounts, 12 quarters")
            for name, value in after_import_figures(size, args.db_dir, work).items():
                print(f"{name}: {value:.2f}")
            continue
        url, build = database_for(size, args.db_dir, work)
        print(f"\n== {size:,} accounts, 12 quarters")
        print(f"demo build (s): {'reused' if build is None else f'{build:.1f}'}")
        for name, value in kpi_figures(url).items():
            print(f"{name}: {value:.3f}" if "(s)" in name else f"{name}: {value:.1f}")
        for name, value in rerun_figures(url).items():
            print(f"{name}: {value:.1f}")
        if not args.skip_browser:
            # First with no snapshot of this data version on disk (the first start after an import),
            # then a restart, which finds the snapshot the first start wrote.
            for label in ("no snapshot yet", "restart"):
                for name, value in cold_start_figures(url, work).items():
                    print(f"{name} [{label}]: {value:.2f}")
            if size >= 10_000:
                for name, value in after_import_figures(size, args.db_dir, work).items():
                    print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
