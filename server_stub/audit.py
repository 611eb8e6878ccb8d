"""The append-only audit log: who did what, when, from where, to which customer.

Every sensitive read and every admin action writes one :class:`AuditEntry` through
:func:`record`: logins (success and failure, with address), pulls (customer rows per
session), portrait look-ups, serve grants, reveals, exports, merges, admin actions and CTI
grants. The store itself refuses UPDATE and the DELETE of entries younger than the retention
period (triggers of migration ``0003_h18pii``); :func:`purge` removes what is older.

Actions (the ``action`` column):

=================  ==========================================================
login / login_failed   a login; ``detail`` the username tried, ``address`` set
pull               a pull page that carried customer rows; ``rows`` how many
open_portrait      a portrait looked up (``detail``: how)
lookup_miss        a look-up that found nobody (``detail``: last 4 digits)
serve_grant        a serve grant issued (``detail``: source, call and reason)
serve_refused      a serve request refused (not a serving role, throttled)
reveal             a full number shown on a desk
export             a table exported (``rows``; ``detail``: what, masked or not)
merge              two customers merged (``customer_id``: the one kept)
admin:<what>       an admin action (sessions revoked, users, policy publishing, ...)
cti_grant          a call routed to an agent by the CTI feed
audit_read         someone read the audit log
=================  ==========================================================

``workbench-server audit`` (:func:`run`) reads and filters it, sets the retention and purges.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.auth import Principal
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import AuditEntry, AuditSetting
from workbench.core.entities import utcnow

#: The retention setting never goes below this (the delete trigger enforces it too).
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 36_500
MAX_QUERY_ROWS = 10_000


def record(session: Session, action: str, *, user_id: str, customer_id: str | None = None,
           detail: str = "", address: str | None = None, session_id: str | None = None,
           rows: int | None = None) -> None:
    """Append one entry (committed with the caller's unit of work)."""
    session.add(AuditEntry(user_id=user_id[:40], action=action[:40], customer_id=customer_id,
                           detail=detail[:2000], address=(address or None) and address[:60],
                           session_id=session_id, rows=rows, at=utcnow()))


def login_failed(factory: sessionmaker[Session], username: str, address: str, why: str) -> None:
    """Record a refused login in a transaction of its own (the caller's was rolled back)."""
    with unit_of_work(factory) as session:
        record(session, "login_failed", user_id=username, address=address, detail=f"{username}: {why}")


def record_pull(factory: sessionmaker[Session], p: Principal, changes: Sequence[Mapping[str, Any]]) -> None:
    """Record how many customer rows a pull page handed to ``p``'s session (pages without
    customer rows are not worth an entry: long-polls and reference data)."""
    customers = sum(1 for c in changes if c.get("entity") == "customer")
    if not customers:
        return
    with unit_of_work(factory) as session:
        record(session, "pull", user_id=p.user_id, session_id=p.session_id, rows=customers,
               detail=f"cursor {changes[0].get('cursor')}..{changes[-1].get('cursor')}")


def query(session: Session, *, user: str | None = None, customer: str | None = None,
          since: dt.datetime | None = None, action: str | None = None,
          limit: int = 1000) -> list[AuditEntry]:
    """Entries matching every filter given, newest first, at most ``limit``."""
    stmt = select(AuditEntry)
    if user:
        stmt = stmt.where(AuditEntry.user_id == user)
    if customer:
        stmt = stmt.where(AuditEntry.customer_id == customer)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    limit = max(1, min(limit, MAX_QUERY_ROWS))
    return list(session.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit)).scalars())


def entry_out(e: AuditEntry) -> dict[str, Any]:
    """An entry as plain JSON-ready data."""
    return {"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "action": e.action,
            "customer_id": e.customer_id, "detail": e.detail, "address": e.address,
            "session_id": e.session_id, "rows": e.rows}


def retention_days(session: Session) -> int:
    row = session.get(AuditSetting, 1)
    return max(MIN_RETENTION_DAYS, row.retention_days if row is not None else 365)


def set_retention(session: Session, days: int, *, by_user: str) -> int:
    """Keep entries ``days`` days (at least :data:`MIN_RETENTION_DAYS`); audited."""
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise ValueError(f"retention must be a whole number of days from {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS}")
    row = session.get(AuditSetting, 1)
    before = row.retention_days if row is not None else None
    if row is None:
        session.add(AuditSetting(id=1, retention_days=days))
    else:
        row.retention_days = days
    record(session, "admin:audit_retention", user_id=by_user, detail=f"{before} -> {days} days")
    return days


def purge(session: Session, *, by_user: str) -> int:
    """Delete entries older than the retention period; returns how many (audited)."""
    cutoff = utcnow() - dt.timedelta(days=retention_days(session))
    # a little margin: the trigger compares with its own clock
    cutoff -= dt.timedelta(minutes=5)
    result = session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    record(session, "admin:audit_purge", user_id=by_user, rows=count, detail=f"before {cutoff.isoformat()}")
    return count


# ------------------------------------------------------------------ CLI


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--user", help="only entries of this user id")
    parser.add_argument("--customer", help="only entries about this customer id")
    parser.add_argument("--since", help="only entries from this date (YYYY-MM-DD) or time (ISO 8601)")
    parser.add_argument("--action", help="only entries of this action (e.g. login_failed, serve_grant)")
    parser.add_argument("--limit", type=int, default=200, help="at most this many entries (newest first)")
    parser.add_argument("--retention-days", type=int, help=f"keep entries this many days (>= {MIN_RETENTION_DAYS})")
    parser.add_argument("--purge", action="store_true", help="delete entries older than the retention period")


def parse_since(text: str) -> dt.datetime:
    """A date or ISO time as aware UTC (a date means its midnight UTC)."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since: not a date or ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def run(args: argparse.Namespace, out: Any = None) -> int:
    from server_stub.storage.db import open_central, session_factory

    out = out or sys.stdout
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    engine = open_central(args.db)
    try:
        with unit_of_work(session_factory(engine)) as session:
            if args.retention_days is not None:
                try:
                    set_retention(session, args.retention_days, by_user="cli")
                except ValueError as exc:
                    print(exc, file=sys.stderr)
                    return 2
                print(f"audit entries are kept {args.retention_days} days", file=out)
            if args.purge:
                print(f"purged {purge(session, by_user='cli')} entries older than "
                      f"{retention_days(session)} days", file=out)
            entries = query(session, user=args.user, customer=args.customer, since=since,
                            action=args.action, limit=args.limit)
            record(session, "audit_read", user_id="cli", rows=len(entries),
                   detail=filters_text(args.user, args.customer, args.since, args.action))
        _print(entries, out)
    finally:
        engine.dispose()
    return 0


def filters_text(*values: str | None) -> str:
    names = ("user", "customer", "since", "action")
    return " ".join(f"{n}={v}" for n, v in zip(names, values, strict=True) if v)


def _print(entries: Sequence[AuditEntry], out: Any) -> None:
    print(f"{'at (UTC)':<20} {'user':<16} {'action':<18} {'customer':<14} {'rows':>6} {'address':<16} detail",
          file=out)
    for e in entries:
        print(f"{e.at:%Y-%m-%d %H:%M:%S} {e.user_id:<16} {e.action:<18} {e.customer_id or '-':<14} "
              f"{'' if e.rows is None else e.rows:>6} {e.address or '-':<16} {e.detail}", file=out)
    print(f"{len(entries)} entries", file=out)
