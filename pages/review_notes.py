"""Review notes: the quarter's note of an account (read, or edit with a live preview beside last
quarter's), its action items, the note's history, open items across the portfolio, exports."""

import streamlit as st

from lib.core import clock as clock
from lib.core.quarters import shift_quarter
from lib.ui.accounts.account360 import account_search, account_view
from lib.ui.auth import require_user
from lib.ui.notes.choose import choose_quarter, current_account, note_quarters, pick_account
from lib.ui.notes.editor import handle_save_request, note_editor
from lib.ui.notes.export import export_panel
from lib.ui.notes.guard import unsaved_banner, unsaved_guard
from lib.ui.notes.history import history_panel
from lib.ui.notes.items import items_editor, items_table, open_items_panel
from lib.ui.notes.show import note_preview, note_reader, note_styles, previous_note, review_caption, show_flash
from lib.ui.notes.state import can_edit, draft_key
from lib.ui.portfolio import portfolio
from lib.ui.theme import is_presentation
from lib.ui.views import shared_tabs

user = require_user()
handle_save_request(user)  # before anything is drawn: a refused save (wrong role, conflict) shows at once
large = is_presentation()

title_col, search_col, quarter_col = st.columns([2, 3, 1], vertical_alignment="bottom")
with search_col:
    account_search("notes", pick_account)
with quarter_col:
    quarter = choose_quarter(note_quarters(portfolio().quarters, clock.today()), clock.today())
account_id = current_account()
view = account_view(account_id, quarter) if account_id is not None else None
title_col.title("Review notes")
if view is not None:
    st.query_params.update({"account": view.profile.external_id, "quarter": quarter})
    st.caption(review_caption(view.profile, quarter))
unsaved_banner(exclude=draft_key(account_id, quarter) if account_id is not None else None)
show_flash()
note_styles()

if view is None:
    st.info("Find an account above to read or write its review note.", icon=":material/search:")
    open_tab, export_tab = shared_tabs(["Open action items", "Export"], key="notes_tab_portfolio")
    with open_tab:
        open_items_panel()
    with export_tab:
        export_panel(quarter)
    unsaved_guard()
    st.stop()

previous = shift_quarter(quarter, -1)
note_tab, items_tab, history_tab, open_tab, export_tab = shared_tabs(
    ["Note", "Action items", "History", "Open items, all accounts", "Export"], key="notes_tab"
)
with note_tab:
    left, right = st.columns(2)
    if can_edit(user):
        with left:
            text = note_editor(account_id, view.profile.name, quarter, height=300 if large else 330)
        preview_tab, previous_tab = right.tabs(["Preview", f"{previous} note"], key="notes_side_tab")
        with preview_tab:
            note_preview(text, large)
    else:
        with left:
            note_reader(account_id, quarter)
        previous_tab = right.container()
    with previous_tab:
        previous_note(account_id, previous, beside_editor=can_edit(user))

with items_tab:
    if can_edit(user):
        items_editor(user, account_id, quarter)
    else:
        items_table(account_id, quarter)

with history_tab:
    history_panel(user, account_id, quarter)

with open_tab:
    open_items_panel()

with export_tab:
    export_panel(quarter)

unsaved_guard()
