"""Export a table as CSV (UTF-8 with BOM) or Excel."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd


def export_table(frame: pd.DataFrame, path: str | Path, headers: Mapping[str, str] | None = None) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, so Excel shows Chinese) or Excel by suffix.

    ``headers`` renames columns (e.g. to translated titles) and, if given, selects and
    orders them. Returns the path written.
    """
    path = Path(path)
    out = frame.copy()
    if headers:
        out = out[[c for c in headers if c in out.columns]].rename(columns=dict(headers))
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        out.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xlsm"):
        out.to_excel(path, index=False, engine="openpyxl")
    else:
        raise ValueError(f"export as .csv or .xlsx, not {suffix or 'no suffix'}")
    return path
