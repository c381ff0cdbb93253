"""The demo's criteria sets (the approved starter set and a draft) and its logins."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from lib.core.auth import hash_password
from lib.core.quarters import quarter_start, shift_quarter
from lib.keyaccounts.starter import APPROVED_CRITERIA, DRAFT_CRITERIA
from lib.keyaccounts.store import one_quarter_later

DEMO_PASSWORD = "demo"
DEMO_USERS = (("admin", "Alex Admin", "admin"), ("editor", "Erin Editor", "editor"), ("viewer", "Victor Viewer", "viewer"))


def criteria_sets(last_quarter: str, now: dt.datetime) -> pd.DataFrame:
    # Approved in the review two weeks after the last quarter closed, so due again a quarter after that.
    approved_at = dt.datetime.combine(quarter_start(shift_quarter(last_quarter, 1)) + dt.timedelta(days=14), dt.time(9, 0))
    return pd.DataFrame(
        [
            {
                "id": 1,
                "name": "Key accounts (approved)",
                "rules": json.dumps(APPROVED_CRITERIA),
                "created_by": "admin",
                "created_at": approved_at.isoformat(sep=" "),
                "approved_by": "admin",
                "approved_at": approved_at.isoformat(sep=" "),
                "active": True,
                "review_due": one_quarter_later(approved_at.date()).isoformat(),
            },
            {
                "id": 2,
                "name": "Draft: raise the revenue bar to 2 M",
                "rules": json.dumps(DRAFT_CRITERIA),
                "created_by": "editor",
                "created_at": now.isoformat(sep=" "),
                "approved_by": None,
                "approved_at": None,
                "active": False,
                "review_due": None,
            },
        ]
    )


def demo_users() -> pd.DataFrame:
    hashed = hash_password(DEMO_PASSWORD)
    return pd.DataFrame(
        [
            {"username": u, "name": n, "role": r, "password_hash": hashed, "is_demo": True, "failed_logins": 0}
            for u, n, r in DEMO_USERS
        ]
    )
