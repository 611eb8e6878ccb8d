"""Two running desktops (real widgets, real sync controllers) against one real server:
an acceptance on one disappears from the other's open pop; a PBX call posted to the server
pops on the agent's desktop only; offline saves wait in the outbox and sync when the server
is back, with the status bar saying so."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from server_stub.api.app import Settings, create_app
from server_stub.seed.demo import seed_demo
from tests.integration.conftest import CTI_SECRET
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import Customer, Task
from workbench.services.actor import Actor
from workbench.services.call_events import CallEvent, Source
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.services.server_api import ServerApi
from workbench.services.sync_engine import SyncEngine
from workbench.ui.main_window import MainWindow
from workbench.views.sync_controller import SyncController
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel


class Server:
    """uvicorn on a fixed loopback port that can be stopped and started again."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None

    def start(self) -> None:
        app = create_app(self.db_url, settings=Settings(cti_secret=CTI_SECRET, poll_interval_s=0.05), migrate=False)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                                     timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        self._sock = sock

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._sock.close()
            self._server = None


@pytest.fixture
def server(central_url: str) -> Iterator[Server]:
    seed_demo(central_url, customers=200, seed=5)
    srv = Server(central_url)
    srv.start()
    yield srv
    srv.stop()


@dataclass
class Desk:
    window: MainWindow
    vm: WorkbenchViewModel
    sync: SyncController
    sf: object
    actor: Actor
    runner: TaskRunner
    http: httpx.Client


@pytest.fixture
def desk(qtbot, server: Server, tmp_path: Path) -> Iterator[Callable[[str], Desk]]:  # type: ignore[no-untyped-def]
    made: list[Desk] = []

    def make(username: str) -> Desk:
        http = httpx.Client(base_url=server.url, timeout=10)
        api = ServerApi(http)
        res = api.login(username, "demo")
        actor = Actor(res.user.id, username, res.user.display_name, res.user.role, res.user.team_id, res.user.store_id)
        sf = session_factory(open_local(tmp_path / f"{username}.db"))
        engine = SyncEngine(sf, api, SyncEngine.client_id_for(sf))
        engine.pull_all()
        runner = TaskRunner()
        pops = ScreenPopService(sf, actor)
        vm = WorkbenchViewModel(runner, actor, pops, OutcomeService(sf, actor), sf)
        window = MainWindow(vm, undo_seconds=0)
        qtbot.addWidget(window)
        sync = SyncController(engine, sf, hold_seconds=0, long_poll_s=2.0)
        sync.status_changed.connect(window.on_sync_status)
        sync.data_changed.connect(vm.invalidate)
        sync.data_changed.connect(window.refresh_open_pops)
        sync.call_event.connect(vm.on_call_event)
        vm.accepted.connect(lambda _c, _p: sync.kick(force=True))
        vm.saved.connect(lambda _r: sync.kick())
        sync.start()
        d = Desk(window, vm, sync, sf, actor, runner, http)
        made.append(d)
        return d

    yield make
    for d in made:
        d.sync.stop()
        d.runner.wait_for_done()
        d.http.close()


def test_acceptance_on_one_desktop_leaves_the_others_pop(qtbot, desk) -> None:  # type: ignore[no-untyped-def]
    a, b = desk("agent1"), desk("agent2")
    with b.sf() as s:  # type: ignore[operator]
        task = s.execute(select(Task).where(Task.status == "open")).scalars().first()
        phone = s.get(Customer, task.customer_id).phone
    with qtbot.waitSignal(b.vm.pop_ready, raising=True):
        b.vm.on_call_event(CallEvent.from_number(phone, Source.SEARCH, channel="outbound"))
    assert task.policy_id in {o.policy_id for o in b.window.current_page().pop_widget.snapshot.offers}
    with qtbot.waitSignal(a.vm.pop_ready, raising=True):
        a.vm.on_call_event(CallEvent.from_number(phone, Source.SEARCH, channel="outbound"))
    page = a.window.current_page()
    row = [o.policy_id for o in page.pop_widget.snapshot.offers].index(task.policy_id)
    page.pop_widget.offers_view.selectRow(row)
    page.pop_widget.accept_button.click()  # the customer accepts on desktop A

    def gone_on_b() -> None:
        snap = b.window.current_page().pop_widget.snapshot
        assert task.policy_id not in {o.policy_id for o in snap.offers}
        assert "already_accepted" in {w.code for w in snap.warnings}

    qtbot.waitUntil(gone_on_b, timeout=15000)  # B's open pop updates by itself (long-poll)
    assert not b.window.current_page().pop_widget.warning_bar.isHidden()


def test_pbx_call_pops_on_that_agents_desktop_only(qtbot, desk, server: Server) -> None:  # type: ignore[no-untyped-def]
    a, other = desk("agent1"), desk("agent9")
    with a.sf() as s:  # type: ignore[operator]
        phone = s.execute(select(Customer.phone).limit(1)).scalar_one()
    popped_other: list[object] = []
    other.vm.pop_ready.connect(lambda p, e: popped_other.append(p))
    other.vm.unknown_caller.connect(lambda e: popped_other.append(e))
    with qtbot.waitSignal(a.vm.pop_ready, raising=True, timeout=15000) as blocker:
        r = httpx.post(f"{server.url}/api/v1/cti/events", headers={"X-CTI-Secret": CTI_SECRET},
                       json={"agent": "agent1", "caller": "+86 " + phone, "call_id": "pbx-1"})
        assert r.status_code in (200, 201), r.text
    pop, event = blocker.args
    assert pop.portrait.phone == phone and event.source == Source.SERVER and event.call_id == "pbx-1"
    qtbot.wait(1500)
    assert popped_other == []  # agent9's desktop got nothing
    bad = httpx.post(f"{server.url}/api/v1/cti/events", headers={"X-CTI-Secret": "wrong"},
                     json={"agent": "agent1", "caller": phone})
    assert bad.status_code == 401


def test_offline_saves_wait_and_sync_when_the_server_is_back(qtbot, desk, server: Server) -> None:  # type: ignore[no-untyped-def]
    a = desk("agent1")
    qtbot.waitUntil(lambda: "Online" in a.window.sync_label.text(), timeout=15000)
    server.stop()
    with a.sf() as s:  # type: ignore[operator]
        cid = s.execute(select(Customer.id).limit(1)).scalar_one()
    svc = OutcomeService(a.sf, a.actor)  # type: ignore[arg-type]
    for _ in range(3):
        svc.record(OutcomeInput(customer_id=cid, wrapup="no_answer", channel="outbound"))
    a.sync.kick()
    qtbot.waitUntil(lambda: "Offline" in a.window.sync_label.text() and "3" in a.window.sync_label.text(),
                    timeout=20000)
    with qtbot.waitSignal(a.vm.pop_ready, raising=True):  # the screen pop works offline
        a.vm.on_call_event(CallEvent(number=a.sf().get(Customer, cid).phone, source=Source.SEARCH))  # type: ignore[operator]
    server.start()
    qtbot.waitUntil(lambda: a.sync.status().pending == 0, timeout=40000)
    qtbot.waitUntil(lambda: "Online · 0" in a.window.sync_label.text(), timeout=20000)
