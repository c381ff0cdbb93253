"""Data (admin): import CSV/XLSX files, all or nothing, and see what the database holds."""

import pandas as pd
import streamlit as st

from lib.io.datainfo import data_as_of, recent_writes, table_counts
from lib.io.importer import MAX_FILE_MB, SPECS
from lib.ui.auth import require_user
from lib.ui.io.imports import run_import
from lib.ui.store import engine

user = require_user("admin")

st.title("Data")
caption = st.empty()  # filled after an import below, so "Data as of" is the time of the import just made

upload, status = st.columns([3, 2])
with upload:
    with st.form("data_import_form", clear_on_submit=True, border=True):
        files = st.file_uploader(
            "CSV or XLSX files, one batch",
            type=["csv", "xlsx"],
            accept_multiple_files=True,
            key="data_files",
            help=f"Up to {MAX_FILE_MB} MB a file. The kind of each file is told by its header.",
        )
        submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
    if submitted:
        run_import(files or [], user)
as_of = data_as_of(engine())
caption.caption(
    "Load accounts, revenue and wallets, competitor spend, surveys, stakeholders and interactions. "
    "Accounts come first: every other file names accounts by account_id, so import the accounts file before it "
    "or in the same batch. " + (f"Data as of {as_of:%Y-%m-%d %H:%M} UTC." if as_of else "")
)
with status:
    st.subheader("In the database")
    st.dataframe(table_counts(engine()), hide_index=True, width="stretch", key="data_counts")

with st.expander("Import formats", expanded=False):
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "file": spec.kind,
                    "required columns": ", ".join(spec.required) + (" and quarter or date" if spec.kind == "revenue" else ""),
                    "optional": ", ".join(c for c in spec.optional if not (spec.kind == "revenue" and c in ("quarter", "date"))),
                }
                for spec in SPECS.values()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Headers are case-insensitive and extra columns are ignored. Quarters are written YYYYQn, dates YYYY-MM-DD. "
        "Revenue rows with a date are summed into their quarter. Re-importing the same rows updates them."
    )

st.subheader("Recent imports")
st.dataframe(recent_writes(engine()), hide_index=True, width="stretch", key="data_recent")
