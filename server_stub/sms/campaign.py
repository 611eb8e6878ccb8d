"""``workbench-server send-sms``: send the open SMS tasks, through the same contact-pressure
check as calls, and whatever else waits in the outbox.

For each open SMS task without a message: :func:`~workbench.core.pressure.check_pressure`
(quiet hours in the customer's zone, do-not-SMS, caps, cool-down, already accepted) decides;
allowed tasks get their policy's campaign template (or the default) filled from the portrait,
with the customer's personal link, and go to the outbox with their contact event, the task
done — all in one transaction per chunk, so a task is queued once whatever happens. Then the
outbox is sent (:func:`server_stub.sms.outbox.deliver`). ``already accepted`` suppresses the
task and ``do-not-SMS`` cancels it; quiet hours, caps and cool-downs leave it open for a
later run. ``--every`` repeats the run on a schedule.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.changes import Change, append
from server_stub.online.links import link_secret, make_link
from server_stub.sms import outbox
from server_stub.sms.gateway import NOT_CONFIGURED, GatewayConfigError, SmsSettings, make_sender
from server_stub.sms.words import load_words
from server_stub.storage.db import open_central, session_factory, unit_of_work
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Customer,
    Policy,
    PressureLimit,
    SmsMessage,
    SmsTemplate,
    Task,
)
from server_stub.sync import change_for, lock_log
from workbench.core.codes import AcceptanceStatus, Channel, TaskStatus
from workbench.core.entities import utcnow
from workbench.core.pressure import (
    ContactRecord,
    PressureLimitSpec,
    PressureSubject,
    ReasonCode,
    check_pressure,
)
from workbench.core.sms_text import RenderError, find_sensitive, render

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "【客户服务】{name}您好，{policy}：{pitch} 详情{link} 回TD退订"
CHUNK = 500


@dataclass
class EnqueueReport:
    """What :func:`enqueue_tasks` did with the open SMS tasks it looked at."""

    queued: int = 0
    looked_at: int = 0
    blocked: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        held = ", ".join(f"{k} {v}" for k, v in sorted(self.blocked.items())) or "none"
        return f"{self.queued} of {self.looked_at} SMS tasks queued; held back: {held}"


def portrait_values(cust: Customer, policy: Policy | None, link: str) -> dict[str, str]:
    """Placeholder values of a customer (and policy)."""
    return {
        "name": cust.name, "policy": policy.name if policy else "", "pitch": policy.pitch if policy else "",
        "link": link, "plan": cust.plan_name, "fee": str(cust.plan_fee), "city": cust.city, "agent": "",
        "code": "",
    }


def campaign_templates(session: Session, purpose: str = "campaign") -> dict[str | None, SmsTemplate]:
    """Published templates for ``purpose`` by policy id (None: the general one)."""
    out: dict[str | None, SmsTemplate] = {}
    for t in session.execute(select(SmsTemplate).where(SmsTemplate.status == "published",
                                                       SmsTemplate.purpose == purpose)
                             .order_by(SmsTemplate.id)).scalars():
        out.setdefault(t.policy_id, t)
    return out


def personal_link(settings: SmsSettings, customer_id: str, secret: str | None = None) -> str:
    """The customer's signed link, or the zone's login page when no secret is configured."""
    secret = link_secret() if secret is None else secret
    if not secret:
        return f"{settings.online_base}/online/"
    return make_link(secret, settings.online_base, customer_id)


def enqueue_tasks(
    factory: sessionmaker[Session],
    settings: SmsSettings,
    *,
    cost_per_segment: float,
    limit: int | None = None,
    now: dt.datetime | None = None,
    chunk: int = CHUNK,
) -> EnqueueReport:
    """Queue a message for every open SMS task that pressure allows (see the module doc)."""
    report = EnqueueReport()
    secret = link_secret()
    after = ""
    while limit is None or report.looked_at < limit:
        when = now or utcnow()
        with unit_of_work(factory) as session:
            lock_log(session)
            size = chunk if limit is None else min(chunk, limit - report.looked_at)
            tasks = list(session.execute(
                select(Task).outerjoin(SmsMessage, SmsMessage.task_id == Task.id)
                .where(Task.channel == Channel.SMS.value, Task.status == TaskStatus.OPEN.value,
                       SmsMessage.id.is_(None), Task.id > after)
                .order_by(Task.id).limit(size)).scalars())
            if not tasks:
                break
            after = tasks[-1].id
            report.looked_at += len(tasks)
            _enqueue_chunk(session, settings, tasks, when, cost_per_segment, secret, report)
    return report


def _enqueue_chunk(session: Session, settings: SmsSettings, tasks: list[Task], now: dt.datetime,
                   cost: float, secret: str, report: EnqueueReport) -> None:
    cids = {t.customer_id for t in tasks}
    customers = {c.id: c for c in session.execute(select(Customer).where(Customer.id.in_(cids))).scalars()}
    policies = {p.id: p for p in session.execute(
        select(Policy).where(Policy.id.in_({t.policy_id for t in tasks}))).scalars()}
    history: dict[str, list[ContactRecord]] = defaultdict(list)
    for row in session.execute(select(ContactEvent.customer_id, ContactEvent.channel, ContactEvent.started_at,
                                      ContactEvent.wrapup, ContactEvent.policy_id, ContactEvent.id)
                               .where(ContactEvent.customer_id.in_(cids))):
        history[row[0]].append(ContactRecord(row[1], row[2], row[3], row[4], row[5]))
    accepted: dict[str, dict[str, str]] = defaultdict(dict)
    for cid, pid, channel in session.execute(select(Acceptance.customer_id, Acceptance.policy_id, Acceptance.channel)
                                             .where(Acceptance.customer_id.in_(cids),
                                                    Acceptance.status == AcceptanceStatus.ACCEPTED.value)):
        accepted[cid][pid] = channel
    limits = [PressureLimitSpec.from_row(r) for r in session.execute(select(PressureLimit)).scalars()]
    templates = campaign_templates(session)
    words = load_words(session)
    changes: list[Change] = []
    for task in tasks:
        cust = customers.get(task.customer_id)
        if cust is None:
            report.blocked["no_customer"] += 1
            continue
        decision = check_pressure(PressureSubject.from_row(cust), history[cust.id], limits, Channel.SMS.value, now,
                                  policy_id=task.policy_id, accepted_policy_ids=accepted[cust.id])
        if not decision.allowed:
            codes = set(decision.codes)
            for code in codes:
                report.blocked[code] += 1
            if ReasonCode.ALREADY_ACCEPTED in codes:
                task.status = TaskStatus.SUPPRESSED.value
                changes.append(change_for("task", task, cust))
            elif ReasonCode.DO_NOT_SMS in codes:
                task.status = TaskStatus.CANCELLED.value
                changes.append(change_for("task", task, cust))
            continue
        policy = policies.get(task.policy_id)
        template = templates.get(task.policy_id) or templates.get(None)
        body = template.body if template else DEFAULT_TEMPLATE
        try:
            text = render(body, portrait_values(cust, policy, personal_link(settings, cust.id, secret)))
        except RenderError:
            report.blocked["bad_template"] += 1
            continue
        if find_sensitive(text, words):
            report.blocked["sensitive_word"] += 1
            continue
        outbox.queue_message(session, cust, text, kind="campaign", cost_per_segment=cost, policy_id=task.policy_id,
                             task_id=task.id, template_id=template.id if template else None,
                             user_id=None, team_id=task.team_id or cust.team_id, now=now, changes=changes)
        history[cust.id].append(ContactRecord(Channel.SMS.value, now, "info_only", task.policy_id))
        task.status = TaskStatus.DONE.value
        changes.append(change_for("task", task, cust))
        report.queued += 1
    session.flush()
    if changes:
        append(session, changes)


# ------------------------------------------------------------------ the command


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``send-sms``."""
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--sms-url", help="SMS gateway, e.g. kannel://user:pass@127.0.0.1:13013 "
                                          "(default: $WORKBENCH_SMS_URL)")
    parser.add_argument("--limit", type=int, default=None, help="look at no more than this many tasks per run")
    parser.add_argument("--no-campaign", action="store_true", help="only send what waits in the outbox")
    parser.add_argument("--batch", type=int, default=200, help="messages claimed at a time (default 200)")
    parser.add_argument("--threads", type=int, default=4, help="parallel requests to the gateway (default 4)")
    parser.add_argument("--unsure-after", type=float, default=60.0,
                        help="seconds after which a message claimed by a sender that died, with no delivery "
                             "report, is sent again (default 60)")
    parser.add_argument("--every", type=float, default=0.0, help="repeat every this many seconds (default: once)")


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url

    env: Mapping[str, str] | None = None
    if args.sms_url:
        import os

        env = {**os.environ, "WORKBENCH_SMS_URL": args.sms_url}
    try:
        settings = SmsSettings.from_env(dict(env) if env is not None else None)
        sender = make_sender(settings)
    except GatewayConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = open_central(args.db or default_db_url())
    factory = session_factory(engine)
    stop = threading.Event()
    code = 0
    try:
        while True:
            code = _one_run(factory, settings, sender, args, stop)
            if args.every <= 0:
                break
            time.sleep(args.every)
    finally:
        if sender is not None:
            sender.close()
        engine.dispose()
    return code


def _one_run(factory: sessionmaker[Session], settings: SmsSettings, sender: outbox.SmsSender | None,
             args: argparse.Namespace, stop: threading.Event) -> int:
    with unit_of_work(factory) as session:
        back = outbox.recover_unsure(session, dt.timedelta(seconds=args.unsure_after))
    if back:
        print(f"{back} messages of a sender that stopped had no delivery report: queued again")
    if not args.no_campaign:
        cost = sender.cost_per_segment if sender is not None else 0.05
        report = enqueue_tasks(factory, settings, cost_per_segment=cost, limit=args.limit)
        print(report.line())
    if sender is None:
        with factory() as session:
            waiting = outbox.outbox_counts(session).get(outbox.QUEUED, 0)
        print(f"{NOT_CONFIGURED}: {waiting} messages wait in the outbox (set WORKBENCH_SMS_URL or --sms-url)")
        return 3
    done = outbox.deliver(factory, sender, batch=args.batch, threads=args.threads, stop=stop)
    print(f"sent {done.sent}, refused by the gateway {done.rejected}, no answer {done.unknown}"
          + (f"; {done.stopped_reason}" if done.stopped_reason else ""))
    return 0 if not done.stopped_reason else 4
