"""``workbench-server create-user``: add a user (or reset their password).

Refused, with a message and exit status 2, before anything is written:

- user names that could never log in: empty, with spaces at either end (the login strips
  them), with control characters, or longer than :data:`MAX_USERNAME` (the user's id is
  ``U-<name>`` in a 40-character column);
- weak passwords (shorter than :data:`MIN_PASSWORD`, the user name itself, one character
  repeated, or a well-known one) and passwords longer than the login accepts
  (:data:`MAX_PASSWORD`), which could never be typed in;
- changing the role of an existing user without ``--change-role``: resetting a password must
  never silently turn an administrator into an agent (or the other way round).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from workbench.core.codes import Role

#: The login accepts user names up to 60 characters, but the id ``U-<name>`` must fit in 40.
MAX_USERNAME = 38
MIN_PASSWORD = 8
#: What the login endpoint accepts (``LoginIn.password``); a longer one could never log in.
MAX_PASSWORD = 256
#: Passwords found first in every guessing list (and the demo's).
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "12345678", "123456789", "1234567890", "87654321",
    "qwertyui", "qwerty123", "11111111", "00000000", "88888888", "66666666", "abc12345",
    "abcd1234", "iloveyou", "admin123", "administrator", "welcome1", "changeme", "letmein1",
    "passw0rd", "p@ssw0rd", "1qaz2wsx", "a1234567", "aa123456", "woaini1314", "workbench",
})


def username_problem(username: str) -> str | None:
    """Why ``username`` could never log in (None if it can)."""
    if not username:
        return "the user name is empty"
    if username != username.strip():
        return "the user name starts or ends with a space (the login strips them)"
    if not username.isprintable():
        return "the user name contains control characters"
    if len(username) > MAX_USERNAME:
        return f"the user name is longer than {MAX_USERNAME} characters"
    return None


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` is too weak or could never be used to log in (None if it is fine)."""
    if len(password) < MIN_PASSWORD:
        return f"the password is too short (at least {MIN_PASSWORD} characters)"
    if len(password) > MAX_PASSWORD:
        return f"the password is longer than the login accepts ({MAX_PASSWORD} characters)"
    if "\x00" in password:
        return "the password contains a NUL character (the login refuses it)"
    if password.casefold() == username.casefold() or username.casefold() in password.casefold():
        return "the password must not contain the user name"
    if len(set(password)) == 1:
        return "the password is one character repeated"
    if password.casefold() in COMMON_PASSWORDS:
        return "the password is one of the most common ones"
    return None


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``create-user``."""
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--team", help="team id (agents and leads)")
    parser.add_argument("--store", help="store id (receptionists)")
    parser.add_argument("--display-name", help="name shown in the app (default: the username)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--change-role", action="store_true",
                        help="allow changing the role of an existing user (otherwise refused)")
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


class _Refused(Exception):
    """Refused inside the transaction: it is rolled back."""


def run(args: argparse.Namespace) -> int:
    """Create or update the user and publish it to the desktops through the change log."""
    from server_stub import audit
    from server_stub.auth import hash_password
    from server_stub.storage.db import default_db_url, open_central, session_factory, unit_of_work
    from server_stub.storage.models import User
    from server_stub.sync import lock_log, publish

    why = username_problem(args.username)
    if why:
        return _fail(why)
    if args.role in ("agent", "lead") and not args.team:
        return _fail(f"a {args.role} needs --team")
    if args.role == "receptionist" and not args.store:
        return _fail("a receptionist needs --store")
    if args.display_name is not None and not 0 < len(args.display_name.strip()) <= 60:
        return _fail("the display name must have 1 to 60 characters")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            return _fail("the passwords differ")
    why = password_problem(password, args.username)
    if why:
        return _fail(why)
    engine = open_central(args.db or default_db_url())
    try:
        with unit_of_work(session_factory(engine)) as session:
            lock_log(session)
            user = session.query(User).filter_by(username=args.username).one_or_none()
            created = user is None
            if user is None:
                if session.get(User, f"U-{args.username}") is not None:
                    raise _Refused(f"the id U-{args.username} belongs to another user")
                user = User(id=f"U-{args.username}", username=args.username, skills=[])
                session.add(user)
            elif user.role != args.role and not args.change_role:
                raise _Refused(f"{args.username} is a {user.role}; to make them a {args.role}, "
                               "repeat with --change-role (nothing was changed)")
            user.display_name = args.display_name or user.display_name or args.username
            user.role = args.role
            user.team_id = args.team
            user.store_id = args.store
            user.password_hash = hash_password(password)
            user.active = True
            session.flush()
            publish(session, "user", [user])
            # an admin action from the command line: the operator's OS account is the "who"
            audit.record(session, "admin:create_user" if created else "admin:update_user",
                         user_id=f"cli:{getpass.getuser()}"[:40],
                         detail=f"{args.username} role={args.role} team={args.team} store={args.store}")
    except _Refused as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(f"{'created' if created else 'updated'} user {args.username} ({args.role})")
    return 0
