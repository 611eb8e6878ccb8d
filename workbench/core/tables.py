"""The one table reader: CSV / TSV (UTF-8 or GBK/GB18030), Excel and Parquet files as frames.

Used by the customer importer (``raw=True``: every cell as the text the file holds, nothing
guessed) and by model evaluation (``raw=False``: pandas infers numbers). One set of rules for
both:

* ``.xlsx`` / ``.xlsm`` through openpyxl; old ``.xls`` is refused with what to do instead;
* ``.parquet`` / ``.pq`` (or a file starting with Parquet's magic) through pyarrow;
* anything else is delimited text: the encoding is the given one or :func:`detect_encoding`
  (a BOM, else UTF-8, else GB18030, a superset of GBK; UTF-16 is refused), the delimiter the
  one of ``, <tab> ; |`` found most often in the header line (a comma on a tie).

Every problem with the file as a whole raises :class:`TableFileError` with a sentence the
user can act on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.core.errors import UserError

__all__ = ["DELIMITERS", "Table", "TableFileError", "detect_encoding", "read_table"]

#: Delimiters of text tables, the first winning ties.
DELIMITERS = (",", "\t", ";", "|")


class TableFileError(UserError, ValueError):
    """The file cannot be read as a table. The message is safe to show."""


@dataclass(frozen=True)
class Table:
    """A file's cells and how they were read (``encoding`` and ``delimiter`` of text files)."""

    frame: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` (a superset of GBK), whichever decodes the bytes.

    Raises:
        TableFileError: for UTF-16 files and bytes that are neither UTF-8 nor GB18030.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise TableFileError(
            "the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' and try again"
        )
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise TableFileError(
            f"cannot read the file's text: it is neither UTF-8 nor GBK/GB18030 "
            f"(bad bytes at position {exc.start}); save it as 'CSV UTF-8'"
        ) from None


def sniff_delimiter(header: str) -> str:
    """The delimiter of :data:`DELIMITERS` found most often in ``header`` (a comma on a tie)."""
    counts = [header.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]


def read_table(path: str | Path, *, encoding: str | None = None, raw: bool = True) -> Table:
    """The file at ``path`` as a :class:`Table`.

    With ``raw`` every cell is the text (or Excel value) the file holds, as ``object`` dtype,
    empty cells as ``""`` in text files; without it pandas infers numbers and missing values.

    Raises:
        TableFileError: a missing, empty, unreadable or unsupported file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TableFileError(f"no such file: {path}")
    if suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, dtype=object if raw else None, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for broken workbooks
            raise TableFileError(f"cannot read the Excel file: {exc}") from None
        return Table(df)
    if suffix == ".xls":
        raise TableFileError("old .xls workbooks are not supported; save as .xlsx or CSV")
    data = path.read_bytes()
    if suffix in (".parquet", ".pq") or data[:4] == b"PAR1":
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises many kinds for broken files
            raise TableFileError(f"cannot read the Parquet file: {exc}") from None
        return Table(df.astype(object) if raw else df)
    if not data.strip():
        raise TableFileError("the file is empty")
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise TableFileError(f"the file is not {encoding}: {exc}") from None
    else:
        encoding = detect_encoding(data)
        text = data.decode(encoding)
    text = text.lstrip("\ufeff")
    sep = sniff_delimiter(text.split("\n", 1)[0])
    try:
        if raw:
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                             na_filter=False, skip_blank_lines=True).astype(object)
        else:
            df = pd.read_csv(io.StringIO(text), sep=sep, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TableFileError(f"cannot parse the CSV file: {exc}") from None
    return Table(df, encoding, sep)
