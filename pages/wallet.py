"""Placeholder until its issue lands."""

import streamlit as st

from lib.ui.auth import require_user

require_user()
st.title("wallet".replace("_", " ").title())
st.info("This page is being built.")
