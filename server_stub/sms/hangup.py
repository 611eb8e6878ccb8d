"""The hang-up SMS (挂机短信): after a call, the agent's desk asks the server to send the
chosen policy's hang-up template with the customer's personal link to the online zone.

The desk writes the request (mutation ``sms`` / ``request``) to its outbox in the same
transaction as the outcome, so offline it waits there and goes with the next sync. The
server checks it like any push: the customer in the caller's scope, the policy, the contact
pressure of the SMS channel (do-not-SMS, caps, cool-down, already accepted; quiet hours only
delay it: the outbox holds it until they end), the text against the sensitive words. The
request id is the message id, so a request is queued once, whatever the retries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server_stub.changes import Change
from server_stub.sms.campaign import personal_link, portrait_values
from server_stub.sms.gateway import SmsSettings
from server_stub.sms.outbox import queue_message
from server_stub.sms.words import load_words
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Policy,
    PressureLimit,
    SmsMessage,
    SmsTemplate,
)
from server_stub.sync import Rejected, _Batch, _check_text, _require_id
from workbench.core.codes import AcceptanceStatus, Channel
from workbench.core.pressure import (
    ContactRecord,
    PressureLimitSpec,
    PressureSubject,
    ReasonCode,
    check_pressure,
)
from workbench.core.sms_text import RenderError, find_sensitive, render

DEFAULT_HANGUP_TEMPLATE = "【客户服务】{name}您好，感谢来电。{policy}：{pitch} 办理请点{link} 回TD退订"


def hangup_template(session: Any, policy_id: str) -> SmsTemplate | None:
    """The policy's published hang-up template, else the general one."""
    rows = session.execute(select(SmsTemplate).where(SmsTemplate.status == "published",
                                                     SmsTemplate.purpose == "hangup")
                           .order_by(SmsTemplate.id)).scalars().all()
    return next((t for t in rows if t.policy_id == policy_id), None) or next(
        (t for t in rows if t.policy_id is None), None)


def request_from_push(b: _Batch, data: dict[str, Any]) -> list[Change]:
    """Queue one hang-up SMS (push handler of ``sms`` / ``request``)."""
    mid = _require_id(data)
    cust = b.full_customer(data.get("customer_id"))
    policy_id = data.get("policy_id")
    if not isinstance(policy_id, str):
        raise Rejected("policy_id: required (the hang-up SMS sends a policy's offer)")
    policy = b.session.get(Policy, policy_id)
    if policy is None:
        raise Rejected(f"policy {policy_id} does not exist")
    task_id = data.get("task_id")
    if task_id is not None:
        _check_text("task_id", task_id, 40)
    if b.session.get(SmsMessage, mid) is not None or b.session.execute(
            select(SmsMessage.id).where(SmsMessage.request_key == mid)).first():
        raise Rejected(f"hang-up SMS {mid} was already requested")
    history = [ContactRecord.from_row(r) for r in b.session.execute(
        select(ContactEvent).where(ContactEvent.customer_id == cust.id)).scalars()]
    accepted = {a: c for a, c in b.session.execute(
        select(Acceptance.policy_id, Acceptance.channel).where(Acceptance.customer_id == cust.id,
                                                               Acceptance.status == AcceptanceStatus.ACCEPTED.value))}
    limits = [PressureLimitSpec.from_row(r) for r in b.session.execute(select(PressureLimit)).scalars()]
    decision = check_pressure(PressureSubject.from_row(cust), history, limits, Channel.SMS.value, b.now,
                              policy_id=policy_id, accepted_policy_ids=accepted)
    blocking = [r for r in decision.reasons if r.code != ReasonCode.QUIET_HOURS]
    if blocking:
        raise Rejected("hang-up SMS not sent: " + "; ".join(r.describe() for r in blocking))
    settings = SmsSettings.from_env_or_default()
    template = hangup_template(b.session, policy_id)
    try:
        text = render(template.body if template else DEFAULT_HANGUP_TEMPLATE,
                      portrait_values(cust, policy, personal_link(settings, cust.id)))
    except RenderError as exc:
        raise Rejected(f"hang-up SMS not sent: the template cannot be filled ({exc})") from None
    hits = find_sensitive(text, load_words(b.session))
    if hits:
        raise Rejected(f"hang-up SMS not sent: {hits[0].describe()}")
    changes: list[Change] = []
    queue_message(b.session, cust, text, kind="hangup", cost_per_segment=settings.cost_per_segment,
                  policy_id=policy_id, task_id=None, template_id=template.id if template else None,
                  user_id=b.principal.user_id, team_id=b.principal.team_id or cust.team_id, request_key=mid,
                  now=b.now, message_id=mid, changes=changes)
    return changes
