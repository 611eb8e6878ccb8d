"""Assignment-rule experiments: conversion per arm with Wilson and Newcombe intervals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.stats import CONFIDENCE, diff_interval, wilson_interval
from workbench.local_store.models import Acceptance
from workbench.services.analytics.metrics import _div

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
