"""What a person sees when something fails: one clear sentence, never a traceback or SQL.

Database errors are caught where they happen (a save, the engine, the versions each rerun) and
told with lib.core.db.database_problem; `problems_shown` is the last line around a page, for what no
one foresaw. The details go to the server log for the administrator. `client.showErrorDetails =
"none"` in .streamlit/config.toml covers what runs outside both (widget callbacks).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core.db import database_problem, database_reason

LOG = logging.getLogger("keystone")
UNEXPECTED = (
    "Something went wrong on this page, and it was logged for the administrators. "
    "Try again, or open another page; nothing you saved before is lost."
)


def database_failed(error: BaseException) -> str:
    """The sentence for a person; the driver's reason goes to the log."""
    LOG.warning("database error: %s: %s", type(error).__name__, database_reason(error))
    return database_problem(error)


def stop_for_database(error: BaseException) -> None:
    """Tell what is wrong with the database and end this run (the next one tries again)."""
    st.error(database_failed(error), icon=":material/error:")
    st.stop()


@contextmanager
def problems_shown() -> Iterator[None]:
    """Run a page: a database error or an unexpected exception ends it with a message, not a traceback."""
    try:
        yield
    except SQLAlchemyError as error:
        LOG.exception("database error on a page")
        st.error(database_problem(error), icon=":material/error:")
    except Exception:  # the last line of defence: st.stop() and st.rerun() are not Exceptions and pass
        LOG.exception("unexpected error on a page")
        st.error(UNEXPECTED, icon=":material/error:")
