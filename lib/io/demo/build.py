"""The recipe of the demo portfolio: every table drawn from one seed, as frames named and typed like the tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import clock as clock
from lib.core.quarters import last_completed_quarter, quarter_range, shift_quarter
from lib.io.demo.facts import (
    draw_accounts,
    draw_competitor_spend,
    draw_revenue,
    draw_stakeholders,
    draw_surveys,
    skip_former_interaction_draws,
)
from lib.io.demo.notes import draw_review_notes
from lib.io.demo.relationships import draw_relationships, relationship_generator


@dataclass(frozen=True)
class DemoSpec:
    accounts: int = 400
    quarters: int = 12
    seed: int = 7
    end: str | None = None  # last quarter; default: the last completed quarter

    def last_quarter(self, today: dt.date) -> str:
        return self.end or last_completed_quarter(today)


def build_demo_frames(spec: DemoSpec, today: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the demo portfolio as frames named and typed like the tables."""
    if spec.accounts < 1 or spec.quarters < 2:
        raise ValueError("a demo needs at least 1 account and 2 quarters")
    rng = np.random.default_rng(spec.seed)
    quarters = quarter_range(
        shift_quarter(spec.last_quarter(today or clock.today()), 1 - spec.quarters), spec.last_quarter(today or clock.today())
    )
    accounts, traits = draw_accounts(rng, spec.accounts, quarters)
    revenue, active = draw_revenue(rng, traits, quarters)
    competitor_spend = draw_competitor_spend(rng, revenue, spec.accounts)
    surveys = draw_surveys(rng, traits, active, quarters)
    roster = draw_stakeholders(rng, accounts, traits)
    skip_former_interaction_draws(rng, traits, active)
    stakeholders, interactions = draw_relationships(
        relationship_generator(spec.seed), accounts, traits, revenue, roster, active, quarters
    )
    notes, revisions, action_items = draw_review_notes(rng, accounts, revenue, quarters)
    return {
        "accounts": accounts,
        "revenue": revenue,
        "competitor_spend": competitor_spend,
        "surveys": surveys,
        "stakeholders": stakeholders,
        "interactions": interactions,
        "review_notes": notes,
        "review_note_revisions": revisions,
        "action_items": action_items,
    }
