"""Translated display labels for the domain codes of ``workbench.services.codes``.

Source strings are English; the Chinese comes from resources/translations (zh_CN first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from workbench.services import tags as tag_vocabulary


def _t(text: str) -> str:
    return QCoreApplication.translate("labels", text)


def channel(code: str) -> str:
    return {
        "outbound": _t(QT_TRANSLATE_NOOP("labels", "Outbound call")), "hotline": _t(QT_TRANSLATE_NOOP("labels", "Hotline")), "store": _t(QT_TRANSLATE_NOOP("labels", "Store")),
        "sms": _t(QT_TRANSLATE_NOOP("labels", "SMS")), "online": _t(QT_TRANSLATE_NOOP("labels", "Online")),
    }.get(code, code)


def wrapup(code: str) -> str:
    return {
        "accepted": _t(QT_TRANSLATE_NOOP("labels", "Accepted")), "interested": _t(QT_TRANSLATE_NOOP("labels", "Interested, call back")),
        "refused": _t(QT_TRANSLATE_NOOP("labels", "Refused")), "no_answer": _t(QT_TRANSLATE_NOOP("labels", "No answer")), "busy": _t(QT_TRANSLATE_NOOP("labels", "Busy")),
        "wrong_number": _t(QT_TRANSLATE_NOOP("labels", "Wrong number")), "complaint": _t(QT_TRANSLATE_NOOP("labels", "Complaint")),
        "do_not_call": _t(QT_TRANSLATE_NOOP("labels", "Asked not to be called")), "transferred": _t(QT_TRANSLATE_NOOP("labels", "Transferred to store")),
        "info_only": _t(QT_TRANSLATE_NOOP("labels", "Information only")),
    }.get(code, code)


def intent(code: str) -> str:
    return {"high": _t(QT_TRANSLATE_NOOP("labels", "High")), "medium": _t(QT_TRANSLATE_NOOP("labels", "Medium")), "low": _t(QT_TRANSLATE_NOOP("labels", "Low")), "none": _t(QT_TRANSLATE_NOOP("labels", "None"))}.get(code, code)


def lifecycle(code: str) -> str:
    return {
        "acquisition": _t(QT_TRANSLATE_NOOP("labels", "Acquisition")), "growth": _t(QT_TRANSLATE_NOOP("labels", "Growth")), "maturity": _t(QT_TRANSLATE_NOOP("labels", "Maturity")),
        "decline": _t(QT_TRANSLATE_NOOP("labels", "Decline")), "churned": _t(QT_TRANSLATE_NOOP("labels", "Churned")),
    }.get(code, code)


def value_tier(code: str) -> str:
    return {
        "high": _t(QT_TRANSLATE_NOOP("labels", "High value")), "potential": _t(QT_TRANSLATE_NOOP("labels", "Potential")), "ordinary": _t(QT_TRANSLATE_NOOP("labels", "Ordinary")),
        "low": _t(QT_TRANSLATE_NOOP("labels", "Low value")),
    }.get(code, code)


def gender(code: str) -> str:
    return {"M": _t(QT_TRANSLATE_NOOP("labels", "Male")), "F": _t(QT_TRANSLATE_NOOP("labels", "Female"))}.get(code, "")


def section(code: str) -> str:
    return {
        "opening": _t(QT_TRANSLATE_NOOP("labels", "Opening")), "probing": _t(QT_TRANSLATE_NOOP("labels", "Needs probing")), "offer": _t(QT_TRANSLATE_NOOP("labels", "Offer")),
        "objection": _t(QT_TRANSLATE_NOOP("labels", "Objection handling")), "closing": _t(QT_TRANSLATE_NOOP("labels", "Closing")),
    }.get(code, code)


def work_order_status(code: str) -> str:
    return {
        "created": _t(QT_TRANSLATE_NOOP("labels", "Waiting for customer")), "arrived": _t(QT_TRANSLATE_NOOP("labels", "Customer arrived")),
        "done": _t(QT_TRANSLATE_NOOP("labels", "Done")), "failed": _t(QT_TRANSLATE_NOOP("labels", "Failed")), "returned": _t(QT_TRANSLATE_NOOP("labels", "Returned to agent")),
        "cancelled": _t(QT_TRANSLATE_NOOP("labels", "Cancelled")),
    }.get(code, code)


def role(code: str) -> str:
    return {
        "agent": _t(QT_TRANSLATE_NOOP("labels", "Agent")), "receptionist": _t(QT_TRANSLATE_NOOP("labels", "Receptionist")), "lead": _t(QT_TRANSLATE_NOOP("labels", "Team lead")),
        "admin": _t(QT_TRANSLATE_NOOP("labels", "Administrator")),
    }.get(code, code)


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
        return _t(QT_TRANSLATE_NOOP("labels", "{policy} already accepted via {channel} ({where})")).format(
            policy=p.get("policy", ""), channel=channel(str(p.get("channel", ""))),
            where=p.get("where", ""),
        )
    return code


def period(code: str) -> str:
    return {"day": _t(QT_TRANSLATE_NOOP("labels", "day")), "week": _t(QT_TRANSLATE_NOOP("labels", "week")), "month": _t(QT_TRANSLATE_NOOP("labels", "month"))}.get(code, code)


def ui_language() -> str:
    """"zh" or "en", from the default locale the app installed."""
    return "zh" if QLocale().language() == QLocale.Language.Chinese else "en"


def tag(code: str) -> str:
    """A data-platform tag in words (the code itself if it is not in the vocabulary)."""
    return tag_vocabulary.label(code, ui_language())
