"""The account dialog of Share of wallet: a click on the quadrant opens one account's wallet over time,
with a button on to Account 360 (a table row opens Account 360 at once: lib.ui.tables.account_table)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from lib.core import format as fmt
from lib.core.db import FACTS
from lib.core.quarters import shift_quarter
from lib.portfolio.data import Filters
from lib.ui.navigation import open_account
from lib.ui.store import engine, versioned
from lib.ui.text import plain
from lib.ui.wallet.wallet import colors
from lib.wallet import charts as charts
from lib.wallet.history import AccountHistory, account_split_over_time, load_account_history
from lib.wallet.rules import SPEND_ABOVE_WALLET, STATUS_LABELS

OPEN_ACCOUNT = "sow_open_account"  # set by a click on the quadrant chart; the dialog opens once


@versioned(FACTS, max_entries=128)
def _history(account_id: int) -> AccountHistory | None:
    return load_account_history(engine(), account_id)


def account_history(account_id: int) -> AccountHistory | None:
    return _history(int(account_id))


def open_from_chart(key: str) -> Callable[[], None]:
    """An on_select callback: the clicked point's account (customdata[0]) opens in the dialog."""

    def chosen() -> None:
        points = st.session_state[key].selection.points if key in st.session_state else []
        account_id = _first_value(points[0].get("customdata")) if points else None
        if account_id is not None:
            st.session_state[OPEN_ACCOUNT] = account_id

    return chosen


def _first_value(customdata: object) -> int | None:
    """customdata[0] of a point: a list, or an object {"0": ...} when Plotly held the row as a typed array."""
    if isinstance(customdata, dict):
        customdata = customdata.get("0")
    elif isinstance(customdata, list | tuple):
        customdata = customdata[0] if customdata else None
    try:
        return None if customdata is None else int(float(customdata))
    except (TypeError, ValueError):
        return None


def show_chosen_account(filters: Filters, large: bool) -> None:
    """Open the dialog for an account chosen in this run (once: closing it does not bring it back)."""
    account_id = st.session_state.pop(OPEN_ACCOUNT, None)
    if account_id is None:
        return
    history = account_history(account_id)
    if history is None:
        st.toast("That account is no longer in the database.", icon=":material/info:")
        return
    st.dialog(plain(history.name), width="large")(_account_details)(history, filters.quarter, large)


def _account_details(history: AccountHistory, quarter: str, large: bool) -> None:
    now, before = history.quarter(quarter), history.quarter(shift_quarter(quarter, -1))
    competitor, competitor_share = history.top_competitor(quarter)
    where = " · ".join(
        plain(x) for x in (history.segment, history.region, f"owner {history.owner}" if history.owner else None) if x
    )
    estimate = plain(_estimate_text(now))
    st.caption(f"{where} · {quarter} · wallet estimate: {estimate}")
    counted = bool(now and now["counted"])
    share, wallet_card, whitespace_card, rival = st.columns(4)
    share.metric(
        "Share of wallet",
        fmt.rate(now["share_of_wallet"]) if counted else fmt.NA,
        fmt.change("rate", now["share_of_wallet"], before["share_of_wallet"]) if counted and before else None,
    )
    wallet_card.metric("Wallet", fmt.money(now["wallet"]) if now else fmt.NA)
    whitespace_card.metric("Whitespace", fmt.money(now["whitespace"]) if counted else fmt.NA)
    rival.metric(
        "Top competitor",
        plain(competitor) or "none reported",
        f"{fmt.rate(competitor_share, 0)} of the wallet" if competitor_share is not None else None,
        delta_color="off",
        delta_arrow="off",
    )
    if now and now["status"]:
        st.warning(f"Data problem in {quarter}: {now['status']}. " + _problem_advice(now), icon=":material/report:")
    if now is None or np.isnan(now["wallet"]):
        st.info(f"No wallet estimate for {quarter}: this account is left out of every share.", icon=":material/help:")
    palette = colors()
    over_time = account_split_over_time(history)
    left, right = (st.container(), st.container()) if large else st.columns(2)
    left.plotly_chart(charts.account_split_chart(over_time, palette, large), width="stretch", key="sow_account_split")
    right.plotly_chart(charts.account_share_chart(history, palette, large), width="stretch", key="sow_account_trend")
    if st.button("Open in Account 360", key="sow_open_360", icon=":material/domain:"):
        open_account(history.account_id)


def _estimate_text(row: dict | None) -> str:
    if row is None or row["wallet"] is None or np.isnan(row["wallet"]):
        return "none"
    confidence = row.get("confidence")
    source = row.get("source")
    return " · ".join(x for x in (f"{confidence} confidence" if confidence else "confidence not given", source) if x)


def _problem_advice(row: dict) -> str:
    if row["status"] == STATUS_LABELS[SPEND_ABOVE_WALLET]:
        return (
            f"Our revenue {fmt.money(row['revenue'])} and the competitors' {fmt.money(row['spend'])} exceed the "
            f"wallet {fmt.money(row['wallet'])}: the competitors are scaled down to fit. Check the estimate."
        )
    return "This wallet is left out of every share until the estimate is corrected."
