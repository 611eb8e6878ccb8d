"""Local writes that must reach the server: the row and its outbox entry in one transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from workbench.local_store.models import Outbox


def new_id() -> str:
    """A client-generated id (UUID4, 128 random bits) for records and mutations."""
    return uuid.uuid4().hex


def enqueue(session: Session, entity: str, op: str, data: dict[str, Any]) -> str:
    """Add a mutation to the outbox in ``session``'s transaction; returns its mutation id.

    The caller writes the local row in the same session, so both commit or neither does.
    """
    mutation_id = new_id()
    session.add(Outbox(mutation_id=mutation_id, entity=entity, op=op, data=data))
    return mutation_id

