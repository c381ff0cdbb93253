"""Review walkthrough step time: Next pressed until the next account is on screen (goal: under 500 ms at 10,000 accounts).

    python bench/bench_walkthrough.py [--db PATH] [--steps 15]

The database file is copied first (the app migrates and initialises what it opens; the benchmark
databases stay untouched). Runs of the whole app (app.py: login frame, filters, navigation, then the
page) are timed with Streamlit's AppTest in this process, logged in as an editor (the note's editor
is on screen, the heavier case):
  - first view: the page opened on the key accounts (the portfolio qualified, the list made);
  - step to a new account: Next, one account after another, each seen for the first time, pressed
    at once (the screen read ahead in the background may still be on its way), and after a pause
    (--pause seconds, as when the account on screen is discussed: the next one is read ahead by then);
  - step back: Previous to an account already seen (its screen cached);
  - other list: the near misses chosen, then their first account.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.demo_databases import demo_database  # noqa: E402
from lib.core.auth import start_session  # noqa: E402
from lib.core.db import make_engine, migrate  # noqa: E402
from lib.core.models import Account  # noqa: E402

PAGE = "pages/walkthrough.py"


def timed(step: Callable[[], AppTest]) -> float:
    """Milliseconds of one interaction's run (an AppTest element's .click() and the like, then .run())."""
    started = time.perf_counter()
    at = step()
    elapsed = (time.perf_counter() - started) * 1000
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return elapsed


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<30} median {statistics.median(values):7.1f} ms   p90 {sorted(values)[int(0.9 * (len(values) - 1))]:7.1f}"
        f"   min {min(values):7.1f}   max {max(values):7.1f}   (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=None, help="SQLite file of a demo portfolio (copied first; default: the 10,000-account demo)"
    )
    parser.add_argument("--steps", type=int, default=15, help="Next presses to time, each way")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds on each account before Next, the second way")
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from tests.apptest_state import share_script_cache

    share_script_cache()  # compile each script once, as a server does (AppTest alone compiles on every run)
    args.db = args.db or demo_database(10_000)
    workdir = Path(tempfile.mkdtemp(prefix="bench-walk-"))
    copy = workdir / "bench.db"
    print(f"copying {args.db} ...", flush=True)
    shutil.copyfile(args.db, copy)
    url = f"sqlite:///{copy}"
    os.environ["DATABASE_URL"] = url
    try:
        engine = make_engine(url)
        migrate(engine)  # a cached demo database may predate the login tables
        with engine.connect() as connection:
            accounts = connection.scalar(select(func.count()).select_from(Account))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["login_session"] = start_session(engine, "editor")
        cold_app = timed(at.run)
        first_view = timed(lambda: at.switch_page(PAGE).run())
        if not at.subheader:
            raise RuntimeError("the walkthrough shows no account: " + " ".join(i.value for i in at.info))
        progress = next(m.value for m in at.markdown if m.value.startswith("**1 of "))
        names = [at.subheader[0].value]
        forward, paused = [], []
        for times, pause in ((forward, 0.0), (paused, args.pause)):
            for _ in range(args.steps):
                if at.button(key="walk_next").disabled:
                    break
                time.sleep(pause)
                times.append(timed(lambda: at.button(key="walk_next").click().run()))
                names.append(at.subheader[0].value)
        if len(set(names)) != len(names):
            raise RuntimeError(f"a step did not bring a new account: {names}")
        back = [timed(lambda: at.button(key="walk_prev").click().run()) for _ in range(min(5, len(forward)))]
        at.session_state["walk_list_chosen"] = "near"
        other_list = timed(at.run)
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"Review walkthrough on {args.db}: {accounts:,} accounts, {progress.split('·')[1].strip()}")
    print(f"{'first run of the app (cold)':<30} {cold_app:9.0f} ms")
    print(f"{'first view of the page':<30} {first_view:9.0f} ms")
    print(line("Next, pressed at once", forward))
    print(line(f"Next, after {args.pause:g} s", paused))
    print(line("Previous (seen already)", back))
    print(f"{'other list (near misses)':<30} {other_list:9.0f} ms")
    steps = forward + paused
    verdict = "meets" if statistics.median(steps) < 500 else "misses"
    print(
        f"Step time to a new account: {statistics.median(forward):.0f} ms median pressed at once, "
        f"{statistics.median(paused):.0f} ms after a pause; {max(steps):.0f} ms worst: {verdict} the 500 ms goal"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
