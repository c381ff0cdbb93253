"""Review deck build time on the 10,000-account demo (goal: 30 accounts under 60 s), PPTX and PDF.

    python bench/bench_deck.py [--db PATH] [--runs 2] [--accounts 10 30]

The database file is copied first (the benchmark databases stay untouched). Each deck gets the
largest accounts of the last quarter by id, as `python -m lib deck --accounts ID,...` would, and is
built by lib.review.deck.build_deck as the command line and the page call it: the portfolio read
from its snapshot file, the accounts read from the database, the charts drawn in one Chromium
(started while the database is read), the slides laid out and written. The snapshot files are
built once before timing (the app's warm-up and every import do that once per data version).
Prints the best of the runs, with the time spent in each phase.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select  # noqa: E402

from bench.demo_databases import demo_database  # noqa: E402
from lib.core.db import make_engine, migrate  # noqa: E402
from lib.core.models import Account, Revenue  # noqa: E402
from lib.review.content import prepare_snapshots  # noqa: E402
from lib.review.deck import build_deck  # noqa: E402
from lib.review.images import browser_path  # noqa: E402
from lib.review.model import DeckRequest  # noqa: E402

PHASES = (("Reading", "read"), ("Drawing", "charts"), ("Laying", "layout"), ("Writing", "write"))


def largest_accounts(engine: Engine, quarter: str, count: int) -> tuple[str, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.scalars(
                select(Account.external_id)
                .join(Revenue, Revenue.account_id == Account.id)
                .where(Revenue.quarter == quarter)
                .order_by(Revenue.revenue_cents.desc(), Account.id)
                .limit(count)
            ).all()
        )


def timed_build(engine: Engine, request: DeckRequest, fmt: str) -> tuple[float, dict[str, float], int, int]:
    """Seconds in all, seconds per phase, slides, charts left out."""
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    deck = build_deck(engine, request, fmt, lambda _done, what: marks.append((time.perf_counter() - started, what)))
    total = time.perf_counter() - started
    phases: dict[str, float] = {}
    for (at, what), (until, _next) in zip(marks, [*marks[1:], (total, "")]):
        name = next((label for word, label in PHASES if what.startswith(word)), None)
        if name:
            phases[name] = phases.get(name, 0.0) + until - at
    return total, phases, len(deck.slide_titles), len(deck.charts_left_out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=None, help="SQLite file of a demo portfolio (copied first; default: the 10,000-account demo)"
    )
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--accounts", type=int, nargs="+", default=[10, 30])
    args = parser.parse_args()
    source = Path(args.db or demo_database(10_000))
    with tempfile.TemporaryDirectory(prefix="bench-deck-") as folder:
        copy = Path(folder) / source.name
        shutil.copyfile(source, copy)
        engine = make_engine(f"sqlite:///{copy}")
        migrate(engine)
        started = time.perf_counter()
        data = prepare_snapshots(engine)
        print(f"{len(data.accounts):,} accounts, {data.quarters[0]}..{data.last_quarter}; browser: {browser_path() or 'none'}")
        print(f"snapshot files built once: {time.perf_counter() - started:.1f} s")
        print(f"{'accounts':>8} {'format':>6} {'best s':>7} {'read':>6} {'charts':>7} {'layout':>7} {'write':>6} {'slides':>6}")
        for count in args.accounts:
            request = DeckRequest(data.last_quarter, accounts=largest_accounts(engine, data.last_quarter, count))
            for fmt in ("pptx", "pdf"):
                runs = [timed_build(engine, request, fmt) for _ in range(args.runs)]
                total, phases, slides, left_out = min(runs, key=lambda run: run[0])
                cells = " ".join(
                    f"{phases.get(name, 0.0):{width}.1f}"
                    for name, width in (("read", 6), ("charts", 7), ("layout", 7), ("write", 6))
                )
                note = f"  ({left_out} charts left out)" if left_out else ""
                print(f"{count:>8} {fmt:>6} {total:7.1f} {cells} {slides:>6}{note}", flush=True)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
