"""Where unexpected exceptions go: the log with their traceback, then the crash handler (the
desktop's crash dialog). Used by ``sys.excepthook``, ``threading.excepthook`` and the task
runner's worker tasks. No Qt here; the dialog registers itself with :func:`set_handler`."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger("workbench.crash")

#: handler(exception, traceback text); runs on the GUI thread.
Handler = Callable[[BaseException, str], None]
_handler: list[Handler] = []


def set_handler(handler: Handler | None) -> None:
    _handler.clear()
    if handler is not None:
        _handler.append(handler)


def format_exception(exc: BaseException, tb: TracebackType | None = None) -> str:
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def report(exc: BaseException, tb_text: str | None = None, *, where: str = "") -> None:
    """Log ``exc`` with its traceback and hand it to the crash handler. Never raises."""
    text = tb_text or format_exception(exc)
    try:
        log.error("unexpected exception%s:\n%s", f" in {where}" if where else "", text.rstrip())
        if _handler:
            _handler[0](exc, text)
    except Exception:  # the crash handler itself must never raise
        log.exception("the crash handler failed")


#: Failures that are part of normal work: the server or the network (the app's ApiError family
#: and httpx's), the disk (OSError), input refused by a check (ValueError), and every exception
#: class the app defines for a reason. Anything else — TypeError, KeyError, AttributeError, a
#: database error … — is a bug and goes to :func:`report`.
_EXPECTED_MODULES = ("workbench.", "server_stub.", "httpx", "httpcore", "keyring")


def is_expected(exc: BaseException) -> bool:
    if isinstance(exc, OSError | ValueError):
        return True
    return any(cls.__module__.startswith(_EXPECTED_MODULES) for cls in type(exc).__mro__
               if cls not in (BaseException, Exception, object))
