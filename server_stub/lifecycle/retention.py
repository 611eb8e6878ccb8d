"""Retention tasks for a lead's selection of at-risk customers (issue 17 point 7).

``POST /api/v1/retention-tasks`` ``{customer_ids, policy_id, rule, reason}``: a lead (for
customers of their team) or an administrator creates one open outbound task per selected
customer for a published policy that has the outbound channel, then hands just those tasks
out with the named assignment rule (the same rules as ``generate-tasks --assign``; what finds
no room waits in the team pool and is reported). All or nothing: a customer unknown or of
another team, an unknown or unpublished policy, an unknown rule, duplicates, an empty or
over-long selection or reason are refused with the reason before anything is written. A
customer who already has an open task for that policy is skipped (so a replay or a double
click creates nothing twice; requests are serialised by the change-log lock). Audited as
``retention_tasks``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from server_stub.storage import models as m
from workbench.core.codes import Role
from workbench.core.entities import utcnow

MAX_SELECTION = 1000
MAX_REASON = 200


class RetentionRefused(ValueError):
    """Refused with the reason; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class RetentionResult:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # customers with an open task already
    assigned: int = 0
    waiting: int = 0


def _check(customer_ids: list[str], reason: str) -> str:
    if not customer_ids:
        raise RetentionRefused("Select at least one customer.")
    if len(customer_ids) > MAX_SELECTION:
        raise RetentionRefused(f"At most {MAX_SELECTION} customers at once.")
    if len(set(customer_ids)) != len(customer_ids):
        raise RetentionRefused("A customer is selected twice.")
    if any(not c or len(c) > 40 for c in customer_ids):
        raise RetentionRefused("A customer id is empty or too long.")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or not reason.isprintable():
        raise RetentionRefused(f"Give a reason (1 to {MAX_REASON} printable characters).")
    return reason


def create_retention_tasks(engine: Engine, *, by_user: str, role: str, team_id: str | None,
                           customer_ids: list[str], policy_id: str, rule: str, reason: str) -> RetentionResult:
    """Create and assign the retention tasks (see the module docstring); RetentionRefused."""
    from server_stub.audit import record
    from server_stub.lifecycle.assignment import AssignmentError, assign_pool, load_rule
    from server_stub.storage.db import session_factory, unit_of_work
    from server_stub.sync import lock_log, publish

    reason = _check(customer_ids, reason)
    if role not in (Role.LEAD.value, Role.ADMIN.value) or (role == Role.LEAD.value and not team_id):
        raise RetentionRefused("Only a team's lead or an administrator creates retention tasks.", 403)
    result = RetentionResult()
    with unit_of_work(session_factory(engine)) as s:
        lock_log(s)
        try:
            load_rule(s, rule)
        except AssignmentError as exc:
            raise RetentionRefused(str(exc)) from None
        policy = s.get(m.Policy, policy_id)
        if policy is None or policy.status != "published":
            raise RetentionRefused(f"No published policy {policy_id[:40]!r}.")
        if "outbound" not in (policy.channels or []):
            raise RetentionRefused(f"Policy {policy_id} is not offered by outbound calls.")
        found = {c.id: c for c in s.execute(select(m.Customer).where(m.Customer.id.in_(customer_ids))).scalars()}
        for cid in customer_ids:
            cust = found.get(cid)
            if cust is None or (role == Role.LEAD.value and cust.team_id != team_id):
                raise RetentionRefused(f"Customer {cid} is not in your team (nothing was created).", 403)
            if cust.team_id is None:
                raise RetentionRefused(f"Customer {cid} has no team to work them (nothing was created).")
        open_for = set(s.execute(select(m.Task.customer_id).where(
            m.Task.customer_id.in_(customer_ids), m.Task.policy_id == policy_id,
            m.Task.channel == "outbound", m.Task.status == "open")).scalars())
        now = utcnow()
        rows = []
        for cid in customer_ids:
            if cid in open_for:
                result.skipped.append(cid)
                continue
            cust = found[cid]
            rows.append(m.Task(id=f"K-RET-{uuid.uuid4().hex[:24]}", customer_id=cid, policy_id=policy_id,
                               channel="outbound", team_id=cust.team_id, store_id=cust.store_id, status="open",
                               priority=policy.priority, lead_tier=cust.lead_tier, created_at=now))
        if rows:
            s.add_all(rows)
            s.flush()
            publish(s, "task", rows)
        result.created = [t.id for t in rows]
        record(s, "retention_tasks", user_id=by_user,
               detail=f"policy {policy_id}, rule {rule}: {len(rows)} created, {len(result.skipped)} skipped; {reason}",
               rows=len(rows))
    if result.created:
        report = assign_pool(engine, [rule], only=result.created)
        result.assigned = sum(report.assigned.values())
        result.waiting = sum(report.waiting.values())
    return result
