"""Two installs, two halves: ``agent-workbench[server]`` brings no Qt and
``agent-workbench[desktop]`` no psycopg, uvicorn or faker. Each is installed from the wheel into
a fresh, empty venv (the locked versions, from the package index) and runs its entry point."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.installed_venv import ROOT, build_wheel, clean_env, fresh_venv, pip_install
from tests.integration.serverproc import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # installs from the package index: minutes on a busy box
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


def _install(tmp: Path, wheel: Path, extra: str) -> Path:
    py = fresh_venv(tmp / extra)
    done = pip_install(py, "-c", str(CONSTRAINTS), f"{wheel}[{extra}]", timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    return py


def _has(py: Path, module: str) -> bool:
    probe = subprocess.run([str(py), "-c", f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"],
                           capture_output=True, env=clean_env(), cwd=py.parent)
    return probe.returncode == 0


def test_the_server_install_has_no_qt_and_serves(wheel: Path, tmp_path: Path) -> None:
    py = _install(tmp_path, wheel, "server")
    for absent in ("PySide6", "pyqtgraph", "keyring"):
        assert not _has(py, absent), absent
    for present in ("fastapi", "uvicorn", "psycopg", "faker"):
        assert _has(py, present), present
    bin_dir = py.parent
    help_ = subprocess.run([str(bin_dir / "workbench-server"), "--help"], capture_output=True, text=True,
                           env=clean_env(), cwd=tmp_path, timeout=60)
    assert help_.returncode == 0 and "serve" in help_.stdout
    port = free_port()
    env = clean_env(WORKBENCH_LOG_DIR=str(tmp_path / "logs"), WORKBENCH_CTI_SECRET="x" * 32)
    proc = subprocess.Popen([str(bin_dir / "workbench-server"), "serve", "--db", f"sqlite:///{tmp_path / 'c.db'}",
                             "--port", str(port)], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed server never answered"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


def test_the_desktop_install_has_no_server_stack_and_runs(wheel: Path, tmp_path: Path) -> None:
    py = _install(tmp_path, wheel, "desktop")
    for absent in ("psycopg", "uvicorn", "faker", "fastapi"):
        assert not _has(py, absent), absent
    for present in ("PySide6", "pyqtgraph", "keyring", "workbench"):
        assert _has(py, present), present
    help_ = subprocess.run([str(py.parent / "workbench"), "--help"], capture_output=True, text=True,
                           env=clean_env(), cwd=tmp_path, timeout=60)
    assert help_.returncode == 0 and "tel:" in help_.stdout
    probe = subprocess.run([str(py), str(ROOT / "tests" / "integration" / "installed_probe.py"), str(tmp_path)],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path,
                           env=clean_env(QT_QPA_PLATFORM="offscreen", WORKBENCH_CONFIG_DIR=str(tmp_path)))
    assert probe.returncode == 0, probe.stderr[-3000:]  # the main window opens, in Chinese
    assert "工作台(&W)" in probe.stdout
