"""Dashboard analytics: load a scope's contact history into pandas and aggregate it.

No Qt here. :func:`load_data` reads contact events, acceptances, portraits, policies and
users of one :class:`Scope` from the local store with plain SQL (only the needed columns,
strings turned into categoricals, times converted once to business-local time). Everything
else is a pure function over those frames, so the dashboards, the tests and the benchmark
all call the same code.

Definitions (the glossary's "agent efficiency"):

* *contact*: one contact event. *Reached*: its wrap-up is in :data:`codes.REACHED`.
* *interested*: wrap-up interested / accepted / transferred, or intent high / medium.
* *conversion*: the first ``accepted`` wrap-up of an (agent, customer) pair inside the frame
  being aggregated. A customer who takes two offers from one agent is one conversion and
  two deals.
* *expected conversions*: for each (agent, customer) pair, the customer's predicted deal
  probability recorded at the pair's first contact inside the frame, summed. It is counted in
  the period of that first contact; the conversion in the period of the acceptance.
* *ratio*: conversions / expected conversions (NaN when nothing was expected).
* *cost*: the cost recorded on the event when positive, else the channel's cost settings
  (per contact + per minute of talk time), see :class:`CostSettings`.

Every ratio whose denominator is zero is NaN (shown as "—"), never an error.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import String

from workbench.core.clock import BUSINESS_TZ_NAME, business_day_bounds
from workbench.core.codes import REACHED, Channel, Intent, Role, WrapUp
from workbench.core.stats import CONFIDENCE, diff_interval, wilson_interval
from workbench.local_store.models import Acceptance, ContactEvent, Customer, Policy, User

#: Business-local time zone used for days, weeks, months and years (no DST in China).
BUSINESS_TZ = BUSINESS_TZ_NAME

#: Age bands, in display order (ages at the reference year).
AGE_BANDS: tuple[str, ...] = ("<25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")
_AGE_EDGES = (0, 25, 35, 45, 55, 65, 200)

Freq = Literal["day", "week", "month", "year"]
Page = Literal["efficiency", "trends", "breakdowns", "experiments"]
PAGES: tuple[str, ...] = ("efficiency", "trends", "breakdowns", "experiments")

_INTERESTED_WRAPUPS = frozenset({WrapUp.INTERESTED, WrapUp.ACCEPTED, WrapUp.TRANSFERRED})
_INTERESTED_INTENTS = frozenset({Intent.HIGH, Intent.MEDIUM})

#: Breakdown dimensions: name -> column of the prepared events frame.
DIMENSIONS: dict[str, str] = {
    "day": "day",
    "week": "week",
    "month": "month",
    "region": "province",
    "city": "city",
    "channel": "channel",
    "gender": "gender",
    "age_band": "age_band",
    "job_type": "job_type",
    "policy": "policy_name",
    "product": "product",
    "value_tier": "value_tier",
    "lifecycle_stage": "lifecycle_stage",
    "agent": "agent",
    "team": "team_id",
}

#: Metrics of :func:`summarise` whose lower values are better (rankings sort them ascending).
LOWER_IS_BETTER = frozenset({"cost", "cost_per_contact", "cost_per_conversion"})


class ScopeError(PermissionError):
    """A request outside what the user's role may see. The message is safe to show."""


# ------------------------------------------------------------------------ scope & settings


@dataclass(frozen=True)
class Scope:
    """Whose contact history a user may analyse.

    An admin sees everything, a lead their team, an agent (and anyone else) only their own
    events. The scope is applied in SQL when loading and again on every computation.
    """

    role: str
    user_id: str | None = None
    team_id: str | None = None

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        """The scope of ``user``: a ``User`` row, an ``Actor`` (``user_id``) or anything with
        ``id`` / ``user_id``, ``role`` and ``team_id``."""
        return cls(
            role=str(getattr(user, "role", "") or ""),
            user_id=getattr(user, "user_id", None) or getattr(user, "id", None),
            team_id=getattr(user, "team_id", None),
        )

    @property
    def level(self) -> Literal["all", "team", "own"]:
        """``all`` for admins, ``team`` for leads, ``own`` for everyone else."""
        if self.role == Role.ADMIN:
            return "all"
        if self.role == Role.LEAD:
            return "team"
        return "own"

    def allowed_pages(self) -> tuple[str, ...]:
        """Dashboard pages this scope may open: agents get their own efficiency and trends."""
        if self.level == "own":
            return ("efficiency", "trends")
        return PAGES

    def check_page(self, page: str) -> None:
        """Raise :class:`ScopeError` if this scope may not open ``page``."""
        if page not in PAGES:
            raise ValueError(f"unknown dashboard page: {page!r}")
        if page not in self.allowed_pages():
            raise ScopeError(f"the {page} dashboard is for team leads and admins")


@dataclass(frozen=True)
class CostSettings:
    """What a contact costs when the event itself records no cost, per channel.

    ``per_contact`` is charged once per contact, ``per_minute`` per minute of talk time.
    With ``prefer_recorded`` a positive recorded cost on the event wins.
    """

    per_contact: Mapping[str, float] = field(
        default_factory=lambda: {
            Channel.OUTBOUND.value: 0.30,
            Channel.HOTLINE.value: 0.20,
            Channel.STORE.value: 8.00,
            Channel.SMS.value: 0.05,
            Channel.ONLINE.value: 0.10,
        }
    )
    per_minute: Mapping[str, float] = field(
        default_factory=lambda: {
            Channel.OUTBOUND.value: 0.12,
            Channel.HOTLINE.value: 0.10,
            Channel.STORE.value: 0.0,
            Channel.SMS.value: 0.0,
            Channel.ONLINE.value: 0.0,
        }
    )
    prefer_recorded: bool = True


@dataclass(frozen=True)
class Filters:
    """Freely combinable filters; an empty tuple means "any". Dates are inclusive, local."""

    start: dt.date | None = None
    end: dt.date | None = None
    channels: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    job_types: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    value_tiers: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def with_(self, **changes: Any) -> Filters:
        """A copy with ``changes``; single strings become one-element tuples, None "any"."""
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("start", "end"):
                clean[key] = value
            elif value is None or value == "":
                clean[key] = ()
            elif isinstance(value, str):
                clean[key] = (value,)
            else:
                clean[key] = tuple(value)
        return replace(self, **clean)


#: Filters field -> column of the prepared events (and acceptances) frame.
_FILTER_COLUMNS: dict[str, str] = {
    "channels": "channel",
    "provinces": "province",
    "cities": "city",
    "genders": "gender",
    "age_bands": "age_band",
    "job_types": "job_type",
    "policies": "policy_id",
    "products": "product",
    "value_tiers": "value_tier",
    "lifecycle_stages": "lifecycle_stage",
    "users": "user_id",
    "teams": "team_id",
}


@dataclass(frozen=True)
class ViewOptions:
    """What the pages show besides the filters: trend granularity, metric, dimension, rank."""

    trend_freq: Freq = "month"
    trend_metric: str = "conversions"
    breakdown_dim: str = "region"
    rank_by: str = "ratio"
    top_n: int = 15


# ------------------------------------------------------------------------------- frames


EVENT_COLUMNS: tuple[str, ...] = (
    "customer_id", "channel", "user_id", "team_id", "started_at", "duration_s", "cost",
    "wrapup", "intent", "policy_id", "predicted_p", "deal_value",
)
PORTRAIT_COLUMNS: tuple[str, ...] = (
    "province", "city", "gender", "birth_year", "job_type", "value_tier", "lifecycle_stage",
)
_CATEGORICAL = (
    "customer_id", "channel", "user_id", "team_id", "wrapup", "intent", "policy_id",
    "province", "city", "gender", "job_type", "value_tier", "lifecycle_stage",
)


@dataclass(frozen=True)
class AnalyticsData:
    """A scope's contact history as frames, ready for the aggregate functions.

    ``events`` holds one row per contact event, joined with the customer's portrait and the
    policy, sorted by time; ``acceptances`` one row per accepted offer, joined likewise;
    ``agents`` the agents in scope (index user id; columns ``name``, ``team_id``);
    ``policies`` (index policy id; ``name``, ``product``). ``experiments`` optionally holds
    assignment-rule outcomes (columns ``rule``, ``converted``).
    """

    scope: Scope
    events: pd.DataFrame
    acceptances: pd.DataFrame
    agents: pd.DataFrame
    policies: pd.DataFrame
    experiments: pd.DataFrame | None = None
    as_of: dt.date = field(default_factory=dt.date.today)

    def options(self) -> dict[str, list[str]]:
        """Values each filter can take (for the filter bar), from the loaded events."""
        out: dict[str, list[str]] = {}
        for key, col in _FILTER_COLUMNS.items():
            if col not in self.events:
                continue
            values = self.events[col]
            cats = values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else values.unique()
            out[key] = sorted(str(v) for v in cats if v is not None and v == v and str(v) != "")
        if "age_bands" in out:
            out["age_bands"] = [b for b in AGE_BANDS if b in out["age_bands"]]
        return out


def prepare_events(
    raw: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    policies: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
    as_of_year: int | None = None,
    tz: str | None = None,
    time_col: str = "started_at",
) -> pd.DataFrame:
    """Turn raw event (or acceptance) rows into the frame the aggregates expect.

    Joins the portrait (``customers`` indexed by customer id), policy name and product,
    agent display name, derives the age band and makes strings categorical. Times given
    tz-aware (or naive UTC with ``tz``) are converted to naive business-local time.
    Frames built by hand in tests may already hold portrait columns; they are kept.
    """
    df = raw.copy()
    for col in EVENT_COLUMNS:
        if col not in df:
            df[col] = _default_for(col, len(df))
    times = pd.to_datetime(df[time_col])
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert(BUSINESS_TZ).dt.tz_localize(None)
    elif tz:
        times = times.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    df["started_at"] = times.astype("datetime64[ns]")
    if time_col != "started_at":
        df = df.drop(columns=[time_col])
    df["duration_s"] = pd.to_numeric(df["duration_s"]).fillna(0).astype("int64")
    for col in ("cost", "deal_value", "predicted_p"):
        df[col] = pd.to_numeric(df[col]).astype("float64")
    df["cost"] = df["cost"].fillna(0.0)
    df["deal_value"] = df["deal_value"].fillna(0.0)

    if customers is not None and len(customers):
        cats = pd.Categorical(df["customer_id"])
        pos = customers.index.get_indexer(cats.categories)
        pos = np.where(cats.codes >= 0, pos[cats.codes], -1) if len(pos) else np.full(len(df), -1)
        for col in PORTRAIT_COLUMNS:
            if col in customers:
                df[col] = _take(customers[col], pos)
    for col in PORTRAIT_COLUMNS:
        if col not in df:
            df[col] = _default_for(col, len(df))
    year = as_of_year or dt.date.today().year
    age = year - pd.to_numeric(df["birth_year"], errors="coerce")
    band = pd.cut(age, bins=list(_AGE_EDGES), right=False, labels=list(AGE_BANDS[:-1]))
    df["age_band"] = pd.Categorical(
        band.astype(object).where(band.notna(), "unknown"), categories=list(AGE_BANDS)
    )

    pol_name: dict[Any, Any] = {}
    pol_product: dict[Any, Any] = {}
    if policies is not None and len(policies):
        pol_name = {k: v for k, v in policies["name"].to_dict().items() if _present(v)}
        pol_product = {
            k: (v if _present(v) else pol_name.get(k, k)) for k, v in policies["product"].to_dict().items()
        }
    if "policy_name" not in df:
        df["policy_name"] = _relabel(df["policy_id"], pol_name)
    if "product" not in df:
        df["product"] = _relabel(df["policy_id"], {**pol_name, **pol_product})
    else:
        df["product"] = df["product"].where(df["product"].notna() & (df["product"] != ""), df["policy_name"])
    if "agent" not in df:
        names = agents["name"].to_dict() if agents is not None and len(agents) else {}
        df["agent"] = _relabel(df["user_id"], names)

    for col in (*_CATEGORICAL, "policy_name", "product", "agent"):
        if not isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(object).where(df[col].notna(), None).astype("category")
    for name, values in outcome_flags(df).items():
        df[name] = values
    if not df["started_at"].is_monotonic_increasing:
        df = df.sort_values("started_at", kind="stable")
    return df.reset_index(drop=True)


def _present(value: Any) -> bool:
    return value is not None and value == value and value != ""


def _relabel(values: pd.Series, mapping: Mapping[Any, Any]) -> pd.Series:
    """Categorical of ``mapping[v]`` (``v`` itself when unmapped), computed per category."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype(object).astype("category")
    cats = list(cat.cat.categories)
    new = np.array([mapping.get(c, c) if _present(mapping.get(c)) else c for c in cats], dtype=object)
    inverse, uniques = pd.factorize(new) if len(new) else (np.zeros(0, dtype="int64"), [])
    codes = cat.cat.codes.to_numpy()
    mapped = np.where(codes >= 0, np.asarray(inverse)[np.maximum(codes, 0)] if len(cats) else -1, -1)
    return pd.Series(pd.Categorical.from_codes(mapped, categories=pd.Index(uniques, dtype=object)), index=values.index)


def _default_for(col: str, n: int) -> Any:
    if col in ("duration_s",):
        return np.zeros(n, dtype="int64")
    if col in ("cost", "deal_value"):
        return np.zeros(n)
    if col in ("predicted_p", "birth_year"):
        return np.full(n, np.nan)
    if col == "intent":
        return [Intent.NONE.value] * n
    if col == "started_at":
        return pd.Series(pd.NaT, index=range(n))
    return [None] * n


def _take(values: pd.Series, pos: np.ndarray) -> pd.Series:
    """``values`` at positions ``pos`` (−1 = missing) as a Series aligned to ``pos``."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.where(pos >= 0, values.cat.codes.to_numpy()[np.maximum(pos, 0)], -1)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=values.dtype))
    arr = values.to_numpy()
    out = pd.Series(arr[np.maximum(pos, 0)] if len(arr) else np.full(len(pos), None))
    return out.where(pos >= 0, None if out.dtype == object else np.nan)


# ------------------------------------------------------------------------------- loading


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


# ---------------------------------------------------------------------------- filtering


def enforce_scope(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Only the rows of ``df`` that ``scope`` may see (applied on every computation)."""
    if scope.level == "all" or df.empty:
        return df
    if scope.level == "team":
        return df[df["team_id"] == scope.team_id] if scope.team_id else df.iloc[0:0]
    return df[df["user_id"] == scope.user_id] if scope.user_id else df.iloc[0:0]


def apply_filters(df: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows of a prepared frame that pass every filter (filters combine with AND)."""
    mask: np.ndarray | None = None

    def _and(m: Any) -> None:
        nonlocal mask
        arr = np.asarray(m, dtype=bool)
        mask = arr if mask is None else (mask & arr)

    times = df["started_at"]
    if filters.start is not None:
        _and(times >= pd.Timestamp(filters.start))
    if filters.end is not None:
        _and(times < pd.Timestamp(filters.end) + pd.Timedelta(days=1))
    for key, col in _FILTER_COLUMNS.items():
        wanted = getattr(filters, key)
        if wanted and col in df:
            _and(_isin(df[col], wanted))
    return df if mask is None else df[mask]


def _isin(values: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """``values.isin(wanted)``, by category codes when categorical (much faster)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        hit = values.cat.categories.isin(list(wanted))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, hit[codes] if len(hit) else False, False)
    return values.isin(list(wanted)).to_numpy()


# --------------------------------------------------------------------------- core metrics


def event_costs(df: pd.DataFrame, settings: CostSettings) -> np.ndarray:
    """Cost of each event: recorded when positive (and preferred), else from the settings."""
    minutes = df["duration_s"].to_numpy(dtype="float64") / 60.0
    per_contact = _map_floats(df["channel"], settings.per_contact)
    per_minute = _map_floats(df["channel"], settings.per_minute)
    derived = per_contact + per_minute * minutes
    recorded = df["cost"].to_numpy(dtype="float64")
    if settings.prefer_recorded:
        return np.where(recorded > 0, recorded, derived)
    return derived


def _map_floats(values: pd.Series, mapping: Mapping[str, float]) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        table = np.array([float(mapping.get(str(c), 0.0)) for c in values.cat.categories] + [0.0])
        codes = values.cat.codes.to_numpy()
        return table[np.where(codes >= 0, codes, len(table) - 1)]
    return values.map(lambda v: float(mapping.get(str(v), 0.0))).to_numpy(dtype="float64")


def outcome_flags(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """``reached``, ``accepted``, ``interested`` of each event, from its wrap-up and intent.

    They do not depend on filters, so :func:`prepare_events` computes them once.
    """
    wrap = df["wrapup"] if isinstance(df["wrapup"].dtype, pd.CategoricalDtype) else df["wrapup"].astype(object)
    return {
        "reached": _isin(wrap, [w.value for w in REACHED]),
        "accepted": _isin(wrap, [WrapUp.ACCEPTED.value]),
        "interested": (
            _isin(wrap, [w.value for w in _INTERESTED_WRAPUPS])
            | _isin(df["intent"], [i.value for i in _INTERESTED_INTENTS])
        ),
    }


def add_flags(df: pd.DataFrame, settings: CostSettings | None = None) -> pd.DataFrame:
    """The prepared events plus the per-event flags every aggregate sums.

    ``reached``, ``interested``, ``accepted`` (bools), ``conv`` (first acceptance of the
    (agent, customer) pair), ``exp_p`` (predicted probability at the pair's first contact,
    else 0), ``ecost`` (the event's cost).
    """
    settings = settings or CostSettings()
    out = df.copy(deep=False)
    if not {"reached", "accepted", "interested"} <= set(df.columns):
        for name, values in outcome_flags(df).items():
            out[name] = values
    accepted = out["accepted"].to_numpy(dtype=bool)
    pair = _pair_codes(df)
    first = _first_occurrence(pair)
    p = df["predicted_p"].to_numpy(dtype="float64")
    out["exp_p"] = np.where(first, np.nan_to_num(p, nan=0.0), 0.0)
    conv = np.zeros(len(df), dtype=bool)
    if accepted.any():
        idx = np.flatnonzero(accepted)
        conv[idx[_first_occurrence(pair[idx])]] = True
    out["conv"] = conv
    out["ecost"] = event_costs(df, settings)
    return out


def _pair_codes(df: pd.DataFrame) -> np.ndarray:
    """One int64 per (agent, customer) pair (events without an agent form their own agent)."""
    u = _codes(df["user_id"])
    c = _codes(df["customer_id"])
    return (u + 1) * (int(c.max(initial=0)) + 2) + (c + 1)


def _codes(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype("int64")
    return pd.factorize(values, use_na_sentinel=True)[0].astype("int64")


def _first_occurrence(keys: np.ndarray) -> np.ndarray:
    """True where a key (a non-negative int) appears for the first time (frame in time order)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=bool)
    size = int(keys.max()) + 1
    if size > 50_000_000:
        return ~pd.Series(keys).duplicated().to_numpy()
    first = np.empty(size, dtype=np.int64)
    # Writing positions in reverse order leaves each key's smallest position in place.
    first[keys[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
    return first[keys] == np.arange(n, dtype=np.int64)


def _div(a: Any, b: Any) -> Any:
    """a / b with NaN where b is 0 (or NaN), for scalars, arrays and Series."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isscalar(a) and np.isscalar(b):
            return float(a) / float(b) if b else math.nan  # type: ignore[arg-type]
        a_arr = np.asarray(a, dtype="float64")
        b_arr = np.asarray(b, dtype="float64")
        res = np.where(b_arr != 0, a_arr / np.where(b_arr != 0, b_arr, 1.0), np.nan)
        if isinstance(a, pd.Series):
            return pd.Series(res, index=a.index)
        if isinstance(b, pd.Series):
            return pd.Series(res, index=b.index)
        return res


SUM_COLUMNS = {
    "contacts": ("reached", "size"),
    "reached": ("reached", "sum"),
    "talk_time_s": ("duration_s", "sum"),
    "cost": ("ecost", "sum"),
    "conversions": ("conv", "sum"),
    "expected": ("exp_p", "sum"),
    "deals": ("accepted", "sum"),
    "deal_value": ("deal_value", "sum"),
}

#: Columns of :func:`summarise`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "contacts", "customers", "reached", "reach_rate", "talk_time_s", "avg_duration_s", "cost",
    "cost_per_contact", "conversions", "customers_converted", "conversion_rate", "cost_per_conversion", "expected",
    "ratio", "deals", "deal_value", "avg_deal_value",
)


_INT_COLUMNS = ("contacts", "customers", "customers_converted", "reached", "talk_time_s", "conversions", "deals")


def _derive(out: pd.DataFrame | dict[str, np.ndarray], index: Any = None) -> pd.DataFrame:
    """Sums (a frame, or a dict of arrays with ``index``) plus the ratios, as one new frame."""
    if isinstance(out, pd.DataFrame):
        index = out.index
        cols = {c: out[c].to_numpy(dtype="float64") for c in (*SUM_COLUMNS, "customers", "customers_converted")}
    else:
        cols = out
    d = dict(cols)
    d["reach_rate"] = _div(cols["reached"], cols["contacts"])
    d["avg_duration_s"] = _div(cols["talk_time_s"], cols["reached"])
    d["cost_per_contact"] = _div(cols["cost"], cols["contacts"])
    d["conversion_rate"] = _div(cols["customers_converted"], cols["customers"])
    d["cost_per_conversion"] = _div(cols["cost"], cols["conversions"])
    d["ratio"] = _div(cols["conversions"], cols["expected"])
    d["avg_deal_value"] = _div(cols["deal_value"], cols["deals"])
    for col in _INT_COLUMNS:
        d[col] = np.nan_to_num(np.asarray(cols[col], dtype="float64")).astype("int64")
    return pd.DataFrame({c: d[c] for c in SUMMARY_COLUMNS}, index=index)


def summarise(
    flagged: pd.DataFrame,
    by: str | np.ndarray | pd.Series | None = None,
    mask: np.ndarray | None = None,
) -> pd.DataFrame:
    """Contacts, customers, reach, talk time, cost, conversions vs expected, deal value.

    ``flagged`` comes from :func:`add_flags`. With ``by`` (a column name or keys aligned to
    the rows) one row per non-empty group, in sorted key order, rows with a missing key left
    out; without, one row labelled ``all``. ``mask`` keeps only some rows (cheaper than
    slicing the frame). Sums are ``np.bincount`` over group codes: rows outside any group go
    to one extra bin that is dropped, so no column is ever copied or masked.
    """
    if by is None:
        codes = np.zeros(len(flagged), dtype="int64")
        labels: Any = pd.Index(["all"])
    else:
        keys = flagged[by] if isinstance(by, str) else by
        if isinstance(keys, pd.Series) and isinstance(keys.dtype, pd.CategoricalDtype):
            codes = keys.cat.codes.to_numpy().astype("int64")
            labels = keys.cat.categories
        else:
            codes, labels = pd.factorize(np.asarray(keys), sort=True)
            codes = codes.astype("int64")
            labels = pd.Index(labels)
    out = _summarise_codes(flagged, codes, labels, mask)
    if by is not None and not (out["contacts"] > 0).all():
        out = out[out["contacts"] > 0]
    return out


def _summarise_codes(
    flagged: pd.DataFrame, codes: np.ndarray, labels: Any, mask: np.ndarray | None = None
) -> pd.DataFrame:
    n = len(labels)
    dump = n  # rows without a group (missing key or masked out) land here
    codes = np.where(codes >= 0, codes, dump)
    if mask is not None:
        codes = np.where(mask, codes, dump)
    rows: dict[str, np.ndarray] = {}
    for name, (col, how) in SUM_COLUMNS.items():
        if how == "size":
            counts = np.bincount(codes, minlength=n + 1)
        else:
            counts = np.bincount(codes, weights=flagged[col].to_numpy(), minlength=n + 1)
        rows[name] = counts[:n].astype("float64")
    cust = _codes(flagged["customer_id"])
    rows["customers"] = _group_nunique(codes, cust, n + 1)[:n].astype("float64")
    conv = flagged["conv"].to_numpy(dtype=bool)
    rows["customers_converted"] = _group_nunique(np.where(conv, codes, dump), cust, n + 1)[:n].astype("float64")
    return _derive(rows, pd.Index(labels))


def _group_nunique(groups: np.ndarray, items: np.ndarray, n_groups: int) -> np.ndarray:
    """Distinct ``items`` (codes, −1 = missing) per group code.

    A bitmap of (group, item) pairs when it is small enough (a million rows: a few ms),
    else hashing the pairs.
    """
    ok = items >= 0
    if not ok.all():
        groups, items = groups[ok], items[ok]
    if len(items) == 0:
        return np.zeros(n_groups, dtype="int64")
    width = int(items.max()) + 1
    keys = groups * width + items
    if n_groups * width <= 60_000_000:
        seen = np.zeros(n_groups * width, dtype=bool)
        seen[keys] = True
        return seen.reshape(n_groups, width).sum(axis=1)
    pairs = pd.unique(keys)
    return np.bincount(pairs // width, minlength=n_groups)


# ------------------------------------------------------------------------- efficiency


def agent_efficiency(flagged: pd.DataFrame, agents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-agent efficiency (index user id), including agents in scope with no calls.

    ``agents`` (index user id, column ``name``) lists everyone who should appear; an agent
    without calls gets zero counts and NaN ratios. When ``agents`` has a ``grade`` column (the
    server's grade A/B/C, see ``server_stub/lifecycle/grades.py``) it follows the name.
    """
    out = summarise(flagged, "user_id")
    out.index = pd.Index(out.index.astype(object), name="user_id")
    names: dict[Any, Any] = {}
    if agents is not None and len(agents):
        missing = [a for a in agents.index if a not in out.index]
        if missing:
            sums = [*SUM_COLUMNS, "customers", "customers_converted"]
            zeros = pd.DataFrame(0.0, index=pd.Index(missing, name="user_id"), columns=sums)
            out = _derive(pd.concat([out[sums].astype("float64"), zeros]))
        names = agents["name"].to_dict()
    out.insert(0, "agent", [names.get(u, u) for u in out.index])
    if agents is not None and "grade" in agents.columns:
        grades = agents["grade"].to_dict()
        out.insert(1, "grade", [g if isinstance(g := grades.get(u), str) else "" for u in out.index])
    return out


def rank_by(table: pd.DataFrame, metric: str, ascending: bool | None = None) -> pd.DataFrame:
    """``table`` sorted by ``metric`` with a 1-based ``rank`` column first; NaN ranks last."""
    if metric not in table:
        raise ValueError(f"unknown metric: {metric!r}")
    if ascending is None:
        ascending = metric in LOWER_IS_BETTER
    out = table.sort_values(metric, ascending=ascending, na_position="last", kind="stable")
    ranks = out[metric].rank(method="min", ascending=ascending)
    out = out.copy()
    out.insert(0, "rank", ranks.astype("Int64"))
    return out


# ------------------------------------------------------------------------------ periods


def period_start(times: pd.Series | np.ndarray, freq: Freq) -> np.ndarray:
    """The start of the day / week (Monday) / month / year containing each time."""
    t = np.asarray(times, dtype="datetime64[ns]")
    if freq == "day":
        return t.astype("datetime64[D]")
    if freq == "week":
        d = t.astype("datetime64[D]")
        weekday = (d.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
        return d - weekday.astype("timedelta64[D]")
    if freq == "month":
        return t.astype("datetime64[M]").astype("datetime64[D]")
    if freq == "year":
        return t.astype("datetime64[Y]").astype("datetime64[D]")
    raise ValueError(f"unknown period: {freq!r}")


def _period_range(first: np.datetime64, last: np.datetime64, freq: Freq) -> pd.DatetimeIndex:
    step = {"day": "D", "week": "W-MON", "month": "MS", "year": "YS"}[freq]
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq=step)


def period_label(start: pd.Timestamp, freq: Freq) -> str:
    """A short label: 2026-03-02 (day), 2026-W10 (ISO week), 2026-03, 2026."""
    if freq == "week":
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    if freq == "month":
        return start.strftime("%Y-%m")
    if freq == "year":
        return start.strftime("%Y")
    return start.strftime("%Y-%m-%d")


TREND_METRICS: tuple[str, ...] = (
    "contacts", "reached", "talk_time_s", "cost", "conversions", "expected", "ratio",
    "conversion_rate", "deal_value", "avg_duration_s", "cost_per_contact",
)


def trend(
    flagged: pd.DataFrame,
    freq: Freq,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """One row per period (no gaps: empty periods are zero / NaN), with the previous period.

    Columns: ``period`` (start), ``label``, every :data:`SUMMARY_COLUMNS` metric, and for
    each metric in :data:`TREND_METRICS` ``prev_<metric>`` (the period before) and
    ``change_<metric>`` (relative change, NaN when the previous is 0).
    """
    keys = period_start(flagged["started_at"], freq) if len(flagged) else np.array([], dtype="datetime64[D]")
    if len(keys):
        first, last = keys.min(), keys.max()
    else:
        first = last = None
    if start is not None:
        first = period_start(np.array([np.datetime64(start)]), freq)[0]
    if end is not None:
        last = period_start(np.array([np.datetime64(end)]), freq)[0]
    if first is None or last is None or first > last:
        return _trend_frame(pd.DataFrame(columns=list(SUMMARY_COLUMNS)), pd.DatetimeIndex([]), freq)
    # One period earlier than the first shown, so the first row has its "previous" too.
    prev_first = period_start(np.array([pd.Timestamp(first) - pd.Timedelta(days=1)], dtype="datetime64[ns]"), freq)[0]
    full = _period_range(prev_first, last, freq)
    # Every period of the range is a group (empty ones give zeros); rows outside it drop out.
    starts = full.values.astype("datetime64[D]")
    codes = np.searchsorted(starts, keys, side="right").astype("int64") - 1
    codes[(keys < starts[0]) | (keys > starts[-1])] = -1
    frame = _summarise_codes(flagged, codes, full)
    out = _trend_frame(frame, full, freq)
    return out.iloc[1:].reset_index(drop=True)


def _trend_frame(frame: pd.DataFrame, index: pd.DatetimeIndex, freq: Freq) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "label", [period_label(p, freq) for p in index])
    out.insert(0, "period", index)
    for m in TREND_METRICS:
        prev = out[m].shift(1) if m in out else pd.Series(dtype="float64")
        out[f"prev_{m}"] = prev.astype("float64")
        out[f"change_{m}"] = _div(out[m].astype("float64") - prev, prev.abs())
    return out.reset_index(drop=True)


def period_comparison(flagged: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """This week / month / year (up to ``as_of``) beside the previous full one.

    Index: ``week``, ``month``, ``year``. Columns: ``current_<m>`` and ``previous_<m>`` for
    contacts, conversions, expected, ratio, talk_time_s, cost, deal_value, and ``change_<m>``.
    """
    metrics = ("contacts", "conversions", "expected", "ratio", "talk_time_s", "avg_duration_s", "cost", "deal_value")
    rows = {}
    day = pd.Timestamp(as_of)
    times = flagged["started_at"].to_numpy()
    for freq in ("week", "month", "year"):
        cur_start = pd.Timestamp(period_start(np.array([day.to_datetime64()]), freq)[0])
        prev_start = pd.Timestamp(period_start(np.array([(cur_start - pd.Timedelta(days=1)).to_datetime64()]), freq)[0])
        t = times
        which = np.full(len(t), -1, dtype=np.int64)
        which[(t >= prev_start.to_datetime64()) & (t < cur_start.to_datetime64())] = 0
        which[(t >= cur_start.to_datetime64()) & (t < (day + pd.Timedelta(days=1)).to_datetime64())] = 1
        both = _summarise_codes(flagged, which, pd.Index(["previous", "current"]))
        ps, cs = both.iloc[0], both.iloc[1]
        row: dict[str, Any] = {"current_label": period_label(cur_start, freq),
                               "previous_label": period_label(prev_start, freq)}
        for m in metrics:
            row[f"current_{m}"] = cs[m]
            row[f"previous_{m}"] = ps[m]
            row[f"change_{m}"] = _div(float(cs[m]) - float(ps[m]), abs(float(ps[m]))) if ps[m] == ps[m] else math.nan
        rows[freq] = row
    return pd.DataFrame.from_dict(rows, orient="index")


# ---------------------------------------------------------------------------- breakdowns


def add_time_columns(flagged: pd.DataFrame, needed: Iterable[str]) -> pd.DataFrame:
    """Add ``day`` / ``week`` / ``month`` period-start columns if a breakdown needs them."""
    out = flagged
    for freq in ("day", "week", "month"):
        if freq in needed and freq not in out:
            out = out.copy(deep=False)
            out[freq] = period_start(out["started_at"], freq)
    return out


def breakdown(flagged: pd.DataFrame, dim: str) -> pd.DataFrame:
    """:func:`summarise` by one dimension (:data:`DIMENSIONS`) plus each group's share.

    Columns: ``value`` (the group's label), the summary metrics, ``share_contacts``,
    ``share_conversions``. Time dimensions keep empty periods out (use :func:`trend` for those).
    """
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown breakdown dimension: {dim!r}")
    col = DIMENSIONS[dim]
    df = add_time_columns(flagged, [dim])
    if df.empty:
        out = summarise(df, col)
    else:
        keys = df[col]
        if isinstance(keys.dtype, pd.CategoricalDtype):
            keys = keys.cat.add_categories(["—"]).fillna("—") if keys.isna().any() else keys
        out = summarise(df, keys)
    if dim in ("day", "week", "month"):
        labels = [period_label(pd.Timestamp(p), dim) for p in out.index]  # type: ignore[arg-type]
    else:
        labels = [("—" if (v is None or v == "" or v != v) else str(v)) for v in out.index]
    out = out.reset_index(drop=True)
    out.insert(0, "value", labels)
    out["share_contacts"] = _div(out["contacts"], out["contacts"].sum())
    out["share_conversions"] = _div(out["conversions"], out["conversions"].sum())
    return out


def region_distribution(flagged: pd.DataFrame) -> pd.DataFrame:
    """Breakdown by province, largest by contacts first."""
    return _by_contacts(breakdown(flagged, "region"))


def _by_contacts(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(["contacts", "value"], ascending=[False, True], kind="stable").reset_index(drop=True)


def hot_products(flagged: pd.DataFrame, acceptances: pd.DataFrame | None = None, top: int | None = None) -> pd.DataFrame:
    """Policies ranked by deals: offers (contacts naming the policy), deals, rate, value.

    ``acceptances`` (a prepared frame) adds ``accepted_all_channels`` and its value: offers
    taken anywhere, including stores and online.
    """
    offered = flagged  # rows without a policy fall out of the policy groups below
    cols = ["policy_id", "policy", "product", "offers", "deals", "offer_conversion", "deal_value", "avg_deal_value",
            "accepted_all_channels", "accepted_value"]
    if not offered["policy_id"].notna().any() and (acceptances is None or acceptances.empty):
        return pd.DataFrame({c: pd.Series([], dtype="float64") for c in cols}).astype(
            {"policy_id": object, "policy": object, "product": object}
        )
    summ = summarise(offered, "policy_id")
    out = pd.DataFrame(
        {"offers": summ["contacts"], "deals": summ["deals"], "deal_value": summ["deal_value"]},
        index=pd.Index(summ.index.astype(object)),
    )
    names = _labels_by(offered, "policy_id", "policy_name")
    products = _labels_by(offered, "policy_id", "product")
    if acceptances is not None and len(acceptances):
        ag = acceptances.groupby(acceptances["policy_id"].astype(object), sort=False)
        acc = pd.DataFrame({"accepted_all_channels": ag.size(), "accepted_value": ag["deal_value"].sum()})
        out = out.join(acc, how="outer")
        names = {**_labels_by(acceptances, "policy_id", "policy_name"), **names}
        products = {**_labels_by(acceptances, "policy_id", "product"), **products}
    else:
        out["accepted_all_channels"] = 0
        out["accepted_value"] = 0.0
    out = out.fillna({"offers": 0, "deals": 0, "deal_value": 0.0, "accepted_all_channels": 0, "accepted_value": 0.0})
    out["offer_conversion"] = _div(out["deals"], out["offers"])
    out["avg_deal_value"] = _div(out["deal_value"], out["deals"])
    out["policy"] = [names.get(p, p) for p in out.index]
    out["product"] = [products.get(p, "") for p in out.index]
    out = out.astype({"offers": "int64", "deals": "int64", "accepted_all_channels": "int64"})
    out.index.name = "policy_id"
    out = out.reset_index().sort_values(
        ["deals", "accepted_all_channels", "offers", "policy_id"], ascending=[False, False, False, True], kind="stable"
    )
    out = out[cols].reset_index(drop=True)
    return out.head(top) if top else out


def _labels_by(df: pd.DataFrame, key: str, col: str) -> dict[Any, str]:
    """The first ``col`` label seen for each ``key`` value (found by key codes, no copying)."""
    if df.empty:
        return {}
    keys = df[key]
    if not isinstance(keys.dtype, pd.CategoricalDtype):
        keys = keys.astype(object).astype("category")
    codes = keys.cat.codes.to_numpy().astype("int64")
    n = len(keys.cat.categories)
    first = np.full(n + 1, -1, dtype=np.int64)
    where = np.where(codes >= 0, codes, n)
    first[where[::-1]] = np.arange(len(codes) - 1, -1, -1)
    out: dict[Any, str] = {}
    values = df[col]
    for k, pos in zip(keys.cat.categories, first[:n], strict=True):
        if pos >= 0:
            v = values.iloc[int(pos)]
            out[k] = "" if v is None or v != v else str(v)
    return out


def channel_comparison(flagged: pd.DataFrame) -> pd.DataFrame:
    """Per channel: contacts, customers gained, cost per contact and per customer gained,
    average deal value, conversion rate."""
    base = breakdown(flagged, "channel")
    gained: dict[Any, int] = {}
    if len(flagged):
        chan = flagged["channel"]
        if not isinstance(chan.dtype, pd.CategoricalDtype):
            chan = chan.astype(object).astype("category")
        n = len(chan.cat.categories)
        codes = chan.cat.codes.to_numpy().astype("int64")
        codes = np.where((codes >= 0) & flagged["accepted"].to_numpy(dtype=bool), codes, n)
        counts = _group_nunique(codes, _codes(flagged["customer_id"]), n + 1)[:n]
        gained = {str(c): int(k) for c, k in zip(chan.cat.categories, counts, strict=True)}
    base["customers_gained"] = [gained.get(str(v), 0) for v in base["value"]]
    base["cost_per_customer_gained"] = _div(base["cost"], base["customers_gained"])
    return base[["value", "contacts", "customers", "customers_gained", "conversion_rate", "cost",
                 "cost_per_contact", "cost_per_customer_gained", "deal_value", "avg_deal_value"]]


FUNNEL_STAGES: tuple[str, ...] = ("contacted", "reached", "interested", "accepted")


def funnel(flagged: pd.DataFrame) -> pd.DataFrame:
    """Contact-to-deal path over distinct customers: contacted → reached → interested → accepted.

    Columns: ``stage``, ``customers``, ``rate_from_first``, ``rate_from_previous``.
    A customer counts at a stage if any of their contacts reached it.
    """
    codes = _codes(flagged["customer_id"]) if len(flagged) else np.zeros(0, dtype="int64")
    size = int(codes.max(initial=-1)) + 1
    counts = []
    for stage in FUNNEL_STAGES:
        mask = codes >= 0
        if stage != "contacted":
            mask &= flagged[stage].to_numpy(dtype=bool)
        counts.append(int(np.count_nonzero(np.bincount(codes[mask], minlength=size))))
    arr = np.array(counts, dtype="float64")
    prev = np.concatenate([[arr[0]], arr[:-1]])
    return pd.DataFrame({
        "stage": list(FUNNEL_STAGES),
        "customers": counts,
        "rate_from_first": _div(arr, np.full(len(arr), arr[0])),
        "rate_from_previous": _div(arr, prev),
    })


# ---------------------------------------------------------------------- rule experiments


EXPERIMENT_COLUMNS: tuple[str, ...] = (
    "rule", "leads", "conversions", "rate", "ci_low", "ci_high", "diff", "diff_low", "diff_high",
    "significant", "lift_vs_first",
)


def rule_experiment(frame: pd.DataFrame | None, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Conversion by assignment rule with Wilson confidence intervals.

    ``frame`` has one row per assigned lead: ``rule`` and ``converted`` (bool / 0-1), e.g.
    from :func:`experiment_frame`. The first rule in sorted order is the reference (name the
    control so it sorts first, e.g. "A ..."). Columns: ``rule``, ``leads``, ``conversions``,
    ``rate``, ``ci_low``, ``ci_high``; ``diff`` = rate − reference rate with Newcombe's
    interval ``diff_low``/``diff_high`` and ``significant`` (the interval excludes 0);
    ``lift_vs_first`` = relative difference.
    """
    cols = list(EXPERIMENT_COLUMNS)
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype="float64") for c in cols}).astype(
            {"rule": object, "significant": bool}
        )
    conv = frame["converted"].fillna(False).astype(bool)
    g = conv.groupby(frame["rule"].astype(str), sort=True)
    out = pd.DataFrame({"leads": g.size(), "conversions": g.sum().astype("int64")})
    out["rate"] = _div(out["conversions"], out["leads"])
    bounds = [wilson_interval(int(k), int(n), confidence) for k, n in zip(out["conversions"], out["leads"], strict=True)]
    out["ci_low"] = [b[0] for b in bounds]
    out["ci_high"] = [b[1] for b in bounds]
    ref_s, ref_n = int(out["conversions"].iloc[0]), int(out["leads"].iloc[0])
    out["diff"] = out["rate"] - out["rate"].iloc[0]
    diffs = [diff_interval(int(k), int(n), ref_s, ref_n, confidence) if i else (0.0, 0.0)
             for i, (k, n) in enumerate(zip(out["conversions"], out["leads"], strict=True))]
    out["diff_low"] = [d[0] for d in diffs]
    out["diff_high"] = [d[1] for d in diffs]
    out["significant"] = (out["diff_low"] > 0) | (out["diff_high"] < 0)
    out["lift_vs_first"] = _div(out["diff"], out["rate"].iloc[0])
    out.index.name = "rule"
    return out.reset_index()[cols]


def experiment_frame(assignments: Mapping[str, str] | Any, converted: Iterable[str]) -> pd.DataFrame:
    """One row per customer of an experiment: ``customer_id``, ``rule``, ``converted``.

    ``assignments`` maps customer id → rule (arm), or is an object with such an
    ``assignments`` mapping (the scoring service's recorded ``Split``).
    """
    mapping = getattr(assignments, "assignments", assignments)
    won = {str(c) for c in converted}
    ids = [str(c) for c in mapping]
    return pd.DataFrame({
        "customer_id": ids,
        "rule": [str(mapping[c]) for c in mapping],
        "converted": [c in won for c in ids],
    })


def load_experiment_outcomes(
    source: Engine | sessionmaker[Session],
    assignments: Mapping[str, str] | Any,
    since: dt.datetime | None = None,
    policy_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """:func:`experiment_frame` with "converted" read from the store's acceptances.

    A customer converted if they have an accepted acceptance (optionally at or after ``since``
    and for one of ``policy_ids``).
    """
    mapping = getattr(assignments, "assignments", assignments)
    engine: Engine = source if isinstance(source, Engine) else source.kw["bind"]
    ac = Acceptance.__table__.c
    stmt = select(ac.customer_id).where(ac.status == "accepted").distinct()
    if since is not None:
        stmt = stmt.where(ac.accepted_at >= since)
    if policy_ids is not None:
        stmt = stmt.where(ac.policy_id.in_(list(policy_ids)))
    with engine.connect() as conn:
        won = {row[0] for row in conn.execute(stmt)}
    return experiment_frame(mapping, (c for c in mapping if c in won))


# ------------------------------------------------------------------------------ pages


@dataclass(frozen=True)
class PageResult:
    """What one dashboard page shows: named tables (frames) plus scalar facts."""

    page: str
    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]


def compute_page(
    data: AnalyticsData,
    page: str,
    filters: Filters = Filters(),
    options: ViewOptions = ViewOptions(),
    costs: CostSettings | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PageResult:
    """Every table the ``page`` shows for ``filters``, within the data's scope.

    Raises :class:`ScopeError` if the scope may not open ``page``. ``cancelled`` is polled
    between steps; when it returns True the work stops with :class:`Cancelled`.
    """
    data.scope.check_page(page)

    def step() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()

    events = apply_filters(enforce_scope(data.events, data.scope), filters)
    step()
    flagged = add_flags(events, costs)
    step()
    facts: dict[str, Any] = {"events": len(events), "as_of": data.as_of, "scope": data.scope.level}
    tables: dict[str, pd.DataFrame] = {}
    if page == "efficiency":
        agents = data.agents
        if filters.users:
            agents = agents[agents.index.isin(filters.users)]
        if filters.teams:
            agents = agents[agents["team_id"].isin(filters.teams)]
        if data.scope.level == "own":
            agents = agents[agents.index == data.scope.user_id]
        elif data.scope.level == "team":
            agents = agents[agents["team_id"] == data.scope.team_id]
        eff = agent_efficiency(flagged, agents)
        metric = options.rank_by if options.rank_by in eff else "ratio"
        tables["agents"] = rank_by(eff, metric).reset_index()
        step()
        as_of = min(filters.end, data.as_of) if filters.end else data.as_of
        tables["periods"] = period_comparison(flagged, as_of).reset_index(names="period")
        tables["totals"] = summarise(flagged)
    elif page == "trends":
        tables["trend"] = trend(flagged, options.trend_freq, filters.start, filters.end)
    elif page == "breakdowns":
        dim = options.breakdown_dim
        tables["breakdown"] = breakdown(flagged, dim)
        step()
        acc = apply_filters(enforce_scope(data.acceptances, data.scope), filters)
        tables["products"] = hot_products(flagged, acc, top=options.top_n)
        step()
        tables["regions"] = (
            _by_contacts(tables["breakdown"]) if dim == "region" else region_distribution(flagged)
        )
        tables["channels"] = channel_comparison(flagged)
        step()
        tables["funnel"] = funnel(flagged)
        conv_freq: Freq = "week" if _span_days(events) <= 190 else "month"
        tables["conversion_trend"] = trend(flagged, conv_freq, filters.start, filters.end)
        facts["conversion_freq"] = conv_freq
    elif page == "experiments":
        tables["experiments"] = rule_experiment(data.experiments)
    facts["totals"] = summarise(flagged).iloc[0].to_dict() if page != "efficiency" else tables["totals"].iloc[0].to_dict()
    return PageResult(page, tables, facts)


class Cancelled(Exception):
    """Raised inside a computation that was superseded by a newer request."""


def _span_days(df: pd.DataFrame) -> int:
    if df.empty:
        return 0
    t = df["started_at"]
    return int((t.iloc[-1] - t.iloc[0]) / pd.Timedelta(days=1))


# ------------------------------------------------------------------------------ export


def export_table(frame: pd.DataFrame, path: str | Path, headers: Mapping[str, str] | None = None) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, so Excel shows Chinese) or Excel by suffix.

    ``headers`` renames columns (e.g. to translated titles) and, if given, selects and
    orders them. Returns the path written.
    """
    path = Path(path)
    out = frame.copy()
    if headers:
        out = out[[c for c in headers if c in out.columns]].rename(columns=dict(headers))
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        out.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xlsm"):
        out.to_excel(path, index=False, engine="openpyxl")
    else:
        raise ValueError(f"export as .csv or .xlsx, not {suffix or 'no suffix'}")
    return path

