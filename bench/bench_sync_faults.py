"""Run the fault tests (tests/integration/test_sync_faults.py) at a bigger scale and print
what each fault did.

    .venv/bin/python bench/bench_sync_faults.py [--scale 5] [-k sqlite]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=5)
    p.add_argument("-k", default="", help="pytest -k expression (e.g. sqlite or postgresql)")
    args = p.parse_args()
    env = {**os.environ, "WORKBENCH_FAULT_SCALE": str(args.scale), "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
           "tests/integration/test_sync_faults.py"]
    if args.k:
        cmd += ["-k", args.k]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if "FAULT" in line or "passed" in line or "failed" in line:
            print(line.strip().lstrip(".").strip())
    print(f"(scale {args.scale}, {time.perf_counter() - t0:.0f} s)")
    sys.exit(out.returncode)


if __name__ == "__main__":
    main()
