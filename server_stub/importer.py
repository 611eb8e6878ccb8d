"""``workbench-server import-customers FILE``: upsert portraits and tags from the data platform.

Accepted files: CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030 as Excel writes it on Chinese
Windows — detected), Excel ``.xlsx`` (first sheet) and Parquet. Headers may be the portrait's
column names (``CustomerCols``) or their usual Chinese labels (手机号, 套餐月费, 标签...).

The whole file is read and validated before anything is written:

- the file as a whole fails — and nothing changes — when it cannot be decoded or parsed,
  is empty, or lacks a required column (``id``, ``name``, ``phone``);
- otherwise each row is checked (phone via :func:`workbench.core.phone.normalize_phone`,
  plan fee against the plan catalogue, numbers, years, flags, codes, known teams and stores,
  duplicate rows and ids) and bad rows are rejected with their reasons, reported in the
  summary and optionally written to a rejects CSV.

Valid rows are upserted in batches (new customers inserted with defaults for the columns
the file lacks; existing ones updated on the file's columns only; rows identical to the
stored portrait are left alone) and every insert or update is appended to the change log
with the customer's team and store tags, so desktops receive it. Each batch commits on its
own: re-running the same file is harmless (it only finds unchanged rows).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub.bulk import LogEntry, RawWriter, wire_json
from server_stub.storage import models as m
from workbench.core import limits, tables
from workbench.core.codes import Channel, Lifecycle, ValueTier
from workbench.core.entities import EDITABLE_FIELDS, PLATFORM_FIELDS, utcnow
from workbench.core.phone import InvalidPhoneError, is_mobile, normalize_phone

REQUIRED = ("id", "name", "phone")
#: Line (CSV) or row (Excel) number of the first data row: the header is line 1.
FIRST_LINE = 2
BATCH = 20_000
#: separators accepted inside the tags column
TAG_SEPARATORS = r"[|;,，；、]"

#: progress(rows done, rows total)
Progress = Callable[[int, int], None]

#: Chinese (and other common) headers -> portrait columns.
ALIASES: dict[str, str] = {
    "客户编号": "id", "客户id": "id", "客户号": "id", "customer_id": "id",
    "姓名": "name", "客户姓名": "name",
    "手机号": "phone", "手机号码": "phone", "电话": "phone", "联系电话": "phone", "mobile": "phone",
    "备用号码": "phone2", "备用电话": "phone2",
    "会员号": "member_no", "证件号": "id_number_masked", "证件号码": "id_number_masked",
    "证件后六位": "id_suffix", "性别": "gender", "出生年份": "birth_year",
    "省份": "province", "省": "province", "region": "province", "地区": "province",
    "城市": "city", "地市": "city", "时区": "timezone", "职业": "job_type",
    "套餐": "plan_name", "套餐名称": "plan_name", "套餐月费": "plan_fee", "月费": "plan_fee",
    "在网时长": "tenure_months", "在网月数": "tenure_months", "在网时长(月)": "tenure_months",
    "终端": "device", "终端型号": "device", "网络": "network", "网络制式": "network",
    "月流量": "data_usage_gb", "月流量(gb)": "data_usage_gb", "流量": "data_usage_gb",
    "标签": "tags", "生命周期": "lifecycle_stage", "价值层级": "value_tier",
    "价值分层": "value_tier", "偏好渠道": "preferred_channel", "免打扰": "do_not_call",
    "拒绝外呼": "do_not_call", "拒收短信": "do_not_sms", "投诉中": "open_complaint",
    "线索": "is_lead", "团队": "team_id", "营业厅": "store_id", "线索等级": "lead_tier",
    "备注": "note",
}
_LIFECYCLE_ZH = {"获取期": "acquisition", "提升期": "growth", "成熟期": "maturity",
                 "衰退期": "decline", "流失期": "churned"}
_TIER_ZH = {"高价值": "high", "潜力": "potential", "潜在": "potential", "普通": "ordinary",
            "低价值": "low"}
_CHANNEL_ZH = {"外呼": "outbound", "热线": "hotline", "营业厅": "store", "短信": "sms",
               "线上": "online"}
_TRUE = {"1", "true", "yes", "y", "t", "是", "对", "√"}
_FALSE = {"0", "false", "no", "n", "f", "否", "", "×"}
_GENDER = {"m": "M", "male": "M", "男": "M", "f": "F", "female": "F", "女": "F", "": ""}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; nothing was changed. Safe to show."""


@dataclass
class ImportReport:
    """What an import did (or would do)."""

    file: str
    rows: int = 0
    valid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: (line, id, reasons) of each rejected row
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    seconds: float = 0.0

    def lines(self, max_rejects: int = 20) -> list[str]:
        out = [
            f"file: {self.file}" + (f" ({self.encoding})" if self.encoding else ""),
            f"rows: {self.rows:,}, valid: {self.valid:,}, rejected: {self.rejected:,}",
            f"inserted: {self.inserted:,}, updated: {self.updated:,}, unchanged: {self.unchanged:,}",
        ]
        if self.ignored_columns:
            out.append(f"ignored columns: {', '.join(self.ignored_columns)}")
        if self.reasons:
            out.append("rejections: " + ", ".join(f"{k} {v:,}" for k, v in self.reasons.most_common()))
        for line, cid, why in self.rejects[:max_rejects]:
            out.append(f"  line {line}: {cid or '(no id)'}: {why}")
        if len(self.rejects) > max_rejects:
            out.append(f"  ... {len(self.rejects) - max_rejects:,} more (use --rejects FILE)")
        out.append(f"time: {self.seconds:.1f} s")
        return out


# ---------------------------------------------------------------- reading


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030``: :func:`workbench.core.tables.detect_encoding`.

    Raises:
        ImportFileError: for UTF-16 files and bytes that are neither UTF-8 nor GB18030.
    """
    try:
        return tables.detect_encoding(data)
    except tables.TableFileError as exc:
        raise ImportFileError(str(exc)) from None


def read_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The file as a frame of raw cell values (object dtype) and the text encoding used: the
    one table reader, :func:`workbench.core.tables.read_table`."""
    try:
        table = tables.read_table(path, encoding=encoding, raw=True)
    except tables.TableFileError as exc:
        raise ImportFileError(str(exc)) from None
    return table.frame, table.encoding


def _header(name: Any) -> str:
    text = str(name).strip().lstrip("\ufeff").strip()
    low = text.lower().replace(" ", "_")
    if low in _COLUMNS:
        return low
    return ALIASES.get(low, ALIASES.get(text, low))


# ---------------------------------------------------------------- validation

_COLUMNS: dict[str, tuple[str, Any]] = {
    "id": ("text", 40), "name": ("text", 60), "phone": ("phone", True),
    "phone2": ("phone", False), "member_no": ("opt_text", 30), "id_number_masked": ("text", 24),
    "id_suffix": ("opt_text", 8), "gender": ("gender", None), "birth_year": ("year", None),
    "province": ("text", 20), "city": ("text", 30), "timezone": ("timezone", None),
    "job_type": ("text", 30), "plan_name": ("text", 60), "plan_fee": ("plan_fee", None),
    "tenure_months": ("count", limits.TENURE_MONTHS), "device": ("text", 60),
    "network": ("choice", ("2G", "3G", "4G", "5G")), "arpu": ("amount", limits.ARPU),
    "data_usage_gb": ("amount", limits.DATA_USAGE_GB), "tags": ("tags", None),
    "lifecycle_stage": ("code", ({x.value for x in Lifecycle}, _LIFECYCLE_ZH)),
    "value_tier": ("code", ({x.value for x in ValueTier}, _TIER_ZH)),
    "preferred_channel": ("code", ({x.value for x in Channel}, _CHANNEL_ZH)),
    "do_not_call": ("flag", None), "do_not_sms": ("flag", None),
    "open_complaint": ("flag", None), "is_lead": ("flag", None),
    "team_id": ("ref", "team"), "store_id": ("ref", "store"),
    "lead_tier": ("choice", ("A", "B", "C", "")), "note": ("text", limits.MAX_NOTE),
}
assert set(_COLUMNS) <= (PLATFORM_FIELDS | EDITABLE_FIELDS | {"id", "open_complaint", "is_lead"})


def _customer_number(number: str) -> bool:
    """A mainland mobile, or a landline with its area code (0 + 9 to 11 digits)."""
    return is_mobile(number) or (number.startswith("0") and 10 <= len(number) <= 12)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


def _text(v: Any) -> str:
    if _missing(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _texts(values: Sequence[Any]) -> list[str]:
    """:func:`_text` of many values; plain strings (all of a CSV) take the short way."""
    return [v.strip() if type(v) is str else _text(v) for v in values]


class _Column:
    """Parses one column; records row reasons in ``errors`` (row index -> reasons)."""

    def __init__(self, name: str, errors: dict[int, list[str]], context: _Context) -> None:
        self.name = name
        self.errors = errors
        self.ctx = context

    def bad(self, i: int, reason: str) -> None:
        self.errors.setdefault(i, []).append(reason)

    def parse(self, values: Sequence[Any]) -> list[Any]:
        kind, arg = _COLUMNS[self.name]
        return getattr(self, f"_{kind}")(values, arg)

    def _text(self, values: Sequence[Any], max_len: int | None) -> list[Any]:
        out = _texts(values)
        required = self.name in REQUIRED
        for i, v in enumerate(out):
            if required and not v:
                self.bad(i, f"missing {self.name}")
            elif max_len is not None and len(v) > max_len:
                self.bad(i, f"{self.name} longer than {max_len} characters")
            elif "\x00" in v:  # PostgreSQL cannot store it, and no portrait needs it
                self.bad(i, f"bad {self.name}: contains a NUL character")
        return out

    def _opt_text(self, values: Sequence[Any], max_len: int) -> list[Any]:
        return [v or None for v in self._text(values, max_len)]

    def _phone(self, values: Sequence[Any], required: bool) -> list[Any]:
        out: list[Any] = []
        for i, raw in enumerate(_texts(values)):
            if not raw:
                if required:
                    self.bad(i, f"bad phone: missing {self.name}")
                out.append(None)
                continue
            if len(raw) == 11 and raw.isdigit() and raw.isascii() and is_mobile(raw):
                out.append(raw)  # already canonical: the common case
                continue
            try:
                number = normalize_phone(raw)
            except InvalidPhoneError:
                number = None
            if number is None or not _customer_number(number):
                self.bad(i, f"bad phone: {raw!r}")
            out.append(number)
        return out

    def _numbers(self, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        texts = pd.Series(_texts(values), dtype=object)
        given = (texts != "").to_numpy()
        numbers = pd.to_numeric(texts.where(given, None), errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(given & np.isnan(numbers)).tolist():
            self.bad(i, f"bad {self.name}: {texts.iloc[i]!r} is not a number")
        return numbers, given

    def _ints(self, values: Sequence[Any], lo: float, hi: float) -> list[Any]:
        numbers, given = self._numbers(values)
        ok = given & ~np.isnan(numbers)
        finite = ok & np.isfinite(numbers)
        for i in np.flatnonzero(ok & ~finite).tolist():  # "inf", "1e400": no whole number
            self.bad(i, f"bad {self.name}: {numbers[i]:g} is not a finite number")
        for i in np.flatnonzero(finite & (numbers != np.round(numbers))).tolist():
            self.bad(i, f"bad {self.name}: {numbers[i]:g} is not a whole number")
        for i in np.flatnonzero(finite & ((numbers < lo) | (numbers > hi))).tolist():
            self.bad(i, f"bad {self.name}: {numbers[i]:g} is out of range ({lo:g} to {hi:g})")
        return [int(x) if f else None for x, f in zip(numbers.tolist(), finite.tolist(), strict=True)]

    def _year(self, values: Sequence[Any], _arg: Any) -> list[Any]:
        return self._ints(values, 1900, dt.date.today().year)

    def _count(self, values: Sequence[Any], allowed: limits.Range) -> list[Any]:
        return self._ints(values, allowed.lo, allowed.hi)

    def _plan_fee(self, values: Sequence[Any], _arg: Any) -> list[Any]:
        fees = self._ints(values, limits.PLAN_FEE.lo, limits.PLAN_FEE.hi)
        known = self.ctx.plan_fees
        for i, fee in enumerate(fees):
            if fee is not None and known and fee not in known and i not in self.errors:
                self.bad(i, f"unknown plan: monthly fee {fee}")
        return fees

    def _amount(self, values: Sequence[Any], allowed: limits.Range) -> list[Any]:
        numbers, given = self._numbers(values)
        ok = given & ~np.isnan(numbers)
        finite = ok & np.isfinite(numbers)
        for i in np.flatnonzero(ok & ~finite).tolist():  # "inf", "1e400"
            self.bad(i, f"bad {self.name}: {numbers[i]:g} is not a finite number")
        for i in np.flatnonzero(finite & (numbers < 0)).tolist():
            self.bad(i, f"bad {self.name}: negative")
        for i in np.flatnonzero(finite & (numbers > allowed.hi)).tolist():
            self.bad(i, f"bad {self.name}: {numbers[i]:g} is out of range ({allowed.describe()})")
        return [float(x) if f else None for x, f in zip(numbers.tolist(), finite.tolist(), strict=True)]

    def _gender(self, values: Sequence[Any], _arg: Any) -> list[Any]:
        out = []
        for i, t in enumerate(_texts(values)):
            g = _GENDER.get(t.lower())
            if g is None:
                self.bad(i, f"bad gender: {t!r}")
            out.append(g)
        return out

    def _timezone(self, values: Sequence[Any], _arg: Any) -> list[Any]:
        zones = self.ctx.zones()
        out = []
        for i, z in enumerate(_texts(values)):
            if z and z not in zones:
                self.bad(i, f"unknown time zone {z!r}")
            out.append(z or None)
        return out

    def _choice(self, values: Sequence[Any], choices: Sequence[str]) -> list[Any]:
        out = []
        for i, t in enumerate(_texts(values)):
            c = t.upper()
            if c and c not in choices:
                self.bad(i, f"bad {self.name}: {t!r} (use {', '.join(x for x in choices if x)})")
            out.append(c or None)
        return out

    def _code(self, values: Sequence[Any], arg: tuple[set[str], dict[str, str]]) -> list[Any]:
        codes, zh = arg
        out = []
        for i, t in enumerate(_texts(values)):
            c = zh.get(t, t.lower())
            if t and c not in codes:
                self.bad(i, f"bad {self.name}: {t!r}")
            out.append(c or None)
        return out

    def _flag(self, values: Sequence[Any], _arg: Any) -> list[Any]:
        out: list[Any] = []
        for i, v in enumerate(values):
            if isinstance(v, bool | np.bool_):
                out.append(bool(v))
                continue
            t = _text(v).lower()
            if t in _TRUE:
                out.append(True)
            elif t in _FALSE:
                out.append(False if t else None)
            else:
                self.bad(i, f"bad {self.name}: {_text(v)!r} (use 1/0, 是/否)")
                out.append(None)
        return out

    def _ref(self, values: Sequence[Any], what: str) -> list[Any]:
        known = self.ctx.teams if what == "team" else self.ctx.stores
        out = []
        for i, t in enumerate(_texts(values)):
            if t and t not in known:
                self.bad(i, f"unknown {what} {t!r}")
            out.append(t or None)
        return out

    def _tags(self, values: Sequence[Any], _arg: Any) -> list[Any]:
        out: list[Any] = []
        split = re.compile(TAG_SEPARATORS).split
        for i, v in enumerate(values):
            if isinstance(v, list | tuple | np.ndarray):
                items = [str(x).strip() for x in v]
            else:
                items = [x.strip() for x in split(_text(v))]
            tags = list(dict.fromkeys(x for x in items if x))
            why = limits.tags_reason(self.name, tags)
            if why is None and any("\x00" in t for t in tags):
                why = f"{self.name}: contains a NUL character"
            if why is not None:
                self.bad(i, f"bad {why}")
            out.append(tags)
        return out


@dataclass
class _Context:
    plan_fees: frozenset[int]
    teams: frozenset[str]
    stores: frozenset[str]
    _zones: set[str] | None = None

    def zones(self) -> set[str]:
        if self._zones is None:
            self._zones = set(available_timezones())
        return self._zones


@dataclass
class ValidatedFile:
    """The outcome of validating a whole file (nothing written yet)."""

    columns: list[str]
    rows: list[dict[str, Any]]
    lines: list[int]
    report: ImportReport
    raw: pd.DataFrame
    row_errors: dict[int, list[str]]


def validate(
    df: pd.DataFrame, context: _Context, report: ImportReport, *, first_line: int = FIRST_LINE
) -> ValidatedFile:
    """Check the header and every row; raise :class:`ImportFileError` for the whole file."""
    if df.shape[1] == 0 or df.empty:
        raise ImportFileError("the file has no data rows")
    mapped: dict[str, Any] = {}
    ignored: list[str] = []
    for col in df.columns:
        name = _header(col)
        if name in _COLUMNS and name not in mapped:
            mapped[name] = col
        else:
            ignored.append(str(col))
    missing = [c for c in REQUIRED if c not in mapped]
    if missing:
        raise ImportFileError(
            f"missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(str(c) for c in df.columns)})"
        )
    report.columns = list(mapped)
    report.ignored_columns = ignored
    n = len(df)
    report.rows = n
    errors: dict[int, list[str]] = {}
    parsed: dict[str, list[Any]] = {}
    for name, col in mapped.items():
        parsed[name] = _Column(name, errors, context).parse(df[col].tolist())
    # duplicates: an identical row again, or the same id with other values
    seen: dict[str, int] = {}
    ids = parsed["id"]
    cols = list(mapped)

    def key(i: int) -> tuple[Any, ...]:
        return tuple(_hashable(parsed[c][i]) for c in cols)

    for i in range(n):
        cid = ids[i]
        if not cid:
            continue
        j = seen.get(cid)
        if j is not None:
            what = "duplicate row" if key(j) == key(i) else "duplicate id"
            errors.setdefault(i, []).insert(0, f"{what} (same as line {j + first_line})")
        else:
            seen[cid] = i
    lines = list(range(first_line, first_line + n))
    rows: list[dict[str, Any]] = []
    row_lines: list[int] = []
    columns = list(mapped)
    for i in range(n):
        why = errors.get(i)
        if why:
            report.rejected += 1
            report.reasons[_category(why[0])] += 1
            report.rejects.append((lines[i], ids[i] or "", "; ".join(why)))
            continue
        row = {c: parsed[c][i] for c in columns}
        rows.append(row)
        row_lines.append(lines[i])
    report.valid = len(rows)
    return ValidatedFile(columns, rows, row_lines, report, df, errors)


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _category(reason: str) -> str:
    for prefix, cat in (("duplicate", "duplicate"), ("bad phone", "bad phone"),
                        ("unknown plan", "unknown plan"), ("missing", "missing value"),
                        ("unknown team", "unknown team"), ("unknown store", "unknown store")):
        if reason.startswith(prefix):
            return cat
    return "bad value"


# ---------------------------------------------------------------- writing


def _defaults() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in m.Customer.__table__.columns:
        d = col.default
        if d is None:
            out[col.key] = None
        elif d.is_callable:
            out[col.key] = d.arg(None)  # type: ignore[union-attr]
        else:
            out[col.key] = d.arg  # type: ignore[union-attr]
    return out


def _normalise_existing(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    ts = out.get("updated_at")
    if isinstance(ts, dt.datetime) and ts.tzinfo is None:
        out["updated_at"] = ts.replace(tzinfo=dt.UTC)
    return out


def upsert(
    engine: Engine,
    validated: ValidatedFile,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> None:
    """Insert new customers, update changed ones, append each to the change log."""
    report = validated.report
    rows = validated.rows
    columns = validated.columns
    defaults = _defaults()
    table = m.Customer.__table__
    all_columns = [c.key for c in table.columns]
    update_cols = [c for c in columns if c != "id"] + ["updated_at"]
    total = len(rows)
    done = 0
    for start in range(0, total, batch):
        chunk = rows[start:start + batch]
        now = utcnow()
        with Session(engine) as session, session.begin():
            ids = [r["id"] for r in chunk]
            existing: dict[str, dict[str, Any]] = {}
            for i in range(0, len(ids), 5_000):  # stay far below any bound-parameter limit
                for r in session.execute(
                    select(table).where(table.c.id.in_(ids[i:i + 5_000]))
                ).mappings():
                    existing[r["id"]] = _normalise_existing(dict(r))
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for r in chunk:
                old = existing.get(r["id"])
                if old is None:
                    new = dict(defaults)
                    new.update({k: v for k, v in r.items() if v is not None})
                    new["tags"] = r.get("tags") if r.get("tags") is not None else []
                    new["scores"] = {}
                    new["updated_at"] = now
                    inserts.append(new)
                else:
                    given = {k: v for k, v in r.items() if v is not None or k in _NULLABLE}
                    if all(old.get(k) == v for k, v in given.items()):
                        report.unchanged += 1
                        continue
                    updates.append({**old, **given, "updated_at": now})
            writer = RawWriter(session)
            writer.insert(table, all_columns, inserts)
            writer.update(table, update_cols, updates)
            writer.changes([
                LogEntry("customer", r["id"], wire_json(r), r.get("team_id"), r.get("store_id"))
                for r in inserts + updates
            ], now)
            report.inserted += len(inserts)
            report.updated += len(updates)
        done += len(chunk)
        if progress:
            progress(done, total)


#: Columns an empty cell clears on update (others keep their stored value).
_NULLABLE = frozenset({"phone2", "member_no", "id_suffix", "team_id", "store_id", "lead_tier"})


def write_rejects(path: Path, validated: ValidatedFile) -> int:
    """Write rejected rows (line, reasons, original cells) as a UTF-8 CSV Excel can open."""
    raw = validated.raw
    report = validated.report
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "reasons", *[str(c) for c in raw.columns]])
        for line, _cid, why in report.rejects:
            cells = raw.iloc[line - FIRST_LINE].tolist()
            writer.writerow([line, why, *[_text(c) for c in cells]])
    return len(report.rejects)


def _context(engine: Engine, plans: Iterable[int] | None) -> _Context:
    with Session(engine) as session:
        teams = frozenset(session.scalars(select(m.Team.id)).all())
        stores = frozenset(session.scalars(select(m.Store.id)).all())
        if plans is None:
            fees = set(session.scalars(select(m.Customer.plan_fee).distinct()).all())
            try:
                from server_stub.seed.reference import PLAN_FEES

                fees |= set(PLAN_FEES)
            except ImportError:  # pragma: no cover
                pass
            fees.discard(0)
        else:
            fees = set(plans)
    return _Context(frozenset(fees), teams, stores)


def import_customers(
    engine: Engine,
    path: Path,
    *,
    encoding: str | None = None,
    plans: Iterable[int] | None = None,
    rejects_path: Path | None = None,
    batch: int = BATCH,
    dry_run: bool = False,
    progress: Progress | None = None,
    stage: Callable[[str], None] | None = None,
) -> ImportReport:
    """Validate ``path`` as a whole, then upsert its valid rows (see the module docstring).

    Args:
        plans: the plan catalogue (monthly fees); default: the fees of the demo catalogue
            plus those already in the store.
        rejects_path: where to write the rejected rows, if given.
        dry_run: validate and report only.
        progress: called with (rows written, rows to write) after each batch.
        stage: called with a short line when a stage starts (reading, validating, writing).

    Raises:
        ImportFileError: the file cannot be imported at all; nothing was changed.
    """
    started = time.perf_counter()
    report = ImportReport(file=str(path))
    say = stage or (lambda _text: None)
    say(f"reading {path.name}")
    df, report.encoding = read_table(path, encoding)
    context = _context(engine, plans)
    say(f"validating {len(df):,} rows")
    validated = validate(df, context, report)
    say(f"{report.valid:,} valid, {report.rejected:,} rejected"
        + ("" if dry_run or not validated.rows else "; writing"))
    if rejects_path is not None and report.rejects:
        write_rejects(rejects_path, validated)
    if not dry_run and validated.rows:
        upsert(engine, validated, batch=batch, progress=progress)
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------- CLI


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``import-customers``."""
    parser.add_argument("file", type=Path, help="CSV (UTF-8 or GBK), .xlsx or .parquet")
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")
    parser.add_argument("--rejects", type=Path, metavar="CSV", help="write rejected rows and reasons here")
    parser.add_argument("--encoding", help="text encoding of a CSV (default: detect UTF-8 / GBK)")
    parser.add_argument("--plans", help="comma-separated monthly fees of known plans (default: catalogue + store)")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"rows per transaction (default {BATCH})")
    parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")


class _Bar:
    """A terminal progress bar on stderr (plain lines when not a terminal)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if not self.tty and pct < 100 and pct - self.last < 10:
            return
        self.last = pct
        width = 30
        bar = "#" * (width * pct // 100)
        text = f"[{bar:<{width}}] {pct:3d}% {done:,}/{total:,} rows"
        if self.tty:
            sys.stderr.write("\r" + text + ("\n" if done >= total else ""))
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Import the file; exit 0 if it was imported (even with rejected rows), 1 if not."""
    from server_stub.storage.db import default_db_url, open_central

    plans = None
    if args.plans:
        try:
            plans = [int(x) for x in str(args.plans).split(",") if x.strip()]
        except ValueError:
            print("error: --plans takes whole numbers separated by commas", file=sys.stderr)
            return 2
    engine = open_central(args.db or default_db_url())
    try:
        report = import_customers(engine, args.file, encoding=args.encoding, plans=plans,
                                  rejects_path=args.rejects, batch=args.batch,
                                  dry_run=args.dry_run, progress=_Bar(),
                                  stage=lambda text: print(text, file=sys.stderr, flush=True))
    except ImportFileError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("\n".join(report.lines()))
    if args.rejects and report.rejects:
        print(f"rejected rows written to {args.rejects}")
    return 0


__all__ = [
    "ImportFileError",
    "ImportReport",
    "ValidatedFile",
    "detect_encoding",
    "import_customers",
    "read_table",
    "validate",
    "write_rejects",
]
