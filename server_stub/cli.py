"""``workbench-server``: the central server and its admin commands.

Each subcommand lives in its own module exposing ``configure(parser)`` and ``run(args) -> int``;
modules are imported only when their command runs, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("server_stub.serve", "run the HTTP API"),
    "migrate": ("server_stub.admin", "create or upgrade the central store's schema"),
    "create-user": ("server_stub.admin_users", "add a user (asks for the password)"),
    "clear-throttle": ("server_stub.throttle_admin", "list or clear login throttles of a user or address"),
    "seed-demo": ("server_stub.seed.demo", "fill a central store with realistic demo data"),
    "generate-tasks": ("server_stub.task_generation", "match policies to customers and create tasks"),
    "import-customers": ("server_stub.importer", "upsert portraits and tags from CSV, Excel or Parquet"),
    "import-policies": ("server_stub.policy_admin", "validate and publish policies, scripts and pressure limits from YAML"),
    "export-policies": ("server_stub.policy_admin", "write policies, scripts and pressure limits as YAML"),
    "train": ("server_stub.training", "train the scoring models and write their reports"),
    "score": ("server_stub.lifecycle.scoring", "score every customer with the published models"),
    "scheduler": ("server_stub.lifecycle.scheduler", "run scoring, task generation and recycling at set times"),
    "grade-agents": ("server_stub.lifecycle.grades", "grade agents A/B/C from actual vs expected conversions"),
    "update-user": ("server_stub.lifecycle.update_user", "change an agent's skills, daily capacity or away flag"),
    "team-settings": ("server_stub.lifecycle.team_settings_cli", "show or set a team's call-back, recycling and pool settings"),
    "evaluate": ("server_stub.evaluation", "evaluate our model and two baselines on a table of past contacts"),
    "import-sms-templates": ("server_stub.sms.templates", "validate and publish SMS templates from YAML"),
    "export-sms-templates": ("server_stub.sms.templates", "write the SMS templates as YAML"),
    "send-sms": ("server_stub.sms.campaign", "send the open SMS tasks and the SMS outbox through the gateway"),
    "merge-duplicates": ("server_stub.identity", "list (--dry-run) or merge customers that share a number"),
    "audit": ("server_stub.audit", "read the audit log, set its retention, purge old entries"),
}


#: Commands that change the central store: each run is written to the audit log (who ran it on
#: the server's machine, the arguments, the exit code), so admin actions taken at the command line
#: leave the same trace as those taken through the API (issue 18 point 6).
AUDITED = frozenset({
    "create-user", "clear-throttle", "generate-tasks", "import-customers", "import-policies", "train", "score",
    "grade-agents", "update-user", "team-settings", "import-sms-templates", "send-sms", "merge-duplicates",
})
#: Arguments whose value is never written to the log.
_SECRET_ARGS = ("--password", "--secret", "--token")


def _argv_text(argv: list[str]) -> str:
    out: list[str] = []
    hide = False
    for a in argv:
        if hide:
            out.append("***")
            hide = False
            continue
        name, eq, _value = a.partition("=")
        if name in _SECRET_ARGS:
            out.append(f"{name}=***" if eq else name)
            hide = not eq
        else:
            out.append(a)
    return " ".join(out)


def _audit_run(command: str, args: argparse.Namespace, argv: list[str], code: int) -> None:
    """Append ``cli:<command>`` to the store the command worked on (best effort: a store that
    cannot be opened any more is reported on stderr, the command's own result stands)."""
    import getpass

    from server_stub import audit
    from server_stub.storage.db import default_db_url, open_central, session_factory, unit_of_work

    if command == "merge-duplicates" and getattr(args, "dry_run", False):
        return  # only listed
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    try:
        engine = open_central(getattr(args, "db", None) or default_db_url(), migrate=False)
        try:
            with unit_of_work(session_factory(engine)) as session:
                audit.record(session, f"cli:{command}", user_id=f"os:{who}", detail=f"exit {code}: {_argv_text(argv)}")
        finally:
            engine.dispose()
    except Exception as exc:  # the audit must not turn a done command into a failure
        print(f"workbench-server: the run could not be written to the audit log: {exc}", file=sys.stderr)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench-server", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only == name:
            importlib.import_module(module_name).configure(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in COMMANDS:
        build_parser().print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    args = build_parser(only=command).parse_args(argv)
    module = importlib.import_module(COMMANDS[command][0])
    try:
        code = int(module.run(args) or 0)
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:  # a command's own clear error: audited too, then passed on
        if command in AUDITED:
            _audit_run(command, args, argv, exc.code if isinstance(exc.code, int) else 1)
        raise
    if command in AUDITED:
        _audit_run(command, args, argv, code)
    return code


if __name__ == "__main__":
    sys.exit(main())
