"""A small, hand-made local store for unit and widget tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from workbench.core.entities import UTC
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import (
    ContactEvent,
    Customer,
    Policy,
    PressureLimit,
    Script,
    Store,
    Task,
    Team,
    User,
)
from workbench.services.actor import Actor

NOW = dt.datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 11:00 in Beijing
AGENT = Actor("U-agent1", "agent1", "李敏", "agent", "T01", None)
RECEPTION = Actor("U-reception1", "reception1", "王芳", "receptionist", None, "S001")

WANG_PHONE = "13800138000"   # on the 96 plan: eligible for 168→504
ZHAO_PHONE = "13900139000"   # do not call
QIAN_PHONE = "13700137000"   # on the 126 plan, 3G


def build_local_store(path: Path) -> sessionmaker[Session]:
    engine = open_local(path)
    sf = session_factory(engine)
    with sf.begin() as s:
        s.add(Team(id="T01", name="广州外呼一组", province="广东"))
        s.add_all([
            Store(id="S001", name="天河营业厅", province="广东", city="广州", address="天河路1号"),
            Store(id="S002", name="福田营业厅", province="广东", city="深圳", address="福田路2号"),
        ])
        s.add_all([
            User(id="U-agent1", username="agent1", display_name="李敏", role="agent", team_id="T01", skills=[]),
            User(id="U-reception1", username="reception1", display_name="王芳", role="receptionist",
                 store_id="S001", skills=[]),
        ])
        s.add_all([
            Customer(id="C1", name="王伟", phone=WANG_PHONE, gender="M", birth_year=1985, province="广东",
                     city="广州", plan_name="畅享96套餐", plan_fee=96, tenure_months=30, device="华为 P60",
                     network="4G", tags=["price_sensitive", "contract_expiring"], lifecycle_stage="maturity",
                     value_tier="high", team_id="T01", store_id="S001", member_no="M0001",
                     id_number_masked="440106********1234", id_suffix="561234", scores={"deal": 0.42}),
            Customer(id="C2", name="赵丽", phone=ZHAO_PHONE, gender="F", birth_year=1990, province="广东",
                     city="广州", plan_name="畅享96套餐", plan_fee=96, tenure_months=5, network="4G",
                     tags=[], lifecycle_stage="growth", value_tier="ordinary", team_id="T01",
                     store_id="S001", do_not_call=True),
            Customer(id="C3", name="钱进", phone=QIAN_PHONE, gender="M", birth_year=1970, province="广东",
                     city="深圳", plan_name="126套餐", plan_fee=126, tenure_months=60, network="3G",
                     tags=["contract_expiring"], lifecycle_stage="decline", value_tier="potential",
                     team_id="T01", store_id="S002", open_complaint=True),
        ])
        s.add_all([
            Policy(id="P-168-504", code="168-504", name="预存168得504", pitch="预存168元，分月返还504元话费",
                   rule="plan_fee == 96", channels=["outbound", "hotline", "store"], priority=10, value=504,
                   script_id=None, exclusive_group="contract", status="published"),
            Policy(id="P-228-684", code="228-684", name="预存228得684", pitch="预存228元，分月返还684元话费",
                   rule="plan_fee == 126", channels=["outbound", "hotline", "store"], priority=10, value=684,
                   exclusive_group="contract", status="published"),
            Policy(id="P-SIM-4G", code="sim4g", name="到厅换4G卡", pitch="到营业厅免费换4G卡",
                   rule='network == "3G"', channels=["store", "outbound"], priority=5, value=50,
                   status="published"),
        ])
        s.add_all([
            Script(id="S-168-open", policy_id="P-168-504", section="opening", title="开场",
                   body="{name}您好，我是您的客户经理。"),
            Script(id="S-168-offer", policy_id="P-168-504", section="offer", title="推荐",
                   body="您现在是{plan_fee}元套餐，预存168元可得504元话费。"),
            Script(id="S-168-obj", policy_id="P-168-504", section="objection", title="太贵",
                   body="其实每月只需14元，就能多得42元话费。", keywords=["太贵", "贵"]),
        ])
        s.add(PressureLimit(id="L-out", channel="outbound", period="month", max_contacts=2,
                            quiet_start="21:00", quiet_end="09:00", cooldown_days_after_refusal=7))
        s.add(Task(id="K1", customer_id="C1", policy_id="P-168-504", channel="outbound",
                   assignee_id="U-agent1", team_id="T01", status="open", priority=10,
                   created_at=NOW - dt.timedelta(days=1)))
        s.add(ContactEvent(id="E1", customer_id="C1", channel="sms", user_id=None, team_id="T01",
                           started_at=NOW - dt.timedelta(days=20), wrapup="info_only", intent="none",
                           note="短信推送合约到期提醒"))
        s.add(ContactEvent(id="E2", customer_id="C1", channel="outbound", user_id="U-agent1", team_id="T01",
                           started_at=NOW - dt.timedelta(days=3), duration_s=95, wrapup="interested",
                           intent="medium", policy_id="P-168-504", note="考虑一下"))
    return sf
