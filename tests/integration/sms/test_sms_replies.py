"""Point 4 of issue 15: customers' replies through the real gateway. Opt-outs set do-not-SMS
at once (and reach the desks by sync); other replies go to the trail and the holder's work
list; replies from unknown numbers are kept and change nothing else."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import func, select

from server_stub.sms import outbox
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import ContactEvent, Customer, SmsMessage, SmsReply, Task
from tests.integration import factories
from tests.integration.sms.conftest import SECRET, SmsChain


def _wait_reply(chain: SmsChain, count: int, timeout: float = 20) -> list[SmsReply]:
    deadline = time.monotonic() + timeout
    while True:
        with chain.factory() as s:
            rows = list(s.execute(select(SmsReply).order_by(SmsReply.received_at)).scalars())
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def _pull_all(chain: SmsChain, username: str) -> list[dict[str, Any]]:
    token = httpx.post(f"{chain.base_url}/api/v1/auth/login",
                       json={"username": username, "password": factories.PASSWORD}).json()["access_token"]
    out: list[dict[str, Any]] = []
    cursor = 0
    while True:
        page = httpx.get(f"{chain.base_url}/api/v1/sync/pull", params={"cursor": cursor, "limit": 5000},
                         headers={"Authorization": f"Bearer {token}"}).json()
        out.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return out


def _sms_task(chain: SmsChain, cid: str, policy_id: str, assignee: str | None = None) -> str:
    with unit_of_work(chain.factory) as s:
        cust = s.get(Customer, cid)
        assert cust is not None
        task = Task(id=f"SMS-{cid}", customer_id=cid, policy_id=policy_id, channel="sms", assignee_id=assignee,
                    team_id=cust.team_id, store_id=cust.store_id, status="open")
        factories.add(s, "task", task)
        return task.id


def test_td_through_kannel_sets_do_not_sms_at_once_and_desks_see_it(kannel_chain: SmsChain) -> None:
    chain = kannel_chain
    world = factories.make_world(chain.server.db_url, customers_per_team=2)
    cid = world.customers["T01"][0]
    task_id = _sms_task(chain, cid, "P-168-504")
    with unit_of_work(chain.factory) as s:
        cust = s.get(Customer, cid)
        assert cust is not None
        waiting = outbox.queue_message(s, cust, "【客户服务】还没发出去", policy_id="P-168-504").id
        code = outbox.queue_message(s, cust, "【客户服务】验证码 123456", kind="code").id
    assert chain.kannel is not None
    chain.kannel.send_mo(world.phone_of(cid), "10690000", "TD")
    replies = _wait_reply(chain, 1)
    assert [(r.kind, r.customer_id, r.body) for r in replies] == [("opt_out", cid, "TD")]
    with chain.factory() as s:
        assert s.get(Customer, cid).do_not_sms is True  # type: ignore[union-attr]
        assert s.get(SmsMessage, waiting).status == "cancelled"  # type: ignore[union-attr]
        assert s.get(SmsMessage, code).status == "queued"  # type: ignore[union-attr]  (asked for by the customer)
        assert s.get(Task, task_id).status == "cancelled"  # type: ignore[union-attr]
        trail = s.execute(select(ContactEvent.note).where(ContactEvent.customer_id == cid,
                                                          ContactEvent.note.like("SMS reply%"))).scalars().all()
        assert trail == ["SMS reply “TD”: unsubscribed from SMS"]
        other = s.get(Customer, world.customers["T01"][1])
        assert other is not None and other.do_not_sms is False
    changes = _pull_all(chain, "agent1")
    latest = [c["data"] for c in changes if c["entity"] == "customer" and c["data"]["id"] == cid][-1]
    assert latest["do_not_sms"] is True
    assert any(c["entity"] == "contact_event" and "unsubscribed" in c["data"]["note"] for c in changes)
    # and another team's desk hears nothing of it
    assert not [c for c in _pull_all(chain, "agent9") if c["data"].get("id") == cid]


def test_other_reply_goes_to_the_trail_and_the_holders_work_list(kannel_chain: SmsChain) -> None:
    chain = kannel_chain
    world = factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    cid = world.customers["T01"][0]
    with unit_of_work(chain.factory) as s:
        cust = s.get(Customer, cid)
        factories.add(s, "task", Task(id="K-held", customer_id=cid, policy_id="P-228-684", channel="outbound",
                                      assignee_id="U-agent2", team_id="T01", status="open"))
        assert cust is not None
        outbox.queue_message(s, cust, "【客户服务】168 预存送 504", policy_id="P-168-504")
    assert chain.kannel is not None
    chain.kannel.send_mo(world.phone_of(cid), "10690000", "我想办理，请给我回电话")
    replies = _wait_reply(chain, 1)
    assert [(r.kind, r.body) for r in replies] == [("reply", "我想办理，请给我回电话")]
    with chain.factory() as s:
        assert s.get(Customer, cid).do_not_sms is False  # type: ignore[union-attr]
        follow = s.execute(select(Task).where(Task.customer_id == cid, Task.id.like("RP-%"))).scalars().all()
        assert [(t.assignee_id, t.policy_id, t.channel, t.status) for t in follow] == [
            ("U-agent2", "P-168-504", "sms", "open")]
        notes = s.execute(select(ContactEvent.note).where(ContactEvent.note.like("SMS reply%"))).scalars().all()
        assert notes == ["SMS reply: 我想办理，请给我回电话"]
    # the holder's desk receives the follow-up task
    tasks = [c["data"] for c in _pull_all(chain, "agent2") if c["entity"] == "task"]
    assert any(t["id"].startswith("RP-") and t["assignee_id"] == "U-agent2" for t in tasks)


def test_reply_from_an_unknown_number_is_kept_and_changes_nothing(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    from tests.integration.sms.conftest import settings_for

    chain.server.app.state.sms_settings = settings_for(chain.base_url, "kannel://u:p@127.0.0.1:13013")
    with chain.factory() as s:
        before = (s.execute(select(func.count()).select_from(ContactEvent)).scalar(),
                  s.execute(select(func.count()).select_from(Task)).scalar())
    url = f"{chain.base_url}/api/v1/sms/inbound"
    r = httpx.get(url, params={"key": SECRET, "from": "13999999999", "to": "10690000", "text": "TD"})
    assert r.status_code == 202 and r.json()["kind"] == "unknown" and r.json()["customers"] == 0
    r = httpx.get(url, params={"key": SECRET, "from": "not a number", "text": "hello"})
    assert r.status_code == 202
    assert httpx.get(url, params={"key": SECRET, "from": "13999999999", "text": "a\x00b"}).status_code == 400
    assert httpx.get(url, params={"key": SECRET, "from": "1", "text": "x" * 1001}).status_code == 422
    with chain.factory() as s:
        assert s.execute(select(func.count()).select_from(SmsReply)).scalar() == 2
        after = (s.execute(select(func.count()).select_from(ContactEvent)).scalar(),
                 s.execute(select(func.count()).select_from(Task)).scalar())
    assert after == before
