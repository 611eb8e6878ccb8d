"""Synthetic books with known probabilities, for tests and benchmarks (no real people).

:func:`synthetic_book` draws portraits and a contact history whose outcomes follow a latent
logistic model of the portrait, so the true deal probability of every contact is known:
tests can check calibration against it and benchmarks get realistic volumes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

PROVINCES = ("广东", "广西", "湖南", "江西", "福建", "浙江")
JOBS = ("office", "worker", "student", "retired", "self_employed", "farmer")
STAGES = ("acquisition", "growth", "maturity", "decline", "churned")
VALUE_TIERS = ("high", "potential", "ordinary", "low")
TAGS = ("price_sensitive", "heavy_data", "family_plan", "roaming", "video_fan", "late_payer",
        "gamer", "broadband_ready")
PLANS = ((39, "畅享39"), (59, "畅享59"), (96, "畅享96"), (129, "畅享129"), (199, "畅享199"))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def latent_logit(customers: pd.DataFrame) -> np.ndarray:
    """The true log-odds of accepting an offer, from the portrait only."""
    tags = customers["tags"]
    has = {t: np.fromiter((t in lst for lst in tags), bool, count=len(tags)) for t in TAGS}
    age = 2026 - customers["birth_year"].to_numpy(float)
    z = (-1.6
         + 0.9 * has["price_sensitive"] + 0.6 * has["heavy_data"] - 0.8 * has["late_payer"]
         + 0.012 * (customers["plan_fee"].to_numpy(float) - 96)
         - 0.02 * np.abs(customers["tenure_months"].to_numpy(float) - 24)
         + 0.5 * (customers["value_tier"].to_numpy() == "potential")
         - 0.7 * (customers["lifecycle_stage"].to_numpy() == "decline")
         - 0.015 * np.abs(age - 40))
    return z


def synthetic_book(n: int, seed: int = 0, now: dt.datetime | None = None,
                   events_per_customer: float = 3.0,
                   id_prefix: str = "C") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customers, contact events) with outcomes from :func:`latent_logit`.

    Events carry a ``true_p`` column: the probability their outcome was drawn with (the
    latent model plus a bonus for earlier interest), so calibration can be checked exactly.
    """
    rng = np.random.default_rng(seed)
    now = now or dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    plan_idx = rng.integers(len(PLANS), size=n)
    n_tags = rng.integers(0, 4, size=n)
    tag_lists = [sorted(set(rng.choice(TAGS, size=k, replace=False).tolist())) if k else []
                 for k in n_tags]
    customers = pd.DataFrame({
        "id": [f"{id_prefix}{i:07d}" for i in range(n)],
        "name": "客户",
        "phone": [f"138{i:08d}" for i in range(n)],
        "gender": rng.choice(["M", "F"], size=n),
        "birth_year": rng.integers(1950, 2005, size=n),
        "province": rng.choice(PROVINCES, size=n),
        "job_type": rng.choice(JOBS, size=n),
        "plan_fee": [PLANS[i][0] for i in plan_idx],
        "plan_name": [PLANS[i][1] for i in plan_idx],
        "tenure_months": rng.integers(1, 120, size=n),
        "network": rng.choice(["4G", "5G"], size=n, p=[0.4, 0.6]),
        "arpu": np.round(rng.gamma(4.0, 20.0, size=n), 2),
        "data_usage_gb": np.round(rng.gamma(2.0, 8.0, size=n), 1),
        "tags": tag_lists,
        "lifecycle_stage": rng.choice(STAGES, size=n, p=[0.1, 0.25, 0.4, 0.2, 0.05]),
        "value_tier": rng.choice(VALUE_TIERS, size=n, p=[0.15, 0.25, 0.45, 0.15]),
        "preferred_channel": rng.choice(["outbound", "sms", "store"], size=n),
        "do_not_call": False, "do_not_sms": False, "open_complaint": rng.random(n) < 0.03,
        "is_lead": False,
    })
    base = latent_logit(customers)
    k = rng.poisson(events_per_customer, size=n)
    cust_idx = np.repeat(np.arange(n), k)
    m = len(cust_idx)
    offsets = rng.uniform(1, 365, size=m)
    started = pd.Timestamp(now) - pd.to_timedelta(offsets, unit="D")
    order = np.lexsort((started.to_numpy(), cust_idx))
    cust_idx, started = cust_idx[order], started[order]
    reached = rng.random(m) < 0.7
    # earlier interest raises the chance later on (history matters, as in real books)
    p = _sigmoid(base[cust_idx])
    draw = rng.random(m)
    wrap = np.where(~reached, "no_answer", "refused").astype(object)
    prev_interest = np.zeros(m, dtype=bool)
    seen: dict[int, bool] = {}
    for j in range(m):
        c = cust_idx[j]
        prev_interest[j] = seen.get(c, False)
        if reached[j]:
            pj = min(0.95, p[j] * (1.6 if prev_interest[j] else 1.0))
            p[j] = pj
            if draw[j] < pj:
                wrap[j] = "accepted"
            elif draw[j] < pj + 0.2:
                wrap[j] = "interested"
                seen[c] = True
        else:
            p[j] = np.nan
    intent = np.where(wrap == "accepted", "high", np.where(wrap == "interested", "medium",
                      np.where(wrap == "refused", "low", "none")))
    events = pd.DataFrame({
        "id": [f"E{j:09d}" for j in range(m)],
        "customer_id": customers["id"].to_numpy()[cust_idx],
        "channel": "outbound",
        "started_at": started,
        "duration_s": np.where(reached, rng.integers(20, 600, size=m), 0),
        "wrapup": wrap,
        "intent": intent,
        "policy_id": rng.choice(["P-168-504", "P-5G-UP", "P-BB-FREE"], size=m),
        "true_p": p,
    })
    return customers, events
