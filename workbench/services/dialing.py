"""Click-to-dial: check contact pressure before any outbound call; leads may override.

An agent cannot start a capped (or cooling-down) outbound call; a team lead can, with a
reason, and the override is recorded as a contact event in the customer's trail (so it
syncs and shows up in reviews). Do-not-call, quiet hours and acceptances are never
overridable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.codes import Channel, Role, WrapUp
from workbench.core.dbutil import unit_of_work
from workbench.core.entities import to_wire, utcnow
from workbench.core.errors import UserError
from workbench.core.pressure import (
    ContactRecord,
    OverrideNotAllowedError,
    PressureDecision,
    PressureLimitSpec,
    PressureSubject,
    check_pressure,
    override,
)
from workbench.local_store.models import Acceptance, ContactEvent, Customer, PressureLimit
from workbench.local_store.outbox import enqueue, new_id
from workbench.services.actor import Actor

HISTORY_DAYS = 40


class DialRefused(UserError, PermissionError):
    """The call may not be started; the message says why (safe to show)."""

    def __init__(self, message: str, decision: PressureDecision | None = None) -> None:
        super().__init__(message)
        self.decision = decision


@dataclass(frozen=True)
class DialCheck:
    customer_id: str
    number: str
    decision: PressureDecision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


class DialService:
    """Decides whether an outbound call may start. Plain Python; run it off the GUI thread."""

    def __init__(self, session_factory: sessionmaker[Session], actor: Actor,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._sf = session_factory
        self._actor = actor
        self._clock = clock

    @property
    def can_override(self) -> bool:
        return self._actor.role in (Role.LEAD, Role.ADMIN)

    def check(self, customer_id: str, *, policy_id: str | None = None,
              now: dt.datetime | None = None) -> DialCheck:
        now = now or self._clock()
        with self._sf() as s:
            c = s.get(Customer, customer_id)
            if c is None:
                raise DialRefused(f"unknown customer: {customer_id}")
            since = now - dt.timedelta(days=HISTORY_DAYS)
            history = [ContactRecord.from_row(e) for e in s.execute(
                select(ContactEvent).where(ContactEvent.customer_id == c.id, ContactEvent.started_at >= since)
            ).scalars()]
            limits = [PressureLimitSpec.from_row(x) for x in s.execute(select(PressureLimit)).scalars()]
            accepted = {a.policy_id: a.channel for a in s.execute(
                select(Acceptance).where(Acceptance.customer_id == c.id, Acceptance.status == "accepted")
            ).scalars()}
            decision = check_pressure(PressureSubject.from_row(c), history, limits, Channel.OUTBOUND.value,
                                      now, policy_id=policy_id, accepted_policy_ids=accepted)
            return DialCheck(c.id, c.phone, decision)

    def authorize(self, check: DialCheck, override_reason: str | None = None) -> str:
        """The number to dial, or :class:`DialRefused`.

        A blocked call goes ahead only for a lead giving a reason, and only if every reason
        is overridable; the override is then recorded in the customer's trail.
        """
        if check.allowed:
            return check.number
        codes = ", ".join(check.decision.codes)
        if not self.can_override:
            hint = " A team lead can override." if check.decision.overridable else ""
            raise DialRefused(f"Not allowed to call now ({codes}).{hint}", check.decision)
        if not override_reason:
            raise DialRefused(f"Blocked ({codes}): give a reason to override.", check.decision)
        try:
            ov = override(check.decision, self._actor.user_id, override_reason)
        except OverrideNotAllowedError as exc:
            raise DialRefused(str(exc), check.decision) from None
        with unit_of_work(self._sf) as s:
            c = s.get(Customer, check.customer_id)
            event = ContactEvent(
                id=new_id(), customer_id=check.customer_id, channel=Channel.OUTBOUND.value,
                user_id=self._actor.user_id, team_id=c.team_id if c else None, started_at=ov.at,
                duration_s=0, cost=0.0, wrapup=WrapUp.INFO_ONLY.value, intent="none",
                note=ov.as_note(),
            )
            s.add(event)
            s.flush()
            enqueue(s, "contact_event", "create", to_wire(event))
        return check.number
