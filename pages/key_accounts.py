"""Key accounts: the approved criteria, a live draft, who qualifies, who nearly does, and what changes.

Everything that depends on the criteria runs in one fragment, so an edit reruns only it: no app
frame, no sidebar, no database query (the data versions come from the session).
"""

import streamlit as st

from lib.core import clock
from lib.keyaccounts.qualification import qualify, summarize
from lib.keyaccounts.tables import compare
from lib.portfolio.data import Filters
from lib.ui.auth import require_user
from lib.ui.filters import current_filters
from lib.ui.keyaccounts.editor import changes_against_active, criteria_editor, draft_problem, reset_to_active
from lib.ui.keyaccounts.loaders import active_set, metrics_for, saved_sets
from lib.ui.keyaccounts.results import (
    active_set_header,
    against_approved,
    changes_named,
    compare_sets,
    enter_leave,
    near_miss_list,
    pareto_view,
    qualified_list,
    summary_cards,
)
from lib.ui.keyaccounts.saving import saved_sets_tab
from lib.ui.views import shared_tabs

TABS = ("Qualified", "Near misses", "Enter / leave", "Compare sets", "Pareto", "Saved sets")

require_user()
filters = current_filters()

st.title("Key accounts")


@st.fragment
def live_criteria(filters: Filters) -> None:
    """The set in force, the draft's editor beside its numbers, then the lists in tabs."""
    sets = saved_sets()
    active = active_set(sets)
    approved = active.criteria if active is not None else None  # None too when its stored JSON is invalid
    metrics = metrics_for(filters)
    active_set_header(active, clock.today())

    edit, numbers = st.columns([11, 9], gap="medium")
    with edit:
        draft, problem = criteria_editor(active)
        if approved is not None:
            changes_against_active(active, draft)
        draft_problem(problem)
    result = qualify(metrics, draft)
    base = qualify(metrics, approved) if approved is not None else None
    with numbers:
        summary_cards(summarize(metrics, result), summarize(metrics, base) if base is not None else None)
        if base is not None:
            against_approved(compare(metrics, base, result, limit=changes_named()), filters)
            if draft != approved or problem:
                reset_to_active(active)

    qualified_tab, near_tab, diff_tab, compare_tab, pareto_tab, sets_tab = shared_tabs(TABS, key="ka_tab", on_change="rerun")
    if qualified_tab.open:
        with qualified_tab:
            qualified_list(metrics, result, filters.quarter)
    if near_tab.open:
        with near_tab:
            near_miss_list(metrics, result, filters.quarter)
    if diff_tab.open:
        with diff_tab:
            if base is None:
                st.info("There is no approved set to compare with.")
            else:
                enter_leave(metrics, base, result, "ka_diff", "the approved set")
    if compare_tab.open:
        with compare_tab:
            compare_sets(metrics, sets, result)
    if pareto_tab.open:
        with pareto_tab:
            pareto_view(metrics, result)
    if sets_tab.open:
        with sets_tab:
            saved_sets_tab(sets, active, draft, problem, filters.quarter)


live_criteria(filters)
