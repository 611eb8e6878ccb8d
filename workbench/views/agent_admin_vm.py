"""The admin's agents screen (issue 17 point 3): a team's agents with their skills, daily
capacity and away flag, read and changed through the server on the task runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from workbench.core.errors import UserError
from workbench.views.task_runner import Latest, TaskRunner

#: ``fetch(team) -> {"agents": [...], "known_skills": [...]}`` (``ServerApi.agents``).
Fetch = Callable[[str | None], dict[str, Any]]
#: ``save(user_id, team_id, **changes) -> agent`` (``ServerApi.set_agent_assignment``).
Save = Callable[..., dict[str, Any]]


class AgentAdminViewModel(QObject):
    """Signals:
        agents_ready(list, list): the agents (dicts) and the skills an edit may set.
        saved(dict): the agent as the server stored it.
        failed(str): a read or a change failed (message safe to show; nothing was changed).
    """

    agents_ready = Signal(list, list)
    saved = Signal(dict)
    failed = Signal(str)

    def __init__(self, fetch: Fetch, save: Save, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._save = save
        self._runner = runner
        self._load = Latest(runner)
        self.team = ""

    def load(self, team: str = "") -> None:
        """Read the agents of ``team`` (all when empty); the newest request wins."""
        self.team = team.strip()
        team_id = self.team or None
        self._load.run(lambda: self._fetch(team_id),
                       lambda body: self.agents_ready.emit(list(body.get("agents") or []),
                                                           list(body.get("known_skills") or [])),
                       self._failed)

    def save(self, user_id: str, team_id: str, *, skills: list[str], daily_capacity: int | None,
             away: bool) -> None:
        """Send the agent's skills, capacity (None: no limit) and away flag; reload after."""
        def work() -> dict[str, Any]:
            return self._save(user_id, team_id, skills=skills, daily_capacity=daily_capacity,
                              no_capacity_limit=daily_capacity is None, away=away)

        def done(agent: dict[str, Any]) -> None:
            self.saved.emit(agent)
            self.load(self.team)

        self._runner.run(work, done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):  # the server's refusal or being offline: say so
            self.failed.emit(str(exc))
            return
        raise exc  # a bug: to the crash handler
