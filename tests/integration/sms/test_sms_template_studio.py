"""Issue 15 point 2 end to end: the policy studio's SMS template editor (real widgets
offscreen) over an admin's real local store, publishing to a live server on loopback, which
checks again, applies, audits; the hang-up SMS then uses the published template.
Refusals by the server change nothing and leave the draft on the desk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from server_stub.storage.models import AuditEntry, SmsMessage, SmsTemplate
from tests.integration import factories
from tests.integration.sms.conftest import SmsChain
from workbench.i18n import install_language
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import SmsTemplateDraft
from workbench.services.actor import Actor
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.server_api import ServerApi
from workbench.services.sms_templates import SmsTemplateService
from workbench.services.sync_engine import SyncEngine
from workbench.ui.sms_templates import SmsTemplatesPage
from workbench.views.sms_templates_vm import SmsTemplatesViewModel
from workbench.views.task_runner import TaskRunner

WAIT = 30_000
GOOD = "【客户服务】{name}您好，老用户专享：{policy}，{pitch} 点{link}办理"


def _login(chain: SmsChain, username: str) -> ServerApi:
    api = ServerApi(httpx.Client(base_url=chain.base_url))
    api.login(username, factories.PASSWORD)
    return api


def _desk(chain: SmsChain, tmp_path: Path, username: str) -> tuple[ServerApi, Any, SyncEngine]:
    factory = session_factory(open_local(tmp_path / f"{username}.db"))
    api = _login(chain, username)
    sync = SyncEngine(factory, api, SyncEngine.client_id_for(factory))
    sync.pull_all()
    return api, factory, sync


@pytest.fixture
def page(qtbot: Any, qapp: Any, no_gateway_chain: SmsChain, tmp_path: Path) -> Iterator[tuple[SmsTemplatesPage, Any]]:
    assert install_language(qapp, "en")
    factories.make_world(no_gateway_chain.server.db_url, customers_per_team=2, with_tasks=False)
    api, factory, _sync = _desk(no_gateway_chain, tmp_path, "admin")
    runner = TaskRunner()
    vm = SmsTemplatesViewModel(SmsTemplateService(factory, lambda: api), runner)
    widget = SmsTemplatesPage(vm)
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(vm.book_changed, raising=True, timeout=WAIT):
        vm.reload()
    yield widget, factory
    runner.wait_for_done()


def _templates(chain: SmsChain) -> dict[str, tuple[int, str]]:
    with chain.factory() as s:
        return {t.id: (t.version, t.body) for t in s.execute(select(SmsTemplate)).scalars()}


def _audits(chain: SmsChain) -> list[tuple[str, int | None]]:
    with chain.factory() as s:
        return [(e.user_id, e.rows) for e in s.execute(
            select(AuditEntry).where(AuditEntry.action == "admin:publish_sms_templates")).scalars()]


def test_publish_from_the_studio_and_the_hang_up_sms_uses_it(
        qtbot: Any, page: Any, no_gateway_chain: SmsChain, tmp_path: Path) -> None:
    chain = no_gateway_chain
    w, factory = page
    assert w.vm.book.words_from_server and "发票" in w.vm.book.words
    assert "P-168-504" in [pid for pid, _ in w.vm.book.policies]
    w.id_edit.setText("TPL-HUP")
    w.purpose_combo.setCurrentIndex(w.purpose_combo.findData("hangup"))
    w.policy_combo.setCurrentIndex(w.policy_combo.findData("P-168-504"))
    w.body_edit.setPlainText("【客户服务】{name}您好，{nmae}")
    assert "Unknown placeholder {nmae}" in w.issues_label.text()
    w.body_edit.setPlainText("【客户服务】{name}您好，开发票")
    assert w.issues_label.text() == f"Sensitive word “发票” at position {w.body_edit.toPlainText().index('发票')}"
    assert not w.publish_button.isEnabled()
    w.body_edit.setPlainText(GOOD)
    assert w.issues_label.text() == "Template OK" and w.segments_label.text().startswith("2 segments")
    w.body_edit.setFocus()
    with qtbot.waitSignal(w.vm.published, raising=True, timeout=WAIT):
        qtbot.keyClick(w.body_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Published TPL-HUP" in w.message.text()
    assert _templates(chain) == {"TPL-HUP": (1, GOOD)}
    assert _audits(chain) == [("U-admin", 1)]
    qtbot.waitUntil(lambda: w.list_model.rowCount() == 1 and w.status_label.text() == "published, version 1",
                    timeout=WAIT)
    with factory() as s:  # published: no draft left on the desk
        assert s.execute(select(SmsTemplateDraft)).scalars().all() == []

    # the hang-up SMS of that policy now says what the studio published
    agent_api, agent_factory, agent_sync = _desk(chain, tmp_path, "agent1")
    u = agent_api.user
    assert u is not None
    outcomes = OutcomeService(agent_factory, Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id))
    world_customer = agent_api.pull(0, limit=5000).changes
    cid = next(c.data["id"] for c in world_customer if c.entity == "customer")
    outcomes.record(OutcomeInput(customer_id=cid, wrapup="interested", intent="high", channel="hotline",
                                 policy_id="P-168-504", send_sms=True))
    agent_sync.push_all()
    with chain.factory() as s:
        msg = s.execute(select(SmsMessage)).scalar_one()
    assert (msg.kind, msg.template_id, msg.status) == ("hangup", "TPL-HUP", "queued")  # no gateway: it waits
    assert "老用户专享：" in msg.body and msg.body.startswith("【客户服务】") and "{" not in msg.body


def test_the_server_checks_again_and_a_refusal_changes_nothing(
        qtbot: Any, page: Any, no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    w, factory = page
    w.id_edit.setText("TPL-CAMP")
    w.body_edit.setPlainText(GOOD)
    with qtbot.waitSignal(w.vm.published, raising=True, timeout=WAIT):
        w.publish_button.click()
    # another admin adds a word the desk has not heard of yet
    admin = _login(chain, "admin")
    admin._request("PUT", "/api/v1/admin/sms/words", json={"words": [*admin.sms_words(), "秒杀"]})
    w.body_edit.setPlainText(GOOD + " 限时秒杀")
    assert w.issues_label.text() == "Template OK"  # the desk's list is older
    with qtbot.waitSignal(w.vm.error, raising=True, timeout=WAIT) as err:
        w.publish_button.click()
    position = (GOOD + " 限时秒杀").index("秒杀")
    assert "refused to publish; nothing was changed" in err.args[0]
    assert "TPL-CAMP" in err.args[0] and f"sensitive word “秒杀” at position {position}" in err.args[0]
    assert _templates(chain) == {"TPL-CAMP": (1, GOOD)} and len(_audits(chain)) == 1
    with factory() as s:  # the draft waits on the desk for the fix
        assert s.execute(select(SmsTemplateDraft.body)).scalar_one() == GOOD + " 限时秒杀"
    # after a reload the desk knows the word too, and says so as you type
    with qtbot.waitSignal(w.vm.book_changed, raising=True, timeout=WAIT):
        qtbot.keyClick(w.body_edit, Qt.Key.Key_F5)
    assert w.issues_label.text() == f"Sensitive word “秒杀” at position {position}"
    assert w.list_model.data(w.list_model.index(0, 4)) == "draft over published, version 1"


def test_refusals_of_the_publish_endpoint(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    url = f"{chain.base_url}/api/v1/admin/sms/templates/publish"
    good = f"sms_templates:\n  - id: TPL-1\n    body: \"{GOOD}\"\n"

    def post(body: Any, username: str | None = "admin", token: str | None = None) -> httpx.Response:
        headers = {}
        if username:
            headers["Authorization"] = f"Bearer {_login(chain, username)._access}"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.post(url, json=body, headers=headers)

    assert post({"yaml": good}, None).status_code == 401
    assert post({"yaml": good}, None, token="forged.token.value").status_code == 401
    for who in ("agent1", "lead1"):
        assert post({"yaml": good}, who).status_code == 403
    refused = {
        "forged version": good + "    version: 99\n",
        "forged status": good + "    status: published\n",
        "forged policy": good + "    policy_id: P-NOPE\n",
        "unknown purpose": good + "    purpose: spam\n",
        "blank id": good.replace("id: TPL-1", "id: ' TPL-1'"),
        "huge body": f"sms_templates:\n  - id: TPL-1\n    body: \"【客户服务】{'好' * 1001}\"\n",
        "too many": "sms_templates:\n" + "".join(f"  - id: T{i}\n    body: \"{GOOD}\"\n" for i in range(1001)),
        "sensitive word": good.replace("老用户专享", "免费领取"),
    }
    for why, text in refused.items():
        r = post({"yaml": text})
        assert r.status_code == 422, (why, r.text)
    r = post({"yaml": refused["sensitive word"]})
    assert [(i["code"], i["position"]) for i in r.json()["issues"]] == [("sensitive_word", GOOD.index("老用户专享"))]
    assert "免费领取" in r.json()["detail"]
    for body in ({"yaml": "x" * 1_000_001}, {"yaml": ""}, {"yaml": good + "\x00"}, {"yaml": good, "by": "U-lead1"},
                 {"yaml": 5}):
        assert post(body).status_code == 422, body
    assert _templates(chain) == {} and _audits(chain) == []
    with chain.factory() as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.action == "admin:publish_sms_templates")).scalar_one() == 0
    assert post({"yaml": good}).status_code == 200
    assert _templates(chain) == {"TPL-1": (1, GOOD)} and _audits(chain) == [("U-admin", 1)]
