"""Editing a customer's portrait from the pop: what the agent learned on the call.

The editable fields (preferred channel, do-not-call, do-not-SMS, interests and needs as tags,
a note; see :mod:`workbench.core.portrait_edit`) are written to the local store and the outbox
in one transaction, like every write, and the customer's scores are recomputed on the desk in
the same transaction with the models in use, so the pop shows them at once. The server applies
the edit in its order (the last writer wins) and sends the result back to the team's desks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.dbutil import unit_of_work
from workbench.core.entities import utcnow
from workbench.core.portrait_edit import EDITABLE_TAGS, apply_tag_edit, edit_reason
from workbench.local_store.models import ContactEvent, Customer
from workbench.local_store.outbox import enqueue
from workbench.services.outcomes import InputError

HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Portrait:
    """The editable part of one customer's portrait, as the editor shows it."""

    customer_id: str
    preferred_channel: str
    do_not_call: bool
    do_not_sms: bool
    interests: frozenset[str]
    note: str


@dataclass(frozen=True)
class PortraitSaved:
    """What a save changed: the mutation sent and the scores recomputed."""

    mutation_id: str | None
    changed: tuple[str, ...]
    scores: dict[str, float]


def _portrait(c: Customer) -> Portrait:
    return Portrait(c.id, c.preferred_channel, bool(c.do_not_call), bool(c.do_not_sms),
                    frozenset(t for t in (c.tags or []) if t in EDITABLE_TAGS), c.note or "")


class PortraitEditor:
    """Reads and saves the editable portrait fields. ``scoring`` is the desk's
    :class:`~workbench.services.desk_scoring.DeskScoring` (or ``None``: no rescoring)."""

    def __init__(self, session_factory: sessionmaker[Session], scoring: Any = None) -> None:
        self._sf = session_factory
        self._scoring = scoring

    def load(self, customer_id: str) -> Portrait:
        with self._sf() as s:
            c = s.get(Customer, customer_id)
            if c is None:
                raise InputError(f"customer {customer_id} is not in the local store")
            return _portrait(c)

    def save(self, customer_id: str, *, preferred_channel: str | None = None,
             do_not_call: bool | None = None, do_not_sms: bool | None = None,
             interests: Iterable[str] | None = None, note: str | None = None) -> PortraitSaved:
        """Write what differs from the stored portrait. Raises :class:`InputError` (nothing
        written) for a value the server would refuse; a save that changes nothing sends nothing."""
        with unit_of_work(self._sf) as s:
            c = s.get(Customer, customer_id)
            if c is None:
                raise InputError(f"customer {customer_id} is not in the local store")
            before = _portrait(c)
            fields: dict[str, Any] = {}
            for key, value in (("preferred_channel", preferred_channel), ("do_not_call", do_not_call),
                               ("do_not_sms", do_not_sms), ("note", note)):
                if value is not None and value != getattr(before, key):
                    fields[key] = value
            if interests is not None:
                wanted = set(interests)
                add = sorted(wanted - before.interests)
                remove = sorted(before.interests - wanted)
                if add:
                    fields["tags_add"] = add
                if remove:
                    fields["tags_remove"] = remove
            if not fields:
                return PortraitSaved(None, (), dict(c.scores or {}))
            reason = edit_reason(fields)
            if reason:
                raise InputError(reason)
            apply_local(c, fields)
            c.updated_at = utcnow()
            mid = enqueue(s, "customer", "update", {"id": customer_id, **fields})
            scores = self._rescore(s, c)
            return PortraitSaved(mid, tuple(sorted(fields)), scores)

    def _rescore(self, s: Session, c: Customer) -> dict[str, float]:
        """The customer's scores with the desk's models, stored in the same transaction."""
        scores = dict(c.scores or {})
        registry = getattr(self._scoring, "registry", None)
        if registry is None:
            return scores
        s.flush()
        portrait = s.execute(select(Customer.__table__).where(Customer.id == c.id)).mappings().one()
        history = [dict(h) for h in s.execute(
            select(ContactEvent.__table__).where(ContactEvent.customer_id == c.id)
            .order_by(ContactEvent.started_at.desc()).limit(HISTORY_LIMIT)).mappings()]
        for kind in registry.kinds:
            model = registry.get(kind)
            if kind == "deal_policy" or model is None or model.spec is None:
                continue
            scores[kind] = float(model.predict_one(dict(portrait), history).probability)
        c.scores = scores
        return scores


def apply_local(c: Customer, fields: Mapping[str, Any]) -> None:
    """Apply a customer update's fields to a local row (also used to rebase after a pull)."""
    for key, value in fields.items():
        if key in ("preferred_channel", "do_not_call", "do_not_sms", "note"):
            setattr(c, key, value)
    if "tags_add" in fields or "tags_remove" in fields:
        c.tags = apply_tag_edit(c.tags, fields.get("tags_add") or (), fields.get("tags_remove") or ())
