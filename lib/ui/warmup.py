"""Load the largest arrays while the first visitor is still typing their password."""

from __future__ import annotations

import contextlib
import logging
import threading

import streamlit as st
from sqlalchemy import Engine

from lib.core.db import FACTS, versions_and_identity
from lib.ui.portfolio import portfolio_of
from lib.ui.relationships.data import warm_relationships
from lib.ui.store import engine, key_of
from lib.ui.wallet.wallet import warm_spend

_THREAD = "keystone-warm"


class _QuietWarmThread(logging.Filter):
    """The warm-up runs outside any script run on purpose; Streamlit's warning about it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name != _THREAD


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWarmThread())


@st.cache_resource(show_spinner=False)
def _warm_once(url: str, _engine: Engine) -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(url, _engine), daemon=True, name=_THREAD)
    thread.start()
    return thread


def _warm(url: str, current: Engine) -> None:
    with contextlib.suppress(Exception):  # warming is only an optimisation; the pages load it anyway
        found, identity = versions_and_identity(current)
        database = key_of(url, identity)
        data = portfolio_of(database, found[FACTS])
        warm_spend(database, found[FACTS], data)
        warm_relationships(database, found[FACTS], data)  # Key accounts and Account 360 read them too


def warm_up() -> None:
    """Start loading the portfolio, competitor spend and relationships once per server and database."""
    current = engine()
    _warm_once(current.url.render_as_string(hide_password=False), current)
