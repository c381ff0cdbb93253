"""Account 360 render time on a large portfolio (goal: under 300 ms warm at 100,000 accounts).

    python bench/bench_account360.py [--db PATH] [--runs 15]

The database file is copied first (the app migrates and initialises what it opens, and the
benchmark databases must stay untouched). Runs of the whole app (app.py: login frame, filters,
navigation, then the page) are timed with Streamlit's AppTest in this process:
  - frame: Account 360 with no account chosen (search and the ten largest accounts): the
    cost every page pays, the baseline;
  - account, warm: the same account rerun, caches filled;
  - account, first open: other accounts opened one after another (their queries not cached yet).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.demo_databases import demo_database  # noqa: E402
from lib.core.auth import start_session  # noqa: E402
from lib.core.db import make_engine, migrate  # noqa: E402

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest


def timed_run(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - started) * 1000
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return elapsed


def largest_accounts(url: str, quarter: str, count: int) -> list[int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = connection.scalars(
            text("SELECT account_id FROM revenue WHERE quarter = :q ORDER BY revenue_cents DESC LIMIT :n"),
            {"q": quarter, "n": count},
        ).all()
        total = connection.scalar(text("SELECT COUNT(*) FROM accounts"))
    engine.dispose()
    print(f"{total:,} accounts")
    return list(ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=None, help="SQLite file of a demo portfolio (copied first; default: a 100,000-account demo)"
    )
    parser.add_argument("--runs", type=int, default=15, help="warm reruns to time")
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from tests.apptest_state import share_script_cache

    share_script_cache()  # compile each script once, as a server does (AppTest alone compiles on every run)

    workdir = Path(tempfile.mkdtemp(prefix="bench360-"))
    copy = workdir / "bench.db"
    args.db = args.db or demo_database(100_000)
    print(f"copying {args.db} ...", flush=True)
    shutil.copyfile(args.db, copy)
    url = f"sqlite:///{copy}"
    os.environ["DATABASE_URL"] = url
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        login_engine = make_engine(url)
        migrate(login_engine)  # a cached demo database may predate the login tables
        at.session_state["login_session"] = start_session(login_engine, "viewer")
        cold_frame = timed_run(at)
        quarter = at.session_state["filters"].quarter
        accounts = largest_accounts(url, quarter, 6)
        at.switch_page("pages/account_360.py")
        timed_run(at)
        frame = [timed_run(at) for _ in range(args.runs)]

        at.session_state["a360_account_id"] = accounts[0]
        cold_account = timed_run(at)  # the key-account results, then this account's queries
        title = at.title[0].value
        warm = [timed_run(at) for _ in range(args.runs)]

        first_open = []
        for account_id in accounts[1:]:
            at.session_state["a360_account_id"] = account_id
            first_open.append(timed_run(at))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def line(name: str, values: list[float]) -> str:
        return f"{name:<34} median {statistics.median(values):7.1f} ms   min {min(values):7.1f}   max {max(values):7.1f}   (n={len(values)})"

    print(f"Account 360 on {args.db}, quarter {quarter}, account {title!r}")
    print(f"{'first run of the app (cold)':<34} {cold_frame:9.0f} ms")
    print(f"{'first account view (cold)':<34} {cold_account:9.0f} ms")
    print(line("frame only, warm (baseline)", frame))
    print(line("account, warm", warm))
    print(line("account, first open, app warm", first_open))
    page_cost = statistics.median(warm) - statistics.median(frame)
    print(f"Account 360 warm render: {statistics.median(warm):.0f} ms for the whole rerun, {page_cost:.0f} ms over the frame")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
