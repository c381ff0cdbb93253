"""Demo databases for the benchmarks: built once with `python -m lib demo`, then reused.

They live in KEYSTONE_BENCH_DIR (default: the system's temp folder /keystone-bench) as k10.db
(10,000 accounts) and k100.db (100,000 accounts), 12 quarters ending 2026Q3, seed 7. Benchmarks
open them read-only or copy them; building k100.db takes about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("KEYSTONE_BENCH_DIR", Path(tempfile.gettempdir()) / "keystone-bench"))


def demo_database(accounts: int) -> str:
    """The path of a demo database of that many accounts, built on first use."""
    path = BENCH_DIR / f"k{accounts // 1000}.db"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".building.db")
        partial.unlink(missing_ok=True)
        print(f"Building {path} ({accounts:,} accounts)...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "lib",
                "--db",
                f"sqlite:///{partial}",
                "demo",
                "--accounts",
                str(accounts),
                "--end",
                "2026Q3",
                "--seed",
                "7",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        partial.rename(path)
    return str(path)
