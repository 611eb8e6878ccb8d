"""The one place that builds and wires everything: QApplication, stores, services, windows."""

from __future__ import annotations

import logging
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.config import Settings
from workbench.local_store.db import default_local_path, session_factory
from workbench.local_store.encryption import open_store
from workbench.local_store.models import User
from workbench.services.actor import Actor
from workbench.services.outcomes import OutcomeService
from workbench.services.screen_pop import ScreenPopService

log = logging.getLogger("workbench")




def make_qapp(language: str, argv: list[str] | None = None):  # type: ignore[no-untyped-def]
    """The QApplication (created once), with the language installed."""
    from PySide6.QtWidgets import QApplication

    from workbench.i18n import install_language

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Agent Workbench")
    app.setOrganizationName("agent-workbench")
    install_language(app, language)
    use_cjk_font(app)
    return app


#: Fonts with Chinese glyphs, best first. Using one as the application font spares Qt a
#: per-character fallback search (and keeps Chinese from rendering as boxes).
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
             "PingFang SC", "SimHei")


def use_cjk_font(app) -> str | None:  # type: ignore[no-untyped-def]
    """Make the first installed CJK font the application font; returns its family."""
    from PySide6.QtGui import QFont, QFontDatabase

    installed = set(QFontDatabase.families())
    for family in CJK_FONTS:
        if family in installed:
            font = QFont(app.font())
            font.setFamily(family)
            app.setFont(font)
            return family
    log.warning("no CJK font found: Chinese text may render as boxes (Debian: apt-get install fonts-wqy-microhei)")
    return None


def install_excepthook() -> None:
    """Bugs go to the log file with their traceback and to the crash dialog (which names the
    file and offers a report to copy); the app keeps running. Covers the GUI thread
    (``sys.excepthook``), other threads (``threading.excepthook``) and worker tasks (the task
    runner reports to :mod:`workbench.crash` itself)."""
    import threading

    from workbench import crash
    from workbench.ui.crash_dialog import install_crash_dialog

    install_crash_dialog()

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        crash.report(exc, "".join(traceback.format_exception(kind, exc, tb)))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
            name = args.thread.name if args.thread else "?"
            crash.report(args.exc_value, text, where=f"thread {name}")

    sys.excepthook = hook
    threading.excepthook = thread_hook


@dataclass
class LocalContext:
    """The local store of one user and the services on it."""

    engine: Engine
    sf: sessionmaker[Session]
    actor: Actor
    pops: ScreenPopService
    outcomes: OutcomeService
    #: something to tell the user about the store (e.g. its key was missing: a fresh sync)
    notice: str | None = None


def open_context(local_path: Path, actor: Actor, *, cross_sell_rules: Any = None,
                 language: str = "zh") -> LocalContext:
    """The local store of ``actor`` and the services on it (cross-sell rules: a callable)."""
    opened = open_store(local_path)  # encrypted at rest, the key in the keyring
    engine = opened.engine
    sf = session_factory(engine)
    pops = ScreenPopService(sf, actor, cross_sell_rules, language=language)
    return LocalContext(engine, sf, actor, pops, OutcomeService(sf, actor), notice=opened.notice)


def open_user_context(local_path: Path, username: str, *, cross_sell_rules: Any = None,
                      language: str = "zh") -> LocalContext | None:
    """The local store of ``username`` and the services on it, the actor as synced into the store
    (start-up with a stored session, before the server is asked); None if the store does not
    know the user. ``local_path`` must exist."""
    engine = open_store(local_path).engine
    sf = session_factory(engine)
    with sf() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        engine.dispose()
        return None
    actor = Actor(user.id, user.username, user.display_name, user.role, user.team_id, user.store_id)
    pops = ScreenPopService(sf, actor, cross_sell_rules, language=language)
    return LocalContext(engine, sf, actor, pops, OutcomeService(sf, actor))


def actor_from_store(local_path: Path, username: str) -> Actor:
    """The actor for ``username`` as synced into a local store (for headless commands)."""
    engine = open_store(local_path).engine
    try:
        with session_factory(engine)() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                raise LookupError(f"user {username!r} is not in the local store {local_path}; log in once first")
            return Actor(user.id, user.username, user.display_name, user.role, user.team_id, user.store_id)
    finally:
        engine.dispose()


def local_path_for(settings: Settings, username: str, data_dir: str | None = None) -> Path:
    return default_local_path(username, Path(data_dir) if data_dir else settings.data_dir())
