"""``workbench-server create-user``: add a user (or reset their password and role)."""

from __future__ import annotations

import argparse
import getpass
import sys

from workbench.core.codes import Role


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``create-user``."""
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--team", help="team id (agents and leads)")
    parser.add_argument("--store", help="store id (receptionists)")
    parser.add_argument("--display-name", help="name shown in the app (default: the username)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")


def run(args: argparse.Namespace) -> int:
    """Create or update the user and publish it to the desktops through the change log."""
    from server_stub.auth import hash_password
    from server_stub.storage.db import default_db_url, open_central, session_factory, unit_of_work
    from server_stub.storage.models import User
    from server_stub.sync import lock_log, publish

    if args.role in ("agent", "lead") and not args.team:
        print(f"error: a {args.role} needs --team", file=sys.stderr)
        return 2
    if args.role == "receptionist" and not args.store:
        print("error: a receptionist needs --store", file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            print("error: the passwords differ", file=sys.stderr)
            return 2
    if len(password) < 4:
        print("error: the password is too short (at least 4 characters)", file=sys.stderr)
        return 2
    engine = open_central(args.db or default_db_url())
    try:
        with unit_of_work(session_factory(engine)) as session:
            lock_log(session)
            user = session.query(User).filter_by(username=args.username).one_or_none()
            created = user is None
            if user is None:
                user = User(id=f"U-{args.username}", username=args.username, skills=[])
                session.add(user)
            user.display_name = args.display_name or user.display_name or args.username
            user.role = args.role
            user.team_id = args.team
            user.store_id = args.store
            user.password_hash = hash_password(password)
            user.active = True
            session.flush()
            publish(session, "user", [user])
    finally:
        engine.dispose()
    print(f"{'created' if created else 'updated'} user {args.username} ({args.role})")
    return 0
