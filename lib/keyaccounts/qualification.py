"""Key-account qualification: every account's verdict under a criteria set, and why it falls short.

`qualify` scores every account of the account-level frame (lib.keyaccounts.metrics) with a handful
of numpy operations. A rule whose metric is n/a for an account fails for that account (missing data
never qualifies).

Scoring (DESIGN.md): score = 100 x passed weight / total weight; qualified = every must-have passes
and score >= cutoff. Near miss = not qualified, and either every must-have passes and the score is
at least cutoff x (1 - margin), or exactly one must-have fails and by no more than the margin of its
threshold (value >= threshold - margin x |threshold| for >=, <= threshold + margin x |threshold|
for <=). The pipeline sorts them by how far they are from qualifying: the must-have's gap as a
fraction of its threshold plus the score's gap as a fraction of the cutoff.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import format as fmt
from lib.keyaccounts.criteria import MONEY_SCALES, CriteriaSet, InvalidCriteria, Rule, plain_number, threshold_text

_EPS = 1e-9  # float noise: a value exactly at a threshold, cutoff or margin edge counts as reaching it


@dataclass(frozen=True, eq=False)
class Qualification:
    """Every account's verdict under one criteria set; the Series share the metrics frame's index."""

    criteria: CriteriaSet
    score: pd.Series  # 0..100
    qualified: pd.Series  # bool
    near_miss: pd.Series  # bool, never together with qualified
    passes: pd.DataFrame  # bool, column i = criteria.rules[i], named by rule_columns()
    musts_pass: pd.Series  # bool: every must-have passes
    distance: pd.Series  # how far a near miss is from qualifying (0 = at the line); NaN for the others

    @property
    def qualified_count(self) -> int:
        return int(self.qualified.sum())

    @property
    def near_miss_count(self) -> int:
        return int(self.near_miss.sum())


@functools.lru_cache(maxsize=256)
def rule_columns(criteria: CriteriaSet) -> tuple[str, ...]:
    """Unique column names for the rules, in order: their labels, numbered when two read the same."""
    names: list[str] = []
    for rule in criteria.rules:
        label = rule.label()
        names.append(label if label not in names else f"{label} (rule {len(names) + 1})")
    return tuple(names)


def _rule_values(metrics: pd.DataFrame, criteria: CriteriaSet) -> list[np.ndarray]:
    return [metrics[rule.metric].to_numpy(dtype=np.float64) for rule in criteria.rules]


def _passes(rule: Rule, values: np.ndarray) -> np.ndarray:
    slack = _EPS * max(1.0, abs(rule.threshold))  # float noise must not fail an account sitting exactly on the line
    return values >= rule.threshold - slack if rule.op == ">=" else values <= rule.threshold + slack  # NaN fails both


def qualify(metrics: pd.DataFrame, criteria: CriteriaSet) -> Qualification:
    """Score every account against the criteria, with must-haves, the cutoff and the near misses."""
    if not isinstance(criteria, CriteriaSet):  # e.g. a StoredCriteriaSet.criteria left None by invalid JSON
        raise InvalidCriteria([f"There is no valid criteria set to qualify with (got {type(criteria).__name__})."])
    rules = criteria.rules
    n = len(metrics)
    weights = np.array([float(r.weight) for r in rules])
    points = 100.0 * weights / weights.sum()
    passes = np.empty((n, len(rules)), dtype=bool, order="F")  # a column per rule, each contiguous
    columns = _rule_values(metrics, criteria)
    score = np.zeros(n)
    failed_musts = np.zeros(n, dtype=np.int8)
    for j, rule in enumerate(rules):
        passed = _passes(rule, columns[j])
        passes[:, j] = passed
        score += passed * points[j]
        if rule.must_have:
            failed_musts += ~passed
    musts_pass = failed_musts == 0
    cutoff, margin = float(criteria.cutoff), float(criteria.near_miss_margin)
    floor = cutoff * (1.0 - margin) - _EPS
    qualified = musts_pass & (score >= cutoff - _EPS)

    # Near misses (DESIGN.md): every must-have passes and the score is within the margin of the cutoff,
    # or exactly one must-have fails, by no more than the margin of its threshold.
    near_miss = musts_pass & ~qualified & (score >= floor)
    distance = np.full(n, np.nan)
    by_score = np.flatnonzero(near_miss)
    distance[by_score] = _score_gap(score[by_score], cutoff)
    one_short = failed_musts == 1
    for j in (j for j, r in enumerate(rules) if r.must_have):
        rule, scale = rules[j], abs(rules[j].threshold)
        allowance = margin * scale + _EPS * max(1.0, scale)
        # Whole-column comparisons first (cheap), so that only the few accounts within reach are indexed.
        within = columns[j] >= rule.threshold - allowance if rule.op == ">=" else columns[j] <= rule.threshold + allowance
        rows = np.flatnonzero(one_short & within & ~passes[:, j])
        gap = np.abs(columns[j][rows] - rule.threshold)
        near_miss[rows] = True
        distance[rows] = (gap / scale if scale else 0.0) + _score_gap(score[rows] + points[j], cutoff)

    index = metrics.index
    return Qualification(
        criteria=criteria,
        score=pd.Series(score, index=index, name="score", copy=False),
        qualified=pd.Series(qualified, index=index, name="qualified", copy=False),
        near_miss=pd.Series(near_miss, index=index, name="near_miss", copy=False),
        passes=pd.DataFrame(passes, index=index, columns=list(rule_columns(criteria)), copy=False),
        musts_pass=pd.Series(musts_pass, index=index, name="musts_pass", copy=False),
        distance=pd.Series(distance, index=index, name="distance", copy=False),
    )


def _score_gap(score: np.ndarray, cutoff: float) -> np.ndarray:
    """How far below the cutoff, as a fraction of it (0 when at or above)."""
    return np.maximum(cutoff - score, 0.0) / cutoff if cutoff > 0 else np.zeros_like(score)


@dataclass(frozen=True)
class QualificationSummary:
    accounts: int
    qualified: int
    near_misses: int
    revenue_share: float | None  # of the filter's annual revenue
    whitespace_share: float | None  # of the filter's whitespace
    qualified_revenue: float
    qualified_whitespace: float


def summarize(metrics: pd.DataFrame, result: Qualification) -> QualificationSummary:
    """How many qualify, and their share of the filter's annual revenue and whitespace."""
    chosen = result.qualified.to_numpy()
    revenue = metrics["annual_revenue"].to_numpy()
    whitespace = np.nan_to_num(metrics["whitespace"].to_numpy())
    total_revenue, total_whitespace = float(revenue.sum()), float(whitespace.sum())
    ours_revenue, ours_whitespace = float(revenue[chosen].sum()), float(whitespace[chosen].sum())
    return QualificationSummary(
        accounts=len(metrics),
        qualified=int(chosen.sum()),
        near_misses=int(result.near_miss.sum()),
        revenue_share=ours_revenue / total_revenue if total_revenue > 0 else None,
        whitespace_share=ours_whitespace / total_whitespace if total_whitespace > 0 else None,
        qualified_revenue=ours_revenue,
        qualified_whitespace=ours_whitespace,
    )


# ---------------------------------------------------------------- what an account lacks


@functools.lru_cache(maxsize=256)
def _shortfall_format(rule: Rule) -> tuple[str, str, str, float, int, str]:
    """(prefix, unit suffix, ', needs ...' ending, scale, default digits, style) for a rule's shortfall texts."""
    unit, threshold = rule.info.unit, float(rule.threshold)
    suffix, scale = "", 1.0
    if unit == "money":
        suffix, scale = next(((f" {s}", f) for s, f in MONEY_SCALES if abs(threshold) >= f), ("", 1.0))
    elif unit == "rate":
        suffix, scale = " %", 0.01
    elif unit == "years":
        suffix = " years"
    text = threshold_text(rule.metric, threshold)
    if unit == "rank":
        needed = f"top {text} %" if rule.op == "<=" else f"rank ≥ {text} %"
    else:
        needed = ("at most " if rule.op == "<=" else "") + text + (" years" if unit == "years" else "")
    digits = {"rate": 1, "years": 1}.get(unit, 0)
    return f"{rule.info.short} ", suffix, f", needs {needed}", scale, digits, unit


def lacks(rule: Rule, value: float) -> str:
    """What an account lacks on a rule, in the rule's own unit: 'revenue 0.92 M, needs 1 M'; 'NPS 28, needs 30'.

    The value is shown in the threshold's scale, with just enough digits never to read as equal to it.
    """
    prefix, suffix, ending, scale, digits, unit = _shortfall_format(rule)
    if value is None or math.isnan(value):
        return f"{prefix}{fmt.NA}{ending}"
    v, t = value / scale, rule.threshold / scale
    if unit == "money":
        digits = 2 if abs(v) < 10 else 1 if abs(v) < 100 else 0
    while digits < 6 and round(v, digits) == round(t, digits) and v != t:
        digits += 1
    return f"{prefix}{'top ' if unit == 'rank' else ''}{v:,.{digits}f}{' %' if unit == 'rank' else suffix}{ending}"


def _shortfalls(metrics: pd.DataFrame, result: Qualification, rows: np.ndarray) -> list[list[tuple[bool, str]]]:
    """Per row (positions in the frame), (must-have?, what it lacks) for each rule it fails: must-haves first."""
    rules = result.criteria.rules
    passes = result.passes.to_numpy()[rows]
    order = sorted(range(len(rules)), key=lambda j: (not rules[j].must_have, -rules[j].weight, j))
    out: list[list[tuple[bool, str]]] = [[] for _ in rows]
    for j in order:
        rule = rules[j]
        values = metrics[rule.metric].to_numpy(dtype=np.float64)[rows].tolist()  # Python floats round faster
        for k in np.flatnonzero(~passes[:, j]).tolist():
            out[k].append((rule.must_have, lacks(rule, values[k]) + (" (must-have)" if rule.must_have else "")))
    return out


def _joined(parts: list[tuple[bool, str]]) -> str:
    return "; ".join(text for _, text in parts)


def what_it_lacks(metrics: pd.DataFrame, result: Qualification, rows: np.ndarray) -> list[str]:
    """Per row (positions in the frame), what it lacks on each rule it fails, must-haves first."""
    return [_joined(parts) for parts in _shortfalls(metrics, result, rows)]


def why_not(metrics: pd.DataFrame, result: Qualification, rows: np.ndarray) -> list[str]:
    """Why each given row (positions in the frame) does not qualify: the must-have it fails, or the score."""
    cutoff = plain_number(result.criteria.cutoff)
    out = []
    for parts, score in zip(_shortfalls(metrics, result, rows), result.score.to_numpy()[rows]):
        musts = [p for p in parts if p[0]]
        shown = f"{score:.0f}" if abs(score - round(score)) < 1e-9 else f"{score:.1f}"
        out.append(_joined(musts) if musts else f"score {shown}, needs {cutoff}: {_joined(parts)}")
    return out


def passed_text(result: Qualification, rows: np.ndarray) -> list[str]:
    """'7 of 7' or '6 of 7, not NPS ≥ 30' for the given rows."""
    passes = result.passes.to_numpy()[rows]
    labels = [r.label() for r in result.criteria.rules]
    missing: list[list[str]] = [[] for _ in rows]
    for j, label in enumerate(labels):
        for k in np.flatnonzero(~passes[:, j]).tolist():
            missing[k].append(label)
    total = len(labels)
    return [f"{total - len(m)} of {total}" + (f", not {', '.join(m)}" if m else "") for m in missing]
