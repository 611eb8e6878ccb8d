"""Scores on the desktop: a synced model is installed, the book re-scored in the background
with progress, the pop explains the score and suggests cross-sell; a corrupt model is reported
and the previous one stays in use."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.local_data import NOW, WANG_PHONE
from tests.synth.scoring_data import synthetic_book
from workbench.app import LocalContext
from workbench.core.entities import UTC
from workbench.core.scoring.features import build_features, spec_for
from workbench.core.scoring.models import train_score_model
from workbench.local_store.models import Acceptance, Customer, ScoringModelFile
from workbench.services.call_events import CallEvent, Source
from workbench.services.desk_scoring import DeskScoring
from workbench.services.screen_pop import ScreenPopService
from workbench.ui.main_window import MainWindow
from workbench.views.scoring_controller import ScoringController
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel

TRAIN_NOW = dt.datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def model_b64() -> str:
    customers, events = synthetic_book(800, seed=5, now=TRAIN_NOW)
    reached = events[events["wrapup"] != "no_answer"].reset_index(drop=True)
    rows = customers.set_index("id").loc[reached["customer_id"]].reset_index()
    spec = spec_for("deal", customers)
    X = build_features(spec, rows, events, as_of=reached["started_at"])
    y = (reached["wrapup"] == "accepted").to_numpy(int)
    model = train_score_model("deal", X, y, spec=spec, order=reached["started_at"], version=2,
                              candidates=("gam",))
    return model.to_b64()


def test_synced_model_rescores_the_book_and_explains_the_pop(qtbot, local_ctx: LocalContext, model_b64: str) -> None:  # type: ignore[no-untyped-def]
    with local_ctx.sf.begin() as s:
        s.add(ScoringModelFile(id="deal-v2", kind="deal", version=2, payload_b64=model_b64, metrics={}))
        for cid, pid in (("C1", "P-SIM-4G"), ("C3", "P-SIM-4G"), ("C2", "P-SIM-4G")):
            s.add(Acceptance(id=f"A-{cid}-{pid}", customer_id=cid, policy_id=pid, channel="store",
                             accepted_at=NOW, value=50))
        for cid in ("C2", "C3"):
            s.add(Acceptance(id=f"A-{cid}-228", customer_id=cid, policy_id="P-228-684", channel="outbound",
                             accepted_at=NOW, value=684))
    scoring = DeskScoring(local_ctx.sf)
    runner = TaskRunner()
    controller = ScoringController(scoring, runner)
    progress: list[tuple[int, int]] = []
    controller.progress.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(controller.refreshed, raising=True, timeout=60000) as done:
        controller.check()
    assert done.args == [3]  # every customer of the local store scored
    assert progress and progress[-1][0] == progress[-1][1]
    with local_ctx.sf() as s:
        scores = {c.id: c.scores for c in s.execute(select(Customer)).scalars()}
    assert all(0.0 <= v["deal"] <= 1.0 for v in scores.values())
    tiers = {c.lead_tier for c in local_ctx.sf().execute(select(Customer)).scalars()}
    assert tiers <= {"A", "B", "C"} and tiers

    pops = ScreenPopService(local_ctx.sf, local_ctx.actor, lambda: scoring.cross_sell_rules)
    # the rules need 5 customers who took both; with three customers, mine with a lower bar
    from workbench.core.scoring.crosssell import mine_rules

    rows = [{"customer_id": a.customer_id, "policy_id": a.policy_id, "status": "accepted"}
            for a in local_ctx.sf().execute(select(Acceptance)).scalars()]
    scoring._rules = mine_rules(rows, min_count=1)
    vm = WorkbenchViewModel(runner, local_ctx.actor, pops, local_ctx.outcomes, local_ctx.sf,
                            explain=scoring.explain)
    win = MainWindow(vm)
    qtbot.addWidget(win)
    with qtbot.waitSignal(vm.explanation_ready, raising=True, timeout=20000):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    page = win.current_page()
    assert page is not None
    text = page.pop_widget.explain_label.text()
    assert not page.pop_widget.explain_label.isHidden() and "because" in text and "%" in text
    snap = page.pop_widget.snapshot
    assert [c.policy_id for c in snap.cross_sell] == ["P-228-684"]  # took 4G SIM -> also took 228/684
    assert "预存228得684" in page.pop_widget.cross_label.text()
    runner.wait_for_done()


def test_a_corrupt_model_is_reported_and_the_previous_stays(qtbot, local_ctx: LocalContext, model_b64: str) -> None:  # type: ignore[no-untyped-def]
    with local_ctx.sf.begin() as s:
        s.add(ScoringModelFile(id="deal-v2", kind="deal", version=2, payload_b64=model_b64, metrics={}))
    scoring = DeskScoring(local_ctx.sf)
    changed, errors = scoring.reload_models()
    assert changed and not errors and scoring.registry.get("deal").version == 2
    with local_ctx.sf.begin() as s:
        s.add(ScoringModelFile(id="deal-v3", kind="deal", version=3, payload_b64="bm90IGEgbW9kZWw=", metrics={}))
    runner = TaskRunner()
    controller = ScoringController(scoring, runner)
    with qtbot.waitSignal(controller.model_error, raising=True, timeout=20000) as err:
        controller.check()
    assert err.args[0]
    runner.wait_for_done()
    assert scoring.registry.get("deal").version == 2  # still the good one
    assert scoring.explain("C1") is not None
