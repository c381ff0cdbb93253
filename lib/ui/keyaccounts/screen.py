"""The Key accounts page's Streamlit parts: cached loaders, the draft in the session, the live fragment.

The account-level frame is cached per quarter, filters and FACTS version; the saved sets per
CRITERIA version. Everything that depends on the criteria runs inside one `st.fragment`, so an edit
reruns only that part: no app frame, no sidebar, no database query (versions come from the session).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core import clock as clock
from lib.core import format as fmt
from lib.core.auth import PermissionDenied
from lib.core.csv_safe import to_csv
from lib.core.db import CRITERIA, FACTS
from lib.core.roles import can_approve, can_edit
from lib.keyaccounts.charts import pareto_chart
from lib.keyaccounts.qualification import (
    METRICS,
    OP_SIGNS,
    CriteriaSet,
    InvalidCriteria,
    Qualification,
    QualificationSummary,
    account_metrics,
    compare,
    criteria_from_table,
    criteria_table,
    describe_criteria,
    export_frame,
    near_misses,
    pareto,
    qualified_accounts,
    qualify,
    rule_check,
    summarize,
)
from lib.keyaccounts.starter import APPROVED_CRITERIA
from lib.keyaccounts.store import (
    MAX_NAME,
    MAX_NOTE,
    HistoryEntry,
    StoredCriteriaSet,
    approve_criteria_set,
    approve_new_set,
    criteria_changes,
    criteria_set_history,
    list_criteria_sets,
    one_quarter_later,
    rule_text,
    save_criteria_set,
    saved_as,
)
from lib.portfolio.data import Filters
from lib.ui.auth import current_user
from lib.ui.errors import database_failed
from lib.ui.filters import describe
from lib.ui.portfolio import portfolio
from lib.ui.store import database_key, engine, refresh_versions, versioned, versions
from lib.ui.tables import account_table
from lib.ui.text import plain
from lib.ui.theme import is_presentation

STARTER = CriteriaSet.from_dict(APPROVED_CRITERIA)  # the draft's start when no set was ever approved
TABS = ("Qualified", "Near misses", "Enter / leave", "Compare sets", "Pareto", "Saved sets")
TABLE_HEIGHT = 390
DRAFT_ON_SCREEN = 0  # the approve box's first choice; no saved set has the id 0
_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~|])")


def _md(text: str) -> str:
    """Text people typed (a set's name, a reason), shown literally inside st.markdown."""
    return _MARKDOWN.sub(r"\\\1", text)


# ---------------------------------------------------------------- cached loaders


@versioned(FACTS, max_entries=8, show_spinner="Reading the accounts…")
def _metrics_for(filters: Filters) -> pd.DataFrame:
    return account_metrics(portfolio(), filters)


def metrics_for(filters: Filters) -> pd.DataFrame:
    """The account-level frame of the quarter and filters (the base quarter plays no part in it)."""
    key = Filters(filters.quarter, 4, filters.segments, filters.regions, filters.owners)
    memo = st.session_state.get("_ka_metrics")
    stamp = (database_key(), versions()[FACTS], key)
    if memo is not None and memo[0] == stamp:  # a fragment rerun: skip even the cache's copy
        return memo[1]
    frame = _metrics_for(key)
    st.session_state["_ka_metrics"] = (stamp, frame)
    return frame


@versioned(CRITERIA, max_entries=8)
def _sets_for() -> list[StoredCriteriaSet]:
    return list_criteria_sets(engine())


def saved_sets() -> list[StoredCriteriaSet]:
    """Every saved set, the active one first (per CRITERIA version: a save or approval anywhere shows)."""
    return _sets_for()


@versioned(CRITERIA, max_entries=32)
def _history_for(set_id: int) -> list[HistoryEntry]:
    return criteria_set_history(engine(), set_id)


def set_history(set_id: int) -> list[HistoryEntry]:
    """A set's history from the audit log (per CRITERIA version, like the sets)."""
    return _history_for(set_id)


def active_set(sets: list[StoredCriteriaSet]) -> StoredCriteriaSet | None:
    return next((s for s in sets if s.active), None)


# ---------------------------------------------------------------- the draft, kept for the session

# ka_draft_rows / ka_draft_cutoff / ka_draft_margin hold the draft between visits; the widgets
# ka_rules, ka_cutoff and ka_margin edit it. The editor is fed the same rows for as long as it lives
# (its edits are relative to them), and reseeded from the draft when Streamlit dropped it.


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
        help="Money as 1.5 M or 250 k, rates as 5 %, NPS -100..100, fit 1-5, tenure in years, top N % as 20.",
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


# ---------------------------------------------------------------- the live part of the page


def active_set_header(active: StoredCriteriaSet | None, today: dt.date) -> None:
    """The approved set in force: who approved it and when, and its review date (a banner when due)."""
    if active is None:
        st.info("No criteria set has been approved yet. The draft starts from the starter criteria.", icon=":material/info:")
        return
    approved = (
        f"approved by **{plain(active.approved_by)}** on {active.approved_at:%Y-%m-%d}" if active.approved_at else "not approved"
    )
    due = f" · review due {active.review_due:%Y-%m-%d}" if active.review_due else ""
    text, rules = st.columns([5, 1], vertical_alignment="center")
    text.caption(f"Active criteria: **{plain(active.name)}**, {approved}{due}")
    if active.criteria is not None:
        with rules.popover("Its rules", icon=":material/rule:", type="tertiary"):
            st.markdown(f"**{plain(active.name)}**")
            st.markdown("\n".join(f"- {line}" for line in describe_criteria(active.criteria).split(" · ")))
    if active.problem:
        st.error(
            f"The active set {plain(repr(active.name))} is invalid and cannot be applied: {plain(active.problem)}",
            icon=":material/error:",
        )
    elif active.review_overdue(today):
        st.warning(
            f"The active criteria were due for review on {active.review_due:%Y-%m-%d}. "
            "Revisit them, then an admin approves them again (Saved sets).",
            icon=":material/event_busy:",
        )


def changes_against_active(active: StoredCriteriaSet, draft: CriteriaSet) -> None:
    """Under the editor: each rule that differs from the approved set, and how, in words."""
    changes = criteria_changes(active.criteria, draft)
    if not changes.any:
        return
    lines = [f"- **{rule.label()}**: {words}" for rule, words in zip(draft.rules, changes.rules) if words]
    lines += [f"- removed: {rule_text(rule)}" for rule in changes.removed]
    lines += [f"- {setting}" for setting in changes.settings]
    with st.container(key="ka_changes"):
        st.markdown(f"Changed from the approved set **{_md(active.name)}**:\n" + "\n".join(lines))


def _summary_cards(now: QualificationSummary, base: QualificationSummary | None, large: bool) -> None:
    """Four cards: how many qualify and nearly do, and their shares, each against the approved set."""
    against = "" if large else " vs approved"  # the caption below says it on a projector, where space is short

    def change(a: float | None, b: float | None, rate: bool = False) -> str | None:
        if a is None or b is None:
            return None
        difference = (a - b) * 100 if rate else a - b
        if abs(difference) < (0.05 if rate else 0.5):
            return "same" if large else "same as approved"
        return f"{difference:+.1f} pts{against}" if rate else f"{difference:+,.0f}{against}"

    top, bottom = st.columns(2), st.columns(2)
    cards = (
        (top[0], "Key accounts", fmt.count(now.qualified), change(now.qualified, base and base.qualified), "count"),
        (top[1], "Near misses", fmt.count(now.near_misses), change(now.near_misses, base and base.near_misses), "near"),
        (
            bottom[0],
            "Of revenue" if large else "Revenue share",
            fmt.rate(now.revenue_share),
            change(now.revenue_share, base and base.revenue_share, rate=True),
            "revenue",
        ),
        (
            bottom[1],
            "Of whitespace" if large else "Whitespace share",
            fmt.rate(now.whitespace_share),
            change(now.whitespace_share, base and base.whitespace_share, rate=True),
            "whitespace",
        ),
    )
    for column, label, value, delta, key in cards:
        with column, st.container(border=True, key=f"ka_card_{key}"):
            # Neutral: a stricter set is not worse, only different; the arrow shows the direction.
            st.metric(
                label, value, delta, delta_color="off", delta_arrow="off" if delta in ("same", "same as approved") else "auto"
            )


def _download(label: str, make: Callable[[], bytes], name: str, key: str) -> None:
    st.download_button(label, make, file_name=name, mime="text/csv", icon=":material/download:", key=key, width="stretch")


def _list_header(caption: str, download: tuple[str, Callable[[], bytes], str, str] | None) -> None:
    text, button = st.columns([3, 1], vertical_alignment="bottom")
    text.caption(caption)
    if download:
        with button:
            _download(*download)


def _shown(total: int, table: pd.DataFrame) -> str:
    return f"{total:,}" if len(table) >= total else f"The first {len(table):,} of {total:,}"


@st.fragment
def live_criteria(filters: Filters) -> None:
    """Editor, live numbers and lists; an edit reruns only this."""
    sets = saved_sets()
    active = active_set(sets)
    metrics = metrics_for(filters)
    large = is_presentation()
    active_set_header(active, clock.today())

    edit, numbers = st.columns([11, 9], gap="medium")
    with edit:
        draft, problem = criteria_editor(active)
        if active is not None and active.criteria is not None:
            changes_against_active(active, draft)
        if problem:
            st.error(
                "The draft is not valid, so the numbers stay those of the last valid criteria.  \n"
                + "  \n".join(f"• {p}" for p in problem.problems),
                icon=":material/error:",
            )
    result = qualify(metrics, draft)
    base = qualify(metrics, active.criteria) if active is not None and active.criteria is not None else None
    counts = compare(metrics, base, result, limit=0) if base is not None else None
    with numbers:
        _summary_cards(summarize(metrics, result), summarize(metrics, base) if base is not None else None, large)
        if counts is not None:
            st.caption(
                f"Against the approved set: **{counts.entering_count:,}** enter, **{counts.leaving_count:,}** leave, "
                f"{counts.staying_count:,} stay · {describe(filters)}, {filters.quarter}"
            )
        if active is not None and active.criteria is not None and (draft != active.criteria or problem):
            st.button(
                "Reset the draft to the active set",
                key="ka_reset",
                on_click=load_into_draft,
                args=(active,),
                type="tertiary",
                icon=":material/undo:",
            )

    tabs = st.tabs(TABS, key="ka_tab", on_change="rerun")
    qualified_tab, near_tab, diff_tab, compare_tab, pareto_tab, sets_tab = tabs
    if qualified_tab.open:
        with qualified_tab:
            _qualified_list(metrics, result, filters)
    if near_tab.open:
        with near_tab:
            _near_miss_list(metrics, result, filters)
    if diff_tab.open:
        with diff_tab:
            if base is None:
                st.info("There is no approved set to compare with.")
            else:
                _enter_leave(metrics, base, result, "ka_diff", "the approved set")
    if compare_tab.open:
        with compare_tab:
            _compare_sets(metrics, sets, draft, result)
    if pareto_tab.open:
        with pareto_tab:
            frame = pareto(metrics, result)
            st.plotly_chart(pareto_chart(frame, large), width="stretch", key="ka_pareto")
    if sets_tab.open:
        with sets_tab:
            _saved_sets(sets, active, draft, problem, filters.quarter)


def _qualified_list(metrics: pd.DataFrame, result: Qualification, filters: Filters) -> None:
    table = qualified_accounts(metrics, result)
    _list_header(
        f"{_shown(result.qualified_count, table)} key accounts, best score first; select a row to open Account 360.",
        (
            "Download CSV",
            lambda: to_csv(export_frame(metrics, result, "qualified")),
            f"key_accounts_{filters.quarter}.csv",
            "ka_download_qualified",
        ),
    )
    account_table(table, key="ka_qualified", height=TABLE_HEIGHT)


def _near_miss_list(metrics: pd.DataFrame, result: Qualification, filters: Filters) -> None:
    table = near_misses(metrics, result).drop(columns=["distance"])
    margin = result.criteria.near_miss_margin * 100
    _list_header(
        f"{_shown(result.near_miss_count, table)} accounts within {margin:g} % of qualifying, closest first.",
        (
            "Download CSV",
            lambda: to_csv(export_frame(metrics, result, "near_miss")),
            f"near_misses_{filters.quarter}.csv",
            "ka_download_near",
        ),
    )
    account_table(table, key="ka_near", height=TABLE_HEIGHT)


def _enter_leave(metrics: pd.DataFrame, base: Qualification, draft: Qualification, key: str, base_name: str) -> None:
    diff = compare(metrics, base, draft)
    if diff.entering_count == 0 and diff.leaving_count == 0:
        st.success(f"The draft qualifies exactly the same {diff.staying_count:,} accounts as {plain(base_name)}.")
        return
    for title, table, total, suffix in (
        ("Leave", diff.leaving, diff.leaving_count, "leave"),
        ("Enter", diff.entering, diff.entering_count, "enter"),
    ):
        if total:
            st.markdown(f"**{title}: {total:,}** " + ("(largest first)" if total > 1 else ""))
            account_table(table, key=f"{key}_{suffix}", height=min(TABLE_HEIGHT, 38 + 35 * len(table)))


def _compare_sets(metrics: pd.DataFrame, sets: list[StoredCriteriaSet], draft: CriteriaSet, result: Qualification) -> None:
    usable = [s for s in sets if s.criteria is not None]
    if not usable:
        st.info("No saved set to compare with yet.")
        return
    chosen = st.selectbox(
        "Compare the draft with",
        usable,
        format_func=lambda s: f"{s.name} ({s.status})",
        key="ka_compare_with",
    )
    other = qualify(metrics, chosen.criteria)
    left, right = st.columns(2)
    for column, title, outcome in ((left, chosen.name, other), (right, "Draft", result)):
        with column:
            summary = summarize(metrics, outcome)
            st.markdown(f"**{plain(title)}**")
            st.caption(
                f"{fmt.count(summary.qualified)} key accounts · {fmt.rate(summary.revenue_share)} of revenue · "
                f"{fmt.count(summary.near_misses)} near misses · cutoff {outcome.criteria.cutoff:g}"
            )
            st.dataframe(
                rule_check(outcome),
                hide_index=True,
                width="stretch",
                column_config={
                    "rule": st.column_config.TextColumn("Rule"),
                    "weight": st.column_config.NumberColumn("Weight", format="%g"),
                    "must_have": st.column_config.CheckboxColumn("Must"),
                    "accounts_passing": st.column_config.NumberColumn("Passing", format="localized"),
                },
                key=f"ka_compare_rules_{'draft' if title == 'Draft' else 'saved'}",
            )
    _enter_leave(metrics, other, result, "ka_compare", repr(chosen.name))


def _save(draft: CriteriaSet) -> None:
    """Callback of Save: the role is checked again by lib.keyaccounts.store, whatever the page showed."""
    name = st.session_state.get("ka_save_name", "")
    try:
        save_criteria_set(engine(), current_user(), name, draft)
    except (PermissionDenied, ValueError) as refused:
        st.session_state["ka_notice"] = ("error", f"Not saved: {refused}")
        return
    except SQLAlchemyError as failed:
        st.session_state["ka_notice"] = ("error", f"Not saved. {database_failed(failed)}")
        return
    refresh_versions()
    saved = " ".join(name.split())
    st.session_state["ka_save_name"] = ""
    st.session_state["ka_draft_source"] = saved  # the draft on screen is this set now
    st.session_state["ka_notice"] = ("success", f"Saved the draft as {plain(repr(saved))}.")


def _open_approval() -> None:
    st.session_state["ka_approving"] = True


def _close_approval() -> None:
    for key in ("ka_approving", "ka_approve_reason", "ka_approve_name", "ka_approve_set"):
        st.session_state.pop(key, None)


def _approve(set_id: int | None, criteria: CriteriaSet) -> None:
    """Callback of Confirm approval: what the confirmation showed (a saved set, or the unsaved draft as a new one)."""
    note = st.session_state.get("ka_approve_reason", "")
    try:
        if set_id is None:
            approved = approve_new_set(engine(), current_user(), st.session_state.get("ka_approve_name", ""), criteria, note)
        else:
            approved = approve_criteria_set(engine(), current_user(), set_id, note)
    except PermissionDenied as refused:  # no longer an admin: the confirmation closes, the tab says why
        _close_approval()
        st.session_state["ka_notice"] = ("error", f"Not approved: {refused}")
        return
    except (ValueError, LookupError) as refused:  # e.g. no name, or a name taken: the confirmation stays, saying why
        st.session_state["ka_approve_problem"] = f"Not approved: {plain(str(refused))}"
        return
    except SQLAlchemyError as failed:
        _close_approval()
        st.session_state["ka_notice"] = ("error", f"Not approved. {database_failed(failed)}")
        return
    refresh_versions()
    _close_approval()
    if approved.criteria == criteria and st.session_state.get("ka_last_valid") == criteria:
        st.session_state["ka_draft_source"] = approved.name
    st.session_state["ka_notice"] = (
        "success",
        f"{plain(repr(approved.name))} is now the active criteria set for everyone; review due {approved.review_due:%Y-%m-%d}."
        + (f" Reason: {plain(approved.approval_note)}" if approved.approval_note else ""),
    )


def _when(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) else f"{value:%Y-%m-%d}"


def name_width(names: list[str]) -> int:
    """Pixels for a column of set names, so that the longest shows in full (up to the longest name allowed)."""
    return 24 + 8 * max((len(name) for name in names), default=8)


def _set_listing(sets: list[StoredCriteriaSet]) -> None:
    listing = pd.DataFrame(
        {
            "name": [s.name for s in sets],
            "status": [s.status if s.criteria else f"invalid: {s.problem}" for s in sets],
            "created_by": [s.created_by for s in sets],
            "created_at": [_when(s.created_at) for s in sets],
            "approved_by": [s.approved_by or "" for s in sets],
            "approved_at": [_when(s.approved_at) for s in sets],
            "review_due": [_when(s.review_due) for s in sets],
            "approval_note": [s.approval_note or "" for s in sets],
        }
    )
    labels = {"approval_note": "Reason for the approval"}
    config = {c: st.column_config.Column(labels.get(c, c.replace("_", " ").capitalize())) for c in listing.columns}
    config["name"] = st.column_config.TextColumn("Name", width=name_width(listing["name"].tolist()))
    st.dataframe(listing, hide_index=True, width="stretch", key="ka_sets", column_config=config)


def _history(chosen: StoredCriteriaSet) -> None:
    entries = set_history(chosen.id)
    with st.expander(f"History of {chosen.name}", icon=":material/history:"):
        if not entries:
            st.caption("Nothing recorded for this set (it came with the demo data or from before the audit log).")
            return
        st.markdown(
            "\n".join(
                f"- {_when(e.at)} · **{_md(e.user)}** · {_md(e.what)}" + (f" — reason: {_md(e.reason)}" if e.reason else "")
                for e in entries
            )
        )


def _saved_sets(
    sets: list[StoredCriteriaSet],
    active: StoredCriteriaSet | None,
    draft: CriteriaSet,
    problem: InvalidCriteria | None,
    quarter: str,
) -> None:
    notice = st.session_state.pop("ka_notice", None)  # what the last save, approval or load said
    if notice:
        (st.success if notice[0] == "success" else st.error)(notice[1])
    user = current_user()
    role = user.role if user else "viewer"
    _set_listing(sets)
    load, save = st.columns(2, gap="medium")
    with load:
        chosen = st.selectbox("Saved set", sets, format_func=lambda s: f"{s.name} ({s.status})", key="ka_load_set")
        st.button(
            "Load into the draft",
            key="ka_load",
            on_click=load_into_draft,
            args=(chosen,),
            icon=":material/restore:",
            disabled=chosen is None,
        )
    with save:
        if can_edit(role):
            st.text_input("Name for the draft", key="ka_save_name", placeholder="e.g. 2 M revenue bar, Q1 review")
            st.button(
                "Save the draft",
                key="ka_save",
                on_click=_save,
                args=(draft,),
                icon=":material/save:",
                disabled=problem is not None,
                help="Fix the draft first." if problem else None,
            )
        else:
            st.caption("You can try any criteria here; saving a set needs an editor, approving it an admin.")
        st.caption(f"The draft started from {plain(st.session_state.get('ka_draft_source', 'the active set'))}.")
    if chosen is not None:
        _history(chosen)
    if can_approve(role):
        _approval(sets, active, draft, problem, quarter)
    with st.expander("The draft as JSON"):
        st.code(draft.to_json(indent=2), language="json")
        st.text_area("Paste criteria JSON", key="ka_json", height=120, placeholder='{"cutoff": 60, "rules": [...]}')
        st.button("Use this JSON as the draft", key="ka_json_apply", on_click=_apply_json)


def _approval(
    sets: list[StoredCriteriaSet],
    active: StoredCriteriaSet | None,
    draft: CriteriaSet,
    problem: InvalidCriteria | None,
    quarter: str,
) -> None:
    """Admins: approve the draft on screen (or another saved set) after a confirmation that says what changes."""
    usable = {s.id: s for s in sets if s.criteria is not None}
    on_screen = saved_as(list(usable.values()), draft, st.session_state.get("ka_draft_source"))

    def label(choice: int) -> str:
        # A fixed label for the draft: the browser keeps showing an option's old text while its value stays the same.
        return "The draft on screen" if choice == DRAFT_ON_SCREEN else f"{usable[choice].name} ({usable[choice].status})"

    choice = st.selectbox(
        "Approve (it becomes the active set for everyone; review due in one quarter)",
        [DRAFT_ON_SCREEN, *usable],
        format_func=label,
        key="ka_approve_set",
    )
    if choice == DRAFT_ON_SCREEN:
        target, criteria, invalid = on_screen, draft, problem
        if problem is not None:
            st.caption("The draft on screen is not valid: fix it first.")
        elif on_screen is None:
            st.caption("The draft on screen is not saved yet: approving saves it as a new set.")
        else:
            st.caption(f"The draft on screen is saved as **{_md(on_screen.name)}** ({on_screen.status}).")
    else:
        target, criteria, invalid = usable[choice], usable[choice].criteria, None
    if not st.session_state.get("ka_approving"):
        st.button(
            "Approve…",
            key="ka_approve",
            on_click=_open_approval,
            type="primary",
            icon=":material/verified:",
            disabled=invalid is not None,
            help="Fix the draft first." if invalid else "Shows what changes, then asks you to confirm.",
        )
        return
    with st.container(border=True, key="ka_approve_box"):
        _confirmation(target, criteria, invalid, active, quarter)


def _confirmation(
    target: StoredCriteriaSet | None,
    criteria: CriteriaSet,
    invalid: InvalidCriteria | None,
    active: StoredCriteriaSet | None,
    quarter: str,
) -> None:
    """How many accounts enter and leave, which rules change, a reason; then Confirm approval or Cancel."""
    st.markdown(f"**Approve {_md(repr(target.name)) if target else 'the draft on screen as a new set'} for everyone?**")
    problem = st.session_state.pop("ka_approve_problem", None)
    if problem:
        st.error(problem, icon=":material/error:")
    if invalid is not None:
        st.error("The draft is not valid, so it cannot be approved: fix it first.", icon=":material/error:")
        st.button("Cancel", key="ka_approve_cancel", on_click=_close_approval)
        return
    metrics = metrics_for(Filters(quarter))  # the whole portfolio: an approved set applies to every account
    result = qualify(metrics, criteria)
    if active is not None and active.criteria is not None:
        diff = compare(metrics, qualify(metrics, active.criteria), result, limit=0)
        st.markdown(
            f"In {quarter}, across all {len(metrics):,} accounts: **{diff.entering_count:,}** accounts enter and "
            f"**{diff.leaving_count:,}** leave the key accounts ({result.qualified_count:,} in all)."
        )
        changes = criteria_changes(active.criteria, criteria)
        if changes.any:
            st.markdown(f"Rules changed against **{_md(active.name)}**:\n" + "\n".join(f"- {line}" for line in changes.summary))
        else:
            st.markdown(f"No rule changes against **{_md(active.name)}**: approving it again starts a new review period.")
    else:
        st.markdown(
            f"No set is active yet. In {quarter}, **{result.qualified_count:,}** of the {len(metrics):,} accounts qualify."
        )
    st.caption(f"The review will be due on {one_quarter_later(clock.today()):%Y-%m-%d}.")
    if target is None:
        st.text_input("Name for the new set", key="ka_approve_name", max_chars=MAX_NAME, placeholder="e.g. NPS 40 bar, Q4 review")
    st.text_input(
        "Reason (optional; kept in the audit log and in the set's history)",
        key="ka_approve_reason",
        max_chars=MAX_NOTE,
        placeholder="e.g. agreed in the Q4 QBR",
    )
    confirm, cancel = st.columns(2)
    confirm.button(
        "Confirm approval",
        key="ka_approve_confirm",
        on_click=_approve,
        args=(target.id if target else None, criteria),
        type="primary",
        icon=":material/verified:",
        width="stretch",
    )
    cancel.button("Cancel", key="ka_approve_cancel", on_click=_close_approval, width="stretch")


def _apply_json() -> None:
    text = st.session_state.get("ka_json", "")
    try:
        criteria = CriteriaSet.from_json(text)
    except InvalidCriteria as invalid:
        st.session_state["ka_notice"] = ("error", f"The JSON was not applied: {invalid}")
        return
    _seed(criteria, "pasted JSON")
    st.session_state["ka_notice"] = ("success", "The draft now holds the pasted criteria.")
