"""The draft criteria of the Key accounts page: kept in the session, edited in the rules editor.

ka_draft_rows / ka_draft_cutoff / ka_draft_margin hold the draft between visits; the widgets
ka_rules, ka_cutoff and ka_margin edit it. The editor is fed the same rows for as long as it lives
(its edits are relative to them), and reseeded from the draft when Streamlit dropped it. A saved
set, the starter criteria or pasted JSON start the draft again.
"""

from __future__ import annotations

import streamlit as st

from lib.keyaccounts.criteria import OP_SIGNS, CriteriaSet, InvalidCriteria, criteria_from_table, criteria_table
from lib.keyaccounts.metrics import METRICS
from lib.keyaccounts.starter import APPROVED_CRITERIA
from lib.keyaccounts.store import StoredCriteriaSet, criteria_changes, rule_text
from lib.ui.text import plain

STARTER = CriteriaSet.from_dict(APPROVED_CRITERIA)  # the draft's start when no set was ever approved


def _seed(criteria: CriteriaSet, source: str) -> None:
    rows = criteria_table(criteria)
    st.session_state.update(
        {
            "ka_draft_rows": rows,
            "ka_editor_rows": rows,
            "ka_draft_cutoff": float(criteria.cutoff),
            "ka_draft_margin": round(float(criteria.near_miss_margin) * 100, 6),
            "ka_cutoff": float(criteria.cutoff),
            "ka_margin": round(float(criteria.near_miss_margin) * 100, 6),
            "ka_draft_source": source,
            "ka_last_valid": criteria,
        }
    )
    st.session_state.pop("ka_rules", None)


def load_into_draft(stored: StoredCriteriaSet | None) -> None:
    """Callback: start the draft again from a saved set (or the starter set when there is none)."""
    if stored is not None and stored.criteria is None:
        st.session_state["ka_notice"] = ("error", f"{plain(repr(stored.name))} cannot be loaded: {plain(stored.problem)}")
        return
    _seed(stored.criteria if stored else STARTER, stored.name if stored else "the starter criteria")


def _metric_label(name: str) -> str:
    return METRICS[name].label


RULE_COLUMNS = {
    "metric": st.column_config.SelectboxColumn(
        "Metric", options=list(METRICS), format_func=_metric_label, required=True, width=150
    ),
    "op": st.column_config.SelectboxColumn(" ", options=list(OP_SIGNS), format_func=OP_SIGNS.get, default=">=", width=40),
    "threshold": st.column_config.TextColumn(
        "Threshold",
        help="Money as 1.5 M or 250 k, rates as 5 %, NPS -100..100, fit 1-5, tenure in years, top N % as 20; "
        "stakeholders met and bus factor as counts (2), executive met as 1.",
        width=90,
    ),
    "weight": st.column_config.NumberColumn("Weight", min_value=0.0, step=0.5, default=1.0, format="%g", width=62),
    "must_have": st.column_config.CheckboxColumn("Must", default=False, width=56, help="A must-have rule: fail it, fail."),
}


def criteria_editor(active: StoredCriteriaSet | None) -> tuple[CriteriaSet, InvalidCriteria | None]:
    """The rules editor, cutoff and margin; returns the draft, or the last valid one and what is wrong."""
    if "ka_draft_rows" not in st.session_state:
        load_into_draft(active if active is not None and active.criteria is not None else None)
    if "ka_rules" not in st.session_state:  # the editor was dropped (another page in between): reseed it
        st.session_state["ka_editor_rows"] = st.session_state["ka_draft_rows"]
    for widget, kept in (("ka_cutoff", "ka_draft_cutoff"), ("ka_margin", "ka_draft_margin")):
        if widget not in st.session_state:
            st.session_state[widget] = st.session_state[kept]
    rows = st.data_editor(
        st.session_state["ka_editor_rows"],
        key="ka_rules",
        num_rows="dynamic",
        hide_index=True,
        column_config=RULE_COLUMNS,
        width="stretch",
    )
    cutoff_col, margin_col = st.columns(2)
    cutoff_col.number_input("Cutoff score", min_value=0.0, max_value=100.0, step=5.0, format="%g", key="ka_cutoff")
    margin_col.number_input(
        "Near-miss margin (%)",
        min_value=0.0,
        max_value=99.0,
        step=1.0,
        format="%g",
        key="ka_margin",
        help="How far below a must-have threshold, or below the cutoff, an account still counts as a near miss.",
    )
    metric_definitions()
    st.session_state.update(
        ka_draft_rows=rows, ka_draft_cutoff=st.session_state["ka_cutoff"], ka_draft_margin=st.session_state["ka_margin"]
    )
    margin = st.session_state["ka_margin"]
    try:
        draft = criteria_from_table(rows, st.session_state["ka_cutoff"], None if margin is None else margin / 100.0)
    except InvalidCriteria as invalid:
        return st.session_state["ka_last_valid"], invalid
    st.session_state["ka_last_valid"] = draft
    return draft, None


def metric_definitions() -> None:
    """What each metric a rule can use means, one line each, folded away under the editor."""
    with st.expander("What the metrics mean", icon=":material/help_outline:"):
        st.markdown("\n".join(f"- **{plain(m.label)}**: {plain(m.definition)}" for m in METRICS.values()))


def changes_against_active(active: StoredCriteriaSet, draft: CriteriaSet) -> None:
    """Under the editor: each rule that differs from the approved set, and how, in words."""
    changes = criteria_changes(active.criteria, draft)
    if not changes.any:
        return
    lines = [f"- **{rule.label()}**: {words}" for rule, words in zip(draft.rules, changes.rules) if words]
    lines += [f"- removed: {rule_text(rule)}" for rule in changes.removed]
    lines += [f"- {setting}" for setting in changes.settings]
    with st.container(key="ka_changes"):
        st.markdown(f"Changed from the approved set **{plain(active.name)}**:\n" + "\n".join(lines))


def draft_problem(problem: InvalidCriteria | None) -> None:
    """Under the editor: why the draft is not valid, and that the numbers stay those of the last valid one."""
    if problem:
        st.error(
            "The draft is not valid, so the numbers stay those of the last valid criteria.  \n"
            + "  \n".join(f"• {p}" for p in problem.problems),
            icon=":material/error:",
        )


def reset_to_active(active: StoredCriteriaSet) -> None:
    """A button that starts the draft again from the active set."""
    st.button(
        "Reset the draft to the active set",
        key="ka_reset",
        on_click=load_into_draft,
        args=(active,),
        type="tertiary",
        icon=":material/undo:",
    )


def draft_as_json(draft: CriteriaSet) -> None:
    """The draft as JSON to copy, and a box to paste criteria JSON into the draft."""
    with st.expander("The draft as JSON"):
        st.code(draft.to_json(indent=2), language="json")
        st.text_area("Paste criteria JSON", key="ka_json", height=120, placeholder='{"cutoff": 60, "rules": [...]}')
        st.button("Use this JSON as the draft", key="ka_json_apply", on_click=_apply_json)


def _apply_json() -> None:
    text = st.session_state.get("ka_json", "")
    try:
        criteria = CriteriaSet.from_json(text)
    except InvalidCriteria as invalid:
        st.session_state["ka_notice"] = ("error", f"The JSON was not applied: {invalid}")
        return
    _seed(criteria, "pasted JSON")
    st.session_state["ka_notice"] = ("success", "The draft now holds the pasted criteria.")
