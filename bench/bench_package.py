"""The desktop package: bundle and .deb size, and the installed app's cold start.

    python -m bench.bench_package [--deb dist/agent-workbench_*.deb] [--runs 5]

Installs the .deb with dpkg if the app is not installed yet (and removes it again then), so
the first installed run is a cold start straight after installation. What is timed, per run:
``workbench screenshot`` from process spawn to exit — start the interpreter, import Qt and the
app, open a local store, build the screen pop of a customer, paint the 1366×768 main window
offscreen and write the PNG — once by the installed bundle (/usr/bin/workbench) and once by the
development venv (``python -m workbench``, the baseline), alternating, in the same run. Prints
the figures; docs/benchmarks.md has them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = Path("/opt/agent-workbench")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deb", default="")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    debs = [Path(args.deb)] if args.deb else sorted((ROOT / "dist").glob("agent-workbench_*.deb"))
    if not debs or not debs[-1].exists():
        print("no .deb: run `make package` first", file=sys.stderr)
        return 2
    deb = debs[-1]
    installed_here = False
    if not (INSTALLED / "workbench").exists():
        subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
        installed_here = True
    sys.path.insert(0, str(ROOT))
    from tests.local_data import WANG_PHONE, build_local_store

    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "local.db"
            build_local_store(store).kw["bind"].dispose()
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            env.update(QT_QPA_PLATFORM="offscreen", WORKBENCH_CONFIG_DIR=tmp, WORKBENCH_LOG_DIR=tmp)
            shot = ["screenshot", "--number", WANG_PHONE, "--local", str(store), "--user", "agent1",
                    "--out", str(Path(tmp) / "pop.png")]
            dev_env = {**env, "PYTHONPATH": str(ROOT)}
            installed_times, dev_times = [], []
            for _ in range(args.runs):
                installed_times.append(_run(["/usr/bin/workbench", *shot], env))
                dev_times.append(_run([sys.executable, "-m", "workbench", *shot], dev_env))
        print(f"bundle (/opt/agent-workbench): {_size(INSTALLED) / 1e6:.0f} MB in "
              f"{sum(1 for p in INSTALLED.rglob('*') if p.is_file())} files")
        print(f".deb ({deb.name}): {deb.stat().st_size / 1e6:.0f} MB")
        print(f"installed app, first run after install (cold): {installed_times[0]:.2f} s")
        print(f"installed app, median of {args.runs}: {statistics.median(installed_times):.2f} s "
              f"({min(installed_times):.2f}–{max(installed_times):.2f})")
        print(f"development venv (baseline), median of {args.runs}: {statistics.median(dev_times):.2f} s "
              f"({min(dev_times):.2f}–{max(dev_times):.2f})")
        print(f"ratio installed / venv (medians): {statistics.median(installed_times) / statistics.median(dev_times):.2f}")
        print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        if installed_here:
            subprocess.run(["dpkg", "-P", "agent-workbench"], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
