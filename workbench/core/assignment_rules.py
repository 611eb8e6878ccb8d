"""Named assignment rules as data (issue 17 point 4): their kinds, parameters and checks.

A rule is stored, versioned and published like a policy (the YAML bundle's
``assignment_rules`` section, the policy studio's "Assignment rules" tab); the server's
assignment pass (``server_stub.lifecycle.assignment``) runs it. Kinds:

``round_robin``
    the team's agents in turn; no parameters.
``tier_grade``
    ``tiers`` maps a lead tier (A/B/C) to the agent grades that may take it; with
    ``skill: true`` the agent must also have the policy's skill.
``score_least_loaded``
    the highest deal score first, each to the least-loaded agent with room; no parameters.

Pure Python (no Qt, no store): both the desktop studio and the server check rules here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "BUILT_IN",
    "DEFAULT_TIERS",
    "GRADES",
    "KINDS",
    "RULE_NAME",
    "RULE_STATUSES",
    "AssignmentRuleSpec",
    "rule_issues",
]

KINDS = ("round_robin", "tier_grade", "score_least_loaded")
GRADES = ("A", "B", "C")
RULE_STATUSES = ("draft", "published", "retired")
#: A rule's name: what ``generate-tasks --assign NAME`` types.
RULE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_DESCRIPTION = 500
DEFAULT_TIERS: dict[str, list[str]] = {"A": ["A"], "B": ["A", "B"], "C": ["A", "B", "C"]}


@dataclass(frozen=True)
class AssignmentRuleSpec:
    """A named assignment rule (the ``assignment_rules`` row, or a YAML item)."""

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    version: int = 1
    status: str = "published"

    @classmethod
    def from_row(cls, row: Any) -> AssignmentRuleSpec:
        return cls(row.name, row.kind, dict(row.params or {}), row.description or "",
                   int(row.version or 1), row.status or "published")

    def to_dict(self) -> dict[str, Any]:
        """The YAML item / row values, in a stable field order."""
        return {"name": self.name, "kind": self.kind, "params": _plain(self.params),
                "description": self.description, "status": self.status, "version": self.version}

    def same_content(self, other: AssignmentRuleSpec) -> bool:
        """Equal but for the version (a content change bumps it)."""
        return replace(self, version=other.version) == other


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


#: The rules every store has without a row (a stored rule of the same name wins).
BUILT_IN: dict[str, AssignmentRuleSpec] = {
    "round-robin": AssignmentRuleSpec("round-robin", "round_robin", {}, "the team's agents in turn"),
    "tier-a-to-grade-a": AssignmentRuleSpec(
        "tier-a-to-grade-a", "tier_grade", {"tiers": DEFAULT_TIERS, "skill": True},
        "tier A leads to grade A agents with the policy's skill, B to A/B, C to anyone"),
    "best-score-least-loaded": AssignmentRuleSpec(
        "best-score-least-loaded", "score_least_loaded", {},
        "highest deal score first to the least-loaded agent"),
}


def rule_issues(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems of one rule as (field, message); empty when it may be stored."""
    out: list[tuple[str, str]] = []
    for key in item:
        if key not in ("name", "kind", "params", "description", "status", "version"):
            out.append((str(key), "is not a known field"))
    name = item.get("name")
    if not isinstance(name, str) or not RULE_NAME.fullmatch(name):
        out.append(("name", "must be 1-40 lower-case letters, digits, _ or - (starting with a letter or digit)"))
    kind = item.get("kind")
    if kind not in KINDS:
        out.append(("kind", f"must be one of {', '.join(KINDS)}"))
    params = item.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        out.append(("params", "must be a mapping"))
    elif kind == "tier_grade":
        for key in params:
            if key not in ("tiers", "skill"):
                out.append((f"params.{key}", "is not a parameter of tier_grade (tiers, skill)"))
        tiers = params.get("tiers", DEFAULT_TIERS)
        if not isinstance(tiers, Mapping) or not tiers or not all(
                t in GRADES and isinstance(g, list) and len(g) <= 3 and all(x in GRADES for x in g)
                for t, g in tiers.items()):
            out.append(("params.tiers", "maps lead tiers A/B/C to lists of agent grades A/B/C"))
        if not isinstance(params.get("skill", False), bool):
            out.append(("params.skill", "must be true or false"))
    elif kind in KINDS and params:
        out.append(("params", f"{kind} takes no parameters"))
    description = item.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION or "\x00" in description:
        out.append(("description", f"text of at most {MAX_DESCRIPTION} characters"))
    if item.get("status", "published") not in RULE_STATUSES:
        out.append(("status", f"must be one of {', '.join(RULE_STATUSES)}"))
    version = item.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 1_000_000:
        out.append(("version", "must be a whole number from 1 to 1000000"))
    return out


def spec_of(item: Mapping[str, Any]) -> AssignmentRuleSpec:
    """The spec of an item :func:`rule_issues` found no problem in."""
    return AssignmentRuleSpec(str(item["name"]), str(item["kind"]), _plain(dict(item.get("params") or {})),
                              str(item.get("description") or ""), int(item.get("version", 1)),
                              str(item.get("status", "published")))
