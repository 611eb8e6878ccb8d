"""View-model of the studio's SMS templates page.

:meth:`SmsTemplatesViewModel.check` runs on every keystroke on the GUI thread: it is the
shared rule set of :mod:`workbench.core.sms_text` over at most 1,000 characters (well under a
millisecond). Loading from the server, saving drafts and publishing run on the task runner,
newest load wins. No QtWidgets here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal

from workbench.core.sms_text import DEFAULT_SENSITIVE_WORDS
from workbench.services.server_api import ServerRejected
from workbench.services.sms_templates import (
    SmsTemplateService,
    TemplateBook,
    TemplateCheck,
    TemplateDraft,
    TemplateItem,
)
from workbench.views.errors import user_message
from workbench.views.task_runner import Latest, TaskRunner

#: the service's messages, for the translator (context "UserError", see views.errors)
_MESSAGES = (QT_TRANSLATE_NOOP("UserError", "Not connected to the server: the draft is saved on this desk."),)


class SmsTemplatesViewModel(QObject):
    """Adapts :class:`SmsTemplateService` for the studio.

    Signals:
        book_changed(object): a :class:`TemplateBook` (templates, words, policies, offline note).
        checked(object): a :class:`TemplateCheck` of the editor's current text.
        saved(object): the :class:`TemplateDraft` kept on this desk.
        published(object): ``(TemplateDraft, report)`` once the server took it.
        discarded(str): the id of a dropped draft.
        busy_changed(bool): a publish is on its way (the button waits).
        error(str): something the user can act on (a refusal with the server's reason, offline).
    """

    book_changed = Signal(object)
    checked = Signal(object)
    saved = Signal(object)
    published = Signal(object)
    discarded = Signal(str)
    busy_changed = Signal(bool)
    error = Signal(str)

    def __init__(self, service: SmsTemplateService, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._load = Latest(runner)
        self.book = TemplateBook((), DEFAULT_SENSITIVE_WORDS, (), "not loaded yet")
        self.last_check: TemplateCheck | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """The words bodies are checked against: the server's, or the shipped list."""
        return self.book.words if self.book.words_from_server else DEFAULT_SENSITIVE_WORDS

    def item(self, template_id: str) -> TemplateItem | None:
        return next((t for t in self.book.templates if t.id == template_id), None)

    # ------------------------------------------------------------ loading

    def reload(self) -> None:
        """Ask the server for its templates and words, read the drafts (off the GUI thread)."""
        self._load.run(self._service.load, self._on_book, self._on_failure)

    def _on_book(self, book: TemplateBook) -> None:
        self.book = book
        self.book_changed.emit(book)

    # ------------------------------------------------------------ editing

    def check(self, body: str) -> TemplateCheck:
        """Check ``body`` now against the server's words (the shipped ones when offline)."""
        check = self._service.check(body, self.words)
        self.last_check = check
        self.checked.emit(check)
        return check

    def save(self, draft: TemplateDraft) -> None:
        """Keep ``draft`` on this desk; ``saved`` or ``error`` follows."""
        base = self._base(draft.id)

        def done(stored: TemplateDraft) -> None:
            self.saved.emit(stored)
            self.reload()
        self._run(lambda: self._service.save_draft(draft, base), done)

    def publish(self, draft: TemplateDraft) -> None:
        """Save and publish ``draft``; ``published`` or ``error`` (the server's reason) follows."""
        base = self._base(draft.id)
        self.busy_changed.emit(True)

        def done(report: dict[str, Any]) -> None:
            self.busy_changed.emit(False)
            self.published.emit((draft, report))
            self.reload()

        def failed(exc: BaseException) -> None:
            self.busy_changed.emit(False)
            self._on_failure(exc)
            self.reload()  # the draft was saved before the server was asked
        self._runner.run(lambda: self._service.publish(draft, base), done, failed)

    def discard(self, template_id: str) -> None:
        def done(tid: str) -> None:
            self.discarded.emit(tid)
            self.reload()
        self._run(lambda: self._service.discard_draft(template_id), done)

    def _base(self, template_id: str) -> int | None:
        item = self.item(template_id)
        return item.published_version if item else None

    # ------------------------------------------------------------ plumbing

    def _run(self, fn: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        self._runner.run(fn, on_success, self._on_failure)

    def _on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, ServerRejected) and exc.status == 422:  # the server's own check, its words
            self.error.emit(self.tr("The server refused to publish; nothing was changed. %1")
                            .replace("%1", str(exc)))
            return
        self.error.emit(user_message(exc))
