"""The calls open on the desk: one page per call (the pop and the outcome form side by side),
and the tab bar over them that keeps one page widget for every call."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedLayout,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from workbench.services.call_events import CallEvent
from workbench.services.screen_pop import ScreenPop
from workbench.ui import palette
from workbench.ui.outcome_form import FormState, OutcomeForm
from workbench.ui.screen_pop import PopViewState, ScreenPopWidget


class OpenCall:
    """One open call: its tab's state. The screen shows one call at a time on a single
    :class:`PopPage`; the others wait here (their snapshot and what the agent typed)."""

    def __init__(self, event: CallEvent, customer_id: str) -> None:
        self.call_event = event
        self.customer_id = customer_id
        self.pop: PopViewState | None = None
        self.form: FormState | None = None
        self.newer: ScreenPop | None = None  # a refreshed snapshot that arrived while not shown
        self.explanation: str | None = None  # the score's reasons, arrived while not shown


class PopPage(QWidget):
    """The call on screen: the screen pop and its outcome form side by side. There is one,
    filled in again for each call (a pop changes texts and rows; nothing is hidden, shown or
    laid out anew)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.call: OpenCall | None = None
        self.pop_widget = ScreenPopWidget()
        self.form = OutcomeForm()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.pop_widget)
        split.addWidget(self.form)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([1000, 320])
        # a call-back of this customer whose time has come (hidden otherwise)
        self.callback_banner = QLabel()
        self.callback_banner.setObjectName("callbackBanner")
        self.callback_banner.setWordWrap(True)
        self.callback_banner.setStyleSheet(
            f"QLabel#callbackBanner {{ background: {palette.colors().alert_bg}; color: {palette.colors().badge_fg};"
            " font-weight: bold; padding: 6px 10px; border-radius: 4px; }")
        self.callback_banner.hide()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.callback_banner)
        lay = QHBoxLayout()
        lay.addWidget(split)
        outer.addLayout(lay)

    @property
    def call_event(self) -> CallEvent:
        assert self.call is not None
        return self.call.call_event

    @property
    def customer_id(self) -> str | None:
        snap = self.pop_widget.snapshot
        return snap.portrait.id if snap else None


class CallTabs(QWidget):
    """A tab per open call above a single pop page (with no call: a welcome page).

    It answers like a ``QTabWidget`` whose tab widgets are the :class:`OpenCall` objects
    (the welcome tab's is the placeholder label). Switching tabs puts the shown call's input
    aside and fills the page with the other call's.

    Signals:
        tabCloseRequested(int): the close button of a tab.
        callChanged(OpenCall, OpenCall): the call to put aside (or None) and the one to show.
    """

    tabCloseRequested = Signal(int)
    callChanged = Signal(object, object)

    def __init__(self, placeholder: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar = QTabBar()
        self._bar.setDocumentMode(True)
        self._bar.setTabsClosable(True)
        self._bar.setExpanding(False)
        self._bar.setDrawBase(True)
        self._bar.tabCloseRequested.connect(self.tabCloseRequested.emit)
        self._bar.currentChanged.connect(self._on_current_changed)
        self._stack = QStackedLayout()
        self._stack.addWidget(placeholder)
        self.placeholder = placeholder
        self.page: PopPage | None = None
        self._items: list[object] = []  # OpenCall or the placeholder, one per tab
        self._shown: OpenCall | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self._bar)
        lay.addLayout(self._stack, 1)

    def set_page(self, page: PopPage) -> None:
        """The page the calls are shown on: shown once now, so that polishing and laying it
        out is done before the first call (the welcome page comes back while no call is open)."""
        self.page = page
        self._stack.addWidget(page)
        self._stack.setCurrentWidget(page)
        if self._shown is None:
            self._stack.setCurrentWidget(self.placeholder)

    def tabBar(self) -> QTabBar:
        return self._bar

    def count(self) -> int:
        return len(self._items)

    def widget(self, index: int) -> Any:
        return self._items[index] if 0 <= index < len(self._items) else None

    def indexOf(self, item: object) -> int:
        return next((i for i, x in enumerate(self._items) if x is item), -1)

    def currentIndex(self) -> int:
        return self._bar.currentIndex()

    def currentWidget(self) -> Any:
        return self.widget(self._bar.currentIndex())

    def isTabVisible(self, index: int) -> bool:
        return 0 <= index < len(self._items)

    def tabText(self, index: int) -> str:
        return self._bar.tabText(index)

    def setTabText(self, index: int, text: str) -> None:
        self._bar.setTabText(index, text)

    def addTab(self, item: object, text: str) -> int:
        return self.insertTab(len(self._items), item, text)

    def insertTab(self, index: int, item: object, text: str) -> int:
        self._items.insert(index, item)
        return self._bar.insertTab(index, text)

    def removeTab(self, index: int) -> None:
        if 0 <= index < len(self._items):
            del self._items[index]
            self._bar.removeTab(index)  # another tab becomes current: _on_current_changed
            if not self._items:
                self._show(None)

    def setCurrentIndex(self, index: int) -> None:
        self._bar.setCurrentIndex(index)
        self._show(self.widget(index))  # also when it already was current (a new call in it)

    def setCurrentWidget(self, item: object) -> None:
        self.setCurrentIndex(self.indexOf(item))

    def shown_call(self) -> OpenCall | None:
        return self._shown

    def _on_current_changed(self, index: int) -> None:
        self._show(self.widget(index))

    def _show(self, item: object) -> None:
        call = item if isinstance(item, OpenCall) else None
        if call is self._shown:
            return
        previous, self._shown = self._shown, call
        if previous is not None and self.indexOf(previous) < 0:
            previous = None  # closed: nothing to put aside
        self.callChanged.emit(previous, call)
        target = self.page if call is not None and self.page is not None else self.placeholder
        if self._stack.currentWidget() is not target:
            self._stack.setCurrentWidget(target)
