"""The upload flow of the Data page: progress while loading, then a summary or every problem."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.core.auth import Actor, PermissionDenied
from lib.core.csv_safe import to_csv
from lib.io.importer import MAX_PROBLEMS_LISTED, ImportRejected, import_files
from lib.ui.store import engine, refresh_versions


def run_import(files: list, actor: Actor) -> None:
    """Load the uploaded files as one batch and report what happened; nothing is written on any problem."""
    bar = st.progress(0.0, text="Starting the import…")
    try:
        summary = import_files(
            engine(),
            [(f.name, f.getvalue()) for f in files],
            actor,
            progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
        )
    except PermissionDenied as refused:
        bar.empty()
        st.error(str(refused), icon=":material/block:")
        return
    except ImportRejected as rejected:
        bar.empty()
        show_problems(rejected.problems)
        return
    bar.empty()
    refresh_versions()
    st.success(f"Imported {len(summary.files)} file(s). " + summary.describe(), icon=":material/check_circle:")
    st.dataframe(pd.DataFrame(summary.files, columns=["file", "kind", "rows"]), hide_index=True)
    if summary.warnings:
        show_warnings(summary.warnings)


def show_warnings(warnings: list) -> None:
    st.warning(
        f"Imported as given, but {len(warnings)} label(s) differ from another only in case or spacing, "
        "so each spelling is a group of its own. Correct the spelling and import again to merge them.",
        icon=":material/warning:",
    )
    frame = pd.DataFrame([{"file": w.file, "row": w.row, "column": w.column, "warning": w.reason} for w in warnings])
    st.dataframe(frame, hide_index=True, width="stretch", key="data_warnings")


def show_problems(problems: list) -> None:
    st.error(
        f"Nothing was imported: {len(problems)} problem(s) found. The database is unchanged. "
        "Fix the files and upload them again.",
        icon=":material/error:",
    )
    frame = pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column, "reason": p.reason} for p in problems])
    if len(frame) > MAX_PROBLEMS_LISTED:
        st.caption(f"The first {MAX_PROBLEMS_LISTED} are listed; download the list for all of them.")
    st.dataframe(frame.head(MAX_PROBLEMS_LISTED), hide_index=True, width="stretch", key="data_problems")
    st.download_button(
        "Download the list of problems",
        to_csv(frame),
        file_name="import_problems.csv",
        mime="text/csv",
        key="data_problems_download",
    )
