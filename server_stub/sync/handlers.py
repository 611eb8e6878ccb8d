"""Conflict handling per entity: one handler per (entity, op) that validates a mutation against the
server's current state and returns its change-log entries (see the table in
docs/sync-protocol.md). The lead lifecycle registers its own (call-backs, the team pool)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from server_stub import call_grants, directory
from server_stub.changes import Change
from server_stub.identity import (
    DuplicateCustomerError,
    IdNumberError,
    check_new_customer,
    claim_keys,
)
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Customer,
    Policy,
    Store,
    Task,
    WorkOrder,
)
from server_stub.sync.batch import _Batch, _own_fields
from server_stub.sync.errors import Duplicate, Rejected
from server_stub.sync.scope import customer_scope_ok
from server_stub.sync.validation import (
    _check_contact_limits,
    _check_customer_limits,
    _check_text,
    _enum,
    _require_id,
    _short,
    _when_within,
    _within,
    coerce_row,
    random_id_ok,
)
from server_stub.sync.wire import change_for, wire_row, wire_values
from workbench.core import appointments, limits
from workbench.core.codes import (
    TASK_TRANSITIONS,
    AcceptanceStatus,
    Channel,
    IllegalTransitionError,
    Intent,
    Role,
    TaskStatus,
    WorkOrderStatus,
    WrapUp,
    check_acceptance_transition,
    check_work_order_transition,
)
from workbench.core.phone import InvalidPhoneError, normalize_phone
from workbench.core.portrait_edit import apply_tag_edit, edit_reason


def _contact_event_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    cid = _require_id(data)
    cust, grant = b.call_customer(data.get("customer_id"))
    values = coerce_row(ContactEvent, data)
    _enum("channel", values["channel"], Channel)
    _enum("wrapup", values["wrapup"], WrapUp)
    _enum("intent", values["intent"], Intent)
    _check_contact_limits(values, b.now)
    if cid in b.contact_ids:
        raise Rejected(f"contact event {cid} already exists (contact events are append-only)")
    if grant is not None and not call_grants.use(b.session, grant, cid):  # last check: spends it
        raise Rejected(f"customer {cust.id} is outside your scope")
    _own_fields(b, values, cust, store_of_customer=False)
    b.contact_ids.add(cid)
    if b.deferred is not None:
        b.deferred.append(values)
    else:
        b.session.add(ContactEvent(**values))
    return [Change("contact_event", cid, wire_values(values, ContactEvent), team_id=cust.team_id, store_id=cust.store_id)]


def _acceptance_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    aid = _require_id(data)
    if not random_id_ok(aid):
        raise Rejected("id: an acceptance id must be a random UUID (version 4)")
    cust = b.customer(data.get("customer_id"))
    values = coerce_row(Acceptance, data)
    _enum("channel", values["channel"], Channel)
    if values["status"] != AcceptanceStatus.ACCEPTED.value:
        raise Rejected("a new acceptance must have status 'accepted'")
    _within("value", values["value"], limits.ACCEPTANCE_VALUE)
    _when_within("accepted_at", values["accepted_at"], b.now)
    if b.session.get(Policy, values["policy_id"]) is None:
        raise Rejected(f"policy {values['policy_id']} does not exist")
    if b.session.get(Acceptance, aid) is not None:
        raise Rejected(f"acceptance {aid} already exists")
    earlier = b.session.execute(
        select(Acceptance.id).where(
            Acceptance.customer_id == cust.id,
            Acceptance.policy_id == values["policy_id"],
            Acceptance.status == AcceptanceStatus.ACCEPTED.value,
        ).limit(1)
    ).scalar()
    if earlier is not None:
        # the earlier acceptance may be another team's: its id is not the caller's to know
        raise Rejected("the customer already accepted this policy")
    _own_fields(b, values, cust, store_of_customer=True)
    b.session.add(Acceptance(**values))
    b.session.flush()
    changes = [Change("acceptance", aid, wire_values(values, Acceptance), team_id=cust.team_id, store_id=cust.store_id)]
    # Closed loop: once accepted anywhere, nobody is asked to offer it again.
    tasks = b.session.execute(
        select(Task).where(
            Task.customer_id == cust.id,
            Task.policy_id == values["policy_id"],
            Task.status == TaskStatus.OPEN.value,
        )
    ).scalars()
    for task in tasks:
        task.status = TaskStatus.SUPPRESSED.value
        changes.append(change_for("task", task, cust))
    return changes


def _acceptance_transition(b: _Batch, data: dict[str, Any]) -> list[Change]:
    aid = _require_id(data)
    status = data.get("status")
    row = b.session.get(Acceptance, aid)
    if row is None:
        raise Rejected(f"acceptance {aid} not found in your scope")
    try:
        cust = b.customer(row.customer_id)
    except Rejected:
        # name only what the caller sent: not the customer behind another team's acceptance
        raise Rejected(f"acceptance {aid} not found in your scope") from None
    try:
        check_acceptance_transition(row.status, status)  # type: ignore[arg-type]
    except IllegalTransitionError as exc:
        raise Rejected(str(exc)) from None
    row.status = str(status)
    return [change_for("acceptance", row, cust)]


def _work_order_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    wid = _require_id(data)
    cust = b.full_customer(data.get("customer_id"))
    values = coerce_row(WorkOrder, data)
    if values["status"] != WorkOrderStatus.CREATED.value:
        raise Rejected("a new work order must have status 'created'")
    _short("note", values["note"], limits.MAX_NOTE)
    if b.session.get(Store, values["store_id"]) is None:
        raise Rejected(f"store {values['store_id']} does not exist")
    if values.get("policy_id") is not None and b.session.get(Policy, values["policy_id"]) is None:
        raise Rejected(f"policy {values['policy_id']} does not exist")
    if b.session.get(WorkOrder, wid) is not None:
        raise Rejected(f"work order {wid} already exists")
    if values.get("appointment_at") is not None or values.get("appointment_minutes") is not None:
        if values.get("appointment_at") is None:
            raise Rejected("appointment_minutes: given without appointment_at")
        try:
            # "not in the past" as of when the desk agreed it: an offline desk's late push keeps
            # its work order (a missed appointment still shows on the store's list)
            agreed = appointments.agreed_reference(b.now, values.get("created_at"))
            appointments.check_appointment(values["appointment_at"], values.get("appointment_minutes"),
                                           now=agreed, grace=appointments.PAST_GRACE)
        except appointments.AppointmentProblem as exc:
            raise Rejected(exc.message) from None
    # who and where are the server's: the sender, the customer's team; nobody has handled
    # it yet (whatever the client sent in handled_by / result_reason is dropped)
    values["from_user_id"] = b.principal.user_id
    values["team_id"] = cust.team_id
    values["handled_by"] = None
    values["result_reason"] = ""
    values["created_at"] = values["updated_at"] = b.now
    sender = directory.sender_for_store(b.session, b.principal.user_id, values["store_id"], wire_row)
    b.session.add(WorkOrder(**values))
    changes = [Change("work_order", wid, wire_values(values, WorkOrder), team_id=cust.team_id, store_id=values["store_id"])]
    if sender is not None:  # the store's receptionists see who sends them work
        changes.append(sender)
    if values["store_id"] != cust.store_id:
        # the receiving store needs the portrait of the customer it is asked to serve
        changes.append(Change("customer", cust.id, wire_row("customer", cust), store_id=values["store_id"]))
    return changes


def _work_order_transition(b: _Batch, data: dict[str, Any]) -> list[Change]:
    wid = _require_id(data)
    row = b.session.get(WorkOrder, wid)
    p = b.principal
    allowed = row is not None and (
        p.role == Role.ADMIN
        or (p.role == Role.RECEPTIONIST and p.store_id is not None and row.store_id == p.store_id)
        or (p.role in (Role.AGENT, Role.LEAD) and p.team_id is not None and row.team_id == p.team_id)
    )
    if row is None or not allowed:
        raise Rejected(f"work order {wid} not found in your scope")
    status, reason = data.get("status"), data.get("reason")
    if reason is not None:
        reason = _check_text("reason", reason, limits.MAX_REASON)
    try:
        check_work_order_transition(row.status, status, reason)  # type: ignore[arg-type]
    except IllegalTransitionError as exc:
        raise Rejected(str(exc)) from None
    row.status = str(status)
    if reason:
        row.result_reason = reason
    row.handled_by = p.user_id
    row.updated_at = b.now
    cust = b.session.get(Customer, row.customer_id)
    return [change_for("work_order", row, cust)]


def _customer_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    cid = _require_id(data)
    if data.get("is_lead") is not True:
        raise Rejected("desktops may only create new leads (is_lead = true)")
    values = coerce_row(Customer, data)
    _check_customer_limits(values)
    try:
        values["phone"] = normalize_phone(values["phone"])
    except InvalidPhoneError as exc:
        raise Rejected(str(exc)) from None
    p = b.principal
    if p.role == Role.RECEPTIONIST:
        values["store_id"] = p.store_id
        values["team_id"] = None
    elif p.role != Role.ADMIN:
        values["team_id"] = p.team_id
        values["store_id"] = None
    existing = b.customers.get(cid) if cid in b.customers else b.session.get(Customer, cid)
    if existing is not None:
        raise Rejected(f"customer {cid} already exists")
    try:  # one customer per person
        keys = check_new_customer(b.session, values, data.get("id_number"))
    except DuplicateCustomerError as exc:
        raise Duplicate(str(exc), exc.customer_id) from None
    except (IdNumberError, InvalidPhoneError) as exc:
        raise Rejected(str(exc)) from None
    values["updated_at"] = b.now
    row = Customer(**values)
    b.session.add(row)
    b.customers[cid] = row
    claim_keys(b.session, cid, keys)
    return [Change("customer", cid, wire_values(values, Customer), team_id=values["team_id"], store_id=values["store_id"])]


def _customer_update(b: _Batch, data: dict[str, Any]) -> list[Change]:
    """A portrait edit from a desk: only the editable fields (see core/portrait_edit.py);
    the last writer in server order wins."""
    cid = _require_id(data)
    fields = {k: v for k, v in data.items() if k != "id"}
    reason = edit_reason(fields)
    if reason:
        raise Rejected(reason)
    cust = b.full_customer(cid)
    if not customer_scope_ok(b.principal, cust):
        raise Rejected(f"customer {cid} not found in your scope")
    for key, value in fields.items():
        if key not in ("tags_add", "tags_remove"):
            setattr(cust, key, value)
    if "tags_add" in fields or "tags_remove" in fields:
        tags = apply_tag_edit(cust.tags, fields.get("tags_add") or (), fields.get("tags_remove") or ())
        if len(tags) > limits.MAX_TAGS:
            raise Rejected(f"tags: more than {limits.MAX_TAGS} tags")
        cust.tags = tags
    cust.updated_at = b.now
    return [change_for("customer", cust)]


def _task_transition(b: _Batch, data: dict[str, Any]) -> list[Change]:
    tid = _require_id(data)
    row = b.session.get(Task, tid)
    if row is None:
        raise Rejected(f"task {tid} not found in your scope")
    cust = b.session.get(Customer, row.customer_id)
    if cust is None or not customer_scope_ok(b.principal, cust):
        raise Rejected(f"task {tid} not found in your scope")
    status = data.get("status")
    if status not in TASK_TRANSITIONS.get(row.status, frozenset()):
        raise Rejected(f"a task that is {row.status} cannot become {status}")
    row.status = str(status)
    return [change_for("task", row, cust)]


def _sms_request(b: _Batch, data: dict[str, Any]) -> list[Change]:
    """The hang-up SMS (issue 15): see :mod:`server_stub.sms.hangup`."""
    from server_stub.sms.hangup import request_from_push

    return request_from_push(b, data)


HANDLERS: dict[tuple[str, str], Callable[[_Batch, dict[str, Any]], list[Change]]] = {
    ("contact_event", "create"): _contact_event_create,
    ("acceptance", "create"): _acceptance_create,
    ("acceptance", "transition"): _acceptance_transition,
    ("work_order", "create"): _work_order_create,
    ("work_order", "transition"): _work_order_transition,
    ("customer", "create"): _customer_create,
    ("customer", "update"): _customer_update,
    ("task", "transition"): _task_transition,
    ("sms", "request"): _sms_request,
}


# lead lifecycle (issue 17): the call-back and team-pool mutations live in their own room
from server_stub.lifecycle.callbacks import register as _register_callbacks  # noqa: E402

_register_callbacks(HANDLERS)
from server_stub.lifecycle.pool import register as _register_pool  # noqa: E402

_register_pool(HANDLERS)
