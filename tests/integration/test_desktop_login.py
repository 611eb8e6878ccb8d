"""Logging in from the desktop: the dialog (non-blocking work, errors shown), the refresh
token kept in the keyring and used next time, password on stdin for scripted starts, and the
clear message on a desktop without a keyring."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.integration import factories
from workbench.config import Settings
from workbench.desktop import Connection, _login
from workbench.services.credentials import (
    MemoryKeyring,
    TokenStore,
    configure_keyring,
    keyring_status,
)
from workbench.ui.dialogs import LoginDialog


@pytest.fixture
def user(central_url: str, live_server: str) -> str:
    with factories.central_session(central_url) as s:
        factories.team(s, "T01")
        factories.user(s, "zhang", "agent", "T01")
    return live_server


@pytest.fixture
def fresh_keyring() -> Iterator[MemoryKeyring]:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring


def args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"user": None, "password_stdin": False, "server": None, "data_dir": None,
                                 "lang": None, "call": None, **kw})


def fill_dialog(password: str, then: list[str]) -> None:
    """When the login dialog shows, type the password and press Log in."""

    def act() -> None:
        dlg = next((w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()), None)
        if dlg is None:
            QTimer.singleShot(50, act)
            return
        then.append(dlg.error.text())
        dlg.password.setText(password)
        dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(50, act)


def test_dialog_login_keeps_the_token_in_the_keyring_and_reuses_it(qtbot, user: str, fresh_keyring, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(tmp_path / "settings.json")
    settings.set("last_username", "zhang")
    tokens = TokenStore(user)
    conn = Connection(user, lambda r: tokens.save(r.user.username, r.refresh_token))
    seen: list[str] = []
    fill_dialog("wrong", seen)  # first a wrong password: the dialog shows why and stays

    def then_right() -> None:
        dlg = next((w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()), None)
        if dlg is None or not dlg.buttons.isEnabled():
            QTimer.singleShot(50, then_right)
            return
        seen.append(dlg.error.text())
        dlg.password.setText(factories.PASSWORD)
        dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(300, then_right)
    conn, result = _login(conn, settings, args(), tokens, "")
    assert result is not None and result.user.username == "zhang"
    assert any("Wrong" in text for text in seen)  # the 401 was shown in the dialog
    assert tokens.load("zhang") == result.refresh_token  # in the keyring, not in a file
    assert result.refresh_token not in (tmp_path / "settings.json").read_text(encoding="utf-8") if (tmp_path / "settings.json").exists() else True
    conn.close()
    # next start: the remembered token logs in without any dialog
    conn2 = Connection(user, lambda r: tokens.save(r.user.username, r.refresh_token))
    conn2, again = _login(conn2, settings, args(), tokens, "")
    assert again is not None and again.user.username == "zhang"
    conn2.close()


def test_password_on_stdin_for_scripted_starts(user: str, fresh_keyring, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tokens = TokenStore(user)
    monkeypatch.setattr("sys.stdin", io.StringIO(factories.PASSWORD + "\n"))
    conn, result = _login(Connection(user, None), Settings(tmp_path / "s.json"),
                          args(user="zhang", password_stdin=True), tokens, "")
    assert result is not None
    conn.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("nope\n"))
    conn, result = _login(Connection(user, None), Settings(tmp_path / "s.json"),
                          args(user="zhang", password_stdin=True), tokens, "")
    assert result is None
    conn.close()


def test_no_keyring_is_said_clearly_and_nothing_falls_back_to_a_file(qtbot, monkeypatch, tmp_path, fresh_keyring) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("WORKBENCH_KEYRING", raising=False)
    keyring.set_keyring(fail.Keyring())
    status = keyring_status()
    assert not status.usable and "log in each time" in status.message
    store = TokenStore("http://x")
    assert store.save("zhang", "secret-token") is False
    assert store.load("zhang") is None
    assert not any("secret-token" in p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file())
    dlg = LoginDialog("http://x", "zhang", status.message)
    assert not dlg.note.isHidden() and "keyring" in dlg.note.text()
    monkeypatch.setenv("WORKBENCH_KEYRING", "memory")
    assert configure_keyring().usable
    assert isinstance(keyring.get_keyring(), MemoryKeyring)
