"""Key accounts: the approved criteria, a live draft, who qualifies, who nearly does, and what changes."""

import streamlit as st

from lib.ui.auth import require_user
from lib.ui.filters import current_filters
from lib.ui.keyaccounts.screen import live_criteria

require_user()
filters = current_filters()

st.title("Key accounts")
live_criteria(filters)  # a fragment: editing a criterion reruns only it
