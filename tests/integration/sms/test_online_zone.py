"""Points 6 and 9 of issue 15: the online zone at /online/ — personal links, one-time SMS
codes through the real gateway, only the customer's eligible online offers, and orders that
become one acceptance (channel online) suppressing the open tasks; every bad input gets a
friendly page and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select, update

from server_stub.online.links import make_link
from server_stub.sms.gateway import make_sender
from server_stub.sms.pump import OutboxPump
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import (
    Acceptance,
    ChangeLog,
    OnlineCode,
    OnlineVisit,
    Policy,
    SmsMessage,
    Task,
)
from tests.integration import factories
from tests.integration.sms.conftest import SmsChain

SECRET = "online-test-secret"


@pytest.fixture
def zone(no_gateway_chain: SmsChain, monkeypatch: pytest.MonkeyPatch) -> SmsChain:
    monkeypatch.setenv("WORKBENCH_ONLINE_SECRET", SECRET)
    return no_gateway_chain


def _world(chain: SmsChain) -> factories.World:
    world = factories.make_world(chain.server.db_url, customers_per_team=2)
    with unit_of_work(chain.factory) as s:
        factories.add(s, "policy", Policy(id="P-ONLINE", code="P-ONLINE", name="老用户流量包", pitch="每月多送10GB",
                                          description="连续12个月，每月加送10GB国内流量", rule="plan_fee >= 50",
                                          channels=["online", "sms", "outbound"], value=120.0, quota_total=5))
        factories.add(s, "policy", Policy(id="P-FULL", code="P-FULL", name="已满的优惠", rule="true",
                                          channels=["online"], quota_total=1, quota_used=1))
        cid = world.customers["T01"][0]
        factories.add(s, "task", Task(id="K-online", customer_id=cid, policy_id="P-ONLINE", channel="outbound",
                                      assignee_id="U-agent1", team_id="T01", store_id="S001", status="open"))
    return world


def _client(chain: SmsChain) -> httpx.Client:
    return httpx.Client(base_url=chain.base_url, follow_redirects=True)


def _form_value(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no {name} in the page"
    return m.group(1)


def _acceptances(chain: SmsChain) -> list[Acceptance]:
    with chain.factory() as s:
        return list(s.execute(select(Acceptance)).scalars())


def test_link_offers_confirm_order_once(zone: SmsChain) -> None:
    chain = zone
    world = _world(chain)
    cid = world.customers["T01"][0]
    link = make_link(SECRET, chain.base_url, cid)
    with _client(chain) as web:
        page = web.get(link)
        assert page.status_code == 200 and page.url.path == "/online/offers"
        assert "老用户流量包" in page.text and "每月多送10GB" in page.text and "连续12个月" in page.text
        assert "P-168-504" not in page.text and "已满的优惠" not in page.text  # not online / sold out
        assert 'name="viewport"' in page.text and "<script" not in page.text
        confirm = web.get("/online/offers/P-ONLINE/confirm")
        assert confirm.status_code == 200 and "确认办理" in confirm.text
        token, csrf = _form_value(confirm.text, "token"), _form_value(confirm.text, "csrf")
        # CSRF: a forged form (no or another token) is refused and changes nothing
        assert web.post("/online/orders", data={"token": token, "csrf": "forged"}).status_code == 403
        assert web.post("/online/orders", data={"token": token}).status_code == 403
        assert _acceptances(chain) == []
        done = web.post("/online/orders", data={"token": token, "csrf": csrf})
        assert done.status_code == 200 and done.url.path == f"/online/done/{token}" and "您已成功办理“老用户流量包”" in done.text
        # a double click, a reload, a replay: the same order, nothing new
        again = web.post("/online/orders", data={"token": token, "csrf": csrf})
        assert again.status_code == 200 and "无需重复办理" in again.text
        assert web.get(f"/online/done/{token}").status_code == 200
        # the offer is gone for this customer
        assert "老用户流量包" not in web.get("/online/offers").text
        assert web.get("/online/offers/P-ONLINE/confirm").status_code == 409
    accs = _acceptances(chain)
    assert [(a.customer_id, a.policy_id, a.channel) for a in accs] == [(cid, "P-ONLINE", "online")]
    with chain.factory() as s:
        assert s.get(Task, "K-online").status == "suppressed"  # type: ignore[union-attr]
        assert s.get(Policy, "P-ONLINE").quota_used == 1  # type: ignore[union-attr]
        logged = {(c.entity, c.team_id) for c in s.execute(select(ChangeLog).where(
            ChangeLog.entity.in_(("acceptance", "task")), ChangeLog.entity_id.in_((accs[0].id, "K-online")))).scalars()}
        assert logged == {("acceptance", "T01"), ("task", "T01")}
        assert [m.kind for m in s.execute(select(SmsMessage)).scalars()] == ["confirm"]
        assert s.execute(select(OnlineVisit.via).where(OnlineVisit.customer_id == cid)).scalars().all() == ["link"]


def test_parallel_orders_of_one_offer_make_one_acceptance(zone: SmsChain) -> None:
    chain = zone
    world = _world(chain)
    cid = world.customers["T01"][1]
    with _client(chain) as web:
        web.get(make_link(SECRET, chain.base_url, cid))
        forms = []
        for _ in range(4):  # four tabs open on the confirmation page
            page = web.get("/online/offers/P-ONLINE/confirm")
            forms.append({"token": _form_value(page.text, "token"), "csrf": _form_value(page.text, "csrf")})
        results: list[int] = []
        start = threading.Barrier(4)

        def submit(form: dict[str, str]) -> None:
            start.wait()
            results.append(web.post("/online/orders", data=form).status_code)

        threads = [threading.Thread(target=submit, args=(f,)) for f in forms]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
    assert sorted(results) == [200, 200, 200, 200]
    assert len(_acceptances(chain)) == 1


def test_bad_links_get_friendly_pages_and_change_nothing(zone: SmsChain) -> None:
    chain = zone
    world = _world(chain)
    cid = world.customers["T01"][0]
    good = make_link(SECRET, chain.base_url, cid)
    token = good.rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    old = TimestampSigner(SECRET, salt="workbench-online-link")
    old.get_timestamp = lambda: int(time.time()) - 15 * 86400  # type: ignore[method-assign]
    expired = old.sign(cid).decode()
    someone_else = TimestampSigner("another-server", salt="workbench-online-link").sign(cid).decode()
    nobody = make_link(SECRET, chain.base_url, "C-NOBODY").rsplit("/", 1)[1]
    with _client(chain) as web:
        for bad, status, words in ((forged, 400, "链接无效"), (someone_else, 400, "链接无效"),
                                   (expired, 410, "链接已过期"), (nobody, 400, "链接无效"), ("x" * 400, 400, "链接无效"),
                                   (cid, 400, "链接无效")):
            r = web.get(f"/online/l/{bad}")
            assert r.status_code == status and words in r.text, (bad, r.status_code)
            assert "wb_online" not in web.cookies
        assert web.get("/online/offers").status_code == 401
        assert web.post("/online/orders", data={"token": "x", "csrf": "y"}).status_code == 401
        en = web.get(f"/online/l/{forged}?lang=en")
        assert en.status_code == 400 and "This link is not valid" in en.text
    with chain.factory() as s:
        assert s.execute(select(func.count()).select_from(OnlineVisit)).scalar() == 0
    assert _acceptances(chain) == []


def test_not_set_up_without_a_secret(no_gateway_chain: SmsChain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_ONLINE_SECRET", raising=False)
    monkeypatch.delenv("WORKBENCH_SMS_SECRET", raising=False)
    r = httpx.get(f"{no_gateway_chain.base_url}/online/")
    assert r.status_code == 404 and "在线专区暂未开放" in r.text


@pytest.fixture
def zone_with_gateway(kannel_chain: SmsChain, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsChain]:
    monkeypatch.setenv("WORKBENCH_ONLINE_SECRET", SECRET)
    sender = make_sender(kannel_chain.settings)
    assert sender is not None
    pump = OutboxPump(kannel_chain.factory, sender, interval=0.2).start()
    kannel_chain.server.app.state.sms_pump = pump
    yield kannel_chain
    pump.stop()


def test_code_login_through_the_gateway(zone_with_gateway: SmsChain) -> None:
    chain = zone_with_gateway
    world = _world(chain)
    cid = world.customers["T01"][0]
    phone = world.phone_of(cid)
    assert chain.kannel is not None
    with _client(chain) as web:
        login = web.get("/online/")
        csrf = _form_value(login.text, "csrf")
        assert web.post("/online/code/send", data={"phone": phone, "csrf": "nope"}).status_code == 403
        assert web.post("/online/code/send", data={"phone": "hello", "csrf": csrf}).status_code == 400
        sent = web.post("/online/code/send", data={"phone": phone, "csrf": csrf})
        assert sent.status_code == 200 and phone[-4:] in sent.text and phone not in sent.text.replace(
            f'value="{phone}"', "")
        got = chain.kannel.wait_received(1)
        assert len(got) == 1 and got[0].to == phone
        code = re.search(r"验证码是(\d{6})", got[0].text).group(1)  # type: ignore[union-attr]
        # asking again at once is throttled
        again = web.post("/online/code/send", data={"phone": phone, "csrf": csrf})
        assert again.status_code == 429 and again.headers["Retry-After"]
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        assert web.post("/online/code/verify", data={"phone": phone, "code": wrong, "csrf": csrf}).status_code == 400
        ok = web.post("/online/code/verify", data={"phone": phone, "code": code, "csrf": csrf})
        assert ok.status_code == 200 and ok.url.path == "/online/offers" and "老用户流量包" in ok.text
    with _client(chain) as other:  # the code is used up: a replay fails
        csrf = _form_value(other.get("/online/").text, "csrf")
        r = other.post("/online/code/verify", data={"phone": phone, "code": code, "csrf": csrf})
        assert r.status_code == 400 and "验证码不正确或已过期" in r.text
        # an unknown number gets the same answer and no SMS
        unknown = other.post("/online/code/send", data={"phone": "13912345678", "csrf": csrf})
        assert unknown.status_code == 200
    time.sleep(0.6)
    assert len(chain.kannel.received()) == 1
    with chain.factory() as s:
        assert s.execute(select(OnlineVisit.via)).scalars().all() == ["code"]
        # the code never reaches a desk: no contact event, nothing of its text in the change log
        logged = s.execute(select(ChangeLog.data)).scalars().all()
        assert code not in repr(logged)


def test_code_attempts_and_expiry(zone_with_gateway: SmsChain) -> None:
    chain = zone_with_gateway
    world = _world(chain)
    phone = world.phone_of(world.customers["T01"][1])
    assert chain.kannel is not None
    with _client(chain) as web:
        csrf = _form_value(web.get("/online/").text, "csrf")
        assert web.post("/online/code/send", data={"phone": phone, "csrf": csrf}).status_code == 200
        code = re.search(r"验证码是(\d{6})", chain.kannel.wait_received(1)[0].text).group(1)  # type: ignore[union-attr]
        wrong = f"{(int(code) + 7) % 1_000_000:06d}"
        for _ in range(5):
            assert web.post("/online/code/verify", data={"phone": phone, "code": wrong, "csrf": csrf}).status_code == 400
        # five wrong tries: even the right code no longer works
        assert web.post("/online/code/verify", data={"phone": phone, "code": code, "csrf": csrf}).status_code == 400
        with unit_of_work(chain.factory) as s:
            s.execute(update(OnlineCode).values(attempts=0, expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        assert web.post("/online/code/verify", data={"phone": phone, "code": code, "csrf": csrf}).status_code == 400
        assert "wb_online" not in web.cookies
