"""Limits of business values, in one place: the server refuses what lies outside them, and the
desktop forms can use the same numbers to stop a mistake before it is sent.

Each check returns ``None`` when the value is acceptable, else a reason that names the field
(``"value: 1e+12 is out of range (0 to 1000000)"``), so callers decide how to refuse: the
server's push turns it into a rejected mutation, the importer into a rejected row, the policy
publish into a 422, a form into a message next to the field.

Every number here must also be finite: ``NaN``, ``Infinity`` and overflowing literals such as
``-1e400`` are refused wherever a number is stored (a stored ``NaN`` cannot be encoded as JSON
and once broke every pull page that contained it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACCEPTANCE_VALUE",
    "ARPU",
    "BIRTH_YEAR",
    "CALL_DURATION_S",
    "CONTACT_COST",
    "DATA_USAGE_GB",
    "DEAL_VALUE",
    "EARLIEST_TIME",
    "JSON_MAX_DEPTH",
    "JSON_MAX_INT",
    "JSON_MAX_NUMBER",
    "JSON_MAX_TEXT",
    "MAX_CALLBACK_AHEAD",
    "MAX_CLOCK_SKEW",
    "MAX_NOTE",
    "MAX_REASON",
    "MAX_SCORE_KINDS",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "PLAN_FEE",
    "POLICY_VALUE",
    "PROBABILITY",
    "PRIORITY",
    "QUOTA",
    "TENURE_MONTHS",
    "Range",
    "is_finite_json",
    "json_reason",
    "range_reason",
    "scores_reason",
    "tags_reason",
    "text_reason",
    "time_reason",
]


@dataclass(frozen=True)
class Range:
    """An inclusive range of a number, with its unit for messages."""

    lo: float
    hi: float
    unit: str = ""

    def __contains__(self, value: object) -> bool:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value) and self.lo <= value <= self.hi)

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{_num(self.lo)} to {_num(self.hi)}{unit}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


# ---------------------------------------------------------------- business values

#: What one acceptance is worth (yuan): the policy's value, a plan's yearly revenue at most.
ACCEPTANCE_VALUE = Range(0, 1_000_000, "yuan")
#: The deal value an agent records with an outcome (yuan).
DEAL_VALUE = Range(0, 1_000_000, "yuan")
#: What a policy is worth per acceptance (yuan).
POLICY_VALUE = Range(0, 1_000_000, "yuan")
#: Probabilities and scores (predicted deal probability, churn score, ...).
PROBABILITY = Range(0.0, 1.0)
#: One call or visit: at most a day.
CALL_DURATION_S = Range(0, 86_400, "seconds")
#: The cost of one contact (call minutes, SMS), yuan.
CONTACT_COST = Range(0, 10_000, "yuan")
#: Portrait numbers from the data platform.
ARPU = Range(0, 100_000, "yuan")
DATA_USAGE_GB = Range(0, 100_000, "GB")
PLAN_FEE = Range(0, 100_000, "yuan")
TENURE_MONTHS = Range(0, 2_400, "months")
BIRTH_YEAR = Range(1900, 2100)
#: Policy quotas and priorities.
QUOTA = Range(0, 100_000_000)
PRIORITY = Range(-1_000_000, 1_000_000)

#: No business record is older than this.
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: How far in the future a "now" time (a contact, an acceptance) may lie: clock skew.
MAX_CLOCK_SKEW = dt.timedelta(days=1)
#: How far ahead a call-back may be planned.
MAX_CALLBACK_AHEAD = dt.timedelta(days=366)

#: Free text typed or pasted by users (the outcome form stops typing at 2,000 characters;
#: pasted call summaries run longer).
MAX_NOTE = 10_000
MAX_REASON = 2_000
#: Tags of one customer, and one tag.
MAX_TAGS = 200
MAX_TAG_LENGTH = 60
#: Score kinds of one customer ("deal", "churn", ...).
MAX_SCORE_KINDS = 50

# ---------------------------------------------------------------- any JSON value

#: Numbers inside stored JSON: finite, and whole numbers exact in a double.
JSON_MAX_NUMBER = 1e15
JSON_MAX_INT = 2**53
JSON_MAX_DEPTH = 8
JSON_MAX_TEXT = 10_000


def range_reason(field: str, value: Any, allowed: Range) -> str | None:
    """Why ``value`` is not a number in ``allowed`` (None if it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{field}: expected a number"
    if not math.isfinite(value):
        return f"{field}: {value} is not a finite number"
    if not allowed.lo <= value <= allowed.hi:
        return f"{field}: {_num(value) if abs(value) < 1e16 else f'{value:g}'} is out of range ({allowed.describe()})"
    return None


def time_reason(field: str, value: dt.datetime, *, now: dt.datetime,
                ahead: dt.timedelta = MAX_CLOCK_SKEW) -> str | None:
    """Why ``value`` is not between :data:`EARLIEST_TIME` and ``now + ahead`` (None if it is)."""
    if value < EARLIEST_TIME:
        return f"{field}: {value.date().isoformat()} is before {EARLIEST_TIME.year}"
    if value > now + ahead:
        return f"{field}: {value.isoformat()} is too far in the future"
    return None


def text_reason(field: str, value: str, max_len: int) -> str | None:
    """Why ``value`` is too long (None if it is not)."""
    if len(value) > max_len:
        return f"{field}: longer than {max_len} characters"
    return None


def tags_reason(field: str, tags: Any) -> str | None:
    """Why ``tags`` is not a list of at most :data:`MAX_TAGS` short texts."""
    if not isinstance(tags, list):
        return f"{field}: expected a list of tags"
    if len(tags) > MAX_TAGS:
        return f"{field}: more than {MAX_TAGS} tags"
    for tag in tags:
        if not isinstance(tag, str):
            return f"{field}: every tag must be text"
        if len(tag) > MAX_TAG_LENGTH:
            return f"{field}: a tag longer than {MAX_TAG_LENGTH} characters"
    return None


def scores_reason(field: str, scores: Any) -> str | None:
    """Why ``scores`` is not an object of score kind -> probability in [0, 1]."""
    if not isinstance(scores, Mapping):
        return f"{field}: expected an object of score kind to probability"
    if len(scores) > MAX_SCORE_KINDS:
        return f"{field}: more than {MAX_SCORE_KINDS} score kinds"
    for kind, score in scores.items():
        if not isinstance(kind, str) or not 0 < len(kind) <= 40:
            return f"{field}: score kinds must be short texts"
        why = range_reason(f"{field}.{kind}", score, PROBABILITY)
        if why:
            return why
    return None


def json_reason(field: str, value: Any, depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored as JSON (None if it can): non-finite or huge numbers,
    deep nesting, long texts, NUL characters, keys that are not text, non-JSON types."""
    if depth > JSON_MAX_DEPTH:
        return f"{field}: nested too deeply"
    if isinstance(value, str):
        if "\x00" in value:
            return f"{field}: contains a NUL character"
        if len(value) > JSON_MAX_TEXT:
            return f"{field}: longer than {JSON_MAX_TEXT} characters"
        return None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if abs(value) <= JSON_MAX_INT else f"{field}: number out of range"
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{field}: {value} is not a finite number"
        return None if abs(value) <= JSON_MAX_NUMBER else f"{field}: number out of range"
    if isinstance(value, list):
        for item in value:
            why = json_reason(field, item, depth + 1)
            if why:
                return why
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key or len(key) > 200:
                return f"{field}: keys must be texts of at most 200 characters"
            why = json_reason(field, item, depth + 1)
            if why:
                return why
        return None
    return f"{field}: not JSON"


def is_finite_json(value: Any) -> bool:
    """Whether ``value`` holds only finite numbers (what strict JSON can encode)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_finite_json(v) for v in value)
    if isinstance(value, dict):
        return all(is_finite_json(v) for v in value.values())
    return True
