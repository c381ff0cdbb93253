"""The demo's accounts and facts: revenue and wallets, competitor spend, surveys, stakeholders and interactions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from lib.core.quarters import quarter_start
from lib.io.demo.names import (
    COMPETITORS,
    INDUSTRIES,
    TITLES,
    WALLET_SOURCES,
    owner_names,
    people,
    pick,
    unique_names,
)
from lib.portfolio.data import WALLET_CONFIDENCES
from lib.relationships.vocabulary import CHANNELS, LEVELS, STAKEHOLDER_ROLES

SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
SEGMENT_WEIGHTS = (0.12, 0.33, 0.55)
# Median annual revenue and spread per segment, in currency units.
SEGMENT_ANNUAL_MEDIAN = (2_000_000.0, 250_000.0, 40_000.0)
SEGMENT_SPREAD = (0.9, 0.8, 0.9)
SEGMENT_QUARTERLY_CHURN = (0.004, 0.010, 0.018)
REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (0.40, 0.35, 0.18, 0.07)
COMPETITOR_POPULARITY = (0.22, 0.18, 0.15, 0.12, 0.10, 0.09, 0.08, 0.06)
CONFIDENCE_WEIGHTS = (0.25, 0.45, 0.30)  # of WALLET_CONFIDENCES


def owner_count(accounts: int) -> int:
    """How many account owners a demo of this many accounts has."""
    return int(np.clip(accounts // 25, 8, 4000))


def draw_accounts(rng: np.random.Generator, count: int, quarters: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    segment_code = rng.choice(3, size=count, p=SEGMENT_WEIGHTS)
    owners = owner_names(owner_count(count))
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
            "name": unique_names(rng, count),
            "segment": np.asarray(SEGMENTS, dtype=object)[segment_code],
            "industry": pick(rng, INDUSTRIES, None, count),
            "region": pick(rng, REGIONS, REGION_WEIGHTS, count),
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


def draw_revenue(rng: np.random.Generator, traits: pd.DataFrame, quarters: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
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
    source = pick(rng, WALLET_SOURCES, None, count)
    confidence = pick(rng, WALLET_CONFIDENCES, CONFIDENCE_WEIGHTS, count)

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


def draw_competitor_spend(rng: np.random.Generator, revenue: pd.DataFrame, count: int) -> pd.DataFrame:
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


def draw_surveys(rng: np.random.Generator, traits: pd.DataFrame, active: np.ndarray, quarters: list[str]) -> pd.DataFrame:
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


def draw_stakeholders(rng: np.random.Generator, accounts: pd.DataFrame, traits: pd.DataFrame) -> pd.DataFrame:
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
            "name": people(rng, len(position)),
            "title": [TITLES[lv][i % len(TITLES[lv])] for lv, i in zip(levels, rng.integers(0, 5, len(position)))],
            "level": levels,
            "role": np.asarray(STAKEHOLDER_ROLES, dtype=object)[role_code],
            "our_owner": accounts["owner"].to_numpy()[account_index],
        }
    )
    frame = frame.drop_duplicates(["account_id", "name"]).reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def skip_former_interaction_draws(rng: np.random.Generator, traits: pd.DataFrame, active: np.ndarray) -> None:
    """Take from the main stream exactly the draws the interactions took before they got a stream of their own
    (lib.io.demo.relationships), so that everything drawn after them (the review notes) stays as it was."""
    counts = rng.poisson(np.take((30, 10, 4), traits["segment_code"].to_numpy())) * active[:, -1]
    drawn = int(counts.sum())
    rng.random(len(traits))
    rng.random(drawn)
    rng.integers(0, 365, drawn)
    rng.random(drawn)
    rng.integers(0, 3, drawn)
    rng.choice(len(CHANNELS), size=drawn, p=(0.35, 0.3, 0.3, 0.05))
