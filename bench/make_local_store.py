"""Build a large local store (customers, contact events, tasks) for the desktop benchmarks.

    python bench/make_local_store.py PATH [--customers 200000] [--events 1000000]

Uses the real local-store schema (Alembic migrations) and the reference data of
tests/local_data.py (policies, scripts, limits, users, stores); rows are generated with numpy.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.local_data import build_local_store  # noqa: E402

CITIES = [("广东", "广州"), ("广东", "深圳"), ("广东", "佛山"), ("广西", "南宁"), ("湖南", "长沙")]
TAGS = ["price_sensitive", "contract_expiring", "data_overage", "video_user", "upgrade_intent",
        "family_user", "student", "business_traveler"]
FEES = [18, 38, 56, 76, 96, 126, 136, 196, 296]


def build(path: Path, customers: int, events: int, seed: int = 1) -> float:
    t0 = time.perf_counter()
    if path.exists():
        path.unlink()
    build_local_store(path).kw["bind"].dispose()
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    phones = 15000000000 + rng.choice(9_000_000_000, size=customers, replace=False)
    city = rng.integers(0, len(CITIES), customers)
    fee = rng.choice(FEES, customers)
    rows = []
    for i in range(customers):
        prov, cty = CITIES[city[i]]
        tags = [t for t in TAGS if rng.random() < 0.2]
        rows.append((
            f"B{i:07d}", f"客户{i}", str(phones[i]), None, f"M{i:08d}", "440106********1234", f"{i % 1000000:06d}",
            "M" if i % 2 else "F", int(1950 + i % 55), prov, cty, "Asia/Shanghai", "职员", f"{fee[i]}元套餐",
            int(fee[i]), int(i % 120), "华为 P60", "4G", float(fee[i]), 10.0, str(tags).replace("'", '"'),
            "maturity", "ordinary", "outbound", 0, 0, 0, 0, "T01", "S001", '{"deal": 0.3}', None, "",
            "2026-11-01 00:00:00.000000",
        ))
    con.executemany(
        "INSERT INTO customers (id, name, phone, phone2, member_no, id_number_masked, id_suffix, gender, birth_year,"
        " province, city, timezone, job_type, plan_name, plan_fee, tenure_months, device, network, arpu,"
        " data_usage_gb, tags, lifecycle_stage, value_tier, preferred_channel, do_not_call, do_not_sms,"
        " open_complaint, is_lead, team_id, store_id, scores, lead_tier, note, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    who = rng.integers(0, customers, events)
    days = rng.integers(0, 365, events)
    wrap = rng.choice(["no_answer", "refused", "interested", "info_only", "busy"], events)
    chan = rng.choice(["outbound", "sms", "hotline", "store"], events)
    base = np.datetime64("2025-11-01T09:00")
    ev = []
    for j in range(events):
        when = str(base + np.timedelta64(int(days[j]), "D") + np.timedelta64(int(j % 600), "m")).replace("T", " ")
        ev.append((f"E{j:08d}", f"B{who[j]:07d}", str(chan[j]), "U-agent1", "T01", None, when + ":00.000000",
                   int(j % 300), 1.2, str(wrap[j]), "none", "P-168-504", None, "", None, 0.3, 0.0))
        if len(ev) == 100_000:
            con.executemany("INSERT INTO contact_events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ev)
            ev.clear()
    if ev:
        con.executemany("INSERT INTO contact_events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ev)
    con.executemany(
        "INSERT INTO tasks (id, customer_id, policy_id, channel, assignee_id, team_id, store_id, status, priority,"
        " lead_tier, created_at, due_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(f"K{i:07d}", f"B{i:07d}", "P-168-504", "outbound", "U-agent1", "T01", None, "open", 1, None,
          "2026-11-01 00:00:00.000000", None) for i in range(0, customers, 20)])
    con.commit()
    con.execute("PRAGMA optimize")
    con.close()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    took = build(args.path, args.customers, args.events)
    print(f"built {args.path}: {args.customers} customers, {args.events} events in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
