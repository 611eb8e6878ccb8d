"""A read-only table model over a tuple of frozen rows, with columns declared once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

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

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.beginResetModel()
        self._columns = list(columns)
        self._texts = [None] * len(self._rows)
        self.endResetModel()

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
        if role == _DISPLAY and orientation == _HORIZONTAL:
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
