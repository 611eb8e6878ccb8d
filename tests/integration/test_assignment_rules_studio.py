"""The policy studio's "Assignment rules" tab on a live server (issue 17 point 4): the real
widgets list the built-in and stored rules, publish a new tier rule and a new version of it,
and refuse a bad one before anything is sent; generate-tasks then resolves the rule by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from server_stub.storage.db import open_central
from tests.integration.factories import World
from tests.local_data import NOW, build_local_store
from workbench.services.server_api import ServerApi

WAIT = 20_000


def _stored(url: str) -> dict[str, tuple[str, dict[str, Any], int, str]]:
    engine = open_central(url)
    try:
        with Session(engine) as s:
            return {r.name: (r.kind, dict(r.params or {}), r.version, r.status)
                    for r in s.execute(select(m.AssignmentRule)).scalars()}
    finally:
        engine.dispose()


def test_the_studio_tab_lists_and_publishes_rules(qtbot: Any, tmp_path: Path, world: World, central_url: str,
                                                  api_for: Callable[..., ServerApi]) -> None:
    from workbench.services.policy_admin import PolicyAdminService
    from workbench.ui.policy_studio import PolicyStudio
    from workbench.views.assignment_rules_vm import AssignmentRulesViewModel
    from workbench.views.policy_studio_vm import PolicyStudioViewModel
    from workbench.views.task_runner import TaskRunner

    admin = api_for("admin")
    sf = build_local_store(tmp_path / "local.db")
    runner = TaskRunner()
    vm = PolicyStudioViewModel(PolicyAdminService(sf, clock=lambda: NOW), runner)
    rules_vm = AssignmentRulesViewModel(admin.assignment_rules, admin.publish_policies, runner)
    studio = PolicyStudio(vm, rules_vm=rules_vm)
    qtbot.addWidget(studio)
    page = studio.rules_page
    assert page is not None
    assert studio.tabs.tabText(studio.tabs.count() - 1) == "Assignment rules"
    studio.tabs.setCurrentWidget(page)
    with qtbot.waitSignal(rules_vm.rules_ready, raising=True, timeout=WAIT):
        page.on_reload()
    names = [page.model.row(i)["name"] for i in range(page.model.rowCount())]
    assert names == ["best-score-least-loaded", "round-robin", "tier-a-to-grade-a"]
    page.view.selectRow(2)
    assert page.kind_combo.currentData() == "tier_grade" and page.tier_box.isEnabled()
    assert page.grade_checks["B"]["A"].isChecked() and not page.grade_checks["A"]["B"].isChecked()
    page.view.selectRow(1)
    assert page.kind_combo.currentData() == "round_robin" and not page.tier_box.isEnabled()

    # a new rule: tier A to grades A and B, C to nobody; skill required
    page.on_new()
    page.name_edit.setText("seniors-first")
    page.description_edit.setText("A 类线索给 A/B 级坐席")
    page.grade_checks["A"]["B"].setChecked(True)
    for box in page.grade_checks["C"].values():
        box.setChecked(False)
    with qtbot.waitSignal(rules_vm.rules_ready, raising=True, timeout=WAIT):  # published, then reloaded
        page.publish_button.click()
    assert page.message.text() == "Published seniors-first"
    assert _stored(central_url) == {"seniors-first": (
        "tier_grade", {"tiers": {"A": ["A", "B"], "B": ["A", "B"], "C": []}, "skill": True}, 1, "published")}
    row = next(i for i in range(page.model.rowCount()) if page.model.row(i)["name"] == "seniors-first")
    page.view.selectRow(row)
    page.skill_check.setChecked(False)
    with qtbot.waitSignal(rules_vm.rules_ready, raising=True, timeout=WAIT):
        page.publish_button.click()
    kind, params, version, status = _stored(central_url)["seniors-first"]
    assert (params["skill"], version) == (False, 2)  # a change: the next version

    # bad names are refused in the studio, before anything is sent
    page.on_new()
    page.name_edit.setText("Seniors First!")
    with qtbot.waitSignal(rules_vm.failed, raising=True, timeout=WAIT):
        page.publish_button.click()
    assert page.message.text().startswith("Not published: name")
    assert set(_stored(central_url)) == {"seniors-first"}
    # the studio counts the new policy's rule after a pause in typing: let it finish first
    qtbot.waitUntil(lambda: vm.last_check is not None and vm.last_check.matching is not None, timeout=WAIT)
    runner.wait_for_done()
    sf.kw["bind"].dispose()

    from server_stub.cli import main as cli_main

    assert cli_main(["generate-tasks", "--db", central_url, "--assign", "seniors-first",
                     "--channels", "outbound"]) == 0
