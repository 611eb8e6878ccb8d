"""Synthetic contact history with realistic shapes, for dashboard demos and benchmarks.

:func:`synthetic_history` draws customers (portraits), agents in teams, policies and a year
of contact events (channel mix, weekday and seasonal volume, reach and acceptance depending
on the customer's deal probability, the agent's skill and the value tier), plus acceptances
and an assignment-rule experiment. It returns raw frames; :func:`synthetic_data` turns them
into :class:`AnalyticsData` without a database (benchmarks), and :func:`seed_local_store`
writes them into a real local store (screenshots, end-to-end tests).

No Qt here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert

from workbench.local_store.models import Acceptance, ContactEvent, Customer, Policy, Team, User
from workbench.services import analytics

PROVINCES: dict[str, tuple[float, tuple[str, ...]]] = {
    "广东": (0.34, ("广州", "深圳", "佛山", "东莞", "珠海")),
    "广西": (0.14, ("南宁", "柳州", "桂林")),
    "湖南": (0.15, ("长沙", "株洲", "岳阳")),
    "福建": (0.12, ("福州", "厦门", "泉州")),
    "江西": (0.08, ("南昌", "赣州")),
    "云南": (0.10, ("昆明", "大理")),
    "海南": (0.07, ("海口", "三亚")),
}
JOBS = (("白领", 0.30), ("个体经营", 0.16), ("工人", 0.15), ("学生", 0.10), ("退休", 0.10),
        ("公务员", 0.07), ("农民", 0.07), ("自由职业", 0.05))
TIERS = (("high", 0.12, 1.5), ("potential", 0.23, 1.2), ("ordinary", 0.45, 1.0), ("low", 0.20, 0.6))
STAGES = (("acquisition", 0.08), ("growth", 0.22), ("maturity", 0.42), ("decline", 0.20), ("churned", 0.08))
CHANNELS = (("outbound", 0.68, 0.0), ("sms", 0.12, 0.05), ("hotline", 0.10, 0.0), ("store", 0.06, 0.0),
            ("online", 0.04, 0.0))
POLICIES = (
    ("P-168-504", "预存168送504", "话费预存", 336.0, 0.20),
    ("P-5G-UP", "5G套餐升档", "套餐升档", 240.0, 0.18),
    ("P-BB-300", "宽带融合300M", "宽带融合", 600.0, 0.14),
    ("P-FAM-3", "亲情号3人包", "亲情号", 120.0, 0.12),
    ("P-PHONE-0", "合约购机0元购", "合约购机", 1800.0, 0.09),
    ("P-DATA-30", "30G流量加油包", "流量包", 60.0, 0.12),
    ("P-TV-Y", "IPTV年包", "IPTV", 360.0, 0.08),
    ("P-CLOUD", "云盘会员", "增值业务", 96.0, 0.07),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞")


@dataclass(frozen=True)
class SyntheticHistory:
    """Raw frames: ``events`` / ``acceptances`` (times aware UTC), ``customers`` (index id),
    ``users`` (index id; ``name``, ``team_id``, ``role``), ``policies`` (index id),
    ``teams`` (index id), ``experiments`` (``rule``, ``converted``)."""

    events: pd.DataFrame
    acceptances: pd.DataFrame
    customers: pd.DataFrame
    users: pd.DataFrame
    policies: pd.DataFrame
    teams: pd.DataFrame
    experiments: pd.DataFrame
    as_of: dt.date


def _pick(rng: np.random.Generator, items: Any, probs: Any, n: int) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return rng.choice(np.asarray(items, dtype=object), size=n, p=p / p.sum())


def synthetic_history(
    n_events: int = 100_000,
    n_customers: int | None = None,
    teams: int = 3,
    agents_per_team: int = 10,
    as_of: dt.date | None = None,
    days: int = 365,
    seed: int = 7,
) -> SyntheticHistory:
    """A year (``days``) of contacts ending ``as_of`` with realistic mixes (see module doc)."""
    rng = np.random.default_rng(seed)
    as_of = as_of or dt.date.today()
    n_customers = n_customers or max(200, n_events // 6)

    team_ids = [f"T{i + 1:02d}" for i in range(teams)]
    team_frame = pd.DataFrame({"name": [f"{i + 1}组" for i in range(teams)]}, index=pd.Index(team_ids, name="id"))
    users: list[dict[str, Any]] = []
    for t, team in enumerate(team_ids):
        for a in range(agents_per_team):
            k = t * agents_per_team + a
            name = SURNAMES[k % len(SURNAMES)] + GIVEN[(k * 7) % len(GIVEN)]
            if k >= len(SURNAMES):
                name += GIVEN[(k // len(SURNAMES)) % len(GIVEN)]
            users.append({"id": f"U-agent{k + 1}", "name": name, "team_id": team, "role": "agent"})
        users.append({"id": f"U-lead{t + 1}", "name": f"组长{t + 1}", "team_id": team, "role": "lead"})
    users.append({"id": "U-admin", "name": "管理员", "team_id": None, "role": "admin"})
    user_frame = pd.DataFrame(users).set_index("id")
    agents = user_frame[user_frame["role"] == "agent"]
    skill = np.clip(rng.normal(1.0, 0.22, len(agents)), 0.55, 1.6)

    # Customers ----------------------------------------------------------------------
    prov_names = list(PROVINCES)
    province = _pick(rng, prov_names, [PROVINCES[p][0] for p in prov_names], n_customers)
    city = np.array([PROVINCES[p][1][i % len(PROVINCES[p][1])] for p, i in
                     zip(province, rng.integers(0, 100, n_customers), strict=True)], dtype=object)
    tier_idx = rng.choice(len(TIERS), size=n_customers, p=[t[1] for t in TIERS])
    tier = np.array([TIERS[i][0] for i in tier_idx], dtype=object)
    tier_mult = np.array([TIERS[i][2] for i in tier_idx])
    birth = np.clip(rng.normal(1983, 13, n_customers).round(), 1935, 2008)
    unknown_birth = rng.random(n_customers) < 0.03
    base_p = np.clip(rng.beta(2.0, 14.0, n_customers) * tier_mult, 0.005, 0.9)
    customers = pd.DataFrame({
        "id": [f"C{i:07d}" for i in range(n_customers)],
        "province": province, "city": city,
        "gender": _pick(rng, ["M", "F", ""], [0.5, 0.48, 0.02], n_customers),
        "birth_year": np.where(unknown_birth, np.nan, birth),
        "job_type": _pick(rng, [j for j, _ in JOBS], [p for _, p in JOBS], n_customers),
        "value_tier": tier,
        "lifecycle_stage": _pick(rng, [s for s, _ in STAGES], [p for _, p in STAGES], n_customers),
        "team_id": np.array(team_ids, dtype=object)[rng.integers(0, teams, n_customers)],
        "deal_p": base_p,
    }).set_index("id")

    # Events -------------------------------------------------------------------------
    n = n_events
    cust_idx = rng.integers(0, n_customers, n)
    cust_team = customers["team_id"].to_numpy()[cust_idx]
    team_pos = np.searchsorted(np.array(team_ids, dtype=object), cust_team)
    agent_idx = team_pos * agents_per_team + rng.integers(0, agents_per_team, n)
    # Volume grows through the year, dips at weekends; times in working hours (local).
    day_w = np.linspace(0.8, 1.2, days)
    dates = np.array([as_of - dt.timedelta(days=days - 1 - i) for i in range(days)])
    weekday = np.array([d.weekday() for d in dates])
    day_w = day_w * np.where(weekday >= 5, 0.45, 1.0)
    day = rng.choice(days, size=n, p=day_w / day_w.sum())
    seconds = rng.integers(9 * 3600, 20 * 3600 + 1800, n)
    start_local = pd.to_datetime(np.array([np.datetime64(d) for d in dates])[day]) + pd.to_timedelta(seconds, unit="s")
    started_at = start_local.tz_localize(analytics.BUSINESS_TZ).tz_convert("UTC")
    ch_idx = rng.choice(len(CHANNELS), size=n, p=[c[1] for c in CHANNELS])
    channel = np.array([c[0] for c in CHANNELS], dtype=object)[ch_idx]
    p_cust = customers["deal_p"].to_numpy()[cust_idx]
    predicted = np.clip(p_cust * rng.normal(1.0, 0.15, n), 0.001, 0.99)
    reach_p = np.select([channel == "outbound", channel == "sms"], [0.55, 0.25], 0.92)
    reached = rng.random(n) < reach_p
    accept_p = np.clip(p_cust * skill[agent_idx] * 1.5, 0, 0.95)
    accepted = reached & (rng.random(n) < accept_p)
    interested = reached & ~accepted & (rng.random(n) < 0.25)
    refused_kind = _pick(rng, ["refused", "info_only", "complaint", "do_not_call", "transferred"],
                         [0.80, 0.12, 0.02, 0.02, 0.04], n)
    missed_kind = _pick(rng, ["no_answer", "busy", "wrong_number"], [0.75, 0.2, 0.05], n)
    wrapup = np.where(accepted, "accepted", np.where(interested, "interested", np.where(reached, refused_kind, missed_kind)))
    intent = np.where(accepted, "high", np.where(interested, _pick(rng, ["high", "medium"], [0.3, 0.7], n), "none"))
    duration = np.where(
        reached,
        np.clip(rng.lognormal(np.log(150), 0.6, n) * np.where(accepted, 1.8, 1.0), 15, 3600),
        rng.integers(0, 35, n),
    ).astype("int64")
    duration = np.where(channel == "sms", 0, duration)
    pol_idx = rng.choice(len(POLICIES), size=n, p=np.array([p[4] for p in POLICIES]) / sum(p[4] for p in POLICIES))
    policy_id = np.array([p[0] for p in POLICIES], dtype=object)[pol_idx]
    pol_value = np.array([p[3] for p in POLICIES])[pol_idx]
    no_policy = (channel == "hotline") & (wrapup == "info_only")
    policy_id = np.where(no_policy, None, policy_id)
    cost = np.array([c[2] for c in CHANNELS])[ch_idx]
    events = pd.DataFrame({
        "id": [f"E{i:08d}" for i in range(n)],
        "customer_id": pd.Categorical.from_codes(cust_idx, categories=customers.index),
        "channel": channel,
        "user_id": agents.index.to_numpy()[agent_idx],
        "team_id": cust_team,
        "started_at": started_at,
        "duration_s": duration,
        "cost": cost,
        "wrapup": wrapup,
        "intent": intent,
        "policy_id": policy_id,
        "predicted_p": np.where(rng.random(n) < 0.03, np.nan, predicted.round(4)),
        "deal_value": np.where(accepted, pol_value, 0.0),
    }).sort_values("started_at", kind="stable").reset_index(drop=True)

    acc = events[events["wrapup"] == "accepted"]
    acceptances = pd.DataFrame({
        "id": [f"A{i:08d}" for i in range(len(acc))],
        "customer_id": acc["customer_id"].astype(object).to_numpy(),
        "policy_id": acc["policy_id"].to_numpy(),
        "channel": acc["channel"].to_numpy(),
        "user_id": acc["user_id"].to_numpy(),
        "team_id": acc["team_id"].to_numpy(),
        "accepted_at": acc["started_at"].to_numpy(),
        "value": acc["deal_value"].to_numpy(),
    })
    acceptances["accepted_at"] = pd.to_datetime(acceptances["accepted_at"], utc=True)

    rules = _pick(rng, ["A 轮询", "B 等级匹配技能", "C 按分数排序"], [1, 1, 1], max(300, n // 40))
    rate = np.select([rules == "A 轮询", rules == "B 等级匹配技能"], [0.082, 0.097], 0.112)
    experiments = pd.DataFrame({"rule": rules, "converted": rng.random(len(rules)) < rate})

    policies = pd.DataFrame(
        [{"id": p[0], "name": p[1], "product": p[2], "value": p[3]} for p in POLICIES]
    ).set_index("id")
    return SyntheticHistory(events, acceptances, customers, user_frame, policies, team_frame, experiments, as_of)


def synthetic_data(history: SyntheticHistory, scope: analytics.Scope) -> analytics.AnalyticsData:
    """The history as :class:`AnalyticsData` of ``scope``, without a database."""
    ev = analytics.enforce_scope(history.events, scope)
    acc = analytics.enforce_scope(history.acceptances, scope)
    users = analytics.enforce_scope(history.users.reset_index().rename(columns={"id": "user_id"}), scope)
    users = users.set_index("user_id")
    customers = history.customers.drop(columns=["team_id", "deal_p"])
    for col in ("province", "city", "gender", "job_type", "value_tier", "lifecycle_stage"):
        customers[col] = customers[col].astype("category")
    year = history.as_of.year
    events = analytics.prepare_events(ev.drop(columns=["id"]), customers, history.policies, users, year)
    acceptances = analytics.prepare_events(
        acc.drop(columns=["id"]).rename(columns={"value": "deal_value"}), customers, history.policies, users, year,
        time_col="accepted_at",
    )
    agents = users[users["role"] == "agent"][["name", "team_id"]]
    return analytics.AnalyticsData(scope, events, acceptances, agents, history.policies[["name", "product"]],
                                   history.experiments, history.as_of)


def seed_local_store(engine: Engine, history: SyntheticHistory, chunk: int = 50_000) -> None:
    """Write the history into the local store behind ``engine`` (tables must exist)."""
    with engine.begin() as conn:
        conn.execute(insert(Team.__table__), [{"id": i, "name": r["name"]} for i, r in history.teams.iterrows()])
        conn.execute(insert(User.__table__), [
            {"id": i, "username": i.removeprefix("U-"), "display_name": r["name"], "role": r["role"],
             "team_id": r["team_id"], "skills": []}
            for i, r in history.users.iterrows()
        ])
        conn.execute(insert(Policy.__table__), [
            {"id": i, "code": i, "name": r["name"], "product": r["product"], "value": r["value"], "channels": []}
            for i, r in history.policies.iterrows()
        ])
        cust = history.customers.reset_index()
        rows = [
            {"id": r.id, "name": "客户" + r.id[-4:], "phone": "138" + r.id[-8:].replace("C", "0"),
             "gender": r.gender, "birth_year": None if r.birth_year != r.birth_year else int(r.birth_year),
             "province": r.province, "city": r.city, "job_type": r.job_type, "value_tier": r.value_tier,
             "lifecycle_stage": r.lifecycle_stage, "team_id": r.team_id, "tags": [], "scores": {"deal": float(r.deal_p)}}
            for r in cust.itertuples(index=False)
        ]
        for i in range(0, len(rows), chunk):
            conn.execute(insert(Customer.__table__), rows[i : i + chunk])
        ev = history.events.copy()
        ev["customer_id"] = ev["customer_id"].astype(object)
        ev["started_at"] = ev["started_at"].dt.to_pydatetime()
        ev["predicted_p"] = ev["predicted_p"].astype(object).where(ev["predicted_p"].notna(), None)
        records = ev.to_dict("records")
        for i in range(0, len(records), chunk):
            conn.execute(insert(ContactEvent.__table__), records[i : i + chunk])
        acc = history.acceptances.copy()
        acc["accepted_at"] = acc["accepted_at"].dt.to_pydatetime()
        acc_records = acc.to_dict("records")
        for i in range(0, len(acc_records), chunk):
            conn.execute(insert(Acceptance.__table__), acc_records[i : i + chunk])
