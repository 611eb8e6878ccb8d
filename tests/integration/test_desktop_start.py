"""Cold start of the real app with a stored session (issue 5): the main window shows from the
local store before anything talks to the server. The server here is a real loopback socket
that accepts connections and never answers: the window must show, unaffected, long before the
client's 10 s timeout, with neither httpx nor the sync engine imported before its first paint,
and it must pop a caller from the local store while the server still hangs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.local_data import WANG_PHONE, build_local_store

ROOT = Path(__file__).resolve().parents[2]

# Runs the real entry point (workbench.cli.main, as `workbench` does) in a fresh process, with a
# token put in the in-memory keyring first (a stored session), and watches the first paint.
CHILD = r"""
import os, sys, time
t0 = time.perf_counter()
import keyring
from workbench.services.credentials import MemoryKeyring, TokenStore
keyring.set_keyring(MemoryKeyring())
TokenStore(os.environ["TEST_SERVER_URL"]).save("agent1", "stored-refresh-token")
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

HEAVY = ("httpx", "workbench.services.server_api", "workbench.services.sync_engine",
         "workbench.views.sync_controller", "pandas", "pyqtgraph")

class Probe(QObject):
    seen = False
    def eventFilter(self, obj, event):
        if not self.seen and event.type() == QEvent.Type.Paint and obj.isWidgetType() \
                and type(obj.window()).__name__ == "MainWindow":
            self.seen = True
            win = obj.window()
            print("PAINTED", round(time.perf_counter() - t0, 2), flush=True)
            print("LOADED_AT_PAINT", [m for m in HEAVY if m in sys.modules], flush=True)
            QTimer.singleShot(0, lambda: self.pop(win))
        return False

    def pop(self, win):
        from workbench.services.call_events import CallEvent, Source
        def shown(pop, event):
            print("POPPED", pop.portrait.phone, round(time.perf_counter() - t0, 2), flush=True)
            QTimer.singleShot(300, lambda: os._exit(0))
        win.vm.pop_ready.connect(shown)
        win.vm.on_call_event(CallEvent.from_number(os.environ["TEST_PHONE"], Source.CLI))

probe = Probe()
exec_ = QApplication.exec
def exec_with_probe(*_self):
    QApplication.instance().installEventFilter(probe)
    QTimer.singleShot(30000, lambda: os._exit(3))
    return exec_()
QApplication.exec = exec_with_probe
from workbench.cli import main
sys.exit(main([]))
"""


def test_window_shows_and_pops_before_a_silent_server_answers(tmp_path: Path) -> None:
    data, cfg = tmp_path / "data", tmp_path / "cfg"
    data.mkdir()
    cfg.mkdir()
    build_local_store(data / "local-agent1.db").kw["bind"].dispose()
    silent = socket.socket()  # accepts (the kernel completes the handshake), never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    (cfg / "settings.json").write_text(json.dumps({"server_url": url, "last_username": "agent1",
                                                   "softphone_port": 0}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_KEYRING", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", WORKBENCH_CONFIG_DIR=str(cfg), WORKBENCH_DATA_DIR=str(data),
               WORKBENCH_SOCKET=f"wb-start-{os.getpid()}", TEST_SERVER_URL=url, TEST_PHONE=WANG_PHONE,
               PYTHONPATH=str(ROOT))
    try:
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    finally:
        silent.close()
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    painted = next(x for x in lines if x.startswith("PAINTED"))
    assert float(painted.split()[1]) < 8.0  # the client's timeout is 10 s: nothing waited for it
    assert "LOADED_AT_PAINT []" in lines, lines
    popped = next(x for x in lines if x.startswith("POPPED"))
    assert popped.split()[1] == WANG_PHONE
    assert float(popped.split()[2]) < 9.0  # offline pop from the local store, server still silent


def test_a_refused_stored_session_asks_for_the_password_over_the_window(
        qtbot, central_url: str, live_server: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The window shows from the local store first; when the server refuses the stored token, the
    login dialog comes over the window; logging in starts sync and keeps the new token."""
    import argparse

    import keyring
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from tests.integration import factories
    from workbench.desktop import run_desktop
    from workbench.services.credentials import MemoryKeyring, TokenStore
    from workbench.ui.dialogs import LoginDialog
    from workbench.ui.main_window import MainWindow

    with factories.central_session(central_url) as s:
        factories.team(s, "T01")
        factories.user(s, "agent1", "agent", "T01")
    build_local_store(tmp_path / "local-agent1.db").kw["bind"].dispose()
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "settings.json").write_text(json.dumps(
        {"server_url": live_server, "last_username": "agent1", "softphone_port": 0}), encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("WORKBENCH_KEYRING", "memory")
    monkeypatch.setenv("WORKBENCH_SOCKET", f"wb-refused-{os.getpid()}")
    keyring.set_keyring(MemoryKeyring())
    tokens = TokenStore(live_server)
    tokens.save("agent1", "revoked-or-made-up-token")
    seen: dict[str, object] = {}

    def drive() -> None:
        if "stop" in seen:
            return
        win = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)
        dlg = next((w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()), None)
        if dlg is not None and "dialog" not in seen:
            seen["dialog"] = win is not None and dlg.parent() is win  # over the window, which was up first
            dlg.password.setText(factories.PASSWORD)
            dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        if win is not None and "Online" in win.sync_label.text():
            seen["online"] = True
            QApplication.instance().quit()
            return
        QTimer.singleShot(50, drive)

    QTimer.singleShot(50, drive)
    guard = QTimer()  # a stuck run ends after 30 s (stopped below: it must not quit a later test's loop)
    guard.setSingleShot(True)
    guard.timeout.connect(QApplication.instance().quit)
    guard.start(30000)
    args = argparse.Namespace(user=None, password_stdin=False, server=None, data_dir=str(tmp_path),
                              lang="en", call=None)
    try:
        assert run_desktop(args) == 0
    finally:
        guard.stop()
        seen["stop"] = True
        # The app's windows closing after its event loop returned ask the (shared, test-wide)
        # QApplication to quit once more, outside any loop: Qt keeps that request, and every
        # later event loop (the next tests' waitSignal) would return at once. Run one loop to
        # take it, as the next `exec()` of a real process would.
        QTimer.singleShot(0, QApplication.instance().quit)
        QApplication.instance().exec()
    del seen["stop"]
    assert seen == {"dialog": True, "online": True}
    assert tokens.load("agent1") not in (None, "revoked-or-made-up-token")  # the new session is kept
