"""Account 360: one account on one screen: profile, revenue and wallet, competitors, KPIs,
key-account status, people and meetings, every quarter's review note, open action items."""

import streamlit as st

from lib.accounts.account360 import account_kpis, wallet_problem
from lib.core import format as fmt
from lib.core.quarters import shift_quarter
from lib.notes.notes import Note
from lib.ui.accounts.account360 import (
    account_figures,
    account_search,
    account_view,
    current_account,
    key_account,
    key_account_badge,
    notes_of,
    open_in_account_360,
    open_items_of,
)
from lib.ui.auth import require_user
from lib.ui.filters import current_filters
from lib.ui.navigation import open_note
from lib.ui.notes.guard import unsaved_banner, unsaved_guard
from lib.ui.notes.items import highlight_overdue
from lib.ui.notes.loaders import current_note as note_of
from lib.ui.notes.show import note_caption, note_styles, show_markdown
from lib.ui.notes.state import can_edit
from lib.ui.portfolio import accounts_page
from lib.ui.tables import account_table
from lib.ui.text import plain
from lib.ui.theme import is_presentation
from lib.wallet.rules import NO_ESTIMATE, STATUS_LABELS

user = require_user()
filters = current_filters()
large = is_presentation()
account_id = current_account()

heading, search = st.columns([3, 2], vertical_alignment="bottom")
with search:
    account_search("a360", open_in_account_360)
view = account_view(account_id, filters.quarter) if account_id is not None else None

if view is None:
    heading.title("Account 360")
    unsaved_banner(key_prefix="a360")
    st.info("Find an account by name above, or open one from the largest accounts below.", icon=":material/search:")
    rows, total = accounts_page(filters, "revenue", limit=10)
    account_table(rows, key="a360_top_accounts")
    unsaved_guard()
    st.stop()

profile = view.profile
st.query_params["account"] = profile.external_id
status = key_account(profile.id, filters)
with heading:
    st.title(plain(profile.name))
    st.caption(
        " · ".join(
            str(part)
            for part in (
                plain(profile.external_id),
                plain(profile.segment),
                plain(profile.industry),
                plain(profile.region),
                f"owner {plain(profile.owner)}" if profile.owner else None,
                f"customer since {profile.customer_since:%Y}" if profile.customer_since else None,
                f":red[churned {profile.churned_on}]" if profile.churned_on else None,
                f"strategic fit {profile.strategic_fit}/5" if profile.strategic_fit else None,
            )
            if part
        )
    )
    key_account_badge(status)
unsaved_banner(key_prefix="a360")

now = account_kpis(view, filters.quarter)
previous = shift_quarter(filters.quarter, -1)
before = account_kpis(view, previous)
problem = wallet_problem(view, filters.quarter)
data_problem = "" if problem == STATUS_LABELS[NO_ESTIMATE] else problem  # a wallet there, that cannot be right
shown = (
    ("revenue", "yoy_growth", "share_of_wallet", "nps")
    if large
    else ("revenue", "yoy_growth", "share_of_wallet", "whitespace", "nps", "csat")
)
for column, key in zip(st.columns(len(shown)), shown):
    kpi = now[key]
    with column.container(border=True, key=f"a360_kpi_{key}", height="stretch"):
        change = fmt.change(kpi.unit, kpi.value, before[key].value)
        st.metric(
            kpi.label,
            fmt.value(kpi.unit, kpi.value),
            change,
            help=kpi.formula,
            delta_description=f"vs {previous}" if change else None,
        )
# The account's growth stays year on year whatever Compare with says: the key-account criteria measure it so.
growth = f"growth YoY against {shift_quarter(filters.quarter, -4)}"
if not large:
    growth += ", whatever Compare with says (the key-account criteria measure growth over a year)"
details = [filters.quarter, f"changes vs {previous}", growth]
if data_problem:
    details.append(f"share of wallet and whitespace left out: {data_problem}, a data problem")
st.caption(" · ".join(details))
money_tab, people_tab, notes_tab, items_tab = st.tabs(
    ["Revenue and wallet", "People", "Review notes", "Action items"], key="a360_tab"
)

with money_tab:
    trend_col, split_col = st.columns([3, 2] if not large else [1, 1])
    trend, split = account_figures(profile.id, filters.quarter, large)
    trend_col.plotly_chart(trend, width="stretch", key="a360_trend")
    if split is None:
        reason = f"{data_problem}, so the estimate is left out of every share" if data_problem else "no wallet estimate"
        split_col.info(f"{filters.quarter}: {reason}.", icon=":material/help:")
    else:
        split_col.plotly_chart(split, width="stretch", key="a360_split")
        top = view.top_competitors
        if not top.empty:
            split_col.caption(
                "Top competitors: "
                + ", ".join(f"{plain(r.name)} {fmt.money(r.spend)} ({fmt.rate(r.share_of_wallet, 0)})" for r in top.itertuples())
            )

with people_tab:
    if view.single_threaded:
        st.warning(
            f"Single-threaded: in the 90 days to {view.as_of}, meetings touched {view.people_touched_90d} of "
            f"{len(view.stakeholders)} stakeholders.",
            icon=":material/person_alert:",
        )
    people_col, meetings_col = st.columns([5, 4])
    people_col.dataframe(
        view.stakeholders,
        hide_index=True,
        width="stretch",
        height=300,
        key="a360_stakeholders",
        column_order=["name", "title", "role", "last_contact", "contacts_90d"],
        placeholder="—",
        column_config={
            "name": st.column_config.TextColumn("Stakeholder"),
            "title": st.column_config.TextColumn("Title", width=110),
            "role": st.column_config.TextColumn("Role", width=110),
            "last_contact": st.column_config.DateColumn("Last contact", width=100),
            "contacts_90d": st.column_config.NumberColumn("90 d", width=50, help="Contacts in the 90 days to the quarter's end"),
        },
    )
    meetings_col.dataframe(
        view.interactions,
        hide_index=True,
        width="stretch",
        height=300,
        key="a360_interactions",
        placeholder="—",
        column_config={
            "date": st.column_config.DateColumn("Date", width=95),
            "stakeholder": st.column_config.TextColumn("With", width=115),
            "our_person": st.column_config.TextColumn("Ours", width=115),
            "channel": st.column_config.TextColumn("Channel", width=75),
        },
    )

with notes_tab:
    notes = notes_of(profile.id)
    current = note_of(profile.id, filters.quarter)
    action = "Edit" if can_edit(user) else "Open"
    if not current.exists and st.button(
        f"{'Write' if can_edit(user) else 'Open'} the {filters.quarter} note", key="a360_write_note", icon=":material/edit_note:"
    ):
        open_note(profile.id, filters.quarter)
    if notes.empty:
        st.caption("No review notes for this account yet.")
    for position, note in enumerate(notes.itertuples(index=False)):
        title = f"{note.quarter} · version {note.version} · {plain(note.saved_by)}"
        with st.expander(title, expanded=position == 0), st.container(key=f"a360_note_{note.quarter}"):
            show_markdown(note.body)
            caption_col, button_col = st.columns([4, 1], vertical_alignment="center")
            caption_col.caption(
                note_caption(
                    Note(profile.id, note.quarter, note.body, note.version, note.updated_by, note.updated_at, note.saved_by)
                )
            )
            if button_col.button(
                f"{action} in Review notes", key=f"a360_open_note_{note.quarter}", icon=":material/edit_note:", width="stretch"
            ):
                open_note(profile.id, note.quarter)

with items_tab:
    items = open_items_of(profile.id)
    if items.empty:
        st.caption("No open action items.")
    else:
        late = int(items["days_overdue"].notna().sum())
        st.caption(f"{len(items)} open, {late} overdue (marked).")
        st.dataframe(
            highlight_overdue(items.drop(columns=["status"])),
            hide_index=True,
            width="stretch",
            key="a360_items",
            column_config={
                "quarter": "Review",
                "text": st.column_config.TextColumn("Action item", width="large"),
                "owner": "Owner",
                "due": st.column_config.DateColumn("Due"),
                "days_overdue": st.column_config.NumberColumn("Days overdue", format="%d"),
            },
        )

note_styles()
unsaved_guard()
