"""Recording what happened: contact outcomes, acceptances, new leads and work orders.

Every write goes to the local store and to the outbox in one transaction, so a crash at
any instant either keeps both or neither; the sync worker pushes the outbox later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from workbench.core import limits
from workbench.core.appointments import AppointmentProblem, check_appointment
from workbench.core.codes import (
    Channel,
    Intent,
    TaskStatus,
    WorkOrderStatus,
    WrapUp,
    check_work_order_transition,
)
from workbench.core.dbutil import unit_of_work
from workbench.core.entities import to_wire, utcnow
from workbench.core.errors import UserError
from workbench.core.phone import InvalidPhoneError, normalize_phone
from workbench.core.pressure import (
    ContactRecord,
    PressureLimitSpec,
    PressureSubject,
    ReasonCode,
    check_pressure,
)
from workbench.local_store.models import (
    Acceptance,
    ContactEvent,
    Customer,
    Outbox,
    Policy,
    PressureLimit,
    Store,
    Task,
    WorkOrder,
)
from workbench.local_store.outbox import enqueue, new_id
from workbench.services.actor import Actor

#: Cost of one contact by channel, in yuan (used until the lead's cost settings say otherwise).
DEFAULT_COST = {"outbound": 1.2, "hotline": 0.8, "store": 5.0, "sms": 0.05, "online": 0.02}


class InputError(UserError, ValueError):
    """Bad input from the user; the message is safe to show and nothing was written."""


@dataclass(frozen=True)
class OutcomeInput:
    customer_id: str
    wrapup: str
    intent: str = Intent.NONE.value
    channel: str = Channel.OUTBOUND.value
    policy_id: str | None = None
    note: str = ""
    callback_at: dt.datetime | None = None
    duration_s: int = 0
    started_at: dt.datetime | None = None
    task_id: str | None = None
    predicted_p: float | None = None
    transfer_store_id: str | None = None
    transfer_note: str = ""
    #: the appointment agreed for the store visit (aware), and its length in minutes
    appointment_at: dt.datetime | None = None
    appointment_minutes: int | None = None
    #: send the chosen policy's hang-up SMS with the customer's personal link (issue 15)
    send_sms: bool = False
    #: the call-back is for anyone in the agent's team, not only the agent
    callback_shared: bool = False


@dataclass(frozen=True)
class Recorded:
    """What one save wrote, so that it can be undone while still unsent."""

    contact_event_id: str
    mutation_ids: tuple[str, ...]
    acceptance_id: str | None = None
    work_order_id: str | None = None
    at: dt.datetime = field(default_factory=utcnow)
    #: what the outcome did to the customer's call-back, and that call-back before it
    callback: Any = None
    callback_before: dict[str, Any] | None = None


class OutcomeService:
    """Writes of the desktop user. Plain Python; call it from a worker thread."""

    def __init__(self, session_factory: sessionmaker[Session], actor: Actor) -> None:
        self._sf = session_factory
        self._actor = actor

    # ------------------------------------------------------------------ outcomes
    def record(self, data: OutcomeInput) -> Recorded:
        """Save an outcome (and its acceptance / work order) with its outbox entries."""
        try:
            wrapup = WrapUp(data.wrapup)
        except ValueError:
            raise InputError(f"unknown wrap-up code: {data.wrapup!r}") from None
        try:
            intent = Intent(data.intent)
        except ValueError:
            raise InputError(f"unknown intent level: {data.intent!r}") from None
        try:
            channel = Channel(data.channel)
        except ValueError:
            raise InputError(f"unknown channel: {data.channel!r}") from None
        if data.duration_s < 0:
            raise InputError("call duration cannot be negative")
        if len(data.note) > 2000:
            raise InputError("the note is longer than 2000 characters")
        now = utcnow()
        if data.callback_at is not None and data.callback_at < now - dt.timedelta(minutes=1):
            raise InputError("the call-back time is in the past")
        # the server's limits, checked here too so that nothing is queued that it will refuse
        why = (limits.range_reason("duration_s", data.duration_s, limits.CALL_DURATION_S)
               or (data.predicted_p is not None
                   and limits.range_reason("predicted_p", data.predicted_p, limits.PROBABILITY))
               or (data.started_at is not None and limits.time_reason("started_at", data.started_at, now=now))
               or (data.callback_at is not None and limits.time_reason(
                   "callback_at", data.callback_at, now=now, ahead=limits.MAX_CALLBACK_AHEAD)))
        if why:
            raise InputError(why)
        if wrapup is WrapUp.ACCEPTED and not data.policy_id:
            raise InputError("choose the policy the customer accepted")
        if wrapup is WrapUp.TRANSFERRED and not data.transfer_store_id:
            raise InputError("choose the store to transfer the customer to")
        if data.send_sms and not data.policy_id:
            raise InputError("choose the policy the hang-up SMS is about")
        if data.appointment_at is not None and not data.transfer_store_id:
            raise InputError("an appointment needs a store to transfer the customer to")

        with unit_of_work(self._sf) as s:
            customer = self._customer(s, data.customer_id)
            policy = self._policy(s, data.policy_id) if data.policy_id else None
            mutations: list[str] = []
            event = ContactEvent(
                id=new_id(),
                customer_id=customer.id,
                channel=channel.value,
                user_id=self._actor.user_id,
                team_id=customer.team_id,
                store_id=self._actor.store_id,
                started_at=data.started_at or now,
                duration_s=int(data.duration_s),
                cost=DEFAULT_COST.get(channel.value, 0.0),
                wrapup=wrapup.value,
                intent=intent.value,
                policy_id=policy.id if policy else None,
                task_id=data.task_id,
                note=data.note.strip(),
                callback_at=data.callback_at,
                predicted_p=data.predicted_p,
                deal_value=policy.value if (policy and wrapup is WrapUp.ACCEPTED) else 0.0,
            )
            s.add(event)
            s.flush()
            mutations.append(enqueue(s, "contact_event", "create", to_wire(event)))
            acceptance_id = None
            if wrapup is WrapUp.ACCEPTED and policy is not None:
                acceptance_id, mids = self._accept(s, customer, policy, channel.value)
                mutations.extend(mids)
            work_order_id = None
            if data.transfer_store_id:
                work_order_id, mid = self._create_work_order(
                    s, customer, data.transfer_store_id, policy, data.transfer_note,
                    data.appointment_at, data.appointment_minutes,
                )
                mutations.append(mid)
            if data.task_id:
                mutations.extend(self._close_task(s, data.task_id))
            if data.send_sms and policy is not None:
                mutations.append(self._hangup_sms(s, customer, policy, event.id, data.task_id, now))
            callback, before = self._callback(s, customer, event, data)
            mutations.extend(callback.mutation_ids)
            if wrapup is WrapUp.DO_NOT_CALL and not customer.do_not_call:
                customer.do_not_call = True
                mutations.append(
                    enqueue(s, "customer", "update", {"id": customer.id, "do_not_call": True})
                )
        return Recorded(event.id, tuple(mutations), acceptance_id, work_order_id,
                        callback=callback, callback_before=before)

    def _callback(self, s: Session, customer: Customer, event: ContactEvent,
                  data: OutcomeInput) -> tuple[Any, dict[str, Any] | None]:
        """Make, move or close the customer's call-back (see services/callbacks.py)."""
        from workbench.services.callbacks import apply_outcome, open_for_customer

        current = open_for_customer(s, self._actor, customer.id)
        before = None if current is None else {
            "id": current.id, "due_at": current.due_at, "requested_at": current.requested_at,
            "owner_id": current.owner_id, "released_at": current.released_at}
        change = apply_outcome(s, self._actor, customer, event, data.callback_at,
                               data.callback_shared, data.note.strip())
        return change, before

    def undo(self, recorded: Recorded) -> bool:
        """Take back a save whose mutations have not left the outbox yet.

        Returns False (and changes nothing) if any of them was already sent.
        """
        with unit_of_work(self._sf) as s:
            still = set(
                s.execute(
                    select(Outbox.mutation_id).where(Outbox.mutation_id.in_(recorded.mutation_ids))
                ).scalars()
            )
            if still != set(recorded.mutation_ids):
                return False
            rows = s.execute(
                select(Outbox).where(Outbox.mutation_id.in_(recorded.mutation_ids))
            ).scalars().all()
            for row in rows:
                if row.entity == "task" and row.op == "transition":
                    s.execute(
                        update(Task).where(Task.id == row.data["id"]).values(status=TaskStatus.OPEN.value)
                    )
                if row.entity == "customer" and row.op == "update" and "do_not_call" in row.data:
                    s.execute(
                        update(Customer).where(Customer.id == row.data["id"]).values(do_not_call=False)
                    )
            self._undo_callback(s, recorded)
            s.execute(delete(ContactEvent).where(ContactEvent.id == recorded.contact_event_id))
            if recorded.acceptance_id:
                acc = s.get(Acceptance, recorded.acceptance_id)
                if acc is not None:
                    s.execute(
                        update(Task)
                        .where(
                            Task.customer_id == acc.customer_id,
                            Task.policy_id == acc.policy_id,
                            Task.status == TaskStatus.SUPPRESSED.value,
                        )
                        .values(status=TaskStatus.OPEN.value)
                    )
                    s.delete(acc)
            if recorded.work_order_id:
                s.execute(delete(WorkOrder).where(WorkOrder.id == recorded.work_order_id))
            s.execute(delete(Outbox).where(Outbox.mutation_id.in_(recorded.mutation_ids)))
        return True

    @staticmethod
    def _undo_callback(s: Session, recorded: Recorded) -> None:
        from workbench.local_store.models import Callback

        change = recorded.callback
        if change is None or change.callback_id is None:
            return
        row = s.get(Callback, change.callback_id)
        if row is None:
            return
        if change.action == "created":
            s.delete(row)
        elif recorded.callback_before is not None:  # rescheduled or closed: as it was
            for key, value in recorded.callback_before.items():
                setattr(row, key, value)
            row.status, row.closed_by_event_id = "open", None

    # ------------------------------------------------------------------ acceptance
    def accept_policy(self, customer_id: str, policy_id: str, channel: str) -> str:
        """Record that the customer took a policy; suppresses its open tasks locally at once."""
        try:
            Channel(channel)
        except ValueError:
            raise InputError(f"unknown channel: {channel!r}") from None
        with unit_of_work(self._sf) as s:
            customer = self._customer(s, customer_id)
            policy = self._policy(s, policy_id)
            acceptance_id, _ = self._accept(s, customer, policy, channel)
        return acceptance_id

    def _accept(self, s: Session, customer: Customer, policy: Policy, channel: str) -> tuple[str, list[str]]:
        already = s.execute(
            select(Acceptance.id).where(
                Acceptance.customer_id == customer.id,
                Acceptance.policy_id == policy.id,
                Acceptance.status == "accepted",
            )
        ).first()
        if already:
            raise InputError("the customer has already accepted this policy")
        acc = Acceptance(
            id=new_id(),
            customer_id=customer.id,
            policy_id=policy.id,
            channel=channel,
            user_id=self._actor.user_id,
            team_id=customer.team_id,
            store_id=self._actor.store_id or customer.store_id,
            accepted_at=utcnow(),
            value=policy.value,
            status="accepted",
        )
        s.add(acc)
        s.flush()
        mids = [enqueue(s, "acceptance", "create", to_wire(acc))]
        # Stop offering it here at once; the server suppresses the tasks everywhere else.
        s.execute(
            update(Task)
            .where(
                Task.customer_id == customer.id,
                Task.policy_id == policy.id,
                Task.status == TaskStatus.OPEN.value,
            )
            .values(status=TaskStatus.SUPPRESSED.value)
        )
        return acc.id, mids

    # ------------------------------------------------------------------ leads
    def create_lead(self, number: str, name: str, city: str = "", note: str = "") -> str:
        """Create a new-lead customer for an unknown caller; syncs like any record."""
        try:
            phone = normalize_phone(number)
        except InvalidPhoneError as exc:
            raise InputError(str(exc)) from None
        name = name.strip()
        if not name:
            raise InputError("enter the caller's name (or a description such as 'Mr Wang')")
        with unit_of_work(self._sf) as s:
            exists = s.execute(select(Customer.id).where(Customer.phone == phone)).first()
            if exists:
                raise InputError("a customer with this number already exists")
            cust = Customer(
                id=new_id(), name=name[:60], phone=phone, city=city.strip()[:30], note=note.strip(),
                is_lead=True, team_id=self._actor.team_id, store_id=self._actor.store_id,
                lifecycle_stage="acquisition", value_tier="potential", tags=[], scores={},
                updated_at=utcnow(),
            )
            s.add(cust)
            s.flush()
            enqueue(s, "customer", "create", to_wire(cust))
        return cust.id

    # ------------------------------------------------------------------ work orders
    def transfer_to_store(self, customer_id: str, store_id: str, policy_id: str | None, note: str,
                          appointment_at: dt.datetime | None = None,
                          appointment_minutes: int | None = None) -> str:
        with unit_of_work(self._sf) as s:
            customer = self._customer(s, customer_id)
            policy = self._policy(s, policy_id) if policy_id else None
            wo_id, _ = self._create_work_order(s, customer, store_id, policy, note,
                                               appointment_at, appointment_minutes)
        return wo_id

    def _create_work_order(
        self, s: Session, customer: Customer, store_id: str, policy: Policy | None, note: str,
        appointment_at: dt.datetime | None = None, appointment_minutes: int | None = None,
    ) -> tuple[str, str]:
        if s.get(Store, store_id) is None:
            raise InputError(f"unknown store: {store_id}")
        now = utcnow()
        if appointment_at is None:
            appointment_minutes = None
        else:  # the server's rule, checked here so that nothing is queued that it will refuse
            try:
                check_appointment(appointment_at, appointment_minutes, now=now)
            except AppointmentProblem as exc:
                raise InputError(exc.message) from None
        if len(note) > limits.MAX_NOTE:
            raise InputError(f"the note for the store is longer than {limits.MAX_NOTE} characters")
        wo = WorkOrder(
            id=new_id(), customer_id=customer.id, policy_id=policy.id if policy else None,
            from_user_id=self._actor.user_id, team_id=customer.team_id, store_id=store_id,
            status=WorkOrderStatus.CREATED.value, note=note.strip(), result_reason="",
            appointment_at=appointment_at, appointment_minutes=appointment_minutes,
            created_at=now, updated_at=now,
        )
        s.add(wo)
        s.flush()
        return wo.id, enqueue(s, "work_order", "create", to_wire(wo))

    def transition_work_order(self, work_order_id: str, status: str, reason: str = "") -> None:
        """Move a work order on (arrived / done / failed / returned); illegal moves are refused."""
        from workbench.core.codes import IllegalTransitionError

        with unit_of_work(self._sf) as s:
            wo = s.get(WorkOrder, work_order_id)
            if wo is None:
                raise InputError(f"unknown work order: {work_order_id}")
            try:
                check_work_order_transition(wo.status, status, reason)
            except IllegalTransitionError as exc:
                raise InputError(str(exc)) from None
            wo.status = status
            wo.result_reason = reason.strip()
            wo.handled_by = self._actor.user_id
            wo.updated_at = utcnow()
            enqueue(s, "work_order", "transition", {"id": wo.id, "status": status, "reason": reason.strip()})

    # ------------------------------------------------------------------ hang-up SMS
    def _hangup_sms(self, s: Session, customer: Customer, policy: Policy, event_id: str,
                    task_id: str | None, now: dt.datetime) -> str:
        """Queue the hang-up SMS request in the outbox, after the local pressure check (the
        server checks again and sends it once, after sync; quiet hours only delay it)."""
        history = [ContactRecord.from_row(r) for r in s.execute(
            select(ContactEvent).where(ContactEvent.customer_id == customer.id)).scalars()]
        accepted = {a: c for a, c in s.execute(
            select(Acceptance.policy_id, Acceptance.channel).where(Acceptance.customer_id == customer.id,
                                                                   Acceptance.status == "accepted"))}
        limits = [PressureLimitSpec.from_row(r) for r in s.execute(select(PressureLimit)).scalars()]
        decision = check_pressure(PressureSubject.from_row(customer), history, limits, Channel.SMS.value, now,
                                  policy_id=policy.id, accepted_policy_ids=accepted)
        blocking = [r for r in decision.reasons if r.code != ReasonCode.QUIET_HOURS]
        if blocking:
            raise InputError("the hang-up SMS cannot be sent: " + "; ".join(r.describe() for r in blocking)
                             + " (untick it to save the outcome)")
        return enqueue(s, "sms", "request", {"id": new_id(), "customer_id": customer.id, "policy_id": policy.id,
                                             "contact_event_id": event_id, "task_id": task_id})

    # ------------------------------------------------------------------ helpers
    def _close_task(self, s: Session, task_id: str) -> list[str]:
        task = s.get(Task, task_id)
        if task is None or task.status != TaskStatus.OPEN.value:
            return []
        task.status = TaskStatus.DONE.value
        return [enqueue(s, "task", "transition", {"id": task.id, "status": TaskStatus.DONE.value})]

    @staticmethod
    def _customer(s: Session, customer_id: str) -> Customer:
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise InputError(f"unknown customer: {customer_id}")
        return customer

    @staticmethod
    def _policy(s: Session, policy_id: str) -> Policy:
        policy = s.get(Policy, policy_id)
        if policy is None:
            raise InputError(f"unknown policy: {policy_id}")
        return policy
