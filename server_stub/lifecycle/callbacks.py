"""Call-backs on the server: the push mutations that make, move and close them, and the job
that releases overdue ones to the team.

A call-back (``callbacks``) is the agent's (``owner_id``) or anyone's in the team
(``owner_id`` None, "anyone in my team" ticked). Mutations, validated like every push
(:mod:`server_stub.sync`):

``callback/create``  ``{id, customer_id, due_at, shared, note, contact_event_id, requested_at}``
    the customer must be in the caller's scope; the server sets the owner (the caller, or
    nobody when shared), the team (the customer's), the creator and the times; ``due_at``
    must lie between a day ago and a year ahead.
``callback/update`` (reschedule)  ``{id, due_at, requested_at, shared}``
    the caller takes it (owner = caller, or nobody when shared); the release is cleared.
``callback/transition`` (close)  ``{id, status: done|cancelled, closed_by_event_id}``

Reschedule and close are allowed to the owner, to anyone in the team when it has no owner
(shared or released), and to the team's lead; anything else is refused with the reason and
changes nothing. :func:`release_overdue` (a scheduler job) gives an own call-back overdue by
the team's ``callback_release_minutes`` to the whole team.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, select
from sqlalchemy.orm import Session

from server_stub.changes import Change, append
from server_stub.storage.models import AuditEntry, Callback, TeamLifecycleSettings
from workbench.core.codes import Role
from workbench.core.entities import parse_when, utcnow

STATUSES = ("open", "done", "cancelled")
MAX_AHEAD = dt.timedelta(days=366)
MAX_BEHIND = dt.timedelta(days=1)
DEFAULT_RELEASE_MINUTES = 30


def _when(data: dict[str, Any], key: str, now: dt.datetime, *, required: bool) -> dt.datetime | None:
    from server_stub.sync import Rejected

    value = data.get(key)
    if value is None:
        if required:
            raise Rejected(f"{key}: required")
        return None
    try:
        when = parse_when(value, key)
    except (ValueError, OverflowError) as exc:
        raise Rejected(str(exc)) from None
    if not now - MAX_BEHIND <= when <= now + MAX_AHEAD:
        raise Rejected(f"{key}: must be between a day ago and a year ahead")
    return when


def _note(data: dict[str, Any]) -> str:
    from server_stub.sync import Rejected

    note = data.get("note", "")
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > 500 or "\x00" in note:
        raise Rejected("note: text of at most 500 characters")
    return note.strip()


def _optional_id(data: dict[str, Any], key: str) -> str | None:
    from server_stub.sync import _require_id

    return None if data.get(key) is None else _require_id(data, key)


def _shared(data: dict[str, Any]) -> bool:
    from server_stub.sync import Rejected

    value = data.get("shared", False)
    if not isinstance(value, bool):
        raise Rejected("shared: true or false")
    return value


def callback_change(row: Callback) -> Change:
    """The change-log entry of a call-back: the team sees it (the owner's desk included)."""
    from server_stub.sync import wire_row

    return Change("callback", row.id, wire_row("callback", row), team_id=row.team_id)


def _create(b: Any, data: dict[str, Any]) -> list[Change]:
    from server_stub.sync import Rejected, _require_id

    cid = _require_id(data)
    cust = b.customer(data.get("customer_id"))
    if b.session.get(Callback, cid) is not None:
        raise Rejected(f"call-back {cid} already exists")
    p = b.principal
    if p.role not in (Role.AGENT, Role.LEAD, Role.ADMIN):
        raise Rejected("only agents and leads make call-backs")
    shared = _shared(data)
    row = Callback(
        id=cid, customer_id=cust.id, team_id=cust.team_id,
        owner_id=None if shared else p.user_id, created_by=p.user_id,
        due_at=_when(data, "due_at", b.now, required=True),
        requested_at=_when(data, "requested_at", b.now, required=False),
        status="open", note=_note(data), contact_event_id=_optional_id(data, "contact_event_id"),
        created_at=b.now, updated_at=b.now)
    if shared and cust.team_id is None:
        raise Rejected("a customer without a team cannot have a team call-back")
    b.session.add(row)
    return [callback_change(row)]


def _own(b: Any, data: dict[str, Any]) -> Callback:
    """The open call-back ``data['id']`` if the caller may change it, else refused."""
    from server_stub.sync import Rejected, _require_id

    cid = _require_id(data)
    row = b.session.get(Callback, cid)
    p = b.principal
    if row is None or not _in_team(p, row):
        raise Rejected(f"call-back {cid} not found in your scope")
    if row.status != "open":
        raise Rejected(f"call-back {cid} is {row.status} already")
    if row.owner_id not in (None, p.user_id) and p.role not in (Role.LEAD, Role.ADMIN):
        raise Rejected(f"call-back {cid} belongs to another agent until it is released to the team")
    return row


def _in_team(p: Any, row: Callback) -> bool:
    if p.role == Role.ADMIN:
        return True
    return row.owner_id == p.user_id or (p.team_id is not None and row.team_id == p.team_id)


def _reschedule(b: Any, data: dict[str, Any]) -> list[Change]:
    row = _own(b, data)
    row.due_at = _when(data, "due_at", b.now, required=True)  # type: ignore[assignment]
    row.requested_at = _when(data, "requested_at", b.now, required=False)
    row.owner_id = None if _shared(data) else b.principal.user_id
    row.released_at = None
    row.updated_at = b.now
    return [callback_change(row)]


def _close(b: Any, data: dict[str, Any]) -> list[Change]:
    from server_stub.sync import Rejected

    row = _own(b, data)
    status = data.get("status", "done")
    if status not in ("done", "cancelled"):
        raise Rejected("status: 'done' or 'cancelled'")
    row.status = status
    row.closed_by_event_id = _optional_id(data, "closed_by_event_id")
    row.updated_at = b.now
    return [callback_change(row)]


def register(handlers: dict[tuple[str, str], Callable[[Any, dict[str, Any]], list[Change]]]) -> None:
    """Add the call-back mutations to the push handlers."""
    handlers[("callback", "create")] = _create
    handlers[("callback", "update")] = _reschedule
    handlers[("callback", "transition")] = _close


# ------------------------------------------------------------------ the release job


@dataclass(frozen=True)
class ReleaseReport:
    released: int

    def line(self) -> str:
        return f"{self.released} overdue call-back(s) released to their teams"


def release_minutes(session: Session) -> dict[str | None, int]:
    """team id -> minutes after which an own call-back is released (teams without settings:
    the default, under the key None)."""
    out: dict[str | None, int] = {None: DEFAULT_RELEASE_MINUTES}
    for team_id, minutes in session.execute(
            select(TeamLifecycleSettings.team_id, TeamLifecycleSettings.callback_release_minutes)):
        out[team_id] = int(minutes)
    return out


def release_overdue(engine: Engine, *, now: dt.datetime | None = None) -> ReleaseReport:
    """Give every own call-back overdue by its team's release minutes to the team
    (``owner_id`` cleared, ``released_at`` set), published and audited. Idempotent."""
    from server_stub.sync import lock_log

    now = now or utcnow()
    with Session(engine) as s, s.begin():
        lock_log(s)  # one writer: a push cannot close it between our read and our write
        minutes = release_minutes(s)
        earliest = min(minutes.values())
        rows = s.execute(select(Callback).where(and_(
            Callback.status == "open", Callback.owner_id.is_not(None), Callback.released_at.is_(None),
            Callback.team_id.is_not(None), Callback.due_at <= now - dt.timedelta(minutes=earliest),
        ))).scalars().all()
        changes = []
        for row in rows:
            limit = minutes.get(row.team_id, minutes[None])
            if row.due_at > now - dt.timedelta(minutes=limit):
                continue
            s.add(AuditEntry(user_id="system", action="callback_release", customer_id=row.customer_id,
                             detail=f"{row.id} of {row.owner_id}, due {row.due_at.isoformat()}"))
            row.owner_id, row.released_at, row.updated_at = None, now, now
            changes.append(callback_change(row))
        append(s, changes)
    return ReleaseReport(len(changes))

