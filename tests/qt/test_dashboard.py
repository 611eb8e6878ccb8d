"""Dashboards with real widgets offscreen over a real (seeded) local store."""

from __future__ import annotations

import datetime as dt
import math
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from tests.synth.analytics_history import SyntheticHistory, seed_local_store, synthetic_history
from workbench.local_store.db import open_local, session_factory
from workbench.services import analytics
from workbench.services.actor import Actor
from workbench.ui.dashboard import DashboardWidget, create_dashboard
from workbench.views.dashboard_vm import DashboardResult, DashboardViewModel
from workbench.views.table_models import (
    DASH,
    RAW_ROLE,
    ColumnSpec,
    DataFrameTableModel,
    format_value,
)

LEAD = Actor("U-lead1", "lead1", "组长1", "lead", "T01")
AGENT = Actor("U-agent1", "agent1", "agent", "agent", "T01")
WAIT = 60_000


@pytest.fixture(scope="module")
def history() -> SyntheticHistory:
    return synthetic_history(6000, as_of=dt.date(2026, 11, 20), seed=3)


@pytest.fixture
def store(tmp_path: Path, history: SyntheticHistory) -> Iterator[Any]:
    engine = open_local(tmp_path / "local.db")
    seed_local_store(engine, history)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def lead_dashboard(qtbot: Any, store: Any, history: SyntheticHistory) -> Iterator[tuple[DashboardWidget, DashboardViewModel]]:
    widget, vm = create_dashboard(store, LEAD, experiments=lambda: history.experiments)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    if vm.last_result is None:
        with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT):
            pass
    yield widget, vm
    vm.shutdown()


# ------------------------------------------------------------------------ table model


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["乙", "甲", None, "丙"],
        "calls": [10, 3, 0, 7],
        "ratio": [1.25, np.nan, np.nan, 0.5],
        "cost": [12.5, 0.0, np.nan, 1234.5],
        "talk": [3725, 65, 0, 59],
    })


COLUMNS = [
    ColumnSpec("name", "Agent"), ColumnSpec("calls", "Calls", "int"), ColumnSpec("ratio", "Actual / expected", "ratio"),
    ColumnSpec("cost", "Cost (¥)", "money"), ColumnSpec("talk", "Talk time", "duration"),
    ColumnSpec("absent", "Not in frame", "float"),
]


def test_table_model_passes_modeltester(qtmodeltester: Any) -> None:
    model = DataFrameTableModel(COLUMNS)
    qtmodeltester.check(model)
    model.set_frame(_frame())
    qtmodeltester.check(model)
    model.sort(2, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    model.set_frame(_frame().iloc[0:0])
    qtmodeltester.check(model)


def test_table_model_formats_and_sorts_missing_last() -> None:
    model = DataFrameTableModel(COLUMNS)
    model.set_frame(_frame())
    assert model.rowCount() == 4 and model.columnCount() == 6
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Calls"
    text = [[model.index(r, c).data() for c in range(6)] for r in range(4)]
    assert text[0] == ["乙", "10", "1.25", "¥12.50", "1:02:05", DASH]
    assert text[1][2] == DASH and text[2][0] == DASH and text[3][3] == "¥1,234.50" and text[3][4] == "0:59"
    assert model.index(0, 1).data(RAW_ROLE) == 10 and model.index(1, 2).data(RAW_ROLE) is None
    align = model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole)
    assert align & int(Qt.AlignmentFlag.AlignRight)

    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(4)] == ["丙", "乙", "甲", DASH]
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 0).data() for r in range(4)][:2] == ["乙", "丙"]  # NaN still last
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert model.frame()["calls"].tolist() == [10, 7, 3, 0]
    # A new frame keeps the user's sort.
    model.set_frame(_frame().assign(calls=[1, 2, 3, 4]))
    assert model.frame()["calls"].tolist() == [4, 3, 2, 1]
    assert list(model.display_frame().columns)[:2] == ["Agent", "Calls"]


def test_format_value_handles_nan_and_infinity() -> None:
    assert format_value(float("nan"), "percent") == DASH
    assert format_value(float("inf"), "ratio") == DASH
    assert format_value(None, "int") == DASH
    assert format_value(0.1234, "percent") == "12.3%"
    assert format_value(-0.5, "change") == "-50.0%"
    assert format_value(1234567, "int") == "1,234,567"


# --------------------------------------------------------------------------- widgets


def test_lead_sees_every_page_and_each_renders(qtbot: Any, lead_dashboard: Any) -> None:
    widget, vm = lead_dashboard
    assert vm.pages == analytics.PAGES
    assert widget.tabs.count() == 4
    agents = widget.pages["efficiency"].tables["agents"].table_model
    assert agents.rowCount() == 10  # every agent of team T01, ranked
    names = set(agents.frame()["agent"])
    assert names and all(isinstance(n, str) for n in names)
    for key in ("trends", "breakdowns", "experiments"):
        with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT) as blocker:
            widget.show_page(key)
        result: DashboardResult = blocker.args[0]
        assert result.page == key
        for name, chart in widget.pages[key].charts.items():
            assert chart.readout_at(0), f"{key}/{name} has no data"
        for name, table in widget.pages[key].tables.items():
            assert table.table_model.rowCount() > 0, f"{key}/{name} is empty"
    ex = widget.pages["experiments"].tables["experiments"].table_model.frame()
    assert sorted(ex["rule"]) == sorted(set(vm.data.experiments["rule"]))
    assert (ex["ci_low"] <= ex["rate"]).all() and (ex["rate"] <= ex["ci_high"]).all()


def test_switching_a_filter_recomputes_the_page(qtbot: Any, lead_dashboard: Any, history: SyntheticHistory) -> None:
    widget, vm = lead_dashboard
    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT) as blocker:
        widget.set_filter_value("channels", "sms")
    result: DashboardResult = blocker.args[0]
    assert result.filters.channels == ("sms",)
    ev = history.events
    expected = int(((ev["team_id"] == "T01") & (ev["channel"] == "sms")).sum())
    assert result.facts["events"] == expected
    shown = widget.pages["efficiency"].tables["agents"].table_model.frame()
    assert shown["contacts"].sum() == expected

    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT) as blocker:
        widget.set_filter_value("provinces", "广东")
    both = blocker.args[0]
    assert both.filters.channels == ("sms",) and both.filters.provinces == ("广东",)
    assert both.facts["events"] <= expected

    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT) as blocker:
        widget._on_clear()
    assert blocker.args[0].filters == analytics.Filters()


def test_rank_and_breakdown_options(qtbot: Any, lead_dashboard: Any) -> None:
    widget, vm = lead_dashboard
    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT) as blocker:
        vm.set_option("rank_by", "deal_value")
    agents = blocker.args[0].tables["agents"]
    assert agents["deal_value"].is_monotonic_decreasing and agents["rank"].iloc[0] == 1
    widget.show_page("breakdowns")
    with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT):
        pass
    for dim in ("age_band", "value_tier", "channel", "month"):
        with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT) as blocker:
            vm.set_option("breakdown_dim", dim)
        assert blocker.args[0].options.breakdown_dim == dim
        assert widget.pages["breakdowns"].tables["breakdown"].table_model.rowCount() > 0


def test_busy_indicator_follows_the_view_model(qtbot: Any, lead_dashboard: Any) -> None:
    widget, vm = lead_dashboard
    seen: list[bool] = []
    vm.busy_changed.connect(seen.append)
    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT):
        vm.set_filter("genders", "F")
    qtbot.waitUntil(lambda: not vm.busy, timeout=WAIT)
    assert seen[0] is True and seen[-1] is False
    assert widget.busy_bar.isHidden()


def test_hover_readout_shows_the_category_values(qtbot: Any, lead_dashboard: Any) -> None:
    widget, _vm = lead_dashboard
    chart = widget.pages["efficiency"].charts["conversions"]
    vb = chart.getPlotItem().vb
    (_, _), (y0, y1) = vb.viewRange()
    pos = vb.mapViewToScene(QPointF(0, (y0 + y1) / 2))
    chart._on_mouse_moved(pos)
    assert chart._readout.isVisible()
    text = chart._readout.toPlainText()
    first_agent = widget.pages["efficiency"].tables["agents"].table_model.frame()["agent"].iloc[0]
    assert first_agent in text and "Actual" in text and "Expected" in text


def test_hover_on_the_horizontal_hot_products_chart(qtbot: Any, lead_dashboard: Any) -> None:
    widget, _vm = lead_dashboard
    with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT):
        widget.show_page("breakdowns")
    chart = widget.pages["breakdowns"].charts["products"]
    products = widget.pages["breakdowns"].tables["products"].table_model.frame()
    n = len(products)
    vb = chart.getPlotItem().vb
    (x0, x1), _ = vb.viewRange()
    chart._on_mouse_moved(vb.mapViewToScene(QPointF((x0 + x1) / 4, n - 1)))  # the top bar: rank 1
    text = chart._readout.toPlainText()
    assert text.splitlines()[0] == products["policy"].iloc[0]
    assert f": {products['deals'].iloc[0]:,}" in text


def test_exports_png_csv_and_excel(qtbot: Any, lead_dashboard: Any, tmp_path: Path) -> None:
    widget, _vm = lead_dashboard
    page_png = widget.export_png("efficiency", tmp_path / "page.png")
    chart_png = widget.export_png("efficiency", tmp_path / "chart.png", "ratio")
    for path in (page_png, chart_png):
        image = QImage(str(path))
        assert not image.isNull() and image.width() > 100 and image.height() > 100
        assert path.stat().st_size > 1000

    model = widget.pages["efficiency"].tables["agents"].table_model
    shown = model.display_frame()
    csv = pd.read_csv(widget.export_table("efficiency", tmp_path / "agents.csv", "agents"), encoding="utf-8-sig")
    xlsx = pd.read_excel(widget.export_table("efficiency", tmp_path / "agents.xlsx", "agents"))
    for back in (csv, xlsx):
        assert list(back.columns) == list(shown.columns)
        assert back["Agent"].tolist() == shown["Agent"].tolist()
        assert back["Calls"].tolist() == shown["Calls"].tolist()
        np.testing.assert_allclose(back["Actual / expected"].astype(float), shown["Actual / expected"].astype(float))


def test_agent_sees_only_own_efficiency(qtbot: Any, store: Any) -> None:
    widget, vm = create_dashboard(store, AGENT)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT) as blocker:
        pass
    assert vm.pages == ("efficiency", "trends") and widget.tabs.count() == 2
    agents = blocker.args[0].tables["agents"]
    assert agents["user_id"].tolist() == ["U-agent1"]
    assert set(vm.data.events["user_id"].astype(str)) == {"U-agent1"}
    assert "filter_users" not in {b.objectName() for b in widget._filter_boxes.values()}
    with qtbot.waitSignal(vm.failed, raising=True, timeout=WAIT) as failed:
        vm.page = "breakdowns"
    assert "lead" in failed.args[0]
    vm.shutdown()


def test_newest_request_wins(qtbot: Any, history: SyntheticHistory) -> None:
    """An older computation still running when a newer one is asked for is never delivered."""
    gate = threading.Event()
    started = threading.Event()
    cancelled_seen: list[bool] = []

    def compute(data: Any, page: str, filters: analytics.Filters, *rest: Any) -> Any:
        if filters.channels == ("sms",):  # the old request: hold it until the new one is done
            started.set()
            gate.wait(30)
            cancelled_seen.append(rest[-1]())
        return analytics.compute_page(data, page, filters, *rest)

    from tests.synth.analytics_history import synthetic_data

    data = synthetic_data(history, analytics.Scope("lead", "U-lead1", "T01"))
    vm = DashboardViewModel(lambda: data, data.scope, compute=compute)
    delivered: list[DashboardResult] = []
    vm.results_ready.connect(delivered.append)
    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT):
        vm.refresh()
    delivered.clear()
    vm.set_filter("channels", "sms")
    qtbot.waitUntil(started.is_set, timeout=WAIT)
    with qtbot.waitSignal(vm.results_ready, raising=True, timeout=WAIT) as blocker:
        vm.set_filter("channels", "outbound")
    assert blocker.args[0].filters.channels == ("outbound",)
    gate.set()
    vm.shutdown()
    qtbot.wait(50)  # let any (wrongly) queued delivery arrive
    assert [r.filters.channels for r in delivered] == [("outbound",)]
    assert cancelled_seen == [True]
    assert not vm.busy


def test_empty_store_shows_empty_pages(qtbot: Any, tmp_path: Path) -> None:
    engine = open_local(tmp_path / "empty.db")
    widget, vm = create_dashboard(session_factory(engine), LEAD)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT) as blocker:
        pass
    totals = blocker.args[0].facts["totals"]
    assert totals["contacts"] == 0 and math.isnan(totals["ratio"])
    for key in ("trends", "breakdowns", "experiments"):
        with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT):
            widget.show_page(key)
    assert widget.pages["experiments"].tables["experiments"].table_model.rowCount() == 0
    vm.shutdown()
    engine.dispose()


def test_reload_reads_new_events(qtbot: Any, lead_dashboard: Any, store: Any) -> None:
    from workbench.local_store.models import ContactEvent

    widget, vm = lead_dashboard
    before = vm.data.events.shape[0]
    with store.begin() as s:
        s.add(ContactEvent(id="E-new", customer_id=str(vm.data.events["customer_id"].iloc[0]), channel="outbound",
                           user_id="U-agent1", team_id="T01", started_at=dt.datetime(2026, 11, 19, 2, tzinfo=dt.UTC),
                           duration_s=60, wrapup="accepted", intent="high", policy_id="P-168-504",
                           predicted_p=0.2, deal_value=336.0))
    with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT) as blocker:
        widget.reload_button.click()
    assert blocker.args[0].facts["events"] == before + 1


def test_a_failing_load_is_reported_not_raised(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A UserError from the load is shown as it says; any other exception is a bug: the crash
    handler (sys.excepthook) gets it and the dashboard shows a generic sentence."""
    from workbench.core.errors import UserError

    crashes: list[Any] = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: crashes.append(info))
    for exc, shown in ((UserError("local store is locked"), "local store is locked"),
                       (OSError("disk detail"), "Something went wrong; the error was recorded in the log.")):
        def broken(exc: BaseException = exc) -> analytics.AnalyticsData:
            raise exc

        vm = DashboardViewModel(broken, analytics.Scope("lead", "U-lead1", "T01"))
        with qtbot.waitSignal(vm.failed, raising=True, timeout=WAIT) as failed:
            vm.refresh()
        assert failed.args[0] == shown
        qtbot.waitUntil(lambda vm=vm: not vm.busy, timeout=WAIT)
        vm.shutdown()
    assert [info[1].args for info in crashes] == [("disk detail",)]


def test_efficiency_page_shows_the_servers_grades(qtbot: Any, lead_dashboard: Any, store: Any) -> None:
    """Issue 17 point 3: the grade the server synced into ``users.grade`` is a column of the
    lead's efficiency table, beside the agent's name."""
    from sqlalchemy import update

    from workbench.local_store.models import User

    widget, vm = lead_dashboard
    with store.begin() as s:
        s.execute(update(User).where(User.id == "U-agent1").values(grade="A"))
        s.execute(update(User).where(User.id == "U-agent2").values(grade="C"))
    with qtbot.waitSignal(widget.rendered, raising=True, timeout=WAIT):
        widget.reload_button.click()
    model = widget.pages["efficiency"].tables["agents"].table_model
    shown = model.display_frame()
    frame = model.frame()
    grades = dict(zip(frame["user_id"], frame["grade"], strict=True))
    assert grades["U-agent1"] == "A" and grades["U-agent2"] == "C"
    assert set(grades.values()) <= {"A", "B", "C", ""}
    col = [c.key for c in model.columns()].index("grade")
    assert model.headerData(col, Qt.Orientation.Horizontal) in ("Grade", "等级")
    assert list(shown.columns)[col] in ("Grade", "等级")
