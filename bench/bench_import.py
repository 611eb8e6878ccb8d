"""Benchmark: import 500,000 customer rows (issue 8, point 6).

Writes a synthetic data-platform export (CSV in GBK as Excel on Chinese Windows saves it, by
default; ``--format utf8|xlsx|parquet`` for others) with 16 columns including a tags column
and about 1% bad rows (bad phones, unknown plans, duplicates), then times
:func:`server_stub.importer.import_customers` end to end into a fresh central store: decode,
parse, validate every row, upsert in batches and append every row to the change log.
Then imports the same file again (everything unchanged: nothing written).

Target: at most 2 minutes for 500,000 rows.
Run: ``.venv/bin/python bench/bench_import.py [--rows 500000] [--db URL] [--format gbk]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.importer import import_customers
from server_stub.storage import models as m
from server_stub.storage.db import open_central

PROVINCES = [("广东", "广州"), ("广东", "深圳"), ("广西", "南宁"), ("上海", "上海"), ("北京", "北京"),
             ("四川", "成都"), ("湖北", "武汉"), ("浙江", "杭州")]
TAGS = ["price_sensitive", "family", "old_sim", "handset_old", "5g_prospect", "vip", "学生",
        "商旅", "data_overage", "port_out_risk", "broadband_prospect", "夜猫子"]


def synthetic_export(n: int, seed: int = 3) -> pd.DataFrame:
    """n rows as the data platform would export them (Chinese headers)."""
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(PROVINCES), n)
    prov = np.array([p for p, _c in PROVINCES], dtype=object)[place]
    city = np.array([c for _p, c in PROVINCES], dtype=object)[place]
    phones = (13_000_000_000 + rng.choice(10**9, n, replace=False)).astype(str).astype(object)
    fees = rng.choice([18, 38, 56, 76, 96, 126, 136, 196, 296], n)
    k = rng.integers(0, 4, n)
    tag_arr = np.array(TAGS, dtype=object)
    flat = rng.integers(0, len(TAGS), int(k.sum()))
    ends = np.cumsum(k)
    tags = ["|".join(tag_arr[flat[e - c:e]]) for e, c in zip(ends.tolist(), k.tolist(), strict=True)]
    surnames = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"), dtype=object)
    given = np.array(["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰"], dtype=object)
    names = surnames[rng.integers(0, len(surnames), n)] + given[rng.integers(0, len(given), n)]
    df = pd.DataFrame({
        "客户编号": [f"C{i:08d}" for i in range(n)],
        "姓名": names,
        "手机号": phones,
        "性别": rng.choice(np.array(["男", "女"], dtype=object), n),
        "出生年份": rng.integers(1945, 2006, n),
        "省份": prov,
        "城市": city,
        "套餐名称": [f"乐享4G{f}元套餐" for f in fees.tolist()],
        "套餐月费": fees,
        "在网时长(月)": rng.integers(0, 200, n),
        "网络": rng.choice(np.array(["3G", "4G", "5G"], dtype=object), n, p=[.1, .55, .35]),
        "arpu": rng.gamma(4, 20, n).round(2),
        "标签": tags,
        "生命周期": rng.choice(np.array(["获取期", "提升期", "成熟期", "衰退期", "流失期"], dtype=object), n),
        "价值层级": rng.choice(np.array(["高价值", "潜力", "普通", "低价值"], dtype=object), n),
        "团队": rng.choice(np.array(["T01", "T02", "T03"], dtype=object), n),
    })
    # about 1% bad rows
    bad = rng.choice(n, n // 100, replace=False)
    third = len(bad) // 3
    df.loc[bad[:third], "手机号"] = "12345"
    df.loc[bad[third:2 * third], "套餐月费"] = 97
    dup_src = rng.choice(n, len(bad) - 2 * third)
    df.loc[bad[2 * third:], "客户编号"] = df.loc[dup_src, "客户编号"].to_numpy()
    return df


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--db", help="central store URL (default: a fresh SQLite file)")
    parser.add_argument("--format", choices=["gbk", "utf8", "xlsx", "parquet"], default="gbk")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        df = synthetic_export(args.rows)
        suffix = {"gbk": ".csv", "utf8": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}[args.format]
        path = Path(tmp) / f"export{suffix}"
        if args.format == "gbk":
            df.to_csv(path, index=False, encoding="gbk")
        elif args.format == "utf8":
            df.to_csv(path, index=False, encoding="utf-8")
        elif args.format == "xlsx":
            df.to_excel(path, index=False)
        else:
            df.to_parquet(path)
        size = path.stat().st_size
        print(f"wrote {args.rows:,} rows ({args.format}, {size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")

        url = args.db or f"sqlite:///{Path(tmp) / 'central.db'}"
        engine = open_central(url)
        with Session(engine) as s, s.begin():
            for tid in ("T01", "T02", "T03"):
                if s.get(m.Team, tid) is None:
                    s.add(m.Team(id=tid, name=tid))
        t, cpu = time.perf_counter(), time.process_time()
        report = import_customers(engine, path)
        first, first_cpu = time.perf_counter() - t, time.process_time() - cpu
        with Session(engine) as s:
            stored = s.scalar(select(func.count()).select_from(m.Customer))
            logged = s.scalar(select(func.count()).select_from(m.ChangeLog).where(m.ChangeLog.entity == "customer"))
        print(f"import: {first:.1f} s wall ({first_cpu:.1f} s CPU in this process; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) "
              f"= {args.rows / first:,.0f} rows/s "
              f"(target <= 120 s: {'OK' if first <= 120 else 'MISSED'}); "
              f"inserted {report.inserted:,}, rejected {report.rejected:,} "
              f"({', '.join(f'{k} {v:,}' for k, v in report.reasons.most_common())}); "
              f"{stored:,} customers, {logged:,} change-log entries; encoding {report.encoding}")
        t = time.perf_counter()
        again = import_customers(engine, path)
        second = time.perf_counter() - t
        print(f"re-import of the same file: {second:.1f} s; unchanged {again.unchanged:,}, "
              f"updated {again.updated:,}, inserted {again.inserted:,}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
