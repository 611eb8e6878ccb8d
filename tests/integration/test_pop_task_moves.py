"""The pop's trail shows the moves of the customer's tasks (issue 17 point 6), merged in time
order with the contacts: a real server on loopback, a synced desktop, the real view-model and
the real pop widget (pytest-qt)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tests.integration.conftest import Desktop
from tests.integration.factories import World, add, central_session
from workbench.core.entities import utcnow
from workbench.services.actor import Actor
from workbench.services.call_events import CallEvent, Source
from workbench.services.outcomes import OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.services.server_api import ServerApi

WAIT = 20_000


def _seed_history(url: str, cid: str, task_id: str, now: dt.datetime) -> None:
    from server_stub.storage import models as m

    with central_session(url) as s:
        add(s, "contact_event",
            m.ContactEvent(id="E-old", customer_id=cid, channel="outbound", user_id="U-agent2", team_id="T01",
                           started_at=now - dt.timedelta(days=12), wrapup="no_answer", note="first try"),
            m.ContactEvent(id="E-new", customer_id=cid, channel="outbound", user_id="U-agent1", team_id="T01",
                           started_at=now - dt.timedelta(days=1), wrapup="interested", note="call back"))
        s.add_all([
            m.TaskMove(task_id=task_id, customer_id=cid, team_id="T01", action="recycle", from_user_id="U-agent2",
                       to_user_id=None, by_user_id=None, reason="no reached contact in 7 days",
                       at=now - dt.timedelta(days=5)),
            m.TaskMove(task_id=task_id, customer_id=cid, team_id="T01", action="claim", from_user_id=None,
                       to_user_id="U-agent1", by_user_id="U-agent1", reason="claimed from the pool",
                       at=now - dt.timedelta(days=4)),
            m.TaskMove(task_id=task_id, customer_id=cid, team_id="T01", action="reassign", from_user_id="U-agent1",
                       to_user_id="U-agent2", by_user_id="U-lead1", reason="holiday cover",
                       at=now - dt.timedelta(hours=2)),
        ])


def test_the_pop_trail_merges_moves_with_contacts(qtbot: Any, world: World, desktop: Callable[..., Desktop],
                                                  api_for: Callable[..., ServerApi]) -> None:
    from workbench.ui.screen_pop import ScreenPopWidget
    from workbench.views.task_runner import TaskRunner
    from workbench.views.workbench_vm import WorkbenchViewModel

    cid = world.customers["T01"][0]
    now = utcnow()
    _seed_history(world.url, cid, world.tasks[cid][0], now)
    d = desktop("agent1")
    d.sync.pull_all()
    actor = Actor("U-agent1", "agent1", "agent1", "agent", "T01")
    runner = TaskRunner()
    pops = ScreenPopService(d.factory, actor)  # type: ignore[arg-type]
    vm = WorkbenchViewModel(runner, actor, pops, OutcomeService(d.factory, actor), d.factory,  # type: ignore[arg-type]
                            None, moves=d.api.customer_moves)
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    vm.pop_ready.connect(lambda pop, _event: widget.show_snapshot(pop))
    vm.moves_ready.connect(widget.show_moves)
    with qtbot.waitSignals([vm.pop_ready, vm.moves_ready], raising=True, timeout=WAIT):
        vm.on_call_event(CallEvent(world.phones[cid], Source.SEARCH, "outbound"))
    rows = widget.trail_rows()
    assert [r.move or r.id for r in rows] == ["reassign", "E-new", "claim", "recycle", "E-old"]
    texts = [[widget.trail_model.index(i, c).data() for c in range(widget.trail_model.columnCount())]
             for i in range(len(rows))]
    reassign, _new, claim, recycle, _old = texts
    assert reassign[1] == "Task move" and reassign[2] == "Reassigned" and reassign[4] == "lead1"
    assert reassign[7] == "agent1 → agent2 · holiday cover"
    assert claim[2] == "Claimed from the pool" and claim[7] == "the team pool → agent1 · claimed from the pool"
    assert recycle[2] == "Returned to the team pool" and recycle[4] == "server"
    assert recycle[7] == "agent2 → the team pool · no reached contact in 7 days"
    assert reassign[6] == ""  # no talk time for a move

    # a refreshed snapshot of the same customer keeps the moves; another customer's are not shown
    vm.pop_refreshed.connect(widget.show_snapshot)
    widget.trail_model.set_rows([])
    with qtbot.waitSignal(vm.pop_refreshed, raising=True, timeout=WAIT):
        vm.refresh_pop(cid)
    assert [r.move or r.id for r in widget.trail_rows()] == ["reassign", "E-new", "claim", "recycle", "E-old"]
    other = world.customers["T01"][1]
    with qtbot.waitSignals([vm.pop_ready, vm.moves_ready], raising=True, timeout=WAIT):
        vm.on_call_event(CallEvent(world.phones[other], Source.SEARCH, "outbound"))
    assert widget.trail_rows() == []
    runner.wait_for_done()


def test_offline_the_trail_shows_the_contacts_alone(qtbot: Any, world: World, desktop: Callable[..., Desktop]
                                                    ) -> None:
    from workbench.services.server_api import OfflineError
    from workbench.ui.screen_pop import ScreenPopWidget
    from workbench.views.task_runner import TaskRunner
    from workbench.views.workbench_vm import WorkbenchViewModel

    cid = world.customers["T01"][0]
    _seed_history(world.url, cid, world.tasks[cid][0], utcnow())
    d = desktop("agent1")
    d.sync.pull_all()
    actor = Actor("U-agent1", "agent1", "agent1", "agent", "T01")
    runner = TaskRunner()

    def offline(_cid: str) -> list[dict[str, Any]]:
        raise OfflineError("not connected to the server")

    pops = ScreenPopService(d.factory, actor)  # type: ignore[arg-type]
    vm = WorkbenchViewModel(runner, actor, pops, OutcomeService(d.factory, actor), d.factory,  # type: ignore[arg-type]
                            None, moves=offline)
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    vm.pop_ready.connect(lambda pop, _event: widget.show_snapshot(pop))
    vm.moves_ready.connect(widget.show_moves)
    with qtbot.waitSignal(vm.pop_ready, raising=True, timeout=WAIT), \
            qtbot.assertNotEmitted(vm.moves_ready), qtbot.assertNotEmitted(vm.message):
        vm.on_call_event(CallEvent(world.phones[cid], Source.SEARCH, "outbound"))
        runner.wait_for_done()
    assert [r.id for r in widget.trail_rows()] == ["E-new", "E-old"]
