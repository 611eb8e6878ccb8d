from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.local_data import AGENT, RECEPTION, WANG_PHONE, build_local_store
from workbench.core.clock import utcnow
from workbench.local_store.models import Acceptance, ContactEvent, Customer, Outbox, Task, WorkOrder
from workbench.services.outcomes import InputError, OutcomeInput, OutcomeService


@pytest.fixture
def sf(tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_local_store(tmp_path / "local.db")


def counts(sf) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sf() as s:
        return (s.scalar(select(func.count()).select_from(ContactEvent)),
                s.scalar(select(func.count()).select_from(Outbox)))


def test_outcome_and_outbox_commit_together(sf) -> None:  # type: ignore[no-untyped-def]
    svc = OutcomeService(sf, AGENT)
    before = counts(sf)
    rec = svc.record(OutcomeInput(customer_id="C1", wrapup="interested", intent="high",
                                  policy_id="P-168-504", note="  明天再打 ", duration_s=42, task_id="K1"))
    after = counts(sf)
    assert after[0] == before[0] + 1
    with sf() as s:
        ev = s.get(ContactEvent, rec.contact_event_id)
        assert ev is not None and ev.note == "明天再打" and ev.duration_s == 42 and ev.user_id == "U-agent1"
        entries = s.execute(select(Outbox).order_by(Outbox.seq)).scalars().all()
        assert [e.entity for e in entries] == ["contact_event", "task"]
        assert entries[0].data["id"] == ev.id and entries[0].data["wrapup"] == "interested"
        assert s.get(Task, "K1").status == "done"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wrapup": "teleported"}, "unknown wrap-up"),
        ({"wrapup": "refused", "intent": "maybe"}, "unknown intent"),
        ({"wrapup": "refused", "channel": "pigeon"}, "unknown channel"),
        ({"wrapup": "refused", "duration_s": -1}, "negative"),
        ({"wrapup": "accepted"}, "choose the policy"),
        ({"wrapup": "transferred"}, "choose the store"),
        ({"wrapup": "refused", "note": "x" * 2001}, "longer than 2000"),
        ({"wrapup": "refused", "customer_id": "nobody"}, "unknown customer"),
        ({"wrapup": "refused", "policy_id": "P-nope"}, "unknown policy"),
        ({"wrapup": "interested", "callback_at": utcnow() - dt.timedelta(days=1)}, "in the past"),
        ({"wrapup": "transferred", "transfer_store_id": "S-nope"}, "unknown store"),
        # the server's limits (workbench.core.limits), checked before anything is queued
        ({"wrapup": "refused", "duration_s": 2**31 - 1}, "duration_s: 2147483647 is out of range"),
        ({"wrapup": "refused", "predicted_p": 5.0}, "predicted_p: 5 is out of range"),
        ({"wrapup": "refused", "predicted_p": float("nan")}, "predicted_p: nan is not a finite number"),
        ({"wrapup": "refused", "started_at": dt.datetime(1900, 1, 1, tzinfo=dt.UTC)}, "started_at: 1900-01-01 is before 2000"),
        ({"wrapup": "interested", "callback_at": utcnow() + dt.timedelta(days=800)}, "callback_at: .* too far in the future"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(sf, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    svc = OutcomeService(sf, AGENT)
    data = {"customer_id": "C1", **kwargs}
    before = counts(sf)
    with pytest.raises(InputError, match=message):
        svc.record(OutcomeInput(**data))
    assert counts(sf) == before


def test_acceptance_suppresses_open_tasks_and_cannot_repeat(sf) -> None:  # type: ignore[no-untyped-def]
    svc = OutcomeService(sf, AGENT)
    rec = svc.record(OutcomeInput(customer_id="C1", wrapup="accepted", intent="high", policy_id="P-168-504"))
    assert rec.acceptance_id
    with sf() as s:
        assert s.get(Task, "K1").status in ("suppressed", "done")
        acc = s.get(Acceptance, rec.acceptance_id)
        assert acc.value == 504 and acc.channel == "outbound"
        assert s.get(ContactEvent, rec.contact_event_id).deal_value == 504
    with pytest.raises(InputError, match="already accepted"):
        svc.accept_policy("C1", "P-168-504", "store")


def test_undo_takes_back_an_unsent_save(sf) -> None:  # type: ignore[no-untyped-def]
    svc = OutcomeService(sf, AGENT)
    before = counts(sf)
    rec = svc.record(OutcomeInput(customer_id="C1", wrapup="accepted", policy_id="P-168-504", task_id="K1",
                                  transfer_store_id="S001", transfer_note="带身份证"))
    assert rec.work_order_id
    assert svc.undo(rec) is True
    assert counts(sf) == before
    with sf() as s:
        assert s.get(Task, "K1").status == "open"
        assert s.scalar(select(func.count()).select_from(Acceptance)) == 0
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_undo_is_refused_once_sent(sf) -> None:  # type: ignore[no-untyped-def]
    svc = OutcomeService(sf, AGENT)
    rec = svc.record(OutcomeInput(customer_id="C1", wrapup="refused"))
    with sf.begin() as s:  # the sync worker sent it
        s.execute(Outbox.__table__.delete())
    assert svc.undo(rec) is False
    with sf() as s:
        assert s.get(ContactEvent, rec.contact_event_id) is not None


def test_do_not_call_wrapup_sets_the_flag(sf) -> None:  # type: ignore[no-untyped-def]
    OutcomeService(sf, AGENT).record(OutcomeInput(customer_id="C1", wrapup="do_not_call"))
    with sf() as s:
        assert s.get(Customer, "C1").do_not_call is True
        ops = [(o.entity, o.op) for o in s.execute(select(Outbox)).scalars()]
    assert ("customer", "update") in ops


def test_new_lead_and_work_order_round_trip(sf) -> None:  # type: ignore[no-untyped-def]
    agent = OutcomeService(sf, AGENT)
    lead_id = agent.create_lead("+86 136-0000-1111", "张先生", "广州")
    with sf() as s:
        lead = s.get(Customer, lead_id)
        assert lead.phone == "13600001111" and lead.is_lead and lead.team_id == "T01"
    with pytest.raises(InputError, match="already exists"):
        agent.create_lead(WANG_PHONE, "重复", "")
    with pytest.raises(InputError):
        agent.create_lead("not a number", "x", "")
    wo = agent.transfer_to_store("C1", "S001", "P-168-504", "客户下午到厅")
    store = OutcomeService(sf, RECEPTION)
    with pytest.raises(InputError, match="cannot become"):
        store.transition_work_order(wo, "done")
    with pytest.raises(InputError, match="needs a reason"):
        store.transition_work_order(wo, "failed", "")
    store.transition_work_order(wo, "arrived")
    store.transition_work_order(wo, "done")
    agent.transition_work_order(wo, "returned")
    with sf() as s:
        assert s.get(WorkOrder, wo).status == "returned"
        kinds = [(o.entity, o.op, o.data.get("status")) for o in s.execute(select(Outbox).order_by(Outbox.seq)).scalars()]
    assert kinds[-3:] == [("work_order", "transition", "arrived"), ("work_order", "transition", "done"),
                          ("work_order", "transition", "returned")]


def test_worklists_by_role(sf) -> None:  # type: ignore[no-untyped-def]
    from workbench.local_store.models import Task
    from workbench.services.worklist import load_worklist

    with sf.begin() as s:
        s.add(Task(id="K-store", customer_id="C1", policy_id="P-SIM-4G", channel="store", store_id="S001",
                   team_id="T01", status="open"))
        s.get(Task, "K1").store_id = "S001"  # an outbound task of a customer of that store
    agent = {i.id for i in load_worklist(sf, AGENT)}
    store = {i.id for i in load_worklist(sf, RECEPTION)}
    assert "K1" in agent and "K-store" not in agent
    assert store == {"K-store"}  # the receptionist sees the store's tasks, not the agents' calls
    wo = OutcomeService(sf, AGENT).transfer_to_store("C1", "S001", None, "下午到厅")
    assert wo in {i.id for i in load_worklist(sf, RECEPTION)}  # and the work orders sent to the store
    assert wo in {i.id for i in load_worklist(sf, AGENT)}  # the agent follows it until it returns
    masked = [i.phone_display for i in load_worklist(sf, AGENT) + load_worklist(sf, RECEPTION)]
    assert masked and all(p[3:7] == "****" and "*" not in p[7:] for p in masked)  # 138****8000, every role
