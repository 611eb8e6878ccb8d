"""Dashboard exports are audited like every table export (issue 18 point 5): the lead's export
is recorded on a real server first (who, which page, how many rows), then the file is written;
without the server nothing is written and the page says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from server_stub.storage import models as m
from tests.integration import factories
from workbench.services.server_api import OfflineError
from workbench.ui.dashboard import create_dashboard

WAIT = 30_000


def _dashboard(qtbot: Any, desk: Any, report: Any) -> Any:
    from workbench.services.actor import Actor

    u = desk.api.user
    actor = Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id)
    widget, vm = create_dashboard(desk.factory, actor, report_export=report)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget._result is not None and not vm.busy, timeout=WAIT)
    return widget, vm


def test_a_dashboard_export_is_recorded_on_the_server_before_it_is_written(
        central_url: str, desktop: Any, qtbot: Any, tmp_path: Path) -> None:
    factories.make_world(central_url, customers_per_team=4)
    lead = desktop("lead1")
    lead.sync.pull_all()
    widget, vm = _dashboard(qtbot, lead, lead.api.report_export)
    out = tmp_path / "efficiency.csv"
    rows = widget.pages["efficiency"].current_table().table_model.rowCount()
    widget.export_recorded("efficiency", "csv", out)
    qtbot.waitUntil(out.exists, timeout=WAIT)
    with factories.central_session(central_url) as s:
        [audit] = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "export")).scalars().all()
    assert audit.user_id == "U-lead1" and audit.rows == rows and "dashboard efficiency (csv)" in audit.detail
    vm.shutdown()


def test_without_the_server_a_dashboard_export_is_refused_and_nothing_written(
        central_url: str, desktop: Any, qtbot: Any, tmp_path: Path) -> None:
    factories.make_world(central_url, customers_per_team=4)
    lead = desktop("lead1")
    lead.sync.pull_all()

    def offline(_what: str, _rows: int) -> None:
        raise OfflineError("Not connected to the server yet. Try again in a moment.")

    widget, vm = _dashboard(qtbot, lead, offline)
    out = tmp_path / "efficiency.csv"
    widget.export_recorded("efficiency", "csv", out)
    qtbot.waitUntil(lambda: "Not exported" in widget.status.text(), timeout=WAIT)
    assert "Not connected" in widget.status.text() and not out.exists()
    with factories.central_session(central_url) as s:
        assert s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "export")).scalars().all() == []
    vm.shutdown()
