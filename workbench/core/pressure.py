"""Contact pressure (接触管控): may we contact this customer, in this channel, now?

One function, :func:`check_pressure`, decides for the server (task generation) and the
desktop (screen pop, before dialling). Its inputs are small frozen dataclasses built from
rows or dicts with their ``from_row`` helpers; its answer is a :class:`PressureDecision`
with every reason that applies, each a stable code plus parameters so the UI can word it
in the agent's language.

Rules, in the customer's own time zone (``customer.timezone``, zoneinfo):

``do_not_call`` / ``do_not_sms``
    the consent flags (or a contact event whose wrap-up was ``do_not_call``) block outbound
    calls / SMS. Never overridable.
``quiet_hours``
    a limit's ``quiet_start``–``quiet_end`` window (it may cross midnight: 21:00–09:00)
    blocks proactive channels (outbound, SMS, online). The start is inside the window, the
    end is not. Never overridable.
``cap_reached``
    at most ``max_contacts`` contacts in the limit's channel per calendar day, ISO week
    (Monday to Sunday) or calendar month, local time. Every attempt counts, answered or not.
    Exactly at the cap is blocked. A lead may override.
``cooldown``
    no proactive contact for ``cooldown_days_after_refusal`` days after the customer
    refused an offer in any channel. A lead may override.
``open_complaint``
    no marketing push while a complaint is open. A lead may override.
``already_accepted``
    a policy accepted anywhere is never offered again. Never overridable.

Inbound channels (hotline, store: the customer came to us) are subject only to caps the
admin defined for them and to ``already_accepted``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench.core.clock import BUSINESS_TZ_NAME, parse_when, utcnow
from workbench.core.codes import Channel, WrapUp
from workbench.core.errors import UserError

__all__ = [
    "ALL_CHANNELS",
    "BLOCKING_FLAG",
    "DEFAULT_TIMEZONE",
    "INBOUND_CHANNELS",
    "NOT_OVERRIDABLE",
    "OVERRIDABLE",
    "PROACTIVE_CHANNELS",
    "ContactRecord",
    "Override",
    "LimitSpecError",
    "OverrideNotAllowedError",
    "PressureDecision",
    "PressureLimitSpec",
    "PressureReason",
    "PressureSubject",
    "ReasonCode",
    "channel_blocked",
    "check_pressure",
    "override",
    "period_bounds",
]

DEFAULT_TIMEZONE = BUSINESS_TZ_NAME
#: A limit with this channel counts contacts in every channel together.
ALL_CHANNELS = "*"
#: Channels where we reach out; quiet hours, cool-down and complaints apply to these.
PROACTIVE_CHANNELS = frozenset({Channel.OUTBOUND.value, Channel.SMS.value, Channel.ONLINE.value})
#: Channels where the customer reaches us.
INBOUND_CHANNELS = frozenset({Channel.HOTLINE.value, Channel.STORE.value})
#: The consent flag that makes a channel pointless: task generation skips these outright.
BLOCKING_FLAG: Mapping[str, str] = {
    Channel.OUTBOUND.value: "do_not_call",
    Channel.SMS.value: "do_not_sms",
}


class ReasonCode:
    """Stable reason codes (the UI translates them)."""

    CAP_REACHED = "cap_reached"
    QUIET_HOURS = "quiet_hours"
    DO_NOT_CALL = "do_not_call"
    DO_NOT_SMS = "do_not_sms"
    COOLDOWN = "cooldown"
    OPEN_COMPLAINT = "open_complaint"
    ALREADY_ACCEPTED = "already_accepted"


#: Reasons a team lead may override (the override is recorded).
OVERRIDABLE = frozenset({ReasonCode.CAP_REACHED, ReasonCode.COOLDOWN, ReasonCode.OPEN_COMPLAINT})
#: Reasons nobody may override: consent, the law's quiet hours, an offer already taken.
NOT_OVERRIDABLE = frozenset(
    {ReasonCode.QUIET_HOURS, ReasonCode.DO_NOT_CALL, ReasonCode.DO_NOT_SMS,
     ReasonCode.ALREADY_ACCEPTED}
)


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def _when(value: Any) -> dt.datetime:
    return parse_when(value)


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PressureSubject:
    """The customer as contact pressure sees them."""

    customer_id: str
    timezone: str = DEFAULT_TIMEZONE
    do_not_call: bool = False
    do_not_sms: bool = False
    open_complaint: bool = False

    @classmethod
    def from_row(cls, row: Any) -> PressureSubject:
        """From a customer row (ORM object) or portrait dict."""
        return cls(
            customer_id=str(_get(row, "id", _get(row, "customer_id", "")) or ""),
            timezone=str(_get(row, "timezone") or DEFAULT_TIMEZONE),
            do_not_call=bool(_get(row, "do_not_call") or False),
            do_not_sms=bool(_get(row, "do_not_sms") or False),
            open_complaint=bool(_get(row, "open_complaint") or False),
        )

    @property
    def zone(self) -> ZoneInfo:
        """The customer's time zone; an unknown name falls back to Asia/Shanghai."""
        return _zone(self.timezone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


@dataclass(frozen=True)
class ContactRecord:
    """One past contact (a contact event) of the customer."""

    channel: str
    started_at: dt.datetime
    wrapup: str
    policy_id: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        if self.started_at.tzinfo is None:  # naive means UTC, as everywhere in the stores
            object.__setattr__(self, "started_at", self.started_at.replace(tzinfo=dt.UTC))

    @classmethod
    def from_row(cls, row: Any) -> ContactRecord:
        """From a contact-event row or its wire dict (``started_at`` may be ISO text)."""
        return cls(
            channel=str(_get(row, "channel")),
            started_at=_when(_get(row, "started_at")),
            wrapup=str(_get(row, "wrapup") or ""),
            policy_id=_get(row, "policy_id"),
            id=_get(row, "id"),
        )


class LimitSpecError(UserError, ValueError):
    """A pressure limit that cannot be saved (a bad period or time); the message says why."""


@dataclass(frozen=True)
class PressureLimitSpec:
    """One limit: a cap per channel and period, with quiet hours and a cool-down."""

    channel: str
    period: str = "month"
    max_contacts: int | None = 2
    quiet_start: str | None = "21:00"
    quiet_end: str | None = "09:00"
    cooldown_days_after_refusal: int = 7
    id: str = ""

    def __post_init__(self) -> None:
        if self.period not in ("day", "week", "month"):
            raise LimitSpecError("period must be day, week or month, not {period!r}", period=self.period)
        for name in ("quiet_start", "quiet_end"):
            value = getattr(self, name)
            if value:
                _parse_hhmm(value, name)

    @classmethod
    def from_row(cls, row: Any) -> PressureLimitSpec:
        """From a pressure-limit row or dict."""
        max_contacts = _get(row, "max_contacts", 2)
        return cls(
            channel=str(_get(row, "channel")),
            period=str(_get(row, "period") or "month"),
            max_contacts=None if max_contacts is None else int(max_contacts),
            quiet_start=_get(row, "quiet_start") or None,
            quiet_end=_get(row, "quiet_end") or None,
            cooldown_days_after_refusal=int(_get(row, "cooldown_days_after_refusal") or 0),
            id=str(_get(row, "id") or ""),
        )

    def applies_to(self, channel: str) -> bool:
        return self.channel in (channel, ALL_CHANNELS)

    @property
    def quiet_window(self) -> tuple[dt.time, dt.time] | None:
        if not self.quiet_start or not self.quiet_end:
            return None
        start = _parse_hhmm(self.quiet_start, "quiet_start")
        end = _parse_hhmm(self.quiet_end, "quiet_end")
        return None if start == end else (start, end)


def _parse_hhmm(text: str, name: str) -> dt.time:
    try:
        hh, mm = text.strip().split(":")
        if text.strip() == "24:00":
            return dt.time(0, 0)
        return dt.time(int(hh), int(mm))
    except (ValueError, AttributeError):
        raise LimitSpecError("{name} must be a time like 21:00, not {value!r}", name=name, value=text) from None


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True)
class PressureReason:
    """Why not: a stable ``code`` and the parameters the UI needs to say it."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def overridable(self) -> bool:
        return self.code in OVERRIDABLE

    def describe(self) -> str:
        """A plain English sentence (for logs and notes; the UI translates the code)."""
        p = self.params
        if self.code == ReasonCode.CAP_REACHED:
            return (
                f"{p['count']} {p['channel']} contacts this {p['period']} "
                f"(limit {p['limit']})"
            )
        if self.code == ReasonCode.QUIET_HOURS:
            return (
                f"quiet hours {p['start']}–{p['end']} in {p['timezone']} "
                f"(customer's time {p['local_time']})"
            )
        if self.code == ReasonCode.COOLDOWN:
            return f"refused on {p['refused_at'][:10]}; cool-down until {p['until'][:16]}"
        if self.code == ReasonCode.ALREADY_ACCEPTED:
            where = f" via {p['channel']}" if p.get("channel") else ""
            return f"policy {p['policy_id']} already accepted{where}"
        return {
            ReasonCode.DO_NOT_CALL: "customer asked not to be called",
            ReasonCode.DO_NOT_SMS: "customer asked not to receive SMS",
            ReasonCode.OPEN_COMPLAINT: "customer has an open complaint",
        }.get(self.code, self.code)


@dataclass(frozen=True)
class PressureDecision:
    """The answer of :func:`check_pressure`."""

    allowed: bool
    reasons: tuple[PressureReason, ...] = ()
    channel: str = ""
    customer_id: str = ""
    checked_at: dt.datetime | None = None
    policy_id: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    @property
    def overridable(self) -> bool:
        """True when blocked only by reasons a lead may override."""
        return not self.allowed and all(r.overridable for r in self.reasons)

    def reason(self, code: str) -> PressureReason | None:
        return next((r for r in self.reasons if r.code == code), None)


class OverrideNotAllowedError(UserError, ValueError):
    """An override asked for a decision that no one may override. Safe to show."""


@dataclass(frozen=True)
class Override:
    """A lead's permission to contact despite overridable pressure reasons.

    The app records it (as a contact-event note via :meth:`as_note`, or as its own row).
    """

    customer_id: str
    channel: str
    lead_user_id: str
    reason: str
    codes: tuple[str, ...]
    at: dt.datetime
    policy_id: str | None = None

    def as_note(self) -> str:
        """A one-line note for the contact event that used this override."""
        return (
            f"[override by {self.lead_user_id} at {self.at.isoformat(timespec='minutes')}: "
            f"{', '.join(self.codes)}] {self.reason}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "channel": self.channel,
            "lead_user_id": self.lead_user_id,
            "reason": self.reason,
            "codes": list(self.codes),
            "at": self.at.isoformat(),
            "policy_id": self.policy_id,
        }


def override(
    decision: PressureDecision,
    lead_user_id: str,
    reason: str,
    *,
    at: dt.datetime | None = None,
) -> Override:
    """Record a lead's override of a blocked decision.

    Raises:
        OverrideNotAllowedError: if the decision was allowed anyway, if any of its reasons
            may not be overridden (do-not-call, quiet hours, already accepted), or if no
            reason or lead is given.
    """
    if decision.allowed:
        raise OverrideNotAllowedError("nothing to override: the contact is allowed")
    blocked = [r.code for r in decision.reasons if not r.overridable]
    if blocked:
        raise OverrideNotAllowedError(
            f"cannot be overridden: {', '.join(blocked)}"
        )
    if not lead_user_id:
        raise OverrideNotAllowedError("an override needs the lead who gives it")
    if not reason or not reason.strip():
        raise OverrideNotAllowedError("an override needs a reason")
    return Override(
        customer_id=decision.customer_id,
        channel=decision.channel,
        lead_user_id=lead_user_id,
        reason=reason.strip(),
        codes=decision.codes,
        at=at or utcnow(),
        policy_id=decision.policy_id,
    )


# ---------------------------------------------------------------- periods and windows


def period_bounds(period: str, now: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The calendar day / ISO week / month containing ``now`` in ``zone``, as UTC [start, end)."""
    local = now.astimezone(zone)
    day = local.date()
    if period == "day":
        start_date, end_date = day, day + dt.timedelta(days=1)
    elif period == "week":
        start_date = day - dt.timedelta(days=day.weekday())
        end_date = start_date + dt.timedelta(days=7)
    elif period == "month":
        start_date = day.replace(day=1)
        end_date = (start_date + dt.timedelta(days=32)).replace(day=1)
    else:
        raise LimitSpecError("unknown period {period!r}", period=period)
    start = dt.datetime.combine(start_date, dt.time(0), zone)
    end = dt.datetime.combine(end_date, dt.time(0), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _in_window(t: dt.time, start: dt.time, end: dt.time) -> bool:
    if start < end:
        return start <= t < end
    return t >= start or t < end  # crosses midnight


def _window_end(local: dt.datetime, start: dt.time, end: dt.time, zone: ZoneInfo) -> dt.datetime:
    """When the quiet window containing ``local`` ends, in UTC."""
    end_dt = dt.datetime.combine(local.date(), end, zone)
    if end_dt <= local:
        end_dt = dt.datetime.combine(local.date() + dt.timedelta(days=1), end, zone)
    return end_dt.astimezone(dt.UTC)


# ---------------------------------------------------------------- the decision


def channel_blocked(customer: PressureSubject, channel: str) -> str | None:
    """The consent reason code that makes ``channel`` pointless for ``customer``, if any."""
    flag = BLOCKING_FLAG.get(channel)
    if flag and getattr(customer, flag):
        return flag
    return None


def check_pressure(
    customer: PressureSubject,
    history: Sequence[ContactRecord],
    limits: Sequence[PressureLimitSpec],
    channel: str,
    now: dt.datetime,
    *,
    policy_id: str | None = None,
    accepted_policy_ids: Collection[str] = (),
) -> PressureDecision:
    """Decide whether ``customer`` may be contacted in ``channel`` at ``now``.

    Args:
        customer: consent flags, complaint flag and time zone.
        history: the customer's past contacts (any order; later ones are ignored).
        limits: the pressure limits in force (those for other channels are ignored).
        channel: the channel of the intended contact.
        now: the moment of the contact (aware; naive means UTC).
        policy_id: the policy to be offered, if any (for ``already_accepted``).
        accepted_policy_ids: policies this customer accepted anywhere; a mapping of
            policy id -> channel also says where.

    Returns:
        A decision listing every reason that applies; ``allowed`` only if there is none.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    zone = customer.zone
    reasons: list[PressureReason] = []
    proactive = channel in PROACTIVE_CHANNELS
    past = [h for h in history if h.started_at <= now]

    # consent
    if channel == Channel.OUTBOUND.value:
        asked = [h for h in past if h.wrapup == WrapUp.DO_NOT_CALL.value]
        if customer.do_not_call or asked:
            params: dict[str, Any] = {"source": "flag" if customer.do_not_call else "contact"}
            if asked:
                params["since"] = min(h.started_at for h in asked).isoformat()
            reasons.append(PressureReason(ReasonCode.DO_NOT_CALL, params))
    if channel == Channel.SMS.value and customer.do_not_sms:
        reasons.append(PressureReason(ReasonCode.DO_NOT_SMS, {"source": "flag"}))

    # already accepted anywhere
    if policy_id is not None:
        where: str | None = None
        accepted = policy_id in accepted_policy_ids
        if accepted and isinstance(accepted_policy_ids, Mapping):
            where = accepted_policy_ids.get(policy_id)
        events = [
            h for h in past if h.policy_id == policy_id and h.wrapup == WrapUp.ACCEPTED.value
        ]
        if events:
            accepted = True
            first = min(events, key=lambda h: h.started_at)
            where = where or first.channel
        if accepted:
            params = {"policy_id": policy_id, "channel": where}
            if events:
                params["accepted_at"] = min(h.started_at for h in events).isoformat()
            reasons.append(PressureReason(ReasonCode.ALREADY_ACCEPTED, params))

    relevant = [lim for lim in limits if lim.applies_to(channel)]

    # quiet hours
    if proactive:
        local = now.astimezone(zone)
        seen: set[tuple[dt.time, dt.time]] = set()
        for lim in relevant:
            window = lim.quiet_window
            if window is None or window in seen:
                continue
            seen.add(window)
            start, end = window
            if _in_window(local.time(), start, end):
                reasons.append(PressureReason(ReasonCode.QUIET_HOURS, {
                    "start": start.strftime("%H:%M"),
                    "end": end.strftime("%H:%M"),
                    "timezone": zone.key,
                    "local_time": local.strftime("%H:%M"),
                    "until": _window_end(local, start, end, zone).isoformat(),
                    "limit_id": lim.id,
                }))

    # caps
    for lim in relevant:
        if lim.max_contacts is None:
            continue
        since, until = period_bounds(lim.period, now, zone)
        count = sum(
            1 for h in past
            if since <= h.started_at < until and (lim.channel == ALL_CHANNELS or h.channel == channel)
        )
        if count >= lim.max_contacts:
            reasons.append(PressureReason(ReasonCode.CAP_REACHED, {
                "channel": lim.channel if lim.channel == ALL_CHANNELS else channel,
                "period": lim.period,
                "count": count,
                "limit": lim.max_contacts,
                "period_start": since.isoformat(),
                "until": until.isoformat(),
                "limit_id": lim.id,
            }))

    # cool-down after a refusal
    if proactive:
        days = max((lim.cooldown_days_after_refusal for lim in relevant), default=0)
        refusals = [h for h in past if h.wrapup == WrapUp.REFUSED.value]
        if days > 0 and refusals:
            last = max(refusals, key=lambda h: h.started_at)
            until = last.started_at + dt.timedelta(days=days)
            if now < until:
                reasons.append(PressureReason(ReasonCode.COOLDOWN, {
                    "refused_at": last.started_at.isoformat(),
                    "refused_channel": last.channel,
                    "refused_policy_id": last.policy_id,
                    "days": days,
                    "until": until.isoformat(),
                }))

    # open complaint
    if proactive and customer.open_complaint:
        reasons.append(PressureReason(ReasonCode.OPEN_COMPLAINT, {}))

    return PressureDecision(
        allowed=not reasons,
        reasons=tuple(reasons),
        channel=channel,
        customer_id=customer.customer_id,
        checked_at=now,
        policy_id=policy_id,
    )
