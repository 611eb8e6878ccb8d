from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.local_data import AGENT, NOW, build_local_store
from workbench.core.entities import UTC
from workbench.local_store.models import ContactEvent, Outbox
from workbench.services.actor import Actor
from workbench.services.dialing import DialRefused, DialService

LEAD = Actor("U-lead1", "lead1", "陈组长", "lead", "T01", None)


@pytest.fixture
def sf(tmp_path: Path):  # type: ignore[no-untyped-def]
    sf = build_local_store(tmp_path / "l.db")
    with sf.begin() as s:  # two outbound calls this month: the cap (2) is reached for C1
        for i in range(2):
            s.add(ContactEvent(id=f"x{i}", customer_id="C1", channel="outbound", team_id="T01",
                               started_at=NOW - dt.timedelta(days=2, hours=i), wrapup="no_answer"))
    return sf


def test_an_allowed_call_dials(sf) -> None:  # type: ignore[no-untyped-def]
    svc = DialService(sf, AGENT)
    check = svc.check("C3", now=NOW)  # open complaint blocks C3 ...
    assert not check.allowed
    with sf.begin() as s:
        s.execute(ContactEvent.__table__.delete())
    assert DialService(sf, AGENT).check("C1", now=NOW).allowed
    assert svc.authorize(svc.check("C1", now=NOW)) == "13800138000"


def test_an_agent_cannot_start_a_capped_call(sf) -> None:  # type: ignore[no-untyped-def]
    svc = DialService(sf, AGENT)
    check = svc.check("C1", now=NOW)
    assert check.decision.codes == ("cap_reached",)
    with pytest.raises(DialRefused, match="team lead can override"):
        svc.authorize(check, "VIP asked for a call back")


def test_a_lead_overrides_with_a_reason_and_it_is_recorded(sf) -> None:  # type: ignore[no-untyped-def]
    svc = DialService(sf, LEAD)
    check = svc.check("C1", now=NOW)
    with pytest.raises(DialRefused, match="give a reason"):
        svc.authorize(check)
    assert svc.authorize(check, "客户要求今天回电") == "13800138000"
    with sf() as s:
        notes = [e.note for e in s.execute(select(ContactEvent).where(ContactEvent.note.like("[override%"))).scalars()]
        assert len(notes) == 1 and "U-lead1" in notes[0] and "cap_reached" in notes[0]
        assert [o.entity for o in s.execute(select(Outbox)).scalars()] == ["contact_event"]


def test_do_not_call_and_quiet_hours_are_never_overridden(sf) -> None:  # type: ignore[no-untyped-def]
    svc = DialService(sf, LEAD)
    with pytest.raises(DialRefused, match="cannot be overridden"):
        svc.authorize(svc.check("C2", now=NOW), "please")  # do not call
    late = dt.datetime(2026, 11, 10, 14, 30, tzinfo=UTC)  # 22:30 in Beijing
    with pytest.raises(DialRefused, match="quiet_hours"):
        svc.authorize(svc.check("C1", now=late), "please")


def test_unknown_customer(sf) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DialRefused, match="unknown customer"):
        DialService(sf, AGENT).check("nobody")
