"""View-model of the team-lead dashboards: filters in, page results out, off the GUI thread.

The widget sets filters and view options; every change schedules one recompute (changes in
the same event-loop turn are coalesced). Recomputes run on the shared :class:`TaskRunner`;
a newer request supersedes the older one: the older one is told to stop at its next step
and its result, if any, is dropped (newest wins). The scope's contact history is loaded once
per :meth:`reload` and kept; switching filters only re-aggregates the frames in memory.

No QtWidgets here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QTimer, Signal

from workbench.services import analytics
from workbench.services.analytics import (
    AnalyticsData,
    CostSettings,
    Filters,
    PageResult,
    Scope,
    ViewOptions,
)
from workbench.views.errors import user_message
from workbench.views.table_models import ColumnSpec, Kind
from workbench.views.task_runner import TaskRunner

_CTX = "DashboardColumns"


@dataclass(frozen=True)
class Metric:
    """A metric the user can rank or plot by: key, English source title (with unit), kind."""

    key: str
    title: str
    kind: Kind


#: Metrics offered for rankings and trends, in menu order.
METRICS: tuple[Metric, ...] = (
    Metric("ratio", QT_TRANSLATE_NOOP("DashboardColumns", "Actual / expected"), "ratio"),
    Metric("conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions"), "int"),
    Metric("expected", QT_TRANSLATE_NOOP("DashboardColumns", "Expected conversions"), "float"),
    Metric("conversion_rate", QT_TRANSLATE_NOOP("DashboardColumns", "Conversion rate"), "percent"),
    Metric("contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Calls"), "int"),
    Metric("reached", QT_TRANSLATE_NOOP("DashboardColumns", "Reached"), "int"),
    Metric("talk_time_s", QT_TRANSLATE_NOOP("DashboardColumns", "Talk time"), "duration"),
    Metric("avg_duration_s", QT_TRANSLATE_NOOP("DashboardColumns", "Avg call duration"), "duration"),
    Metric("cost", QT_TRANSLATE_NOOP("DashboardColumns", "Cost (¥)"), "money"),
    Metric("cost_per_contact", QT_TRANSLATE_NOOP("DashboardColumns", "Cost per call (¥)"), "money"),
    Metric("cost_per_conversion", QT_TRANSLATE_NOOP("DashboardColumns", "Cost per conversion (¥)"), "money"),
    Metric("deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value (¥)"), "money"),
)
METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}

#: Breakdown dimensions offered, in menu order, with English source titles.
DIMENSION_TITLES: dict[str, str] = {
    "month": QT_TRANSLATE_NOOP("DashboardColumns", "Month"),
    "week": QT_TRANSLATE_NOOP("DashboardColumns", "Week"),
    "day": QT_TRANSLATE_NOOP("DashboardColumns", "Day"),
    "region": QT_TRANSLATE_NOOP("DashboardColumns", "Region"),
    "city": QT_TRANSLATE_NOOP("DashboardColumns", "City"),
    "channel": QT_TRANSLATE_NOOP("DashboardColumns", "Channel"),
    "gender": QT_TRANSLATE_NOOP("DashboardColumns", "Gender"),
    "age_band": QT_TRANSLATE_NOOP("DashboardColumns", "Age band"),
    "job_type": QT_TRANSLATE_NOOP("DashboardColumns", "Job type"),
    "policy": QT_TRANSLATE_NOOP("DashboardColumns", "Policy"),
    "product": QT_TRANSLATE_NOOP("DashboardColumns", "Product"),
    "value_tier": QT_TRANSLATE_NOOP("DashboardColumns", "Value tier"),
    "lifecycle_stage": QT_TRANSLATE_NOOP("DashboardColumns", "Lifecycle stage"),
    "agent": QT_TRANSLATE_NOOP("DashboardColumns", "Agent"),
    "team": QT_TRANSLATE_NOOP("DashboardColumns", "Team"),
}

_SUMMARY_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Calls"), "int"),
    ColumnSpec("reached", QT_TRANSLATE_NOOP("DashboardColumns", "Reached"), "int"),
    ColumnSpec("reach_rate", QT_TRANSLATE_NOOP("DashboardColumns", "Reach rate"), "percent"),
    ColumnSpec("conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions"), "int"),
    ColumnSpec("expected", QT_TRANSLATE_NOOP("DashboardColumns", "Expected"), "float",
               tooltip=QT_TRANSLATE_NOOP("DashboardColumns", "Sum of the customers' predicted deal probabilities at first contact")),
    ColumnSpec("ratio", QT_TRANSLATE_NOOP("DashboardColumns", "Actual / expected"), "ratio"),
    ColumnSpec("conversion_rate", QT_TRANSLATE_NOOP("DashboardColumns", "Conversion rate"), "percent"),
    ColumnSpec("talk_time_s", QT_TRANSLATE_NOOP("DashboardColumns", "Talk time"), "duration"),
    ColumnSpec("avg_duration_s", QT_TRANSLATE_NOOP("DashboardColumns", "Avg duration"), "duration"),
    ColumnSpec("cost", QT_TRANSLATE_NOOP("DashboardColumns", "Cost (¥)"), "money"),
    ColumnSpec("cost_per_contact", QT_TRANSLATE_NOOP("DashboardColumns", "Cost / call (¥)"), "money"),
    ColumnSpec("cost_per_conversion", QT_TRANSLATE_NOOP("DashboardColumns", "Cost / conversion (¥)"), "money"),
    ColumnSpec("deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value (¥)"), "money"),
)

#: Column specs of every table the dashboards show, by table name of :class:`PageResult`.
TABLE_COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "agents": (
        ColumnSpec("rank", QT_TRANSLATE_NOOP("DashboardColumns", "Rank"), "int"),
        ColumnSpec("agent", QT_TRANSLATE_NOOP("DashboardColumns", "Agent"), "text"),
        ColumnSpec("grade", QT_TRANSLATE_NOOP("DashboardColumns", "Grade"), "text",
                   tooltip=QT_TRANSLATE_NOOP("DashboardColumns", "The server's grade A/B/C: actual vs expected conversions over 90 days, shrunk toward the team average")),
        *_SUMMARY_SPECS,
    ),
    "periods": (
        ColumnSpec("period", QT_TRANSLATE_NOOP("DashboardColumns", "Period"), "text"),
        ColumnSpec("current_label", QT_TRANSLATE_NOOP("DashboardColumns", "This period"), "text"),
        ColumnSpec("current_contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Calls"), "int"),
        ColumnSpec("current_conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions"), "int"),
        ColumnSpec("current_ratio", QT_TRANSLATE_NOOP("DashboardColumns", "Actual / expected"), "ratio"),
        ColumnSpec("current_deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value (¥)"), "money"),
        ColumnSpec("previous_label", QT_TRANSLATE_NOOP("DashboardColumns", "Previous period"), "text"),
        ColumnSpec("previous_contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Calls (prev.)"), "int"),
        ColumnSpec("previous_conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions (prev.)"), "int"),
        ColumnSpec("previous_ratio", QT_TRANSLATE_NOOP("DashboardColumns", "Actual / expected (prev.)"), "ratio"),
        ColumnSpec("previous_deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value (prev., ¥)"), "money"),
        ColumnSpec("change_conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions change"), "change"),
        ColumnSpec("change_deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value change"), "change"),
    ),
    "trend": (
        ColumnSpec("label", QT_TRANSLATE_NOOP("DashboardColumns", "Period"), "text"),
        *_SUMMARY_SPECS,
    ),
    "breakdown": (
        ColumnSpec("value", QT_TRANSLATE_NOOP("DashboardColumns", "Group"), "text"),
        *_SUMMARY_SPECS,
        ColumnSpec("share_contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Share of calls"), "percent"),
        ColumnSpec("share_conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Share of conversions"), "percent"),
    ),
    "products": (
        ColumnSpec("policy", QT_TRANSLATE_NOOP("DashboardColumns", "Policy"), "text"),
        ColumnSpec("product", QT_TRANSLATE_NOOP("DashboardColumns", "Product"), "text"),
        ColumnSpec("offers", QT_TRANSLATE_NOOP("DashboardColumns", "Offers"), "int"),
        ColumnSpec("deals", QT_TRANSLATE_NOOP("DashboardColumns", "Deals"), "int"),
        ColumnSpec("offer_conversion", QT_TRANSLATE_NOOP("DashboardColumns", "Deals / offers"), "percent"),
        ColumnSpec("deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value (¥)"), "money"),
        ColumnSpec("avg_deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Avg deal value (¥)"), "money"),
        ColumnSpec("accepted_all_channels", QT_TRANSLATE_NOOP("DashboardColumns", "Accepted, all channels"), "int"),
    ),
    "regions": (
        ColumnSpec("value", QT_TRANSLATE_NOOP("DashboardColumns", "Region"), "text"),
        ColumnSpec("contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Calls"), "int"),
        ColumnSpec("customers", QT_TRANSLATE_NOOP("DashboardColumns", "Customers"), "int"),
        ColumnSpec("conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions"), "int"),
        ColumnSpec("conversion_rate", QT_TRANSLATE_NOOP("DashboardColumns", "Conversion rate"), "percent"),
        ColumnSpec("share_contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Share of calls"), "percent"),
        ColumnSpec("share_conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Share of conversions"), "percent"),
        ColumnSpec("deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Deal value (¥)"), "money"),
    ),
    "channels": (
        ColumnSpec("value", QT_TRANSLATE_NOOP("DashboardColumns", "Channel"), "text"),
        ColumnSpec("contacts", QT_TRANSLATE_NOOP("DashboardColumns", "Contacts"), "int"),
        ColumnSpec("customers", QT_TRANSLATE_NOOP("DashboardColumns", "Customers"), "int"),
        ColumnSpec("customers_gained", QT_TRANSLATE_NOOP("DashboardColumns", "Customers gained"), "int"),
        ColumnSpec("conversion_rate", QT_TRANSLATE_NOOP("DashboardColumns", "Conversion rate"), "percent"),
        ColumnSpec("cost_per_contact", QT_TRANSLATE_NOOP("DashboardColumns", "Avg cost / contact (¥)"), "money"),
        ColumnSpec("cost_per_customer_gained", QT_TRANSLATE_NOOP("DashboardColumns", "Avg cost / customer gained (¥)"), "money"),
        ColumnSpec("avg_deal_value", QT_TRANSLATE_NOOP("DashboardColumns", "Avg deal value (¥)"), "money"),
    ),
    "funnel": (
        ColumnSpec("stage", QT_TRANSLATE_NOOP("DashboardColumns", "Stage"), "text"),
        ColumnSpec("customers", QT_TRANSLATE_NOOP("DashboardColumns", "Customers"), "int"),
        ColumnSpec("rate_from_first", QT_TRANSLATE_NOOP("DashboardColumns", "Of contacted"), "percent"),
        ColumnSpec("rate_from_previous", QT_TRANSLATE_NOOP("DashboardColumns", "Of previous stage"), "percent"),
    ),
    "experiments": (
        ColumnSpec("rule", QT_TRANSLATE_NOOP("DashboardColumns", "Assignment rule"), "text"),
        ColumnSpec("leads", QT_TRANSLATE_NOOP("DashboardColumns", "Leads"), "int"),
        ColumnSpec("conversions", QT_TRANSLATE_NOOP("DashboardColumns", "Conversions"), "int"),
        ColumnSpec("rate", QT_TRANSLATE_NOOP("DashboardColumns", "Conversion rate"), "percent"),
        ColumnSpec("ci_low", QT_TRANSLATE_NOOP("DashboardColumns", "95% CI low"), "percent"),
        ColumnSpec("ci_high", QT_TRANSLATE_NOOP("DashboardColumns", "95% CI high"), "percent"),
        ColumnSpec("diff", QT_TRANSLATE_NOOP("DashboardColumns", "Difference vs first rule"), "change",
                   tooltip=QT_TRANSLATE_NOOP("DashboardColumns", "Conversion rate minus the first (reference) rule's, in percentage points")),
        ColumnSpec("diff_low", QT_TRANSLATE_NOOP("DashboardColumns", "Difference 95% CI low"), "change"),
        ColumnSpec("diff_high", QT_TRANSLATE_NOOP("DashboardColumns", "Difference 95% CI high"), "change"),
        ColumnSpec("significant", QT_TRANSLATE_NOOP("DashboardColumns", "Significant"), "text",
                   label=lambda v: QCoreApplication.translate("DashboardColumns", "yes") if v else QCoreApplication.translate("DashboardColumns", "no")),
        ColumnSpec("lift_vs_first", QT_TRANSLATE_NOOP("DashboardColumns", "Lift vs first rule"), "change"),
    ),
}
TABLE_COLUMNS["conversion_trend"] = TABLE_COLUMNS["trend"]
# Titles of the trend table's "previous period" columns (the widget builds those columns).
_TREND_TITLES = (QT_TRANSLATE_NOOP("DashboardColumns", "Previous period"), QT_TRANSLATE_NOOP("DashboardColumns", "Change vs previous"))


@dataclass(frozen=True)
class DashboardResult:
    """One delivered page: the service's :class:`PageResult` plus how long it took.

    ``compute_s`` is the time on the worker thread (filtering + aggregation), ``request``
    the request number (strictly increasing; only the newest is ever delivered).
    """

    page: str
    result: PageResult
    filters: Filters
    options: ViewOptions
    compute_s: float
    request: int

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.result.tables

    @property
    def facts(self) -> dict[str, Any]:
        return self.result.facts


class DashboardViewModel(QObject):
    """Filters and view options of the dashboards, and their results.

    Signals:
        busy_changed(bool): True while loading or recomputing.
        results_ready(object): a :class:`DashboardResult` for the current page and filters.
        failed(str): a message safe to show (e.g. a page outside the user's scope).
        options_changed(object): dict filter name → possible values, after (re)loading.
        filters_changed(object): the new :class:`Filters`.
    """

    busy_changed = Signal(bool)
    results_ready = Signal(object)
    failed = Signal(str)
    options_changed = Signal(object)
    filters_changed = Signal(object)

    def __init__(
        self,
        loader: Callable[[], AnalyticsData],
        scope: Scope,
        runner: TaskRunner | None = None,
        costs: CostSettings | None = None,
        parent: QObject | None = None,
        compute: Callable[..., PageResult] = analytics.compute_page,
    ) -> None:
        """``loader`` returns the scope's history (run off the GUI thread, once per reload);
        ``compute`` is :func:`analytics.compute_page` unless a caller wraps it (benchmarks)."""
        super().__init__(parent)
        self._loader = loader
        self._compute = compute
        self._scope = scope
        self._runner = runner or TaskRunner(self, max_threads=2)
        self._costs = costs or CostSettings()
        self._data: AnalyticsData | None = None
        self._page = scope.allowed_pages()[0]
        self._filters = Filters()
        self._options = ViewOptions()
        self._busy = False
        self._loading = False
        self._computing = False
        self._want_compute = False
        self._request = 0
        self._cancel: threading.Event | None = None
        self._last: DashboardResult | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._start)

    @classmethod
    def for_store(
        cls,
        session_factory: Any,
        user: Any,
        runner: TaskRunner | None = None,
        costs: CostSettings | None = None,
        experiments: Callable[[], pd.DataFrame | None] | None = None,
        parent: QObject | None = None,
    ) -> DashboardViewModel:
        """A view-model over the local store behind ``session_factory`` for ``user``'s scope."""
        scope = Scope.for_user(user)

        def load() -> AnalyticsData:
            return analytics.load_data(session_factory, scope, experiments=experiments)

        return cls(load, scope, runner, costs, parent)

    # ------------------------------------------------------------ properties

    @property
    def scope(self) -> Scope:
        return self._scope

    @property
    def pages(self) -> tuple[str, ...]:
        """Pages this user may open."""
        return self._scope.allowed_pages()

    @property
    def page(self) -> str:
        return self._page

    @page.setter
    def page(self, page: str) -> None:
        if page != self._page:
            self._page = page
            self.refresh()

    @property
    def filters(self) -> Filters:
        return self._filters

    @filters.setter
    def filters(self, filters: Filters) -> None:
        if filters != self._filters:
            self._filters = filters
            self.filters_changed.emit(filters)
            self.refresh()

    @property
    def view_options(self) -> ViewOptions:
        return self._options

    @view_options.setter
    def view_options(self, options: ViewOptions) -> None:
        if options != self._options:
            self._options = options
            self.refresh()

    @property
    def costs(self) -> CostSettings:
        return self._costs

    @costs.setter
    def costs(self, costs: CostSettings) -> None:
        self._costs = costs
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def data(self) -> AnalyticsData | None:
        """The loaded history (None until the first load finishes)."""
        return self._data

    @property
    def last_result(self) -> DashboardResult | None:
        return self._last

    def set_filter(self, name: str, value: Any) -> None:
        """Set one filter (``channels``, ``provinces``, ``start`` ...); None / "" = any."""
        if name not in {f.name for f in fields(Filters)}:
            raise ValueError(f"unknown filter: {name!r}")
        self.filters = self._filters.with_(**{name: value})

    def clear_filters(self) -> None:
        self.filters = Filters()

    def set_option(self, name: str, value: Any) -> None:
        """Set one view option (``trend_freq``, ``trend_metric``, ``breakdown_dim``, ``rank_by``)."""
        if name not in {f.name for f in fields(ViewOptions)}:
            raise ValueError(f"unknown view option: {name!r}")
        self.view_options = ViewOptions(**{**self._options.__dict__, name: value})

    # ----------------------------------------------------------------- work

    def refresh(self) -> None:
        """Recompute the current page soon (calls in one event-loop turn coalesce)."""
        self._want_compute = True
        self._set_busy(True)
        self._timer.start()

    def reload(self) -> None:
        """Drop the loaded history, load it again and recompute."""
        self._data = None
        self.refresh()

    def _start(self) -> None:
        if self._data is None:
            if not self._loading:
                self._loading = True
                self._runner.run(self._loader, self._on_loaded, self._on_load_failed)
            return
        if not self._want_compute:
            return
        self._want_compute = False
        if self._cancel is not None:
            self._cancel.set()  # the older request stops at its next step
        cancel = threading.Event()
        self._cancel = cancel
        self._request += 1
        request = self._request
        data, page, filters, options, costs = self._data, self._page, self._filters, self._options, self._costs
        compute = self._compute
        self._computing = True

        def work() -> DashboardResult:
            t0 = time.perf_counter()
            res = compute(data, page, filters, options, costs, cancel.is_set)
            return DashboardResult(page, res, filters, options, time.perf_counter() - t0, request)

        def ok(result: DashboardResult) -> None:
            if request != self._request:
                return
            self._computing = False
            self._last = result
            self._update_busy()
            self.results_ready.emit(result)

        def bad(exc: BaseException) -> None:
            if request != self._request:
                return
            self._computing = False
            self._update_busy()
            if isinstance(exc, analytics.Cancelled):
                return
            self.failed.emit(_message(exc))

        self._runner.run(work, ok, bad)

    def _on_loaded(self, data: AnalyticsData) -> None:
        self._loading = False
        self._data = data
        self.options_changed.emit(data.options())
        self._want_compute = True
        self._start()
        self._update_busy()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._loading = False
        self._want_compute = False
        self._update_busy()
        self.failed.emit(_message(exc))

    def _update_busy(self) -> None:
        self._set_busy(self._loading or self._computing or self._timer.isActive())

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    #: ``report_export(what, rows)`` records an export on the server before the file is written
    #: (the desktop sets it; None: nothing to record, e.g. a stand-alone dashboard)
    report_export: Callable[[str, int], None] | None = None

    def record_export(self, what: str, rows: int, then: Callable[[], None], failed: Callable[[str], None]) -> None:
        """Record an export of ``rows`` rows of ``what`` (off the GUI thread), then call ``then``
        to write the file; a refusal (offline, not allowed) goes to ``failed`` and nothing is written."""
        report = self.report_export
        if report is None:
            then()
            return
        self._runner.run(lambda: report(what, rows), lambda _r: then(),
                         lambda exc: failed(user_message(exc)))

    def shutdown(self, msecs: int = 10000) -> None:
        """Stop the running computation and wait for the worker (window close, tests)."""
        if self._cancel is not None:
            self._cancel.set()
        self._request += 1
        self._timer.stop()
        self._runner.wait_for_done(msecs)


def export_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as .csv (UTF-8 with BOM) or .xlsx; see :func:`analytics.export_table`."""
    return analytics.export_table(frame, path)


def _message(exc: BaseException) -> str:
    """A message for the user: a UserError's (translated) message; anything else is a bug,
    reported to the crash handler, with a generic sentence (see :func:`user_message`)."""
    return user_message(exc)
