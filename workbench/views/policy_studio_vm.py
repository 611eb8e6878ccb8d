"""View-model of the policy studio: policies in, rule checks and previews out.

The rule editor calls :meth:`PolicyStudioViewModel.check_rule` on every keystroke. The
syntax and type check is instant (it runs on the GUI thread: parsing a rule takes well under
a millisecond) and reported at once; counting matching customers in the local book runs on
the task runner after a short pause in typing, and the newest text wins. Everything that
touches the store runs on the task runner too. No QtWidgets here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.core.policies import PolicySpec
from workbench.services.policy_admin import PolicyAdminService, RuleCheck
from workbench.views.errors import user_message
from workbench.views.task_runner import Latest, TaskRunner

#: Pause in typing before the matching customers are counted (ms).
COUNT_DELAY_MS = 250


class PolicyStudioViewModel(QObject):
    """Adapts :class:`PolicyAdminService` for the studio window.

    Signals:
        policies_changed(list): the policies (``PolicySpec``), after loading or a change.
        rule_checked(object): a :class:`RuleCheck` for the editor's current text; first
            without the count, then (if valid) with it.
        preview_ready(list): ``PreviewRow`` s of customers the rule matches.
        saved(object): the ``PolicySpec`` as stored.
        published(object): the ``PolicySpec`` as published (new version).
        imported(int): number of policies, scripts and limits imported from YAML.
        exported(str): the path a YAML export was written to.
        scripts_changed(list): the scripts (``ScriptSpec``).
        limits_changed(list): the pressure limits (``PressureLimitSpec``).
        script_saved(object), limit_saved(object): the item as stored.
        error(str): something the user can act on (an invalid rule on save, a bad file).
    """

    policies_changed = Signal(list)
    scripts_changed = Signal(list)
    limits_changed = Signal(list)
    script_saved = Signal(object)
    limit_saved = Signal(object)
    rule_checked = Signal(object)
    preview_ready = Signal(list)
    saved = Signal(object)
    published = Signal(object)
    imported = Signal(int)
    exported = Signal(str)
    error = Signal(str)

    def __init__(self, service: PolicyAdminService, runner: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._count = Latest(runner)
        self._preview = Latest(runner)
        self._text = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COUNT_DELAY_MS)
        self._timer.timeout.connect(self._start_count)
        self.policies: list[PolicySpec] = []
        self.last_check: RuleCheck | None = None

    # ------------------------------------------------------------ policies

    def reload(self) -> None:
        """Load the policies, scripts and pressure limits (off the GUI thread)."""
        self._run(self._service.list_policies, self._on_policies)
        self._run(self._service.list_scripts, self.scripts_changed.emit)
        self._run(self._service.list_limits, self.limits_changed.emit)

    def save_script(self, values: dict[str, Any]) -> None:
        """Validate and store a script; ``script_saved`` or ``error`` follows."""
        def done(spec: Any) -> None:
            self.script_saved.emit(spec)
            self._run(self._service.list_scripts, self.scripts_changed.emit)
        self._run(lambda: self._service.save_script(values), done)

    def save_limit(self, values: dict[str, Any]) -> None:
        """Validate and store a pressure limit; ``limit_saved`` or ``error`` follows."""
        def done(spec: Any) -> None:
            self.limit_saved.emit(spec)
            self._run(self._service.list_limits, self.limits_changed.emit)
        self._run(lambda: self._service.save_limit(values), done)

    def _on_policies(self, policies: list[PolicySpec]) -> None:
        self.policies = list(policies)
        self.policies_changed.emit(self.policies)

    def save(self, spec: PolicySpec) -> None:
        """Validate and store ``spec``; ``saved`` or ``error`` follows."""
        def done(stored: PolicySpec) -> None:
            self.saved.emit(stored)
            self.reload()
        self._run(lambda: self._service.save(spec), done)

    def publish(self, policy_id: str) -> None:
        """Publish (new version); ``published`` or ``error`` follows."""
        def done(spec: PolicySpec) -> None:
            self.published.emit(spec)
            self.reload()
        self._run(lambda: self._service.publish(policy_id), done)

    # ------------------------------------------------------------ rules

    def check_rule(self, text: str) -> RuleCheck:
        """Check ``text`` now (errors at once); count matching customers after a pause."""
        self._text = text
        check = self._service.check_rule(text, count=False)
        self.last_check = check
        self.rule_checked.emit(check)
        if check.ok:
            self._timer.start()
        else:
            self._timer.stop()
            self._count.cancel()
        return check

    def _start_count(self) -> None:
        text = self._text

        def done(check: RuleCheck) -> None:
            if text == self._text:
                self.last_check = check
                self.rule_checked.emit(check)

        self._count.run(lambda: self._service.check_rule(text), done, self._on_failure)

    def preview(self, text: str, limit: int = 50) -> None:
        """Matching customers with their explanations; ``preview_ready`` follows."""
        self._preview.run(lambda: self._service.preview(text, limit), self.preview_ready.emit,
                          self._on_failure)

    def reload_book(self) -> None:
        self._service.reload_book()

    # ------------------------------------------------------------ YAML

    def export_yaml(self, path: Path) -> None:
        def work() -> str:
            path.write_text(self._service.export_yaml(), encoding="utf-8")
            return str(path)
        self._run(work, self.exported.emit)

    def import_yaml(self, path: Path) -> None:
        def work() -> int:
            bundle = self._service.import_yaml(path.read_text(encoding="utf-8"))
            return len(bundle.policies) + len(bundle.scripts) + len(bundle.pressure_limits)

        def done(n: int) -> None:
            self.imported.emit(n)
            self.reload()
        self._run(work, done)

    # ------------------------------------------------------------ plumbing

    def _run(self, fn: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        self._runner.run(fn, on_success, self._on_failure)

    def _on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, OSError | UnicodeDecodeError):  # a YAML file that cannot be read
            self.error.emit(self.tr("Could not read the file: {e}").format(e=exc.strerror if isinstance(exc, OSError)
                                                                           and exc.strerror else exc))
            return
        self.error.emit(user_message(exc))  # a UserError's message; anything else is a bug, reported
