"""The real app in a real X server: a second ``workbench tel:…`` start hands the number to the
running app (which pops the customer and comes forward) and exits; no second window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server_stub.seed.demo import seed_demo

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb)")]


def _read_until(proc: subprocess.Popen[bytes], lines: list[str], needle: str, timeout: float = 60) -> bool:
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines.extend((proc.stdout.read() or b"").decode("utf-8", "replace").splitlines())
        if any(needle in x for x in lines):
            return True
        assert proc.poll() is None, "\n".join(lines[-30:])
        time.sleep(0.3)
    return False


def test_a_second_start_with_a_tel_link_pops_in_the_running_app(central_url: str, live_server: str,
                                                                 tmp_path: Path) -> None:
    if not central_url.startswith("sqlite"):
        pytest.skip("one database is enough for the desktop end to end")
    seed_demo(central_url, customers=100, seed=7)
    display = f":{190 + os.getpid() % 700}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=display, WORKBENCH_DATA_DIR=str(tmp_path / "data"), WORKBENCH_CONFIG_DIR=str(tmp_path / "cfg"),
               WORKBENCH_SOCKET=f"wb-one-{os.getpid()}", WORKBENCH_KEYRING="memory")
    app = None
    try:
        time.sleep(0.5)
        app = subprocess.Popen([sys.executable, "-m", "workbench", "--user", "agent1", "--password-stdin",
                                "--server", live_server, "--lang", "zh"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        assert app.stdin is not None
        app.stdin.write(b"demo\n")
        app.stdin.close()
        lines: list[str] = []
        assert _read_until(app, lines, "sync"), "\n".join(lines[-30:])  # logged in, syncing
        second = subprocess.run([sys.executable, "-m", "workbench", "tel:+8613800138000"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running: handed over" in second.stdout
        assert _read_until(app, lines, "window brought forward"), "\n".join(lines[-30:])
        assert _read_until(app, lines, "screen pop: customer C0000001"), "\n".join(lines[-30:])
        assert app.poll() is None  # the first instance keeps running
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(10)
