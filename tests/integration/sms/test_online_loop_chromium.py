"""The loop closes (issue 15 point 7, without the phone call): the agent's hang-up SMS goes
through the desk's outbox and the real Kannel to fakesmsc; the test takes the link from what
fakesmsc received, opens it in headless Chromium at a phone's size, orders, and the agent's
pop and another desk's task list change after sync. Real parts only.

The second test is the whole of point 7: a sipp call to baresip pops the customer on a real
desktop window first, and the hang-up SMS is sent from that window's outcome form (Alt+M); the
desks are real windows whose own sync controllers long-poll, so the pop and the other list
change by themselves."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from server_stub.sms.gateway import make_sender
from server_stub.sms.pump import OutboxPump
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Acceptance, Policy, Task
from tests.baresip_rig import requires_baresip, running_baresip, sipp_call
from tests.integration import factories
from tests.integration.sms.conftest import SmsChain
from workbench.i18n import install_language
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import Task as LocalTask
from workbench.services.actor import Actor
from workbench.services.call_events import Source
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.services.server_api import ServerApi
from workbench.services.sync_engine import SyncEngine
from workbench.ui.main_window import MainWindow
from workbench.views.sync_controller import SyncController
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel

#: where to keep the phone-sized screenshots (the README's); default: the test's temp folder
SHOTS = os.environ.get("WORKBENCH_ONLINE_SHOTS")


def _browser() -> object:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("Chromium not installed: apt-get install chromium chromium-driver (make system-packages)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium not installed (the test extra)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=390,844",
                "--lang=zh-CN"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def _find(browser: object, element_id: str, timeout: float = 30.0) -> object:
    """The element once the page that has it has loaded: a click that submits a form returns
    before the next page is there, and on a loaded machine that next page can take a while."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    try:
        return WebDriverWait(browser, timeout).until(  # type: ignore[arg-type]
            expected_conditions.presence_of_element_located((By.ID, element_id)))
    except TimeoutException:
        page = getattr(browser, "page_source", "")
        raise AssertionError(f"no #{element_id} after {timeout:.0f} s on {getattr(browser, 'current_url', '?')}:\n"
                             f"{page[:2000]}") from None


@pytest.fixture
def loop(kannel_chain: SmsChain, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsChain]:
    monkeypatch.setenv("WORKBENCH_ONLINE_SECRET", "loop-secret")
    monkeypatch.setenv("WORKBENCH_ONLINE_URL", kannel_chain.base_url)
    sender = make_sender(kannel_chain.settings)
    assert sender is not None
    pump = OutboxPump(kannel_chain.factory, sender, interval=0.2).start()
    kannel_chain.server.app.state.sms_pump = pump
    yield kannel_chain
    pump.stop()


def _desk(chain: SmsChain, tmp_path: Path, username: str) -> tuple[object, SyncEngine, Actor]:
    factory = session_factory(open_local(tmp_path / f"{username}.db"))
    api = ServerApi(httpx.Client(base_url=chain.base_url))
    api.login(username, factories.PASSWORD)
    u = api.user
    assert u is not None
    sync = SyncEngine(factory, api, SyncEngine.client_id_for(factory))
    sync.pull_all()
    return factory, sync, Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id)


def test_hang_up_sms_to_chromium_order_to_the_desks(loop: SmsChain, tmp_path: Path) -> None:
    chain = loop
    world = factories.make_world(chain.server.db_url, customers_per_team=2, with_tasks=False)
    cid = world.customers["T01"][0]
    phone = world.phone_of(cid)
    with unit_of_work(chain.factory) as s:
        factories.add(s, "policy", Policy(id="P-ONLINE", code="P-ONLINE", name="老用户流量包", pitch="每月多送10GB",
                                          description="连续12个月，每月加送10GB国内流量", rule="true",
                                          channels=["online", "sms", "hotline", "outbound"], value=120.0))
        for user in ("U-agent1", "U-agent2"):
            factories.add(s, "task", Task(id=f"K-{user}", customer_id=cid, policy_id="P-ONLINE", channel="outbound",
                                          assignee_id=user, team_id="T01", store_id="S001", status="open"))
    factory, sync, actor = _desk(chain, tmp_path, "agent1")
    other_factory, other_sync, _ = _desk(chain, tmp_path, "agent2")
    pops = ScreenPopService(factory, actor)  # type: ignore[arg-type]
    before = pops.build(phone, channel="hotline")
    assert "P-ONLINE" in {o.policy_id for o in before.offers}
    OutcomeService(factory, actor).record(OutcomeInput(  # type: ignore[arg-type]
        customer_id=cid, wrapup="interested", intent="high", channel="hotline", policy_id="P-ONLINE", send_sms=True))
    sync.push_all()
    assert chain.kannel is not None
    got = chain.kannel.wait_received(1)
    assert len(got) == 1 and got[0].to == phone
    link = re.search(r"https?://\S+/online/l/\S+", got[0].text)
    assert link, got[0].text
    browser = _browser()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    try:
        browser.get(link.group(0))  # type: ignore[attr-defined]
        assert "老用户流量包" in _find(browser, "offer-P-ONLINE").text  # type: ignore[attr-defined]
        browser.save_screenshot(str(shots / "online-offers.png"))  # type: ignore[attr-defined]
        _find(browser, "order-P-ONLINE").click()  # type: ignore[attr-defined]
        confirm = _find(browser, "confirm")
        assert "确认办理" in browser.page_source  # type: ignore[attr-defined]
        browser.save_screenshot(str(shots / "online-confirm.png"))  # type: ignore[attr-defined]
        confirm.click()  # type: ignore[attr-defined]
        message = _find(browser, "message").text  # type: ignore[attr-defined]
        assert "您已成功办理“老用户流量包”" in message
        browser.save_screenshot(str(shots / "online-done.png"))  # type: ignore[attr-defined]
        browser.refresh()  # type: ignore[attr-defined]  # a reload orders nothing more
    finally:
        browser.quit()  # type: ignore[attr-defined]
    with chain.factory() as s:
        accs = s.execute(select(Acceptance).where(Acceptance.customer_id == cid)).scalars().all()
        assert [(a.policy_id, a.channel) for a in accs] == [("P-ONLINE", "online")]
    # the desks: the agent's pop shows the online order and no longer offers it; the other
    # agent's task is closed
    deadline = time.monotonic() + 10
    while True:
        sync.sync_once()
        after = pops.build(phone, channel="hotline")
        if after.accepted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(a.policy_id, a.channel) for a in after.accepted] == [("P-ONLINE", "online")]
    assert "P-ONLINE" not in {o.policy_id for o in after.offers}
    other_sync.sync_once()
    with other_factory() as s:  # type: ignore[attr-defined]
        assert s.get(LocalTask, "K-U-agent2").status == "suppressed"
    # and the customer got the confirmation SMS
    texts = [m.text for m in chain.kannel.wait_received(2)]
    assert any("您已成功办理老用户流量包" in x for x in texts)


# --------------------------------------------------------------------------- the whole loop
@dataclass
class _Window:
    """A desktop as ``desktop.py`` wires it: window, view-model, the long-polling sync."""

    window: MainWindow
    vm: WorkbenchViewModel
    sync: SyncController
    runner: TaskRunner
    sf: object


def _window(qtbot: object, chain: SmsChain, tmp_path: Path, username: str) -> _Window:
    factory, engine, actor = _desk(chain, tmp_path, username)
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, actor, ScreenPopService(factory, actor), OutcomeService(factory, actor),  # type: ignore[arg-type]
                            factory)  # type: ignore[arg-type]
    window = MainWindow(vm, undo_seconds=0)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    sync = SyncController(engine, factory, hold_seconds=0, long_poll_s=2.0)  # type: ignore[arg-type]
    sync.data_changed.connect(vm.invalidate)
    sync.data_changed.connect(window.refresh_open_pops)
    sync.data_changed.connect(vm.refresh_worklist)
    vm.worklist_ready.connect(window.on_worklist)
    vm.saved.connect(lambda _r: sync.kick())
    sync.start()
    vm.refresh_worklist()
    return _Window(window, vm, sync, runner, factory)


def _work_ids(w: _Window) -> set[str]:
    model = w.window.work_model
    return {model.row(i).id for i in range(model.rowCount())}


@requires_baresip
@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sipp_call_pops_hang_up_sms_chromium_order_closes_the_pop_and_the_other_list(
        qtbot, loop: SmsChain, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 15 point 7 from the phone call on: sipp calls baresip, the desk pops the customer,
    the agent ticks the hang-up SMS in the outcome form, Kannel delivers to fakesmsc, Chromium
    orders from the link, and the agent's pop says "ordered online" while agent2's list loses
    the task. Nothing mocked: baresip, sipp, Kannel, fakesmsc, Chromium, a real server."""
    from workbench.views.softphone_controller import SoftphoneController

    chain = loop
    world = factories.make_world(chain.server.db_url, customers_per_team=2, with_tasks=False)
    cid = world.customers["T01"][0]
    phone = world.phone_of(cid)
    with unit_of_work(chain.factory) as s:
        factories.add(s, "policy", Policy(id="P-ONLINE", code="P-ONLINE", name="老用户流量包", pitch="每月多送10GB",
                                          description="连续12个月，每月加送10GB国内流量", rule="true",
                                          channels=["online", "sms", "hotline", "outbound"], value=120.0))
        for user in ("U-agent1", "U-agent2"):
            factories.add(s, "task", Task(id=f"K-{user}", customer_id=cid, policy_id="P-ONLINE", channel="outbound",
                                          assignee_id=user, team_id="T01", store_id="S001", status="open"))
    assert install_language(QApplication.instance(), "zh")  # type: ignore[arg-type]
    desks: list[_Window] = []
    try:
        a = _window(qtbot, chain, tmp_path, "agent1")
        b = _window(qtbot, chain, tmp_path, "agent2")
        desks += [a, b]
        qtbot.waitUntil(lambda: "K-U-agent2" in _work_ids(b), timeout=15000)
        with running_baresip(tmp_path / "phone") as softphone:
            ctl = SoftphoneController("127.0.0.1", softphone.ctrl_port, connect_timeout=2, reconnect_delays=(0.1, 0.2))
            ctl.call_ringing.connect(a.vm.on_call_event)
            ctl.call_ended.connect(a.window.on_call_ended)
            try:
                with qtbot.waitSignal(ctl.connection_changed, timeout=15000):
                    ctl.start()
                with sipp_call(tmp_path, softphone, "+86" + phone, talk_ms=800) as sipp:
                    with qtbot.waitSignal(a.vm.pop_ready, timeout=15000) as popped:
                        pass  # the ring pops the caller
                    assert popped.args[0].portrait.id == cid and popped.args[1].source == Source.SOFTPHONE
                    with qtbot.waitSignal(ctl.call_ended, timeout=15000):
                        ctl.answer()
                    assert sipp.wait(20) == 0
            finally:
                ctl.stop()
        page = a.window.current_page()
        assert page is not None and "P-ONLINE" in {o.policy_id for o in page.pop_widget.snapshot.offers}
        form = page.form
        form.wrapup.setCurrentIndex(form.wrapup.findData("interested"))
        form.policy.setCurrentIndex(form.policy.findData("P-ONLINE"))
        a.window.show()
        a.window.activateWindow()
        qtbot.waitUntil(a.window.isActiveWindow)
        form.note.setFocus()
        qtbot.keyClick(form.note, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # the hang-up SMS key
        assert form.sms_on.isChecked()
        with qtbot.waitSignal(a.vm.saved, timeout=15000):
            form.submit()
        assert chain.kannel is not None
        got = chain.kannel.wait_received(1)  # the desk's outbox -> server -> Kannel -> fakesmsc
        assert len(got) == 1 and got[0].to == phone
        link = re.search(r"https?://\S+/online/l/\S+", got[0].text)
        assert link, got[0].text
        browser = _browser()
        try:
            browser.get(link.group(0))  # type: ignore[attr-defined]
            _find(browser, "order-P-ONLINE").click()  # type: ignore[attr-defined]
            _find(browser, "confirm").click()  # type: ignore[attr-defined]
            assert "您已成功办理“老用户流量包”" in _find(browser, "message").text  # type: ignore[attr-defined]
        finally:
            browser.quit()  # type: ignore[attr-defined]

        def pop_closed() -> None:
            shown = a.window.current_page()
            assert shown is not None
            w = shown.pop_widget
            assert "老用户流量包 已于" in w.warning_bar.text() and "在网厅办理" in w.warning_bar.text()
            assert "P-ONLINE" not in {o.policy_id for o in w.snapshot.offers}

        qtbot.waitUntil(pop_closed, timeout=20000)  # by the desk's own long-poll, nobody clicks
        qtbot.waitUntil(lambda: "K-U-agent2" not in _work_ids(b), timeout=20000)
        with b.sf() as s:  # type: ignore[operator]
            assert s.get(LocalTask, "K-U-agent2").status == "suppressed"
    finally:
        for d in desks:
            d.sync.stop()
            d.runner.wait_for_done()
        install_language(QApplication.instance(), "en")  # type: ignore[arg-type]
