"""Translated display labels for the domain codes of ``workbench.core.codes``.

Source strings are English; the Chinese comes from workbench/resources/translations (zh_CN first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QDateTime, QLocale, QTime

from workbench.core import tags as tag_vocabulary
from workbench.core.clock import BUSINESS_TZ


def _t(text: str) -> str:
    return QCoreApplication.translate("labels", text)


# Source strings per code, translated one at a time when asked for: a screen pop shows dozens
# of labels, and translating a whole table for each would cost more than painting them.
_CHANNEL = {
    "outbound": QT_TRANSLATE_NOOP("labels", "Outbound call"), "hotline": QT_TRANSLATE_NOOP("labels", "Hotline"), "store": QT_TRANSLATE_NOOP("labels", "Store"),
    "sms": QT_TRANSLATE_NOOP("labels", "SMS"), "online": QT_TRANSLATE_NOOP("labels", "Online"),
}


def channel(code: str) -> str:
    text = _CHANNEL.get(code)
    return code if text is None else _t(text)


_WRAPUP = {
    "accepted": QT_TRANSLATE_NOOP("labels", "Accepted"), "interested": QT_TRANSLATE_NOOP("labels", "Interested, call back"),
    "refused": QT_TRANSLATE_NOOP("labels", "Refused"), "no_answer": QT_TRANSLATE_NOOP("labels", "No answer"), "busy": QT_TRANSLATE_NOOP("labels", "Busy"),
    "wrong_number": QT_TRANSLATE_NOOP("labels", "Wrong number"), "complaint": QT_TRANSLATE_NOOP("labels", "Complaint"),
    "do_not_call": QT_TRANSLATE_NOOP("labels", "Asked not to be called"), "transferred": QT_TRANSLATE_NOOP("labels", "Transferred to store"),
    "info_only": QT_TRANSLATE_NOOP("labels", "Information only"),
}


def wrapup(code: str) -> str:
    text = _WRAPUP.get(code)
    return code if text is None else _t(text)


_INTENT = {"high": QT_TRANSLATE_NOOP("labels", "High"), "medium": QT_TRANSLATE_NOOP("labels", "Medium"), "low": QT_TRANSLATE_NOOP("labels", "Low"), "none": QT_TRANSLATE_NOOP("labels", "None")}


def intent(code: str) -> str:
    text = _INTENT.get(code)
    return code if text is None else _t(text)


_LIFECYCLE = {
    "acquisition": QT_TRANSLATE_NOOP("labels", "Acquisition"), "growth": QT_TRANSLATE_NOOP("labels", "Growth"), "maturity": QT_TRANSLATE_NOOP("labels", "Maturity"),
    "decline": QT_TRANSLATE_NOOP("labels", "Decline"), "churned": QT_TRANSLATE_NOOP("labels", "Churned"),
}


def lifecycle(code: str) -> str:
    text = _LIFECYCLE.get(code)
    return code if text is None else _t(text)


_VALUE_TIER = {
    "high": QT_TRANSLATE_NOOP("labels", "High value"), "potential": QT_TRANSLATE_NOOP("labels", "Potential"), "ordinary": QT_TRANSLATE_NOOP("labels", "Ordinary"),
    "low": QT_TRANSLATE_NOOP("labels", "Low value"),
}


def value_tier(code: str) -> str:
    text = _VALUE_TIER.get(code)
    return code if text is None else _t(text)


_GENDER = {"M": QT_TRANSLATE_NOOP("labels", "Male"), "F": QT_TRANSLATE_NOOP("labels", "Female")}


def gender(code: str) -> str:
    text = _GENDER.get(code)
    return "" if text is None else _t(text)


_SECTION = {
    "opening": QT_TRANSLATE_NOOP("labels", "Opening"), "probing": QT_TRANSLATE_NOOP("labels", "Needs probing"), "offer": QT_TRANSLATE_NOOP("labels", "Offer"),
    "objection": QT_TRANSLATE_NOOP("labels", "Objection handling"), "closing": QT_TRANSLATE_NOOP("labels", "Closing"),
}


def section(code: str) -> str:
    text = _SECTION.get(code)
    return code if text is None else _t(text)


_WORK_ORDER_STATUS = {
    "created": QT_TRANSLATE_NOOP("labels", "Waiting for customer"), "arrived": QT_TRANSLATE_NOOP("labels", "Customer arrived"),
    "done": QT_TRANSLATE_NOOP("labels", "Done"), "failed": QT_TRANSLATE_NOOP("labels", "Failed"), "returned": QT_TRANSLATE_NOOP("labels", "Returned to agent"),
    "cancelled": QT_TRANSLATE_NOOP("labels", "Cancelled"),
}


def work_order_status(code: str) -> str:
    text = _WORK_ORDER_STATUS.get(code)
    return code if text is None else _t(text)


_ROLE = {
    "agent": QT_TRANSLATE_NOOP("labels", "Agent"), "receptionist": QT_TRANSLATE_NOOP("labels", "Receptionist"), "lead": QT_TRANSLATE_NOOP("labels", "Team lead"),
    "admin": QT_TRANSLATE_NOOP("labels", "Administrator"),
}


def role(code: str) -> str:
    text = _ROLE.get(code)
    return code if text is None else _t(text)


def warning(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for a reason not to push."""
    p = dict(params)
    if code == "cap_reached":
        return _t(QT_TRANSLATE_NOOP("labels", "Contact cap reached: {count} of {limit} {channel} contacts this {period}")).format(
            count=p.get("count", "?"), limit=p.get("limit", "?"),
            channel=channel(str(p.get("channel", ""))), period=period(str(p.get("period", "month"))),
        )
    if code == "quiet_hours":
        return _t(QT_TRANSLATE_NOOP("labels", "Quiet hours in the customer's time zone ({start}–{end}, now {local})")).format(
            start=p.get("start", ""), end=p.get("end", ""), local=p.get("local_time", "")
        )
    if code == "do_not_call":
        return _t(QT_TRANSLATE_NOOP("labels", "Do not call: the customer asked not to be called"))
    if code == "do_not_sms":
        return _t(QT_TRANSLATE_NOOP("labels", "Do not send SMS"))
    if code == "cooldown":
        return _t(QT_TRANSLATE_NOOP("labels", "Refused recently: wait until {until}")).format(until=p.get("until", ""))
    if code == "open_complaint":
        return _t(QT_TRANSLATE_NOOP("labels", "Open complaint: solve it before offering anything"))
    if code == "already_accepted":
        if p.get("channel") == "online" and p.get("when"):
            # the customer ordered in the online zone (issue 15 point 7): say when, in the
            # business time zone, as the interface's locale writes a time
            return _t(QT_TRANSLATE_NOOP("labels", "{policy} ordered online at {time}")).format(
                policy=p.get("policy", ""), time=business_time(str(p["when"])))
        return _t(QT_TRANSLATE_NOOP("labels", "{policy} already accepted via {channel} ({where})")).format(
            policy=p.get("policy", ""), channel=channel(str(p.get("channel", ""))),
            where=p.get("where", ""),
        )
    # a reason this version has no sentence for (a newer server): never show the raw code
    return _t(QT_TRANSLATE_NOOP("labels", "Another rule says not to push now"))


def business_time(iso: str, today: dt.date | None = None) -> str:
    """An ISO instant (naive means UTC, as in the stores) as the locale writes it, in the
    business time zone: the time alone if it is today there, else date and time."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(BUSINESS_TZ)
    today = today or dt.datetime.now(BUSINESS_TZ).date()
    t = QTime(local.hour, local.minute)
    fmt = QLocale.FormatType.ShortFormat
    if local.date() == today:
        return QLocale().toString(t, fmt)
    return QLocale().toString(QDateTime(QDate(local.year, local.month, local.day), t), fmt)


_PERIOD = {"day": QT_TRANSLATE_NOOP("labels", "day"), "week": QT_TRANSLATE_NOOP("labels", "week"), "month": QT_TRANSLATE_NOOP("labels", "month")}


def period(code: str) -> str:
    text = _PERIOD.get(code)
    return code if text is None else _t(text)


def ui_language() -> str:
    """"zh" or "en", from the default locale the app installed."""
    return "zh" if QLocale().language() == QLocale.Language.Chinese else "en"


def tag(code: str) -> str:
    """A data-platform tag in words (the code itself if it is not in the vocabulary)."""
    return tag_vocabulary.label(code, ui_language())


_CALLBACK_MOVE = {
    "quiet_hours": QT_TRANSLATE_NOOP("labels", "the customer's quiet hours"),
    "cap_reached": QT_TRANSLATE_NOOP("labels", "the contact cap is reached"),
}


def callback_move_reason(code: str) -> str:
    """Why a call-back was moved to a later time."""
    return _t(_CALLBACK_MOVE[code]) if code in _CALLBACK_MOVE else code


_TASK_MOVE = {
    "recycle": QT_TRANSLATE_NOOP("labels", "Returned to the team pool"),
    "claim": QT_TRANSLATE_NOOP("labels", "Claimed from the pool"),
    "release": QT_TRANSLATE_NOOP("labels", "Released to the pool"),
    "reassign": QT_TRANSLATE_NOOP("labels", "Reassigned"),
    "assign": QT_TRANSLATE_NOOP("labels", "Assigned by rule"),
    "warn": QT_TRANSLATE_NOOP("labels", "Warned before recycling"),
    "rewarn": QT_TRANSLATE_NOOP("labels", "Recycling warning moved"),
    "withdraw": QT_TRANSLATE_NOOP("labels", "Recycling warning withdrawn"),
}


def task_move(code: str) -> str:
    """A move of a task between holders and the team pool (issue 17 point 6)."""
    return _t(_TASK_MOVE[code]) if code in _TASK_MOVE else code
