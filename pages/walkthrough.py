"""Review walkthrough: pick a list of accounts, then step through them one per screen (← and → keys):
cards, trend, key-account status, relationship health, open action items and this quarter's note,
which an editor edits in place; the review deck of the list from a button."""

import streamlit as st

from lib.ui.auth import require_user
from lib.ui.filters import current_filters
from lib.ui.notes.editor import handle_save_request
from lib.ui.notes.guard import unsaved_banner
from lib.ui.notes.show import note_styles, show_flash
from lib.ui.notes.state import draft_key
from lib.ui.review.choose import current_position, list_choice, stepper
from lib.ui.review.deck import deck_button
from lib.ui.review.loaders import read_ahead, screen_of, trend_of, walk_list_of
from lib.ui.review.screen import account_cards, account_heading, note_panel, open_items_list, relationship_panel
from lib.ui.text import plain
from lib.ui.theme import is_presentation

user = require_user()
handle_save_request(user)  # before anything is drawn: a refused save (wrong role, conflict) shows at once
filters = current_filters()
large = is_presentation()

title_col, choice_col, deck_col = st.columns([3, 1.6, 1.3], vertical_alignment="bottom")
title_col.title("Review walkthrough")
with choice_col:
    choice = list_choice()
walk = walk_list_of(filters, choice)
with deck_col:
    deck_button(walk, filters)
if walk.message:
    st.info(plain(walk.message), icon=":material/info:")
if not walk.ids:
    st.stop()

position = current_position(walk, filters)
account_id = walk.ids[position - 1]
stepper(walk, position)
screen = screen_of(account_id, filters)
if screen is None:
    st.warning("This account was deleted meanwhile: step on to the next one.", icon=":material/warning:")
    st.stop()

unsaved_banner(exclude=draft_key(account_id, filters.quarter), key_prefix="walk")
show_flash()
note_styles()
account_heading(screen)
account_cards(screen, large)

trend_col, people_col = st.columns([1, 1] if large else [3, 2])
trend_col.plotly_chart(trend_of(account_id, filters, large), width="stretch", key="walk_trend")
with people_col:
    relationship_panel(screen.relationships)

note_col, items_col = st.columns([3, 2])
with note_col:
    note_panel(user, screen, large)
with items_col:
    open_items_list(screen.open_items)

if position < len(walk):
    read_ahead(walk.ids[position], filters)  # the next account, while this one is discussed
