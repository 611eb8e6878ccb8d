"""Feature pipelines: portraits and contact history as pandas frames, with a leakage guard.

Every feature a model may use is declared here, once, as either a **pre-call** feature (known
before the phone rings: the portrait, what happened in earlier contacts, the offered policy) or
a **post-call** field (known only once the call is over: its duration, cost, wrap-up, the
intent the agent noted, ...). A model that predicts before the call must never see a post-call
field; :func:`check_pre_call` enforces that at training time and at load time.

History features are computed "as of" a moment: only contacts strictly before it count. The
same function serves training (one as-of per past contact: the moment that contact started)
and serving (one as-of per customer: now), so the model sees the same definitions in both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# ------------------------------------------------------------------ feature vocabulary

#: Portrait features (from CustomerCols), numeric.
PORTRAIT_NUMERIC: tuple[str, ...] = (
    "age", "plan_fee", "tenure_months", "arpu", "data_usage_gb", "n_tags",
    "do_not_call", "do_not_sms", "open_complaint", "is_lead",
)
#: Portrait features, categorical.
PORTRAIT_CATEGORICAL: tuple[str, ...] = (
    "gender", "province", "job_type", "network", "lifecycle_stage", "value_tier",
    "preferred_channel", "plan_name",
)
#: History features: aggregates of contacts strictly before the as-of moment.
HISTORY_FEATURES: tuple[str, ...] = (
    "hist_contacts", "hist_reached", "hist_refused", "hist_interested", "hist_accepted",
    "hist_complaints", "hist_no_answer", "hist_talk_minutes", "hist_days_since_last",
    "hist_days_since_refusal", "hist_last_intent", "hist_contacts_30d",
)
#: The window of the recent-contact count (contact fatigue).
RECENT = pd.Timedelta(days=30)
#: Policy features (for the per-customer-and-policy deal model).
POLICY_NUMERIC: tuple[str, ...] = ("policy_value", "policy_priority")
POLICY_CATEGORICAL: tuple[str, ...] = ("policy_id", "policy_product")

#: Prefix of the tag flags (``tag:price_sensitive`` = 1 if the customer has that tag).
TAG_PREFIX = "tag:"

#: Everything a pre-call model may use (tag flags are allowed by prefix).
PRE_CALL_FEATURES: frozenset[str] = frozenset(
    PORTRAIT_NUMERIC + PORTRAIT_CATEGORICAL + HISTORY_FEATURES + POLICY_NUMERIC
    + POLICY_CATEGORICAL
)
#: Fields known only after the call (or written by the model itself): never inputs of a
#: pre-call model. ``predicted_p`` is the model's own output stored on the event.
POST_CALL_FIELDS: frozenset[str] = frozenset(
    {"duration_s", "cost", "wrapup", "intent", "note", "deal_value", "callback_at",
     "predicted_p", "accepted", "outcome", "call_duration", "talk_time", "duration"}
)

#: Fields a model of a given kind must not use because they restate its target.
TARGET_LEAKS: dict[str, frozenset[str]] = {
    "churn": frozenset({"lifecycle_stage"}),
}

INTENT_LEVEL = {"none": 0, "low": 1, "medium": 2, "high": 3}
_REACHED = ("accepted", "interested", "refused", "complaint", "do_not_call", "transferred",
            "info_only")


class LeakageError(ValueError):
    """A model was about to use a feature that is not known at prediction time."""


def check_pre_call(features: Iterable[str], kind: str = "") -> None:
    """Raise :class:`LeakageError` unless every feature is a declared pre-call feature.

    Post-call fields (call duration, wrap-up, ...) are named in the message; so are unknown
    names, because a feature nobody declared cannot be shown to be pre-call.
    """
    names = list(features)
    post = sorted(n for n in names if n in POST_CALL_FIELDS)
    if post:
        raise LeakageError(
            f"post-call fields in a pre-call model{f' ({kind})' if kind else ''}: "
            f"{', '.join(post)} — they are only known after the call"
        )
    leaks = sorted(n for n in names if n in TARGET_LEAKS.get(kind, frozenset()))
    if leaks:
        raise LeakageError(f"fields that restate the {kind} target: {', '.join(leaks)}")
    unknown = sorted(
        n for n in names if n not in PRE_CALL_FEATURES and not n.startswith(TAG_PREFIX)
    )
    if unknown:
        raise LeakageError(
            f"undeclared features in a pre-call model: {', '.join(unknown)} — declare them "
            "in workbench.core.scoring.features.PRE_CALL_FEATURES first"
        )


# ------------------------------------------------------------------ feature spec


@dataclass(frozen=True)
class FeatureSpec:
    """Which features a model uses, fixed at training time and shipped with the model.

    Attributes:
        kind: model kind ("deal", "deal_policy", "churn", "renewal").
        tags: the tag vocabulary turned into ``tag:<name>`` flags.
        with_policy: whether policy features are included.
        exclude: features dropped for this kind (e.g. what restates the target).
    """

    kind: str
    tags: tuple[str, ...] = ()
    with_policy: bool = False
    exclude: frozenset[str] = field(default_factory=frozenset)

    @property
    def columns(self) -> list[str]:
        """The model's input columns, in order."""
        cols = list(PORTRAIT_NUMERIC + PORTRAIT_CATEGORICAL + HISTORY_FEATURES)
        if self.with_policy:
            cols += list(POLICY_NUMERIC + POLICY_CATEGORICAL)
        cols += [TAG_PREFIX + t for t in self.tags]
        return [c for c in cols if c not in self.exclude]

    @property
    def categorical(self) -> list[str]:
        """The categorical columns among :attr:`columns`."""
        cats = set(PORTRAIT_CATEGORICAL) | set(POLICY_CATEGORICAL)
        return [c for c in self.columns if c in cats]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tags": list(self.tags), "with_policy": self.with_policy,
                "exclude": sorted(self.exclude)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        return cls(kind=str(data["kind"]), tags=tuple(data.get("tags", ())),
                   with_policy=bool(data.get("with_policy", False)),
                   exclude=frozenset(data.get("exclude", ())))


def spec_for(kind: str, customers: pd.DataFrame | None = None, max_tags: int = 30,
             min_tag_count: int = 5) -> FeatureSpec:
    """The feature spec of a model ``kind``, with the ``max_tags`` most frequent tags."""
    tags: tuple[str, ...] = ()
    if customers is not None and "tags" in customers and len(customers):
        counts = pd.Series(
            [t for lst in customers["tags"] if isinstance(lst, list | tuple) for t in lst],
            dtype=object,
        ).value_counts()
        counts = counts[counts >= min_tag_count]
        tags = tuple(sorted(str(t) for t in counts.index[:max_tags]))
    return FeatureSpec(kind=kind, tags=tags, with_policy=(kind == "deal_policy"),
                       exclude=TARGET_LEAKS.get(kind, frozenset()))


# ------------------------------------------------------------------ frames


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def to_frame(rows: pd.DataFrame | Sequence[Mapping[str, Any]] | None) -> pd.DataFrame:
    """A DataFrame from rows (dicts) or a frame (returned as is)."""
    if rows is None:
        return pd.DataFrame()
    if isinstance(rows, pd.DataFrame):
        return rows
    return pd.DataFrame.from_records([dict(r) for r in rows])


def _col(df: pd.DataFrame, name: str, default: Any) -> pd.Series:
    if name in df:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object if isinstance(default, str) else float)


def portrait_features(customers: pd.DataFrame, spec: FeatureSpec,
                      now: dt.datetime | None = None) -> pd.DataFrame:
    """Portrait features of ``customers`` (columns of CustomerCols; missing ones tolerated)."""
    year = _now(now).year
    out = pd.DataFrame(index=customers.index)
    birth = pd.to_numeric(_col(customers, "birth_year", np.nan), errors="coerce")
    out["age"] = (year - birth).astype(float)
    for name in ("plan_fee", "tenure_months", "arpu", "data_usage_gb"):
        out[name] = pd.to_numeric(_col(customers, name, np.nan), errors="coerce").astype(float)
    tags = _col(customers, "tags", None)
    tag_lists = [lst if isinstance(lst, list | tuple) else [] for lst in tags]
    out["n_tags"] = np.fromiter((len(t) for t in tag_lists), float, count=len(tag_lists))
    for name in ("do_not_call", "do_not_sms", "open_complaint", "is_lead"):
        out[name] = _col(customers, name, 0).fillna(0).astype(float)
    for name in PORTRAIT_CATEGORICAL:
        out[name] = _col(customers, name, "").fillna("").astype(str)
    if spec.tags:
        index = {t: i for i, t in enumerate(spec.tags)}
        flags = np.zeros((len(tag_lists), len(spec.tags)), dtype=float)
        for r, lst in enumerate(tag_lists):
            for t in lst:
                j = index.get(t)
                if j is not None:
                    flags[r, j] = 1.0
        out = pd.concat(
            [out, pd.DataFrame(flags, index=out.index, columns=[TAG_PREFIX + t for t in spec.tags])],
            axis=1,
        )
    return out


def _as_utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="mixed") if len(values) else pd.Series(
        pd.DatetimeIndex([], tz="UTC"), index=values.index)


def history_features(events: pd.DataFrame, queries: pd.DataFrame) -> pd.DataFrame:
    """History aggregates per query row, counting only events strictly before its ``as_of``.

    See :func:`_history_features`; adds ``hist_contacts_30d`` (contacts in the 30 days before
    ``as_of``) as the difference of two running counts.
    """
    out = _history_features(events, queries)
    if len(queries):
        earlier = queries.assign(as_of=_as_utc(queries["as_of"]) - RECENT)
        out["hist_contacts_30d"] = (out["hist_contacts"]
                                    - _history_features(events, earlier)["hist_contacts"])
    else:
        out["hist_contacts_30d"] = pd.Series(dtype=float)
    return out


def _history_features(events: pd.DataFrame, queries: pd.DataFrame) -> pd.DataFrame:
    """History aggregates per query row, counting only events strictly before its ``as_of``.

    Args:
        events: contact events with at least ``customer_id`` and ``started_at``; optional
            ``wrapup``, ``intent``, ``duration_s`` (of those past calls — known by now).
        queries: rows with ``customer_id`` and ``as_of`` (aware datetimes). Its index is kept.

    Returns:
        A frame indexed like ``queries`` with the :data:`HISTORY_FEATURES` columns.

    Vectorised: events and queries are sorted together by customer and time (a query sorts
    before an event at the same instant, so an event never counts for its own as-of) and
    the counts are running sums.
    """
    n_q = len(queries)
    if n_q == 0:
        return pd.DataFrame(columns=list(HISTORY_FEATURES), index=queries.index, dtype=float)
    ev = pd.DataFrame({
        "cid": events["customer_id"].astype(str).to_numpy() if len(events) else np.array([], object),
        "t": _as_utc(events["started_at"]) if len(events) else pd.Series(dtype="datetime64[ns, UTC]"),
    })
    if len(events):
        wrap = _col(events, "wrapup", "").fillna("").astype(str).to_numpy()
        intent = _col(events, "intent", "none").fillna("none").astype(str)
        dur = pd.to_numeric(_col(events, "duration_s", 0), errors="coerce").fillna(0).to_numpy()
        reached = np.isin(wrap, _REACHED)
        ev["is_event"] = 1
        ev["reached"] = reached.astype(float)
        ev["refused"] = (wrap == "refused").astype(float)
        ev["interested"] = (wrap == "interested").astype(float)
        ev["accepted"] = (wrap == "accepted").astype(float)
        ev["complaints"] = np.isin(wrap, ("complaint", "do_not_call")).astype(float)
        ev["no_answer"] = np.isin(wrap, ("no_answer", "busy")).astype(float)
        ev["talk"] = dur / 60.0
        ev["intent_level"] = np.where(reached, intent.map(INTENT_LEVEL).fillna(0).to_numpy(), np.nan)
        ev["refusal_t"] = ev["t"].where(ev["refused"] > 0)
        ev = ev.reset_index(drop=True)
    cols = ["reached", "refused", "interested", "accepted", "complaints", "no_answer", "talk"]
    as_of_all = _as_utc(queries["as_of"])
    if len(ev) and as_of_all.nunique() == 1:
        return _history_single_as_of(ev, queries, as_of_all.iloc[0], cols)
    q = pd.DataFrame({
        "cid": queries["customer_id"].astype(str).to_numpy(),
        "t": _as_utc(queries["as_of"]).to_numpy(),
        "is_event": 0,
        "qpos": np.arange(n_q),
    })
    for c in cols:
        q[c] = 0.0
    q["intent_level"] = np.nan
    q["refusal_t"] = pd.NaT
    q["t"] = pd.to_datetime(q["t"], utc=True)
    both = pd.concat([ev, q], ignore_index=True) if len(ev) else q
    both["refusal_t"] = pd.to_datetime(both["refusal_t"], utc=True)
    both = both.sort_values(["cid", "t", "is_event"], kind="mergesort").reset_index(drop=True)
    g = both.groupby("cid", sort=False)
    both["contacts"] = g["is_event"].cumsum()
    for c in cols:
        both[c] = g[c].cumsum()
    both["last_t"] = both["t"].where(both["is_event"] == 1)
    both["last_t"] = both.groupby("cid", sort=False)["last_t"].ffill()
    both["refusal_t"] = both.groupby("cid", sort=False)["refusal_t"].ffill()
    both["intent_level"] = both.groupby("cid", sort=False)["intent_level"].ffill()
    qs = both[both["is_event"] == 0].sort_values("qpos")
    day = pd.Timedelta(days=1)
    out = pd.DataFrame(index=queries.index)
    out["hist_contacts"] = qs["contacts"].to_numpy(float)
    out["hist_reached"] = qs["reached"].to_numpy(float)
    out["hist_refused"] = qs["refused"].to_numpy(float)
    out["hist_interested"] = qs["interested"].to_numpy(float)
    out["hist_accepted"] = qs["accepted"].to_numpy(float)
    out["hist_complaints"] = qs["complaints"].to_numpy(float)
    out["hist_no_answer"] = qs["no_answer"].to_numpy(float)
    out["hist_talk_minutes"] = qs["talk"].to_numpy(float)
    out["hist_days_since_last"] = ((qs["t"] - qs["last_t"]) / day).to_numpy(float)
    out["hist_days_since_refusal"] = ((qs["t"] - qs["refusal_t"]) / day).to_numpy(float)
    out["hist_last_intent"] = qs["intent_level"].to_numpy(float)
    return out


def _history_single_as_of(ev: pd.DataFrame, queries: pd.DataFrame, as_of: pd.Timestamp,
                          cols: list[str]) -> pd.DataFrame:
    """:func:`history_features` when every query has the same as-of (a book refresh): one
    group-by instead of a merge of queries into the event stream. Same definitions."""
    ev = ev[ev["t"] < as_of]
    ev = ev.sort_values(["cid", "t"], kind="mergesort")
    g = ev.groupby("cid", sort=False)
    agg = g[cols].sum()
    agg["contacts"] = g.size()
    agg["last_t"] = g["t"].max()
    agg["refusal_t"] = g["refusal_t"].max()
    agg["intent_level"] = g["intent_level"].last()
    cids = queries["customer_id"].astype(str)
    a = agg.reindex(cids.to_numpy())
    day = pd.Timedelta(days=1)
    out = pd.DataFrame(index=queries.index)
    out["hist_contacts"] = a["contacts"].fillna(0).to_numpy(float)
    for name, col in (("hist_reached", "reached"), ("hist_refused", "refused"),
                      ("hist_interested", "interested"), ("hist_accepted", "accepted"),
                      ("hist_complaints", "complaints"), ("hist_no_answer", "no_answer"),
                      ("hist_talk_minutes", "talk")):
        out[name] = a[col].fillna(0).to_numpy(float)
    out["hist_days_since_last"] = ((as_of - pd.to_datetime(a["last_t"], utc=True)) / day).to_numpy(float)
    out["hist_days_since_refusal"] = ((as_of - pd.to_datetime(a["refusal_t"], utc=True)) / day).to_numpy(float)
    out["hist_last_intent"] = a["intent_level"].to_numpy(float)
    return out


def policy_features(policies: pd.DataFrame) -> pd.DataFrame:
    """Policy features of ``policies`` (columns of PolicyCols), indexed like it."""
    out = pd.DataFrame(index=policies.index)
    out["policy_value"] = pd.to_numeric(_col(policies, "value", np.nan), errors="coerce").astype(float)
    out["policy_priority"] = pd.to_numeric(_col(policies, "priority", np.nan), errors="coerce").astype(float)
    out["policy_id"] = _col(policies, "id", "").fillna("").astype(str)
    out["policy_product"] = _col(policies, "product", "").fillna("").astype(str)
    return out


def build_features(spec: FeatureSpec, customers: pd.DataFrame, events: pd.DataFrame | None,
                   as_of: dt.datetime | pd.Series | None = None,
                   policies: pd.DataFrame | None = None,
                   history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The model input frame: one row per row of ``customers``, columns = ``spec.columns``.

    Args:
        spec: the model's feature spec.
        customers: portrait rows (need ``id``).
        events: contact history of these customers (may be ``None`` or empty).
        as_of: the prediction moment: one datetime for all rows, or a Series aligned with
            ``customers`` (one per row, e.g. the start of each past contact in training).
        policies: with a policy-aware spec, policy rows aligned with ``customers``.
        history: history features already computed (row-aligned with ``customers``), e.g.
            aggregated by the database; then ``events`` is ignored.
    """
    as_of_value = as_of if as_of is not None else dt.datetime.now(dt.UTC)
    now = as_of_value if isinstance(as_of_value, dt.datetime) else None
    port = portrait_features(customers, spec, now)
    if isinstance(as_of_value, pd.Series):
        as_of_series = pd.Series(as_of_value.to_numpy(), index=customers.index)
    else:
        as_of_series = pd.Series([as_of_value] * len(customers), index=customers.index)
    queries = pd.DataFrame({"customer_id": _col(customers, "id", "").astype(str),
                            "as_of": as_of_series}, index=customers.index)
    if history is not None:
        hist = history.set_axis(customers.index)
    else:
        hist = history_features(events if events is not None else pd.DataFrame(), queries)
    parts = [port, hist]
    if spec.with_policy:
        pol = policies if policies is not None else pd.DataFrame(index=customers.index)
        pf = policy_features(pol)
        pf.index = customers.index
        parts.append(pf)
    frame = pd.concat(parts, axis=1)
    for c in spec.columns:
        if c not in frame:
            frame[c] = "" if c in spec.categorical else np.nan
    return frame[spec.columns]


def one_row(spec: FeatureSpec, portrait: Mapping[str, Any], history: Sequence[Mapping[str, Any]],
            policy: Mapping[str, Any] | None = None, now: dt.datetime | None = None) -> pd.DataFrame:
    """The model input for one customer at ``now`` (the screen pop's case)."""
    customers = pd.DataFrame.from_records([dict(portrait)])
    if "id" not in customers:
        customers["id"] = "_"
    events = to_frame(list(history))
    if len(events) and "customer_id" not in events:
        events["customer_id"] = customers["id"].iloc[0]
    if len(events):
        events = events[events["customer_id"].astype(str) == str(customers["id"].iloc[0])]
    pol = pd.DataFrame.from_records([dict(policy)]) if policy else None
    return build_features(spec, customers, events, as_of=_now(now), policies=pol)
