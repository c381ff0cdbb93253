"""Review notes' cached loaders: keyed on the notes data version, so every save shows at once."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lib.core.db import NOTES
from lib.notes import action_items as items_lib
from lib.notes.export import quarter_action_items
from lib.notes.notes import Note, get_note, quarter_notes, revisions
from lib.ui.store import engine, versioned


@versioned(NOTES, max_entries=256)
def _note_for(account_id: int, quarter: str) -> Note:
    return get_note(engine(), account_id, quarter)


def current_note(account_id: int, quarter: str) -> Note:
    """The note of an account and quarter as saved (cached until the next write of any note)."""
    return _note_for(int(account_id), quarter)


@versioned(NOTES, max_entries=128)
def revisions_for(account_id: int, quarter: str) -> pd.DataFrame:
    return revisions(engine(), account_id, quarter)


@versioned(NOTES, max_entries=256)
def items_for(account_id: int, quarter: str) -> pd.DataFrame:
    return items_lib.items_for(engine(), account_id, quarter)


@versioned(NOTES, max_entries=64)
def open_items_for(owner: str | None, overdue_only: bool, today: dt.date) -> tuple[pd.DataFrame, int]:
    return items_lib.open_items(engine(), today, owner, overdue_only)


@versioned(NOTES, max_entries=16)
def owners_for() -> list[str]:
    return items_lib.open_item_owners(engine())


@versioned(NOTES, max_entries=8)
def export_for(quarter: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return quarter_notes(engine(), quarter), quarter_action_items(engine(), quarter)
