"""The policy studio with real widgets offscreen over a real local store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.local_data import NOW, build_local_store
from workbench.services.policy_admin import PolicyAdminService, RuleCheck
from workbench.ui.policy_studio import PolicyStudio
from workbench.views.policy_studio_vm import PolicyStudioViewModel
from workbench.views.task_runner import TaskRunner

WAIT = 20_000


@pytest.fixture
def studio(qtbot: Any, tmp_path: Path) -> Iterator[tuple[PolicyStudio, PolicyAdminService, list[Any]]]:
    sf = build_local_store(tmp_path / "local.db")
    published: list[Any] = []
    service = PolicyAdminService(sf, publisher=published.append, clock=lambda: NOW)
    runner = TaskRunner()
    vm = PolicyStudioViewModel(service, runner)
    with qtbot.waitSignal(vm.policies_changed, raising=True, timeout=WAIT):
        widget = PolicyStudio(vm)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget, service, published
    runner.wait_for_done()
    sf.kw["bind"].dispose()


def type_rule(qtbot: Any, w: PolicyStudio, text: str, *, counted: bool) -> RuleCheck:
    """Put ``text`` in the rule editor; wait for the count when it is valid."""
    if not counted:
        w.rule_edit.setPlainText(text)
        assert w.vm.last_check is not None
        return w.vm.last_check

    def with_count(check: RuleCheck) -> bool:
        return check.text == text and check.matching is not None

    with qtbot.waitSignal(w.vm.rule_checked, check_params_cb=with_count, raising=True, timeout=WAIT):
        w.rule_edit.setPlainText(text)
    assert w.vm.last_check is not None
    return w.vm.last_check


def test_lists_the_policies(studio: Any) -> None:
    w, _service, _ = studio
    ids = [w.list_model.row(i).id for i in range(w.list_model.rowCount())]
    assert ids == ["P-168-504", "P-228-684", "P-SIM-4G"]
    assert w.list_model.data(w.list_model.index(0, 2)) == "published"


def test_errors_show_as_you_type_with_the_position(qtbot: Any, studio: Any) -> None:
    w, _service, _ = studio
    check = type_rule(qtbot, w, 'plan_fee == "96"', counted=False)
    assert check.error is not None
    assert "without quotes" in w.rule_status.text() and "line 1, column 13" in w.rule_status.text()
    assert w.highlighted_range() == (12, 16)
    assert not w.save_button.isEnabled()
    type_rule(qtbot, w, "plan_fe == 96", counted=False)
    assert "did you mean 'plan_fee'" in w.rule_status.text()
    assert w.highlighted_range() == (0, 7)
    type_rule(qtbot, w, "plan_fee == 96 and", counted=False)
    assert "ends too early" in w.rule_status.text()
    assert w.highlighted_range() is not None


def test_a_valid_rule_shows_how_many_customers_match(qtbot: Any, studio: Any) -> None:
    w, _service, _ = studio
    check = type_rule(qtbot, w, "plan_fee == 96", counted=True)
    assert (check.matching, check.total) == (2, 3)
    assert "matches 2 of 3 customers" in w.rule_status.text()
    assert w.highlighted_range() is None and w.save_button.isEnabled()
    check = type_rule(qtbot, w, 'network == "3G" or region == "广东"', counted=True)
    assert check.matching == 3


def test_newest_text_wins(qtbot: Any, studio: Any) -> None:
    w, _service, _ = studio
    seen: list[RuleCheck] = []
    w.vm.rule_checked.connect(seen.append)
    w.rule_edit.setPlainText("plan_fee == 96")
    w.rule_edit.setPlainText("plan_fee == 9")
    with qtbot.waitSignal(w.vm.rule_checked, check_params_cb=lambda c: c.matching is not None,
                          raising=True, timeout=WAIT):
        w.rule_edit.setPlainText("plan_fee == 126")
    counted = [c for c in seen if c.matching is not None]
    assert [c.text for c in counted] == ["plan_fee == 126"] and counted[0].matching == 1


def test_selecting_a_policy_fills_the_editor(qtbot: Any, studio: Any) -> None:
    w, _service, _ = studio
    w.list_view.selectRow(2)
    assert w.id_edit.text() == "P-SIM-4G" and w.id_edit.isReadOnly()
    assert w.rule_edit.toPlainText() == 'network == "3G"'
    assert w.channel_boxes["store"].isChecked() and not w.channel_boxes["sms"].isChecked()
    assert w.status_label.text() == "published · v1"


def test_create_save_publish(qtbot: Any, studio: Any) -> None:
    w, service, published = studio
    w.on_new()
    w.id_edit.setText("P-NEW")
    w.name_edit.setText("新政策")
    w.quota_total_edit.setText("100")
    w.valid_to_edit.setText("2027-01-01")
    w.group_edit.setText("contract")
    type_rule(qtbot, w, 'plan_fee == 96 and "price_sensitive" in tags', counted=True)
    with qtbot.waitSignal(w.vm.saved, raising=True, timeout=WAIT):
        w.save_button.click()
    stored = service.get("P-NEW")
    assert stored is not None and stored.status == "draft" and stored.version == 1
    assert stored.quota_total == 100 and stored.exclusive_group == "contract"
    assert stored.valid_to is not None and stored.valid_to.year == 2027
    assert "Saved P-NEW" in w.message.text()
    with qtbot.waitSignal(w.vm.published, raising=True, timeout=WAIT):
        w.publish_button.click()
    stored = service.get("P-NEW")
    assert stored is not None and stored.status == "published" and stored.version == 2
    assert [p.id for p in published] == ["P-NEW"]
    assert w.status_label.text() == "published · v2"
    # publishing again bumps the version again
    with qtbot.waitSignal(w.vm.published, raising=True, timeout=WAIT):
        w.publish_button.click()
    assert service.get("P-NEW").version == 3  # type: ignore[union-attr]


def test_bad_form_values_are_reported_not_saved(qtbot: Any, studio: Any) -> None:
    w, service, _ = studio
    w.on_new()
    w.id_edit.setText("P-X")
    w.name_edit.setText("x")
    w.quota_total_edit.setText("lots")
    w.save_button.click()
    assert "whole number" in w.message.text()
    assert service.get("P-X") is None


def test_preview_lists_matches_and_why(qtbot: Any, studio: Any) -> None:
    w, _service, _ = studio
    type_rule(qtbot, w, "plan_fee == 96 and tenure_months >= 12", counted=True)
    with qtbot.waitSignal(w.vm.preview_ready, raising=True, timeout=WAIT):
        w.preview_button.click()
    assert w.preview_model.rowCount() == 1
    row = w.preview_model.row(0)
    assert row.customer_id == "C1"
    assert w.preview_model.data(w.preview_model.index(0, 4)) == (
        "plan fee is 96 (customer: 96); tenure months is at least 12 (customer: 30)")


def test_yaml_export_and_import(qtbot: Any, studio: Any, tmp_path: Path) -> None:
    w, service, _ = studio
    out = tmp_path / "policies.yaml"
    with qtbot.waitSignal(w.vm.exported, raising=True, timeout=WAIT):
        w.vm.export_yaml(out)
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [p["id"] for p in doc["policies"]] == ["P-168-504", "P-228-684", "P-SIM-4G"]
    assert len(doc["scripts"]) == 3 and doc["pressure_limits"][0]["id"] == "L-out"
    doc["policies"][0]["priority"] = 42
    doc["policies"].append({"id": "P-YAML", "name": "从YAML导入", "rule": "age >= 60"})
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with qtbot.waitSignal(w.vm.imported, raising=True, timeout=WAIT):
        w.vm.import_yaml(out)
    assert service.get("P-168-504").priority == 42  # type: ignore[union-attr]
    assert service.get("P-YAML") is not None
    assert "Imported 8 items" in w.message.text()


def test_a_bad_yaml_file_changes_nothing(qtbot: Any, studio: Any, tmp_path: Path) -> None:
    w, service, _ = studio
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"policies": [
        {"id": "P-168-504", "name": "改名", "priority": 1},
        {"id": "P-BROKEN", "name": "x", "rule": 'plan_fee == "96"'},
    ]}, allow_unicode=True), encoding="utf-8")
    with qtbot.waitSignal(w.vm.error, raising=True, timeout=WAIT):
        w.vm.import_yaml(bad)
    assert "policies[1] (P-BROKEN).rule" in w.message.text()
    assert service.get("P-168-504").name == "预存168得504"  # type: ignore[union-attr]
    assert service.get("P-BROKEN") is None


def test_scripts_tab_lists_edits_and_validates(qtbot: Any, studio: Any) -> None:
    w, service, _ = studio
    page = w.scripts_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=WAIT)
    page.view.selectRow(0)
    assert page.id_edit.text() == "S-168-obj" and page.keywords_edit.text() == "太贵, 贵"
    page.on_new()
    page.id_edit.setText("S-NEW")
    page.policy_edit.setText("P-SIM-4G")
    page.section_combo.setCurrentText("closing")
    page.title_edit.setText("收尾")
    page.body_edit.setPlainText("{name}，欢迎到{store}办理。")
    page.keywords_edit.setText("到厅，换卡")
    with qtbot.waitSignal(w.vm.script_saved, raising=True, timeout=WAIT):
        page.save_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=WAIT)
    stored = next(x for x in service.list_scripts() if x.id == "S-NEW")
    assert stored.section == "closing" and stored.keywords == ("到厅", "换卡")
    page.on_new()
    page.title_edit.setText("no id")
    with qtbot.waitSignal(w.vm.error, raising=True, timeout=WAIT):
        page.save_button.click()
    assert "scripts[0].id: is required" in w.message.text()


def test_limits_tab_lists_edits_and_validates(qtbot: Any, studio: Any) -> None:
    w, service, _ = studio
    page = w.limits_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    assert page.model.data(page.model.index(0, 4)) == "21:00–09:00"
    page.view.selectRow(0)
    assert page.id_edit.text() == "L-out" and page.max_spin.value() == 2
    page.max_spin.setValue(3)
    with qtbot.waitSignal(w.vm.limit_saved, raising=True, timeout=WAIT):
        page.save_button.click()
    assert service.list_limits()[0].max_contacts == 3
    page.on_new()
    page.id_edit.setText("L-sms")
    page.channel_combo.setCurrentText("sms")
    page.quiet_start_edit.setText("25:00")
    with qtbot.waitSignal(w.vm.error, raising=True, timeout=WAIT):
        page.save_button.click()
    assert "quiet_start: must be a time like 21:00" in w.message.text()
    assert [x.id for x in service.list_limits()] == ["L-out"]


def test_field_picker_lists_scores_and_inserts_them(qtbot: Any, studio: Any) -> None:
    w, _service, _ = studio
    names = [w.field_picker.itemData(i) for i in range(1, w.field_picker.count())]
    assert names[:3] == ["scores.churn", "scores.deal", "scores.renewal"]
    assert "lead_tier" in names and "plan_fee" in names
    w.rule_edit.setPlainText("")
    w.field_picker.activated.emit(names.index("scores.churn") + 1)
    assert w.rule_edit.toPlainText() == "scores.churn"
    assert w.field_picker.currentIndex() == 0
    text = "scores.churn > 0.5 and scores.chrun > 1"
    check = type_rule(qtbot, w, text, counted=False)
    assert check.error is not None and "unknown score kind 'chrun'" in str(check.error)
    start = text.index("scores.chrun")
    assert w.highlighted_range() == (start, start + len("scores.chrun"))
    type_rule(qtbot, w, "scores.churn > 0.5", counted=True)
    assert w.save_button.isEnabled()
