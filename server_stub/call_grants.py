"""What a call routed by the PBX lets its agent do with a customer outside their scope.

A call event (``server_stub.cti``) grants the agent it rings at, for that call only:

- reading the caller's portrait (lookup) until the grant expires, and
- recording **one** contact event with that customer (the outcome of the call).

Nothing else: no acceptances, work orders or edits of another team's customer, no second
contact event, and nothing after :data:`CALL_GRANT_TTL`. The PBX sending the same call id again
grants nothing new.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server_stub.storage.models import CallGrant
from workbench.core.entities import utcnow

#: How long a routed call opens the caller's portrait and its one contact event
#: (a call with its wrap-up; a desktop offline for longer pushes an outcome that is refused).
CALL_GRANT_TTL = dt.timedelta(hours=1)


def grant(session: Session, event_id: str, user_id: str, customer_id: str, call_id: str | None,
          now: dt.datetime | None = None) -> bool:
    """Record the grant of call event ``event_id``; False if this call id was granted to this
    user already (a replay). The caller holds the change-log lock, which serialises this."""
    now = now or utcnow()
    key = (call_id or event_id)[:120]
    exists = session.execute(
        select(CallGrant.id).where(CallGrant.user_id == user_id, CallGrant.call_key == key)).first()
    if exists is not None:
        return False
    session.add(CallGrant(id=event_id, user_id=user_id, customer_id=customer_id, call_key=key,
                          created_at=now, expires_at=now + CALL_GRANT_TTL))
    return True


def can_read(session: Session, user_id: str, customer_id: str, now: dt.datetime | None = None) -> bool:
    """True if a live call grant lets ``user_id`` read ``customer_id``."""
    hit = session.execute(
        select(CallGrant.id).where(CallGrant.user_id == user_id, CallGrant.customer_id == customer_id,
                                   CallGrant.expires_at > (now or utcnow())).limit(1)).first()
    return hit is not None


def open_grant(session: Session, user_id: str, customer_id: str, now: dt.datetime | None = None) -> str | None:
    """The id of a live grant of ``user_id`` for ``customer_id`` whose contact event is still
    unwritten (oldest first), or None."""
    return session.execute(
        select(CallGrant.id).where(CallGrant.user_id == user_id, CallGrant.customer_id == customer_id,
                                   CallGrant.expires_at > (now or utcnow()),
                                   CallGrant.contact_event_id.is_(None))
        .order_by(CallGrant.created_at).limit(1)).scalar()


def had_grant(session: Session, user_id: str, customer_id: str) -> bool:
    """True if ``user_id`` ever had a grant for ``customer_id`` (used up or expired)."""
    return session.execute(
        select(CallGrant.id).where(CallGrant.user_id == user_id, CallGrant.customer_id == customer_id)
        .limit(1)).first() is not None


def use(session: Session, grant_id: str, contact_event_id: str) -> bool:
    """Spend grant ``grant_id`` on ``contact_event_id``; False if it was spent meanwhile."""
    result = session.execute(
        update(CallGrant).where(CallGrant.id == grant_id, CallGrant.contact_event_id.is_(None))
        .values(contact_event_id=contact_event_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
