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


@pytest.mark.parametrize(("language", "expected"), [("zh", "登录失败次数过多，请在 "), ("en", "Too many failed logins")])
def test_throttled_login_shows_when_to_try_again(qtbot, qapp, user: str, fresh_keyring, tmp_path,  # type: ignore[no-untyped-def]
                                                 language: str, expected: str) -> None:
    """Issue #13 point 3: the dialog says at what time to try again, in the interface language,
    and offers Log in only then."""
    import datetime as dt
    import re

    import httpx

    from workbench.i18n import install_language

    for _ in range(5):  # someone else guessed zhang's password from this address
        assert httpx.post(f"{user}/api/v1/auth/login", json={"username": "zhang", "password": "x"}).status_code == 401
    settings = Settings(tmp_path / "settings.json")
    settings.set("last_username", "zhang")
    seen: dict[str, object] = {}

    def read_and_cancel() -> None:
        dlg = next((w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()), None)
        if dlg is None or not dlg.buttons.isEnabled():
            QTimer.singleShot(50, read_and_cancel)
            return
        seen["text"] = dlg.error.text()
        seen["ok_enabled"] = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        dlg.reject()

    install_language(qapp, language)
    try:
        fill_dialog(factories.PASSWORD, [])  # the right password, but throttled
        QTimer.singleShot(300, read_and_cancel)
        before = dt.datetime.now()
        conn, result = _login(Connection(user, None, "a-new-device-0001"), settings, args(), TokenStore(user), "")
        conn.close()
    finally:
        install_language(qapp, "en")
    assert result is None
    text = str(seen["text"])
    assert text.startswith(expected), text
    clock = re.search(r"(\d\d):(\d\d):(\d\d)", text)
    assert clock is not None, text
    shown = before.replace(hour=int(clock[1]), minute=int(clock[2]), second=int(clock[3]), microsecond=0)
    assert before - dt.timedelta(seconds=2) < shown <= before + dt.timedelta(seconds=40)  # now + Retry-After
    assert seen["ok_enabled"] is False


def test_the_desktop_sends_its_device_id_and_passes_a_throttle(user: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The device id is made once, kept in the settings, and sent with each login: after one
    good login from this desktop, a stranger's failures from the same address do not stop it."""
    import httpx

    from workbench.services.device_id import device_id

    settings = Settings(tmp_path / "settings.json")
    first = device_id(settings)
    assert device_id(Settings(tmp_path / "settings.json")) == first  # persisted
    conn = Connection(user, None, first)
    assert conn.api.login("zhang", factories.PASSWORD).user.username == "zhang"
    for _ in range(6):
        httpx.post(f"{user}/api/v1/auth/login", json={"username": "zhang", "password": "x"})
    assert httpx.post(f"{user}/api/v1/auth/login",
                      json={"username": "zhang", "password": factories.PASSWORD}).status_code == 429
    assert conn.api.login("zhang", factories.PASSWORD).user.username == "zhang"
    conn.close()
