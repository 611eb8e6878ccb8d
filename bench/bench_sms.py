"""SMS campaign throughput: N SMS tasks handed to a real Kannel (bearerbox + smsbox +
fakesmsc), against Kannel's own raw ``sendsms`` rate measured in the same run.

    python bench/bench_sms.py --tasks 100000 [--raw 20000] [--threads 8] [--db sqlite|postgresql]

Phases, each timed: queue (``send-sms``'s pressure check, template, link, contact event,
outbox, task done), hand-over (``deliver``: claim, HTTP sendsms with dlr-url, record), and the
delivery reports coming back (until every message is ``delivered``). The raw rate is plain
sendsms requests with the same number of threads and no dlr-url: what Kannel takes at most.
The server that receives the delivery reports is its own process (``serve``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._sync_common import fresh_central
from server_stub.sms import outbox
from server_stub.sms.campaign import enqueue_tasks
from server_stub.sms.gateway import SmsSettings, make_sender
from server_stub.storage.db import open_central, session_factory
from server_stub.storage.fast_insert import insert_rows
from tests.integration.serverproc import ServerProcess, free_port
from tests.kannel_rig import PASSWORD, USER, KannelRig, kannel_missing

SECRET = "bench-secret"


def seed(url: str, n: int) -> None:
    engine = open_central(url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO policies (id, code, name, pitch, description, product, rule, channels, quota_used, "
            "priority, value, status, version) VALUES ('P-1', 'P-1', '168预存送504', '预存168元送504元话费', '', '', "
            "'true', '[\"sms\"]', 0, 0, 100.0, 'published', 1)")
        insert_rows(conn, "customers", (
            "id", "name", "phone", "id_number_masked", "gender", "province", "city", "timezone", "job_type",
            "plan_name", "plan_fee", "tenure_months", "device", "network", "arpu", "data_usage_gb", "tags",
            "lifecycle_stage", "value_tier", "preferred_channel", "do_not_call", "do_not_sms", "open_complaint",
            "is_lead", "team_id", "store_id", "scores", "note", "updated_at"), [
            (f"C{i:07d}", f"客户{i}", f"139{i:08d}", "", "", "广东", "广州", "Etc/GMT", "", "", 96, 12, "", "4G",
             0.0, 0.0, "[]", "maturity", "ordinary", "sms", False, False, False, False, "T01", None, "{}", "", now)
            for i in range(n)])
        insert_rows(conn, "tasks", ("id", "customer_id", "policy_id", "channel", "team_id", "status", "priority",
                                    "created_at"), [
            (f"T{i:07d}", f"C{i:07d}", "P-1", "sms", "T01", "open", 0, now) for i in range(n)])
    engine.dispose()


def raw_rate(rig: KannelRig, count: int, threads: int) -> float:
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=threads * 2))
    url = f"http://127.0.0.1:{rig.ports['sendsms']}/cgi-bin/sendsms"

    def one(i: int) -> bool:
        r = client.get(url, params={"username": USER, "password": PASSWORD, "to": f"137{i:08d}",
                                    "from": "10690000", "charset": "UTF-8", "coding": "2",
                                    "text": f"【客户服务】客户{i}您好，预存168元送504元话费 回TD退订"})
        if not r.text.startswith("0:"):
            print("raw sendsms answered", r.status_code, r.text[:200], flush=True)
        return r.text.startswith("0:")

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        ok = sum(pool.map(one, range(count)))
    took = time.perf_counter() - start
    client.close()
    assert ok == count, f"Kannel accepted {ok} of {count}"
    return count / took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--raw", type=int, default=20_000, help="raw sendsms requests for the baseline")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args()
    reason = kannel_missing()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with fresh_central(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        seed(url, args.tasks)
        print(f"seeded {args.tasks} customers and SMS tasks in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        rig = KannelRig(Path(tmp) / "kannel", callback_base=base, secret=SECRET, rate=100_000)
        server = ServerProcess(url, port=port, env={"WORKBENCH_SMS_URL": rig.sms_url, "WORKBENCH_SMS_SECRET": SECRET,
                                                    "WORKBENCH_SMS_CALLBACK": base, "WORKBENCH_SMS_PUMP": "0"})
        os.environ.update({"WORKBENCH_SMS_SECRET": SECRET, "WORKBENCH_ONLINE_URL": base})
        rig.start()
        server.start()
        try:
            raw = raw_rate(rig, args.raw, args.threads)
            print(f"Kannel raw sendsms: {args.raw} requests, {raw:,.0f} messages/s ({args.threads} threads)")
            before = len(rig.received())
            settings = SmsSettings(url=rig.sms_url, secret=SECRET, callback_base=base, online_base=base)
            engine = open_central(url, migrate=False)
            factory = session_factory(engine)
            t0 = time.perf_counter()
            report = enqueue_tasks(factory, settings, cost_per_segment=0.05)
            t_queue = time.perf_counter() - t0
            sender = make_sender(settings)
            assert sender is not None
            t1 = time.perf_counter()
            done = outbox.deliver(factory, sender, batch=500, threads=args.threads)
            t_send = time.perf_counter() - t1
            sender.close()
            assert report.queued == args.tasks and done.sent == args.tasks, (report, done)
            deadline = time.monotonic() + 600
            while True:
                with factory() as s:
                    counts = outbox.outbox_counts(s)
                if counts.get("delivered", 0) >= args.tasks or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            t_all = time.perf_counter() - t0
            got = len(rig.received()) - before
            engine.dispose()
            print(f"queued {report.queued} tasks through pressure + template in {t_queue:.1f} s "
                  f"({report.queued / t_queue:,.0f}/s)")
            print(f"handed {done.sent} messages to Kannel in {t_send:.1f} s: {done.sent / t_send:,.0f} messages/s "
                  f"= {done.sent / t_send / raw:.2f} x Kannel's raw rate")
            print(f"all delivered (reports back) after {t_all:.1f} s from the start of queueing "
                  f"({args.tasks / t_all:,.0f}/s end to end); statuses {counts}; fakesmsc received {got}")
        finally:
            server.stop()
            rig.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
