"""Key-account criteria sets: rules, cutoff and near-miss margin, read from JSON or the editor's rows.

A criteria set is validated whole: InvalidCriteria lists every problem found, one sentence each, so
a pasted document or an edited row says at once all that is wrong with it. Thresholds are read as
people type them ('2 M', '5 %') and shown back the same way.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.keyaccounts.metrics import METRICS, Metric

OPS = (">=", "<=")
OP_SIGNS = {">=": "≥", "<=": "≤"}
DEFAULT_CUTOFF = 60.0
DEFAULT_MARGIN = 0.10
MONEY_SCALES = (("B", 1e9), ("M", 1e6), ("k", 1e3))  # how thresholds and shortfalls scale money


class InvalidCriteria(ValueError):
    """A criteria set that cannot be used, with every problem found (one sentence each)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _finite(value: object) -> bool:
    return _is_number(value) and math.isfinite(float(value))


def _weight_problems(weight: object) -> list[str]:
    """What is wrong with a rule's weight, read from JSON or from the editor's rows alike."""
    if not _finite(weight):
        return [f"the weight must be a number, not {_brief(weight)}."]
    return [f"the weight must not be negative ({float(weight):g})."] if float(weight) < 0 else []


def _rule_problems(metric: object, op: object, threshold: object, weight: object, must_have: object) -> list[str]:
    found = []
    if metric not in METRICS:
        found.append(f"unknown metric {_brief(metric)}; use one of: {', '.join(METRICS)}.")
    if op not in OPS:
        found.append(f"unknown operator {_brief(op)}; use >= or <=.")
    if not _finite(threshold):
        found.append(f"the threshold must be a number, not {_brief(threshold)}.")
    found += _weight_problems(weight)
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
            return f"Top {plain_number(self.threshold)} % by revenue"
        return f"{self.info.label} {OP_SIGNS[self.op]} {threshold_text(self.metric, self.threshold)}"

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "op": self.op,
            "threshold": json_number(self.threshold),
            "weight": json_number(self.weight),
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
            "cutoff": json_number(self.cutoff),
            "near_miss_margin": json_number(self.near_miss_margin),
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


def json_number(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def plain_number(value: float) -> str:
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
        for suffix, scale in MONEY_SCALES:
            if abs(value) >= scale:
                return f"{value / scale:.10g} {suffix}"
        return plain_number(value)
    if unit == "rate":
        return f"{value * 100:.10g} %"
    return plain_number(value)


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
        here += _weight_problems(weight)
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
    rules = " · ".join(
        f"{r.label()} ({'must-have, ' if r.must_have else ''}weight {plain_number(r.weight)})" for r in criteria.rules
    )
    return (
        f"{rules} · cutoff {plain_number(criteria.cutoff)} · near-miss margin {plain_number(criteria.near_miss_margin * 100)} %"
    )
