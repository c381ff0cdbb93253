"""Speed of key-account requalification, and of the browser round trip of a criterion change.

    python -m bench.bench_qualification compute [--db URL] [--repeat N]
    python -m bench.bench_qualification browser [--db URL] [--tries N]

compute (default: the 100,000-account demo of bench/demo_databases.py, opened read-only): builds the account frame once
(as the page caches it), then times
  - a bare numpy evaluation of 5 rules (the floor: arrays in hand, no frames, no near misses),
  - lib.keyaccounts.qualification.qualify with the same 5 rules (goal: within 3x of the bare evaluation),
  - the whole requalification a criterion change costs the page: qualify the draft, summarise it, the
    diff counts against the approved set, and the tables shown (near misses with what they lack,
    qualified accounts, who enters and leaves with why; 500 rows each): goal under 50 ms,
  - the same with every row's text (what the CSV exports build on a click).
browser (default: a copy of the 10,000-account demo): a real `streamlit run` server and headless
Chromium; logs in, opens Key accounts, types a new revenue threshold into the rules editor and
times until the key-account count on screen changes (goal under 500 ms); prints the median.
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

import numpy as np
from sqlalchemy import Engine, create_engine

from bench.demo_databases import demo_database
from lib.keyaccounts.criteria import CriteriaSet
from lib.keyaccounts.metrics import account_metrics
from lib.keyaccounts.qualification import qualify, summarize
from lib.keyaccounts.starter import APPROVED_CRITERIA, DRAFT_CRITERIA
from lib.keyaccounts.tables import compare, near_misses, qualified_accounts
from lib.portfolio.data import Filters, load_portfolio


def read_only_engine(path: str) -> Engine:
    """The benchmark databases are shared: open them read-only, with none of the app's PRAGMA writes."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(median, best, 90th percentile) in milliseconds, after two warm-up runs."""
    for _ in range(2):
        work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[0], samples[int(0.9 * (len(samples) - 1))]


def bare_numpy(columns: dict[str, np.ndarray], rules: list[dict], cutoff: float) -> np.ndarray:
    """The same rules evaluated the shortest way numpy allows: the floor qualify() is held against."""
    weights = np.array([r["weight"] for r in rules], dtype=np.float64)
    score = np.zeros(len(next(iter(columns.values()))))
    musts = np.ones_like(score, dtype=bool)
    for rule, weight in zip(rules, weights):
        values = columns[rule["metric"]]
        passed = values >= rule["threshold"] if rule["op"] == ">=" else values <= rule["threshold"]
        score += passed * (100.0 * weight / weights.sum())
        if rule["must_have"]:
            musts &= passed
    return musts & (score >= cutoff)


def compute(url_or_path: str, repeat: int) -> None:
    path = url_or_path.removeprefix("sqlite:///")
    started = time.perf_counter()
    data = load_portfolio(read_only_engine(path))
    loaded = time.perf_counter() - started
    filters = Filters(data.last_quarter)
    started = time.perf_counter()
    metrics = account_metrics(data, filters)
    built = time.perf_counter() - started
    print(
        f"{len(metrics):,} accounts, quarter {filters.quarter}: portfolio read in {loaded:.1f} s, account frame in {built * 1000:.0f} ms"
    )

    five = {**APPROVED_CRITERIA, "rules": APPROVED_CRITERIA["rules"][:5]}
    criteria5 = CriteriaSet.from_dict(five)
    columns = {r["metric"]: metrics[r["metric"]].to_numpy() for r in five["rules"]}
    expected = bare_numpy(columns, five["rules"], five["cutoff"])
    assert (qualify(metrics, criteria5).qualified.to_numpy() == expected).all(), "qualify() and the bare evaluation disagree"

    approved = CriteriaSet.from_dict(APPROVED_CRITERIA)
    draft = CriteriaSet.from_dict(DRAFT_CRITERIA)
    base = qualify(metrics, approved)  # the page keeps it across edits of the draft

    def requalify(limit: int | None) -> Callable[[], object]:
        def work() -> object:
            result = qualify(metrics, draft)
            summarize(metrics, result)
            counts = compare(metrics, base, result, limit=0)
            tables = (
                near_misses(metrics, result, limit),
                qualified_accounts(metrics, result, limit),
                compare(metrics, base, result, limit),
            )
            return counts, tables

        return work

    rows = [
        ("bare numpy, 5 rules", timed(lambda: bare_numpy(columns, five["rules"], five["cutoff"]), repeat)),
        ("qualify(), 5 rules", timed(lambda: qualify(metrics, criteria5), repeat)),
        ("qualify(), the draft's 7 rules", timed(lambda: qualify(metrics, draft), repeat)),
        ("requalify: draft + near misses + diff, 500 rows shown", timed(requalify(500), repeat)),
        ("requalify with every row's text (CSV)", timed(requalify(None), max(5, repeat // 4))),
    ]
    result = qualify(metrics, draft)
    diff = compare(metrics, base, result, limit=0)
    print(
        f"draft: {result.qualified_count:,} qualified, {result.near_miss_count:,} near misses, "
        f"{diff.entering_count:,} enter, {diff.leaving_count:,} leave"
    )
    print(f"{'':55s} {'median':>8s} {'best':>8s} {'p90':>8s}   (ms)")
    for name, (median, best, p90) in rows:
        print(f"{name:55s} {median:8.2f} {best:8.2f} {p90:8.2f}")
    ratio = rows[1][1][0] / rows[0][1][0]
    print(f"qualify() / bare numpy (5 rules, medians): {ratio:.2f}x (goal: within 3x)")
    print(f"requalification (500 rows shown): {rows[3][1][0]:.1f} ms (goal: under 50 ms)")


def browser(url_or_path: str, tries: int) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, log_in, start_server, stop_server, wait_for_app
    from tests.browser.test_key_accounts import count_on_screen, set_threshold

    workdir = Path(tempfile.mkdtemp(prefix="ka-bench-"))
    copy = workdir / "bench.db"
    shutil.copy(url_or_path.removeprefix("sqlite:///"), copy)  # the server writes (logins, versions): never the original
    server = start_server(f"sqlite:///{copy}", workdir)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = chromium.new_context(viewport=VIEWPORT).new_page()
            tab.set_default_timeout(60_000)
            log_in(tab, server.url, "viewer", path="key_accounts")
            wait_for_app(tab)
            samples = []
            for attempt in range(tries + 1):
                before = count_on_screen(tab)
                elapsed = set_threshold(tab, row=0, text="2 M" if attempt % 2 == 0 else "1 M")
                after = count_on_screen(tab)
                assert after != before, "the count did not change"
                if attempt:  # the first change warms the caches
                    samples.append(elapsed * 1000)
            chromium.close()
    finally:
        stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)
    samples.sort()
    print(f"browser round trip, criterion change -> count on screen, {tries} tries on {url_or_path}:")
    print(
        f"  median {statistics.median(samples):.0f} ms, best {samples[0]:.0f} ms, worst {samples[-1]:.0f} ms (goal: under 500 ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("compute", "browser"), nargs="?", default="compute")
    parser.add_argument("--db", help="a SQLite database file (default: k100 for compute, k10 for browser)")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--tries", type=int, default=10)
    args = parser.parse_args(argv)
    if args.what == "compute":
        compute(args.db or demo_database(100_000), args.repeat)
    else:
        browser(args.db or demo_database(10_000), args.tries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
