"""A quarter's notes and action items to download: Markdown for reading and sharing, CSV for spreadsheets."""

from __future__ import annotations

import streamlit as st

from lib.notes.export import export_csv, export_markdown
from lib.ui.notes.loaders import export_for


def export_panel(quarter: str) -> None:
    notes, items = export_for(quarter)
    st.markdown(f"**{len(notes):,} notes and {len(items):,} action items in {quarter}**")
    st.caption(
        "Markdown for reading and sharing; CSV for spreadsheets (text that a spreadsheet would run as a formula starts with ')."
    )
    markdown_col, notes_col, items_col = st.columns(3)
    markdown_col.download_button(
        "Notes and items (Markdown)",
        lambda: export_markdown(quarter, notes, items).encode("utf-8"),
        file_name=f"review_notes_{quarter}.md",
        mime="text/markdown",
        icon=":material/description:",
        key="notes_export_md",
        width="stretch",
    )
    notes_col.download_button(
        "Notes (CSV)",
        lambda: export_csv(notes),
        file_name=f"review_notes_{quarter}.csv",
        mime="text/csv",
        icon=":material/table:",
        key="notes_export_notes_csv",
        width="stretch",
    )
    items_col.download_button(
        "Action items (CSV)",
        lambda: export_csv(items),
        file_name=f"action_items_{quarter}.csv",
        mime="text/csv",
        icon=":material/checklist:",
        key="notes_export_items_csv",
        width="stretch",
    )
