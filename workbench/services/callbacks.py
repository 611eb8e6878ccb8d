"""Call-backs on the desktop (回访): made by an outcome, brought back at their time. No Qt.

* :func:`apply_outcome` runs inside the outcome's unit of work: an outcome with a call-back
  time moves the customer's open call-back (mine, or my team's) to that time, or makes a new
  one; an outcome without one closes it. Every change goes to the outbox with the row, so it
  works offline and syncs like every write (server: :mod:`server_stub.lifecycle.callbacks`).
* :func:`propose_time` moves a time that falls in the customer's quiet hours, or over a
  contact cap, to the next moment contact pressure allows (:mod:`workbench.core.pressure`
  decides; the call just recorded counts towards the caps).
* :func:`due_callbacks` lists what is due now for the alert; :func:`visible_callbacks` is
  what the work list shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.codes import Channel
from workbench.core.entities import to_wire, utcnow
from workbench.core.pressure import (
    ContactRecord,
    PressureLimitSpec,
    PressureSubject,
    ReasonCode,
    check_pressure,
)
from workbench.local_store.models import Callback, ContactEvent, Customer, PressureLimit
from workbench.local_store.outbox import enqueue, new_id
from workbench.services.actor import Actor

#: reasons that move a call-back to a later time (consent problems do not: they block)
MOVABLE = (ReasonCode.QUIET_HOURS, ReasonCode.CAP_REACHED)
MAX_MOVES = 12


@dataclass(frozen=True)
class Proposal:
    """When a call-back will be: ``due_at``; ``reasons`` say why it moved from the time asked."""

    asked: dt.datetime
    due_at: dt.datetime
    reasons: tuple[str, ...] = ()

    @property
    def moved(self) -> bool:
        return self.due_at != self.asked


@dataclass(frozen=True)
class CallbackChange:
    """What an outcome did to call-backs: ``action`` created / rescheduled / closed / none."""

    action: str
    callback_id: str | None = None
    proposal: Proposal | None = None
    mutation_ids: tuple[str, ...] = ()


def propose_time(session: Session, customer: Customer, asked: dt.datetime) -> Proposal:
    """The first moment at or after ``asked`` that quiet hours and caps allow."""
    limits = [PressureLimitSpec.from_row(r) for r in session.execute(select(PressureLimit)).scalars()]
    history = [ContactRecord.from_row(r) for r in session.execute(
        select(ContactEvent.channel, ContactEvent.started_at, ContactEvent.wrapup,
               ContactEvent.policy_id, ContactEvent.id)
        .where(ContactEvent.customer_id == customer.id)).mappings()]
    subject = PressureSubject.from_row(customer)
    when = asked
    reasons: list[str] = []
    for _ in range(MAX_MOVES):
        decision = check_pressure(subject, history, limits, Channel.OUTBOUND.value, when)
        moves = [r for r in decision.reasons if r.code in MOVABLE and r.params.get("until")]
        if not moves:
            break
        later = max(dt.datetime.fromisoformat(str(r.params["until"])) for r in moves)
        if later <= when:
            break
        reasons.extend(r.code for r in moves if r.code not in reasons)
        when = later
    return Proposal(asked, when, tuple(reasons))


def _visible(actor: Actor) -> object:
    """SQL condition: call-backs the actor works (own, or the team's without an owner)."""
    mine = Callback.owner_id == actor.user_id
    if actor.team_id is None:
        return mine
    return or_(mine, (Callback.owner_id.is_(None)) & (Callback.team_id == actor.team_id))


def open_for_customer(session: Session, actor: Actor, customer_id: str) -> Callback | None:
    return session.execute(
        select(Callback).where(Callback.customer_id == customer_id, Callback.status == "open",
                               _visible(actor))  # type: ignore[arg-type]
        .order_by(Callback.due_at).limit(1)).scalars().first()


def apply_outcome(session: Session, actor: Actor, customer: Customer, event: ContactEvent,
                  callback_at: dt.datetime | None, shared: bool, note: str = "") -> CallbackChange:
    """Make, move or close the customer's call-back for an outcome just added to ``session``."""
    now = utcnow()
    current = open_for_customer(session, actor, customer.id)
    if callback_at is None:
        if current is None:
            return CallbackChange("none")
        current.status, current.closed_by_event_id, current.updated_at = "done", event.id, now
        mid = enqueue(session, "callback", "transition",
                      {"id": current.id, "status": "done", "closed_by_event_id": event.id})
        return CallbackChange("closed", current.id, None, (mid,))
    proposal = propose_time(session, customer, callback_at)
    requested = proposal.asked if proposal.moved else None
    owner = None if shared else actor.user_id
    if current is not None:
        current.due_at, current.requested_at = proposal.due_at, requested
        current.owner_id, current.released_at, current.updated_at = owner, None, now
        mid = enqueue(session, "callback", "update", {
            "id": current.id, "due_at": proposal.due_at.isoformat(),
            "requested_at": requested.isoformat() if requested else None, "shared": shared,
            "owner_id": owner, "released_at": None})
        return CallbackChange("rescheduled", current.id, proposal, (mid,))
    row = Callback(id=new_id(), customer_id=customer.id, team_id=customer.team_id, owner_id=owner,
                   created_by=actor.user_id, due_at=proposal.due_at, requested_at=requested,
                   status="open", contact_event_id=event.id, note=note[:500], created_at=now,
                   updated_at=now)
    session.add(row)
    session.flush()
    data = to_wire(row)
    data["shared"] = shared
    mid = enqueue(session, "callback", "create", data)
    return CallbackChange("created", row.id, proposal, (mid,))


@dataclass(frozen=True)
class DueCallback:
    """A call-back as the alert and the work list show it."""

    id: str
    customer_id: str
    customer_name: str
    due_at: dt.datetime
    team: bool  # anyone in the team may take it (shared or released)
    released: bool
    note: str


def visible_callbacks(sf: sessionmaker[Session], actor: Actor, *, due_before: dt.datetime | None = None,
                      limit: int = 500) -> list[DueCallback]:
    """Open call-backs the actor works, soonest first (only those due by ``due_before``)."""
    with sf() as s:
        query = (select(Callback, Customer.name).join(Customer, Customer.id == Callback.customer_id)
                 .where(Callback.status == "open", _visible(actor))  # type: ignore[arg-type]
                 .order_by(Callback.due_at).limit(limit))
        if due_before is not None:
            query = query.where(Callback.due_at <= due_before)
        return [DueCallback(cb.id, cb.customer_id, name, cb.due_at, cb.owner_id is None,
                            cb.released_at is not None, cb.note)
                for cb, name in s.execute(query).all()]


def due_callbacks(sf: sessionmaker[Session], actor: Actor, now: dt.datetime | None = None) -> list[DueCallback]:
    """The call-backs due now (their time has come), oldest first."""
    return visible_callbacks(sf, actor, due_before=now or utcnow())
