"""The appointment of a work order: parsing what the agent types, the rules, the store's order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from workbench.core import appointments as ap
from workbench.core.clock import BUSINESS_TZ, UTC

# 2026-12-04 10:00 in Beijing
NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=BUSINESS_TZ).astimezone(UTC)


def wall(y: int, mo: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ).astimezone(UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("14:30", wall(2026, 12, 4, 14, 30)),
    (" 9:05 ", wall(2026, 12, 4, 9, 5)),
    ("14：30", wall(2026, 12, 4, 14, 30)),  # a full-width colon from a Chinese input method
    ("+1 10:00", wall(2026, 12, 5, 10)),
    ("+30 10:00", wall(2027, 1, 3, 10)),
    ("12-06 16:45", wall(2026, 12, 6, 16, 45)),
    ("2027-01-02 11:00", wall(2027, 1, 2, 11)),
])
def test_parse_reads_business_wall_time(text: str, expected: dt.datetime) -> None:
    got = ap.parse_appointment(text, NOW)
    assert got == expected
    assert got is not None and got.tzinfo is not None and got.utcoffset() == dt.timedelta(0)


def test_parse_empty_is_no_appointment() -> None:
    assert ap.parse_appointment("", NOW) is None
    assert ap.parse_appointment("   ", NOW) is None


def test_parse_counts_today_in_the_business_zone() -> None:
    """At 01:00 Beijing time it is still the previous day in UTC: '14:30' is Beijing's today."""
    early = wall(2026, 12, 5, 1)
    assert early.date() == dt.date(2026, 12, 4)
    assert ap.parse_appointment("14:30", early) == wall(2026, 12, 5, 14, 30)


@pytest.mark.parametrize("text", [
    "25:00", "14:60", "02-30 10:00", "tomorrow", "14.30", "1430", "+ 10:00", "2026-13-01 10:00",
    "+999 10:00", "14:30; DROP TABLE", "1" * 41, "nan", "inf",
])
def test_parse_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ap.AppointmentProblem) as err:
        ap.parse_appointment(text, NOW)
    assert err.value.code == "format"


def test_check_accepts_an_appointment_within_the_hours() -> None:
    ap.check_appointment(wall(2026, 12, 4, 14, 30), 30, now=NOW)
    ap.check_appointment(wall(2026, 12, 4, 20, 30), 30, now=NOW)  # ends at closing time
    ap.check_appointment(wall(2026, 12, 5, 9), None, now=NOW)


@pytest.mark.parametrize(("at", "minutes", "code"), [
    (wall(2026, 12, 4, 9, 59), 30, "past"),
    (wall(2026, 12, 3, 15), 30, "past"),
    (wall(2026, 12, 5, 8, 30), 30, "closed"),
    (wall(2026, 12, 4, 20, 45), 30, "closed"),  # runs past closing
    (wall(2026, 12, 4, 21, 30), None, "closed"),
    (wall(2027, 3, 10, 10), 30, "too_far"),
    (wall(2026, 12, 4, 14), 0, "duration"),
    (wall(2026, 12, 4, 14), 241, "duration"),
    (wall(2026, 12, 4, 14), 30.5, "duration"),
    (wall(2026, 12, 4, 14), float("nan"), "type"),
    (wall(2026, 12, 4, 14), float("inf"), "type"),
    (wall(2026, 12, 4, 14), True, "type"),
    (wall(2026, 12, 4, 14), "30", "type"),
    ("2026-12-04T06:00:00Z", 30, "type"),
    (dt.datetime(2026, 12, 4, 14), 30, "type"),  # naive
])
def test_check_refuses_with_a_reason(at: object, minutes: object, code: str) -> None:
    with pytest.raises(ap.AppointmentProblem) as err:
        ap.check_appointment(at, minutes, now=NOW)
    assert err.value.code == code
    assert err.value.message.startswith("appointment")


def test_grace_lets_a_just_past_appointment_through_the_server() -> None:
    at = NOW - dt.timedelta(minutes=2)
    with pytest.raises(ap.AppointmentProblem):
        ap.check_appointment(at, 30, now=NOW)
    ap.check_appointment(at, 30, now=NOW, grace=ap.PAST_GRACE)


def test_format_slot() -> None:
    today = dt.date(2026, 12, 4)
    assert ap.format_slot(wall(2026, 12, 4, 14, 30), 30, today) == "14:30–15:00"
    assert ap.format_slot(wall(2026, 12, 5, 9), None, today) == "12-05 09:00"
    assert ap.format_slot(wall(2027, 1, 2, 9), 15) == "2027-01-02 09:00–09:15"
    assert ap.format_slot(None, 30, today) == ""


@dataclass
class Item:
    name: str
    at: dt.datetime | None


def test_store_order_puts_today_first_in_time_order() -> None:
    today = dt.date(2026, 12, 4)
    items = [
        Item("none-1", None), Item("tomorrow", wall(2026, 12, 5, 9)), Item("today-16", wall(2026, 12, 4, 16)),
        Item("yesterday", wall(2026, 12, 3, 10)), Item("today-10", wall(2026, 12, 4, 10, 15)),
        Item("none-2", None), Item("today-0930", wall(2026, 12, 4, 9, 30)),
    ]
    ordered = [i.name for i in ap.order_for_store(items, today, lambda i: i.at)]
    assert ordered == ["today-0930", "today-10", "today-16", "tomorrow", "none-1", "none-2", "yesterday"]
    assert [i.name for i in ap.day_appointments(items, today, lambda i: i.at)] == [
        "today-0930", "today-10", "today-16"]


def test_business_day_is_beijing_not_utc() -> None:
    assert ap.business_day(wall(2026, 12, 5, 7)) == dt.date(2026, 12, 5)
    assert wall(2026, 12, 5, 7).date() == dt.date(2026, 12, 4)


def test_the_agreed_reference_believes_the_desk_only_within_the_offline_window() -> None:
    from workbench.core.appointments import OFFLINE_AGREED_WINDOW, agreed_reference

    now = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
    earlier = now - dt.timedelta(days=2)
    assert agreed_reference(now, earlier) == earlier
    assert agreed_reference(now, now - OFFLINE_AGREED_WINDOW - dt.timedelta(seconds=1)) == now
    assert agreed_reference(now, now + dt.timedelta(minutes=1)) == now  # the future: not believed
    assert agreed_reference(now, earlier.replace(tzinfo=None)) == now  # naive: not believed
    assert agreed_reference(now, "2026-12-02T08:00:00+00:00") == now  # not a time
