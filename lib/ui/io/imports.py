"""The upload flow of the Data page: progress while loading, then a summary or every problem."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.delta_generator import DeltaGenerator

from lib.core.auth import Actor, PermissionDenied
from lib.core.csv_safe import to_csv
from lib.io.importer import MAX_PROBLEMS_LISTED, ImportRejected, import_files
from lib.io.prepare import prepare_version
from lib.ui.portfolio import portfolio_of
from lib.ui.relationships.data import warm_relationships
from lib.ui.store import database_key, engine, refresh_versions
from lib.ui.wallet.wallet import warm_spend

IMPORT_SHARE = 0.75  # of the progress bar; the rest is preparing the new data version for the next page


def run_import(files: list, actor: Actor) -> None:
    """Load the uploaded files as one batch and report what happened; nothing is written on any problem.

    A successful import ends by preparing the arrays of the new data version (lib.io.prepare), so the
    next page, on this server or any other, does not wait on the database.
    """
    bar = st.progress(0.0, text="Starting the import…")
    try:
        summary = import_files(
            engine(),
            [(f.name, f.getvalue()) for f in files],
            actor,
            progress=lambda fraction, message: bar.progress(min(fraction, 1.0) * IMPORT_SHARE, text=message),
        )
    except PermissionDenied as refused:
        bar.empty()
        st.error(str(refused), icon=":material/block:")
        return
    except ImportRejected as rejected:
        bar.empty()
        show_problems(rejected.problems)
        return
    refresh_versions()
    _prepare_next_page(bar)
    bar.empty()
    st.success(f"Imported {len(summary.files)} file(s). " + summary.describe(), icon=":material/check_circle:")
    st.dataframe(pd.DataFrame(summary.files, columns=["file", "kind", "rows"]), hide_index=True)
    if summary.warnings:
        show_warnings(summary.warnings)


def _prepare_next_page(bar: DeltaGenerator) -> None:
    """The import's last step: the new version's arrays, on disk for every server and in this server's caches."""

    def report(fraction: float, message: str) -> None:
        bar.progress(IMPORT_SHARE + (1 - IMPORT_SHARE) * 0.95 * fraction, text=f"{message}…")

    try:
        prepared = prepare_version(engine(), report)
        bar.progress(0.98, text="Handing the portfolio to this server…")
        database = database_key()
        portfolio_of(database, prepared.facts_version)
        warm_spend(database, prepared.facts_version, portfolio_of(database, prepared.facts_version))
        warm_relationships(database, prepared.facts_version, portfolio_of(database, prepared.facts_version))
    except (SQLAlchemyError, OSError):  # the import stands; the next page builds the arrays itself
        logging.getLogger(__name__).warning("preparing the new data version failed", exc_info=True)


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
