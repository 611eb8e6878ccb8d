"""A read-only table model over a tuple of frozen rows, with columns declared once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """A column: header (already translated), how to get its text, optional sort key and tooltip."""

    header: str
    text: Callable[[Any], str]
    sort_key: Callable[[Any], Any] | None = None
    tooltip: Callable[[Any], str] | None = None
    align_right: bool = False


_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
_USER = Qt.ItemDataRole.UserRole.value
_HORIZONTAL = Qt.Orientation.Horizontal
_RIGHT_INT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class RowTableModel(QAbstractTableModel):
    """Holds rows (any objects) and builds cell texts on demand. Sortable by any column.

    A row's texts are built once, the first time the row is shown, and kept until the rows
    change: a view asks for every visible cell, and for several roles of each, on every paint.
    """

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._texts: list[tuple[str, ...] | None] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows. Announced as rows removed and inserted rather than a reset: a
        reset makes the views' headers measure every column title again."""
        new = list(rows)
        if self._rows:
            self.beginRemoveRows(QModelIndex(), 0, len(self._rows) - 1)
            self._rows, self._texts = [], []
            self.endRemoveRows()
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self._rows, self._texts = new, [None] * len(new)
            self.endInsertRows()

    def _row_texts(self, r: int) -> tuple[str, ...]:
        texts = self._texts[r]
        if texts is None:
            row = self._rows[r]
            texts = self._texts[r] = tuple(col.text(row) for col in self._columns)
        return texts

    def row(self, index: int) -> Any:
        return self._rows[index]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every visible cell and role on every paint: keep the common path short.
        r = index.row()
        if not 0 <= r < len(self._rows):
            return None
        if role == _DISPLAY:
            texts = self._texts[r]
            if texts is None:
                texts = self._row_texts(r)
            return texts[index.column()]
        if role == _ALIGN:
            return _RIGHT_INT if self._columns[index.column()].align_right else None
        if role == _TOOLTIP:
            col = self._columns[index.column()]
            return col.tooltip(self._rows[r]) if col.tooltip is not None else None
        if role == _USER:
            return self._rows[r]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role in (_DISPLAY, _TOOLTIP) and orientation == _HORIZONTAL:  # the tooltip: an elided header whole
            if 0 <= section < len(self._columns):
                return self._columns[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self._columns)):
            return
        col = self._columns[column]
        key = col.sort_key or col.text
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=lambda r: (key(r) is None, key(r)), reverse=order == Qt.SortOrder.DescendingOrder)
        self._texts = [None] * len(self._rows)
        self.layoutChanged.emit()


class StoredRowModel(QStandardItemModel):
    """A read-only table of rows with the same columns as :class:`RowTableModel`, whose cell
    texts are stored in Qt's own item model: a view paints them without calling Python for
    every cell and role (seven calls a cell, most of the cost of painting a small table).
    So it overrides no virtual method of the model (an override would bring those calls back).

    Filling costs one item a cell, so it suits small tables shown whole, painted on the clock
    (the screen pop's). Rows past the first ``first_rows`` get their items in idle time:
    a long history fills what is on screen first. No sorting.
    """

    def __init__(self, columns: Sequence[Column], parent: Any = None, first_rows: int = 24) -> None:
        super().__init__(0, len(columns), parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._filled = 0
        self._first_rows = first_rows
        self._fill_pending = False
        self.setHorizontalHeaderLabels([c.header for c in self._columns])

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace the rows (removed and inserted, as :meth:`RowTableModel.set_rows`)."""
        self._rows = list(rows)
        if self.rowCount():
            self.removeRows(0, self.rowCount())
        self._filled = 0
        self._append(min(len(self._rows), self._first_rows))
        if self._filled < len(self._rows):
            # the rest as empty rows now (the view's scroll bar is right), their texts when idle
            self.setRowCount(len(self._rows))
            if not self._fill_pending:
                self._fill_pending = True
                QTimer.singleShot(0, self, self._fill_rest)

    def _items(self, row: Any) -> list[QStandardItem]:
        items = []
        for col in self._columns:
            item = QStandardItem(col.text(row))
            if col.align_right:
                item.setTextAlignment(_RIGHT)
            if col.tooltip is not None:
                tip = col.tooltip(row)
                if tip:
                    item.setToolTip(tip)
            items.append(item)
        return items

    def _append(self, n: int) -> None:
        for row in self._rows[self._filled:self._filled + n]:
            self.appendRow(self._items(row))
        self._filled += n

    def _fill_rest(self) -> None:
        self._fill_pending = False
        for r in range(self._filled, len(self._rows)):
            for c, item in enumerate(self._items(self._rows[r])):
                self.setItem(r, c, item)
        self._filled = len(self._rows)

    def row(self, index: int) -> Any:
        return self._rows[index]

    def rows(self) -> list[Any]:
        return list(self._rows)
