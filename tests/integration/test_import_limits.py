"""import-customers refuses non-finite and out-of-range numbers, over-long tags and NUL characters
row by row, with a reason naming the column, and stores nothing of those rows (issue #13, point 1).

Before, ``plan_fee = inf`` crashed the whole import (OverflowError) and ``arpu = 1e400`` was
stored as infinity, which no JSON encoder can send to a desktop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub.importer import import_customers
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from workbench.core import limits

HEADER = "id,name,phone,plan_fee,tenure_months,arpu,data_usage_gb,tags,note\n"
GOOD = "C000,好人,13800138000,96,24,88.5,10,vip,ok"
BAD = {
    "C001": ("13800138001,inf,24,1,1,vip,x", "plan_fee: inf is not a finite number"),
    "C002": ("13800138002,96,24,1e400,1,vip,x", "arpu: inf is not a finite number"),
    "C003": ("13800138003,96,24,-Infinity,1,vip,x", "arpu: -inf is not a finite number"),
    "C004": ("13800138004,96,1e400,1,1,vip,x", "tenure_months: inf is not a finite number"),
    "C005": ("13800138005,96,24,1,1e12,vip,x", "data_usage_gb: 1e+12 is out of range"),
    "C006": ("13800138006,96,24,2e6,1,vip,x", "arpu: 2e+06 is out of range"),
    "C007": ("13800138007,96,99999,1,1,vip,x", "tenure_months: 99999 is out of range"),
    "C008": ("13800138008,96,24,1,1," + "t" * (limits.MAX_TAG_LENGTH + 1) + ",x",
             f"tags: a tag longer than {limits.MAX_TAG_LENGTH}"),
    "C009": ("13800138009,96,24,1,1," + "|".join(f"t{i}" for i in range(limits.MAX_TAGS + 1)) + ",x",
             f"tags: more than {limits.MAX_TAGS} tags"),
    "C010": ("13800138010,96,24,1,1,vip," + "n" * (limits.MAX_NOTE + 1),
             f"note longer than {limits.MAX_NOTE}"),
}


@pytest.fixture
def store(central_url: str) -> Iterator[Engine]:
    engine = open_central(central_url, migrate=False)
    yield engine
    engine.dispose()


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (s.scalar(select(func.count()).select_from(m.Customer)) or 0,
                s.scalar(select(func.count()).select_from(m.ChangeLog)) or 0)


def test_bad_numbers_and_texts_are_rejected_by_row_with_the_column(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    lines = [GOOD] + [f"{cid},客户,{rest}" for cid, (rest, _why) in BAD.items()]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    report = import_customers(store, path, plans=[96])
    assert (report.valid, report.rejected, report.inserted) == (1, len(BAD), 1)
    why = {cid: reason for _line, cid, reason in report.rejects}
    for cid, (_rest, expected) in BAD.items():
        assert expected in why[cid], (cid, why[cid])
    assert counts(store) == (1, 1)  # the good row and its change, nothing of the bad ones


def test_nul_characters_and_non_finite_parquet_cells(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    pd.DataFrame({
        "id": ["P1", "P2", "P3", "P4"],
        "name": ["a\x00b", "ok", "ok", "ok"],
        "phone": ["13800138001", "13800138002", "13800138003", "13800138004"],
        "arpu": [1.0, float("nan"), float("inf"), 2.0],
        "tags": [["vip"], ["x\x00"], ["vip"], ["vip"]],
    }).to_parquet(path)
    report = import_customers(store, path, plans=[96])
    why = {cid: reason for _line, cid, reason in report.rejects}
    assert "name: contains a NUL character" in why["P1"]
    assert "tags: contains a NUL character" in why["P2"]
    assert "arpu: inf is not a finite number" in why["P3"]
    assert report.inserted == 1 and counts(store) == (1, 1)
