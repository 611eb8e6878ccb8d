"""Time periods: period starts and labels, trends, this period against the last."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from workbench.services.analytics.metrics import SUMMARY_COLUMNS, _div, _summarise_codes
from workbench.services.analytics.scope import Freq


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
