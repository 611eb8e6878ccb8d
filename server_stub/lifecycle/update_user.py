"""``workbench-server update-user NAME [--skills a,b] [--daily-capacity N|none] [--away|--back]``:
change an existing agent's assignment attributes (issue 17 point 3).

Refused with a reason (exit status 2, nothing written) when the user does not exist, a skill
is not a short lower-case token (:data:`SKILL_PATTERN`), there are more than
:data:`MAX_SKILLS` skills, the capacity is not 0–:data:`MAX_CAPACITY` or ``none``, skills or
capacity are given for a user who takes no tasks (not an agent or lead), or nothing is asked.
Every change is audited (``admin:update_user``, with before → after) and published to the
desktops through the change log. Grades are not set here: the ``grades`` job computes them.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from workbench.core.codes import Role

SKILL_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,29}")
MAX_SKILLS = 20
MAX_CAPACITY = 10_000


class UpdateRefused(ValueError):
    """The change is refused; the message says why (nothing was changed)."""


@dataclass(frozen=True)
class UserChange:
    """What to change (None: leave as is)."""

    skills: list[str] | None = None
    daily_capacity: int | None = None
    clear_capacity: bool = False
    away: bool | None = None


def parse_skills(text: str) -> list[str]:
    """``"5g, contract"`` -> ``["5g", "contract"]`` (deduplicated, sorted); UpdateRefused."""
    skills = sorted({s.strip() for s in text.split(",") if s.strip()})
    for s in skills:
        if not SKILL_PATTERN.fullmatch(s):
            raise UpdateRefused(f"skill {s[:40]!r} is not a lower-case token of letters, digits, _ or - "
                                "(at most 30 characters)")
    if len(skills) > MAX_SKILLS:
        raise UpdateRefused(f"at most {MAX_SKILLS} skills (got {len(skills)})")
    return skills


def parse_capacity(text: str) -> tuple[int | None, bool]:
    """``"12"`` -> (12, False); ``"none"`` -> (None, True); UpdateRefused otherwise."""
    if text.strip().lower() == "none":
        return None, True
    try:
        n = int(text)
    except ValueError:
        raise UpdateRefused(f"--daily-capacity {text[:20]!r} is neither a whole number nor 'none'") from None
    if not 0 <= n <= MAX_CAPACITY:
        raise UpdateRefused(f"--daily-capacity must be 0 to {MAX_CAPACITY} (or 'none' for no limit)")
    return n, False


def apply_change(session: Session, username: str, change: UserChange, *, by_user: str) -> dict[str, Any]:
    """Apply ``change`` to ``username`` inside the caller's unit of work, audit and publish it;
    returns the changed fields as ``{name: [before, after]}``. UpdateRefused with the reason."""
    from server_stub.sync import lock_log

    lock_log(session)
    user = session.execute(select(m.User).where(m.User.username == username)).scalar_one_or_none()
    if user is None:
        raise UpdateRefused(f"no user named {username[:60]!r}")
    return change_user(session, user, change, by_user=by_user)


def change_user(session: Session, user: m.User, change: UserChange, *, by_user: str,
                session_id: str | None = None) -> dict[str, Any]:
    """:func:`apply_change` on a loaded ``user`` (the caller holds the change-log lock)."""
    from server_stub.audit import record
    from server_stub.sync import publish

    username = user.username
    takes_tasks = user.role in (Role.AGENT.value, Role.LEAD.value)
    if not takes_tasks and (change.skills is not None or change.daily_capacity is not None
                            or change.clear_capacity or change.away is not None):
        raise UpdateRefused(f"{username} is a {user.role} and takes no tasks: skills, capacity and away "
                            "apply to agents and leads")
    diff: dict[str, Any] = {}
    if change.skills is not None and sorted(user.skills or []) != change.skills:
        diff["skills"] = [list(user.skills or []), change.skills]
        user.skills = change.skills
    if (change.daily_capacity is not None or change.clear_capacity) and user.daily_capacity != change.daily_capacity:
        diff["daily_capacity"] = [user.daily_capacity, change.daily_capacity]
        user.daily_capacity = change.daily_capacity
    if change.away is not None and bool(user.away) != change.away:
        diff["away"] = [bool(user.away), change.away]
        user.away = change.away
    if diff:
        session.flush()
        publish(session, "user", [user])
        record(session, "admin:update_user", user_id=by_user, session_id=session_id, detail=f"{username}: {diff}")
    return diff


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``update-user``."""
    parser.add_argument("username")
    parser.add_argument("--skills", help="comma-separated skills, replacing the current ones ('' clears them)")
    parser.add_argument("--daily-capacity", metavar="N|none", help="new tasks a day (none: no limit)")
    away = parser.add_mutually_exclusive_group()
    away.add_argument("--away", dest="away", action="store_const", const=True, default=None,
                      help="the agent is away: assignment gives them nothing")
    away.add_argument("--back", dest="away", action="store_const", const=False, help="the agent is back")
    parser.add_argument("--db", default=None, help="central store URL (default: $WORKBENCH_SERVER_DB)")


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url, open_central, session_factory, unit_of_work

    try:
        skills = parse_skills(args.skills) if args.skills is not None else None
        cap, clear = parse_capacity(args.daily_capacity) if args.daily_capacity is not None else (None, False)
        if skills is None and cap is None and not clear and args.away is None:
            raise UpdateRefused("nothing to change (give --skills, --daily-capacity, --away or --back)")
    except UpdateRefused as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    engine = open_central(args.db or default_db_url())
    try:
        with unit_of_work(session_factory(engine)) as session:
            diff = apply_change(session, args.username, UserChange(skills, cap, clear, args.away),
                                by_user="admin-cli")
    except UpdateRefused as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if not diff:
        print(f"{args.username}: already so, nothing changed")
    for name, (before, after) in diff.items():
        print(f"{args.username}: {name} {before} -> {after}")
    return 0
