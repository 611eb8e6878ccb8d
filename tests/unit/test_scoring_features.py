"""Feature pipelines on small hand-made frames, and the leakage guard."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbench.core.scoring.features import (
    POST_CALL_FIELDS,
    LeakageError,
    build_features,
    check_pre_call,
    history_features,
    one_row,
    spec_for,
)
from workbench.core.scoring.models import ModelLoadError, ScoreModel, train_score_model

UTC = dt.UTC
T0 = dt.datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def _events() -> pd.DataFrame:
    return pd.DataFrame([
        {"customer_id": "C1", "started_at": T0, "wrapup": "no_answer", "intent": "none", "duration_s": 0},
        {"customer_id": "C1", "started_at": T0 + dt.timedelta(days=2), "wrapup": "refused",
         "intent": "low", "duration_s": 120},
        {"customer_id": "C1", "started_at": T0 + dt.timedelta(days=5), "wrapup": "interested",
         "intent": "medium", "duration_s": 300},
        {"customer_id": "C2", "started_at": T0 + dt.timedelta(days=1), "wrapup": "accepted",
         "intent": "high", "duration_s": 60},
    ])


def test_history_counts_only_events_strictly_before_as_of() -> None:
    queries = pd.DataFrame({
        "customer_id": ["C1", "C1", "C1", "C2", "C3"],
        "as_of": [T0, T0 + dt.timedelta(days=2), T0 + dt.timedelta(days=10),
                  T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=10)],
    })
    h = history_features(_events(), queries)
    # at T0 exactly, the call starting at T0 is the one being predicted: not counted
    assert h["hist_contacts"].tolist() == [0, 1, 3, 0, 0]
    assert h["hist_refused"].tolist() == [0, 0, 1, 0, 0]
    assert h["hist_reached"].tolist() == [0, 0, 2, 0, 0]
    assert h["hist_no_answer"].tolist() == [0, 1, 1, 0, 0]
    assert h["hist_talk_minutes"].iloc[2] == pytest.approx(7.0)
    assert h["hist_days_since_last"].iloc[1] == pytest.approx(2.0)
    assert h["hist_days_since_last"].iloc[2] == pytest.approx(5.0)
    assert h["hist_days_since_refusal"].iloc[2] == pytest.approx(8.0)
    assert h["hist_last_intent"].iloc[2] == 2  # medium, the last reached contact
    assert np.isnan(h["hist_days_since_last"].iloc[0])
    assert np.isnan(h["hist_days_since_last"].iloc[4])  # unknown customer: no history


def test_recent_contact_count_uses_a_30_day_window() -> None:
    queries = pd.DataFrame({"customer_id": ["C1", "C1"],
                            "as_of": [T0 + dt.timedelta(days=10), T0 + dt.timedelta(days=33)]})
    h = history_features(_events(), queries)
    # at day 33 only the day-5 contact is within 30 days (day 0 and day 2 are older)
    assert h["hist_contacts_30d"].tolist() == [3, 1]
    assert h["hist_contacts"].tolist() == [3, 3]


def test_single_as_of_fast_path_matches_general_path() -> None:
    ev = _events()
    as_of = T0 + dt.timedelta(days=3)
    q = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "as_of": [as_of] * 3})
    fast = history_features(ev, q)
    q2 = pd.concat([q, pd.DataFrame({"customer_id": ["C9"], "as_of": [as_of + dt.timedelta(seconds=1)]})],
                   ignore_index=True)
    general = history_features(ev, q2).iloc[:3]
    pd.testing.assert_frame_equal(fast, general, check_dtype=False)


def test_portrait_features_and_tags() -> None:
    customers = pd.DataFrame([
        {"id": "C1", "birth_year": 1980, "plan_fee": 96, "tags": ["price_sensitive", "x"],
         "gender": "F", "lifecycle_stage": "growth"},
        {"id": "C2", "birth_year": None, "tags": None},  # missing fields must not crash
    ])
    spec = spec_for("deal", pd.DataFrame({"tags": [["price_sensitive"]] * 6}))
    assert spec.tags == ("price_sensitive",)
    X = build_features(spec, customers, _events(), as_of=T0 + dt.timedelta(days=30))
    assert list(X.columns) == spec.columns
    assert X.loc[0, "age"] == 2026 - 1980
    assert np.isnan(X.loc[1, "age"])
    assert X.loc[0, "tag:price_sensitive"] == 1.0 and X.loc[1, "tag:price_sensitive"] == 0.0
    assert X.loc[0, "n_tags"] == 2 and X.loc[1, "n_tags"] == 0
    assert X.loc[1, "gender"] == ""
    assert X.loc[0, "hist_contacts"] == 3


def test_one_row_filters_other_customers_history() -> None:
    spec = spec_for("deal")
    row = one_row(spec, {"id": "C2", "plan_fee": 58}, _events().to_dict("records"),
                  now=T0 + dt.timedelta(days=30))
    assert row["hist_contacts"].iloc[0] == 1 and row["hist_accepted"].iloc[0] == 1


def test_policy_features_only_in_the_policy_model() -> None:
    assert "policy_id" not in spec_for("deal").columns
    assert "policy_id" in spec_for("deal_policy").columns
    assert "lifecycle_stage" not in spec_for("churn").columns  # it states the churn label


# ------------------------------------------------------------------ leakage guard


def test_every_declared_feature_is_pre_call() -> None:
    for kind in ("deal", "deal_policy", "renewal", "churn"):
        spec = spec_for(kind, pd.DataFrame({"tags": [["a", "b"]] * 10}))
        check_pre_call(spec.columns, kind)  # must not raise
        assert not set(spec.columns) & POST_CALL_FIELDS


@pytest.mark.parametrize("leak", ["duration_s", "wrapup", "intent", "cost", "predicted_p"])
def test_guard_rejects_post_call_fields(leak: str) -> None:
    with pytest.raises(LeakageError, match=leak):
        check_pre_call(["plan_fee", leak], "deal")


def test_guard_rejects_undeclared_and_target_restating_fields() -> None:
    with pytest.raises(LeakageError, match="undeclared"):
        check_pre_call(["plan_fee", "mystery"], "deal")
    with pytest.raises(LeakageError, match="churn"):
        check_pre_call(["lifecycle_stage"], "churn")


def test_training_a_pre_call_model_with_call_duration_fails() -> None:
    spec = spec_for("deal")
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"plan_fee": rng.integers(30, 200, 200).astype(float),
                      "duration_s": rng.integers(0, 600, 200).astype(float)})
    y = (rng.random(200) < 0.3).astype(int)
    with pytest.raises(LeakageError, match="duration_s"):
        train_score_model("deal", X, y, spec=spec)


def test_loading_a_model_whose_features_leak_is_refused() -> None:
    spec = spec_for("deal")
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"plan_fee": rng.integers(30, 200, 120).astype(float),
                      "tenure_months": rng.integers(1, 100, 120).astype(float)})
    y = (rng.random(120) < 0.4).astype(int)
    model = train_score_model("deal", X, y, candidates=("gam",), calibration="sigmoid")
    model.spec = spec
    model.features = [*spec.columns[:-1], "duration_s"]
    with pytest.raises(ModelLoadError):
        ScoreModel.load(model.to_bytes())
