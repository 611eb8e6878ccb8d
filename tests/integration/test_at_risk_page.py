"""The lead's at-risk page (issue 17 point 7) with real widgets offscreen, a real local store
filled by sync from a real server: four quadrants, sorting, the masked and audited export,
and the one action creating retention tasks on the server through an assignment rule."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from server_stub.storage.db import open_central
from tests.integration import factories
from workbench.services.at_risk import AtRiskService
from workbench.ui.at_risk import AtRiskWidget

WAIT = 30_000
#: customer index -> (churn, renewal, value tier, monthly fee)
SCORES = {0: (0.9, 0.2, "high", 199.0), 1: (0.6, 0.4, "high", 99.0), 2: (0.7, None, "ordinary", 58.0),
          3: (0.2, 0.8, "high", 299.0), 4: (0.1, 0.9, "low", 19.0)}


@pytest.fixture
def page(central_url: str, desktop: Any, qtbot: Any) -> Any:
    w = factories.make_world(central_url, customers_per_team=6, with_tasks=False)
    engine = open_central(central_url)
    with factories.central_session(central_url) as s:
        rows = []
        for i, (churn, renewal, tier, fee) in SCORES.items():
            c = s.get(m.Customer, w.customers["T01"][i])
            assert c is not None
            c.scores = {"deal": 0.3, "churn": churn, **({} if renewal is None else {"renewal": renewal})}
            c.value_tier, c.plan_fee = tier, fee
            rows.append(c)
        factories.publish(s, "customer", rows)  # customer 5 keeps no churn score: not listed
    lead = desktop("lead1")
    lead.sync.pull_all()
    local = lead.factory.kw["bind"]
    service = AtRiskService(local, "T01", lead.api.report_export, lead.api.create_retention_tasks)
    widget = AtRiskWidget(service)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    with qtbot.waitSignal(widget.loaded, timeout=WAIT):
        widget.reload()
    yield w, engine, widget
    widget.shutdown()
    engine.dispose()


def test_quadrants_sorting_and_renewal_shown(page: Any) -> None:
    w, _engine, widget = page
    frame = widget.model.frame()
    ids = w.customers["T01"]
    # the default order: revenue at risk (churn x 12 x fee), largest first; unscored left out
    assert list(frame["customer_id"]) == [ids[0], ids[3], ids[1], ids[2], ids[4]]
    assert dict(zip(frame["customer_id"], frame["quadrant"], strict=True)) == {
        ids[0]: "retain", ids[1]: "retain", ids[2]: "watch", ids[3]: "nurture", ids[4]: "maintain"}
    assert all("****" in str(x) for x in frame["mobile"])  # masked on screen
    renewal_col = [c.key for c in widget.model.columns()].index("renewal")
    assert widget.model.index(0, renewal_col).data() not in (None, "", "—")  # renewal beside churn
    churn_col = [c.key for c in widget.model.columns()].index("churn")
    widget.table.sortByColumn(churn_col, Qt.SortOrder.DescendingOrder)
    assert list(widget.model.frame()["churn"]) == [0.9, 0.7, 0.6, 0.2, 0.1]
    widget.quadrant.setCurrentIndex(widget.quadrant.findData("retain"))
    assert set(widget.model.frame()["customer_id"]) == {ids[0], ids[1]}


def test_export_is_masked_and_audited(page: Any, tmp_path: Path) -> None:
    _w, engine, widget = page
    assert widget.export_to(tmp_path / "at-risk.csv") == 5
    with (tmp_path / "at-risk.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["customer_id", "customer", "mobile", "quadrant"] and len(rows) == 6
    assert all("****" in r[2] for r in rows[1:])
    with Session(engine) as s:
        audit = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "export")).scalars().one()
    assert audit.user_id == "U-lead1" and audit.rows == 5 and "at-risk" in audit.detail


def test_the_action_creates_retention_tasks_for_the_selection(page: Any, qtbot: Any) -> None:
    w, engine, widget = page
    widget.quadrant.setCurrentIndex(widget.quadrant.findData("retain"))
    widget.policy.setText("P-168-504")
    sel = widget.table.selectionModel()
    for r in range(widget.model.rowCount()):
        sel.select(widget.model.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                   | QItemSelectionModel.SelectionFlag.Rows)
    assert sorted(widget.selected_ids()) == sorted(w.customers["T01"][:2])
    with qtbot.waitSignal(widget.done, timeout=WAIT) as blocker:
        widget.create_button.click()
    assert "2" in blocker.args[0] and widget.create_button.isEnabled()
    with Session(engine) as s:
        tasks = s.execute(select(m.Task).where(m.Task.policy_id == "P-168-504")).scalars().all()
    assert sorted(t.customer_id for t in tasks) == sorted(w.customers["T01"][:2])
    assert all(t.assignee_id in ("U-agent1", "U-agent2") for t in tasks)
    # refused by the server (unknown rule): the reason is shown, nothing created
    widget.rule.addItem("nope")
    widget.rule.setCurrentText("nope")
    with qtbot.waitSignal(widget.done, timeout=WAIT) as blocker:
        widget.create_button.click()
    assert "unknown assignment rule" in blocker.args[0]
    with Session(engine) as s:
        assert len(s.execute(select(m.Task)).scalars().all()) == 2
