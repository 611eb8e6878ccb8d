"""The desktop package, installed as IT would: the .deb of ``make package`` installed with dpkg,
the installed app started in a real X server (Xvfb) against a loopback server, and a click on a
``tel:`` link (``xdg-open tel:+8613800138000``) popping the customer in it.

Needs the .deb (``make package`` builds it into dist/; CI builds it first), root (dpkg), Xvfb
and xdg-utils; skips saying which is missing, except under CI=true where a missing .deb fails.
The package is removed again afterwards. Not tested here: Windows and macOS (no bundle for
them is built), a desktop environment's own URL handling (GNOME/KDE settings), Wayland."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from server_stub.seed.demo import seed_demo

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # builds or installs a package: minutes on a busy box


def _deb() -> Path | None:
    given = os.environ.get("WORKBENCH_DEB")
    if given:
        return Path(given)
    debs = sorted((ROOT / "dist").glob("agent-workbench_*.deb"))
    return debs[-1] if debs else None


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    for _ in range(30):  # another engineer's or the system's apt may hold the lock for a while
        done = subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=600)
        if "lock" not in done.stderr.lower():
            return done
        time.sleep(5)
    return done


@pytest.fixture
def installed_deb(central_url: str) -> Path:
    if not central_url.startswith("sqlite"):
        pytest.skip("one database is enough for the package end to end")
    deb = _deb()
    if deb is None or not deb.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("no .deb in dist/: CI must run `make package` before the tests")
        pytest.skip("no .deb in dist/ (run `make package` first)")
    for tool in ("dpkg", "Xvfb", "xdg-open", "xdg-mime"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root")
    done = _dpkg("-i", str(deb))
    assert done.returncode == 0, done.stderr
    try:
        yield deb
    finally:
        _dpkg("-P", "agent-workbench")  # purge: nothing left behind


def _read_until(proc: subprocess.Popen[bytes], lines: list[str], needle: str, timeout: float = 90) -> bool:
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines.extend((proc.stdout.read() or b"").decode("utf-8", "replace").splitlines())
        if any(needle in x for x in lines):
            return True
        assert proc.poll() is None, "\n".join(lines[-40:])
        time.sleep(0.3)
    return False


def test_the_installed_deb_pops_a_tel_link_clicked_anywhere(installed_deb: Path, central_url: str, live_server: str,
                                                            tmp_path: Path) -> None:
    assert Path("/usr/bin/workbench").exists() and Path("/opt/agent-workbench/workbench").exists()
    assert Path("/usr/share/applications/agent-workbench.desktop").exists()
    assert Path("/usr/share/icons/hicolor/scalable/apps/agent-workbench.svg").exists()
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "PYTHONPATH", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION")}
    home = tmp_path / "home"
    home.mkdir()
    display = f":{300 + os.getpid() % 600}"
    env.update(HOME=str(home), DISPLAY=display, WORKBENCH_DATA_DIR=str(tmp_path / "data"),
               WORKBENCH_CONFIG_DIR=str(tmp_path / "cfg"), WORKBENCH_LOG_DIR=str(tmp_path / "logs"),
               WORKBENCH_SOCKET=f"wb-deb-{os.getpid()}", WORKBENCH_KEYRING="memory")
    for scheme in ("tel", "callto"):  # the package registered the app for both
        query = subprocess.run(["xdg-mime", "query", "default", f"x-scheme-handler/{scheme}"], env=env,
                               capture_output=True, text=True, timeout=30)
        assert query.stdout.strip() == "agent-workbench.desktop", (scheme, query.stdout, query.stderr)
    seed_demo(central_url, customers=100, seed=7)
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    try:
        time.sleep(0.5)
        app = subprocess.Popen(["/usr/bin/workbench", "--user", "agent1", "--password-stdin", "--server", live_server,
                                "--lang", "zh"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
        assert app.stdin is not None
        app.stdin.write(b"demo\n")
        app.stdin.close()
        lines: list[str] = []
        assert _read_until(app, lines, "sync"), "\n".join(lines[-40:])
        click = subprocess.run(["xdg-open", "tel:+8613800138000"], env=env, capture_output=True, text=True,
                               timeout=120)
        assert click.returncode == 0, click.stdout + click.stderr
        assert _read_until(app, lines, "screen pop: customer C0000001"), "\n".join(lines[-40:])
        assert app.poll() is None
        assert (tmp_path / "logs" / "workbench.log").exists()  # the installed app logs to its file too
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(10)
