"""Contact pressure: every rule, its boundaries, time zones and overrides."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.pressure import (
    ALL_CHANNELS,
    ContactRecord,
    OverrideNotAllowedError,
    PressureLimitSpec,
    PressureSubject,
    ReasonCode,
    channel_blocked,
    check_pressure,
    override,
    period_bounds,
)

UTC = dt.UTC
SH = ZoneInfo("Asia/Shanghai")


def at(y: int, mo: int, d: int, h: int = 12, mi: int = 0, tz: ZoneInfo = SH) -> dt.datetime:
    """A moment given in local time (Shanghai by default), as aware UTC."""
    return dt.datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


CUST = PressureSubject("C1")
MONTHLY_2 = PressureLimitSpec("outbound", "month", 2, None, None, 0, id="L-month")


def call(when: dt.datetime, wrapup: str = "no_answer", channel: str = "outbound",
         policy_id: str | None = None) -> ContactRecord:
    return ContactRecord(channel, when, wrapup, policy_id)


def decide(history: list[ContactRecord] | None = None, limits: list[PressureLimitSpec] | None = None,
           channel: str = "outbound", now: dt.datetime | None = None,
           customer: PressureSubject = CUST, **kw: object):
    return check_pressure(customer, history or [], limits or [], channel,
                          now or at(2026, 11, 23, 14), **kw)  # type: ignore[arg-type]


def test_nothing_in_the_way() -> None:
    d = decide(limits=[MONTHLY_2])
    assert d.allowed and d.reasons == () and d.channel == "outbound" and d.customer_id == "C1"


# ---------------------------------------------------------------- caps


def test_below_the_cap_is_allowed() -> None:
    assert decide([call(at(2026, 11, 2))], [MONTHLY_2]).allowed


def test_exactly_at_the_cap_is_blocked() -> None:
    d = decide([call(at(2026, 11, 2)), call(at(2026, 11, 20), "refused")], [MONTHLY_2])
    assert not d.allowed
    assert d.codes == (ReasonCode.CAP_REACHED,)
    r = d.reasons[0]
    assert r.params["count"] == 2 and r.params["limit"] == 2 and r.params["period"] == "month"
    assert r.params["channel"] == "outbound" and r.params["limit_id"] == "L-month"
    assert r.params["until"] == at(2026, 12, 1, 0).isoformat()
    assert r.overridable and d.overridable


def test_other_channels_and_other_months_do_not_count() -> None:
    history = [call(at(2026, 11, 2), channel="sms"), call(at(2026, 10, 31, 23, 59)),
               call(at(2026, 11, 3), channel="hotline")]
    assert decide(history, [MONTHLY_2]).allowed


def test_month_is_the_customers_calendar_month() -> None:
    # 2026-10-31 17:00 UTC is 2026-11-01 01:00 in Shanghai: it counts for November there
    early = dt.datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    history = [call(early), call(at(2026, 11, 5))]
    assert not decide(history, [MONTHLY_2]).allowed
    # ... but in London it is still October
    london = PressureSubject("C2", timezone="Europe/London")
    assert decide(history, [MONTHLY_2], customer=london).allowed


def test_later_contacts_are_ignored() -> None:
    assert decide([call(at(2026, 11, 24)), call(at(2026, 11, 25))], [MONTHLY_2]).allowed


def test_day_cap_resets_at_local_midnight() -> None:
    daily = PressureLimitSpec("outbound", "day", 1, None, None, 0)
    history = [call(at(2026, 11, 22, 23, 59))]
    assert decide(history, [daily], now=at(2026, 11, 23, 0, 0)).allowed
    assert not decide(history, [daily], now=at(2026, 11, 22, 23, 59)).allowed


def test_week_cap_runs_monday_to_sunday() -> None:
    weekly = PressureLimitSpec("outbound", "week", 1, None, None, 0)
    sunday = at(2026, 11, 22, 20)  # 2026-11-23 is a Monday
    assert decide([call(sunday)], [weekly], now=at(2026, 11, 23, 10)).allowed
    assert not decide([call(at(2026, 11, 23, 10))], [weekly], now=at(2026, 11, 29, 20)).allowed


def test_several_limits_for_one_channel_all_apply() -> None:
    daily = PressureLimitSpec("outbound", "day", 1, None, None, 0, id="L-day")
    history = [call(at(2026, 11, 2)), call(at(2026, 11, 23, 9))]
    d = decide(history, [daily, MONTHLY_2])
    assert [r.params["limit_id"] for r in d.reasons] == ["L-day", "L-month"]


def test_a_limit_for_all_channels_counts_every_channel() -> None:
    total = PressureLimitSpec(ALL_CHANNELS, "week", 2, None, None, 0)
    history = [call(at(2026, 11, 23, 9), channel="sms"), call(at(2026, 11, 23, 10), channel="store")]
    d = decide(history, [total], channel="online")
    assert d.codes == (ReasonCode.CAP_REACHED,) and d.reasons[0].params["channel"] == ALL_CHANNELS


def test_zero_cap_blocks_and_none_cap_does_not() -> None:
    assert not decide([], [PressureLimitSpec("sms", "day", 0, None, None, 0)], channel="sms").allowed
    assert decide([call(at(2026, 11, 23, 9))] * 5,
                  [PressureLimitSpec("outbound", "day", None, None, None, 0)]).allowed


def test_inbound_channels_only_see_their_own_caps() -> None:
    history = [call(at(2026, 11, 2)), call(at(2026, 11, 3))]
    assert decide(history, [MONTHLY_2], channel="hotline").allowed
    hotline_cap = PressureLimitSpec("hotline", "day", 1, "21:00", "09:00", 7)
    d = decide([call(at(2026, 11, 23, 8), channel="hotline")], [hotline_cap], channel="hotline",
               now=at(2026, 11, 23, 22))
    assert d.codes == (ReasonCode.CAP_REACHED,)  # no quiet hours for inbound


# ---------------------------------------------------------------- quiet hours

QUIET = PressureLimitSpec("outbound", "month", None, "21:00", "09:00", 0, id="L-q")


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (23, 30, True), (0, 0, True), (8, 59, True), (9, 0, False),
     (12, 0, False)],
)
def test_quiet_window_crossing_midnight(hour: int, minute: int, quiet: bool) -> None:
    d = decide(limits=[QUIET], now=at(2026, 11, 23, hour, minute))
    assert (ReasonCode.QUIET_HOURS in d.codes) is quiet
    assert d.allowed is not quiet


def test_quiet_hours_parameters() -> None:
    d = decide(limits=[QUIET], now=at(2026, 11, 23, 22, 15))
    r = d.reason(ReasonCode.QUIET_HOURS)
    assert r is not None and not r.overridable and not d.overridable
    assert r.params == {
        "start": "21:00", "end": "09:00", "timezone": "Asia/Shanghai", "local_time": "22:15",
        "until": at(2026, 11, 24, 9).isoformat(), "limit_id": "L-q",
    }
    after_midnight = decide(limits=[QUIET], now=at(2026, 11, 24, 1)).reason(ReasonCode.QUIET_HOURS)
    assert after_midnight is not None
    assert after_midnight.params["until"] == at(2026, 11, 24, 9).isoformat()


@pytest.mark.parametrize(("hour", "quiet"), [(11, False), (12, True), (13, True), (14, False)])
def test_quiet_window_within_a_day(hour: int, quiet: bool) -> None:
    lunch = PressureLimitSpec("outbound", "month", None, "12:00", "14:00", 0)
    assert (ReasonCode.QUIET_HOURS in decide(limits=[lunch], now=at(2026, 11, 23, hour)).codes) is quiet


def test_quiet_hours_use_the_customers_time_zone() -> None:
    now = dt.datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 21:30 Beijing, 19:30 Urumqi
    assert not decide(limits=[QUIET], now=now).allowed
    xinjiang = PressureSubject("C3", timezone="Asia/Urumqi")
    assert decide(limits=[QUIET], now=now, customer=xinjiang).allowed
    later = dt.datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 21:00 in Urumqi
    d = decide(limits=[QUIET], now=later, customer=xinjiang)
    assert d.reason(ReasonCode.QUIET_HOURS).params["local_time"] == "21:00"  # type: ignore[union-attr]


def test_daylight_saving_zone() -> None:
    berlin = PressureSubject("C4", timezone="Europe/Berlin")
    # the night clocks go forward (2026-03-29 02:00 -> 03:00): the window still ends at 09:00 local
    now = dt.datetime(2026, 3, 28, 21, 30, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    r = decide(limits=[QUIET], now=now, customer=berlin).reason(ReasonCode.QUIET_HOURS)
    assert r is not None
    until = dt.datetime.fromisoformat(r.params["until"])
    assert until.astimezone(ZoneInfo("Europe/Berlin")).hour == 9
    assert until - now == dt.timedelta(hours=10, minutes=30)  # one hour shorter that night


def test_unknown_time_zone_falls_back_to_beijing_time() -> None:
    odd = PressureSubject("C5", timezone="Mars/Olympus")
    assert not decide(limits=[QUIET], now=at(2026, 11, 23, 22), customer=odd).allowed


def test_quiet_hours_do_not_apply_to_inbound_channels() -> None:
    limits = [PressureLimitSpec(ch, "month", None, "21:00", "09:00", 0) for ch in ("hotline", "store")]
    for channel in ("hotline", "store"):
        assert decide(limits=limits, channel=channel, now=at(2026, 11, 23, 23)).allowed


def test_empty_or_equal_window_means_no_quiet_hours() -> None:
    for start, end in ((None, None), ("", ""), ("10:00", "10:00")):
        lim = PressureLimitSpec("outbound", "month", None, start, end, 0)
        assert decide(limits=[lim], now=at(2026, 11, 23, 3)).allowed


def test_bad_limit_definitions() -> None:
    with pytest.raises(ValueError, match="period"):
        PressureLimitSpec("outbound", "year")
    with pytest.raises(ValueError, match="quiet_start"):
        PressureLimitSpec("outbound", quiet_start="9pm")


# ---------------------------------------------------------------- consent


def test_do_not_call_blocks_outbound_only() -> None:
    dnc = PressureSubject("C6", do_not_call=True)
    d = decide(customer=dnc)
    assert d.codes == (ReasonCode.DO_NOT_CALL,) and not d.overridable
    assert d.reasons[0].params["source"] == "flag"
    assert decide(customer=dnc, channel="sms").allowed
    assert decide(customer=dnc, channel="hotline").allowed
    assert channel_blocked(dnc, "outbound") == "do_not_call"
    assert channel_blocked(dnc, "sms") is None


def test_a_do_not_call_wrapup_counts_before_the_flag_syncs() -> None:
    d = decide([call(at(2026, 11, 20), "do_not_call")])
    assert d.codes == (ReasonCode.DO_NOT_CALL,)
    assert d.reasons[0].params["source"] == "contact"
    assert d.reasons[0].params["since"] == at(2026, 11, 20).isoformat()


def test_do_not_sms_blocks_sms_only() -> None:
    dns = PressureSubject("C7", do_not_sms=True)
    assert decide(customer=dns, channel="sms").codes == (ReasonCode.DO_NOT_SMS,)
    assert decide(customer=dns).allowed
    assert channel_blocked(dns, "sms") == "do_not_sms"


# ---------------------------------------------------------------- cool-down

COOL = PressureLimitSpec("outbound", "month", None, None, None, 7)


def test_cooldown_after_a_refusal() -> None:
    refused = at(2026, 11, 16, 14, 1)
    d = decide([call(refused, "refused", policy_id="P-168-504")], [COOL], now=at(2026, 11, 23, 14))
    assert d.codes == (ReasonCode.COOLDOWN,) and d.overridable
    assert d.reasons[0].params == {
        "refused_at": refused.isoformat(), "refused_channel": "outbound",
        "refused_policy_id": "P-168-504", "days": 7,
        "until": (refused + dt.timedelta(days=7)).isoformat(),
    }


def test_cooldown_ends_exactly_after_the_days() -> None:
    refused = at(2026, 11, 16, 14, 0)
    assert decide([call(refused, "refused")], [COOL], now=at(2026, 11, 23, 14, 0)).allowed


def test_a_refusal_in_any_channel_cools_down_proactive_channels() -> None:
    history = [call(at(2026, 11, 20), "refused", channel="store")]
    limits = [COOL, PressureLimitSpec("sms", "month", None, None, None, 5)]
    assert decide(history, limits).codes == (ReasonCode.COOLDOWN,)
    assert decide(history, limits, channel="sms").reasons[0].params["days"] == 5
    assert decide(history, limits, channel="store").allowed


def test_no_cooldown_without_days_or_refusal() -> None:
    assert decide([call(at(2026, 11, 22), "refused")], [MONTHLY_2]).allowed
    assert decide([call(at(2026, 11, 22), "interested")], [COOL]).allowed


def test_the_latest_refusal_counts() -> None:
    history = [call(at(2026, 11, 1), "refused"), call(at(2026, 11, 20), "refused")]
    d = decide(history, [COOL])
    assert d.reasons[0].params["refused_at"] == at(2026, 11, 20).isoformat()


# ---------------------------------------------------------------- complaints and acceptance


def test_open_complaint_blocks_pushes_not_service() -> None:
    angry = PressureSubject("C8", open_complaint=True)
    assert decide(customer=angry).codes == (ReasonCode.OPEN_COMPLAINT,)
    assert decide(customer=angry, channel="sms").codes == (ReasonCode.OPEN_COMPLAINT,)
    assert decide(customer=angry, channel="hotline").allowed


def test_an_accepted_policy_is_suppressed_everywhere() -> None:
    for channel in ("outbound", "hotline", "store", "sms", "online"):
        d = decide(channel=channel, policy_id="P-168-504", accepted_policy_ids={"P-168-504"})
        assert d.codes == (ReasonCode.ALREADY_ACCEPTED,) and not d.overridable
    assert decide(policy_id="P-228-684", accepted_policy_ids={"P-168-504"}).allowed
    assert decide(accepted_policy_ids={"P-168-504"}).allowed  # no policy in question


def test_where_it_was_accepted() -> None:
    d = decide(policy_id="P1", accepted_policy_ids={"P1": "store"})
    assert d.reasons[0].params == {"policy_id": "P1", "channel": "store"}
    d = decide([call(at(2026, 11, 3), "accepted", channel="hotline", policy_id="P1")], policy_id="P1")
    assert d.reasons[0].params == {
        "policy_id": "P1", "channel": "hotline", "accepted_at": at(2026, 11, 3).isoformat(),
    }


def test_all_reasons_are_reported_together() -> None:
    everything = PressureSubject("C9", do_not_call=True, open_complaint=True)
    limits = [PressureLimitSpec("outbound", "month", 1, "21:00", "09:00", 7)]
    history = [call(at(2026, 11, 23, 10), "refused", policy_id="P1")]
    d = decide(history, limits, customer=everything, now=at(2026, 11, 23, 22),
               policy_id="P2", accepted_policy_ids=["P2"])
    assert set(d.codes) == {"do_not_call", "already_accepted", "quiet_hours", "cap_reached",
                            "cooldown", "open_complaint"}
    assert not d.allowed and not d.overridable
    assert all(r.describe() for r in d.reasons)


def test_naive_now_means_utc() -> None:
    naive = dt.datetime(2026, 11, 23, 14, 0)  # 22:00 in Beijing
    assert not decide(limits=[QUIET], now=naive).allowed
    record = ContactRecord("outbound", dt.datetime(2026, 11, 2, 4, 0), "busy")
    assert record.started_at == dt.datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    assert not decide([record, call(at(2026, 11, 3))], [MONTHLY_2]).allowed


# ---------------------------------------------------------------- overrides


def test_a_lead_overrides_a_cap() -> None:
    d = decide([call(at(2026, 11, 2)), call(at(2026, 11, 3))], [MONTHLY_2], policy_id="P1")
    when = at(2026, 11, 23, 14)
    o = override(d, "U-lead1", "  customer asked us to call back  ", at=when)
    assert o.codes == ("cap_reached",) and o.lead_user_id == "U-lead1"
    assert o.reason == "customer asked us to call back" and o.policy_id == "P1"
    assert o.customer_id == "C1" and o.channel == "outbound"
    assert "U-lead1" in o.as_note() and "cap_reached" in o.as_note()
    assert o.to_dict()["at"] == when.isoformat()


def test_what_cannot_be_overridden() -> None:
    with pytest.raises(OverrideNotAllowedError, match="nothing to override"):
        override(decide(), "U-lead1", "why not")
    dnc = decide(customer=PressureSubject("C6", do_not_call=True))
    with pytest.raises(OverrideNotAllowedError, match="do_not_call"):
        override(dnc, "U-lead1", "please")
    capped = decide([call(at(2026, 11, 2)), call(at(2026, 11, 3))], [MONTHLY_2])
    with pytest.raises(OverrideNotAllowedError, match="reason"):
        override(capped, "U-lead1", "   ")
    with pytest.raises(OverrideNotAllowedError, match="lead"):
        override(capped, "", "reason")


# ---------------------------------------------------------------- inputs from rows


def test_from_rows_and_dicts() -> None:
    from server_stub.storage.models import ContactEvent, Customer, PressureLimit

    cust = Customer(id="C1", name="x", phone="1", timezone="Asia/Urumqi", do_not_call=True)
    s = PressureSubject.from_row(cust)
    assert s == PressureSubject("C1", "Asia/Urumqi", True, False, False)
    assert PressureSubject.from_row({"id": "C2", "timezone": None}).timezone == "Asia/Shanghai"

    ev = ContactEvent(id="E1", customer_id="C1", channel="sms", wrapup="refused",
                      started_at=at(2026, 11, 1), policy_id="P1")
    assert ContactRecord.from_row(ev) == ContactRecord("sms", at(2026, 11, 1), "refused", "P1", "E1")
    wire = {"channel": "outbound", "started_at": "2026-11-01T04:00:00+00:00", "wrapup": "busy"}
    assert ContactRecord.from_row(wire).started_at == dt.datetime(2026, 11, 1, 4, tzinfo=UTC)

    lim = PressureLimit(id="L1", channel="outbound", period="week", max_contacts=3,
                        quiet_start="22:00", quiet_end="08:00", cooldown_days_after_refusal=5)
    assert PressureLimitSpec.from_row(lim) == PressureLimitSpec(
        "outbound", "week", 3, "22:00", "08:00", 5, "L1")
    assert PressureLimitSpec.from_row({"channel": "sms"}).max_contacts == 2


def test_period_bounds() -> None:
    now = at(2026, 12, 15, 3)
    assert period_bounds("month", now, SH) == (at(2026, 12, 1, 0), at(2027, 1, 1, 0))
    assert period_bounds("week", now, SH) == (at(2026, 12, 14, 0), at(2026, 12, 21, 0))
    assert period_bounds("day", now, SH) == (at(2026, 12, 15, 0), at(2026, 12, 16, 0))
    with pytest.raises(ValueError):
        period_bounds("year", now, SH)


# ---------------------------------------------------------------- properties


CHANNELS = ["outbound", "sms", "hotline", "store", "online"]
WRAPUPS = ["no_answer", "refused", "interested", "accepted", "busy", "do_not_call"]
ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin", "America/New_York", "UTC"]
BASE = dt.datetime(2026, 11, 1, tzinfo=UTC)

moments = st.integers(0, 60 * 24 * 60).map(lambda m: BASE + dt.timedelta(minutes=m))
records = st.builds(ContactRecord, st.sampled_from(CHANNELS), moments, st.sampled_from(WRAPUPS),
                    st.sampled_from([None, "P1", "P2"]))
limits = st.builds(
    PressureLimitSpec, st.sampled_from([*CHANNELS, ALL_CHANNELS]),
    st.sampled_from(["day", "week", "month"]), st.one_of(st.none(), st.integers(0, 4)),
    st.sampled_from([None, "21:00", "22:30", "12:00"]), st.sampled_from([None, "09:00", "08:00", "14:00"]),
    st.integers(0, 10),
)
subjects = st.builds(PressureSubject, st.just("C"), st.sampled_from(ZONES), st.booleans(),
                     st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(subject=subjects, history=st.lists(records, max_size=8), lims=st.lists(limits, max_size=3),
       channel=st.sampled_from(CHANNELS), now=moments, extra=records,
       policy=st.sampled_from([None, "P1", "P2"]))
def test_more_history_never_unblocks(subject: PressureSubject, history: list[ContactRecord],
                                     lims: list[PressureLimitSpec], channel: str, now: dt.datetime,
                                     extra: ContactRecord, policy: str | None) -> None:
    """Adding a past contact can add reasons but never remove a cap, consent or acceptance."""
    before = check_pressure(subject, history, lims, channel, now, policy_id=policy)
    after = check_pressure(subject, [*history, extra], lims, channel, now, policy_id=policy)
    sticky = {"cap_reached", "do_not_call", "do_not_sms", "already_accepted", "quiet_hours",
              "open_complaint"}
    assert set(before.codes) & sticky <= set(after.codes)
    assert before.allowed == (not before.reasons)
    # the decision does not depend on the order of the history
    shuffled = check_pressure(subject, list(reversed([*history, extra])), lims, channel, now,
                              policy_id=policy)
    assert shuffled.codes == after.codes


@settings(max_examples=200, deadline=None)
@given(subject=subjects, lim=limits, now=moments)
def test_cap_counts_match_a_plain_count(subject: PressureSubject, lim: PressureLimitSpec,
                                        now: dt.datetime) -> None:
    """cap_reached's count is the number of same-channel contacts in the local period."""
    history = [ContactRecord("outbound", now - dt.timedelta(hours=h), "busy") for h in range(0, 24 * 40, 7)]
    d = check_pressure(subject, history, [dataclasses.replace(lim, channel="outbound")], "outbound", now)
    start, end = period_bounds(lim.period, now, subject.zone)
    expected = sum(1 for h in history if start <= h.started_at < end and h.started_at <= now)
    cap = d.reason("cap_reached")
    if lim.max_contacts is None:
        assert cap is None
    elif expected >= lim.max_contacts:
        assert cap is not None and cap.params["count"] == expected
    else:
        assert cap is None
