"""The systemd unit of the server: systemd accepts it, and its ExecStartPre / ExecStart, with the
shipped environment file's settings, migrate a store and serve it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.serverproc import free_port

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "packaging" / "systemd" / "workbench-server.service"
ENV_FILE = ROOT / "packaging" / "systemd" / "workbench-server.env"
INSTALLED = "/opt/agent-workbench-server/current"


def _fake_install(tmp: Path) -> Path:
    """A stand-in for /opt/agent-workbench-server/current: bin/workbench-server running this checkout."""
    bin_dir = tmp / "current" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "workbench-server"
    script.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} "
                      "-m server_stub \"$@\"\n", encoding="utf-8")
    script.chmod(0o755)
    return tmp / "current"


def _settings() -> dict[str, str]:
    values = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _unit_lines(key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in UNIT.read_text(encoding="utf-8").splitlines() if line.startswith(key + "=")]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    current = _fake_install(tmp_path)
    unit = tmp_path / "workbench-server.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(current)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_unit_migrates_and_serves_with_its_environment_file(tmp_path: Path) -> None:
    settings = _settings()
    assert settings["WORKBENCH_SERVER_DB"].startswith("sqlite:////var/lib/agent-workbench/")
    assert len(settings["WORKBENCH_CTI_SECRET"]) >= 32
    assert _unit_lines("EnvironmentFile") == ["/etc/agent-workbench/server.env"]
    current = _fake_install(tmp_path)
    port = free_port()
    settings.update(WORKBENCH_SERVER_DB=f"sqlite:///{tmp_path / 'central.db'}", WORKBENCH_PORT=str(port))
    env = {**os.environ, **settings, "WORKBENCH_LOG_DIR": str(tmp_path / "logs")}
    env.pop("PYTHONPATH", None)

    def command(line: str) -> list[str]:
        expanded = re.sub(r"\$\{(\w+)\}", lambda m: settings[m.group(1)], line.replace(INSTALLED, str(current)))
        return shlex.split(expanded)

    (pre,) = _unit_lines("ExecStartPre")
    done = subprocess.run(command(pre), env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and "migrated" in done.stdout, done.stderr
    (start,) = _unit_lines("ExecStart")
    proc = subprocess.Popen(command(start), env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
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
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # KillSignal=SIGTERM: a graceful stop
        assert proc.wait(20) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean stop; systemd counts it as success
    assert (tmp_path / "logs" / "workbench-server.log").exists()
