"""import-customers on real central stores: encodings, formats, broken files, rejections,
upserts and the change log."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub import cli
from server_stub.importer import ImportFileError, detect_encoding, import_customers
from server_stub.storage import models as m
from server_stub.storage.db import open_central

HEADER = "id,name,phone,plan_fee,tenure_months,province,city,tags,birth_year,do_not_call,team_id\n"
GOOD = [
    "C001,张三,+86 138-0013-8000,96,24,广东,广州,price_sensitive|family,1980,0,T01",
    "C002,李四,13900139000,126,6,广西,南宁,,1990,1,",
    "C003,王五,0086 13700137000,56,120,广东,深圳,old_sim;vip,,否,T01",
]


@pytest.fixture
def store(central_url: str) -> Iterator[Engine]:
    engine = open_central(central_url, migrate=False)
    with Session(engine) as s, s.begin():
        s.add(m.Team(id="T01", name="一组"))
        s.add(m.Store(id="S001", name="天河厅", province="广东", city="广州"))
    yield engine
    engine.dispose()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def customers(engine: Engine) -> dict[str, m.Customer]:
    with Session(engine) as s:
        return {c.id: c for c in s.scalars(select(m.Customer))}


def log_count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(m.ChangeLog)) or 0


def test_a_good_utf8_file(store: Engine, tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    path = write(tmp_path, "good.csv", HEADER + "\n".join(GOOD) + "\n")
    report = import_customers(store, path, batch=2, progress=lambda d, t: progress.append((d, t)))
    assert (report.rows, report.valid, report.inserted, report.rejected) == (3, 3, 3, 0)
    assert report.encoding == "utf-8" and progress == [(2, 3), (3, 3)]
    got = customers(store)
    c1 = got["C001"]
    assert c1.phone == "13800138000" and c1.plan_fee == 96 and c1.tags == ["price_sensitive", "family"]
    assert c1.team_id == "T01" and c1.birth_year == 1980 and c1.do_not_call is False
    assert c1.timezone == "Asia/Shanghai" and c1.lifecycle_stage == "maturity"  # defaults
    assert got["C002"].do_not_call is True and got["C002"].tags == [] and got["C002"].team_id is None
    assert got["C003"].phone == "13700137000" and got["C003"].tags == ["old_sim", "vip"]
    assert got["C003"].birth_year is None
    with Session(store) as s:
        entries = s.scalars(select(m.ChangeLog).order_by(m.ChangeLog.cursor)).all()
    assert [(e.entity, e.entity_id, e.team_id) for e in entries] == [
        ("customer", "C001", "T01"), ("customer", "C002", None), ("customer", "C003", "T01")]
    assert entries[0].data["tags"] == ["price_sensitive", "family"] and entries[0].data["name"] == "张三"
    assert "updated_at" in entries[0].data and "scores" in entries[0].data


def test_gbk_csv_from_excel_with_chinese_headers(store: Engine, tmp_path: Path) -> None:
    text = ("客户编号,姓名,手机号,套餐月费,在网时长(月),省份,城市,标签,生命周期,价值层级,性别,免打扰\r\n"
            "C100,赵六,13800138001,96,36,广东,佛山,家庭、价格敏感,成熟期,高价值,男,是\r\n")
    path = write(tmp_path, "gbk.csv", text, "gbk")
    assert detect_encoding(path.read_bytes()) == "gb18030"
    report = import_customers(store, path)
    assert report.inserted == 1 and report.encoding == "gb18030"
    c = customers(store)["C100"]
    assert c.name == "赵六" and c.city == "佛山" and c.tags == ["家庭", "价格敏感"]
    assert c.lifecycle_stage == "maturity" and c.value_tier == "high" and c.gender == "M"
    assert c.do_not_call is True and c.tenure_months == 36


def test_utf8_with_bom_and_tabs(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeffid\tname\tphone\nC200\t孙七\t13800138002\n")
    report = import_customers(store, path)
    assert report.encoding == "utf-8-sig" and report.inserted == 1
    assert customers(store)["C200"].name == "孙七"


@pytest.mark.parametrize(("content", "words"), [
    ("id,name,phone\nC1,Caf\xe9 \xe9l\xe8ve,13800138000\n".encode("latin-1"), "neither UTF-8 nor GBK"),
    ("id,name,phone\nC1,张三,13800138000\n".encode("utf-16"), "UTF-16"),
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"id,name,phone\n", "no data rows"),
    ("客户编号,姓名,套餐月费\nC1,张三,96\n".encode(), "missing required column(s): phone"),
    (b"name;phone\nx;1\n", "missing required column(s): id"),
])
def test_broken_files_change_nothing(store: Engine, tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        import_customers(store, path)
    assert customers(store) == {} and log_count(store) == 0


def test_wrong_encoding_given_explicitly(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "gbk.csv", "id,name,phone\nC1,张三,13800138000\n", "gbk")
    with pytest.raises(ImportFileError, match="not utf-8"):
        import_customers(store, path, encoding="utf-8")
    assert customers(store) == {}


def test_rejected_rows_and_reasons(store: Engine, tmp_path: Path) -> None:
    rows = [
        *GOOD,
        "C001,张三,+86 138-0013-8000,96,24,广东,广州,price_sensitive|family,1980,0,T01",  # same row again
        "C002,李四改,13900139000,126,6,广西,南宁,,1990,1,",                            # same id, other name
        "C010,坏号码,12345,96,1,广东,广州,,1985,0,T01",
        "C011,套餐,13800138011,97,1,广东,广州,,1985,0,T01",
        "C012,类型,13800138012,96,-3,广东,广州,,abc,maybe,T01",
        "C013,团队,13800138013,96,1,广东,广州,,1985,0,T99",
        ",无编号,13800138014,96,1,广东,广州,,1985,0,T01",
    ]
    path = write(tmp_path, "mixed.csv", HEADER + "\n".join(rows) + "\n")
    rejects = tmp_path / "rejects.csv"
    report = import_customers(store, path, rejects_path=rejects)
    assert (report.rows, report.valid, report.inserted, report.rejected) == (10, 3, 3, 7)
    why = {line: reason for line, _cid, reason in report.rejects}
    assert why[5] == "duplicate row (same as line 2)"
    assert why[6] == "duplicate id (same as line 3)"
    assert why[7] == "bad phone: '12345'"
    assert why[8] == "unknown plan: monthly fee 97"
    assert "bad tenure_months: -3 is out of range" in why[9]
    assert "bad birth_year: 'abc' is not a number" in why[9] and "bad do_not_call: 'maybe'" in why[9]
    assert why[10] == "unknown team 'T99'"
    assert why[11] == "missing id"
    assert report.reasons == {"duplicate": 2, "bad phone": 1, "unknown plan": 1, "bad value": 1,
                              "unknown team": 1, "missing value": 1}
    assert set(customers(store)) == {"C001", "C002", "C003"}
    assert customers(store)["C002"].name == "李四"  # the first occurrence wins
    with rejects.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][:3] == ["line", "reasons", "id"]
    assert [r[0] for r in table[1:]] == ["5", "6", "7", "8", "9", "10", "11"]
    assert table[3][1] == "bad phone: '12345'" and table[3][2] == "C010"
    assert any("line 7: C010: bad phone" in line for line in report.lines())


def test_upsert_updates_only_what_changed(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER + "\n".join(GOOD) + "\n")
    import_customers(store, path)
    # a desktop set an editable field meanwhile; the file has no column for it
    with Session(store) as s, s.begin():
        s.get(m.Customer, "C001").note = "prefers evenings"  # type: ignore[union-attr]
    before = log_count(store)
    again = import_customers(store, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert log_count(store) == before
    changed = GOOD[0].replace(",96,24,", ",126,25,")
    path2 = write(tmp_path, "b.csv", HEADER + "\n".join([changed, *GOOD[1:]]) + "\n")
    report = import_customers(store, path2)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    c = customers(store)["C001"]
    assert c.plan_fee == 126 and c.tenure_months == 25 and c.note == "prefers evenings"
    with Session(store) as s:
        last = s.scalars(select(m.ChangeLog).order_by(m.ChangeLog.cursor.desc())).first()
    assert last is not None and last.entity_id == "C001" and last.data["plan_fee"] == 126
    assert last.data["note"] == "prefers evenings" and last.team_id == "T01"


def test_xlsx(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    pd.DataFrame({
        "客户编号": ["C300", "C301"], "姓名": ["周八", "吴九"], "手机号": [13800138300, 12],
        "套餐月费": [96, 126], "标签": ["vip|family", None], "出生年份": [1975.0, None],
    }).to_excel(path, index=False)
    report = import_customers(store, path)
    assert (report.inserted, report.rejected) == (1, 1)
    assert report.rejects[0][:2] == (3, "C301") and "bad phone" in report.rejects[0][2]
    c = customers(store)["C300"]
    assert c.phone == "13800138300" and c.tags == ["vip", "family"] and c.birth_year == 1975


def test_broken_xlsx(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "book.xlsx", "not really a workbook")
    with pytest.raises(ImportFileError, match="Excel"):
        import_customers(store, path)


def test_parquet(store: Engine, tmp_path: Path) -> None:
    path = tmp_path / "portraits.parquet"
    pd.DataFrame({
        "id": ["C400", "C401", "C400"], "name": ["郑十", "钱一", "郑十"],
        "phone": ["13800138400", "13800138401", "13800138400"],
        "plan_fee": [96, 126, 96], "tags": [["a", "b"], [], ["a", "b"]],
        "arpu": [88.5, None, 88.5], "do_not_sms": [True, False, True], "store_id": ["S001", None, "S001"],
    }).to_parquet(path)
    report = import_customers(store, path)
    assert (report.inserted, report.rejected) == (2, 1)
    assert report.rejects[0][2].startswith("duplicate row")
    c = customers(store)["C400"]
    assert c.tags == ["a", "b"] and c.arpu == 88.5 and c.do_not_sms is True and c.store_id == "S001"


def test_dry_run_writes_nothing(store: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "good.csv", HEADER + "\n".join(GOOD) + "\n")
    report = import_customers(store, path, dry_run=True)
    assert report.valid == 3 and report.inserted == 0 and customers(store) == {}


def test_cli(store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = store.url.render_as_string(hide_password=False)
    good = write(tmp_path, "good.csv", HEADER + "\n".join([*GOOD, "C9,x,1,96,1,a,b,,,0,"]) + "\n")
    rejects = tmp_path / "rej.csv"
    assert cli.main(["import-customers", str(good), "--db", url, "--rejects", str(rejects)]) == 0
    out = capsys.readouterr()
    assert "inserted: 3" in out.out and "rejected: 1" in out.out and "100%" in out.err
    assert "validating 4 rows" in out.err
    assert rejects.exists()
    bad = write(tmp_path, "bad.csv", "name,phone\nx,1\n")
    assert cli.main(["import-customers", str(bad), "--db", url]) == 1
    err = capsys.readouterr().err
    assert "missing required column(s): id" in err and "nothing was imported" in err
    assert cli.main(["import-customers", str(good), "--db", url, "--plans", "58,126"]) == 0
    assert "unknown plan 2" in capsys.readouterr().out
