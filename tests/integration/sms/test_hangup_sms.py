"""Point 5 of issue 15: the hang-up SMS from the outcome form goes through the desk's outbox,
is checked (pressure, scope, words) by the server after sync, and is sent once through the
real gateway by the server's own outbox pump."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server_stub.sms.gateway import make_sender
from server_stub.sms.pump import OutboxPump
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Acceptance, SmsMessage
from tests.integration import factories
from tests.integration.sms.conftest import SmsChain
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import Customer as LocalCustomer
from workbench.local_store.models import Outbox, Rejection
from workbench.services.actor import Actor
from workbench.services.outcomes import InputError, OutcomeInput, OutcomeService
from workbench.services.server_api import ServerApi
from workbench.services.sync_engine import SyncEngine


@pytest.fixture
def pumped(kannel_chain: SmsChain, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsChain]:
    monkeypatch.setenv("WORKBENCH_SMS_SECRET", "sms-test-secret")
    monkeypatch.setenv("WORKBENCH_ONLINE_URL", kannel_chain.base_url)
    sender = make_sender(kannel_chain.settings)
    assert sender is not None
    pump = OutboxPump(kannel_chain.factory, sender, interval=0.2).start()
    yield kannel_chain
    pump.stop()


def _desk(chain: SmsChain, tmp_path: Path, username: str) -> tuple[OutcomeService, SyncEngine, object]:
    factory = session_factory(open_local(tmp_path / f"{username}.db"))
    api = ServerApi(httpx.Client(base_url=chain.base_url))
    api.login(username, factories.PASSWORD)
    u = api.user
    assert u is not None
    sync = SyncEngine(factory, api, SyncEngine.client_id_for(factory))
    sync.pull_all()
    return OutcomeService(factory, Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id)), sync, factory


def _messages(chain: SmsChain) -> list[SmsMessage]:
    with chain.factory() as s:
        return list(s.execute(select(SmsMessage).order_by(SmsMessage.created_at)).scalars())


def test_hang_up_sms_waits_offline_then_is_sent_once_after_sync(pumped: SmsChain, tmp_path: Path) -> None:
    chain = pumped
    world = factories.make_world(chain.server.db_url, customers_per_team=2)
    cid = world.customers["T01"][0]
    outcomes, sync, factory = _desk(chain, tmp_path, "agent1")
    recorded = outcomes.record(OutcomeInput(customer_id=cid, wrapup="interested", intent="high", channel="hotline",
                                            policy_id="P-168-504", send_sms=True))
    with factory() as s:  # type: ignore[attr-defined]
        waiting = [o for o in s.execute(select(Outbox)).scalars() if o.entity == "sms"]
    assert len(waiting) == 1 and waiting[0].mutation_id in recorded.mutation_ids
    time.sleep(0.6)  # offline: nothing reached the server or the customer
    assert _messages(chain) == [] and chain.kannel is not None and chain.kannel.received() == []
    sync.push_all()
    with factory() as s:  # type: ignore[attr-defined]
        assert s.execute(select(Rejection)).scalars().all() == []
    got = chain.kannel.wait_received(1)
    assert len(got) == 1 and got[0].to == world.phone_of(cid)
    assert "感谢来电" in got[0].text and f"{chain.base_url}/online/l/" in got[0].text
    msgs = _messages(chain)
    assert [(m.kind, m.user_id, m.policy_id) for m in msgs] == [("hangup", "U-agent1", "P-168-504")]
    deadline = time.monotonic() + 20
    while _messages(chain)[0].status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _messages(chain)[0].status == "delivered"
    # the desks see the SMS in the trail, never the personal link (it would let them in as the customer)
    pulled = ServerApi(httpx.Client(base_url=chain.base_url))
    pulled.login("agent2", factories.PASSWORD)
    changes = pulled.pull(0, limit=5000).changes
    mine = [c for c in changes if c.data.get("id") == msgs[0].id]
    assert {c.entity for c in mine} == {"contact_event", "sms_message"}
    text = repr([c.data for c in changes])
    assert "/online/l/" not in text and "[personal link]" in text and "body" not in repr([c.data for c in mine])
    # the same request again (a replayed push, a second sync) sends nothing more
    api = ServerApi(httpx.Client(base_url=chain.base_url))
    api.login("agent1", factories.PASSWORD)
    replay = api.push(SyncEngine.client_id_for(factory), [  # type: ignore[arg-type]
        {"mutation_id": waiting[0].mutation_id, "entity": "sms", "op": "request", "data": waiting[0].data}])
    assert replay.results[0].status == "duplicate"
    forged = api.push(SyncEngine.client_id_for(factory), [  # type: ignore[arg-type]
        {"mutation_id": "m-new-1", "entity": "sms", "op": "request", "data": waiting[0].data}])
    assert forged.results[0].status == "rejected" and "already requested" in (forged.results[0].reason or "")
    sync.sync_once()
    time.sleep(0.6)
    assert len(chain.kannel.received()) == 1 and len(_messages(chain)) == 1


def test_pressure_is_checked_on_the_desk_and_again_on_the_server(pumped: SmsChain, tmp_path: Path) -> None:
    chain = pumped
    world = factories.make_world(chain.server.db_url, customers_per_team=3)
    a, b, other = world.customers["T01"][0], world.customers["T01"][1], world.customers["T02"][0]
    outcomes, sync, factory = _desk(chain, tmp_path, "agent1")
    # the desk knows the customer opted out: refused at once, nothing written
    with unit_of_work(factory) as s:  # type: ignore[arg-type]
        s.get(LocalCustomer, a).do_not_sms = True  # type: ignore[union-attr]
    with pytest.raises(InputError, match="not to receive SMS"):
        outcomes.record(OutcomeInput(customer_id=a, wrapup="interested", policy_id="P-168-504", send_sms=True))
    with pytest.raises(InputError, match="choose the policy"):
        outcomes.record(OutcomeInput(customer_id=a, wrapup="interested", send_sms=True))
    with factory() as s:  # type: ignore[attr-defined]
        assert s.execute(select(Outbox)).scalars().all() == []
    # the server knows more than the desk: the customer accepted the policy meanwhile
    with unit_of_work(chain.factory) as s:
        s.add(Acceptance(id="A-elsewhere", customer_id=b, policy_id="P-168-504", channel="online", status="accepted"))
    outcomes.record(OutcomeInput(customer_id=b, wrapup="interested", policy_id="P-168-504", send_sms=True))
    sync.push_all()
    with factory() as s:  # type: ignore[attr-defined]
        reasons = [r.reason for r in s.execute(select(Rejection)).scalars()]
    assert any("hang-up SMS not sent" in r and "already accepted" in r for r in reasons)
    # another team's customer: not in this agent's scope
    api = ServerApi(httpx.Client(base_url=chain.base_url))
    api.login("agent1", factories.PASSWORD)
    out = api.push("c-forger-0001", [{"mutation_id": "m-x", "entity": "sms", "op": "request",  # type: ignore[arg-type]
                                      "data": {"id": "sms-x", "customer_id": other, "policy_id": "P-168-504"}}])
    assert out.results[0].status == "rejected" and "not found in your scope" in (out.results[0].reason or "")
    for bad in ({"id": "sms-y", "customer_id": b}, {"id": "sms-z", "customer_id": b, "policy_id": "P-NONE"},
                {"id": "", "customer_id": b, "policy_id": "P-168-504"}):
        r = api.push("c-forger-0001", [{"mutation_id": f"m-{bad['id']}", "entity": "sms", "op": "request",  # type: ignore[arg-type]
                                        "data": bad}])
        assert r.results[0].status == "rejected"
    time.sleep(0.6)
    assert _messages(chain) == [] and chain.kannel is not None and chain.kannel.received() == []
