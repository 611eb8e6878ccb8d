"""Login throttles for administrators: list them and clear them, over the API and from the
command line (``workbench-server clear-throttle``). Every clearing is written to the server's
log and to the audit log.

No ``from __future__ import annotations`` here: the endpoints' parameter annotations name the
``admin`` dependency handed to :func:`register`, which FastAPI must see as objects."""

import argparse
import logging
import math
import sys
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from server_stub import login_throttle
from server_stub.api import schemas as s
from server_stub.auth import Principal
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import AuditEntry, LoginThrottle
from workbench.core.entities import utcnow

log = logging.getLogger(__name__)


def _out(row: LoginThrottle) -> s.ThrottleOut:
    wait = max(0, math.ceil((row.blocked_until - utcnow()).total_seconds()))
    return s.ThrottleOut(scope=row.scope, username=row.username, source=row.source, failures=row.failures,
                         blocked_until=row.blocked_until.isoformat(), retry_after=wait)


def clear_and_audit(session: Session, actor: str, username: str | None, address: str | None) -> int:
    """Clear the throttles of ``username`` and / or ``address``; log and audit who did it."""
    count = login_throttle.clear(session, username=username, address=address)
    detail = f"user={username or '-'} address={address or '-'} keys={count}"
    session.add(AuditEntry(user_id=actor, action="clear_login_throttle", detail=detail))
    log.warning("login throttle cleared by %s: %s", actor, detail)
    return count


def register(app: FastAPI, factory: sessionmaker[Session], admin: Callable[..., Principal],
             api_error: Callable[..., Exception]) -> None:
    """Add the admin endpoints of login throttles to ``app``."""
    Admin = Annotated[Principal, Depends(admin)]

    @app.get("/api/v1/admin/login-throttles", response_model=list[s.ThrottleOut], tags=["admin"])
    def list_throttles(_p: Admin) -> list[s.ThrottleOut]:
        """Throttles that make logins wait now, longest wait first (admin only)."""
        with factory() as session:
            return [_out(row) for row in login_throttle.active(session, utcnow())[:500]]

    @app.post("/api/v1/admin/login-throttles/clear", response_model=s.OkOut, tags=["admin"])
    def clear_throttles(body: s.ClearThrottleIn, p: Admin) -> s.OkOut:
        """Let an account and / or an address try again at once (admin only; audited)."""
        if body.username is None and body.address is None:
            raise api_error(422, "name a username, an address or both")
        with unit_of_work(factory) as session:
            count = clear_and_audit(session, p.user_id, body.username, body.address)
        return s.OkOut(count=count)


# ------------------------------------------------------------------ command line


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``clear-throttle``."""
    parser.add_argument("--user", help="clear every throttle of this account")
    parser.add_argument("--address", help="clear every throttle of this client address")
    parser.add_argument("--list", action="store_true", help="only list the throttles in force")
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")


def run(args: argparse.Namespace) -> int:
    """List or clear login throttles."""
    from server_stub.storage.db import default_db_url, open_central, session_factory

    if not args.list and not args.user and not args.address:
        print("error: give --user, --address or --list", file=sys.stderr)
        return 2
    engine = open_central(args.db or default_db_url())
    try:
        factory = session_factory(engine)
        if args.list:
            with factory() as session:
                rows: list[Any] = login_throttle.active(session, utcnow())
                for row in rows:
                    out = _out(row)
                    print(f"{out.scope:8} {out.username or '*':20} {out.source or '*':24} "
                          f"failures={out.failures} wait={out.retry_after}s")
                if not rows:
                    print("no login is throttled")
            return 0
        with unit_of_work(factory) as session:
            count = clear_and_audit(session, "cli", args.user, args.address)
    finally:
        engine.dispose()
    print(f"cleared {count} throttle key(s)")
    return 0
