"""Point 3 of issue 15: ``workbench-server send-sms`` sends SMS tasks through the same contact
pressure as calls, with templates, links, costs and statuses — and exactly once when the
sender is killed in the middle of a campaign (counted at the fake SMS centre)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from server_stub.storage.db import unit_of_work
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Customer,
    PressureLimit,
    SmsMessage,
    Task,
)
from tests.integration import factories
from tests.integration.sms.conftest import SECRET, SmsChain

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """
sms_templates:
  - id: TPL-168
    policy_id: P-168-504
    body: "【客户服务】{name}您好，{policy}优惠：{link} 回TD退订"
"""


def _zone_at(hour_range: range) -> str:
    """A fixed-offset zone whose local hour is now inside ``hour_range``."""
    now = dt.datetime.now(dt.UTC)
    for offset in range(-12, 15):
        name = f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}" if offset else "Etc/GMT"
        if now.astimezone(ZoneInfo(name)).hour in hour_range:
            return name
    raise AssertionError("no zone found")


def _send_sms(chain: SmsChain, *extra: str, wait: bool = True) -> subprocess.Popen[str]:
    assert chain.kannel is not None
    env = {**os.environ, "WORKBENCH_SMS_URL": chain.kannel.sms_url, "WORKBENCH_SMS_SECRET": SECRET,
           "WORKBENCH_SMS_CALLBACK": chain.base_url, "WORKBENCH_ONLINE_URL": chain.base_url}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "send-sms", "--db", chain.server.db_url, *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    if wait:
        proc.wait(120)
    return proc


def _add_sms_tasks(chain: SmsChain, customer_ids: list[str], policy_id: str = "P-168-504") -> None:
    with unit_of_work(chain.factory) as s:
        for cid in customer_ids:
            cust = s.get(Customer, cid)
            assert cust is not None
            factories.add(s, "task", Task(id=f"SMS-{cid}-{policy_id}", customer_id=cid, policy_id=policy_id,
                                          channel="sms", assignee_id=None, team_id=cust.team_id,
                                          store_id=cust.store_id, status="open"))


def _wait_final(chain: SmsChain, expected: int, timeout: float = 60) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        with chain.factory() as s:
            counts = dict(s.execute(select(SmsMessage.status, func.count()).group_by(SmsMessage.status)).tuples().all())
        if counts.get("delivered", 0) >= expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def test_campaign_goes_through_pressure_templates_and_reports(kannel_chain: SmsChain) -> None:
    chain = kannel_chain
    world = factories.make_world(chain.server.db_url, customers_per_team=6, with_tasks=False)
    ok1, ok2, dns, accepted, capped, quiet = world.customers["T01"]
    day, night = _zone_at(range(11, 18)), _zone_at(range(22, 24))
    admin = httpx.post(f"{chain.base_url}/api/v1/auth/login",
                       json={"username": "admin", "password": factories.PASSWORD}).json()["access_token"]
    r = httpx.post(f"{chain.base_url}/api/v1/admin/sms/templates/publish", json={"yaml": TEMPLATE},
                   headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200, r.text
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(chain.factory) as s:
        for cid in world.customers["T01"]:
            s.get(Customer, cid).timezone = night if cid == quiet else day  # type: ignore[union-attr]
        s.get(Customer, dns).do_not_sms = True  # type: ignore[union-attr]
        s.add(Acceptance(id="A-1", customer_id=accepted, policy_id="P-168-504", channel="store", status="accepted"))
        s.add(PressureLimit(id="L-SMS", channel="sms", period="month", max_contacts=1, quiet_start="21:00",
                            quiet_end="09:00", cooldown_days_after_refusal=0))
        s.add(ContactEvent(id="E-old", customer_id=capped, channel="sms", started_at=now - dt.timedelta(minutes=5),
                           wrapup="info_only", intent="none"))
    _add_sms_tasks(chain, world.customers["T01"])
    run = _send_sms(chain)
    out = run.stdout.read() if run.stdout else ""
    assert run.returncode == 0, out
    assert "2 of 6 SMS tasks queued" in out and "sent 2" in out
    assert chain.kannel is not None
    got = chain.kannel.wait_received(2)
    assert sorted(m.to for m in got) == sorted(world.phone_of(c) for c in (ok1, ok2))
    for m in got:
        assert m.text.startswith(f"【客户服务】客户{[c for c in (ok1, ok2) if world.phone_of(c) == m.to][0]}您好")
        assert f"{chain.base_url}/online/l/" in m.text and m.text.endswith("回TD退订")
    assert _wait_final(chain, 2).get("delivered") == 2
    with chain.factory() as s:
        status = {t.customer_id: t.status for t in s.execute(select(Task).where(Task.channel == "sms")).scalars()}
        assert status == {ok1: "done", ok2: "done", dns: "cancelled", accepted: "suppressed",
                          capped: "open", quiet: "open"}
        msgs = list(s.execute(select(SmsMessage)).scalars())
        assert {m.template_id for m in msgs} == {"TPL-168"}
        events = {e.id: e for e in s.execute(select(ContactEvent).where(ContactEvent.channel == "sms")).scalars()}
        for m in msgs:
            assert events[m.id].cost == m.cost == m.segments * 0.05 and events[m.id].task_id == m.task_id
    # a second run finds nothing new to send: the held tasks are still held
    again = _send_sms(chain)
    out = again.stdout.read() if again.stdout else ""
    assert "0 of 2 SMS tasks queued" in out and "sent 0" in out
    time.sleep(0.5)
    assert len(chain.kannel.received()) == 2


def test_without_a_gateway_send_sms_says_so_and_keeps_the_messages(sqlite_central: str) -> None:
    world = factories.make_world(sqlite_central, customers_per_team=2, with_tasks=False)
    with unit_of_work(__import__("server_stub.storage.db", fromlist=["session_factory"]).session_factory(
            __import__("server_stub.storage.db", fromlist=["open_central"]).open_central(sqlite_central))) as s:
        for cid in world.customers["T01"]:
            factories.add(s, "task", Task(id=f"SMS-{cid}", customer_id=cid, policy_id="P-168-504", channel="sms",
                                          team_id="T01", status="open"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_SMS")}
    r = subprocess.run([sys.executable, "-m", "server_stub", "send-sms", "--db", sqlite_central], cwd=ROOT,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 3
    assert "no SMS gateway configured: 2 messages wait in the outbox" in r.stdout
    bad = subprocess.run([sys.executable, "-m", "server_stub", "send-sms", "--db", sqlite_central,
                          "--sms-url", "kannel://u:p@127.0.0.1:13013"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "WORKBENCH_SMS_SECRET" in bad.stderr


def test_exactly_once_when_the_sender_is_killed_mid_campaign(kannel_chain: SmsChain) -> None:
    chain = kannel_chain
    n = 240
    world = factories.make_world(chain.server.db_url, customers_per_team=n // 2, with_tasks=False)
    ids = world.customers["T01"] + world.customers["T02"]
    _add_sms_tasks(chain, ids)
    assert chain.kannel is not None
    # slow the sender down so that it is surely killed in the middle: 60 messages/s
    chain.kannel.sms_url = chain.kannel.sms_url.replace("rate=1000", "rate=60")
    first = _send_sms(chain, "--batch", "10", "--threads", "2", wait=False)
    deadline = time.monotonic() + 60
    while len(chain.kannel.received()) < 40:
        assert time.monotonic() < deadline and first.poll() is None, "the first run ended before the kill"
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    half = len(chain.kannel.received())
    assert 40 <= half < n
    with chain.factory() as s:
        assert s.execute(select(func.count()).select_from(SmsMessage)).scalar() == n  # all queued at once
    time.sleep(1.5)  # past --unsure-after: what the dead sender claimed without a report goes again
    second = _send_sms(chain, "--batch", "50", "--unsure-after", "1")
    out = second.stdout.read() if second.stdout else ""
    assert second.returncode == 0, out
    got = chain.kannel.wait_received(n, timeout=60)
    time.sleep(1.0)  # anything extra would show up now
    got = chain.kannel.received()
    per_number = Counter(m.to for m in got)
    assert len(got) == n, f"{len(got)} messages reached the SMS centre for {n} tasks ({half} before the kill)"
    assert set(per_number) == {world.phone_of(c) for c in ids} and set(per_number.values()) == {1}
    counts = _wait_final(chain, n)
    assert counts == {"delivered": n}
    with chain.factory() as s:
        assert s.execute(select(func.count()).select_from(ContactEvent).where(ContactEvent.channel == "sms")).scalar() == n
        assert set(s.execute(select(Task.status).where(Task.channel == "sms")).scalars()) == {"done"}


def test_serve_refuses_a_bad_sms_configuration(sqlite_central: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_SMS")}
    r = subprocess.run([sys.executable, "-m", "server_stub", "serve", "--db", sqlite_central, "--port", "9",
                        "--sms-url", "kannel://u:p@127.0.0.1:13013"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "WORKBENCH_SMS_SECRET" in r.stdout
    r = subprocess.run([sys.executable, "-m", "server_stub", "serve", "--db", sqlite_central, "--port", "9",
                        "--sms-url", "smpp://127.0.0.1:1"], cwd=ROOT, env={**env, "WORKBENCH_SMS_SECRET": "s"},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown SMS gateway scheme" in r.stdout
