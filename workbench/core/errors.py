"""The error model: :class:`UserError` for what the user can act on; everything else is a bug.

A ``UserError``'s message is a sentence the user can act on ("the number is not a mainland
mobile or landline number", "the server is unreachable: working offline"). View-models show
only these (translated, see :func:`workbench.views.errors.user_message`); any other exception
that reaches a view-model is a bug: it goes to the crash handler (``sys.excepthook``) with its
traceback, and the user sees a generic sentence saying so.

``text`` is the English source, a ``str.format`` template over ``params`` when the message
has variable parts; the views translate the template (context ``"UserError"``) and then fill it
in, so a template listed in ``resources/translations/zh_CN.json`` shows in Chinese.
Subclasses keep their own meaning (``InputError``, ``DialRefused``, ``ApiError`` ...) and
usually another built-in base (``ValueError``, ``PermissionError``) for existing callers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["UserError"]


class UserError(Exception):
    """Something the user can act on. ``str(exc)`` is the English message."""

    def __init__(self, text: Any = "", *args: Any, **params: Any) -> None:
        text = str(text)
        super().__init__(text.format(**params) if params else text, *args)
        self.text = text
        self.params = params
