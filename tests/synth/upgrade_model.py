"""A small deal model that learned one thing: customers who want a new handset
(``upgrade_intent``) buy far more often. For tests of rescoring after a portrait edit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.core.scoring.features import build_features, spec_for
from workbench.core.scoring.models import train_score_model


def upgrade_intent_model(n: int = 400, seed: int = 7) -> Any:
    rng = np.random.default_rng(seed)
    wants = rng.random(n) < 0.5
    customers = pd.DataFrame({
        "id": [f"X{i}" for i in range(n)], "birth_year": rng.integers(1960, 2000, n),
        "plan_fee": rng.choice([96, 126, 168], n), "tenure_months": rng.integers(1, 80, n),
        "tags": [["upgrade_intent"] if w else ["student"] for w in wants],
        "network": "4G", "lifecycle_stage": "maturity", "preferred_channel": "outbound",
    })
    events = pd.DataFrame(columns=["customer_id", "started_at", "wrapup", "intent", "duration_s"])
    spec = spec_for("deal", customers)
    assert "tag:upgrade_intent" in spec.columns
    as_of = pd.Series([pd.Timestamp("2026-11-01", tz="UTC")] * n)
    X = build_features(spec, customers, events, as_of=as_of)
    y = (rng.random(n) < np.where(wants, 0.8, 0.1)).astype(int)
    return train_score_model("deal", X, y, spec=spec, candidates=("gam",), calibration="sigmoid")
