"""Rows as wire data: the fields that never leave the server, repair of values no desktop could take,
the ``upsert`` change of a row with its scope tags, and strict JSON checks."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Float

from server_stub import directory
from server_stub.changes import Change
from server_stub.storage.models import Customer
from server_stub.sync.scope import CustomerRef
from server_stub.sync.validation import _time_keys
from workbench.core import jsontext, limits

#: one logger for the whole sync package (operators and tests filter on its name)
log = logging.getLogger("server_stub.sync")


#: Fields of a user that never leave the server.
PRIVATE_USER_FIELDS = frozenset({"password_hash", "active"})


#: Entities without a customer: reference data, visible to everyone.
REFERENCE_ENTITIES = frozenset({"team", "store", "user", "policy", "script", "pressure_limit"})


def _wire_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def wire_row(entity: str, row: Any) -> dict[str, Any]:
    """A mapped row as wire data, minus fields that never leave the server.

    Values that no desktop could take are repaired (and logged): a JSON column that reads as
    None or as the wrong kind (damaged text, see
    :func:`server_stub.storage.db.lenient_json_loads`) becomes its default, and a non-finite
    number (a ``NaN`` or infinity written into the store behind the server's back) None.
    """
    out = {col.key: _wire_value(getattr(row, col.key)) for col in row.__table__.columns}
    if entity == "user":
        for key in PRIVATE_USER_FIELDS:
            out.pop(key, None)
    checks = _wire_checks(type(row))
    if checks is not None:
        _repair(entity, out, checks)
    return out


@functools.cache
def _wire_checks(cls: type) -> tuple[tuple[str, Callable[[], Any]], ...] | None:
    """(key, default) of the JSON columns of ``cls``; None if it has neither JSON nor
    float columns (nothing to repair: tasks, teams, stores ...)."""
    cols = cls.__table__.columns  # type: ignore[attr-defined]
    if not any(isinstance(c.type, JSON | Float) for c in cols):
        return None
    out = []
    for c in cols:
        if isinstance(c.type, JSON):
            arg = c.default.arg if c.default is not None else None
            make: Callable[[], Any] = (lambda a=arg: a(None)) if callable(arg) else (lambda: None)
            out.append((c.key, make))
    return tuple(out)


def _repair(entity: str, out: dict[str, Any], checks: tuple[tuple[str, Callable[[], Any]], ...]) -> None:
    repaired = []
    for key, make in checks:
        if key not in out:
            continue
        default = make()
        if default is not None and out[key].__class__ is not default.__class__:
            out[key] = default
            repaired.append(key)
    if not limits.is_finite_json(out):
        for key, value in list(out.items()):
            if not limits.is_finite_json(value):
                out[key] = _finite_copy(value)
                repaired.append(key)
    if repaired:
        log.error("%s %s holds values no desktop can take (%s); sent repaired",
                  entity, out.get("id"), ", ".join(repaired))


def wire_values(values: dict[str, Any], cls: type | None = None) -> dict[str, Any]:
    """Column values (as from :func:`coerce_row`) as wire data.

    With the row's class, only its time columns are looked at (the rest is already wire data).
    """
    if cls is None:
        return {k: _wire_value(v) for k, v in values.items()}
    out = dict(values)
    for k in _time_keys(cls):
        v = out.get(k)
        if v is not None:
            out[k] = _wire_value(v)
    return out


def change_for(entity: str, row: Any, customer: Customer | CustomerRef | None = None) -> Change:
    """The ``upsert`` change of ``row``, tagged with its customer's team and store.

    Server-side writers (seeding, imports, task generation, admin commands) publish their
    rows through this so that desktops receive them; reference data stays untagged.
    """
    data = wire_row(entity, row)
    team_id, store_id = _tags(entity, data, customer)
    return Change(entity=entity, entity_id=str(data["id"]), data=data, team_id=team_id, store_id=store_id)


def _tags(entity: str, data: dict[str, Any], customer: Customer | CustomerRef | None
          ) -> tuple[str | None, str | None]:
    if entity == "user":  # each role receives the names it shows (see server_stub.directory)
        return directory.user_tags(data)
    if entity in REFERENCE_ENTITIES:
        return None, None
    if entity == "customer":
        return data.get("team_id"), data.get("store_id")
    if entity == "work_order":
        team = customer.team_id if customer is not None else data.get("team_id")
        return team, data.get("store_id")
    if customer is not None:
        return customer.team_id, customer.store_id
    return data.get("team_id"), data.get("store_id")


def _strict_json(value: Any) -> bytes:
    """``value`` as strict compact JSON (the one encoder, :func:`jsontext.dumpb`).

    Raises:
        ValueError: non-finite numbers (``NaN``, ``Infinity``), which JSON cannot carry,
            values that are not JSON at all, or nested too deeply.
    """
    return jsontext.dumpb(value)


def _encodable(value: Any) -> bool:
    try:
        _strict_json(value)
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def _entity_id(data: Any) -> str:
    return str(data.get("id")) if isinstance(data, dict) else "?"


def _finite_copy(value: Any) -> Any:
    """``value`` with every non-finite number replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_copy(v) for k, v in value.items()}
    return value


def _servable(entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that can be encoded as JSON; the others are logged and left out."""
    out = []
    for row in rows:
        if _encodable(row):
            out.append(row)
        else:
            log.error("%s %s holds values that cannot be encoded as JSON; left out of a lookup",
                      entity, _entity_id(row))
    return out
