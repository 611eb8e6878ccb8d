"""Team-lead dashboards: personal efficiency, trends, breakdowns, rule experiments.

:class:`DashboardWidget` renders what a :class:`DashboardViewModel` computes: a filter bar,
one tab per page the user may open, pyqtgraph charts (created once, updated with
``setData`` / ``setOpts``) with titles, axis labels with units, legends and hover read-outs,
and sortable tables over :class:`DataFrameTableModel`. Every table exports to CSV / Excel and
every chart (or whole page) to PNG.

Embed it with :func:`create_dashboard` (``session_factory``, ``user``) or build the
view-model yourself and pass it to ``DashboardWidget(vm)``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QPointF, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.ui import labels
from workbench.ui.palette import (
    CHART_AXIS,
    CHART_BACKGROUND,
    CHART_GUIDE,
    CHART_MUTED,
    CHART_PREVIOUS,
    CHART_REFERENCE,
    CHART_SERIES,
    CHART_TEXT,
)
from workbench.views.dashboard_vm import (
    DIMENSION_TITLES,
    METRIC_BY_KEY,
    METRICS,
    TABLE_COLUMNS,
    DashboardResult,
    DashboardViewModel,
    export_frame,
)
from workbench.views.table_models import ColumnSpec, DataFrameTableModel, format_value
from workbench.views.task_runner import TaskRunner

PALETTE = CHART_SERIES
_NO_DATE = QDate(2000, 1, 1)


# ------------------------------------------------------------------------------ charts


@dataclass
class _Series:
    name: str
    kind: str  # value kind for the read-out (see table_models.format_value)
    item: Any
    bar: bool
    offset: float = 0.0
    width: float = 0.8
    values: np.ndarray | None = None


class CategoryChart(pg.PlotWidget):
    """A chart over categories (agents, periods, regions ...) with bars and lines.

    Series are created once by :meth:`add_bars` / :meth:`add_line` and updated together by
    :meth:`set_data`. Hovering shows the category and every series' value at the cursor.
    """

    def __init__(self, title: str, y_label: str, x_label: str = "", parent: QWidget | None = None,
                 *, horizontal: bool = False) -> None:
        """``y_label`` names the value axis (with its unit), ``x_label`` the category axis.

        ``horizontal`` draws bars sideways with the categories down the left (first on top),
        for long category names such as policies.
        """
        super().__init__(parent=parent, background=CHART_BACKGROUND)
        self._horizontal = horizontal
        self.setMinimumSize(320, 220)
        self._title = title
        item = self.getPlotItem()
        item.setTitle(title, color=CHART_TEXT, size="11pt")
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(CHART_AXIS))
            axis.setTextPen(pg.mkPen(CHART_TEXT))
            axis.enableAutoSIPrefix(False)
        value_axis, category_axis = ("bottom", "left") if horizontal else ("left", "bottom")
        item.setLabel(value_axis, y_label, color=CHART_TEXT)
        if x_label:
            item.setLabel(category_axis, x_label, color=CHART_TEXT)
        # Horizontal bars are longest at the top: keep the legend at the bottom right there.
        self._legend = item.addLegend(offset=(-10, -30) if horizontal else (-10, 8), labelTextColor=CHART_TEXT,
                                      brush=pg.mkBrush(255, 255, 255, 200))
        self._series: list[_Series] = []
        self._categories: list[str] = []
        self._cursor = pg.InfiniteLine(angle=0 if horizontal else 90, movable=False, pen=pg.mkPen(CHART_GUIDE, style=Qt.PenStyle.DashLine))
        self._cursor.setVisible(False)
        self.addItem(self._cursor, ignoreBounds=True)
        self._readout = pg.TextItem("", color=CHART_TEXT, fill=pg.mkBrush(255, 255, 240, 230), border=pg.mkPen(CHART_MUTED), anchor=(0, 1))
        self._readout.setZValue(100)
        self._readout.setVisible(False)
        self.addItem(self._readout, ignoreBounds=True)
        self._empty = pg.TextItem(QCoreApplication.translate("Dashboard", "No data for these filters"), color=CHART_MUTED, anchor=(0.5, 0.5))
        self.addItem(self._empty, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    @property
    def title(self) -> str:
        return self._title

    def add_bars(self, name: str, kind: str = "int", offset: float = 0.0, width: float = 0.8,
                 color: str | None = None) -> None:
        """A bar series; ``offset``/``width`` place grouped bars side by side."""
        color = color or PALETTE[len(self._series) % len(PALETTE)]
        if self._horizontal:
            bars = pg.BarGraphItem(x0=0, y=[], width=[], height=width, brush=pg.mkBrush(color), pen=pg.mkPen(color),
                                   name=name)
        else:
            bars = pg.BarGraphItem(x=[], height=[], width=width, brush=pg.mkBrush(color), pen=pg.mkPen(color),
                                   name=name)
        self.addItem(bars)
        self._series.append(_Series(name, kind, bars, True, offset, width))

    def add_line(self, name: str, kind: str = "int", color: str | None = None, dashed: bool = False) -> None:
        """A line series with symbols."""
        color = color or PALETTE[len(self._series) % len(PALETTE)]
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        line = self.plot([], [], pen=pg.mkPen(color, width=2, style=style), symbol="o", symbolSize=6,
                         symbolBrush=pg.mkBrush(color), symbolPen=pg.mkPen(color), name=name)
        self._series.append(_Series(name, kind, line, False))

    def add_reference(self, y: float, label: str) -> None:
        """A horizontal dashed reference line (e.g. actual = expected)."""
        ref = pg.InfiniteLine(pos=y, angle=0, movable=False, pen=pg.mkPen(CHART_REFERENCE, width=1, style=Qt.PenStyle.DashLine),
                              label=label, labelOpts={"color": CHART_REFERENCE, "position": 0.06, "anchors": [(0, 1), (0, 1)]})
        self.addItem(ref)

    def add_error_bars(self) -> pg.ErrorBarItem:
        """Error bars drawn over the first series (set with :meth:`set_errors`)."""
        self._errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), top=np.zeros(0), bottom=np.zeros(0), beam=0.25,
                                       pen=pg.mkPen(CHART_TEXT, width=1.5))
        self.addItem(self._errors)
        return self._errors

    def set_errors(self, y: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        x = np.arange(len(y), dtype=float)
        y = np.nan_to_num(np.asarray(y, dtype=float))
        self._errors.setData(x=x, y=y, top=np.nan_to_num(np.asarray(high, dtype=float) - y),
                             bottom=np.nan_to_num(y - np.asarray(low, dtype=float)))
        self._error_bounds = (np.asarray(low, dtype=float), np.asarray(high, dtype=float))

    def set_data(self, categories: Sequence[str], values: Sequence[Sequence[float] | np.ndarray]) -> None:
        """Show ``values[i]`` (aligned with ``categories``) in series ``i``. NaN draws nothing."""
        self._categories = [str(c) for c in categories]
        n = len(self._categories)
        x = np.arange(n, dtype=float)
        for series, vals in zip(self._series, values, strict=True):
            arr = np.asarray(vals, dtype=float) if n else np.zeros(0)
            series.values = arr
            if series.bar and self._horizontal:
                series.item.setOpts(x0=0, y=(n - 1 - x) - series.offset, width=np.nan_to_num(arr), height=series.width)
            elif series.bar:
                series.item.setOpts(x=x + series.offset, height=np.nan_to_num(arr), width=series.width)
            else:
                ok = ~np.isnan(arr)
                series.item.setData(x[ok], arr[ok])
        self._set_ticks()
        self._empty.setVisible(n == 0)
        if n:
            if not self._horizontal:
                self.setXRange(-0.6, n - 0.4, padding=0)
            finite = [v[np.isfinite(v)] for v in (s.values for s in self._series) if v is not None]
            extra = [b[np.isfinite(b)] for b in getattr(self, "_error_bounds", ())]
            allv = np.concatenate([*finite, *extra, np.zeros(1)])
            lo, hi = float(allv.min()), float(allv.max())
            if hi == lo:
                hi = lo + 1
            if self._horizontal:
                self.setYRange(-0.6, n - 0.4, padding=0)
                self.setXRange(min(lo, 0.0), hi * 1.08, padding=0)
            else:
                # Headroom above the tallest value keeps the legend off the data.
                self.setYRange(min(lo, 0.0), hi * (1.25 + 0.1 * len(self._series)), padding=0)
        else:
            self.setXRange(0, 1, padding=0)
            self.setYRange(0, 1, padding=0)
            self._empty.setPos(0.5, 0.5)

    def _set_ticks(self) -> None:
        n = len(self._categories)
        if self._horizontal:
            ticks = [(float(n - 1 - i), _short(c, 16)) for i, c in enumerate(self._categories)]
            self.getPlotItem().getAxis("left").setTicks([ticks, []])
            return
        step = max(1, int(np.ceil(n / 12)))
        # Truncate labels to the room one category gets (CJK characters count double).
        room = max(self.width() - 80, 200) * step / max(n, 1)
        units = max(4, int(room / 6.5) - 1)
        ticks = [(float(i), _short(c, units)) for i, c in enumerate(self._categories) if i % step == 0]
        self.getPlotItem().getAxis("bottom").setTicks([ticks, []])

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.__dict__.get("_categories"):  # pyqtgraph resizes before __init__ ends
            self._set_ticks()

    def readout_at(self, index: int) -> str:
        """The hover text for category ``index`` (also used by tests)."""
        if not (0 <= index < len(self._categories)):
            return ""
        lines = [self._categories[index]]
        for s in self._series:
            v = s.values[index] if s.values is not None and index < len(s.values) else np.nan
            lines.append(f"{s.name}: {format_value(v, s.kind)}")  # type: ignore[arg-type]
        bounds = getattr(self, "_error_bounds", None)
        if bounds is not None and index < len(bounds[0]):
            lines.append(QCoreApplication.translate("Dashboard", "95% CI: {low} – {high}").format(
                low=format_value(bounds[0][index], "float"), high=format_value(bounds[1][index], "float")))
        return "\n".join(lines)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        item = self.getPlotItem()
        if not self._categories or not item.sceneBoundingRect().contains(pos):
            self._cursor.setVisible(False)
            self._readout.setVisible(False)
            return
        pt = item.vb.mapSceneToView(pos)
        idx = len(self._categories) - 1 - int(round(pt.y())) if self._horizontal else int(round(pt.x()))
        if not (0 <= idx < len(self._categories)):
            self._cursor.setVisible(False)
            self._readout.setVisible(False)
            return
        self._cursor.setPos(len(self._categories) - 1 - idx if self._horizontal else idx)
        self._cursor.setVisible(True)
        self._readout.setText(self.readout_at(idx))
        (x0, x1), (y0, y1) = item.vb.viewRange()
        # Keep the read-out inside the plot: flip to the left half when near the right edge.
        self._readout.setAnchor((1, 0) if pt.x() > (x0 + x1) / 2 else (0, 0))
        self._readout.setPos(pt.x(), y1)
        self._readout.setVisible(True)


def _short(text: str, units: int) -> str:
    """``text`` cut to ``units`` display units (wide East Asian characters take two)."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used > units:
            return text[: max(1, i - 1)] + "…"
    return text


# ------------------------------------------------------------------------------ tables


class _Table(QTableView):
    """A sortable, read-only table over a :class:`DataFrameTableModel`."""

    def __init__(self, columns: Sequence[ColumnSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table_model = DataFrameTableModel(columns, self)
        self.setModel(self.table_model)
        # No initial sort: rows come ranked / in period order; a header click sorts.
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(False)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)

    def set_frame(self, frame: pd.DataFrame, columns: Sequence[ColumnSpec] | None = None) -> None:
        self.table_model.set_frame(frame, columns)


# ------------------------------------------------------------------------------- pages


class _Page(QWidget):
    """Common parts of a page: a control row with export buttons, charts and tables."""

    export_requested = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.charts: dict[str, CategoryChart] = {}
        self.tables: dict[str, _Table] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self.controls = QHBoxLayout()
        self._layout.addLayout(self.controls)
        self.summary = QLabel("")
        self.summary.setObjectName("dashboardSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self.summary)

    def add_export_buttons(self) -> None:
        self.controls.addStretch(1)
        for fmt, text in (("csv", QCoreApplication.translate("Dashboard", "Export table (CSV)")), ("xlsx", QCoreApplication.translate("Dashboard", "Export table (Excel)")),
                          ("png", QCoreApplication.translate("Dashboard", "Export charts (PNG)"))):
            button = QPushButton(text)
            button.setObjectName(f"export_{fmt}")
            button.clicked.connect(lambda _=False, f=fmt: self.export_requested.emit(f))
            self.controls.addWidget(button)

    def combo(self, label: str, items: Sequence[tuple[str, str]], current: str, on_change: Callable[[str], None]) -> QComboBox:
        """A labelled combo of (key, title) items calling ``on_change(key)``."""
        self.controls.addWidget(QLabel(label))
        box = QComboBox()
        for key, title in items:
            box.addItem(title, key)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.currentIndexChanged.connect(lambda _i: on_change(box.currentData()))
        self.controls.addWidget(box)
        return box

    def current_table(self) -> _Table:
        """The table an export refers to: the visible one if the tables are tabbed."""
        tabs = getattr(self, "table_tabs", None)
        if tabs is not None:
            return tabs.currentWidget()  # type: ignore[no-any-return]
        return next(iter(self.tables.values()))

    def chart_grid(self, charts: Sequence[CategoryChart], columns: int) -> QWidget:
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, chart in enumerate(charts):
            grid.addWidget(chart, i // columns, i % columns)
        return holder


def _metric_title(key: str) -> str:
    metric = METRIC_BY_KEY.get(key)
    return QCoreApplication.translate("DashboardColumns", metric.title) if metric else key


def _dim_label(dim: str) -> Callable[[Any], str]:
    """Display labels for the values of a breakdown dimension."""
    mapping: dict[str, Callable[[str], str]] = {
        "channel": labels.channel, "gender": lambda c: labels.gender(c) or QCoreApplication.translate("Dashboard", "Unknown"),
        "value_tier": labels.value_tier, "lifecycle_stage": labels.lifecycle,
        "age_band": lambda c: QCoreApplication.translate("Dashboard", "Unknown") if c == "unknown" else c,
    }
    fn = mapping.get(dim)
    return (lambda v: fn(str(v))) if fn else (lambda v: str(v))


_FUNNEL_TITLES = {
    "contacted": QT_TRANSLATE_NOOP("DashboardWidget", "Contacted"),
    "reached": QT_TRANSLATE_NOOP("DashboardWidget", "Reached"),
    "interested": QT_TRANSLATE_NOOP("DashboardWidget", "Interested"),
    "accepted": QT_TRANSLATE_NOOP("DashboardWidget", "Accepted"),
}


class DashboardWidget(QWidget):
    """The dashboards of one user over a :class:`DashboardViewModel`.

    Signals:
        rendered(object): a :class:`DashboardResult` has been drawn (charts and tables).
    """

    rendered = Signal(object)

    def __init__(self, view_model: DashboardViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = view_model
        self.setWindowTitle(self.tr("Dashboards"))
        self._result: DashboardResult | None = None
        self._filter_boxes: dict[str, QComboBox] = {}
        self._building = False
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addWidget(self._build_filter_bar())
        self.tabs = QTabWidget()
        self.pages: dict[str, _Page] = {}
        builders = {
            "efficiency": (self._build_efficiency, self.tr("Personal efficiency")),
            "trends": (self._build_trends, self.tr("Trends")),
            "breakdowns": (self._build_breakdowns, self.tr("Breakdowns")),
            "experiments": (self._build_experiments, self.tr("Rule experiments")),
        }
        for key in view_model.pages:
            build, title = builders[key]
            page = build()
            page.export_requested.connect(lambda fmt, k=key: self._on_export_clicked(k, fmt))
            self.pages[key] = page
            self.tabs.addTab(page, title)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        root.addWidget(self.tabs, 1)
        view_model.busy_changed.connect(self._on_busy_changed)
        view_model.results_ready.connect(self._on_results)
        view_model.failed.connect(self._on_failed)
        view_model.options_changed.connect(self._on_options)
        self._on_busy_changed(view_model.busy)
        if view_model.data is not None:
            self._on_options(view_model.data.options())

    # ----------------------------------------------------------------- filter bar

    def _build_filter_bar(self) -> QWidget:
        bar = QFrame()
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(bar)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.date_from = self._date_edit()
        self.date_to = self._date_edit()
        self.date_from.dateChanged.connect(lambda d: self._on_date("start", d))
        self.date_to.dateChanged.connect(lambda d: self._on_date("end", d))
        items: list[tuple[str, QWidget]] = [(self.tr("From"), self.date_from), (self.tr("To"), self.date_to)]
        specs = [
            ("channels", self.tr("Channel")), ("provinces", self.tr("Region")), ("genders", self.tr("Gender")),
            ("age_bands", self.tr("Age band")), ("job_types", self.tr("Job type")), ("products", self.tr("Product")),
            ("value_tiers", self.tr("Value tier")), ("lifecycle_stages", self.tr("Lifecycle stage")),
        ]
        if self.vm.scope.level != "own":
            specs.append(("users", self.tr("Agent")))
        if self.vm.scope.level == "all":
            specs.append(("teams", self.tr("Team")))
        for key, title in specs:
            box = QComboBox()
            box.setObjectName(f"filter_{key}")
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.addItem(self.tr("All"), None)
            box.currentIndexChanged.connect(lambda _i, k=key, b=box: self._on_filter_box(k, b))
            self._filter_boxes[key] = box
            items.append((title, box))
        for i, (title, widget) in enumerate(items):
            row, col = divmod(i, 6)
            grid.addWidget(QLabel(title), row, col * 2)
            grid.addWidget(widget, row, col * 2 + 1)
        clear = QPushButton(self.tr("Clear filters"))
        clear.clicked.connect(self._on_clear)
        self.reload_button = QPushButton(self.tr("Reload data"))
        self.reload_button.setToolTip(self.tr("Read the contact history again from the local store (after a sync)"))
        self.reload_button.clicked.connect(self.vm.reload)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.status = QLabel("")
        last_row = (len(items) - 1) // 6 + 1
        grid.addWidget(clear, last_row, 0, 1, 2)
        grid.addWidget(self.reload_button, last_row, 2, 1, 2)
        grid.addWidget(self.busy_bar, last_row, 4, 1, 2)
        grid.addWidget(self.status, last_row, 6, 1, 6)
        return bar

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText(self.tr("Any"))
        edit.setDate(_NO_DATE)
        return edit

    def _on_date(self, name: str, date: QDate) -> None:
        if self._building:
            return
        value = None if date == _NO_DATE else dt.date(date.year(), date.month(), date.day())
        self.vm.set_filter(name, value)

    def _on_filter_box(self, key: str, box: QComboBox) -> None:
        if self._building:
            return
        self.vm.set_filter(key, box.currentData())

    def set_filter_value(self, key: str, value: str | None) -> None:
        """Select ``value`` (None = all) in the filter combo ``key``, as a user would."""
        box = self._filter_boxes[key]
        box.setCurrentIndex(max(0, box.findData(value)) if value is not None else 0)

    def _on_clear(self) -> None:
        self._building = True
        try:
            for box in self._filter_boxes.values():
                box.setCurrentIndex(0)
            self.date_from.setDate(_NO_DATE)
            self.date_to.setDate(_NO_DATE)
        finally:
            self._building = False
        self.vm.clear_filters()

    def _on_options(self, options: dict[str, list[str]]) -> None:
        data = self.vm.data
        agent_names = data.agents["name"].to_dict() if data is not None and len(data.agents) else {}
        label_for: dict[str, Callable[[str], str]] = {
            "channels": labels.channel, "genders": lambda c: labels.gender(c) or c,
            "value_tiers": labels.value_tier, "lifecycle_stages": labels.lifecycle,
            "users": lambda u: str(agent_names.get(u, u)),
            "age_bands": lambda c: self.tr("Unknown") if c == "unknown" else c,
        }
        self._building = True
        try:
            current = self.vm.filters
            for key, box in self._filter_boxes.items():
                box.clear()
                box.addItem(self.tr("All"), None)
                fn = label_for.get(key, str)
                for value in options.get(key, []):
                    box.addItem(fn(value), value)
                chosen = getattr(current, key)
                if chosen:
                    box.setCurrentIndex(max(0, box.findData(chosen[0])))
        finally:
            self._building = False

    # ------------------------------------------------------------------- pages

    def _build_efficiency(self) -> _Page:
        page = _Page("efficiency")
        rank_items = [(m.key, QCoreApplication.translate("DashboardColumns", m.title)) for m in METRICS]
        page.rank_box = page.combo(self.tr("Rank by"), rank_items, self.vm.view_options.rank_by,  # type: ignore[attr-defined]
                                   lambda k: self.vm.set_option("rank_by", k))
        page.add_export_buttons()
        conv = CategoryChart(self.tr("Conversions vs expected, by agent"), self.tr("Customers converted (count)"),
                             self.tr("Agent (ranked)"))
        conv.add_bars(self.tr("Actual"), "int", offset=-0.2, width=0.4)
        conv.add_bars(self.tr("Expected"), "float", offset=0.2, width=0.4)
        ratio = CategoryChart(self.tr("Actual / expected conversions"), self.tr("Ratio (1 = as predicted)"),
                              self.tr("Agent (ranked)"))
        ratio.add_bars(self.tr("Actual / expected"), "ratio", color=PALETTE[2])
        ratio.add_reference(1.0, self.tr("as predicted"))
        cost = CategoryChart(self.tr("Cost per call and per conversion"), self.tr("Cost (¥)"), self.tr("Agent (ranked)"))
        cost.add_bars(self.tr("Cost per call"), "money", offset=-0.2, width=0.4, color=PALETTE[0])
        cost.add_bars(self.tr("Cost per conversion"), "money", offset=0.2, width=0.4, color=PALETTE[5])
        duration = CategoryChart(self.tr("Average call duration"), self.tr("Duration (minutes)"), self.tr("Agent (ranked)"))
        duration.add_bars(self.tr("Avg duration"), "float", color=PALETTE[4])
        page.charts = {"conversions": conv, "ratio": ratio, "cost": cost, "duration": duration}
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(page.chart_grid(list(page.charts.values()), 2))
        tabs = QTabWidget()
        page.tables = {"agents": _Table(TABLE_COLUMNS["agents"]), "periods": _Table(TABLE_COLUMNS["periods"])}
        tabs.addTab(page.tables["agents"], self.tr("Agent ranking"))
        tabs.addTab(page.tables["periods"], self.tr("This vs previous week / month / year"))
        page.table_tabs = tabs  # type: ignore[attr-defined]
        split.addWidget(tabs)
        split.setSizes([520, 300])
        page._layout.addWidget(split, 1)
        return page

    def _build_trends(self) -> _Page:
        page = _Page("trends")
        freq_items = [("week", self.tr("Week")), ("month", self.tr("Month")), ("year", self.tr("Year"))]
        page.freq_box = page.combo(self.tr("Period"), freq_items, self.vm.view_options.trend_freq,  # type: ignore[attr-defined]
                                   lambda k: self.vm.set_option("trend_freq", k))
        metric_items = [(m.key, QCoreApplication.translate("DashboardColumns", m.title)) for m in METRICS]
        page.metric_box = page.combo(self.tr("Metric"), metric_items, self.vm.view_options.trend_metric,  # type: ignore[attr-defined]
                                     lambda k: self.vm.set_option("trend_metric", k))
        page.add_export_buttons()
        metric = CategoryChart(self.tr("Metric by period, beside the previous period"), "", self.tr("Period"))
        metric.add_bars(self.tr("Previous period"), "float", offset=-0.17, width=0.32, color=CHART_PREVIOUS)
        metric.add_bars(self.tr("This period"), "float", offset=0.17, width=0.32, color=PALETTE[0])
        conv = CategoryChart(self.tr("Conversions vs expected"), self.tr("Customers converted (count)"), self.tr("Period"))
        conv.add_line(self.tr("Actual"), "int", color=PALETTE[0])
        conv.add_line(self.tr("Expected"), "float", color=PALETTE[1], dashed=True)
        ratio = CategoryChart(self.tr("Actual / expected by period"), self.tr("Ratio (1 = as predicted)"), self.tr("Period"))
        ratio.add_line(self.tr("Actual / expected"), "ratio", color=PALETTE[2])
        ratio.add_reference(1.0, self.tr("as predicted"))
        page.charts = {"metric": metric, "conversions": conv, "ratio": ratio}
        split = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(metric)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(conv)
        side.addWidget(ratio)
        top.addWidget(side)
        top.setSizes([600, 400])
        split.addWidget(top)
        page.tables = {"trend": _Table(TABLE_COLUMNS["trend"])}
        split.addWidget(page.tables["trend"])
        split.setSizes([520, 260])
        page._layout.addWidget(split, 1)
        return page

    def _build_breakdowns(self) -> _Page:
        page = _Page("breakdowns")
        dim_items = [(k, QCoreApplication.translate("DashboardColumns", v)) for k, v in DIMENSION_TITLES.items()]
        page.dim_box = page.combo(self.tr("Break down by"), dim_items, self.vm.view_options.breakdown_dim,  # type: ignore[attr-defined]
                                  lambda k: self.vm.set_option("breakdown_dim", k))
        page.add_export_buttons()
        by = CategoryChart(self.tr("Conversions vs expected by group"), self.tr("Customers converted (count)"), "")
        by.add_bars(self.tr("Actual"), "int", offset=-0.2, width=0.4)
        by.add_bars(self.tr("Expected"), "float", offset=0.2, width=0.4)
        trend = CategoryChart(self.tr("Conversion trend"), self.tr("Conversion rate (%)"), self.tr("Period"))
        trend.add_line(self.tr("Conversion rate"), "float", color=PALETTE[2])
        funnel = CategoryChart(self.tr("Contact-to-deal funnel"), self.tr("Customers (count)"), self.tr("Stage"))
        funnel.add_bars(self.tr("Customers"), "int", color=PALETTE[0])
        products = CategoryChart(self.tr("Hot products"), self.tr("Deals (count)"), "", horizontal=True)
        products.add_bars(self.tr("Deals"), "int", color=PALETTE[1])
        regions = CategoryChart(self.tr("Region distribution"), self.tr("Share (%)"), self.tr("Region"))
        regions.add_bars(self.tr("Share of calls"), "float", offset=-0.2, width=0.4, color=PALETTE[4])
        regions.add_bars(self.tr("Share of conversions"), "float", offset=0.2, width=0.4, color=PALETTE[2])
        channels = CategoryChart(self.tr("Channel comparison"), self.tr("Amount (¥)"), self.tr("Channel"))
        channels.add_bars(self.tr("Avg cost / customer gained"), "money", offset=-0.2, width=0.4, color=PALETTE[5])
        channels.add_bars(self.tr("Avg deal value"), "money", offset=0.2, width=0.4, color=PALETTE[2])
        page.charts = {"breakdown": by, "conversion_trend": trend, "funnel": funnel,
                       "products": products, "regions": regions, "channels": channels}
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(page.chart_grid(list(page.charts.values()), 3))
        tabs = QTabWidget()
        titles = {"breakdown": self.tr("Breakdown"), "products": self.tr("Hot products"),
                  "regions": self.tr("Regions"), "channels": self.tr("Channels"), "funnel": self.tr("Funnel")}
        for name, title in titles.items():
            page.tables[name] = _Table(TABLE_COLUMNS[name])
            tabs.addTab(page.tables[name], title)
        page.table_tabs = tabs  # type: ignore[attr-defined]
        split.addWidget(tabs)
        split.setSizes([560, 240])
        page._layout.addWidget(split, 1)
        return page

    def _build_experiments(self) -> _Page:
        page = _Page("experiments")
        page.add_export_buttons()
        chart = CategoryChart(self.tr("Conversion by assignment rule (95% confidence interval)"),
                              self.tr("Conversion rate (%)"), self.tr("Assignment rule"))
        chart.add_bars(self.tr("Conversion rate (%)"), "float", color=PALETTE[0], width=0.5)
        chart.add_error_bars()
        page.charts = {"experiments": chart}
        page.tables = {"experiments": _Table(TABLE_COLUMNS["experiments"])}
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(chart)
        split.addWidget(page.tables["experiments"])
        split.setSizes([480, 200])
        page._layout.addWidget(split, 1)
        return page

    # ------------------------------------------------------------------ results

    def _on_tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if isinstance(page, _Page):
            self.vm.page = page.key

    def show_page(self, key: str) -> None:
        """Switch to page ``key`` (recomputes it)."""
        self.tabs.setCurrentWidget(self.pages[key])

    def _on_busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.reload_button.setEnabled(not busy)
        if busy:
            self.status.setText(self.tr("Computing…") if self.vm.data is not None
                                else self.tr("Loading the contact history…"))

    def _on_failed(self, message: str) -> None:
        self.status.setText(self.tr("Could not compute: {0}").format(message))

    def _on_results(self, result: DashboardResult) -> None:
        self._result = result
        page = self.pages.get(result.page)
        if page is None:
            return
        render = {
            "efficiency": self._render_efficiency, "trends": self._render_trends,
            "breakdowns": self._render_breakdowns, "experiments": self._render_experiments,
        }[result.page]
        render(page, result)
        if result.page == "experiments":
            self._done(result)
            return
        totals = result.facts.get("totals", {})
        page.summary.setText(self.tr(
            "{contacts} contacts · {customers} customers · {conversions} conversions vs {expected} expected "
            "(ratio {ratio}) · deal value {value}"
        ).format(
            contacts=format_value(totals.get("contacts"), "int"),
            customers=format_value(totals.get("customers"), "int"),
            conversions=format_value(totals.get("conversions"), "int"),
            expected=format_value(totals.get("expected"), "float"),
            ratio=format_value(totals.get("ratio"), "ratio"),
            value=format_value(totals.get("deal_value"), "money"),
        ))
        self._done(result)

    def _done(self, result: DashboardResult) -> None:
        self.status.setText(self.tr("Updated: {0} contacts in {1:.2f} s").format(
            format_value(result.facts.get("events", 0), "int"), result.compute_s))
        self.rendered.emit(result)

    def _render_efficiency(self, page: _Page, result: DashboardResult) -> None:
        agents = result.tables["agents"]
        page.tables["agents"].set_frame(agents)
        page.tables["periods"].set_frame(_translate_periods(result.tables["periods"]))
        top = agents.head(self.vm.view_options.top_n)
        names = top["agent"].astype(str).tolist()
        page.charts["conversions"].set_data(names, [top["conversions"], top["expected"]])
        page.charts["ratio"].set_data(names, [top["ratio"]])
        page.charts["cost"].set_data(names, [top["cost_per_contact"], top["cost_per_conversion"]])
        page.charts["duration"].set_data(names, [top["avg_duration_s"] / 60.0])

    def _render_trends(self, page: _Page, result: DashboardResult) -> None:
        trend = result.tables["trend"]
        key = result.options.trend_metric
        metric = METRIC_BY_KEY.get(key)
        chart = page.charts["metric"]
        title = _metric_title(key)
        chart.getPlotItem().setTitle(self.tr("{0} by period, beside the previous period").format(title),
                                     color=CHART_TEXT, size="11pt")
        chart.getPlotItem().setLabel("left", title, color=CHART_TEXT)
        kind = metric.kind if metric else "float"
        for s in chart._series:
            s.kind = kind
        labels_ = trend["label"].tolist() if len(trend) else []
        cur = trend[key] if key in trend else pd.Series(dtype=float)
        prev = trend.get(f"prev_{key}", pd.Series(np.nan, index=trend.index))
        scale = 1 / 60.0 if kind == "duration" else 1.0
        if kind == "duration":
            chart.getPlotItem().setLabel("left", self.tr("{0} (minutes)").format(title), color=CHART_TEXT)
            for s in chart._series:
                s.kind = "float"
        chart.set_data(labels_, [prev * scale, cur * scale])
        page.charts["conversions"].set_data(labels_, [trend["conversions"], trend["expected"]])
        page.charts["ratio"].set_data(labels_, [trend["ratio"]])
        # The chosen metric first, with the previous period and the change beside it.
        base = TABLE_COLUMNS["trend"]
        spec = next((c for c in base if c.key == key), ColumnSpec(key, metric.title if metric else key, kind))
        cols = [base[0], spec,
                ColumnSpec(f"prev_{key}", "Previous period", spec.kind),
                ColumnSpec(f"change_{key}", "Change vs previous", "change"),
                *[c for c in base[1:] if c.key != key]]
        page.tables["trend"].set_frame(trend, cols)

    def _render_breakdowns(self, page: _Page, result: DashboardResult) -> None:
        dim = result.options.breakdown_dim
        label = _dim_label(dim)
        table_cols = list(TABLE_COLUMNS["breakdown"])
        table_cols[0] = ColumnSpec("value", DIMENSION_TITLES.get(dim, "Group"), "text", label=label)
        bd = result.tables["breakdown"]
        page.tables["breakdown"].set_frame(bd, table_cols)
        top = bd.nlargest(20, "contacts").sort_values("value") if dim not in ("day", "week", "month") else bd
        by = page.charts["breakdown"]
        by.getPlotItem().setTitle(self.tr("Conversions vs expected by {0}").format(
            QCoreApplication.translate("DashboardColumns", DIMENSION_TITLES.get(dim, dim)).lower()),
            color=CHART_TEXT, size="11pt")
        by.set_data([label(v) for v in top["value"]], [top["conversions"], top["expected"]])
        ct = result.tables["conversion_trend"]
        page.charts["conversion_trend"].set_data(ct["label"].tolist(), [ct["conversion_rate"] * 100])
        fn = result.tables["funnel"]
        stage_titles = [self.tr(_FUNNEL_TITLES.get(s, s)) for s in fn["stage"]]
        page.charts["funnel"].set_data(stage_titles, [fn["customers"]])
        page.tables["funnel"].set_frame(fn.assign(stage=stage_titles))
        pr = result.tables["products"]
        page.charts["products"].set_data(pr["policy"].astype(str).tolist(), [pr["deals"]])
        page.tables["products"].set_frame(pr)
        rg = result.tables["regions"]
        page.charts["regions"].set_data(rg["value"].tolist(), [rg["share_contacts"] * 100, rg["share_conversions"] * 100])
        page.tables["regions"].set_frame(rg)
        ch = result.tables["channels"]
        ch_labels = [labels.channel(str(v)) for v in ch["value"]]
        page.charts["channels"].set_data(ch_labels, [ch["cost_per_customer_gained"], ch["avg_deal_value"]])
        cols = list(TABLE_COLUMNS["channels"])
        cols[0] = ColumnSpec("value", cols[0].title, "text", label=lambda v: labels.channel(str(v)))
        page.tables["channels"].set_frame(ch, cols)

    def _render_experiments(self, page: _Page, result: DashboardResult) -> None:
        ex = result.tables["experiments"]
        chart = page.charts["experiments"]
        chart.set_errors(ex["rate"] * 100, ex["ci_low"] * 100, ex["ci_high"] * 100)
        chart.set_data(ex["rule"].astype(str).tolist(), [ex["rate"] * 100])
        page.tables["experiments"].set_frame(ex)
        if ex.empty:
            page.summary.setText(self.tr("No assignment-rule experiment has been recorded yet."))
        else:
            page.summary.setText(self.tr("{leads} leads split at random between {rules} assignment rules; "
                                         "bars show the conversion rate, whiskers its 95% confidence interval.").format(
                leads=format_value(ex["leads"].sum(), "int"), rules=len(ex)))

    # ------------------------------------------------------------------- export

    def export_table(self, page: str, path: str | Path, table: str | None = None) -> Path:
        """Write a page's table (the visible one by default) as .csv or .xlsx, as displayed."""
        p = self.pages[page]
        view = p.tables[table] if table else p.current_table()
        return export_frame(view.table_model.display_frame(), path)

    def export_png(self, page: str, path: str | Path, chart: str | None = None) -> Path:
        """Write one chart (or, without ``chart``, the whole page) as a PNG image."""
        p = self.pages[page]
        widget: QWidget = p.charts[chart] if chart else p
        path = Path(path)
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        return path

    def _on_export_clicked(self, page: str, fmt: str) -> None:
        filters = {"csv": self.tr("CSV (*.csv)"), "xlsx": self.tr("Excel (*.xlsx)"), "png": self.tr("PNG image (*.png)")}
        default = f"dashboard-{page}-{dt.date.today():%Y%m%d}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export"), default, filters[fmt])
        if not path:
            return
        self.export_recorded(page, fmt, path)

    def export_recorded(self, page: str, fmt: str, path: str | Path) -> None:
        """Export as :meth:`_on_export_clicked` does once the file is chosen: the export is
        recorded on the server first (who, which page, how many rows), then written."""
        rows = self.pages[page].current_table().table_model.rowCount()

        def write() -> None:
            try:
                if fmt == "png":
                    base = Path(path)
                    self.export_png(page, base)
                    for name in self.pages[page].charts:
                        self.export_png(page, base.with_name(f"{base.stem}-{name}.png"), name)
                else:
                    self.export_table(page, path)
                self.status.setText(self.tr("Exported to {0}").format(path))
            except (OSError, ValueError) as exc:
                QMessageBox.warning(self, self.tr("Export failed"), self.tr("Could not export: {0}").format(exc))

        def refused(message: str) -> None:
            self.status.setText(self.tr("Not exported: {m}").format(m=message))

        self.vm.record_export(f"dashboard {page} ({fmt})", rows, write, refused)


def _translate_periods(frame: pd.DataFrame) -> pd.DataFrame:
    names = {"week": QCoreApplication.translate("Dashboard", "Week"), "month": QCoreApplication.translate("Dashboard", "Month"), "year": QCoreApplication.translate("Dashboard", "Year")}
    if "period" not in frame:
        return frame
    return frame.assign(period=[names.get(p, p) for p in frame["period"]])


def create_dashboard(
    session_factory: Any,
    user: Any,
    runner: TaskRunner | None = None,
    experiments: Callable[[], pd.DataFrame | None] | None = None,
    parent: QWidget | None = None,
    sms_figures: Callable[[int], Any] | None = None,
    report_export: Callable[[str, int], None] | None = None,
) -> tuple[DashboardWidget, DashboardViewModel]:
    """The dashboards of ``user`` over the local store behind ``session_factory``.

    ``runner`` is the app's shared task runner (a private one is made if omitted);
    ``experiments`` optionally returns assignment-rule outcomes (columns ``rule``,
    ``converted``); ``sms_figures(days)`` (``channel_funnel.fetch`` on the server client)
    adds the SMS channel's tab for leads and administrators. Loading starts at once, off the
    GUI thread.
    """
    vm = DashboardViewModel.for_store(session_factory, user, runner=runner, experiments=experiments)
    vm.report_export = report_export  # every export is recorded on the server first (issue 18 point 5)
    widget = DashboardWidget(vm, parent)
    vm.setParent(widget)
    vm.refresh()
    if sms_figures is not None and vm.scope.level != "own":  # the server's report: leads and admins
        from workbench.ui.sms_funnel import SmsFunnelPanel
        from workbench.views.sms_funnel_vm import SmsFunnelViewModel

        sms_vm = SmsFunnelViewModel(sms_figures, runner)
        widget.sms_panel = SmsFunnelPanel(sms_vm)  # type: ignore[attr-defined]
        sms_vm.setParent(widget.sms_panel)  # type: ignore[attr-defined]
        widget.tabs.addTab(widget.sms_panel, widget.tr("SMS & online"))  # type: ignore[attr-defined]
        sms_vm.refresh()
    return widget, vm


__all__ = ["CategoryChart", "DashboardWidget", "create_dashboard"]
