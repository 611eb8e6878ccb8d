"""The read-only row model behind the pop's tables and the work list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from workbench.views.row_table import Column, RowTableModel


def _model() -> RowTableModel:
    return RowTableModel([
        Column("Name", lambda r: r["name"], tooltip=lambda r: "about " + r["name"]),
        Column("Age", lambda r: str(r["age"]), sort_key=lambda r: r["age"], align_right=True),
    ])


def test_row_model_passes_modeltester(qtmodeltester: Any) -> None:
    model = _model()
    model.set_rows([{"name": "王伟", "age": 31}, {"name": "李敏", "age": 9}])
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_texts_roles_and_sorting() -> None:
    model = _model()
    model.set_rows([{"name": "b", "age": 31}, {"name": "a", "age": 9}])
    cell = model.index(0, 1)
    assert model.data(cell) == "31"
    assert model.data(cell, Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "about b"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.UserRole) == {"name": "b", "age": 31}
    model.sort(1)  # by age: the texts follow their rows
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["a", "b"]
    assert model.data(model.index(0, 1)) == "9"
    model.set_rows([{"name": "c", "age": 1}])  # new rows, new texts
    assert model.data(model.index(0, 0)) == "c"
    assert model.data(model.index(5, 0)) is None


def test_stored_model_holds_the_same_texts_and_fills_long_tables_when_idle(qtbot: Any, qtmodeltester: Any) -> None:
    from workbench.views.row_table import StoredRowModel

    columns = _model()._columns
    model = StoredRowModel(columns, first_rows=3)
    rows = [{"name": f"n{i}", "age": i} for i in range(10)]
    model.set_rows(rows)
    assert model.rowCount() == 10 and model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Age"
    assert model.data(model.index(0, 1)) == "0"
    assert Qt.AlignmentFlag(model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole)) == (
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(2, 0), Qt.ItemDataRole.ToolTipRole) == "about n2"
    assert model.data(model.index(9, 0)) is None  # past the first rows: filled when idle
    assert model.row(9) == rows[9] and model.rows() == rows
    qtbot.waitUntil(lambda: model.data(model.index(9, 0)) == "n9")
    assert [model.data(model.index(r, 0)) for r in range(10)] == [f"n{i}" for i in range(10)]
    model.set_rows(rows[:2])  # shorter: the old rows go
    assert model.rowCount() == 2 and model.data(model.index(1, 1)) == "1"
    qtmodeltester.check(model)
    model.set_rows([])
    assert model.rowCount() == 0
