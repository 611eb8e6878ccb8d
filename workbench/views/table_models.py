"""A read-only, sortable table model over a pandas DataFrame, with formatted numbers.

Columns are declared once as :class:`ColumnSpec` (key, English source title, kind). Titles
are translated when the header is drawn (``QCoreApplication.translate`` in the model's
context, so a language change only needs a ``headerDataChanged``); the Chinese comes from
the translation files. Cells are formatted on demand from per-column numpy arrays, so a
table of any length costs only what is visible. Missing values and divisions by zero show
as "—".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from workbench.views.numbers import number_locale

Index = QModelIndex | QPersistentModelIndex
Kind = Literal["text", "int", "float", "percent", "money", "duration", "ratio", "date", "change"]

#: Shown for missing values and undefined ratios.
DASH = "—"

#: Role carrying the raw (unformatted) value of a cell.
RAW_ROLE = int(Qt.ItemDataRole.UserRole)


@dataclass(frozen=True)
class ColumnSpec:
    """One column: frame key, English source title (translated in ``context``), kind.

    ``label`` maps a raw code to display text (e.g. a channel code to its translated name).
    """

    key: str
    title: str
    kind: Kind = "text"
    label: Callable[[Any], str] | None = None
    tooltip: str = ""


def format_value(value: Any, kind: Kind) -> str:
    """Display text of ``value`` as ``kind``; missing / NaN / infinite → "—"."""
    if value is None or value is pd.NaT:
        return DASH
    if isinstance(value, float | np.floating):
        if math.isnan(value) or math.isinf(value):
            return DASH
    if kind == "text":
        return str(value)
    if kind == "date":
        try:
            return pd.Timestamp(value).strftime("%Y-%m-%d")
        except (ValueError, TypeError):
            return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    loc = number_locale()
    if kind == "int":
        return loc.toString(x, "f", 0)
    if kind == "float":
        return loc.toString(x, "f", 2)
    if kind == "ratio":
        return loc.toString(x, "f", 2)
    if kind == "percent":
        return loc.toString(x * 100, "f", 1) + loc.percent()
    if kind == "change":
        return ("+" if x >= 0 else "") + loc.toString(x * 100, "f", 1) + loc.percent()
    if kind == "money":
        return "¥" + loc.toString(x, "f", 2)
    if kind == "duration":
        total = int(round(x))
        h, rest = divmod(total, 3600)
        m, s = divmod(rest, 60)
        return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    return str(value)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class DataFrameTableModel(QAbstractTableModel):
    """Read-only table over a DataFrame: formatted display, raw values, sorting.

    ``DisplayRole`` gives formatted text, :data:`RAW_ROLE` the raw value (None for missing),
    ``TextAlignmentRole`` right-aligns numbers. ``sort`` orders rows by the raw values with
    missing values last in both directions; the frame itself is never modified.
    """

    def __init__(
        self,
        columns: Sequence[ColumnSpec] = (),
        parent: Any = None,
        *,
        context: str = "DashboardColumns",
    ) -> None:
        super().__init__(parent)
        self._columns: list[ColumnSpec] = list(columns)
        self._context = context
        self._frame = pd.DataFrame()
        self._arrays: list[np.ndarray] = []
        self._order = np.zeros(0, dtype="int64")
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -------------------------------------------------------------- content

    def set_frame(self, frame: pd.DataFrame, columns: Sequence[ColumnSpec] | None = None) -> None:
        """Show ``frame`` (columns missing from it show "—"); keeps the current sort."""
        self.beginResetModel()
        if columns is not None:
            self._columns = list(columns)
        self._frame = frame.reset_index(drop=True)
        n = len(self._frame)
        self._arrays = [
            self._frame[c.key].to_numpy(dtype=object) if c.key in self._frame else np.full(n, None, dtype=object)
            for c in self._columns
        ]
        self._order = np.arange(n, dtype="int64")
        if self._sort is not None and self._sort[0] < len(self._columns):
            self._order = self._sorted_order(*self._sort)
        self.endResetModel()

    def frame(self) -> pd.DataFrame:
        """The shown rows in the shown order (all columns of the frame given)."""
        return self._frame.iloc[self._order].reset_index(drop=True)

    def columns(self) -> list[ColumnSpec]:
        return list(self._columns)

    def display_frame(self) -> pd.DataFrame:
        """The shown rows and columns with code labels applied and translated headers.

        Numbers stay numbers (exports keep them computable); codes become their labels.
        """
        out = {}
        for col, arr in zip(self._columns, self._arrays, strict=True):
            values = arr[self._order]
            if col.label is not None:
                values = np.array([DASH if _is_missing(v) else col.label(v) for v in values], dtype=object)
            out[self._title(col)] = values
        return pd.DataFrame(out)

    def _title(self, col: ColumnSpec) -> str:
        return QCoreApplication.translate(self._context, col.title)

    # ------------------------------------------------------- model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._order) and 0 <= c < len(self._columns)):
            return None
        col = self._columns[c]
        value = self._arrays[c][self._order[r]]
        if role == Qt.ItemDataRole.DisplayRole:
            if _is_missing(value):
                return DASH
            if col.label is not None:
                return col.label(value)
            return format_value(value, col.kind)
        if role == RAW_ROLE:
            return None if _is_missing(value) else _plain(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col.kind == "text" or col.kind == "date":
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip:
            return QCoreApplication.translate(self._context, col.tooltip)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
                return self._title(self._columns[section])
            if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._order):
                return str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns) and self._columns[section].tooltip:
                return QCoreApplication.translate(self._context, self._columns[section].tooltip)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order rows by ``column``'s raw values; missing values always last."""
        if not (0 <= column < len(self._columns)):
            return
        self._sort = (column, order)
        if column >= len(self._arrays) or len(self._order) == 0:
            return
        new_order = self._sorted_order(column, order)
        old_order = self._order
        self.layoutAboutToBeChanged.emit()
        # Persistent indexes follow their rows.
        position = {int(src): i for i, src in enumerate(new_order)}
        old = self.persistentIndexList()
        new = [
            self.index(position[int(old_order[i.row()])], i.column()) if 0 <= i.row() < len(old_order) else QModelIndex()
            for i in old
        ]
        self._order = new_order
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> np.ndarray:
        arr = self._arrays[column]
        n = len(arr)
        missing = np.array([_is_missing(v) for v in arr], dtype=bool)
        present = np.flatnonzero(~missing)
        keys = arr[present]
        kind = self._columns[column].kind
        try:
            if kind == "text" and self._columns[column].label is not None:
                keys = np.array([self._columns[column].label(v) for v in keys], dtype=object)
            if kind not in ("text", "date"):
                keys = keys.astype("float64")
            idx = np.argsort(keys, kind="stable")
        except (TypeError, ValueError):
            idx = np.argsort(np.array([str(k) for k in keys], dtype=object), kind="stable")
        ordered = present[idx]
        if order == Qt.SortOrder.DescendingOrder:
            # Reverse while keeping ties in their original order (stable descending).
            ordered = present[_stable_desc(keys, idx)]
        return np.concatenate([ordered, np.flatnonzero(missing)]).astype("int64") if n else ordered


def _stable_desc(keys: np.ndarray, asc_idx: np.ndarray) -> np.ndarray:
    """Indices sorting ``keys`` descending, ties kept in original order."""
    sorted_keys = keys[asc_idx]
    out: list[np.ndarray] = []
    i = len(asc_idx)
    while i > 0:
        j = i - 1
        while j > 0 and sorted_keys[j - 1] == sorted_keys[i - 1]:
            j -= 1
        out.append(asc_idx[j:i])
        i = j
    return np.concatenate(out) if out else asc_idx


def _plain(value: Any) -> Any:
    """numpy scalars as Python scalars (Qt variants understand those)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value
