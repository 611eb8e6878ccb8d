"""Cold start of the REAL desktop app, the way a user starts it (issue 5): ``workbench`` with
no arguments, a stored session (the refresh token in the keyring, the last user in the
settings) and that user's local store on disk.

What is timed: from just before the process is spawned to the end of the first paint of the
main window that shows the work list (the window is usable: the agent can pick a task or
search a number and pop it from the local store). Everything the app runs before that is
inside the time: interpreter start, imports, settings, keyring, whatever server contact it
waits for, opening the local store, the work list, the window.

How it is launched: ``python -c PROBE`` where ``PROBE`` only adds a watcher for that first
paint (an event filter installed when the app enters its event loop) and then calls the
app's own entry point ``workbench.cli.main([])``, exactly what ``workbench`` / ``python -m
workbench`` run. It prints ``READY`` after that paint and exits at once.

The world around it, built once per :class:`RealStartRig`:

* a central server (``server_stub`` under uvicorn, in its own process on loopback) with team
  T01 and user agent1 (``U-agent1``), the user of the bench's local store, so that the token
  refresh and the sync the app starts are real requests answered by a real server; the
  central store holds nothing else, so the app's first pull adds no customers to the store;
* a stored session: the rig logs agent1 in once and keeps the refresh token in a keyring kept
  in a file (:mod:`bench.file_keyring`; a bare Linux box has no system keyring, and an
  in-memory one dies with the process). The app rotates it at each start, as it would in a
  real keyring;
* settings (server URL, last user, data folder) in a temporary config folder, and the local
  store: the data folder's ``local-agent1.db`` is a symbolic link to the bench's store.

Not in the time: the cost of a desktop keyring daemon (GNOME Keyring, KWallet) answering
over D-Bus, which this box does not have.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import os, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

class _FirstUsablePaint(QObject):
    # READY after the first paint of the main window once its work list has rows.
    done = False

    def eventFilter(self, obj, event):
        if not self.done and event.type() == QEvent.Type.Paint and obj.isWidgetType():
            win = obj.window()
            model = getattr(win, "work_model", None)
            if type(win).__name__ == "MainWindow" and model is not None and model.rowCount() > 0:
                self.done = True
                QTimer.singleShot(0, self.ready)  # after the whole paint of the window
        return False

    def ready(self):
        print("READY", flush=True)
        os._exit(0)

_probe = _FirstUsablePaint()
_exec = QApplication.exec

def _exec_with_probe(*_self):
    QApplication.instance().installEventFilter(_probe)
    return _exec()

QApplication.exec = _exec_with_probe
from workbench.cli import main
sys.exit(main([]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RealStartRig:
    """The server, keyring, settings and data folder of a stored session of agent1."""

    def __init__(self, store: Path, python: str = sys.executable) -> None:
        self.store = store
        self.python = python
        self._tmp = tempfile.TemporaryDirectory(prefix="wb-real-start-")
        self.dir = Path(self._tmp.name)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RealStartRig:
        central = f"sqlite:///{self.dir / 'central.db'}"
        setup = subprocess.run([self.python, "-c", _SEED.format(root=str(ROOT), url=central)],
                               capture_output=True, text=True, timeout=300)
        if setup.returncode != 0:
            raise RuntimeError(setup.stderr)
        self.server = subprocess.Popen(
            [self.python, "-m", "server_stub", "serve", "--db", central, "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise RuntimeError("the bench's server did not start") from None
                time.sleep(0.1)
        (self.dir / "data").mkdir()
        (self.dir / "cfg").mkdir()
        (self.dir / "data" / "local-agent1.db").symlink_to(self.store.resolve())
        (self.dir / "cfg" / "settings.json").write_text(json.dumps(
            {"server_url": self.url, "last_username": "agent1", "language": "zh"}), encoding="utf-8")
        login = subprocess.run([self.python, "-c", _LOGIN.format(root=str(ROOT), url=self.url)],
                               capture_output=True, text=True, timeout=60, env=self.env(ROOT))
        if login.returncode != 0:
            raise RuntimeError(login.stderr)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(10)
        self._tmp.cleanup()

    def env(self, code_root: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_KEYRING", "DISPLAY", "WAYLAND_DISPLAY")}
        env.update(QT_QPA_PLATFORM="offscreen", WORKBENCH_CONFIG_DIR=str(self.dir / "cfg"),
                   WORKBENCH_DATA_DIR=str(self.dir / "data"), WORKBENCH_SOCKET=f"wb-bench-{os.getpid()}",
                   PYTHON_KEYRING_BACKEND="file_keyring.FileKeyring",
                   BENCH_KEYRING_FILE=str(self.dir / "keyring.json"),
                   PYTHONPATH=os.pathsep.join([str(code_root), str(ROOT / "bench")]))
        return env

    def cold_start(self, code_root: Path = ROOT, extra: list[str] | None = None) -> float:
        """Seconds from spawning ``workbench`` to its first usable paint (see the module's docstring)."""
        t0 = time.perf_counter()
        proc = subprocess.Popen([self.python, *(extra or []), "-c", PROBE], cwd=self.dir,
                                env=self.env(code_root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        took = time.perf_counter() - t0
        if "READY" not in out:
            raise RuntimeError(f"the app never showed a usable window:\n{out}\n{err[-3000:]}")
        self.last_stderr = err
        return took


_SEED = r"""
import sys
sys.path.insert(0, {root!r})
from server_stub.auth import hash_password
from server_stub.storage.db import open_central, session_factory, unit_of_work
from server_stub.storage.models import Team, User
from server_stub.sync import lock_log, publish
engine = open_central({url!r})
with unit_of_work(session_factory(engine)) as s:
    lock_log(s)
    team = Team(id="T01", name="广州外呼一组", province="广东")
    s.add(team); s.flush(); publish(s, "team", [team])
    user = User(id="U-agent1", username="agent1", display_name="李敏", role="agent", team_id="T01",
                store_id=None, skills=[], password_hash=hash_password("pw"), active=True)
    s.add(user); s.flush(); publish(s, "user", [user])
engine.dispose()
"""

_LOGIN = r"""
import httpx, keyring
from workbench.services.credentials import TokenStore
from workbench.services.server_api import ServerApi
with httpx.Client(base_url={url!r}) as http:
    res = ServerApi(http).login("agent1", "pw")
assert TokenStore({url!r}).save("agent1", res.refresh_token), keyring.get_keyring()
"""


if __name__ == "__main__":
    import argparse
    import statistics

    ap = argparse.ArgumentParser(description="cold start of the real app with a stored session")
    ap.add_argument("--store", type=Path, default=Path("/tmp/bench-local.db"))
    ap.add_argument("--code", type=Path, default=ROOT, help="root of the workbench code to start")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with RealStartRig(a.store) as rig:
        rig.cold_start(a.code)  # warm the page cache
        times = [rig.cold_start(a.code) for _ in range(a.runs)]
    print(f"real cold start ({a.code}): median {statistics.median(times):.2f} s, "
          f"runs {' '.join(f'{t:.2f}' for t in times)}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
