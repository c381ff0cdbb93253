"""What the Key accounts page shows of a draft: the set in force, the cards, the lists and the charts.

Plain functions of the account-level frame and the verdicts (lib.keyaccounts); the page lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.core import format as fmt
from lib.core.csv_safe import to_csv
from lib.keyaccounts.charts import pareto_chart
from lib.keyaccounts.criteria import describe_criteria
from lib.keyaccounts.qualification import Qualification, QualificationSummary, qualify, summarize
from lib.keyaccounts.store import StoredCriteriaSet
from lib.keyaccounts.tables import CriteriaDiff, compare, export_frame, near_misses, pareto, qualified_accounts, rule_check
from lib.portfolio.data import Filters
from lib.ui.filters import describe
from lib.ui.tables import account_table
from lib.ui.text import plain
from lib.ui.theme import is_presentation

TABLE_HEIGHT = 390
NAMED_ON_PROJECTOR = 4  # who enters and leaves, named under the cards in projector mode (the tab is below the fold)


def changes_named() -> int:
    """How many of those entering and leaving the cards' caption names: on the projector a few, else none."""
    return NAMED_ON_PROJECTOR if is_presentation() else 0


def active_set_header(active: StoredCriteriaSet | None, today: dt.date) -> None:
    """The approved set in force: who approved it and when, and its review date (a banner when due)."""
    if active is None:
        st.info("No criteria set has been approved yet. The draft starts from the starter criteria.", icon=":material/info:")
        return
    approved = (
        f"approved by **{plain(active.approved_by_name)}** on {active.approved_at:%Y-%m-%d}"
        if active.approved_at
        else "not approved"
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


def summary_cards(now: QualificationSummary, base: QualificationSummary | None) -> None:
    """Four cards: how many qualify and nearly do, and their shares, each against the approved set."""
    large = is_presentation()
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
            fmt.rate(now.revenue_share, 0 if large else 1),
            change(now.revenue_share, base and base.revenue_share, rate=True),
            "revenue",
        ),
        (
            bottom[1],
            "Of whitespace" if large else "Whitespace share",
            fmt.rate(now.whitespace_share, 0 if large else 1),
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


def against_approved(counts: CriteriaDiff, filters: Filters) -> None:
    """Under the cards: how many accounts the draft brings in and takes out of the approved set."""
    st.caption(
        f"Against the approved set: **{counts.entering_count:,}** enter, **{counts.leaving_count:,}** leave, "
        f"{counts.staying_count:,} stay · {describe(filters)}, {filters.quarter}"
    )
    for verb, named, total in (
        ("Enter", counts.entering, counts.entering_count),
        ("Leave", counts.leaving, counts.leaving_count),
    ):
        if total and len(named):
            more = f" and {total - len(named):,} more" if total > len(named) else ""
            st.markdown(f"**{verb}:** " + ", ".join(plain(name) for name in named["name"]) + more)


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


def qualified_list(metrics: pd.DataFrame, result: Qualification, quarter: str) -> None:
    """The key accounts, best score first, and all of them as CSV."""
    table = qualified_accounts(metrics, result)
    _list_header(
        f"{_shown(result.qualified_count, table)} key accounts, best score first; select a row to open Account 360.",
        (
            "Download CSV",
            lambda: to_csv(export_frame(metrics, result, "qualified")),
            f"key_accounts_{quarter}.csv",
            "ka_download_qualified",
        ),
    )
    account_table(table, key="ka_qualified", height=TABLE_HEIGHT)


def near_miss_list(metrics: pd.DataFrame, result: Qualification, quarter: str) -> None:
    """The accounts that nearly qualify, closest first, with what they lack, and all of them as CSV."""
    table = near_misses(metrics, result).drop(columns=["distance"])
    margin = result.criteria.near_miss_margin * 100
    _list_header(
        f"{_shown(result.near_miss_count, table)} accounts within {margin:g} % of qualifying, closest first.",
        (
            "Download CSV",
            lambda: to_csv(export_frame(metrics, result, "near_miss")),
            f"near_misses_{quarter}.csv",
            "ka_download_near",
        ),
    )
    account_table(table, key="ka_near", height=TABLE_HEIGHT)


def enter_leave(metrics: pd.DataFrame, base: Qualification, draft: Qualification, key: str, base_name: str) -> None:
    """Who leaves and who enters when the draft replaces the base set, largest first, and why."""
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


def compare_sets(metrics: pd.DataFrame, sets: list[StoredCriteriaSet], result: Qualification) -> None:
    """The draft beside a saved set of the user's choice: their numbers, their rules, who enters and leaves."""
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
    enter_leave(metrics, other, result, "ka_compare", repr(chosen.name))


def pareto_view(metrics: pd.DataFrame, result: Qualification) -> None:
    """Revenue concentration, with the top 20 % and the key accounts marked."""
    st.plotly_chart(pareto_chart(pareto(metrics, result), is_presentation()), width="stretch", key="ka_pareto")
