"""The desk's half of serve grants: open whoever calls or walks in through the server, and
forget them when the grant ends.

:meth:`ServeClient.lookup` is the view-model's "unknown locally" path: it asks the server's
``POST /serve`` with where the call or visit came from (the server's call event, the
softphone, ``workbench call``, the store's arrival search), stores what comes back like a pull
(:meth:`SyncEngine.apply_lookup`) and remembers the grant's expiry. :meth:`purge_expired`
deletes served customers (and their trail) from the local store once their grant has ended,
unless they are in the user's own book by then. No Qt here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.dbutil import unit_of_work
from workbench.core.entities import parse_when, utcnow
from workbench.local_store.models import (
    Acceptance,
    ContactEvent,
    Customer,
    SyncState,
    Task,
    WorkOrder,
)
from workbench.services.actor import Actor
from workbench.services.call_events import CallEvent, Source
from workbench.services.server_api import OfflineError, ServerApi

#: CallEvent source -> the server's name for where the call or visit came from.
SERVE_SOURCES: dict[str, str] = {
    Source.CLI: "cli", Source.SOFTPHONE: "softphone", Source.SERVER: "call_event",
    Source.STORE: "store_arrival", Source.SEARCH: "search",
}
#: CallEvent key kinds the server can look up.
SERVE_KINDS: dict[str, str] = {"phone": "phone", "member_no": "member_no", "id_number": "id_number"}
_STATE_KEY = "serve_grants"


class ServeClient:
    """Serve lookups through the server and the local memory of grants."""

    def __init__(self, factory: sessionmaker[Session], api: ServerApi, apply: Callable[[Mapping[str, Any]], int],
                 actor: Actor, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._sf = factory
        self._api = api
        self._apply = apply
        self._actor = actor
        self._clock = clock

    def lookup(self, event: CallEvent) -> str | None:
        """Ask the server for the caller / walk-in of ``event``; their id once they are local."""
        kind = SERVE_KINDS.get(event.key_kind)
        if kind is None:
            return None
        try:
            found = self._api.serve_customer(event.number, SERVE_SOURCES.get(event.source, "search"), kind=kind,
                                             call_id=event.call_id)
        except OfflineError:
            return None
        if not found:
            return None
        self._apply(found)
        grant = found.get("grant")
        if isinstance(grant, Mapping) and isinstance(grant.get("expires_at"), str):
            self._remember(str(grant["customer_id"]), str(grant["expires_at"]))
        return str(found["customer"]["id"])

    def grants(self) -> dict[str, dt.datetime]:
        """Customer id -> when the grant ends, for the grants this desk holds."""
        with self._sf() as s:
            return _read(s)

    def _remember(self, customer_id: str, expires_at: str) -> None:
        with unit_of_work(self._sf) as s:
            held = _read(s)
            held[customer_id] = max(parse_when(expires_at), held.get(customer_id, parse_when(expires_at)))
            _write(s, held)

    def purge_expired(self) -> list[str]:
        """Forget the customers whose grant has ended (not those in the user's own book);
        returns their ids."""
        now = self._clock()
        a = self._actor
        with unit_of_work(self._sf) as s:
            held = _read(s)
            ended = [cid for cid, until in held.items() if until <= now]
            if not ended:
                return []
            own = set(s.execute(select(Customer.id).where(Customer.id.in_(ended), (
                Customer.store_id == a.store_id if a.role == "receptionist" else Customer.team_id == a.team_id
            ))).scalars()) if (a.store_id or a.team_id) else set()
            gone = [cid for cid in ended if cid not in own]
            for model in (ContactEvent, Acceptance, WorkOrder, Task):
                s.execute(delete(model).where(model.customer_id.in_(gone)))
            s.execute(delete(Customer).where(Customer.id.in_(gone)))
            _write(s, {cid: until for cid, until in held.items() if cid not in ended})
        return gone


def _read(s: Session) -> dict[str, dt.datetime]:
    row = s.get(SyncState, _STATE_KEY)
    if row is None:
        return {}
    try:
        raw = json.loads(row.value)
        return {str(k): parse_when(v) for k, v in raw.items()}
    except (ValueError, AttributeError):
        return {}


def _write(s: Session, held: dict[str, dt.datetime]) -> None:
    value = json.dumps({k: v.isoformat() for k, v in held.items()})
    row = s.get(SyncState, _STATE_KEY)
    if row is None:
        s.add(SyncState(key=_STATE_KEY, value=value))
    else:
        row.value = value
