"""Call events from every source, normalised into one shape.

Sources: ``workbench call NUMBER`` (local socket), the softphone connector, the server's
call-event feed, and a store's arrival lookup. They all end in :class:`CallEvent`, which
the screen pop consumes; the number is already in canonical form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from workbench.core.clock import utcnow
from workbench.core.phone import normalize_phone


class Source:
    CLI = "cli"              # workbench call / tel: link / softphone hook
    SOFTPHONE = "softphone"  # baresip ctrl_tcp
    SERVER = "server"        # PBX -> server -> long-poll
    STORE = "store"          # receptionist's arrival lookup
    SEARCH = "search"        # typed into the search box


@dataclass(frozen=True)
class CallEvent:
    """Something that should pop a customer's unified policy view."""

    number: str
    source: str
    channel: str = "hotline"
    direction: str = "inbound"
    call_id: str | None = None
    at: dt.datetime = field(default_factory=utcnow)
    #: lookup key kind for store arrivals: "phone", "member_no" or "id_number" (on the server)
    key_kind: str = "phone"

    @classmethod
    def from_number(cls, raw: str, source: str, **kwargs: object) -> CallEvent:
        """Build an event from a raw number in any spelling (raises InvalidPhoneError)."""
        return cls(number=normalize_phone(raw), source=source, **kwargs)  # type: ignore[arg-type]
