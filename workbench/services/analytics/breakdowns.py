"""Breakdowns by a dimension: regions, hot products, channels, the funnel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from workbench.services.analytics.metrics import _codes, _div, _group_nunique, summarise
from workbench.services.analytics.periods import period_label, period_start
from workbench.services.analytics.scope import DIMENSIONS


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
