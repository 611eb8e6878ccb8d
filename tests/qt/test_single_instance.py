"""One instance per user: a second ``workbench`` start hands its number (plain, ``tel:`` or
``callto:``) to the running app over the local socket, which brings its window forward, and
the second start exits."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from workbench.core.phone import InvalidPhoneError
from workbench.ipc import CallListener
from workbench.links import number_from_link

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("link", ["13800138000", "tel:+8613800138000", "tel:%2B86-138-0013-8000",
                                  "callto:+86 138 0013 8000", "callto://+8613800138000", "tel:13800138000;phone-context=x",
                                  "sip:+8613800138000@pbx.example"])
def test_links_a_browser_passes_give_the_number(link: str) -> None:
    assert number_from_link(link) == "13800138000"


@pytest.mark.parametrize("link", ["tel:", "callto://", "mailto:x@example.com", "tel:abc"])
def test_what_is_not_a_number_is_refused(link: str) -> None:
    with pytest.raises(InvalidPhoneError):
        number_from_link(link)


def _listener(qtbot) -> tuple[CallListener, list[object], list[bool]]:  # type: ignore[no-untyped-def]
    listener = CallListener(f"wb-test-{uuid.uuid4().hex[:10]}")
    calls: list[object] = []
    activated: list[bool] = []
    listener.call_received.connect(calls.append)
    listener.activate_requested.connect(lambda: activated.append(True))
    assert listener.start()
    return listener, calls, activated


def _second_start(qtbot, name: str, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """``python -m workbench ARGS`` while this test's event loop answers on the socket."""
    env = {**os.environ, "WORKBENCH_SOCKET": name, "PYTHONPATH": str(ROOT)}
    env.pop("DISPLAY", None)  # the hand-over needs no display: it happens before any window
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.Popen([sys.executable, "-m", "workbench", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60000)
    out, err = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_second_start_hands_its_link_over_and_exits(qtbot) -> None:  # type: ignore[no-untyped-def]
    listener, calls, activated = _listener(qtbot)
    try:
        done = _second_start(qtbot, listener.name, "tel:%2B8613800138000")
        assert done.returncode == 0, done.stderr
        assert "already running: handed over" in done.stdout
        qtbot.waitUntil(lambda: bool(calls) and bool(activated))
        assert [c.number for c in calls] == ["13800138000"]  # type: ignore[attr-defined]

        done = _second_start(qtbot, listener.name)  # no number: just bring the window forward
        assert done.returncode == 0 and len(activated) == 2 and len(calls) == 1

        done = _second_start(qtbot, listener.name, "callto:not-a-number")
        assert done.returncode == 2 and "not a phone number" in done.stderr and len(activated) == 2
    finally:
        listener.close()


def test_calls_during_the_log_in_are_held_until_the_window_shows_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    listener, calls, activated = _listener(qtbot)
    listener.hold()
    try:
        done = _second_start(qtbot, listener.name, "call", "--no-start", "+86 139-0013-9000")
        assert done.returncode == 0, done.stderr
        assert calls == []
        listener.release()
        assert [c.number for c in calls] == ["13900139000"]  # type: ignore[attr-defined]
    finally:
        listener.close()


def test_a_second_listener_sees_the_first_and_does_not_steal_its_socket(qtbot) -> None:  # type: ignore[no-untyped-def]
    first, _calls, _activated = _listener(qtbot)
    second = CallListener(first.name)
    try:
        assert not second.start() and second.already_running and first.is_listening()
    finally:
        first.close()


def test_bring_forward_unminimises_raises_and_activates_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    from workbench.desktop import bring_forward

    window, other = QWidget(), QWidget()
    qtbot.addWidget(window)
    qtbot.addWidget(other)
    window.showMinimized()
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    bring_forward(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.isVisible() and not window.isMinimized()
