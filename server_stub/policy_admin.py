"""``workbench-server import-policies FILE`` / ``export-policies [FILE]``: policies as YAML.

The YAML format is :func:`workbench.core.policies.dump_yaml`'s (the policy studio writes
and reads the same files), so policies, scripts, pressure limits, named assignment rules and
SMS templates can live in version control and move between stores unchanged. Importing validates the whole file first (nothing is written when any item is
invalid), then upserts every item in one transaction and appends each changed row to the
change log (reference data: no team/store tags, every desktop receives it). A policy whose
content changed gets a new version unless the file already carries a higher one.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from server_stub.sync import Rejected, coerce_value
from server_stub.sync import publish as publish_changes
from workbench.core import limits
from workbench.core.assignment_rules import AssignmentRuleSpec
from workbench.core.policies import (
    PolicyBundle,
    PolicySpec,
    PolicyYamlError,
    ScriptSpec,
    YamlIssue,
    dump_yaml,
    load_yaml,
)
from workbench.core.pressure import PressureLimitSpec


@dataclass
class PolicyImportReport:
    """What an import changed, by entity: ids created, updated and unchanged."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for entity in ("policy", "script", "pressure_limit", "assignment_rule", "sms_template"):
            c, u, n = (len(d.get(entity, [])) for d in (self.created, self.updated, self.unchanged))
            out.append(f"{entity}: {c} created, {u} updated, {n} unchanged")
        return out


def _limit_row(spec: PressureLimitSpec) -> dict[str, Any]:
    return {
        "id": spec.id, "channel": spec.channel, "period": spec.period,
        "max_contacts": spec.max_contacts, "quiet_start": spec.quiet_start or "",
        "quiet_end": spec.quiet_end or "",
        "cooldown_days_after_refusal": spec.cooldown_days_after_refusal,
    }


def _policy_row(spec: PolicySpec, existing: m.Policy | None) -> dict[str, Any]:
    if existing is not None:
        old = PolicySpec.from_row(existing)
        if replace(old, version=spec.version) != spec and spec.version <= old.version:
            spec = replace(spec, version=old.version + 1)
    return spec.to_row()


def _rule_row(spec: AssignmentRuleSpec, existing: m.AssignmentRule | None) -> dict[str, Any]:
    """A rule whose content changed gets the next version unless the file carries a higher one."""
    if existing is not None:
        old = AssignmentRuleSpec.from_row(existing)
        if not spec.same_content(old) and spec.version <= old.version:
            spec = replace(spec, version=old.version + 1)
    return spec.to_dict()


def _items(bundle: PolicyBundle) -> list[tuple[str, type[m.Base], str, Any]]:
    return [
        *(("policy", m.Policy, p.id, p) for p in bundle.policies),
        *(("script", m.Script, s.id, s) for s in bundle.scripts),
        *(("pressure_limit", m.PressureLimit, x.id, x) for x in bundle.pressure_limits),
        *(("assignment_rule", m.AssignmentRule, r.name, r) for r in bundle.assignment_rules),
    ]


def _values(entity: str, spec: Any) -> dict[str, Any]:
    if entity == "policy":
        return dict(spec.to_row())
    if entity == "script":
        return dict(ScriptSpec.to_dict(spec))
    if entity == "assignment_rule":
        return dict(spec.to_dict())
    return _limit_row(spec)


_SECTIONS = {"policy": "policies", "script": "scripts", "pressure_limit": "pressure_limits",
             "assignment_rule": "assignment_rules"}
#: Entities the desktops hold, so a change goes to the change log (assignment rules run on
#: the server only; the studio reads them from there).
_SYNCED = ("policy", "script", "pressure_limit")


def check_bundle(bundle: PolicyBundle) -> None:
    """Hold every row of a loaded bundle to the store's column checks (the same as a push's:
    finite numbers in range, texts that fit, JSON that every desktop can decode), so that a
    bundle that slipped past :func:`load_yaml` (built in code, or an older validator) cannot
    store a value that breaks a pull.

    Raises:
        PolicyYamlError: naming each item and field; nothing may be applied.
    """
    issues: list[YamlIssue] = []
    for index, (entity, model, item_id, spec) in enumerate(_items(bundle)):
        for key, value in _values(entity, spec).items():
            try:
                coerce_value(model.__table__.columns[key], value)
            except Rejected as exc:
                issues.append(YamlIssue(_SECTIONS[entity], index, item_id, key,
                                        str(exc).split(": ", 1)[-1]))
        if entity == "policy":
            why = limits.range_reason("value", spec.value, limits.POLICY_VALUE)
            if why:
                issues.append(YamlIssue("policies", index, item_id, "value", why.split(": ", 1)[-1]))
    if issues:
        raise PolicyYamlError(issues)


def apply_bundle(engine: Engine, bundle: PolicyBundle) -> PolicyImportReport:
    """Check (:func:`check_bundle`), upsert a validated bundle and publish each change to the
    change log, atomically.

    Raises:
        PolicyYamlError: a row the store must not hold; nothing was applied.
    """
    check_bundle(bundle)
    report = PolicyImportReport()
    items = _items(bundle)
    with Session(engine) as session, session.begin():
        changed: dict[str, list[Any]] = {}
        for entity, model, item_id, spec in items:
            row = session.get(model, item_id)
            if entity == "policy":
                values = _policy_row(spec, row)  # type: ignore[arg-type]
            elif entity == "assignment_rule":
                values = _rule_row(spec, row)  # type: ignore[arg-type]
            else:
                values = _values(entity, spec)
            if row is None:
                row = model(**values)
                session.add(row)
                report.created.setdefault(entity, []).append(item_id)
            elif all(getattr(row, k) == v for k, v in values.items()):
                report.unchanged.setdefault(entity, []).append(item_id)
                continue
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                report.updated.setdefault(entity, []).append(item_id)
            changed.setdefault(entity, []).append(row)
        session.flush()
        for entity, rows in changed.items():
            if entity in _SYNCED:
                publish_changes(session, entity, rows)
        if bundle.sms_templates:
            _apply_templates(session, bundle, report)
    return report


def _apply_templates(session: Session, bundle: PolicyBundle, report: PolicyImportReport) -> None:
    """The bundle's SMS templates, checked against the store as ``import-sms-templates`` does
    (the bundle's own policies are already in the session, so a fresh store takes them)."""
    from server_stub.sms.templates import TemplateError, apply_templates, load_templates

    try:
        specs = load_templates(session, yaml.safe_dump({"sms_templates": [dict(t) for t in bundle.sms_templates]},
                                                       allow_unicode=True))
    except TemplateError as exc:  # the caller's transaction rolls back: nothing applied
        raise PolicyYamlError([YamlIssue("sms_templates", i.index, i.item_id, i.field, i.message)
                               for i in exc.issues]) from None
    done = apply_templates(session, specs)
    report.created["sms_template"] = done.created
    report.updated["sms_template"] = done.updated
    report.unchanged["sms_template"] = done.unchanged


def export_yaml(engine: Engine) -> str:
    """Every policy, script, pressure limit, stored assignment rule and SMS template of the
    central store as YAML (the built-in rules need no row and are not written)."""
    from server_stub.sms.templates import template_items

    with Session(engine) as s:
        return dump_yaml(
            s.scalars(select(m.Policy).order_by(m.Policy.id)).all(),
            s.scalars(select(m.Script).order_by(m.Script.id)).all(),
            s.scalars(select(m.PressureLimit).order_by(m.PressureLimit.id)).all(),
            s.scalars(select(m.AssignmentRule).order_by(m.AssignmentRule.name)).all(),
            template_items(s),
        )


# ---------------------------------------------------------------- CLI


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``import-policies`` and ``export-policies``."""
    parser.add_argument("file", nargs="?", type=Path,
                        help="YAML file (export: default standard output)")
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")
    parser.add_argument("--dry-run", action="store_true", help="import: validate only")


def run(args: argparse.Namespace) -> int:
    """Import (validate, upsert, publish) or export, by the command name."""
    from server_stub.storage.db import default_db_url, open_central

    engine = open_central(args.db or default_db_url())
    try:
        if args.command == "export-policies":
            text = export_yaml(engine)
            if args.file:
                args.file.write_text(text, encoding="utf-8")
                print(f"written to {args.file}")
            else:
                sys.stdout.write(text)
            return 0
        if args.file is None:
            print("error: import-policies needs a FILE", file=sys.stderr)
            return 2
        try:
            bundle = load_yaml(args.file.read_text(encoding="utf-8"))
            check_bundle(bundle)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: {args.file}: {exc}", file=sys.stderr)
            return 1
        except PolicyYamlError as exc:
            print(f"error: {args.file}: {exc}", file=sys.stderr)
            print("nothing was imported", file=sys.stderr)
            return 1
        if args.dry_run:
            print(f"valid: {len(bundle.policies)} policies, {len(bundle.scripts)} scripts, "
                  f"{len(bundle.pressure_limits)} pressure limits, {len(bundle.assignment_rules)} assignment "
                  f"rules, {len(bundle.sms_templates)} SMS templates (SMS templates are checked on import)")
            return 0
        try:
            report = apply_bundle(engine, bundle)
        except PolicyYamlError as exc:  # e.g. an SMS template the store refuses: rolled back
            print(f"error: {args.file}: {exc}", file=sys.stderr)
            print("nothing was imported", file=sys.stderr)
            return 1
        print("\n".join(report.lines()))
        return 0
    finally:
        engine.dispose()
