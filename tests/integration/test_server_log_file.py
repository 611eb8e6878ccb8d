"""The server logs to a rotating file in its log folder as well as to stderr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.serverproc import ROOT, free_port


def test_the_server_logs_to_its_file_and_stderr(tmp_path: Path) -> None:
    port = free_port()
    logs = tmp_path / "logs"
    env = {**os.environ, "WORKBENCH_LOG_DIR": str(logs), "WORKBENCH_CTI_SECRET": "x" * 32}
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "serve", "--db", f"sqlite:///{tmp_path / 'c.db'}",
                             "--port", str(port), "--log-level", "info"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    text = (logs / "workbench-server.log").read_text(encoding="utf-8")
    assert "Application startup complete" in text and "GET /api/v1/health" in text
    assert f"logging to {logs / 'workbench-server.log'}" in err.decode()
    assert "Application startup complete" in err.decode()  # stderr too (the journal under systemd)
