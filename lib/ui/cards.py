"""KPI cards: value, change against the previous quarter, and "why this number?" on demand."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from lib.core import format as fmt
from lib.portfolio.kpis import KpiValue
from lib.ui.theme import is_presentation


def kpi_cards(
    now: dict[str, KpiValue],
    before: dict[str, KpiValue],
    keys: Sequence[str],
    accounts_behind: Callable[[str], pd.DataFrame] | None,
    per_row: int = 7,
    key_prefix: str = "kpi",
    compared_with: str | None = None,
    same_height: bool = False,
) -> None:
    """A grid of cards; each opens a lazy popover with the formula, the inputs and the accounts.

    compared_with names the quarter of `before` (e.g. "2026Q2"): each change then reads "vs 2026Q2".
    Without accounts_behind (one account's cards) the formula is the card's tooltip instead of a popover.
    same_height stretches the cards of a row to the tallest one.
    """
    for start in range(0, len(keys), per_row):
        columns = st.columns(per_row)
        for column, key in zip(columns, keys[start : start + per_row]):
            with column:
                _card(now[key], before.get(key), accounts_behind, key_prefix, compared_with, same_height)


# Card labels short enough for seven cards in a row on a 1280 px projector.
SHORT_LABELS = {
    "active_accounts": "Accounts",
    "nrr": "NRR",
    "grr": "GRR",
    "logo_retention": "Logo retention",
    "churn_rate": "Churn",
    "expansion_rate": "Expansion",
    "accounts_expanding": "Expanding",
    "revenue_growth_existing": "Existing growth",
    "cltv": "CLTV",
    "share_of_wallet": "Share of wallet",
    "top20_revenue_share": "Top 20 %",
}


def _card(
    kpi: KpiValue,
    previous: KpiValue | None,
    accounts_behind: Callable[[str], pd.DataFrame] | None,
    key_prefix: str,
    compared_with: str | None = None,
    same_height: bool = False,
) -> None:
    height = "stretch" if same_height else "content"
    with st.container(border=True, key=f"kpicard_{key_prefix}_{kpi.key}", height=height):
        rounded = is_presentation()  # 112 %, +2 pts: numbers read from the back of the room
        delta = fmt.change(kpi.unit, kpi.value, previous.value if previous else None, rounded)
        st.metric(
            SHORT_LABELS.get(kpi.key, kpi.label),
            fmt.value(kpi.unit, kpi.value, rounded),
            delta,
            delta_color="normal" if kpi.higher_is_better else "inverse",
            delta_arrow="off" if delta and delta.startswith("±") else "auto",  # no change has no direction
            help=None if accounts_behind else kpi.formula,
            delta_description=f"vs {compared_with}" if delta and compared_with else None,
        )
        if accounts_behind is None:
            return
        why = st.popover(
            "",
            type="tertiary",
            icon=":material/query_stats:",
            on_change="rerun",
            key=f"{key_prefix}_why_{kpi.key}",
            help=f"{kpi.label}: why this number?",
        )
        if why.open:
            with why:
                explain(kpi, accounts_behind(kpi.key), key=f"{key_prefix}_behind_{kpi.key}")


def explain(kpi: KpiValue, accounts: pd.DataFrame, key: str) -> None:
    """The formula, its inputs and the accounts behind the number; selecting an account opens Account 360."""
    from lib.ui.tables import account_table  # here, not at the top: lib.ui.tables uses this module's column formats

    st.markdown(f"**{kpi.label}: {fmt.value(kpi.unit, kpi.value)}**")
    st.caption(kpi.formula)
    if kpi.inputs and is_presentation():  # one line, so that the accounts behind it show without scrolling
        st.markdown(" · ".join(f"{name}: **{_input_text(name, value)}**" for name, value in kpi.inputs.items()))
    elif kpi.inputs:
        st.dataframe(
            pd.DataFrame({"input": list(kpi.inputs), "value": [_input_text(k, v) for k, v in kpi.inputs.items()]}),
            hide_index=True,
            width="stretch",
        )
    if not accounts.empty:
        st.markdown("**Accounts behind it**" + (" · select one to open it in Account 360" if "id" in accounts else ""))
        if "id" in accounts:
            account_table(accounts, key=key)
        else:
            config = money_columns(accounts)
            st.dataframe(as_shown(accounts, config), hide_index=True, width="stretch", column_config=config, placeholder=fmt.NA)


def _input_text(name: str, value: float | None) -> str:
    if value is None:
        return fmt.NA
    if name.startswith(("accounts", "cohort accounts", "active accounts", "top accounts", "responses")):
        return f"{value:,.0f}"
    if any(word in name for word in ("revenue", "wallet", "expansion")):
        return fmt.money(value)
    if any(word in name for word in ("churn", "margin", "NRR")):
        return fmt.rate(value)
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


COLUMN_LABELS = {"nrr": "NRR", "grr": "GRR", "nps": "NPS", "csat": "CSAT", "external_id": "Account ID"}
MONEY_COLUMNS = {"revenue", "base_revenue", "wallet", "whitespace", "movement", "annual_revenue", "spend"}
RATE_COLUMNS = {"change", "share_of_wallet", "revenue_share", "nrr", "grr", "logo_retention", "churn_rate", "competitor_share"}


# st.column_config's "percent" shows two decimals (119.23%); these read a rate in percent points as
# "119 %" on a projector and "119.2 %" on a laptop. as_shown() turns a frame's rates into points.
PERCENT_FORMATS = {True: "%.0f %%", False: "%.1f %%"}


def percent_column(label: str) -> dict:
    """A rate column, rounded for reading (the frame goes through as_shown)."""
    return st.column_config.NumberColumn(label, format=PERCENT_FORMATS[is_presentation()])


def as_shown(frame: pd.DataFrame, config: dict) -> pd.DataFrame:
    """The frame as its table shows it: the columns that `config` formats as percent, in percent points."""
    rates = [
        column
        for column, column_config in config.items()
        if column in frame.columns
        and isinstance(column_config, dict)
        and (column_config.get("type_config") or {}).get("format") in PERCENT_FORMATS.values()
    ]
    return frame.assign(**{column: frame[column] * 100 for column in rates}) if rates else frame


def money_columns(frame: pd.DataFrame) -> dict:
    """Column formats for a frame: money compact, rates as percent (with as_shown), names readable."""
    config: dict = {}
    for column in frame.columns:
        # snake_case names become words; labels written for people ("NPS ≥ 30") stay as they are.
        humane = column.replace("_", " ").capitalize() if column.isidentifier() and column.islower() else column
        label = COLUMN_LABELS.get(column, humane)
        if column in MONEY_COLUMNS:
            config[column] = st.column_config.NumberColumn(label, format="compact")
        elif column in RATE_COLUMNS:
            config[column] = percent_column(label)
        elif column == "nps":
            config[column] = st.column_config.NumberColumn("NPS", format="%.0f")
        else:
            config[column] = st.column_config.Column(label)
    return config
