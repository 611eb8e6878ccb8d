"""The one table reader (issue #14, point 4): the importer and model evaluation read files
through workbench.core.tables, with the same encodings, delimiters and errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from server_stub import evaluation, importer
from workbench.core import tables


@pytest.mark.parametrize(("sep", "encoding"), [(",", "utf-8-sig"), ("\t", "gb18030"), (";", "utf-8"), ("|", "utf-8")])
def test_both_callers_read_the_same_file_the_same_way(tmp_path: Path, sep: str, encoding: str) -> None:
    path = tmp_path / "t.csv"
    rows = (["id", "姓名", "score"], ["C1", "张三", "0.5"], ["C2", "", "7"])
    path.write_bytes("".join(sep.join(r) + "\n" for r in rows).encode(encoding))
    raw, used = importer.read_table(path)
    assert used == encoding
    assert raw.to_dict("list") == {"id": ["C1", "C2"], "姓名": ["张三", ""], "score": ["0.5", "7"]}
    typed = evaluation.read_table(path)
    assert list(typed.columns) == ["id", "姓名", "score"]
    assert typed["score"].tolist() == [0.5, 7.0] and pd.isna(typed["姓名"].iloc[1])
    table = tables.read_table(path)
    assert (table.encoding, table.delimiter) == (encoding, sep)


def test_the_same_errors_reach_each_caller_as_its_own_kind(tmp_path: Path) -> None:
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("id,name\nC1,x\n".encode("utf-16"))
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"  \n")
    old = tmp_path / "o.xls"
    old.write_bytes(b"x")
    for path, words in ((utf16, "UTF-16"), (empty, "empty"), (old, ".xls"), (tmp_path / "none.csv", "no such file")):
        with pytest.raises(tables.TableFileError, match=words):
            tables.read_table(path)
        with pytest.raises(importer.ImportFileError, match=words):
            importer.read_table(path)
        with pytest.raises(evaluation.EvaluationError, match=words):
            evaluation.read_table(path)


def test_excel_and_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["C1", "C2"], "n": [1, 2]})
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    for name in ("t.xlsx", "t.parquet"):
        assert importer.read_table(tmp_path / name)[0].to_dict("list") == frame.to_dict("list")
        assert evaluation.read_table(tmp_path / name)["n"].tolist() == [1, 2]
