"""The starter criteria: the set the Key accounts page drafts from when none was ever approved, and a draft that raises its revenue bar.

The demo portfolio loads both as its criteria sets (the first approved, the second a draft).
"""

from __future__ import annotations

APPROVED_CRITERIA = {
    "cutoff": 60,
    "near_miss_margin": 0.10,
    "rules": [
        {"metric": "annual_revenue", "op": ">=", "threshold": 1_000_000, "weight": 3, "must_have": True},
        {"metric": "yoy_growth", "op": ">=", "threshold": 0.05, "weight": 1, "must_have": False},
        {"metric": "whitespace", "op": ">=", "threshold": 250_000, "weight": 2, "must_have": False},
        {"metric": "nps", "op": ">=", "threshold": 30, "weight": 1, "must_have": False},
        {"metric": "strategic_fit", "op": ">=", "threshold": 3, "weight": 2, "must_have": False},
        {"metric": "stakeholder_coverage", "op": ">=", "threshold": 3, "weight": 1, "must_have": False},
    ],
}
DRAFT_CRITERIA = {
    **APPROVED_CRITERIA,
    "rules": [
        {**APPROVED_CRITERIA["rules"][0], "threshold": 2_000_000},
        *APPROVED_CRITERIA["rules"][1:],
        {"metric": "revenue_rank_pct", "op": "<=", "threshold": 20, "weight": 1, "must_have": False},
    ],
}
