"""One account, all of it: profile, revenue and wallet by quarter, competitors, surveys, people, meetings.

Small bound-parameter queries by account id (each one an index lookup), small frames back, so a
page about one account costs the same with a hundred accounts or a hundred thousand. Each feature
reads its own part on the one connection: the wallet lib.wallet.history, the people
lib.relationships.people; the key-account status is lib.keyaccounts.status's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, case, func, select

from lib.core import clock as clock
from lib.core.models import Account, Survey
from lib.core.quarters import is_stored_quarter, quarter_end, shift_quarter
from lib.portfolio.data import ACCOUNT_COLUMNS
from lib.portfolio.kpis import KpiValue
from lib.relationships.people import people_met, recent_interactions, stakeholders
from lib.wallet.history import AccountHistory, read_account_history
from lib.wallet.rules import NO_ESTIMATE, STATUS_LABELS, wallet_status
from lib.wallet.shares import UNATTRIBUTED, US

SEARCH_LIMIT = 25


@dataclass(frozen=True)
class Profile:
    id: int
    external_id: str
    name: str
    segment: str | None
    industry: str | None
    region: str | None
    owner: str | None
    customer_since: dt.date | None
    churned_on: dt.date | None
    strategic_fit: int | None


@dataclass(frozen=True, eq=False)
class AccountView:
    """Everything Account 360 shows about one account for one quarter."""

    profile: Profile
    quarter: str
    as_of: dt.date  # the end of the quarter, or today while it runs
    history: pd.DataFrame  # quarter, revenue, wallet, share_of_wallet, whitespace, wallet_source, wallet_confidence
    surveys: pd.DataFrame  # quarter, nps, nps_responses, csat, csat_responses
    wallet_split: pd.DataFrame  # name, kind (us / competitor / unattributed), spend, share_of_wallet
    stakeholders: pd.DataFrame  # name, title, level, role, our_owner, last_contact, contacts_90d
    interactions: pd.DataFrame  # date, stakeholder, our_person, channel
    people_touched_90d: int

    @property
    def single_threaded(self) -> bool:
        return self.people_touched_90d <= 1

    @property
    def top_competitors(self) -> pd.DataFrame:
        return self.wallet_split[self.wallet_split["kind"] == "competitor"].head(3)


def search_accounts(accounts: pd.DataFrame, query: str, limit: int = SEARCH_LIMIT) -> tuple[pd.DataFrame, int]:
    """Accounts whose name or account id contains the text (any case): best matches first, and the total."""
    needle = query.strip().lower()
    columns = ["id", "external_id", "name", "segment", "owner"]
    if not needle:
        return accounts[columns].iloc[:0], 0
    names = accounts["name"].str.lower()
    ids = accounts["external_id"].str.lower()
    hit = (names.str.contains(needle, regex=False) | ids.str.contains(needle, regex=False)).to_numpy()
    found = accounts.loc[hit, columns]
    hit_names, hit_ids = names[hit], ids[hit]
    exact = (hit_names == needle) | (hit_ids == needle)
    rank = np.where(exact, 0, np.where(hit_names.str.startswith(needle) | hit_ids.str.startswith(needle), 1, 2))
    ordered = found.assign(_rank=rank, _name=hit_names).sort_values(["_rank", "_name", "id"])
    return ordered.head(limit).drop(columns=["_rank", "_name"]).reset_index(drop=True), int(hit.sum())


def find_by_external_id(engine: Engine, external_id: str) -> int | None:
    with engine.connect() as connection:
        return connection.scalar(select(Account.id).where(Account.external_id == external_id))


def load_account(engine: Engine, account_id: int, quarter: str, today: dt.date | None = None) -> AccountView | None:
    """The account's view for a quarter, or None when there is no such account."""
    today = today or clock.today()
    as_of = min(quarter_end(quarter), today)
    with engine.connect() as connection:
        profile = _profile(connection, account_id)
        if profile is None:
            return None
        wallet = read_account_history(connection, account_id)
        history = _revenue_history(wallet)
        surveys = _survey_history(connection, account_id)
        split = _wallet_split(wallet, quarter, history)
        people = stakeholders(connection, account_id, as_of)
        interactions = recent_interactions(connection, account_id, as_of)
        touched = people_met(connection, account_id, as_of)
    return AccountView(profile, quarter, as_of, history, surveys, split, people, interactions, touched)


def _profile(connection: Connection, account_id: int) -> Profile | None:
    row = connection.execute(select(*ACCOUNT_COLUMNS).where(Account.id == account_id)).first()
    return None if row is None else Profile(*row)


def _revenue_history(wallet: AccountHistory) -> pd.DataFrame:
    """The quarters with a revenue row: our revenue, the wallet and our share of it (lib.wallet.rules decides which count)."""
    recorded = wallet.quarters[wallet.quarters["recorded"].astype(bool)]
    return recorded.rename(columns={"source": "wallet_source", "confidence": "wallet_confidence"})[
        ["quarter", "revenue", "wallet", "wallet_source", "wallet_confidence", "share_of_wallet", "whitespace"]
    ].reset_index(drop=True)


def _real_quarters(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of quarters Keystone writes, as the portfolio keeps them (a row stored before the importer
    checked quarters, such as 9999Q4, has no place on a quarter axis)."""
    return frame[frame["quarter"].map(is_stored_quarter).astype(bool)].reset_index(drop=True)


def _survey_history(connection: Connection, account_id: int) -> pd.DataFrame:
    rows = connection.execute(
        select(
            Survey.quarter,
            Survey.kind,
            func.count(),
            func.sum(case((Survey.score >= 9, 1), else_=0)),
            func.sum(case((Survey.score <= 6, 1), else_=0)),
            func.sum(case((Survey.score >= 4, 1), else_=0)),
        )
        .where(Survey.account_id == account_id)
        .group_by(Survey.quarter, Survey.kind)
    ).all()
    raw = _real_quarters(pd.DataFrame(rows, columns=["quarter", "kind", "n", "promoters", "detractors", "satisfied"]))
    nps = raw[raw["kind"] == "NPS"].set_index("quarter")
    csat = raw[raw["kind"] == "CSAT"].set_index("quarter")
    quarters = sorted(set(raw["quarter"]))
    frame = pd.DataFrame({"quarter": quarters})
    frame["nps_responses"] = frame["quarter"].map(nps["n"]).fillna(0).astype(int)
    frame["nps"] = (
        100.0
        * (frame["quarter"].map(nps["promoters"]) - frame["quarter"].map(nps["detractors"]))
        / frame["nps_responses"].replace(0, np.nan)
    )
    frame["csat_responses"] = frame["quarter"].map(csat["n"]).fillna(0).astype(int)
    frame["csat"] = frame["quarter"].map(csat["satisfied"]) / frame["csat_responses"].replace(0, np.nan)
    return frame[["quarter", "nps", "nps_responses", "csat", "csat_responses"]]


def _wallet_split(wallet: AccountHistory, quarter: str, history: pd.DataFrame) -> pd.DataFrame:
    """Our revenue, each competitor's spend (as reported) and the unattributed rest of the quarter's wallet."""
    columns = ["name", "kind", "spend", "share_of_wallet"]
    row = history[history["quarter"] == quarter]
    if row.empty or pd.isna(row["share_of_wallet"].iloc[0]):  # no estimate, or one that cannot be right
        return pd.DataFrame(columns=columns)
    total = float(row["wallet"].iloc[0])
    ours = float(row["revenue"].iloc[0])
    spend = wallet.spend[wallet.spend["quarter"] == quarter].sort_values(["spend", "competitor"], ascending=[False, True])
    competitors = [(name, "competitor", float(amount)) for name, amount in zip(spend["competitor"], spend["spend"])]
    rest = max(total - ours - sum(s for _n, _k, s in competitors), 0.0)
    rows = [(US, "us", ours), *competitors, (UNATTRIBUTED, "unattributed", rest)]
    frame = pd.DataFrame(rows, columns=columns[:3])
    frame["share_of_wallet"] = frame["spend"] / total
    return frame


# --- numbers --------------------------------------------------------------------------------


def wallet_problem(view: AccountView, quarter: str) -> str:
    """Why the account's wallet is left out of the shares in the quarter (lib.wallet.rules), or "" when it counts."""
    row = view.history[view.history["quarter"] == quarter]
    revenue = row["revenue"].to_numpy() if not row.empty else np.zeros(1)
    wallet = row["wallet"].to_numpy() if not row.empty else np.full(1, np.nan)
    return STATUS_LABELS[int(wallet_status(np.nan_to_num(revenue), wallet)[0])]


def wallet_data_problem(view: AccountView, quarter: str) -> str:
    """Why the quarter's wallet is left out when it is a data problem (an estimate there that cannot be right), or ""."""
    problem = wallet_problem(view, quarter)
    return "" if problem == STATUS_LABELS[NO_ESTIMATE] else problem


def account_kpis(view: AccountView, quarter: str) -> dict[str, KpiValue]:
    """The account's KPIs in a quarter, defined as the portfolio's are (DESIGN.md), for one account."""
    history = view.history.set_index("quarter")
    surveys = view.surveys.set_index("quarter")
    base = shift_quarter(quarter, -4)
    revenue = _get(history, "revenue", quarter)
    base_revenue = _get(history, "revenue", base)
    wallet = _get(history, "wallet", quarter)
    problem = wallet_problem(view, quarter)
    left_out = f" Left out in {quarter}: {problem}, as on every page." if problem else ""
    nps_n = int(_get(surveys, "nps_responses", quarter) or 0)
    csat_n = int(_get(surveys, "csat_responses", quarter) or 0)
    values = [
        KpiValue("revenue", "Revenue", revenue, "money", f"Our recognised revenue from the account in {quarter}."),
        KpiValue(
            "yoy_growth",
            "Growth YoY",
            revenue / base_revenue - 1.0 if revenue is not None and base_revenue else None,
            "rate",
            f"Revenue in {quarter} against {base}, minus one.",
            {f"revenue {base}": base_revenue, f"revenue {quarter}": revenue},
        ),
        KpiValue(
            "share_of_wallet",
            "Share of wallet",
            _get(history, "share_of_wallet", quarter),
            "rate",
            f"Our revenue divided by the account's estimated wallet in {quarter}; a wallet of 0 or below our revenue "
            f"cannot be right and is left out.{left_out}",
            {"wallet": wallet},
        ),
        KpiValue(
            "whitespace",
            "Whitespace",
            _get(history, "whitespace", quarter),
            "money",
            f"Wallet minus our revenue in {quarter}, floored at 0; n/a when the wallet is left out.{left_out}",
        ),
        KpiValue(
            "nps",
            "NPS",
            _get(surveys, "nps", quarter) if nps_n else None,
            "score",
            f"Percent of responses 9-10 minus percent 0-6, responses dated in {quarter}.",
            {"responses": nps_n},
        ),
        KpiValue(
            "csat",
            "CSAT",
            _get(surveys, "csat", quarter) if csat_n else None,
            "rate",
            f"Share of CSAT responses scoring 4-5, dated in {quarter}.",
            {"responses": csat_n},
        ),
    ]
    return {k.key: k for k in values}


def _get(frame: pd.DataFrame, column: str, quarter: str) -> float | None:
    if quarter not in frame.index:
        return None
    value = frame.at[quarter, column]
    return None if pd.isna(value) else float(value)
