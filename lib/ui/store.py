"""The cache store: the engine, the data versions, and one decorator that caches by them.

Two caches, named for what they hold: `st.cache_resource` for the engine and for large read-only
objects (arrays, built Plotly figures: `st.cache_data` would copy them on every hit), `st.cache_data`
for small frames. Every cached call is keyed on the database (its address and the identity stored
in it, so a database recreated at the same address never shows what was kept for the old one) and
on the data versions it reads, which are read from the database on every rerun: a write through
any app server shows on the next rerun of all of them, and no cache hides a write.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from lib.core.config import database_url
from lib.core.db import make_engine, migrate, versions_and_identity
from lib.io.setup import ensure_initialized
from lib.ui.errors import stop_for_database

P = ParamSpec("P")
R = TypeVar("R")


@st.cache_resource(show_spinner="Opening the database…")
def engine_for(url: str) -> Engine:
    """The engine of the database at url, migrated and initialised once per server process."""
    engine = make_engine(url)
    migrate(engine)
    ensure_initialized(engine)
    return engine


def engine() -> Engine:
    """The engine of this installation's database; when it cannot be opened, the run ends with why."""
    try:
        return engine_for(database_url(secrets=_secrets()))
    except (SQLAlchemyError, OSError) as error:  # unreachable, read-only, a folder that cannot be made
        stop_for_database(error)
        raise


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets)
    except FileNotFoundError:
        return {}


def refresh_versions() -> dict[str, int]:
    """Read the data versions (app.py does it once per run; a page does it after its own write)."""
    try:
        found, identity = versions_and_identity(engine())
    except SQLAlchemyError as error:  # the database went away (or read-only, or replaced) since the engine opened
        stop_for_database(error)
        raise
    st.session_state["data_versions"], st.session_state["database_id"] = found, identity
    st.session_state["database_key"] = key_of(engine().url.render_as_string(hide_password=False), identity)
    return found


def versions() -> dict[str, int]:
    """The data versions of this run: they key every cache."""
    return st.session_state.get("data_versions") or refresh_versions()


def database_key() -> str:
    """The database's address and its own identity (lib.core.db.database_id): what every cache is keyed on besides versions."""
    if "database_key" not in st.session_state:
        refresh_versions()
    return st.session_state["database_key"]  # read with the versions, once per run (app.py)


def key_of(url: str, identity: str) -> str:
    return f"{url}#{identity}"


def url_of(database: str) -> str:
    return database.rpartition("#")[0]


def versioned(
    *kinds: str, resource: bool = False, max_entries: int = 64, show_spinner: bool | str = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a function per database and per data version of the given kinds (FACTS, NOTES, CRITERIA).

    Arguments whose names start with "_" are passed on but not hashed (large objects that the
    versions already identify), as with Streamlit's own caches. `resource=True` keeps the result
    as an object (for arrays and figures that are only read) instead of a pickled copy.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)

        def cached(database: str, data_versions: tuple[int, ...], hashed: tuple, _unhashed: dict[str, Any]) -> R:
            return function(**dict(hashed), **_unhashed)

        # Streamlit tells caches apart by module and qualified name: give each its function's.
        cached.__module__, cached.__qualname__ = function.__module__, f"{function.__qualname__}.<versioned>"
        cache = st.cache_resource if resource else st.cache_data
        store = cache(cached, max_entries=max_entries, show_spinner=show_spinner)

        @functools.wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            hashed = tuple((name, value) for name, value in bound.arguments.items() if not name.startswith("_"))
            unhashed = {name: value for name, value in bound.arguments.items() if name.startswith("_")}
            found = versions()
            return store(database_key(), tuple(found[kind] for kind in kinds), hashed, unhashed)

        call.clear = store.clear  # type: ignore[attr-defined]
        return call

    return decorate
