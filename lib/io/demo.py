"""A realistic, deterministic demo portfolio of any size.

Revenue is long-tailed by segment and moves quarter to quarter with drift, noise, occasional
expansions and contractions; a few percent of logos churn a year and new logos join; wallets
are larger than our revenue, split between 3-6 competitors and an unattributed rest; NPS and
CSAT responses follow each account's sentiment; stakeholders, interactions, review notes,
action items and two criteria sets complete the picture. Everything is drawn from one seed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.orm import Session

from lib.core import clock as clock
from lib.core import models as models
from lib.core.auth import hash_password
from lib.core.db import CRITERIA, FACTS, NOTES, bump_version, mark_data_as_of, utc_now, write_session
from lib.core.quarters import last_completed_quarter, quarter_end, quarter_range, quarter_start, shift_quarter
from lib.io.bulk import insert_frame, reset_id_sequences
from lib.keyaccounts.store import one_quarter_later
from lib.relationships.vocabulary import CHANNELS, LEVELS, STAKEHOLDER_ROLES

SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
SEGMENT_WEIGHTS = (0.12, 0.33, 0.55)
# Median annual revenue and spread per segment, in currency units.
SEGMENT_ANNUAL_MEDIAN = (2_000_000.0, 250_000.0, 40_000.0)
SEGMENT_SPREAD = (0.9, 0.8, 0.9)
SEGMENT_QUARTERLY_CHURN = (0.004, 0.010, 0.018)
REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (0.40, 0.35, 0.18, 0.07)
INDUSTRIES = (
    "Manufacturing",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Technology",
    "Logistics",
    "Energy",
    "Public Sector",
    "Telecommunications",
    "Media",
)
COMPETITORS = (
    "Northstar Systems",
    "Cobalt Analytics",
    "Vantage Partners",
    "Helix Solutions",
    "Meridian Group",
    "Apex Dynamics",
    "Summit Software",
    "Quanta Labs",
)
COMPETITOR_POPULARITY = (0.22, 0.18, 0.15, 0.12, 0.10, 0.09, 0.08, 0.06)
WALLET_SOURCES = ("Analyst estimate", "Customer interview", "Annual report", "Third-party data")
CONFIDENCES = ("low", "medium", "high")
CONFIDENCE_WEIGHTS = (0.25, 0.45, 0.30)
TITLES = {
    "exec": ("CFO", "CIO", "COO", "CTO", "Chief Procurement Officer"),
    "senior": ("VP Operations", "VP Finance", "Head of IT", "Director of Procurement"),
    "manager": ("IT Manager", "Operations Manager", "Category Manager", "Finance Manager"),
    "staff": ("Analyst", "Engineer", "Buyer", "Specialist"),
}
NAME_STEMS = (
    "North",
    "Blue",
    "Iron",
    "Silver",
    "Red",
    "Green",
    "Stone",
    "Bright",
    "Clear",
    "Oak",
    "Pine",
    "River",
    "Lake",
    "Summit",
    "Harbor",
    "Falcon",
    "Eagle",
    "Cedar",
    "Maple",
    "Granite",
    "Crystal",
    "Golden",
    "Polar",
    "Sun",
    "Star",
    "Nova",
    "Atlas",
    "Vertex",
    "Orion",
    "Terra",
)
NAME_ENDINGS = (
    "wind",
    "peak",
    "bridge",
    "field",
    "gate",
    "point",
    "wood",
    "stone",
    "line",
    "works",
    "view",
    "haven",
    "crest",
    "ford",
    "mark",
    "way",
    "light",
    "port",
    "vale",
    "shore",
)
NAME_TRADES = (
    "Logistics",
    "Foods",
    "Health",
    "Energy",
    "Systems",
    "Bank",
    "Retail",
    "Motors",
    "Pharma",
    "Telecom",
    "Media",
    "Industries",
    "Insurance",
    "Chemicals",
    "Airlines",
    "Foods & Co",
)
NAME_FORMS = ("Inc", "GmbH", "Ltd", "SA", "Group", "AG", "plc", "BV")
FIRST_NAMES = (
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Paul",
    "Rosa",
    "Samir",
    "Tara",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Marco",
    "Lena",
    "Omar",
    "Priya",
    "Chen",
    "Sofia",
    "Tomas",
)
LAST_NAMES = (
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Weber",
    "Xu",
    "Young",
    "Zimmermann",
    "Novak",
    "Silva",
    "Khan",
    "Meyer",
)
DEMO_PASSWORD = "demo"
DEMO_USERS = (("admin", "Alex Admin", "admin"), ("editor", "Erin Editor", "editor"), ("viewer", "Victor Viewer", "viewer"))


@dataclass(frozen=True)
class DemoSpec:
    accounts: int = 400
    quarters: int = 12
    seed: int = 7
    end: str | None = None  # last quarter; default: the last completed quarter

    def last_quarter(self, today: dt.date) -> str:
        return self.end or last_completed_quarter(today)


@dataclass(frozen=True)
class DemoSummary:
    accounts: int
    quarters: list[str]
    rows: dict[str, int]
    seconds: float


def build_demo_frames(spec: DemoSpec, today: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the demo portfolio as frames named and typed like the tables."""
    if spec.accounts < 1 or spec.quarters < 2:
        raise ValueError("a demo needs at least 1 account and 2 quarters")
    rng = np.random.default_rng(spec.seed)
    quarters = quarter_range(
        shift_quarter(spec.last_quarter(today or clock.today()), 1 - spec.quarters), spec.last_quarter(today or clock.today())
    )
    accounts, traits = _accounts(rng, spec.accounts, quarters)
    revenue, active = _revenue(rng, traits, quarters)
    competitor_spend = _competitor_spend(rng, revenue, spec.accounts)
    surveys = _surveys(rng, traits, active, quarters)
    stakeholders = _stakeholders(rng, accounts, traits)
    interactions = _interactions(rng, accounts, traits, stakeholders, active, quarters)
    notes, revisions, action_items = _review_notes(rng, accounts, revenue, quarters)
    return {
        "accounts": accounts,
        "revenue": revenue,
        "competitor_spend": competitor_spend,
        "surveys": surveys,
        "stakeholders": stakeholders,
        "interactions": interactions,
        "review_notes": notes,
        "review_note_revisions": revisions,
        "action_items": action_items,
    }


def _pick(rng: np.random.Generator, options: tuple, weights: tuple | None, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=weights)]


def _unique_names(rng: np.random.Generator, count: int) -> list[str]:
    combos = [f"{s}{e} {t} {f}" for s in NAME_STEMS for e in NAME_ENDINGS for t in NAME_TRADES for f in NAME_FORMS]
    order = rng.permutation(len(combos))
    names = [combos[i] for i in order[: min(count, len(combos))]]
    extra = count - len(names)
    names += [f"{combos[order[i % len(combos)]]} {i // len(combos) + 2}" for i in range(extra)]
    return names


def _people(rng: np.random.Generator, count: int) -> list[str]:
    first = _pick(rng, FIRST_NAMES, None, count)
    last = _pick(rng, LAST_NAMES, None, count)
    return [f"{f} {ln}" for f, ln in zip(first, last)]


def _owner_names(count: int) -> list[str]:
    # Walk first and last names at different strides, so that neighbours share neither.
    names = [
        f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7 + i // len(FIRST_NAMES)) % len(LAST_NAMES)]}"
        for i in range(len(FIRST_NAMES) * len(LAST_NAMES))
    ]
    return [names[i % len(names)] + ("" if i < len(names) else f" {i // len(names) + 1}") for i in range(count)]


def _accounts(rng: np.random.Generator, count: int, quarters: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    segment_code = rng.choice(3, size=count, p=SEGMENT_WEIGHTS)
    owners = _owner_names(int(np.clip(count // 25, 8, 4000)))
    # Enterprise books go to fewer, senior owners; everyone else is spread evenly.
    senior = max(2, len(owners) // 4)
    owner_index = np.where(segment_code == 0, rng.integers(0, senior, count), rng.integers(senior, len(owners), count))
    window_start = quarter_start(quarters[0])
    # About a quarter of the logos join inside the window; the rest were customers before it.
    joins_in_window = rng.random(count) < 0.25
    join_quarter = np.where(joins_in_window, rng.integers(1, len(quarters), count), 0)
    days_before = rng.integers(30, 3650, count)
    customer_since = [
        quarter_start(quarters[jq]) + dt.timedelta(days=int(d % 80)) if new else window_start - dt.timedelta(days=int(d))
        for new, jq, d in zip(joins_in_window, join_quarter, days_before)
    ]
    fit = np.clip(np.round(rng.normal(3.4 - 0.5 * segment_code, 1.0)), 1, 5).astype(int)
    accounts = pd.DataFrame(
        {
            "id": np.arange(1, count + 1),
            "external_id": [f"ACC-{i:06d}" for i in range(1, count + 1)],
            "name": _unique_names(rng, count),
            "segment": np.asarray(SEGMENTS, dtype=object)[segment_code],
            "industry": _pick(rng, INDUSTRIES, None, count),
            "region": _pick(rng, REGIONS, REGION_WEIGHTS, count),
            "owner": np.asarray(owners, dtype=object)[owner_index],
            "customer_since": [d.isoformat() for d in customer_since],
            "churned_on": None,
            "strategic_fit": fit,
        }
    )
    traits = pd.DataFrame(
        {
            "segment_code": segment_code,
            # Logos older than the window count as joined long before it: no ramp-up inside the window.
            "join_quarter": np.where(joins_in_window, join_quarter, -len(quarters)),
            "sentiment": rng.normal(0.0, 1.0, count),
        }
    )
    return accounts, traits


def _revenue(rng: np.random.Generator, traits: pd.DataFrame, quarters: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    count, n_q = len(traits), len(quarters)
    seg = traits["segment_code"].to_numpy()
    annual = np.exp(np.log(np.take(SEGMENT_ANNUAL_MEDIAN, seg)) + rng.normal(0, 1, count) * np.take(SEGMENT_SPREAD, seg))
    trend = rng.normal(0.012, 0.025, count) + 0.01 * traits["sentiment"].to_numpy()
    steps = rng.normal(0, 0.06, (count, n_q)) + trend[:, None]
    expansions = (rng.random((count, n_q)) < 0.04) * rng.uniform(0.25, 0.6, (count, n_q))
    contractions = (rng.random((count, n_q)) < 0.03) * rng.uniform(-0.4, -0.2, (count, n_q))
    steps = steps + np.log1p(expansions + contractions)
    steps[:, 0] = 0.0
    level = annual[:, None] / 4 * np.exp(np.cumsum(steps, axis=1))
    # New logos ramp up over their first quarters.
    join = traits["join_quarter"].to_numpy()
    age = np.arange(n_q)[None, :] - join[:, None]
    ramp = np.where(age < 0, 0.0, np.minimum(1.0, 0.4 + 0.2 * np.maximum(age, 0)))
    q4_bump = np.array([1.05 if q.endswith("Q4") else 1.0 for q in quarters])
    revenue = level * ramp * q4_bump
    # Churn: a per-quarter hazard by segment (a few percent a year); revenue stops at the churn quarter.
    hazard = np.take(SEGMENT_QUARTERLY_CHURN, seg) * np.exp(-0.4 * traits["sentiment"].to_numpy())
    churn_draw = rng.random((count, n_q)) < hazard[:, None]
    churn_draw &= age > 0
    churn_draw[:, 0] = False
    has_churn = churn_draw.any(axis=1)
    churn_quarter = np.where(has_churn, churn_draw.argmax(axis=1), n_q)
    active = (age >= 0) & (np.arange(n_q)[None, :] < churn_quarter[:, None])
    revenue = np.where(active, np.round(revenue), 0.0)
    traits["churn_quarter"] = churn_quarter

    share = np.clip(rng.beta(2.2, 2.8, count), 0.05, 0.95)
    wallet_steps = rng.normal(0.01, 0.03, (count, n_q))
    wallet_steps[:, 0] = 0.0
    base_revenue = np.where(revenue.max(axis=1) > 0, revenue.max(axis=1), annual / 4)
    wallet = base_revenue[:, None] / share[:, None] * np.exp(np.cumsum(wallet_steps, axis=1)) * 0.9
    wallet = np.round(np.maximum(wallet, revenue * 1.05))
    has_wallet = rng.random(count) >= 0.04
    source = _pick(rng, WALLET_SOURCES, None, count)
    confidence = _pick(rng, CONFIDENCES, CONFIDENCE_WEIGHTS, count)

    present = age >= 0  # a row from the quarter the logo joined; churned logos keep their wallet
    rows, cols = np.nonzero(present)
    frame = pd.DataFrame(
        {
            "account_id": rows + 1,
            "quarter": np.asarray(quarters, dtype=object)[cols],
            "revenue_cents": (revenue[rows, cols] * 100).astype(np.int64),
            "wallet_cents": pd.array(np.where(has_wallet[rows], wallet[rows, cols] * 100, np.nan), dtype="Int64"),
            "wallet_source": np.where(has_wallet[rows], source[rows], None),
            "wallet_confidence": np.where(has_wallet[rows], confidence[rows], None),
        }
    )
    return frame, active


def _competitor_spend(rng: np.random.Generator, revenue: pd.DataFrame, count: int) -> pd.DataFrame:
    n_comp = len(COMPETITORS)
    # Each account buys from 3-6 competitors, the popular ones more often, with its own split.
    k = rng.integers(3, 7, count)
    keys = rng.random((count, n_comp)) ** (1.0 / np.asarray(COMPETITOR_POPULARITY))[None, :]
    chosen = np.argsort(-keys, axis=1)
    mask = np.arange(n_comp)[None, :] < k[:, None]
    weights = rng.gamma(1.2, 1.0, (count, n_comp)) * mask
    weights /= weights.sum(axis=1, keepdims=True)
    attributed = rng.uniform(0.6, 0.95, count)

    with_wallet = revenue[revenue["wallet_cents"].notna()]
    account_index = with_wallet["account_id"].to_numpy() - 1
    open_wallet = (with_wallet["wallet_cents"].to_numpy(dtype=np.float64) - with_wallet["revenue_cents"].to_numpy()).clip(0)
    drift = np.exp(rng.normal(0, 0.08, (len(with_wallet), n_comp)))
    split = weights[account_index] * drift
    split /= np.maximum(split.sum(axis=1, keepdims=True), 1e-12)
    spend = open_wallet[:, None] * attributed[account_index][:, None] * split
    # A few account-quarters report more competitor spend than the wallet leaves (a double-counted
    # invoice, a stale estimate): the data problems the Share of wallet page flags. Drawn from a
    # spawned generator, so every other table of the demo stays as it was.
    (problems,) = rng.spawn(1)
    overflow = problems.random(len(with_wallet)) < 0.004
    spend[overflow] *= (1.0 + problems.uniform(0.15, 0.6, int(overflow.sum())))[:, None] / attributed[account_index][overflow][
        :, None
    ]
    row, slot = np.nonzero(mask[account_index])
    competitor_index = chosen[account_index[row], slot]
    frame = pd.DataFrame(
        {
            "account_id": with_wallet["account_id"].to_numpy()[row],
            "quarter": with_wallet["quarter"].to_numpy()[row],
            "competitor": np.asarray(COMPETITORS, dtype=object)[competitor_index],
            "spend_cents": np.floor(spend[row, slot] / 100).astype(np.int64) * 100,
        }
    )
    return frame[frame["spend_cents"] > 0].reset_index(drop=True)


def _surveys(rng: np.random.Generator, traits: pd.DataFrame, active: np.ndarray, quarters: list[str]) -> pd.DataFrame:
    seg = traits["segment_code"].to_numpy()
    sentiment = traits["sentiment"].to_numpy()
    frames = []
    for kind, rate in (("NPS", (2.5, 1.0, 0.35)), ("CSAT", (2.0, 0.8, 0.3))):
        counts = rng.poisson(np.take(rate, seg)[:, None] * active)
        rows, cols = np.nonzero(counts)
        repeat = counts[rows, cols]
        acc = np.repeat(rows, repeat)
        qcol = np.repeat(cols, repeat)
        if kind == "NPS":
            score = np.clip(np.round(rng.normal(8.2 + 1.1 * sentiment[acc], 1.5)), 0, 10)
        else:
            score = np.clip(np.round(rng.normal(4.2 + 0.4 * sentiment[acc], 0.7)), 1, 5)
        starts = np.array([quarter_start(q).toordinal() for q in quarters])
        day = starts[qcol] + rng.integers(0, 90, len(acc))
        frames.append(
            pd.DataFrame(
                {
                    "account_id": acc + 1,
                    "date": [dt.date.fromordinal(int(d)).isoformat() for d in day],
                    "quarter": np.asarray(quarters, dtype=object)[qcol],
                    "kind": kind,
                    "score": score.astype(np.int64),
                    "respondent": [f"Respondent {i + 1}" for i in range(len(acc))],
                }
            )
        )
    surveys = pd.concat(frames, ignore_index=True)
    return surveys.drop_duplicates(["account_id", "date", "kind", "respondent"]).reset_index(drop=True)


def _stakeholders(rng: np.random.Generator, accounts: pd.DataFrame, traits: pd.DataFrame) -> pd.DataFrame:
    seg = traits["segment_code"].to_numpy()
    low, high = np.take((6, 3, 1), seg), np.take((13, 8, 5), seg)
    counts = rng.integers(low, high)
    account_index = np.repeat(np.arange(len(accounts)), counts)
    position = np.concatenate([np.arange(c) for c in counts])
    level_code = np.minimum(3, np.where(position == 0, 0, rng.integers(0, 4, len(position))))
    role_code = np.where(position == 0, 0, rng.integers(1, 5, len(position)))
    levels = np.asarray(LEVELS, dtype=object)[level_code]
    frame = pd.DataFrame(
        {
            "account_id": account_index + 1,
            "name": _people(rng, len(position)),
            "title": [TITLES[lv][i % len(TITLES[lv])] for lv, i in zip(levels, rng.integers(0, 5, len(position)))],
            "level": levels,
            "role": np.asarray(STAKEHOLDER_ROLES, dtype=object)[role_code],
            "our_owner": accounts["owner"].to_numpy()[account_index],
        }
    )
    frame = frame.drop_duplicates(["account_id", "name"]).reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def _interactions(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    traits: pd.DataFrame,
    stakeholders: pd.DataFrame,
    active: np.ndarray,
    quarters: list[str],
) -> pd.DataFrame:
    seg = traits["segment_code"].to_numpy()
    still_active = active[:, -1]
    counts = rng.poisson(np.take((30, 10, 4), seg)) * still_active
    account_index = np.repeat(np.arange(len(accounts)), counts)
    per_account = stakeholders.groupby("account_id")["id"]
    first_id = per_account.min().reindex(np.arange(1, len(accounts) + 1)).to_numpy()
    n_people = per_account.count().reindex(np.arange(1, len(accounts) + 1)).to_numpy()
    # Some accounts are single-threaded: every touch goes to the same person.
    single = rng.random(len(accounts)) < np.take((0.03, 0.10, 0.25), seg)
    offset = np.where(single[account_index], 0, (rng.random(len(account_index)) * n_people[account_index]).astype(int))
    stakeholder_id = first_id[account_index] + offset
    names = stakeholders.set_index("id")["name"]
    end = quarter_end(quarters[-1]).toordinal()
    day = end - rng.integers(0, 365, len(account_index))
    colleagues = np.asarray(("Solutions engineer", "Executive sponsor", "Customer success"), dtype=object)
    ours = np.where(
        rng.random(len(account_index)) < 0.7,
        accounts["owner"].to_numpy()[account_index],
        colleagues[rng.integers(0, 3, len(account_index))],
    )
    frame = pd.DataFrame(
        {
            "account_id": account_index + 1,
            "stakeholder_id": stakeholder_id.astype(np.int64),
            "stakeholder_name": names.reindex(stakeholder_id).to_numpy(),
            "our_person": ours,
            "date": [dt.date.fromordinal(int(d)).isoformat() for d in day],
            "channel": _pick(rng, CHANNELS, (0.35, 0.3, 0.3, 0.05), len(account_index)),
        }
    )
    return frame.drop_duplicates(["account_id", "stakeholder_name", "our_person", "date", "channel"]).reset_index(drop=True)


def _review_notes(
    rng: np.random.Generator, accounts: pd.DataFrame, revenue: pd.DataFrame, quarters: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    last, previous = quarters[-1], quarters[-2]
    latest = revenue[revenue["quarter"] == last].nlargest(min(len(accounts), 30), "revenue_cents")
    notes, revisions, items = [], [], []
    for quarter in (previous, last):
        stamp = dt.datetime.combine(quarter_end(quarter), dt.time(16, 30))
        for account_id in latest["account_id"]:
            name, owner = accounts.loc[account_id - 1, ["name", "owner"]]
            note_id = len(notes) + 1
            body = _note_body(rng, name, quarter)
            notes.append((note_id, int(account_id), quarter, body, 1, owner, stamp))
            revisions.append((note_id, 1, body, owner, stamp))
            for _ in range(int(rng.integers(1, 4))):
                due = quarter_end(quarter) + dt.timedelta(days=int(rng.integers(14, 80)))
                status = "done" if quarter == previous and rng.random() < 0.7 else "open"
                items.append(
                    (int(account_id), quarter, ACTIONS[int(rng.integers(0, len(ACTIONS)))], owner, due.isoformat(), status)
                )
    note_frame = pd.DataFrame(notes, columns=["id", "account_id", "quarter", "body", "version", "updated_by", "updated_at"])
    revision_frame = pd.DataFrame(revisions, columns=["note_id", "version", "body", "edited_by", "edited_at"])
    item_frame = pd.DataFrame(items, columns=["account_id", "quarter", "text", "owner", "due", "status"])
    for frame, column in ((note_frame, "updated_at"), (revision_frame, "edited_at")):
        frame[column] = frame[column].map(lambda v: v.isoformat(sep=" "))
    return note_frame, revision_frame, item_frame


ACTIONS = (
    "Schedule executive sponsor meeting",
    "Send renewal proposal",
    "Map the procurement team",
    "Run a value review workshop",
    "Follow up on open support escalations",
    "Present the roadmap to the CIO",
    "Agree on success metrics for next quarter",
)
HIGHLIGHTS = (
    "Renewal signed for two more years",
    "Expanded into the logistics division",
    "New CIO joined; relationship to rebuild",
    "Budget freeze announced for H2",
    "Pilot of the analytics add-on went well",
    "Competitor pitched a lower price to procurement",
)
RISKS = (
    "Single point of contact in IT",
    "Price pressure at renewal",
    "Support tickets above average",
    "Champion is leaving the company",
    "No executive sponsor on their side",
)


def _note_body(rng: np.random.Generator, name: str, quarter: str) -> str:
    highlight = HIGHLIGHTS[int(rng.integers(0, len(HIGHLIGHTS)))]
    risk = RISKS[int(rng.integers(0, len(RISKS)))]
    return (
        f"## {name}: {quarter} review\n\n"
        f"**Highlights**\n\n- {highlight}\n- Usage steady across regions\n\n"
        f"**Risks**\n\n- {risk}\n\n"
        f"**Next quarter**\n\nFocus on expanding the footprint and securing an executive sponsor.\n"
    )


APPROVED_CRITERIA = {
    "cutoff": 60,
    "near_miss_margin": 0.10,
    "rules": [
        {"metric": "annual_revenue", "op": ">=", "threshold": 1_000_000, "weight": 3, "must_have": True},
        {"metric": "yoy_growth", "op": ">=", "threshold": 0.05, "weight": 1, "must_have": False},
        {"metric": "whitespace", "op": ">=", "threshold": 250_000, "weight": 2, "must_have": False},
        {"metric": "nps", "op": ">=", "threshold": 30, "weight": 1, "must_have": False},
        {"metric": "strategic_fit", "op": ">=", "threshold": 3, "weight": 2, "must_have": False},
        {"metric": "stakeholder_coverage", "op": ">=", "threshold": 3, "weight": 1, "must_have": False},
    ],
}
DRAFT_CRITERIA = {
    **APPROVED_CRITERIA,
    "rules": [
        {**APPROVED_CRITERIA["rules"][0], "threshold": 2_000_000},
        *APPROVED_CRITERIA["rules"][1:],
        {"metric": "revenue_rank_pct", "op": "<=", "threshold": 20, "weight": 1, "must_have": False},
    ],
}


def _criteria_sets(last_quarter: str, now: dt.datetime) -> pd.DataFrame:
    # Approved in the review two weeks after the last quarter closed, so due again a quarter after that.
    approved_at = dt.datetime.combine(quarter_start(shift_quarter(last_quarter, 1)) + dt.timedelta(days=14), dt.time(9, 0))
    return pd.DataFrame(
        [
            {
                "id": 1,
                "name": "Key accounts (approved)",
                "rules": json.dumps(APPROVED_CRITERIA),
                "created_by": "admin",
                "created_at": approved_at.isoformat(sep=" "),
                "approved_by": "admin",
                "approved_at": approved_at.isoformat(sep=" "),
                "active": True,
                "review_due": one_quarter_later(approved_at.date()).isoformat(),
            },
            {
                "id": 2,
                "name": "Draft: raise the revenue bar to 2 M",
                "rules": json.dumps(DRAFT_CRITERIA),
                "created_by": "editor",
                "created_at": now.isoformat(sep=" "),
                "approved_by": None,
                "approved_at": None,
                "active": False,
                "review_due": None,
            },
        ]
    )


def _demo_users() -> pd.DataFrame:
    hashed = hash_password(DEMO_PASSWORD)
    return pd.DataFrame(
        [
            {"username": u, "name": n, "role": r, "password_hash": hashed, "is_demo": True, "failed_logins": 0}
            for u, n, r in DEMO_USERS
        ]
    )


# Children before parents, so deletes never trip a foreign key.
WIPE_ORDER = (
    models.ReviewNoteRevision,
    models.ReviewNote,
    models.ActionItem,
    models.Interaction,
    models.Stakeholder,
    models.Survey,
    models.CompetitorSpend,
    models.Revenue,
    models.Account,
    models.CriteriaSetRow,
)


def load_demo(engine: Engine, spec: DemoSpec, today: dt.date | None = None) -> DemoSummary:
    """Replace the portfolio with a demo one, in one transaction (the old data stays on failure)."""
    started = time.perf_counter()
    with write_session(engine) as session:
        quarters, rows = fill_demo(session, spec, today)
    return DemoSummary(spec.accounts, quarters, rows, time.perf_counter() - started)


def fill_demo(session: Session, spec: DemoSpec, today: dt.date | None = None) -> tuple[list[str], dict[str, int]]:
    """Write the demo portfolio inside the caller's transaction; returns its quarters and row counts."""
    today = today or clock.today()
    frames = build_demo_frames(spec, today)
    now = utc_now()
    frames["criteria_sets"] = _criteria_sets(spec.last_quarter(today), now)
    rows: dict[str, int] = {}
    connection = session.connection()
    _wipe(connection)
    session.execute(delete(models.User).where(models.User.is_demo.is_(True)))
    existing = set(session.scalars(select(models.User.username)))
    users = _demo_users()
    insert_frame(connection, models.User.__table__, users[~users["username"].isin(existing)])
    for name, frame in frames.items():
        rows[name] = insert_frame(connection, models.Base.metadata.tables[name], frame)
    reset_id_sequences(connection, [m.__table__ for m in WIPE_ORDER] + [models.User.__table__])
    for version in (FACTS, NOTES, CRITERIA):
        bump_version(session, version)
    mark_data_as_of(session, now)
    session.add(
        models.AuditLog(
            at=now,
            user="system",
            action="demo",
            entity="portfolio",
            detail=f"demo portfolio: {spec.accounts} accounts, {spec.quarters} quarters, seed {spec.seed}",
        )
    )
    return sorted(frames["revenue"]["quarter"].unique().tolist()), rows


def _wipe(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        from psycopg import sql

        # SQLAlchemy has no TRUNCATE: psycopg composes it, with lib.core.models' table names as quoted identifiers.
        tables = sql.SQL(", ").join(sql.Identifier(m.__tablename__) for m in WIPE_ORDER)
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute(sql.SQL("TRUNCATE {tables} RESTART IDENTITY CASCADE").format(tables=tables))
        cursor.close()
        return
    for model in WIPE_ORDER:
        connection.execute(delete(model.__table__))
