"""The frames the aggregates work on: raw event rows joined with portraits, policies, agents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.codes import Intent
from workbench.services.analytics.metrics import outcome_flags
from workbench.services.analytics.scope import (
    _FILTER_COLUMNS,
    AGE_BANDS,
    BUSINESS_TZ,
    Scope,
)

#: Lower edges of :data:`AGE_BANDS` (ages at the reference year).
_AGE_EDGES = (0, 25, 35, 45, 55, 65, 200)


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
