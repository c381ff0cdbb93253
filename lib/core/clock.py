"""The one place Keystone reads the calendar and the clock.

Everything that depends on "today" (review due dates, overdue action items, the demo's last
quarter, the sane window of quarters) asks here, or takes `today` as a parameter, so tests and
demos can fix the date: `KEYSTONE_TODAY=2028-12-03` sets it for a whole process (a browser
test's server, say), and time-machine moves both functions with the real clock.
"""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    """Today's date, or KEYSTONE_TODAY (YYYY-MM-DD) when set."""
    fixed = os.environ.get("KEYSTONE_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def utc_now() -> dt.datetime:
    """Naive UTC, as stored in the database (SQLite keeps no time zone); moved with KEYSTONE_TODAY."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    fixed = os.environ.get("KEYSTONE_TODAY")
    if fixed:
        now = dt.datetime.combine(dt.date.fromisoformat(fixed), now.time())
    return now
