"""Relationships at 100,000 accounts: the portfolio view (goal: under 300 ms warm), one account's map and matrix
(under 50 ms), and the whole Relationships page's rerun (within 10x of an empty Streamlit page, same run).

    python bench/bench_relationships.py [--db PATH] [--runs 15] [--no-page]

The database file is copied first (it is migrated, which adds the stance, and the benchmark
databases must stay untouched); array files go to a temporary folder. Printed:
  - loading: the stakeholder and interaction arrays read from the database (once per data version),
    with the interactions limited in SQL to the days the portfolio's quarters can look at and, for
    comparison, all of them; then the same arrays from their file (a restarted server);
  - the portfolio view, warm: the last quarter's and the previous one's metrics, the three cards, the
    risk-sorted table (all active accounts, and key accounts only), as the page will compute them;
  - the command line's JSON object;
  - one account: the stakeholder map, the communication matrix and the reasons, for the accounts
    with the most interactions (the slowest there are) and a few ordinary ones; the matrix's figure;
  - the key-account criteria frame with the relationship metrics (stakeholders_met_90d, exec_met_90d,
    bus_factor) for every account;
  - the whole page under AppTest (app.py, login, sidebar, page), warm: the one-account tab on the
    busiest account and the portfolio tab, against an empty page's rerun measured in the same process.
    Array files go to a temporary folder (KEYSTONE_CACHE_DIR), removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The app's array files (lib.io.snapshot reads this when imported) go to a throwaway folder, not data/cache.
CACHE_DIR = os.environ.setdefault("KEYSTONE_CACHE_DIR", tempfile.mkdtemp(prefix="bench-rel-cache-"))

import numpy as np  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.demo_databases import demo_database  # noqa: E402
from lib.core.db import FACTS, data_versions, make_engine, migrate  # noqa: E402
from lib.core.models import Interaction  # noqa: E402
from lib.io.snapshot import cached_portfolio  # noqa: E402
from lib.keyaccounts.metrics import account_metrics  # noqa: E402
from lib.keyaccounts.qualification import qualify  # noqa: E402
from lib.keyaccounts.store import active_criteria  # noqa: E402
from lib.portfolio.data import Filters  # noqa: E402
from lib.relationships.account import account_relationships  # noqa: E402
from lib.relationships.charts import communication_matrix  # noqa: E402
from lib.relationships.data import cached_relationships, load_relationships  # noqa: E402
from lib.relationships.portfolio import relationship_overview, relationships_json  # noqa: E402

EMPTY_PAGE = "import streamlit as st\nst.write('')\n"
CPU: list[float] = []  # the CPU time of the last timings() call, per run: what the shared machine's load does not inflate


def timings(run: Callable[[], object], runs: int) -> list[float]:
    out = []
    CPU.clear()
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        out.append((time.perf_counter() - started) * 1000)
        CPU.append((time.process_time() - cpu) * 1000)
    return out


def once(run: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return (time.perf_counter() - started) * 1000, result


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<46} median {statistics.median(values):7.1f} ms   min {min(values):7.1f}   max {max(values):7.1f}   "
        f"(n={len(values)}; CPU median {statistics.median(CPU):.1f} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="SQLite file of a demo portfolio (copied first; default: 100,000 accounts)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest page reruns")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-rel-"))
    source = args.db or demo_database(100_000)
    try:
        print(f"copying {source} ...", flush=True)
        shutil.copyfile(source, workdir / "bench.db")
        engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
        migrate(engine)
        version = data_versions(engine)[FACTS]
        data = cached_portfolio(engine, version, directory=workdir)
        quarter = data.last_quarter
        ids = data.accounts["id"].to_numpy()
        with engine.connect() as connection:
            interactions = connection.scalar(select(func.count()).select_from(Interaction))
        print(f"{len(ids):,} accounts, {interactions:,} interactions, quarters {data.quarters[0]}..{quarter}")

        # Each way twice, alternately, so the file's pages are equally warm for both; the better time counts.
        load_window, load_all = [], []
        for _ in range(2):
            seconds, rel = once(lambda: load_relationships(engine, ids, data.quarters))
            load_window.append(seconds)
            seconds, everything = once(lambda: load_relationships(engine, ids))
            load_all.append(seconds)
        rows = f"{len(rel.stakeholder_ids):,} stakeholders, {len(rel.interaction_day):,} interactions"
        print(f"{'load from the database, days the quarters see':<46} {min(load_window):9.0f} ms  ({rows})")
        print(f"{'load from the database, every interaction':<46} {min(load_all):9.0f} ms  ({len(everything.interaction_day):,})")
        cached_relationships(engine, data, version, workdir)  # writes the file
        from_file = timings(lambda: cached_relationships(engine, data, version, workdir), 5)
        print(line("load from the array file (restarted server)", from_file))

        criteria = active_criteria(engine)
        filters = Filters(quarter)
        key = None
        if criteria is not None and criteria.criteria is not None:
            key = qualify(account_metrics(data, filters), criteria.criteria).qualified.reindex(range(len(ids)), fill_value=False)
            key = key.to_numpy(dtype=bool)
        print(f"key accounts (active criteria): {'none' if key is None else f'{int(key.sum()):,}'}")

        view = timings(lambda: relationship_overview(data, rel, filters, key), args.runs)
        print(line("portfolio view, warm (all active accounts)", view))
        print(
            line(
                "portfolio view, warm (key accounts only)",
                timings(lambda: relationship_overview(data, rel, filters, key, True), args.runs),
            )
        )
        print(line("command line JSON object", timings(lambda: relationships_json(data, rel, quarter), 5)))
        overview = relationship_overview(data, rel, filters, key)
        for card in overview.now.values():
            print(f"  {card.label:<40} {card.value!s:>8}  (previous quarter {overview.before[card.key].value})")
        print(line("criteria frame with relationship metrics", timings(lambda: account_metrics(data, filters, rel), 5)))
        print(line("  (the same without them)", timings(lambda: account_metrics(data, filters), 5)))

        busiest = np.argsort(-np.bincount(rel.stakeholder_account[rel.interaction_stakeholder], minlength=len(ids)))[:5]
        table = overview.accounts.index.to_numpy()
        ordinary = table[np.linspace(0, len(table) - 1, 5).astype(int)]  # from the riskiest to the safest
        accounts = [int(ids[r]) for r in [*busiest, *ordinary]]
        account_relationships(engine, accounts[0], quarter)  # the first query of a connection
        for label, chosen in (("busiest 5", accounts[:5]), ("5 others", accounts[5:])):
            runs = timings(lambda chosen=chosen: [account_relationships(engine, a, quarter) for a in chosen], 3)
            CPU[:] = [c / len(chosen) for c in CPU]
            print(line(f"one account: map, matrix, reasons ({label})", [r / len(chosen) for r in runs]))
        sample = account_relationships(engine, accounts[0], quarter)
        print(
            f"  busiest: {len(sample.stakeholders)} stakeholders, matrix {sample.matrix.shape[0]}x{sample.matrix.shape[1]}, "
            f"bus factor {sample.bus_factor}: {sample.bus_factor_reason}"
        )
        figure = timings(lambda: communication_matrix(sample.matrix, sample.matrix_window), 5)
        print(line("one account: the matrix's figure (busiest)", figure))
        engine.dispose()
        if not args.no_page:
            page_reruns(f"sqlite:///{workdir / 'bench.db'}", accounts[0], args.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
    return 0


def page_reruns(url: str, account_id: int, runs: int) -> None:
    """Warm AppTest reruns of the whole Relationships page (both tabs) and of an empty page, in this process."""
    from streamlit.testing.v1 import AppTest

    from lib.core.auth import add_user, start_session
    from tests.apptest_state import share_script_cache

    share_script_cache()  # compile each script once, as a server does (AppTest alone compiles on every run)

    os.environ["DATABASE_URL"] = url
    engine = make_engine(url)
    try:
        session = start_session(engine, "editor")
    except LookupError:  # a database without the demo's logins
        add_user(engine, "editor", "Editor", "editor", "bench-password")
        session = start_session(engine, "editor")
    engine.dispose()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    app.session_state["login_session"] = session
    started = time.perf_counter()
    app.run()
    app.switch_page("pages/relationships.py")
    app.session_state["rel_account_id"] = account_id
    app.run()
    assert not app.exception, app.exception
    for thread in threading.enumerate():  # the server's warm-up (lib.ui.warmup) would be timed with the reruns
        if thread.name == "keystone-warm":
            thread.join()
    print(f"{'page, first run of the server (arrays, key accounts)':<46} {(time.perf_counter() - started) * 1000:9.0f} ms")
    for _ in range(2):
        app.run()
    one_account = timings(app.run, runs)
    print(line("page rerun, warm: one account (busiest)", one_account))
    one_account_cpu = list(CPU)
    app.session_state["rel_tab"] = "Portfolio"
    app.run()
    assert not app.exception and app.dataframe, "the portfolio tab shows its table"
    app.run()
    portfolio_tab = timings(app.run, runs)
    print(line("page rerun, warm: portfolio tab", portfolio_tab))
    portfolio_cpu = list(CPU)
    # For scale: the app's frame around any page (login, versions, sidebar) with nothing chosen on this one,
    # and the Portfolio page, in the same process.
    frame = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    frame.session_state["login_session"] = session
    frame.run()
    frame.switch_page("pages/relationships.py")
    frame.session_state["rel_tab"] = "One account"
    frame.run()
    frame.run()
    print(line("  the app's frame: this page, no account chosen", timings(frame.run, runs)))
    frame.switch_page("pages/portfolio.py")
    frame.run()
    frame.run()
    print(line("  the Portfolio page, for comparison", timings(frame.run, runs)))
    empty = AppTest.from_string(EMPTY_PAGE)
    empty.run()
    empty_runs = timings(empty.run, runs * 2)
    print(line("empty Streamlit page rerun (same process)", empty_runs))
    base, base_cpu = statistics.median(empty_runs), statistics.median(CPU)
    for label, values, cpu in (("one account", one_account, one_account_cpu), ("portfolio tab", portfolio_tab, portfolio_cpu)):
        print(
            f"  {label}: {statistics.median(values) / base:.1f}x the empty page's time, {statistics.median(cpu) / base_cpu:.1f}x "
            "its CPU (goal: within 10x)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
