"""Key-account qualification: criteria sets, the account metrics they read, and a vectorised verdict.

The account-level frame (`account_metrics`) is built once per quarter and filter; `qualify` then
scores every account with a handful of numpy operations, so a criterion changed live in a meeting
never goes back to the database.

Metric definitions, for the quarter Q of the filters ("the last 4 quarters" = Q-3 .. Q):

| metric | unit | definition |
|---|---|---|
| annual_revenue | money | our revenue summed over the last 4 quarters |
| quarter_revenue | money | our revenue in Q |
| yoy_growth | rate | revenue in Q / revenue in Q-4 - 1; n/a when Q-4 had no revenue |
| wallet | money | the wallet estimate for Q; n/a without one |
| share_of_wallet | rate | revenue in Q / wallet in Q; n/a without a wallet, or with one of 0 or below our revenue (a data problem, as lib.wallet.rules counts wallets for every page) |
| whitespace | money | wallet in Q - revenue in Q, floored at 0; n/a without a wallet |
| nps | score | NPS (-100..100) of the responses dated in the last 4 quarters (one quarter is too few answers per account); n/a without any |
| csat | rate | share of CSAT responses scoring 4-5, dated in the last 4 quarters; n/a without any |
| strategic_fit | number | accounts.strategic_fit (1-5); n/a when not set |
| stakeholder_coverage | count | stakeholders on record for the account |
| tenure_years | years | from customer_since to the last day of Q, in years of 365.25 days; n/a when unknown or later |
| revenue_rank_pct | rank | 100 x r / n, r = the account's rank by annual revenue (1 = largest, ties share the better rank), n = accounts of the filter with annual revenue > 0; "top 20 %" is `revenue_rank_pct <= 20`; n/a without revenue |

A rule whose metric is n/a for an account fails for that account (missing data never qualifies).
Money is rounded to cents, so a threshold of exactly 1,000,000 is met by 1,000,000.00.

Scoring (DESIGN.md): score = 100 x passed weight / total weight; qualified = every must-have passes
and score >= cutoff. Near miss = not qualified, and either every must-have passes and the score is
at least cutoff x (1 - margin), or exactly one must-have fails and by no more than the margin of its
threshold (value >= threshold - margin x |threshold| for >=, <= threshold + margin x |threshold|
for <=). The pipeline sorts them by how far they are from qualifying: the must-have's gap as a
fraction of its threshold plus the score's gap as a fraction of the cutoff.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core import format as fmt
from lib.core.quarters import quarter_end, shift_quarter
from lib.portfolio.data import Filters, PortfolioData
from lib.wallet.rules import counted_wallets

OPS = (">=", "<=")
OP_SIGNS = {">=": "≥", "<=": "≤"}
DEFAULT_CUTOFF = 60.0
DEFAULT_MARGIN = 0.10
_EPS = 1e-9  # float noise: a value exactly at a threshold, cutoff or margin edge counts as reaching it


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # in the users' words, for the editor
    short: str  # for column headers and "what it lacks"
    unit: str  # money, rate, score, number, count, years, rank
    definition: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("annual_revenue", "Annual revenue", "revenue", "money", "Our revenue over the last 4 quarters."),
        Metric("quarter_revenue", "Revenue in the quarter", "quarter revenue", "money", "Our revenue in the quarter."),
        Metric("yoy_growth", "YoY growth", "growth", "rate", "Revenue in the quarter against the same quarter a year before."),
        Metric("wallet", "Wallet", "wallet", "money", "The customer's estimated spend in our category in the quarter."),
        Metric("share_of_wallet", "Share of wallet", "share of wallet", "rate", "Our revenue / the wallet, in the quarter."),
        Metric("whitespace", "Whitespace", "whitespace", "money", "Wallet minus our revenue in the quarter, at least 0."),
        Metric("nps", "NPS", "NPS", "score", "NPS of the responses of the last 4 quarters (-100..100)."),
        Metric("csat", "CSAT", "CSAT", "rate", "Share of CSAT responses of 4-5 in the last 4 quarters."),
        Metric("strategic_fit", "Strategic fit", "fit", "number", "Strategic fit, 1 (low) to 5 (high)."),
        Metric("stakeholder_coverage", "Stakeholders", "stakeholders", "count", "Stakeholders on record."),
        Metric("tenure_years", "Tenure (years)", "tenure", "years", "Years since the account became a customer."),
        Metric(
            "revenue_rank_pct",
            "Top N % by revenue",
            "revenue rank",
            "rank",
            "Percentile rank by annual revenue (1 = the largest); 'top 20 %' is ≤ 20.",
        ),
    )
}
METRIC_COLUMNS = tuple(METRICS)
ACCOUNT_COLUMNS = ("id", "external_id", "name", "segment", "region", "owner")


class InvalidCriteria(ValueError):
    """A criteria set that cannot be used, with every problem found (one sentence each)."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _finite(value: object) -> bool:
    return _is_number(value) and math.isfinite(float(value))


def _rule_problems(metric: object, op: object, threshold: object, weight: object, must_have: object) -> list[str]:
    found = []
    if metric not in METRICS:
        found.append(f"unknown metric {_brief(metric)}; use one of: {', '.join(METRICS)}.")
    if op not in OPS:
        found.append(f"unknown operator {_brief(op)}; use >= or <=.")
    if not _finite(threshold):
        found.append(f"the threshold must be a number, not {_brief(threshold)}.")
    if not _finite(weight):
        found.append(f"the weight must be a number, not {_brief(weight)}.")
    elif float(weight) < 0:
        found.append(f"the weight must not be negative ({float(weight):g}).")
    if not isinstance(must_have, (bool, np.bool_)):
        found.append(f"must_have must be true or false, not {_brief(must_have)}.")
    return found


def _set_problems(rules: Sequence[Rule], cutoff: object, margin: object) -> list[str]:
    found = []
    if not rules:
        found.append("A criteria set needs at least one rule.")
    elif sum(float(r.weight) for r in rules) <= 0:
        found.append("At least one rule needs a weight above 0 (the score divides by the sum of the weights).")
    if not _finite(cutoff) or not 0 <= float(cutoff) <= 100:
        found.append(f"The cutoff must be a score from 0 to 100, not {_brief(cutoff)}.")
    if not _finite(margin) or not 0 <= float(margin) < 1:
        found.append(f"The near-miss margin must be a fraction from 0 to 0.99 (0.10 = 10 %), not {_brief(margin)}.")
    return found


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str  # ">=" or "<="
    threshold: float  # in the metric's unit: currency units, fractions for rates, points, years
    weight: float = 1.0
    must_have: bool = False

    def __post_init__(self) -> None:
        problems = _rule_problems(self.metric, self.op, self.threshold, self.weight, self.must_have)
        if problems:
            raise InvalidCriteria([p[0].upper() + p[1:] for p in problems])

    @property
    def info(self) -> Metric:
        return METRICS[self.metric]

    def label(self) -> str:
        """'Annual revenue ≥ 1 M', 'YoY growth ≥ 5 %', 'Top 20 % by revenue'."""
        if self.metric == "revenue_rank_pct" and self.op == "<=":
            return f"Top {_plain(self.threshold)} % by revenue"
        return f"{self.info.label} {OP_SIGNS[self.op]} {threshold_text(self.metric, self.threshold)}"

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "op": self.op,
            "threshold": _json_number(self.threshold),
            "weight": _json_number(self.weight),
            "must_have": bool(self.must_have),
        }


@dataclass(frozen=True)
class CriteriaSet:
    rules: tuple[Rule, ...]
    cutoff: float = DEFAULT_CUTOFF  # score 0..100
    near_miss_margin: float = DEFAULT_MARGIN  # fraction: 0.10 = 10 %

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        problems = _set_problems(self.rules, self.cutoff, self.near_miss_margin)
        if problems:
            raise InvalidCriteria(problems)

    def to_dict(self) -> dict:
        return {
            "cutoff": _json_number(self.cutoff),
            "near_miss_margin": _json_number(self.near_miss_margin),
            "rules": [r.to_dict() for r in self.rules],
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: object) -> CriteriaSet:
        """Validate a decoded criteria document; InvalidCriteria lists every problem."""
        if not isinstance(data, Mapping):
            raise InvalidCriteria(["A criteria set must be a JSON object with rules, cutoff and near_miss_margin."])
        problems = [
            f"Unknown field {_brief(k)} (expected rules, cutoff, near_miss_margin)." for k in data if k not in _SET_FIELDS
        ]
        if "cutoff" not in data:
            problems.append("The cutoff is missing.")
        rules_data = data.get("rules")
        if not isinstance(rules_data, list):
            problems.append("The rules must be a list.")
            rules_data = []
        elif len(rules_data) > MAX_RULES:
            raise InvalidCriteria([f"A criteria set has at most {MAX_RULES} rules; this one has {len(rules_data):,}."])
        rules: list[Rule] = []
        for number, item in enumerate(rules_data, start=1):
            rule, rule_problems = _rule_from_dict(item)
            problems += [f"Rule {number}: {p}" for p in rule_problems]
            if rule is not None:
                rules.append(rule)
        cutoff, margin = data.get("cutoff", DEFAULT_CUTOFF), data.get("near_miss_margin", DEFAULT_MARGIN)
        set_problems = _set_problems(rules, cutoff, margin)
        if len(rules) < len(rules_data):  # rules left out for their own problems: "no rules" would only repeat them
            set_problems = [p for p in set_problems if p.startswith("The ")]
        problems += set_problems
        if problems:
            raise InvalidCriteria(_at_most(problems))
        return cls(tuple(rules), cutoff, margin)

    @classmethod
    def from_json(cls, text: str | bytes) -> CriteriaSet:
        """Read a criteria document; too large, too deeply nested or malformed JSON is refused with a clear message."""
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidCriteria(["Not valid JSON: it is not UTF-8 text."]) from None
        if not isinstance(text, str):
            raise InvalidCriteria([f"Not valid JSON: expected text, not {type(text).__name__}."])
        if len(text) > MAX_JSON_CHARS:
            raise InvalidCriteria([f"The criteria JSON is too large ({len(text):,} characters; at most {MAX_JSON_CHARS:,})."])
        if _nesting_depth(text) > MAX_JSON_DEPTH:
            raise InvalidCriteria(
                [f"The criteria JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels); a criteria set needs 3."]
            )
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:  # RecursionError: belt and braces behind the depth check
            raise InvalidCriteria([f"Not valid JSON: {_brief(str(error), 120, quote=False)}."]) from None
        return cls.from_dict(data)


MAX_JSON_CHARS = 100_000  # a criteria set of MAX_RULES rules is about 10,000 characters
MAX_JSON_DEPTH = 20
MAX_RULES = 100
MAX_PROBLEMS = 10  # listed; the rest are counted
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        depth = depth + 1 if bracket in "[{" else depth - 1
        deepest = max(deepest, depth)
    return deepest


def _brief(value: object, limit: int = 60, quote: bool = True) -> str:
    """A value as a message shows it: its repr (or text), cut to `limit` characters."""
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _at_most(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS:,} more problems."]


_SET_FIELDS = ("rules", "cutoff", "near_miss_margin")
_RULE_FIELDS = ("metric", "op", "threshold", "weight", "must_have")


def _rule_from_dict(item: object) -> tuple[Rule | None, list[str]]:
    if not isinstance(item, Mapping):
        return None, ["a rule must be an object with metric, op, threshold, weight and must_have."]
    problems = [f"unknown field {_brief(k)}." for k in item if k not in _RULE_FIELDS]
    problems += [f"the {k} is missing." for k in ("metric", "op", "threshold") if k not in item]
    if problems:
        return None, problems
    values = {"weight": 1, "must_have": False, **{k: item[k] for k in _RULE_FIELDS if k in item}}
    problems = _rule_problems(**values)
    if problems:
        name = values["metric"]
        prefix = f"({name}) " if isinstance(name, str) and name in METRICS else ""
        return None, [prefix + p for p in problems]
    return Rule(**values), []


def _json_number(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _plain(value: float) -> str:
    """A number as short as it can be without losing it: 1000000 -> '1000000', 0.05 -> '0.05'."""
    return f"{float(value):.10g}"


# ---------------------------------------------------------------- thresholds as people type them

_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(k|m|mn|b|bn|%)?$", re.IGNORECASE)


def parse_threshold(metric: str, text: object) -> float:
    """'2 M' -> 2000000 for money, '5 %' -> 0.05 for a rate, '20' -> 20; InvalidCriteria otherwise."""
    info = METRICS.get(metric)
    if _is_number(text):
        if not math.isfinite(float(text)):
            raise InvalidCriteria([f"the threshold must be a number, not {_brief(text)}."])
        return float(text)
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        raise InvalidCriteria(["the threshold is empty."])
    raw = str(text).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("_", "").replace("'", "")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?.*", raw):
        raw = raw.replace(",", "")  # 1,000,000: thousands separators
    elif raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")  # 0,05: a decimal comma
    match = _NUMBER.match(raw)
    if not match:
        raise InvalidCriteria([f"the threshold {_brief(str(text))} is not a number."])
    number, suffix = float(match.group(1)), (match.group(2) or "").lower()
    unit = info.unit if info else ""
    if suffix in _SCALES:
        if unit != "money":
            raise InvalidCriteria(
                [f"{_brief(str(text))}: k, M and B are for money; {info.label if info else metric} is not money."]
            )
        return number * _SCALES[suffix]
    if suffix == "%":
        if unit == "rate":
            return number / 100.0
        if unit == "rank":
            return number
        raise InvalidCriteria(
            [f"{_brief(str(text))}: % is for rates and ranks; write {info.label if info else metric} as a plain number."]
        )
    return number


def threshold_text(metric: str, value: float) -> str:
    """The threshold as the editor shows it; parse_threshold reads it back to the same number."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    value = float(value)
    if unit == "money":
        for suffix, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
            if abs(value) >= scale:
                return f"{value / scale:.10g} {suffix}"
        return _plain(value)
    if unit == "rate":
        return f"{value * 100:.10g} %"
    return _plain(value)


# ---------------------------------------------------------------- formatting values in their unit


def format_value(value: float | None, unit: str, digits: int = 1) -> str:
    """A metric value in its own unit (via lib.core.format): '1.2 M', '5.0 %', '28', 'top 20 %', '3.5 years'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return fmt.NA
    value = float(value)
    if unit == "money":
        return fmt.money(value, digits)
    if unit == "rate":
        return fmt.rate(value, digits)
    if unit == "years":
        return f"{value:.{digits}f} years"
    if unit == "rank":
        return f"top {_trimmed(value, digits - 1)} %"
    return _trimmed(value, digits - 1)


def _trimmed(value: float, digits: int) -> str:
    return fmt.count(value) if digits <= 0 or float(value).is_integer() else f"{value:,.{digits}f}"


_MONEY_SCALES = (("B", 1e9), ("M", 1e6), ("k", 1e3))


@functools.lru_cache(maxsize=256)
def _shortfall_format(rule: Rule) -> tuple[str, str, str, float, int, str]:
    """(prefix, unit suffix, ', needs ...' ending, scale, default digits, style) for a rule's shortfall texts."""
    unit, threshold = rule.info.unit, float(rule.threshold)
    suffix, scale = "", 1.0
    if unit == "money":
        suffix, scale = next(((f" {s}", f) for s, f in _MONEY_SCALES if abs(threshold) >= f), ("", 1.0))
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


# ---------------------------------------------------------------- the account-level frame


def account_metrics(data: PortfolioData, filters: Filters) -> pd.DataFrame:
    """One row per account of the filter (index = positions in data.accounts), the metric columns above."""
    positions = np.flatnonzero(data.mask(filters))
    n = len(positions)
    accounts = data.accounts.iloc[positions]
    frame = pd.DataFrame({c: accounts[c].to_numpy() for c in ACCOUNT_COLUMNS}, index=pd.Index(positions))
    q = data.column(filters.quarter)
    year = [c for c in (data.column(shift_quarter(filters.quarter, -k)) for k in range(4)) if c is not None]
    year_ago = data.column(shift_quarter(filters.quarter, -4))
    nan = np.full(n, np.nan)

    def quarter(matrix: np.ndarray, column: int | None, fill: float) -> np.ndarray:
        return matrix[positions, column] if column is not None else np.full(n, fill)

    def last_year(matrix: np.ndarray) -> np.ndarray:
        return matrix[positions][:, year].sum(axis=1) if year else np.zeros(n)

    revenue_q = quarter(data.revenue, q, 0.0)
    revenue_b = quarter(data.revenue, year_ago, 0.0)
    wallet = quarter(data.wallet, q, np.nan)
    annual = np.round(last_year(data.revenue), 2)
    nps_n, csat_n = last_year(data.nps_responses), last_year(data.csat_responses)
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = {
            "annual_revenue": annual,
            "quarter_revenue": np.round(revenue_q, 2),
            "yoy_growth": np.where(revenue_b > 0, revenue_q / revenue_b - 1.0, np.nan),
            "wallet": np.round(wallet, 2),
            "share_of_wallet": np.where(counted_wallets(revenue_q, wallet), revenue_q / wallet, np.nan),
            "whitespace": np.round(np.maximum(wallet - revenue_q, 0.0), 2),  # NaN wallet stays NaN
            "nps": np.where(nps_n > 0, 100.0 * (last_year(data.nps_promoters) - last_year(data.nps_detractors)) / nps_n, np.nan),
            "csat": np.where(csat_n > 0, last_year(data.csat_satisfied) / csat_n, np.nan),
            "strategic_fit": pd.to_numeric(accounts["strategic_fit"], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            ),
            "stakeholder_coverage": data.stakeholder_count[positions].astype(np.float64),
            "tenure_years": _tenure_years(accounts["customer_since"], quarter_end(filters.quarter)) if n else nan,
            "revenue_rank_pct": _rank_pct(annual),
        }
    for name in METRIC_COLUMNS:
        frame[name] = np.asarray(columns[name], dtype=np.float64)
    return frame


def _tenure_years(customer_since: pd.Series, end: dt.date) -> np.ndarray:
    since = pd.to_datetime(customer_since, errors="coerce")
    days = (pd.Timestamp(end) - since).dt.days.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(days >= 0, days / 365.25, np.nan)


def _rank_pct(annual: np.ndarray) -> np.ndarray:
    ranked = annual > 0
    out = np.full(len(annual), np.nan)
    count = int(ranked.sum())
    if count:
        # rank 1 = the largest; ties share the better rank ("min"), so equal accounts qualify together
        rank = pd.Series(annual[ranked]).rank(ascending=False, method="min").to_numpy()
        out[ranked] = 100.0 * rank / count
    return out


# ---------------------------------------------------------------- the verdict


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


# ---------------------------------------------------------------- what the page shows


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


def why_not(metrics: pd.DataFrame, result: Qualification, rows: np.ndarray) -> list[str]:
    """Why each given row (positions in the frame) does not qualify: the must-have it fails, or the score."""
    cutoff = _plain(result.criteria.cutoff)
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
    table["lacks"] = [_joined(p) for p in _shortfalls(metrics, result, rows)]
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
            "weight": [_json_number(r.weight) for r in rules],
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
        frame["lacks"] = [_joined(p) for p in _shortfalls(metrics, result, rows)]
    for column in METRIC_COLUMNS:
        frame[column] = part[column].to_numpy()
    for name, passed in zip(result.passes.columns, result.passes.to_numpy()[rows].T):
        frame[f"passes {name}"] = passed
    return frame


# ---------------------------------------------------------------- the editor's rows


def criteria_table(criteria: CriteriaSet) -> pd.DataFrame:
    """The rules as the editor shows them: thresholds as text people can type back ('1 M', '5 %')."""
    return pd.DataFrame(
        {
            "metric": pd.Series([r.metric for r in criteria.rules], dtype=object),
            "op": pd.Series([r.op for r in criteria.rules], dtype=object),
            "threshold": pd.Series([threshold_text(r.metric, r.threshold) for r in criteria.rules], dtype=object),
            "weight": pd.Series([float(r.weight) for r in criteria.rules], dtype=np.float64),
            "must_have": pd.Series([bool(r.must_have) for r in criteria.rules], dtype=bool),
        }
    )


def _blank(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def criteria_from_table(rows: pd.DataFrame, cutoff: object, near_miss_margin: object) -> CriteriaSet:
    """Read the editor's rows back (rows without metric and threshold are skipped); InvalidCriteria lists the problems."""
    problems: list[str] = []
    rules: list[Rule] = []
    for number, row in enumerate(rows.to_dict("records"), start=1):
        metric, op, threshold = row.get("metric"), row.get("op"), row.get("threshold")
        weight, must_have = row.get("weight"), row.get("must_have")
        if _blank(metric) and _blank(threshold):
            continue
        here: list[str] = []
        known = metric in METRICS
        if _blank(metric):
            here.append("choose a metric.")
        elif not known:
            here.append(f"unknown metric {_brief(metric)}.")
        if op not in OPS:
            here.append("choose ≥ or ≤.")
        value = None
        try:
            value = parse_threshold(metric if known else "", threshold)
        except InvalidCriteria as invalid:
            here += invalid.problems
        weight = 1.0 if _blank(weight) else weight
        if not _finite(weight):
            here.append(f"the weight {_brief(weight)} is not a number.")
        elif float(weight) < 0:
            here.append(f"the weight must not be negative ({float(weight):g}).")
        if here:
            problems += [f"Rule {number}{f' ({METRICS[metric].label})' if known else ''}: {p}" for p in here]
            continue
        rules.append(Rule(str(metric), str(op), float(value), float(weight), False if _blank(must_have) else bool(must_have)))
    if problems:
        raise InvalidCriteria(problems)
    margin = near_miss_margin
    problems = _set_problems(rules, cutoff, margin)
    if problems:
        raise InvalidCriteria(problems)
    return CriteriaSet(tuple(rules), float(cutoff), float(margin))


def describe_criteria(criteria: CriteriaSet) -> str:
    """One line: 'Annual revenue ≥ 1 M (must-have, weight 3) · ... · cutoff 60 · near-miss margin 10 %'."""
    rules = " · ".join(f"{r.label()} ({'must-have, ' if r.must_have else ''}weight {_plain(r.weight)})" for r in criteria.rules)
    return f"{rules} · cutoff {_plain(criteria.cutoff)} · near-miss margin {_plain(criteria.near_miss_margin * 100)} %"
