"""Tables that fit: columns sized to their content (measured on the first rows only, once per
new set of rows: a pop must paint in milliseconds), long texts capped and elided, and the
full text of an elided cell as its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
)

#: rows measured per column (Qt's default, 1000, would measure a long trail on every pop)
MEASURED_ROWS = 40
#: no column wider than this: longer texts are elided (the tooltip has them whole)
MAX_WIDTH = 260
PADDING = 14
#: the narrowest a text column gets when even the headers do not fit (its header elided too)
MIN_TEXT = 36


def fit_columns(view: QTableView, max_width: int = MAX_WIDTH) -> None:
    """Size every column of ``view`` to its header and its first rows' texts, capped at
    ``max_width``; if they do not fit the view's width, the widest text columns give way (their
    texts elided, whole in the tooltip) down to their header's width, while numbers (right-aligned
    columns) keep their full width. The last column stretches as before."""
    delegate = view.itemDelegate()
    if isinstance(delegate, ElidedTooltipDelegate):
        delegate.max_width = max_width  # refitted with it when the view's width changes
    header = view.horizontalHeader()
    header.setResizeContentsPrecision(MEASURED_ROWS)
    model = view.model()
    if model is None:
        return
    metrics, head_metrics = view.fontMetrics(), header.fontMetrics()
    rows = min(model.rowCount(), MEASURED_ROWS)
    wanted: list[int] = []
    floor: list[int] = []
    cells: list[int] = []  # the widest cell text alone (without the header)
    for col in range(model.columnCount()):
        title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        head = head_metrics.horizontalAdvance(title) + PADDING + 6  # the header's own margins
        width = head
        cell = 0
        numeric = False
        for row in range(rows):
            index = model.index(row, col)
            text = index.data()
            if text:
                cell = max(cell, metrics.horizontalAdvance(str(text)) + PADDING)
                width = max(width, cell)
                align = index.data(Qt.ItemDataRole.TextAlignmentRole)
                numeric = numeric or bool(align is not None and int(align) & int(Qt.AlignmentFlag.AlignRight))
        width = min(width, max_width) if not numeric else width
        wanted.append(width)
        floor.append(width if numeric else min(width, head))
        cells.append(max(cell, MIN_TEXT) if numeric else MIN_TEXT)
    room = view.viewport().width() if view.isVisible() else 0
    if room > 0 and sum(floor) > room:  # too narrow even for the headers: they elide too (tooltip),
        floor = cells                   # numbers keep the room for their digits
    widths = _give_way(wanted, floor, room) if room > 0 else wanted
    for col, width in enumerate(widths):
        header.resizeSection(col, width)
    if room > 0 and sum(widths) <= room:
        view.horizontalScrollBar().setValue(0)  # all of it fits: nothing scrolled out of sight


def _give_way(wanted: list[int], floor: list[int], room: int) -> list[int]:
    """Widths that fit ``room``: every column capped at the same limit (not below its floor),
    the largest limit that fits; the floors if even they do not fit."""
    if sum(wanted) <= room:
        return wanted
    lo, hi = 0, max(wanted)
    while lo < hi:
        cap = (lo + hi + 1) // 2
        if sum(max(f, min(w, cap)) for w, f in zip(wanted, floor, strict=True)) <= room:
            lo = cap
        else:
            hi = cap - 1
    return [max(f, min(w, lo)) for w, f in zip(wanted, floor, strict=True)]


class ElidedTooltipDelegate(QStyledItemDelegate):
    """Shows a cell's whole text as its tooltip when the cell is too narrow for it (a cell's
    own tooltip, from the model, wins). Also refits the columns when the view's width changes
    (a splitter moved, the window resized, the first layout)."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.max_width = MAX_WIDTH
        self._view = view
        self._width = -1
        view.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and obj is self._view.viewport():
            width = self._view.viewport().width()
            if width != self._width:
                self._width = width
                fit_columns(self._view, self.max_width)
        return False

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> bool:
        if event is None or event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        if index.data(Qt.ItemDataRole.ToolTipRole):
            return super().helpEvent(event, view, option, index)
        text = str(index.data() or "")
        if text and is_elided(view, index):
            QToolTip.showText(event.globalPos(), text, view)
            return True
        QToolTip.hideText()
        return False


def is_elided(view: QAbstractItemView, index: QModelIndex | QPersistentModelIndex) -> bool:
    """Whether the cell's text is wider than the room its column gives it."""
    text = str(index.data() or "")
    room = view.visualRect(index).width() - PADDING
    return bool(text) and view.fontMetrics().horizontalAdvance(text) > room


def install(view: QTableView) -> ElidedTooltipDelegate:
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)  # a narrow header: "Val…"
    delegate = ElidedTooltipDelegate(view)
    view.setItemDelegate(delegate)
    return delegate
