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
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
