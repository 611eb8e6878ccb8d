"""Per-event flags and costs, the summary metrics, agent efficiency and rankings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.codes import REACHED, Intent, WrapUp
from workbench.services.analytics.filters import _isin
from workbench.services.analytics.scope import (
    LOWER_IS_BETTER,
    CostSettings,
)

_INTERESTED_WRAPUPS = frozenset({WrapUp.INTERESTED, WrapUp.ACCEPTED, WrapUp.TRANSFERRED})
_INTERESTED_INTENTS = frozenset({Intent.HIGH, Intent.MEDIUM})


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
