"""The speed tricks that lean on private parts of scikit-learn and SQLAlchemy still find them.

Each trick falls back (or would break) when a release renames what it uses; these tests fail
loudly instead, so an upgrade is a decision, not a silent slow-down. The version ranges in
pyproject.toml (scikit-learn, SQLAlchemy) are the releases these pass on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    select,
)

from workbench.core.entities import UTCDateTime


def test_boosting_fast_path_is_taken_not_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from workbench.core.scoring.models import hgb_positive_proba

    rng = np.random.default_rng(3)
    M = np.column_stack([rng.integers(0, 5, 3000).astype(float), rng.normal(size=3000)])
    y = (rng.random(3000) < 1 / (1 + np.exp(-M[:, 1]))).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, max_depth=3, categorical_features=[True, False],
                                           random_state=0).fit(M, y)
    for name in ("_bin_mapper", "_predictors", "_baseline_prediction", "_loss"):
        assert hasattr(model, name), f"scikit-learn no longer has HistGradientBoostingClassifier.{name}"
    for name in ("missing_values_bin_idx_", "is_categorical_", "bin_thresholds_"):
        assert hasattr(model._bin_mapper, name), f"scikit-learn's bin mapper lost {name}"
    expected = model.predict_proba(M)[:, 1]

    def no_fallback(*_: Any, **__: Any) -> Any:
        raise AssertionError("hgb_positive_proba fell back to predict_proba")

    monkeypatch.setattr(model, "predict_proba", no_fallback)
    assert np.array_equal(hgb_positive_proba(model, M), expected)


def test_sqlalchemy_processors_the_fast_paths_read() -> None:
    """screen_pop's prepared queries read ``compiled._bind_processors`` and
    ``TypeEngine._cached_result_processor``; fast_insert reads ``_cached_bind_processor``."""
    from workbench.services.screen_pop import _Prepared

    engine = create_engine("sqlite://")
    t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(10)),
              Column("data", JSON), Column("at", UTCDateTime))
    stmt = select(t.c.id, t.c.data, t.c.at).where(t.c.name == bindparam("name"))
    compiled = stmt.compile(dialect=engine.dialect)
    assert isinstance(compiled._bind_processors, dict)
    assert callable(t.c.data.type._cached_result_processor(engine.dialect, None))
    assert callable(t.c.at.type._cached_bind_processor(engine.dialect))
    when = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    t.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"id": 1, "name": "a", "data": {"k": [1, 2]}, "at": when}])
    with engine.connect() as conn:
        fast = _Prepared(stmt).all(conn, {"name": "a"})
        slow = conn.execute(stmt, {"name": "a"}).all()
    assert [tuple(r) for r in fast] == [tuple(r) for r in slow] == [(1, {"k": [1, 2]}, when)]
