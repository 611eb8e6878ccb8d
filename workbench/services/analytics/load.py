"""Read a scope's contact history from the local store into prepared frames (plain SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import String

from workbench.core.clock import business_day_bounds
from workbench.core.codes import Role
from workbench.local_store.models import Acceptance, ContactEvent, Customer, Policy, User
from workbench.services.analytics.prepare import (
    _CATEGORICAL,
    EVENT_COLUMNS,
    PORTRAIT_COLUMNS,
    AnalyticsData,
    prepare_events,
)
from workbench.services.analytics.scope import BUSINESS_TZ, Scope


def load_data(
    source: Engine | sessionmaker[Session],
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    experiments: Callable[[], pd.DataFrame | None] | None = None,
) -> AnalyticsData:
    """Load the contact history of ``scope`` (optionally between local dates) from the store.

    ``source`` is the local store's engine or session factory. Only the columns the
    dashboards need are selected; the scope is applied in the SQL ``WHERE``.
    """
    engine: Engine = source if isinstance(source, Engine) else source.kw["bind"]
    sqlite = engine.dialect.name == "sqlite"
    ce = ContactEvent.__table__.c
    # Times are read as stored text: parsing a million strings in pandas is far quicker
    # than building a million datetime objects row by row.
    cols = [type_coerce(ce[c], String).label(c) if c == "started_at" else ce[c] for c in EVENT_COLUMNS]
    stmt = select(*cols)
    stmt = _scope_where(stmt, scope, ce.user_id, ce.team_id)
    lo, hi = _utc_bounds(start, end)
    if lo is not None:
        stmt = stmt.where(_time_col(ce.started_at, sqlite) >= _time_value(lo, sqlite))
    if hi is not None:
        stmt = stmt.where(_time_col(ce.started_at, sqlite) < _time_value(hi, sqlite))

    ac = Acceptance.__table__.c
    acc_stmt = select(
        ac.customer_id, ac.policy_id, ac.channel, ac.user_id, ac.team_id,
        type_coerce(ac.accepted_at, String).label("accepted_at"), ac.value,
    ).where(ac.status == "accepted")
    acc_stmt = _scope_where(acc_stmt, scope, ac.user_id, ac.team_id)
    if lo is not None:
        acc_stmt = acc_stmt.where(_time_col(ac.accepted_at, sqlite) >= _time_value(lo, sqlite))
    if hi is not None:
        acc_stmt = acc_stmt.where(_time_col(ac.accepted_at, sqlite) < _time_value(hi, sqlite))

    cu = Customer.__table__.c
    cust_stmt = select(cu.id, *[cu[c] for c in PORTRAIT_COLUMNS])
    po = Policy.__table__.c
    pol_stmt = select(po.id, po.name, po.product)
    us = User.__table__.c
    user_stmt = select(us.id, us.display_name, us.team_id, us.role, us.grade).where(
        us.role.in_([Role.AGENT.value, Role.LEAD.value, Role.RECEPTIONIST.value])
    )
    user_stmt = _scope_where(user_stmt, scope, us.id, us.team_id)

    with engine.connect() as conn:
        raw = _frame(_rows(conn, stmt), EVENT_COLUMNS, _CATEGORICAL)
        acc_raw = _frame(
            _rows(conn, acc_stmt),
            ("customer_id", "policy_id", "channel", "user_id", "team_id", "accepted_at", "value"),
            _CATEGORICAL,
        )
        customers = _frame(_rows(conn, cust_stmt), ("id", *PORTRAIT_COLUMNS), _CATEGORICAL).set_index("id")
        policies = _frame(_rows(conn, pol_stmt), ("id", "name", "product")).set_index("id")
        users = _frame(_rows(conn, user_stmt), ("id", "name", "team_id", "role", "grade")).set_index("id")
    raw["started_at"] = _parse_utc_text(raw["started_at"])
    acc_raw["accepted_at"] = _parse_utc_text(acc_raw["accepted_at"])
    as_of = as_of or dt.date.today()
    agents = users[users["role"] == Role.AGENT.value][["name", "team_id", "grade"]]
    events = prepare_events(raw, customers, policies, users, as_of.year, tz=BUSINESS_TZ)
    acc_raw = acc_raw.rename(columns={"value": "deal_value"})
    acceptances = prepare_events(
        acc_raw, customers, policies, users, as_of.year, tz=BUSINESS_TZ, time_col="accepted_at"
    )
    exp = experiments() if experiments is not None else None
    return AnalyticsData(scope, events, acceptances, agents, policies, exp, as_of)


def _scope_where(stmt: Any, scope: Scope, user_col: Any, team_col: Any) -> Any:
    if scope.level == "all":
        return stmt
    if scope.level == "team":
        return stmt.where(team_col == scope.team_id) if scope.team_id else stmt.where(False)
    return stmt.where(user_col == scope.user_id) if scope.user_id else stmt.where(False)


def _utc_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local inclusive dates as aware UTC datetimes [lo, hi)."""
    return business_day_bounds(start, end)


def _time_col(col: Any, sqlite: bool) -> Any:
    """A time column for comparisons: its stored text on SQLite (see :func:`_rows`)."""
    return type_coerce(col, String) if sqlite else col


def _time_value(value: dt.datetime, sqlite: bool) -> Any:
    """A bound time: on SQLite as SQLAlchemy stores it (naive UTC text), else as is."""
    if sqlite:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _rows(conn: Any, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of ``stmt`` as plain tuples.

    On SQLite the compiled SQL runs on the driver's cursor: building a SQLAlchemy ``Row`` per
    result row costs more than the query for a million events. The statements passed here use
    only column types without result processing (times are selected as text), and bound
    parameters that need no processing, so both paths return the same values.
    """
    if conn.dialect.name != "sqlite":
        return [tuple(r) for r in conn.execute(stmt).all()]
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = [params[name] for name in (compiled.positiontup or [])]
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def _frame(rows: list[tuple[Any, ...]], columns: Iterable[str], categorical: Iterable[str] = ()) -> pd.DataFrame:
    """A DataFrame of a query result, built column by column.

    (``DataFrame.from_records`` on SQLAlchemy rows probes every row for attributes, which
    costs seconds per million rows; transposing with ``zip`` does not.) Columns named in
    ``categorical`` become categoricals straight from the Python strings.
    """
    cols = list(columns)
    cats = set(categorical)
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype="category" if c in cats else object) for c in cols})
    data: dict[str, Any] = {}
    for name, values in zip(cols, zip(*rows, strict=True), strict=True):
        if name in cats:
            # Sorted categories give breakdowns a stable order; customer ids need none.
            codes, uniques = pd.factorize(np.array(values, dtype=object), sort=name != "customer_id")
            data[name] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
        else:
            data[name] = pd.Series(np.array(values, dtype=object)).infer_objects()
    return pd.DataFrame(data)


def _parse_utc_text(values: pd.Series) -> pd.Series:
    """Stored naive-UTC timestamps (text) as aware UTC datetimes."""
    if values.empty:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"))
    return pd.to_datetime(values, format="ISO8601", utc=True)
