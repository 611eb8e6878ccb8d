"""Push validation: every field of a mutation checked against its column (generated straight-line
checkers, see :func:`_row_coercer`), ids, enumerations and the business limits of
:mod:`workbench.core.limits`."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text

from server_stub.sync.errors import Rejected
from workbench.core import limits
from workbench.core.entities import UTCDateTime, parse_when


def _check_text(key: str, value: Any, max_len: int | None) -> str:
    if not isinstance(value, str):
        raise Rejected(f"{key}: expected text, got {type(value).__name__}")
    if "\x00" in value:
        raise Rejected(f"{key}: contains a NUL character")
    if max_len is not None and len(value) > max_len:
        raise Rejected(f"{key}: longer than {max_len} characters")
    return value


def _check_json(key: str, value: Any) -> Any:
    """``value`` if it can be stored as JSON (finite numbers, bounded depth and text), else
    refused with the reason (:func:`workbench.core.limits.json_reason`)."""
    why = limits.json_reason(key, value)
    if why is not None:
        raise Rejected(why)
    return value


def coerce_value(col: Any, value: Any) -> Any:
    """Check one wire value against its column; returns the value to store."""
    return _coercer(col)(value)


_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


@functools.cache
def _coercer(col: Any) -> Callable[[Any], Any]:
    """The checking function of one column, built once (a push checks 17 fields per outcome)."""
    key = col.key
    ctype = col.type
    nullable = col.nullable

    def when(value: Any) -> Any:
        try:
            parsed = parse_when(value, key)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        if not _EARLIEST <= parsed <= _LATEST:
            raise Rejected(f"{key}: time out of range")
        return parsed

    def boolean(value: Any) -> Any:
        if not isinstance(value, bool):
            raise Rejected(f"{key}: expected true or false")
        return value

    def integer(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Rejected(f"{key}: expected a whole number")
        if abs(value) > 2**31 - 1:
            raise Rejected(f"{key}: number out of range")
        return value

    def number(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected(f"{key}: expected a number")
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e15:
            raise Rejected(f"{key}: number out of range")
        return value

    def json_value(value: Any) -> Any:
        if not isinstance(value, list | dict):
            raise Rejected(f"{key}: expected a list or an object")
        return _check_json(key, value)

    max_len = getattr(ctype, "length", None)

    def text(value: Any) -> Any:
        if type(value) is str and "\x00" not in value and (max_len is None or len(value) <= max_len):
            return value
        return _check_text(key, value, max_len)  # raises with the reason

    check: Callable[[Any], Any]
    if isinstance(ctype, UTCDateTime):
        check = when
    elif isinstance(ctype, Boolean):
        check = boolean
    elif isinstance(ctype, Integer):
        check = integer
    elif isinstance(ctype, Float):
        check = number
    elif isinstance(ctype, JSON):
        check = json_value
    elif isinstance(ctype, String | Text):
        check = text
    else:
        def check(value: Any) -> Any:
            return value

    def coerce(value: Any) -> Any:
        if value is None:
            if not nullable:
                raise Rejected(f"{key}: must not be empty")
            return None
        return check(value)

    return coerce


_TEXT, _INT, _FLOAT, _OTHER = 0, 1, 2, 3


_MISSING = object()


@functools.cache
def _columns(cls: type) -> tuple[tuple[str, Callable[[Any], Any], Any, bool, int, int], ...]:
    """(key, checker, default, nullable, kind, max length) of each column of ``cls``, computed
    once per class. ``kind`` lets :func:`coerce_row` accept the common well-formed text and
    whole numbers inline; everything else goes through the column's checker."""
    out = []
    for col in cls.__table__.columns:  # type: ignore[attr-defined]
        ctype = col.type
        kind = _OTHER
        if isinstance(ctype, String | Text) and not isinstance(ctype, UTCDateTime | JSON):
            kind = _TEXT
        elif isinstance(ctype, Integer) and not isinstance(ctype, Boolean):
            kind = _INT
        elif isinstance(ctype, Float):
            kind = _FLOAT
        max_len = getattr(ctype, "length", None) or 1 << 62
        out.append((col.key, _coercer(col), col.default, bool(col.nullable), kind, max_len))
    return tuple(out)


@functools.cache
def _time_keys(cls: type) -> frozenset[str]:
    return frozenset(col.key for col in cls.__table__.columns  # type: ignore[attr-defined]
                     if isinstance(col.type, UTCDateTime))


def coerce_row(cls: type, data: dict[str, Any], *, fill_defaults: bool = True) -> dict[str, Any]:
    """Validated column values for a new ``cls`` row from wire ``data``.

    Missing columns get their defaults (without ``fill_defaults``: stay missing); missing
    required columns are refused.
    """
    return _row_coercer(cls, fill_defaults)(data)


def _missing(key: str, default: Any, nullable: bool) -> Any:
    """The value of a column missing from the data: its default, None, or refused."""
    if default is None:
        if nullable:
            return None
        raise Rejected(f"{key}: required")
    arg = default.arg
    return arg(None) if callable(arg) else (list(arg) if isinstance(arg, list) else arg)


def _empty(key: str) -> None:
    raise Rejected(f"{key}: must not be empty")


@functools.cache
def _row_coercer(cls: type, fill_defaults: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """:func:`coerce_row` for one class, as straight-line code built once: a push checks every
    field of every mutation, and a loop over the columns spent more time unpacking its own
    bookkeeping than checking. Well-formed text and whole numbers are accepted inline; the
    rest goes through the column's checker (:func:`_coercer`), which accepts or refuses with
    the reason. A property test holds it to the per-column checkers."""
    env: dict[str, Any] = {"_M": _MISSING, "_missing": _missing, "_empty": _empty}
    lines = ["def coerce(data):", "    out = {}", "    get = data.get"]
    for i, (key, check, default, nullable, kind, max_len) in enumerate(_columns(cls)):
        env[f"c{i}"], env[f"d{i}"] = check, default
        k = repr(key)
        if kind == _TEXT:
            lines.append(f"    v = get({k}, _M)")
            lines.append(f"    if v.__class__ is str and len(v) <= {max_len} and '\\x00' not in v: out[{k}] = v")
        elif kind == _INT:
            lines.append(f"    v = get({k}, _M)")
            lines.append(f"    if v.__class__ is int and -2147483648 < v < 2147483648: out[{k}] = v")
        elif kind == _FLOAT:  # NaN and infinities fail the comparison: the checker refuses them
            lines.append(f"    v = get({k}, _M)")
            lines.append(f"    if v.__class__ is float and -1e15 <= v <= 1e15: out[{k}] = v")
        else:
            lines.append(f"    v = get({k}, _M)")
            lines.append("    if False: pass")
        if fill_defaults:
            lines.append(f"    elif v is _M: out[{k}] = _missing({k}, d{i}, {nullable})")
        else:
            lines.append("    elif v is _M: pass")
        lines.append(f"    elif v is None: out[{k}] = None" if nullable else f"    elif v is None: _empty({k})")
        lines.append(f"    else: out[{k}] = c{i}(v)")
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<coerce_row {cls.__name__}>", "exec"), env)  # our own code, no input
    return env["coerce"]  # type: ignore[no-any-return]


def cid_ok(value: str) -> bool:
    """Whether a text id is acceptable (what :func:`_require_id` checks, for a known str)."""
    return 0 < len(value) <= 40 and "\x00" not in value and not value.isspace()


def _require_id(data: dict[str, Any], key: str = "id") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{key}: required")
    if len(value) > 40 or "\x00" in value:
        raise Rejected(f"{key}: not a valid id")
    return value


@functools.cache
def _allowed(enum: type) -> tuple[frozenset[str], str]:
    values = [e.value for e in enum]  # type: ignore[attr-defined]
    return frozenset(values), ", ".join(values)


def _enum(name: str, value: Any, enum: type) -> str:
    allowed, listed = _allowed(enum)
    if not isinstance(value, str) or value not in allowed:
        raise Rejected(f"{name}: {value!r} is not one of {listed}")
    return value


def _within(key: str, value: Any, allowed: limits.Range) -> None:
    """Refuse a number (already checked to be one, or None) outside its business range."""
    if value is not None and not allowed.lo <= value <= allowed.hi:
        raise Rejected(limits.range_reason(key, value, allowed) or f"{key}: out of range")


def _when_within(key: str, value: dt.datetime | None, now: dt.datetime,
                 ahead: dt.timedelta = limits.MAX_CLOCK_SKEW) -> None:
    if value is not None and not limits.EARLIEST_TIME <= value <= now + ahead:
        raise Rejected(limits.time_reason(key, value, now=now, ahead=ahead) or f"{key}: out of range")


def _short(key: str, value: str | None, max_len: int) -> None:
    if value is not None and len(value) > max_len:
        raise Rejected(f"{key}: longer than {max_len} characters")


def _check_contact_limits(values: dict[str, Any], now: dt.datetime) -> None:
    _within("duration_s", values["duration_s"], limits.CALL_DURATION_S)
    _within("cost", values["cost"], limits.CONTACT_COST)
    _within("deal_value", values["deal_value"], limits.DEAL_VALUE)
    _within("predicted_p", values["predicted_p"], limits.PROBABILITY)
    _when_within("started_at", values["started_at"], now)
    _when_within("callback_at", values["callback_at"], now, limits.MAX_CALLBACK_AHEAD)
    _short("note", values["note"], limits.MAX_NOTE)


def _check_customer_limits(values: dict[str, Any]) -> None:
    for key, allowed in (("arpu", limits.ARPU), ("data_usage_gb", limits.DATA_USAGE_GB),
                         ("plan_fee", limits.PLAN_FEE), ("tenure_months", limits.TENURE_MONTHS),
                         ("birth_year", limits.BIRTH_YEAR)):
        if key in values:
            _within(key, values[key], allowed)
    why = None
    if values.get("tags") is not None:
        why = limits.tags_reason("tags", values["tags"])
    if why is None and values.get("scores") is not None:
        why = limits.scores_reason("scores", values["scores"])
    if why is not None:
        raise Rejected(why)
    if "note" in values:
        _short("note", values["note"], limits.MAX_NOTE)


def random_id_ok(value: str) -> bool:
    """Whether ``value`` is a random UUID (version 4) as 32 lower-case hex digits or in the
    hyphenated form: what desktops generate (:func:`workbench.local_store.outbox.new_id`).
    Ids that others could guess (``A0000001``, a counter, a timestamp) are refused."""
    if len(value) not in (32, 36):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and value in (parsed.hex, str(parsed))
