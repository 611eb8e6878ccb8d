"""Policies (营销政策): which offers a customer may get, in what order, and YAML exchange.

:func:`eligible_policies` is the one place that combines a policy's status, validity
window, channels, quota, eligibility rule, exclusive group and the customer's earlier
acceptances; the screen pop and the policy studio use it, and task generation applies
the same checks to whole frames of customers.

:func:`dump_yaml` / :func:`load_yaml` move policies, scripts and pressure limits in and
out of version control. Loading validates everything first and raises
:class:`PolicyYamlError` naming each bad item and field; callers apply a bundle only
when it loaded without error, so a file with one bad item changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import yaml

from workbench.core import limits
from workbench.core.assignment_rules import AssignmentRuleSpec, rule_issues
from workbench.core.assignment_rules import spec_of as rule_spec_of
from workbench.core.clock import parse_when
from workbench.core.codes import Channel, Lifecycle, ScriptSection
from workbench.core.errors import UserError
from workbench.core.pressure import ALL_CHANNELS, PressureLimitSpec
from workbench.core.rules import Rule, RuleError, compile_cached

__all__ = [
    "POLICY_STATUSES",
    "SEED_POLICIES",
    "YAML_FORMAT_VERSION",
    "EligiblePolicy",
    "PolicyBundle",
    "PolicySpec",
    "PolicyYamlError",
    "ScriptSpec",
    "YamlIssue",
    "dump_yaml",
    "eligible_policies",
    "is_active",
    "load_document",
    "load_yaml",
    "publish",
    "remaining_quota",
    "usable_in",
]

log = logging.getLogger(__name__)

#: A policy's life: drafted in the studio, published to desktops, retired (or ``expired``:
#: ended by its date, as older stores and the demo marked ended campaigns; kept so that what
#: ``export-policies`` writes always imports back).
POLICY_STATUSES = ("draft", "published", "retired", "expired")
_CHANNELS = tuple(c.value for c in Channel)


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


# ---------------------------------------------------------------- specs


@dataclass(frozen=True)
class PolicySpec:
    """A policy as plain data (the columns of ``PolicyCols``)."""

    id: str
    code: str
    name: str
    rule: str = "true"
    channels: tuple[str, ...] = ()
    valid_from: dt.datetime | None = None
    valid_to: dt.datetime | None = None
    quota_total: int | None = None
    quota_per_store: int | None = None
    quota_used: int = 0
    priority: int = 0
    value: float = 0.0
    script_id: str | None = None
    exclusive_group: str | None = None
    status: str = "published"
    version: int = 1
    pitch: str = ""
    description: str = ""
    product: str = ""

    @classmethod
    def from_row(cls, row: Any) -> PolicySpec:
        """From a policy row (ORM object) or dict (datetimes may be ISO text)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = _get(row, f.name, None)
            if value is None:
                continue
            if f.name in ("valid_from", "valid_to"):
                value = parse_when(value, f.name)
            elif f.name == "channels":
                value = tuple(value)
            values[f.name] = value
        values.setdefault("code", values.get("id", ""))
        values.setdefault("name", values.get("code", ""))
        return cls(**values)

    @property
    def compiled(self) -> Rule:
        """The compiled rule (memoised by text). Raises :class:`RuleError` if invalid."""
        return compile_cached(self.rule or "")

    def to_row(self) -> dict[str, Any]:
        """Column values for a policy row (datetimes stay datetimes)."""
        out = asdict(self)
        out["channels"] = list(self.channels)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain YAML/JSON-ready values (datetimes as ISO 8601)."""
        out = self.to_row()
        for key in ("valid_from", "valid_to"):
            if out[key] is not None:
                out[key] = out[key].isoformat()
        return out


@dataclass(frozen=True)
class ScriptSpec:
    """A script template (the columns of ``ScriptCols``)."""

    id: str
    policy_id: str | None = None
    lifecycle_stage: str | None = None
    section: str = "opening"
    variant: str = "A"
    title: str = ""
    body: str = ""
    keywords: tuple[str, ...] = ()
    channel: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> ScriptSpec:
        values = {f.name: _get(row, f.name) for f in fields(cls)}
        values = {k: v for k, v in values.items() if v is not None}
        if "keywords" in values:
            values["keywords"] = tuple(values["keywords"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["keywords"] = list(self.keywords)
        return out


def _limit_dict(limit: PressureLimitSpec) -> dict[str, Any]:
    return {
        "id": limit.id,
        "channel": limit.channel,
        "period": limit.period,
        "max_contacts": limit.max_contacts,
        "quiet_start": limit.quiet_start,
        "quiet_end": limit.quiet_end,
        "cooldown_days_after_refusal": limit.cooldown_days_after_refusal,
    }


# ---------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class EligiblePolicy:
    """A policy this customer may be offered now, with why and how much is left.

    Attributes:
        policy: the policy.
        explanation: the rule's clauses that matched, in plain words.
        remaining_quota: offers left (the smaller of total and this store's), None = unlimited.
        probability: the deal probability used for ranking, if known.
        expected_value: probability × value, if the probability is known.
        rank: 1 for the best offer.
    """

    policy: PolicySpec
    explanation: tuple[str, ...]
    remaining_quota: int | None
    probability: float | None
    expected_value: float | None
    rank: int


def is_active(policy: PolicySpec, now: dt.datetime) -> bool:
    """Published and inside its validity window (``valid_from`` <= now < ``valid_to``)."""
    if policy.status != "published":
        return False
    if policy.valid_from is not None and now < policy.valid_from:
        return False
    return not (policy.valid_to is not None and now >= policy.valid_to)


def remaining_quota(
    policy: PolicySpec, store_id: str | None = None, store_used: Mapping[str, int] | None = None
) -> int | None:
    """Offers left: total quota minus used, and the store's quota minus the store's use."""
    left: int | None = None
    if policy.quota_total is not None:
        left = max(0, policy.quota_total - policy.quota_used)
    if policy.quota_per_store is not None and store_id is not None:
        used_here = (store_used or {}).get(policy.id, 0)
        here = max(0, policy.quota_per_store - used_here)
        left = here if left is None else min(left, here)
    return left


def usable_in(policy: PolicySpec, channel: str) -> bool:
    """Whether the policy may be offered in ``channel`` (no channels listed = all)."""
    return not policy.channels or channel in policy.channels


def _deal_probability(
    policy: PolicySpec, portrait: Mapping[str, Any], scores: Mapping[str, float] | None
) -> float | None:
    if scores is not None:
        for key in (policy.id, "*"):
            if key in scores and scores[key] is not None:
                return float(scores[key])
    own = portrait.get("scores") if isinstance(portrait, Mapping) else None
    if isinstance(own, Mapping) and own.get("deal") is not None:
        return float(own["deal"])
    return None


def eligible_policies(
    portrait: Mapping[str, Any],
    policies: Iterable[PolicySpec | Any],
    channel: str,
    now: dt.datetime,
    accepted_ids: Collection[str],
    store_id: str | None = None,
    *,
    scores: Mapping[str, float] | None = None,
    store_used: Mapping[str, int] | None = None,
    today: dt.date | None = None,
    lang: str = "en",
) -> list[EligiblePolicy]:
    """The policies ``portrait`` may be offered in ``channel`` at ``now``, best first.

    A policy qualifies when it is published and valid at ``now``, usable in ``channel``,
    has quota left (total, and for ``store_id`` its per-store quota given ``store_used``:
    policy id -> offers made by that store), was not accepted already (``accepted_ids``)
    and its rule matches the portrait. A customer who accepted one policy of an exclusive
    group gets no other policy of that group, and at most one (the best) per group is
    offered.

    Ranking: deal probability × value (probability from ``scores``, keyed by policy id or
    ``"*"``, else the portrait's ``scores["deal"]``; unknown sorts last), then priority
    (higher first), then value, then id.

    ``explanation`` is worded in ``lang`` ("en" or "zh"). Policies whose stored rule no
    longer compiles are skipped (and logged).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    specs = [p if isinstance(p, PolicySpec) else PolicySpec.from_row(p) for p in policies]
    accepted = set(accepted_ids)
    closed_groups = {p.exclusive_group for p in specs if p.id in accepted and p.exclusive_group}
    candidates: list[tuple[tuple[Any, ...], PolicySpec, tuple[str, ...], int | None, float | None, float | None]] = []
    for policy in specs:
        if policy.id in accepted or not is_active(policy, now) or not usable_in(policy, channel):
            continue
        if policy.exclusive_group and policy.exclusive_group in closed_groups:
            continue
        left = remaining_quota(policy, store_id, store_used)
        if left is not None and left <= 0:
            continue
        try:
            rule = policy.compiled
        except RuleError as exc:
            log.warning("policy %s has an invalid rule, skipped: %s", policy.id, exc)
            continue
        if not rule.matches(portrait, today=today):
            continue
        p = _deal_probability(policy, portrait, scores)
        expected = None if p is None else p * policy.value
        key = (expected is None, -(expected or 0.0), -policy.priority, -policy.value, policy.id)
        explanation = tuple(rule.explain(portrait, today=today, lang=lang))
        candidates.append((key, policy, explanation, left, p, expected))
    candidates.sort(key=lambda c: c[0])
    out: list[EligiblePolicy] = []
    taken: set[str] = set()
    for _key, policy, explanation, left, p, expected in candidates:
        group = policy.exclusive_group
        if group:
            if group in taken:
                continue
            taken.add(group)
        out.append(EligiblePolicy(policy, explanation, left, p, expected, len(out) + 1))
    return out


def publish(policy: PolicySpec) -> PolicySpec:
    """The policy as published: status ``published`` and the next version.

    Raises:
        RuleError: if its rule does not compile (nothing may be published with a bad rule).
    """
    compile_cached(policy.rule or "")
    return replace(policy, status="published", version=policy.version + 1)


# ---------------------------------------------------------------- YAML


@dataclass(frozen=True)
class YamlIssue:
    """One problem in a YAML file: which item, which field, what is wrong."""

    section: str
    index: int | None
    item_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.section
        if self.index is not None:
            where += f"[{self.index}]"
        if self.item_id:
            where += f" ({self.item_id})"
        if self.field:
            where += f".{self.field}"
        return f"{where}: {self.message}"


class PolicyYamlError(UserError, ValueError):
    """A YAML file that cannot be imported; nothing in it may be applied."""

    def __init__(self, issues: Sequence[YamlIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"- {i}" for i in self.issues[:50])
        more = f"\n... and {len(self.issues) - 50} more" if len(self.issues) > 50 else ""
        super().__init__(f"{len(self.issues)} problem(s) in the file:\n{lines}{more}")


@dataclass(frozen=True)
class PolicyBundle:
    """Policies, scripts, pressure limits, assignment rules and SMS templates loaded together.

    SMS templates stay plain mappings here: their checks need the server's store (the
    sensitive words, the policies), so the server validates them when it applies a bundle.
    """

    policies: tuple[PolicySpec, ...] = ()
    scripts: tuple[ScriptSpec, ...] = ()
    pressure_limits: tuple[PressureLimitSpec, ...] = ()
    assignment_rules: tuple[AssignmentRuleSpec, ...] = ()
    sms_templates: tuple[Mapping[str, Any], ...] = ()


YAML_FORMAT_VERSION = 1
#: The top-level keys of a YAML bundle.
SECTIONS = ("format", "policies", "scripts", "pressure_limits", "assignment_rules", "sms_templates")


def dump_yaml(
    policies: Iterable[PolicySpec | Any] = (),
    scripts: Iterable[ScriptSpec | Any] = (),
    pressure_limits: Iterable[PressureLimitSpec | Any] = (),
    assignment_rules: Iterable[AssignmentRuleSpec | Any] = (),
    sms_templates: Iterable[Mapping[str, Any]] = (),
) -> str:
    """YAML text for version control: rows or specs in, stable field order out (the
    assignment rule and SMS template sections only when there are some)."""
    doc: dict[str, Any] = {
        "format": YAML_FORMAT_VERSION,
        "policies": [
            (p if isinstance(p, PolicySpec) else PolicySpec.from_row(p)).to_dict()
            for p in policies
        ],
        "scripts": [
            (s if isinstance(s, ScriptSpec) else ScriptSpec.from_row(s)).to_dict() for s in scripts
        ],
        "pressure_limits": [
            _limit_dict(x if isinstance(x, PressureLimitSpec) else PressureLimitSpec.from_row(x))
            for x in pressure_limits
        ],
    }
    rules = [(r if isinstance(r, AssignmentRuleSpec) else AssignmentRuleSpec.from_row(r)).to_dict()
             for r in assignment_rules]
    if rules:
        doc["assignment_rules"] = rules
    templates = [dict(t) for t in sms_templates]
    if templates:
        doc["sms_templates"] = templates
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Validator:
    def __init__(self) -> None:
        self.issues: list[YamlIssue] = []

    def add(self, section: str, index: int | None, item_id: str | None, fld: str | None,
            message: str) -> None:
        self.issues.append(YamlIssue(section, index, item_id, fld, message))

    # field readers: return the value or None after recording an issue
    def text(self, ctx: tuple[str, int, str | None], item: Mapping[str, Any], name: str, *,
             required: bool = False, default: str | None = "", max_len: int | None = None,
             choices: Sequence[str] | None = None) -> str | None:
        value = item.get(name)
        if value is None or value == "":
            if required:
                self.add(*ctx, name, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(*ctx, name, f"must be text, not {type(value).__name__}")
            return default
        value = str(value)
        if max_len is not None and len(value) > max_len:
            self.add(*ctx, name, f"is longer than {max_len} characters")
        if "\x00" in value:
            self.add(*ctx, name, "must not contain NUL characters")
        if choices is not None and value not in choices:
            self.add(*ctx, name, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def integer(self, ctx: tuple[str, int, str | None], item: Mapping[str, Any], name: str, *,
                default: int | None, minimum: int | None = 0,
                maximum: int = int(limits.QUOTA.hi)) -> int | None:
        value = item.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(*ctx, name, f"must be a whole number, not {value!r}")
            return default
        if minimum is not None and value < minimum:
            self.add(*ctx, name, f"must be at least {minimum}")
        elif value > maximum or value < -maximum:
            self.add(*ctx, name, f"must be at most {maximum}")
        return value

    def number(self, ctx: tuple[str, int, str | None], item: Mapping[str, Any], name: str, *,
               default: float, allowed: limits.Range) -> float:
        value = item.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(*ctx, name, f"must be a number, not {value!r}")
            return default
        if value < 0:
            self.add(*ctx, name, "must not be negative")
        elif value not in allowed:  # .nan, .inf and huge numbers
            self.add(*ctx, name, f"must be a finite number from {allowed.describe()}, not {value!r}")
            return default
        return float(value)

    def when(self, ctx: tuple[str, int, str | None], item: Mapping[str, Any], name: str
             ) -> dt.datetime | None:
        value = item.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time(0), dt.UTC)
        try:
            return parse_when(value, name)
        except ValueError:
            self.add(*ctx, name, f"must be a date or time like 2026-12-01T00:00:00+08:00, not {value!r}")
            return None

    def strings(self, ctx: tuple[str, int, str | None], item: Mapping[str, Any], name: str,
                choices: Sequence[str] | None = None) -> tuple[str, ...]:
        value = item.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(*ctx, name, "must be a list of text")
            return ()
        why = limits.tags_reason(name, value)
        if why is None and any("\x00" in v for v in value):
            why = f"{name}: must not contain NUL characters"
        if why is not None:
            self.add(*ctx, name, why.split(": ", 1)[1])
            return ()
        if choices is not None:
            bad = [v for v in value if v not in choices]
            if bad:
                self.add(*ctx, name, f"unknown {', '.join(bad)} (use {', '.join(choices)})")
        return tuple(value)

    def unknown_keys(self, ctx: tuple[str, int, str | None], item: Mapping[str, Any],
                     known: Collection[str]) -> None:
        for key in item:
            if key not in known:
                self.add(*ctx, str(key), "is not a known field")


def _items(v: _Validator, doc: Mapping[str, Any], section: str, key: str = "id"
           ) -> list[tuple[int, Mapping[str, Any], tuple[str, int, str | None]]]:
    raw = doc.get(section)
    if raw is None:
        return []
    if not isinstance(raw, list):
        v.add(section, None, None, None, "must be a list")
        return []
    out = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            v.add(section, i, None, None, "must be a mapping of fields")
            continue
        item_id = item.get(key)
        item_id = str(item_id)[:60] if item_id is not None else None
        ctx = (section, i, item_id)
        if item_id is not None:
            if item_id in seen:
                v.add(*ctx, key, f"is used twice (also {section}[{seen[item_id]}])")
            seen[item_id] = i
        out.append((i, item, ctx))
    return out


def _load_policy(v: _Validator, item: Mapping[str, Any], ctx: tuple[str, int, str | None]) -> PolicySpec | None:
    before = len(v.issues)
    v.unknown_keys(ctx, item, [f.name for f in fields(PolicySpec)])
    pid = v.text(ctx, item, "id", required=True, max_len=40)
    code = v.text(ctx, item, "code", default=pid, max_len=40)
    name = v.text(ctx, item, "name", required=True, max_len=100)
    rule = item.get("rule", "true")
    if rule is None:
        rule = "true"
    if isinstance(rule, bool):
        rule = "true" if rule else "false"
    if not isinstance(rule, str):
        v.add(*ctx, "rule", f"must be text, not {type(rule).__name__}")
        rule = "true"
    else:
        try:
            compile_cached(rule)
        except RuleError as exc:
            v.add(*ctx, "rule", str(exc))
    valid_from = v.when(ctx, item, "valid_from")
    valid_to = v.when(ctx, item, "valid_to")
    if valid_from and valid_to and valid_to <= valid_from:
        v.add(*ctx, "valid_to", "must be after valid_from")
    spec_values = dict(
        id=pid or "",
        code=code or pid or "",
        name=name or "",
        rule=rule,
        channels=v.strings(ctx, item, "channels", _CHANNELS),
        valid_from=valid_from,
        valid_to=valid_to,
        quota_total=v.integer(ctx, item, "quota_total", default=None),
        quota_per_store=v.integer(ctx, item, "quota_per_store", default=None),
        quota_used=v.integer(ctx, item, "quota_used", default=0) or 0,
        priority=v.integer(ctx, item, "priority", default=0, minimum=None,
                           maximum=int(limits.PRIORITY.hi)) or 0,
        value=v.number(ctx, item, "value", default=0.0, allowed=limits.POLICY_VALUE),
        script_id=v.text(ctx, item, "script_id", default=None, max_len=40),
        exclusive_group=v.text(ctx, item, "exclusive_group", default=None, max_len=40),
        status=v.text(ctx, item, "status", default="published", choices=POLICY_STATUSES),
        version=v.integer(ctx, item, "version", default=1, minimum=1) or 1,
        pitch=v.text(ctx, item, "pitch", max_len=200) or "",
        description=v.text(ctx, item, "description") or "",
        product=v.text(ctx, item, "product", max_len=40) or "",
    )
    if len(v.issues) > before:
        return None
    return PolicySpec(**spec_values)  # type: ignore[arg-type]


def _load_script(v: _Validator, item: Mapping[str, Any], ctx: tuple[str, int, str | None]) -> ScriptSpec | None:
    before = len(v.issues)
    v.unknown_keys(ctx, item, [f.name for f in fields(ScriptSpec)])
    spec = ScriptSpec(
        id=v.text(ctx, item, "id", required=True, max_len=40) or "",
        policy_id=v.text(ctx, item, "policy_id", default=None, max_len=40),
        lifecycle_stage=v.text(ctx, item, "lifecycle_stage", default=None,
                               choices=[x.value for x in Lifecycle]),
        section=v.text(ctx, item, "section", default="opening",
                       choices=[x.value for x in ScriptSection]) or "opening",
        variant=v.text(ctx, item, "variant", default="A", max_len=20) or "A",
        title=v.text(ctx, item, "title", max_len=100) or "",
        body=v.text(ctx, item, "body") or "",
        keywords=v.strings(ctx, item, "keywords"),
        channel=v.text(ctx, item, "channel", default=None, choices=[x.value for x in Channel]),
    )
    return spec if len(v.issues) == before else None


def _load_limit(v: _Validator, item: Mapping[str, Any], ctx: tuple[str, int, str | None]) -> PressureLimitSpec | None:
    before = len(v.issues)
    v.unknown_keys(ctx, item, ["id", "channel", "period", "max_contacts", "quiet_start",
                               "quiet_end", "cooldown_days_after_refusal"])
    lid = v.text(ctx, item, "id", required=True, max_len=40)
    channel = v.text(ctx, item, "channel", required=True, choices=(*_CHANNELS, ALL_CHANNELS))
    period = v.text(ctx, item, "period", default="month", choices=("day", "week", "month"))
    max_contacts = v.integer(ctx, item, "max_contacts", default=2)
    quiet: dict[str, str | None] = {}
    for name, default in (("quiet_start", "21:00"), ("quiet_end", "09:00")):
        value = item.get(name, default)
        if value in (None, ""):
            quiet[name] = None
        elif not isinstance(value, str) or not _HHMM.match(value):
            v.add(*ctx, name, f"must be a time like 21:00, not {value!r}")
        else:
            quiet[name] = value
    if (quiet.get("quiet_start") is None) != (quiet.get("quiet_end") is None) and len(v.issues) == before:
        v.add(*ctx, "quiet_end", "quiet_start and quiet_end go together")
    cooldown = v.integer(ctx, item, "cooldown_days_after_refusal", default=7)
    if len(v.issues) > before:
        return None
    return PressureLimitSpec(
        channel=channel or "", period=period or "month", max_contacts=max_contacts,
        quiet_start=quiet.get("quiet_start"), quiet_end=quiet.get("quiet_end"),
        cooldown_days_after_refusal=cooldown or 0, id=lid or "",
    )


def load_yaml(text: str) -> PolicyBundle:
    """Read and validate a YAML file of policies, scripts and pressure limits.

    Raises:
        PolicyYamlError: listing every problem (section, item, field, message). When it
            is raised nothing may be applied.
    """
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PolicyYamlError([YamlIssue("file", None, None, None, f"not valid YAML{where}: "
                                         f"{getattr(exc, 'problem', None) or exc}")]) from None
    return load_document(doc)


def load_document(doc: Any) -> PolicyBundle:
    """Validate an already-parsed document (a mapping of sections); see :func:`load_yaml`.

    The policy studio validates single items this way, e.g. ``{"scripts": [values]}``.
    """
    v = _Validator()
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise PolicyYamlError([YamlIssue("file", None, None, None,
                                         "must be a mapping with " + ", ".join(SECTIONS[1:]))])
    for key in doc:
        if key not in SECTIONS:
            v.add("file", None, None, str(key), "is not a known section")
    fmt = doc.get("format", YAML_FORMAT_VERSION)
    if fmt != YAML_FORMAT_VERSION:
        v.add("file", None, None, "format", f"version {fmt!r} is not supported (expected 1)")
    policies = [_load_policy(v, item, ctx) for _i, item, ctx in _items(v, doc, "policies")]
    scripts = [_load_script(v, item, ctx) for _i, item, ctx in _items(v, doc, "scripts")]
    limit_specs = [_load_limit(v, item, ctx) for _i, item, ctx in _items(v, doc, "pressure_limits")]
    rules = [_load_rule(v, item, ctx) for _i, item, ctx in _items(v, doc, "assignment_rules", key="name")]
    templates = [item for _i, item, _ctx in _items(v, doc, "sms_templates")]
    if v.issues:
        raise PolicyYamlError(v.issues)
    return PolicyBundle(
        policies=tuple(p for p in policies if p is not None),
        scripts=tuple(s for s in scripts if s is not None),
        pressure_limits=tuple(x for x in limit_specs if x is not None),
        assignment_rules=tuple(r for r in rules if r is not None),
        sms_templates=tuple(dict(t) for t in templates),
    )


def _load_rule(v: _Validator, item: Mapping[str, Any], ctx: tuple[str, int, str | None]
               ) -> AssignmentRuleSpec | None:
    issues = rule_issues(item)
    for fld, message in issues:
        v.add(*ctx, fld, message)
    return None if issues else rule_spec_of(item)


# ---------------------------------------------------------------- the seeds' examples

#: The policies of the seeds, used by demo data and tests.
SEED_POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        id="P-168-504", code="P-168-504", name="预存168送504",
        pitch="Prepay 168, get 504 of bill credit over 24 months",
        rule='plan_fee == 96 and tenure_months >= 6',
        channels=("outbound", "hotline", "store", "sms"), priority=10, value=168.0,
        exclusive_group="prepay", product="prepay", quota_total=5000, quota_per_store=200,
    ),
    PolicySpec(
        id="P-228-684", code="P-228-684", name="预存228送684",
        pitch="Prepay 228, get 684 of bill credit over 24 months",
        rule='plan_fee == 126 and tenure_months >= 6',
        channels=("outbound", "hotline", "store", "sms"), priority=10, value=228.0,
        exclusive_group="prepay", product="prepay", quota_total=3000, quota_per_store=120,
    ),
    PolicySpec(
        id="P-SIM-4G", code="P-SIM-4G", name="到厅换4G卡",
        pitch="Free SIM swap to 4G at the store",
        rule='network in ["2G", "3G"] or "old_sim" in tags',
        channels=("store", "outbound"), priority=5, value=20.0, product="sim",
    ),
    PolicySpec(
        id="P-HANDSET", code="P-HANDSET", name="购机直降",
        pitch="Handset discount for loyal customers",
        rule='tenure_months >= 24 and "handset_old" in tags and value_tier in ["high", "potential"]',
        channels=("store", "outbound", "online"), priority=8, value=300.0, product="handset",
        quota_per_store=50,
    ),
)
