"""The frames the Key accounts page shows and exports: who qualifies, who nearly does, who enters and leaves.

Each is built from the account-level frame (lib.keyaccounts.metrics) and a verdict
(lib.keyaccounts.qualification); the page tables show at most DISPLAY_LIMIT rows, the CSV exports all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.keyaccounts.criteria import json_number
from lib.keyaccounts.metrics import ACCOUNT_COLUMNS, METRIC_COLUMNS
from lib.keyaccounts.qualification import Qualification, passed_text, what_it_lacks, why_not

DISPLAY_LIMIT = 500  # rows a page table shows; the CSV exports have them all


def _ordered(metrics: pd.DataFrame, result: Qualification, chosen: np.ndarray, first: str) -> np.ndarray:
    """Positions of the chosen rows: by 'score' (then revenue), 'distance' (then score, revenue) or 'revenue'."""
    rows = np.flatnonzero(chosen)
    revenue = -metrics["annual_revenue"].to_numpy()[rows]
    score = -result.score.to_numpy()[rows]
    keys = {
        "score": (revenue, score),
        "distance": (revenue, score, result.distance.to_numpy()[rows]),
        "revenue": (score, revenue),
    }[first]
    return rows[np.lexsort(keys)]  # np.lexsort sorts by the last key first


def _account_rows(metrics: pd.DataFrame, result: Qualification, rows: np.ndarray) -> pd.DataFrame:
    def column(name: str) -> np.ndarray:
        return metrics[name].to_numpy()[rows]  # one column at a time: .iloc would copy every column

    return pd.DataFrame(
        {
            "id": column("id"),
            "name": column("name"),
            "segment": column("segment"),
            "owner": column("owner"),
            "score": np.round(result.score.to_numpy()[rows], 1),
            "annual_revenue": column("annual_revenue"),
            "whitespace": column("whitespace"),
        }
    )


def qualified_accounts(metrics: pd.DataFrame, result: Qualification, limit: int | None = DISPLAY_LIMIT) -> pd.DataFrame:
    """The qualified accounts, best score first (then by annual revenue), with the rules they pass."""
    rows = _ordered(metrics, result, result.qualified.to_numpy(), "score")[:limit]
    table = _account_rows(metrics, result, rows)
    table["rules_passed"] = passed_text(result, rows)
    return table


def near_misses(metrics: pd.DataFrame, result: Qualification, limit: int | None = DISPLAY_LIMIT) -> pd.DataFrame:
    """Accounts that nearly qualify, closest first, each with what it lacks per failing rule."""
    rows = _ordered(metrics, result, result.near_miss.to_numpy(), "distance")[:limit]
    table = _account_rows(metrics, result, rows)
    table["lacks"] = what_it_lacks(metrics, result, rows)
    table["distance"] = np.round(result.distance.to_numpy()[rows], 4)
    return table[["id", "name", "score", "lacks", "annual_revenue", "owner", "segment", "whitespace", "distance"]]


@dataclass(frozen=True)
class CriteriaDiff:
    """Who enters and who leaves when the draft replaces the base set, largest first, and why."""

    entering: pd.DataFrame  # at most `limit` rows; the counts below are complete
    leaving: pd.DataFrame
    entering_count: int
    leaving_count: int
    staying_count: int


def compare(metrics: pd.DataFrame, base: Qualification, draft: Qualification, limit: int | None = DISPLAY_LIMIT) -> CriteriaDiff:
    """The accounts the draft adds to and drops from the base set, by annual revenue, with the reason."""
    before, after = base.qualified.to_numpy(), draft.qualified.to_numpy()
    entering = _ordered(metrics, draft, after & ~before, "revenue")
    leaving = _ordered(metrics, draft, before & ~after, "revenue")

    def table(rows: np.ndarray, why: list[str]) -> pd.DataFrame:
        frame = _account_rows(metrics, draft, rows)
        frame["score_before"] = np.round(base.score.to_numpy()[rows], 1)
        frame["why"] = why
        return frame[["id", "name", "score", "score_before", "why", "annual_revenue", "owner", "segment"]]

    shown_in, shown_out = entering[:limit], leaving[:limit]
    return CriteriaDiff(
        entering=table(shown_in, [f"was out: {text}" for text in why_not(metrics, base, shown_in)]),
        leaving=table(shown_out, why_not(metrics, draft, shown_out)),
        entering_count=len(entering),
        leaving_count=len(leaving),
        staying_count=int((before & after).sum()),
    )


def rule_check(result: Qualification) -> pd.DataFrame:
    """Per rule as read: its label, weight, must-have, and how many accounts pass it."""
    rules = result.criteria.rules
    return pd.DataFrame(
        {
            "rule": [r.label() for r in rules],
            "weight": [json_number(r.weight) for r in rules],
            "must_have": [bool(r.must_have) for r in rules],
            "accounts_passing": result.passes.to_numpy().sum(axis=0).astype(int),
        }
    )


def pareto(metrics: pd.DataFrame, result: Qualification) -> pd.DataFrame:
    """Accounts with annual revenue, largest first, with the cumulative share of revenue they bring."""
    revenue = metrics["annual_revenue"].to_numpy()
    rows = np.flatnonzero(revenue > 0)
    rows = rows[np.argsort(-revenue[rows], kind="stable")]
    ranked = revenue[rows]
    count, total = len(rows), ranked.sum()
    return pd.DataFrame(
        {
            "id": metrics["id"].to_numpy()[rows],
            "name": metrics["name"].to_numpy()[rows],
            "rank": np.arange(1, count + 1),
            "account_share": np.arange(1, count + 1) / max(count, 1),
            "annual_revenue": ranked,
            "cumulative_share": np.cumsum(ranked) / total if total > 0 else np.zeros(count),
            "top_20": metrics["revenue_rank_pct"].to_numpy()[rows] <= 20,
            "qualified": result.qualified.to_numpy()[rows],
        }
    )


def export_frame(metrics: pd.DataFrame, result: Qualification, which: str) -> pd.DataFrame:
    """Every 'qualified' or 'near_miss' account with its score, every metric and every rule, for CSV."""
    chosen = (result.qualified if which == "qualified" else result.near_miss).to_numpy()
    rows = _ordered(metrics, result, chosen, "score" if which == "qualified" else "distance")
    part = metrics.iloc[rows]
    frame = pd.DataFrame({c: part[c].to_numpy() for c in ACCOUNT_COLUMNS if c != "id"})
    frame["score"] = np.round(result.score.to_numpy()[rows], 2)
    if which == "near_miss":
        frame["lacks"] = what_it_lacks(metrics, result, rows)
    for column in METRIC_COLUMNS:
        frame[column] = part[column].to_numpy()
    for name, passed in zip(result.passes.columns, result.passes.to_numpy()[rows].T):
        frame[f"passes {name}"] = passed
    return frame
