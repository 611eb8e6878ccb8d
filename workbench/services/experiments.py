"""Assignment-rule experiments as the desktop sees them: the split recorded on the tasks
(``experiment_id``, ``assignment_rule``) and the acceptances that followed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.local_store.models import Task


def latest_experiment(sf: sessionmaker[Session]) -> tuple[str, dict[str, str], Any] | None:
    """(experiment id, customer id -> rule, start) of the newest experiment in the local store."""
    with sf() as s:
        newest = s.execute(
            select(Task.experiment_id, func.min(Task.created_at).label("start"))
            .where(Task.experiment_id.is_not(None))
            .group_by(Task.experiment_id)
            .order_by(func.min(Task.created_at).desc())
            .limit(1)
        ).first()
        if newest is None:
            return None
        rows = s.execute(
            select(Task.customer_id, Task.assignment_rule)
            .where(Task.experiment_id == newest.experiment_id, Task.assignment_rule.is_not(None))
            .order_by(Task.created_at)
        ).all()
    split: dict[str, str] = {}
    for customer_id, rule in rows:
        split.setdefault(customer_id, rule)
    return newest.experiment_id, split, newest.start


def experiment_outcomes(sf: sessionmaker[Session]) -> Any:
    """One row per customer of the newest experiment (``customer_id``, ``rule``,
    ``converted`` = accepted an offer since the experiment began), or None without one."""
    from workbench.services.analytics import load_experiment_outcomes

    found = latest_experiment(sf)
    if found is None:
        return None
    _experiment_id, split, start = found
    return load_experiment_outcomes(sf, split, since=start)
