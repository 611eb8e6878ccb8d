"""The real app, end to end, in a real X server (Xvfb): log in with the password on stdin,
sync, and pop a customer handed over by ``workbench call`` in another process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server_stub.seed.demo import seed_demo

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None,
                                reason="Xvfb is not installed (Debian: apt-get install xvfb)")


def test_the_app_in_a_real_x_server(central_url: str, live_server: str, tmp_path: Path) -> None:
    if not central_url.startswith("sqlite"):
        pytest.skip("one database is enough for the desktop end to end")
    seed_demo(central_url, customers=100, seed=7)
    display = f":{90 + os.getpid() % 800}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=display, WORKBENCH_DATA_DIR=str(tmp_path / "data"), WORKBENCH_CONFIG_DIR=str(tmp_path / "cfg"),
               WORKBENCH_SOCKET=f"wb-xvfb-{os.getpid()}", WORKBENCH_KEYRING="memory")
    app = None
    try:
        time.sleep(0.5)
        app = subprocess.Popen([sys.executable, "-m", "workbench", "--user", "agent1", "--password-stdin",
                                "--server", live_server, "--lang", "zh"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                               text=True)
        assert app.stdin is not None
        app.stdin.write("demo\n")
        app.stdin.close()
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline:
            r = subprocess.run([sys.executable, "-m", "workbench", "call", "--no-start", "+86 138-0013-8000"],
                               env=env, capture_output=True, text=True, timeout=30)
            if r.returncode == 0:
                answer = r
                break
            assert app.poll() is None, app.stdout.read() if app.stdout else ""
            time.sleep(1)
        assert answer is not None, "the running app never answered on its local socket"
        lines: list[str] = []
        deadline = time.monotonic() + 60
        assert app.stdout is not None
        os.set_blocking(app.stdout.fileno(), False)
        while time.monotonic() < deadline and not any("screen pop: customer C0000001" in x for x in lines):
            chunk = app.stdout.read() or ""
            lines.extend(chunk.splitlines())
            time.sleep(0.3)
        assert any("screen pop: customer C0000001" in x for x in lines), "\n".join(lines[-30:])
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(10)
