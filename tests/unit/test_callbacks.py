"""Call-backs on the desktop (issue 17 point 5): made by outcomes, moved out of quiet hours and
over caps, on top of the work list when due, closed or moved by the next outcome, offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.local_data import AGENT, build_local_store
from workbench.core.entities import utcnow
from workbench.local_store.models import Callback, ContactEvent, Outbox
from workbench.services.actor import Actor
from workbench.services.callbacks import due_callbacks
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.worklist import load_worklist

BJ = ZoneInfo("Asia/Shanghai")
TEAMMATE = Actor("U-agent2", "agent2", "张强", "agent", "T01", None)
OTHER_TEAM = Actor("U-agent9", "agent9", "周杰", "agent", "T02", None)


@pytest.fixture
def sf(tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_local_store(tmp_path / "local.db")


def beijing(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """``days`` from today at hour:minute in Beijing, as UTC (never inside this month's end)."""
    today = utcnow().astimezone(BJ).date()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute), BJ).astimezone(dt.UTC)


def record(sf, when: dt.datetime | None, *, shared: bool = False, actor: Actor = AGENT,  # type: ignore[no-untyped-def]
           wrapup: str = "interested", note: str = "", channel: str = "outbound"):
    return OutcomeService(sf, actor).record(OutcomeInput(
        customer_id="C1", wrapup=wrapup, intent="medium", callback_at=when, callback_shared=shared,
        note=note, channel=channel))


def callbacks(sf) -> list[Callback]:  # type: ignore[no-untyped-def]
    with sf() as s:
        return list(s.execute(select(Callback).order_by(Callback.created_at)).scalars())


def test_an_outcome_with_a_time_makes_an_own_call_back_that_tops_the_work_list_when_due(sf) -> None:  # type: ignore[no-untyped-def]
    asked = beijing(1, 10, 30)
    rec = record(sf, asked, note="说明天上午再聊")
    assert rec.callback.action == "created" and not rec.callback.proposal.moved
    (cb,) = callbacks(sf)
    assert (cb.owner_id, cb.team_id, cb.status, cb.due_at, cb.requested_at) == ("U-agent1", "T01", "open", asked, None)
    assert cb.contact_event_id == rec.contact_event_id and cb.note == "说明天上午再聊"
    with sf() as s:  # written with its outbox entry in the same transaction: works offline
        entry = s.execute(select(Outbox).where(Outbox.entity == "callback")).scalar_one()
    assert entry.op == "create" and entry.data["id"] == cb.id and entry.data["shared"] is False

    before = load_worklist(sf, AGENT, now=asked - dt.timedelta(hours=1))
    assert [i.kind for i in before][:1] == ["task"]  # not due yet: below the tasks' ranks
    assert next(i for i in before if i.kind == "callback").status == "open"
    due = load_worklist(sf, AGENT, now=asked + dt.timedelta(minutes=1))
    assert (due[0].kind, due[0].id, due[0].status, due[0].customer_id) == ("callback", cb.id, "due", "C1")
    assert [c.id for c in due_callbacks(sf, AGENT, asked + dt.timedelta(minutes=1))] == [cb.id]
    assert due_callbacks(sf, AGENT, asked - dt.timedelta(minutes=1)) == []
    # an own call-back is nobody else's
    assert due_callbacks(sf, TEAMMATE, asked + dt.timedelta(hours=1)) == []


def test_anyone_in_my_team(sf) -> None:  # type: ignore[no-untyped-def]
    asked = beijing(2, 15)
    record(sf, asked, shared=True)
    (cb,) = callbacks(sf)
    assert cb.owner_id is None and cb.team_id == "T01"
    later = asked + dt.timedelta(minutes=5)
    assert [c.team for c in due_callbacks(sf, TEAMMATE, later)] == [True]
    assert [c.id for c in due_callbacks(sf, AGENT, later)] == [cb.id]
    assert due_callbacks(sf, OTHER_TEAM, later) == []
    assert load_worklist(sf, TEAMMATE, now=later)[0].detail == "team"


def test_a_time_in_quiet_hours_is_moved_to_the_next_allowed_time(sf) -> None:  # type: ignore[no-untyped-def]
    asked = beijing(1, 22, 30)  # quiet 21:00-09:00 in the customer's zone
    rec = record(sf, asked)
    proposal = rec.callback.proposal
    assert proposal.moved and proposal.reasons == ("quiet_hours",)
    assert proposal.due_at == beijing(2, 9, 0)
    (cb,) = callbacks(sf)
    assert cb.due_at == beijing(2, 9, 0) and cb.requested_at == asked


def test_a_time_over_the_cap_goes_to_the_next_period(sf) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with sf.begin() as s:  # the monthly cap of 2 outbound contacts is reached by this call
        s.add(ContactEvent(id="E-cap", customer_id="C1", channel="outbound", user_id="U-agent1",
                           team_id="T01", started_at=now - dt.timedelta(minutes=5), wrapup="no_answer"))
    local = now.astimezone(BJ)
    if local.day >= 27:
        pytest.skip("the month ends within the call-back horizon of this test")
    asked = beijing(1, 11)
    rec = record(sf, asked)
    first = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert rec.callback.proposal.due_at == dt.datetime.combine(first.date(), dt.time(9, 0), BJ).astimezone(dt.UTC)
    assert set(rec.callback.proposal.reasons) == {"cap_reached", "quiet_hours"}


def test_the_next_outcome_reschedules_or_closes_and_undo_restores(sf) -> None:  # type: ignore[no-untyped-def]
    first = beijing(1, 10)
    record(sf, first, channel="hotline")  # hotline calls: the outbound cap does not move them
    moved_to = beijing(3, 16)
    rec = record(sf, moved_to, channel="hotline")
    assert rec.callback.action == "rescheduled"
    (cb,) = callbacks(sf)
    assert cb.due_at == moved_to and cb.status == "open"
    assert OutcomeService(sf, AGENT).undo(rec)  # the save is taken back: the old time returns
    (cb,) = callbacks(sf)
    assert cb.due_at == first and cb.status == "open"
    closing = record(sf, None, wrapup="refused", channel="hotline")
    assert closing.callback.action == "closed"
    (cb,) = callbacks(sf)
    assert cb.status == "done" and cb.closed_by_event_id == closing.contact_event_id
    with sf() as s:
        ops = [e.op for e in s.execute(select(Outbox).where(Outbox.entity == "callback")
                                       .order_by(Outbox.seq)).scalars()]
    assert ops == ["create", "transition"]  # the undone reschedule left the outbox
    assert record(sf, None).callback.action == "none"  # nothing open any more


def test_a_teammate_cannot_close_my_own_call_back(sf) -> None:  # type: ignore[no-untyped-def]
    record(sf, beijing(1, 10))
    rec = record(sf, None, actor=TEAMMATE)
    assert rec.callback.action == "none"
    assert callbacks(sf)[0].status == "open"
