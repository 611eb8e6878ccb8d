"""Point 1 of issue 15: a real SMS gateway (Kannel + fakesmsc), delivery reports, the
gateway-only callbacks, and the outbox that keeps messages while there is no gateway."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from server_stub.sms import outbox
from server_stub.sms.gateway import (
    GatewayConfigError,
    SmsSettings,
    make_sender,
)
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import ContactEvent, Customer, SmsMessage
from tests.integration import factories
from tests.integration.sms.conftest import SECRET, SmsChain, settings_for

TEXT = "【客户服务】张三您好，168元预存送504元话费，回TD退订"


def _queue(chain: SmsChain, customer_id: str, text: str = TEXT, kind: str = "campaign") -> str:
    with unit_of_work(chain.factory) as s:
        cust = s.get(Customer, customer_id)
        assert cust is not None
        return outbox.queue_message(s, cust, text, kind=kind, cost_per_segment=0.05).id


def _message(chain: SmsChain, mid: str) -> SmsMessage:
    with chain.factory() as s:
        msg = s.get(SmsMessage, mid)
        assert msg is not None
        return msg


def _wait_status(chain: SmsChain, mid: str, statuses: set[str], timeout: float = 20) -> SmsMessage:
    deadline = time.monotonic() + timeout
    while True:
        msg = _message(chain, mid)
        if msg.status in statuses or time.monotonic() > deadline:
            return msg
        time.sleep(0.1)


def test_kannel_delivers_chinese_text_and_reports_back(kannel_chain: SmsChain) -> None:
    world = factories.make_world(kannel_chain.server.db_url, customers_per_team=2, with_tasks=False)
    cid = world.customers["T01"][0]
    mid = _queue(kannel_chain, cid)
    sender = make_sender(kannel_chain.settings)
    assert sender is not None
    report = outbox.deliver(kannel_chain.factory, sender)
    sender.close()
    assert report.sent == 1
    assert kannel_chain.kannel is not None
    got = kannel_chain.kannel.wait_received(1)
    assert [(m.to, m.text) for m in got] == [(world.phone_of(cid), TEXT)]
    msg = _wait_status(kannel_chain, mid, {"delivered"})
    assert msg.status == "delivered" and msg.gateway_code == "1"
    assert msg.segments == 1 and msg.cost == pytest.approx(0.05)
    with kannel_chain.factory() as s:
        event = s.get(ContactEvent, mid)
        assert event is not None and event.channel == "sms" and event.cost == pytest.approx(0.05)


def test_long_text_is_counted_and_charged_per_segment(kannel_chain: SmsChain) -> None:
    world = factories.make_world(kannel_chain.server.db_url, customers_per_team=1, with_tasks=False)
    text = "【客户服务】" + "优惠" * 40  # 86 UCS-2 characters: two parts of 67
    mid = _queue(kannel_chain, world.customers["T01"][0], text)
    sender = make_sender(kannel_chain.settings)
    assert sender is not None
    outbox.deliver(kannel_chain.factory, sender)
    sender.close()
    msg = _wait_status(kannel_chain, mid, {"delivered", "failed"})
    assert msg.segments == 2 and msg.cost == pytest.approx(0.10)
    assert msg.status == "delivered"


def test_without_gateway_messages_wait_then_go_out_none_lost(kannel_chain: SmsChain, tmp_path) -> None:
    world = factories.make_world(kannel_chain.server.db_url, customers_per_team=3, with_tasks=False)
    ids = [_queue(kannel_chain, cid) for cid in world.customers["T01"]]
    none = SmsSettings(url=None, secret=SECRET)
    assert make_sender(none) is None
    with kannel_chain.factory() as s:
        assert outbox.outbox_counts(s) == {"queued": 3}
    # the admin sees why nothing leaves
    admin = httpx.post(f"{kannel_chain.base_url}/api/v1/auth/login",
                       json={"username": "admin", "password": factories.PASSWORD}).json()["access_token"]
    kannel_chain.server.app.state.sms_settings = none
    status = httpx.get(f"{kannel_chain.base_url}/api/v1/sms/status", headers={"Authorization": f"Bearer {admin}"})
    assert status.status_code == 200
    assert status.json()["configured"] is False and "no SMS gateway configured" in status.json()["message"]
    assert status.json()["outbox"] == {"queued": 3}
    kannel_chain.server.app.state.sms_settings = kannel_chain.settings
    sender = make_sender(kannel_chain.settings)
    assert sender is not None
    assert outbox.deliver(kannel_chain.factory, sender).sent == 3
    sender.close()
    assert kannel_chain.kannel is not None
    assert len(kannel_chain.kannel.wait_received(3)) == 3
    assert {_wait_status(kannel_chain, mid, {"delivered"}).status for mid in ids} == {"delivered"}


def test_gateway_refusal_and_unreachable_gateway(kannel_chain: SmsChain) -> None:
    world = factories.make_world(kannel_chain.server.db_url, customers_per_team=2, with_tasks=False)
    a, b = world.customers["T01"]
    wrong = settings_for(kannel_chain.base_url, kannel_chain.settings.url.replace("wb-pass", "nope"))  # type: ignore[union-attr]
    mid = _queue(kannel_chain, a)
    sender = make_sender(wrong)
    assert sender is not None
    report = outbox.deliver(kannel_chain.factory, sender)
    sender.close()
    assert report.rejected == 1
    msg = _message(kannel_chain, mid)
    assert msg.status == "failed" and msg.gateway_code == "403" and "Authorization" in msg.gateway_answer
    # a gateway that does not answer: the message stays queued, nothing is lost
    dead = settings_for(kannel_chain.base_url, "kannel://wb:wb-pass@127.0.0.1:9?rate=100")
    mid2 = _queue(kannel_chain, b)
    sender = make_sender(dead)
    assert sender is not None
    report = outbox.deliver(kannel_chain.factory, sender)
    sender.close()
    assert report.retry == 1 and report.stopped_reason
    assert _message(kannel_chain, mid2).status == "queued"
    assert kannel_chain.kannel is not None and kannel_chain.kannel.received() == []


def _dlr(chain: SmsChain, mid: str, status: int, sig: str | None = None) -> httpx.Response:
    return httpx.get(f"{chain.base_url}/api/v1/sms/dlr",
                     params={"id": mid, "sig": sig or chain.settings.sign(mid), "status": status, "answer": "x"})


def test_delivery_reports_only_from_the_gateway_and_in_any_order(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    world = factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    mid = _queue(chain, world.customers["T01"][0])
    # no gateway configured: callbacks are refused outright
    refused = _dlr(chain, mid, 1)
    assert refused.status_code == 403 and "no SMS gateway configured" in refused.json()["detail"]
    chain.server.app.state.sms_settings = settings_for(chain.base_url, "kannel://u:p@127.0.0.1:13013")
    chain.settings = chain.server.app.state.sms_settings
    assert _dlr(chain, mid, 1, sig="0" * 32).status_code == 403
    assert _dlr(chain, mid, 1, sig=SmsSettings(secret="other").sign(mid)).status_code == 403
    assert _dlr(chain, "f" * 32, 1).status_code == 404  # a well-signed report for no message
    assert _dlr(chain, mid, -1).status_code == 422
    assert _message(chain, mid).status == "queued"
    # from an address outside the allow-list: refused even with the right signature
    chain.server.app.state.sms_settings = settings_for(chain.base_url, "kannel://u:p@10.9.9.9:13013",
                                                       allow=("10.9.9.9",))
    assert _dlr(chain, mid, 1).status_code == 403
    assert _message(chain, mid).status == "queued"
    chain.server.app.state.sms_settings = chain.settings
    # delivered first, then a late "accepted by the SMSC": delivered stays
    assert _dlr(chain, mid, 1).json()["status"] == "delivered"
    assert _dlr(chain, mid, 8).json()["status"] == "delivered"
    assert _dlr(chain, mid, 16).json()["status"] == "delivered"
    assert _message(chain, mid).gateway_code == "1"
    mid2 = _queue(chain, world.customers["T01"][0])
    assert _dlr(chain, mid2, 8).json()["status"] == "sent"
    assert _dlr(chain, mid2, 16).json()["status"] == "failed"
    assert _dlr(chain, mid2, 1).json()["status"] == "failed"
    assert _message(chain, mid2).gateway_code == "16"


def test_inbound_callback_needs_the_key_and_the_address(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    world = factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    phone = world.phone_of(world.customers["T01"][0])
    url = f"{chain.base_url}/api/v1/sms/inbound"
    assert httpx.get(url, params={"key": SECRET, "from": phone, "text": "TD"}).status_code == 403
    chain.server.app.state.sms_settings = settings_for(chain.base_url, "kannel://u:p@127.0.0.1:13013")
    assert httpx.get(url, params={"key": "wrong", "from": phone, "text": "TD"}).status_code == 403
    chain.server.app.state.sms_settings = settings_for(chain.base_url, "kannel://u:p@127.0.0.1:13013",
                                                       allow=("192.0.2.0/24",))
    assert httpx.get(url, params={"key": SECRET, "from": phone, "text": "TD"}).status_code == 403
    with chain.factory() as s:
        assert s.execute(select(Customer.do_not_sms).where(Customer.phone == phone)).scalar() is False


def test_sms_url_is_checked() -> None:
    with pytest.raises(GatewayConfigError, match="WORKBENCH_SMS_SECRET"):
        SmsSettings.from_env({"WORKBENCH_SMS_URL": "kannel://u:p@127.0.0.1:13013"})
    with pytest.raises(GatewayConfigError, match="unknown SMS gateway scheme"):
        make_sender(SmsSettings(url="smpp://x:y@h:1", secret="s"))
    with pytest.raises(GatewayConfigError, match="user and password"):
        make_sender(SmsSettings(url="kannel://127.0.0.1:13013", secret="s"))
    with pytest.raises(GatewayConfigError, match="rate"):
        make_sender(SmsSettings(url="kannel://u:p@127.0.0.1:13013?rate=nan", secret="s"))
    local = SmsSettings.from_env({"WORKBENCH_SMS_URL": "kannel://u:p@localhost:13013", "WORKBENCH_SMS_SECRET": "s"})
    assert local.address_allowed("127.0.0.1") and not local.address_allowed("10.0.0.1")
    with pytest.raises(GatewayConfigError, match="WORKBENCH_SMS_ALLOW"):
        SmsSettings.from_env({"WORKBENCH_SMS_URL": "kannel://u:p@no-such-host.invalid:13013",
                              "WORKBENCH_SMS_SECRET": "s"})
    with pytest.raises(GatewayConfigError, match="not an address"):
        SmsSettings.from_env({"WORKBENCH_SMS_URL": "kannel://u:p@127.0.0.1:13013", "WORKBENCH_SMS_SECRET": "s",
                              "WORKBENCH_SMS_ALLOW": "10.0.0.1,kannel"})
    settings = SmsSettings.from_env({"WORKBENCH_SMS_URL": "kannel://u:p%40x@127.0.0.1:13013?from=1069&rate=5",
                                     "WORKBENCH_SMS_SECRET": "s"})
    assert settings.allow == ("127.0.0.1",)
    sender = make_sender(settings)
    assert sender is not None and sender.password == "p@x" and sender.rate == 5  # type: ignore[attr-defined]
    sender.close()
