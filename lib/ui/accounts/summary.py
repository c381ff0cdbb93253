"""The top of Account 360: who the account is, its cards with their changes, and who has its wallet."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from lib.accounts.account360 import AccountView, Profile, account_kpis
from lib.core import format as fmt
from lib.core.quarters import shift_quarter
from lib.ui.cards import kpi_cards
from lib.ui.text import plain

CARDS = ("revenue", "yoy_growth", "share_of_wallet", "whitespace", "nps", "csat")
PROJECTOR_CARDS = ("revenue", "yoy_growth", "share_of_wallet", "nps")


def profile_caption(profile: Profile) -> str:
    """One line under the name: account id, segment, industry, region, owner, tenure, churn, strategic fit."""
    parts = (
        plain(profile.external_id),
        plain(profile.segment),
        plain(profile.industry),
        plain(profile.region),
        f"owner {plain(profile.owner)}" if profile.owner else None,
        f"customer since {profile.customer_since:%Y}" if profile.customer_since else None,
        f":red[churned {profile.churned_on}]" if profile.churned_on else None,
        f"strategic fit {profile.strategic_fit}/5" if profile.strategic_fit else None,
    )
    return " · ".join(str(part) for part in parts if part)


def account_cards(view: AccountView, quarter: str, large: bool) -> None:
    """The account's KPIs in the quarter, each with its change against the quarter before (the formula on hover)."""
    previous = shift_quarter(quarter, -1)
    shown = PROJECTOR_CARDS if large else CARDS
    now, before = account_kpis(view, quarter), account_kpis(view, previous)
    kpi_cards(now, before, shown, None, per_row=len(shown), key_prefix="a360", compared_with=previous, same_height=True)


def changes_caption(quarter: str, data_problem: str, large: bool) -> str:
    """What the cards' changes are against, and why growth stays year on year whatever Compare with says."""
    # The key-account criteria measure growth over a year, so the account's growth does too.
    growth = f"growth YoY against {shift_quarter(quarter, -4)}"
    if not large:
        growth += ", whatever Compare with says (the key-account criteria measure growth over a year)"
    details = [quarter, f"changes vs {shift_quarter(quarter, -1)}", growth]
    if data_problem:
        details.append(f"share of wallet and whitespace left out: {data_problem}, a data problem")
    return " · ".join(details)


def wallet_split_panel(view: AccountView, split: go.Figure | None, quarter: str, data_problem: str) -> None:
    """Who has the wallet in the quarter and the top competitors, or why there is no split to show."""
    if split is None:
        reason = f"{data_problem}, so the estimate is left out of every share" if data_problem else "no wallet estimate"
        st.info(f"{quarter}: {reason}.", icon=":material/help:")
        return
    st.plotly_chart(split, width="stretch", key="a360_split")
    top = view.top_competitors
    if not top.empty:
        st.caption(
            "Top competitors: "
            + ", ".join(f"{plain(r.name)} {fmt.money(r.spend)} ({fmt.rate(r.share_of_wallet, 0)})" for r in top.itertuples())
        )
