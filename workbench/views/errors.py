"""What a view-model shows for a failed task: a :class:`UserError`'s translated message, or,
for anything else (a bug), a generic sentence after the crash handler got the traceback."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication

from workbench.core.errors import UserError

log = logging.getLogger(__name__)

_CTX = "UserError"


def report_bug(exc: BaseException) -> None:
    """Hand ``exc`` with its traceback to the crash handler (``sys.excepthook``, which the app
    installs) after logging it."""
    log.error("unexpected error in a task", exc_info=(type(exc), exc, exc.__traceback__))
    sys.excepthook(type(exc), exc, exc.__traceback__)


def user_message(exc: BaseException) -> str:
    """The text to show for ``exc``: a UserError's translated message; for any other
    exception (a bug) it is reported with :func:`report_bug` and a generic sentence shown."""
    if isinstance(exc, UserError):
        template = getattr(exc, "text", "") or str(exc)  # subclasses with their own __init__
        params = getattr(exc, "params", None)
        text = QCoreApplication.translate(_CTX, template)
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
                return str(exc)
        return text
    report_bug(exc)
    return QCoreApplication.translate("UserError", "Something went wrong; the error was recorded in the log.")
