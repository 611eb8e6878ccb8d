"""The SMS funnel report (issue 15 point 8, server side): sent -> delivered -> link opened ->
ordered online, cost per order, per team for a lead."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import update

from server_stub.sms import outbox
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Acceptance, Customer, OnlineVisit, SmsMessage
from tests.integration import factories
from tests.integration.sms.conftest import SmsChain


def _get(chain: SmsChain, username: str) -> httpx.Response:
    token = httpx.post(f"{chain.base_url}/api/v1/auth/login",
                       json={"username": username, "password": factories.PASSWORD}).json()["access_token"]
    return httpx.get(f"{chain.base_url}/api/v1/reports/sms-funnel", params={"days": 7},
                     headers={"Authorization": f"Bearer {token}"})


def test_funnel_counts_and_scopes(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    world = factories.make_world(chain.server.db_url, customers_per_team=3, with_tasks=False)
    a, b, c = world.customers["T01"]
    z = world.customers["T02"][0]
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(chain.factory) as s:
        ids = {}
        for cid in (a, b, c, z):
            cust = s.get(Customer, cid)
            assert cust is not None
            ids[cid] = outbox.queue_message(s, cust, "【客户服务】优惠", cost_per_segment=0.05,
                                            now=now - dt.timedelta(hours=1)).id
        outbox.queue_message(s, s.get(Customer, a), "【客户服务】验证码 1", kind="code")  # type: ignore[arg-type]
        for cid, status in ((a, "delivered"), (b, "failed"), (z, "delivered")):
            s.execute(update(SmsMessage).where(SmsMessage.id == ids[cid]).values(status=status))
        s.add_all([OnlineVisit(id="v1", customer_id=a, via="link", at=now - dt.timedelta(minutes=30)),
                   OnlineVisit(id="v2", customer_id=c, via="link", at=now - dt.timedelta(hours=3)),  # before the SMS
                   Acceptance(id="A1", customer_id=a, policy_id="P-168-504", channel="online", status="accepted",
                              accepted_at=now - dt.timedelta(minutes=20)),
                   Acceptance(id="A2", customer_id=b, policy_id="P-168-504", channel="store", status="accepted")])
    admin = _get(chain, "admin")
    assert admin.status_code == 200
    assert admin.json() == {"messages": 4, "sent": 3, "delivered": 2, "failed": 1, "waiting": 1,
                            "customers_reached": 4, "links_opened": 1, "ordered": 1, "cost": 0.2,
                            "cost_per_order": 0.2}
    lead = _get(chain, "lead1").json()
    assert lead["messages"] == 3 and lead["delivered"] == 1 and lead["ordered"] == 1 and lead["cost"] == 0.15
    assert _get(chain, "agent1").status_code == 403
