"""The policy studio's assignment rules (issue 17 point 4): named rules read from the server
and published to it as a YAML bundle's ``assignment_rules`` item, on the task runner.

A rule is checked here first (:func:`workbench.core.assignment_rules.rule_issues`, the checks
the server applies), so a bad one is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from workbench.core.assignment_rules import rule_issues, spec_of
from workbench.core.errors import UserError
from workbench.core.policies import dump_yaml
from workbench.views.task_runner import Latest, TaskRunner

#: ``fetch() -> [rule dicts]`` (``ServerApi.assignment_rules``).
Fetch = Callable[[], list[dict[str, Any]]]
#: ``publish(yaml_text) -> report`` (``ServerApi.publish_policies``).
Publish = Callable[[str], dict[str, Any]]


class AssignmentRulesViewModel(QObject):
    """Signals:
        rules_ready(list): the rules (dicts with name, kind, params, description, status,
            version, built_in), by name.
        published(str): the name of the rule the server took.
        failed(str): a read or publish failed, or the rule is invalid (safe to show;
            nothing was changed).
    """

    rules_ready = Signal(list)
    published = Signal(str)
    failed = Signal(str)

    def __init__(self, fetch: Fetch, publish: Publish, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._publish = publish
        self._runner = runner
        self._load = Latest(runner)

    def load(self) -> None:
        self._load.run(self._fetch, lambda rows: self.rules_ready.emit(list(rows)), self._failed)

    def publish(self, values: dict[str, Any]) -> None:
        """Check ``values`` (name, kind, params, description, status, version) and publish them."""
        issues = rule_issues(values)
        if issues:
            self.failed.emit("; ".join(f"{field}: {message}" for field, message in issues))
            return
        text = dump_yaml(assignment_rules=[spec_of(values)])
        name = str(values["name"])

        def done(_report: Any) -> None:
            self.published.emit(name)
            self.load()

        self._runner.run(lambda: self._publish(text), done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.failed.emit(str(exc))
            return
        raise exc
