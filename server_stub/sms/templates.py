"""SMS templates, published like policies: a YAML file (or the studio's export) is validated
as a whole — placeholders, the signature, sensitive words, length — and applied atomically,
versions bumped, every desk told through the change log (entity ``sms_template``).

.. code-block:: yaml

    sms_templates:
      - id: TPL-168
        name: 168 预存送 504
        policy_id: P-168-504        # optional: the general template has none
        purpose: campaign           # campaign / hangup / code / confirm
        body: "【客户服务】{name}您好，{policy}：{pitch} 详情{link} 回TD退订"

``workbench-server import-sms-templates FILE`` / ``export-sms-templates`` and
``POST /api/v1/admin/sms/templates/publish`` do the same.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.changes import Change, append
from server_stub.sms.words import load_words
from server_stub.storage.models import Policy, SmsTemplate
from server_stub.sync import lock_log, wire_row
from workbench.core.entities import utcnow
from workbench.core.sms_text import (
    MAX_TEMPLATE_BODY,
    MAX_TEMPLATE_NAME,
    TEMPLATE_PURPOSES,
    template_id_problem,
    validate_template,
)

PURPOSES = TEMPLATE_PURPOSES
MAX_TEMPLATES = 1000


@dataclass(frozen=True)
class TemplateIssue:
    """One problem: which template, which field, what (with a position in the body)."""

    index: int
    item_id: str | None
    field: str
    message: str
    code: str = ""
    position: int = -1

    def __str__(self) -> str:
        who = f"sms_templates[{self.index}]" + (f" ({self.item_id})" if self.item_id else "")
        return f"{who}.{self.field}: {self.message}"


class TemplateError(ValueError):
    """Templates that cannot be published; none of them is applied."""

    def __init__(self, issues: Sequence[TemplateIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"- {i}" for i in self.issues[:50])
        super().__init__(f"{len(self.issues)} problem(s) in the SMS templates:\n{lines}")


@dataclass(frozen=True)
class TemplateSpec:
    id: str
    body: str
    name: str = ""
    policy_id: str | None = None
    purpose: str = "campaign"


@dataclass
class PublishReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_templates(session: Session, text: str) -> list[TemplateSpec]:
    """Parse and validate a YAML document of templates against the store (policies, words).

    Raises:
        TemplateError: every problem found; nothing is applied.
    """
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError([TemplateIssue(0, None, "yaml", f"not valid YAML: {exc}")]) from None
    items = doc.get("sms_templates") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise TemplateError([TemplateIssue(0, None, "sms_templates", "expected a list under sms_templates")])
    if len(items) > MAX_TEMPLATES:
        raise TemplateError([TemplateIssue(0, None, "sms_templates", f"at most {MAX_TEMPLATES} templates")])
    words = load_words(session)
    policies = set(session.execute(select(Policy.id)).scalars())
    issues: list[TemplateIssue] = []
    specs: list[TemplateSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            issues.append(TemplateIssue(i, None, "item", "expected a mapping"))
            continue
        tid = item.get("id")
        why = template_id_problem(tid)
        if why or not isinstance(tid, str):
            issues.append(TemplateIssue(i, None, "id", why or "required"))
            continue
        if tid in seen:
            issues.append(TemplateIssue(i, tid, "id", "appears twice"))
        seen.add(tid)
        unknown = sorted(set(item) - {"id", "name", "policy_id", "purpose", "body"})
        if unknown:
            issues.append(TemplateIssue(i, tid, unknown[0], "unknown field"))
        body = item.get("body")
        if not isinstance(body, str):
            issues.append(TemplateIssue(i, tid, "body", "required: the text"))
            continue
        if len(body) > MAX_TEMPLATE_BODY:
            issues.append(TemplateIssue(i, tid, "body", f"longer than {MAX_TEMPLATE_BODY} characters"))
            continue
        for problem in validate_template(body, words):
            issues.append(TemplateIssue(i, tid, "body", problem.describe(), problem.code, problem.position))
        name = item.get("name", "")
        if not isinstance(name, str) or len(name) > MAX_TEMPLATE_NAME:
            issues.append(TemplateIssue(i, tid, "name", f"text of at most {MAX_TEMPLATE_NAME} characters"))
        policy_id = item.get("policy_id")
        if policy_id is not None and (not isinstance(policy_id, str) or policy_id not in policies):
            issues.append(TemplateIssue(i, tid, "policy_id", f"no policy {policy_id!r}"))
        purpose = item.get("purpose", "campaign")
        if purpose not in PURPOSES:
            issues.append(TemplateIssue(i, tid, "purpose", f"one of {', '.join(PURPOSES)}"))
        specs.append(TemplateSpec(tid, body, name if isinstance(name, str) else "", policy_id, str(purpose)))
    if issues:
        raise TemplateError(issues)
    return specs


def apply_templates(session: Session, specs: Sequence[TemplateSpec]) -> PublishReport:
    """Upsert validated templates, bump versions, publish the changes."""
    lock_log(session)
    report = PublishReport()
    changes: list[Change] = []
    now = utcnow()
    for spec in specs:
        row = session.get(SmsTemplate, spec.id)
        values: dict[str, Any] = {"name": spec.name, "policy_id": spec.policy_id, "purpose": spec.purpose,
                                  "body": spec.body, "status": "published"}
        if row is None:
            row = SmsTemplate(id=spec.id, version=1, updated_at=now, **values)
            session.add(row)
            report.created.append(spec.id)
        elif all(getattr(row, k) == v for k, v in values.items()):
            report.unchanged.append(spec.id)
            continue
        else:
            for k, v in values.items():
                setattr(row, k, v)
            row.version += 1
            row.updated_at = now
            report.updated.append(spec.id)
        session.flush()
        changes.append(Change("sms_template", row.id, wire_row("sms_template", row)))
    if changes:
        append(session, changes)
    return report


def template_items(session: Session) -> list[dict[str, Any]]:
    """Every template as a YAML item (what :func:`load_templates` reads), by id."""
    rows = session.execute(select(SmsTemplate).order_by(SmsTemplate.id)).scalars()
    items = []
    for r in rows:
        item: dict[str, Any] = {"id": r.id, "name": r.name, "purpose": r.purpose, "body": r.body}
        if r.policy_id:
            item["policy_id"] = r.policy_id
        items.append(item)
    return items


def export_templates(session: Session) -> str:
    return yaml.safe_dump({"sms_templates": template_items(session)}, allow_unicode=True, sort_keys=False)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, help="YAML file (export: default standard output)")
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--dry-run", action="store_true", help="import: validate only")


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url, open_central, session_factory, unit_of_work

    engine = open_central(args.db or default_db_url())
    try:
        factory = session_factory(engine)
        if args.command == "export-sms-templates":
            with factory() as session:
                text = export_templates(session)
            if args.file:
                args.file.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        if args.file is None:
            print("error: import-sms-templates needs a FILE", file=sys.stderr)
            return 2
        try:
            source = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: {args.file}: {exc}", file=sys.stderr)
            return 1
        try:
            with unit_of_work(factory) as session:
                specs = load_templates(session, source)
                if args.dry_run:
                    print(f"valid: {len(specs)} SMS templates")
                    return 0
                report = apply_templates(session, specs)
        except TemplateError as exc:
            print(f"error: {args.file}: {exc}\nnothing was imported", file=sys.stderr)
            return 1
        print(f"SMS templates: {len(report.created)} created, {len(report.updated)} updated, "
              f"{len(report.unchanged)} unchanged")
        return 0
    finally:
        engine.dispose()
