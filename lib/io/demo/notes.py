"""The demo's review notes, their first revisions and action items, for the largest accounts of the last two quarters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from lib.core.quarters import quarter_end


def draw_review_notes(
    rng: np.random.Generator, accounts: pd.DataFrame, revenue: pd.DataFrame, quarters: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    last, previous = quarters[-1], quarters[-2]
    latest = revenue[revenue["quarter"] == last].nlargest(min(len(accounts), 30), "revenue_cents")
    notes, revisions, items = [], [], []
    for quarter in (previous, last):
        stamp = dt.datetime.combine(quarter_end(quarter), dt.time(16, 30))
        for account_id in latest["account_id"]:
            name, owner = accounts.loc[account_id - 1, ["name", "owner"]]
            note_id = len(notes) + 1
            body = _note_body(rng, name, quarter)
            notes.append((note_id, int(account_id), quarter, body, 1, owner, stamp))
            revisions.append((note_id, 1, body, owner, stamp))
            for _ in range(int(rng.integers(1, 4))):
                due = quarter_end(quarter) + dt.timedelta(days=int(rng.integers(14, 80)))
                status = "done" if quarter == previous and rng.random() < 0.7 else "open"
                items.append(
                    (int(account_id), quarter, ACTIONS[int(rng.integers(0, len(ACTIONS)))], owner, due.isoformat(), status)
                )
    note_frame = pd.DataFrame(notes, columns=["id", "account_id", "quarter", "body", "version", "updated_by", "updated_at"])
    revision_frame = pd.DataFrame(revisions, columns=["note_id", "version", "body", "edited_by", "edited_at"])
    item_frame = pd.DataFrame(items, columns=["account_id", "quarter", "text", "owner", "due", "status"])
    for frame, column in ((note_frame, "updated_at"), (revision_frame, "edited_at")):
        frame[column] = frame[column].map(lambda v: v.isoformat(sep=" "))
    return note_frame, revision_frame, item_frame


ACTIONS = (
    "Schedule executive sponsor meeting",
    "Send renewal proposal",
    "Map the procurement team",
    "Run a value review workshop",
    "Follow up on open support escalations",
    "Present the roadmap to the CIO",
    "Agree on success metrics for next quarter",
)
HIGHLIGHTS = (
    "Renewal signed for two more years",
    "Expanded into the logistics division",
    "New CIO joined; relationship to rebuild",
    "Budget freeze announced for H2",
    "Pilot of the analytics add-on went well",
    "Competitor pitched a lower price to procurement",
)
RISKS = (
    "Single point of contact in IT",
    "Price pressure at renewal",
    "Support tickets above average",
    "Champion is leaving the company",
    "No executive sponsor on their side",
)


def _note_body(rng: np.random.Generator, name: str, quarter: str) -> str:
    highlight = HIGHLIGHTS[int(rng.integers(0, len(HIGHLIGHTS)))]
    risk = RISKS[int(rng.integers(0, len(RISKS)))]
    return (
        f"## {name}: {quarter} review\n\n"
        f"**Highlights**\n\n- {highlight}\n- Usage steady across regions\n\n"
        f"**Risks**\n\n- {risk}\n\n"
        f"**Next quarter**\n\nFocus on expanding the footprint and securing an executive sponsor.\n"
    )
