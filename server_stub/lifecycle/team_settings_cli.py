"""``workbench-server team-settings TEAM [--claims-per-day N ...]``: show or set a team's
lifecycle settings (call-back release, forced circulation, pool claims)."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.orm import Session

from server_stub.lifecycle.pool import SETTING_NAMES, SETTING_RANGES, save_settings, team_settings
from server_stub.storage.models import AuditEntry

_HELP = {
    "callback_release_minutes": "an own call-back overdue by this many minutes goes to the team",
    "recycle_no_contact_days": "N: back to the pool after this many days without a reached contact",
    "recycle_no_deal_days": "M: back to the pool after this many days without a deal",
    "recycle_warning_days": "K: warn the holder this many days before",
    "claims_per_day": "L: claims from the pool per agent and day",
    "reclaim_bar_days": "D: the previous holder may not re-claim for this many days",
    "max_open_items": "H: nobody holds more open items than this",
    "new_lead_protect_days": "P: new work is never recycled in its first days",
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("team", help="team id, e.g. T01")
    parser.add_argument("--db", default=None, help="central store URL (default: $WORKBENCH_SERVER_DB)")
    for name in SETTING_NAMES:
        lo, hi = SETTING_RANGES[name]
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=None, metavar="N",
                            help=f"{_HELP[name]} ({lo}-{hi})")


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url, open_central, unit_of_work
    from server_stub.storage.db import session_factory as factory_of

    engine = open_central(args.db or default_db_url())
    values = {k: getattr(args, k) for k in SETTING_NAMES if getattr(args, k) is not None}
    try:
        if values:
            with unit_of_work(factory_of(engine)) as s:
                cfg = save_settings(s, args.team, values, None)
                s.add(AuditEntry(user_id="admin-cli", action="team_settings", detail=f"{args.team}: {values}"))
        else:
            with Session(engine) as s:
                cfg = team_settings(s, args.team)
    except ValueError as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for name in SETTING_NAMES:
        print(f"{name} = {getattr(cfg, name)}")
    return 0
