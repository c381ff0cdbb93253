"""Relationships at 100,000 accounts: the portfolio view (goal: under 300 ms warm) and one account's map and matrix (under 50 ms).

    python bench/bench_relationships.py [--db PATH] [--runs 15]

The database file is copied first (it is migrated, which adds the stance, and the benchmark
databases must stay untouched); array files go to a temporary folder. Printed:
  - loading: the stakeholder and interaction arrays read from the database (once per data version),
    with the interactions limited in SQL to the days the portfolio's quarters can look at and, for
    comparison, all of them; then the same arrays from their file (a restarted server);
  - the portfolio view, warm: the last quarter's and the previous one's metrics, the three cards, the
    risk-sorted table (all active accounts, and key accounts only), as the page will compute them;
  - the command line's JSON object;
  - one account: the stakeholder map, the communication matrix and the reasons, for the accounts
    with the most interactions (the slowest there are) and a few ordinary ones.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
from lib.relationships.data import cached_relationships, load_relationships  # noqa: E402
from lib.relationships.portfolio import relationship_overview, relationships_json  # noqa: E402

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
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
