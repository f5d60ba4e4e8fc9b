"""Readers for the files Peruvian offices actually produce.

:func:`read_table` takes a CSV or XLSX as it comes: UTF-8 (with or without BOM), UTF-16 or
Latin-1; ``,`` ``;`` tab or ``|`` separators; decimal commas and thousands separators; title
rows above the header; codes stored as numbers. Missing-value codes (``(SD)``, ``(****)``,
``-``, ``NA``...) become missing values, never zero. What it decided is kept in
``frame.attrs["read"]`` so a user can check it.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from geoprio.codes import find_code_column
from geoprio.errors import InputError

__all__ = ["MISSING_CODES", "read_table"]

log = logging.getLogger(__name__)

MISSING_CODES = frozenset({"", "(SD)", "(****)", "-", "--", "NA", "N/A", "n.d.", "ND", "S.I.",
                           "nan", "NaN", "None", "null", "#N/A", "…", "..."})
MAX_TABLE_BYTES = 200 * 1024 * 1024
_EURO = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+,\d+$")
_ANGLO = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PERCENT = re.compile(r"\s*%$")

Source = str | Path | bytes | IO[bytes]


def _load_bytes(source: Source, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: file not found")
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise InputError(f"{path}: {path.stat().st_size:,} bytes is more than the "
                             f"{MAX_TABLE_BYTES:,} a table may have; split it by department")
        return path.read_bytes(), name or str(path)
    data = source if isinstance(source, bytes) else source.read()
    if len(data) > MAX_TABLE_BYTES:
        raise InputError(f"{name or 'table'}: larger than {MAX_TABLE_BYTES:,} bytes")
    return data, name or getattr(source, "name", "table")


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    sample = [line for line in text.splitlines()[:60] if line.strip()]
    best, best_score = ",", -1.0
    for delim in (";", ",", "\t", "|"):
        counts = [next(csv.reader([line], delimiter=delim)).__len__() for line in sample]
        if not counts:
            continue
        common, freq = Counter(counts).most_common(1)[0]
        score = freq * (common > 1) + (common - 1) * 0.01
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_row(rows: list[list[Any]]) -> int:
    """Index of the header: the first row as wide as the table whose next row is data too."""
    widths = [sum(1 for c in r if _text(c) != "") for r in rows]
    if not widths or max(widths) == 0:
        return -1
    body = Counter(w for w in widths if w > 1).most_common(1)
    width = body[0][0] if body else max(widths)
    for i, w in enumerate(widths):
        if w >= max(2, 0.6 * width) or (width == 1 and w == 1):
            return i
    return 0


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def _unique_names(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for i, n in enumerate(names):
        n = re.sub(r"\s+", " ", n).strip() or f"column_{i + 1}"
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _to_numbers(col: pd.Series) -> tuple[pd.Series, str | None]:
    """Convert a text column to floats if every non-missing cell is a number; else keep it."""
    text = col.map(_text)
    text = text.where(~text.isin(MISSING_CODES), "")
    filled = text[text != ""].map(lambda s: _PERCENT.sub("", s).replace(" ", "").replace("\u00a0",
                                                                                           ""))
    if filled.empty:
        return pd.Series(np.nan, index=col.index, dtype="float64"), None
    style = None
    if filled.map(lambda s: bool(_PLAIN.match(s))).all() and not (
            filled.str.count(r"\.") > 1).any():
        # "1.234" alone is ambiguous; plain decimal point is the reading
        values = filled
    elif filled.map(lambda s: bool(_PLAIN.match(s) or _EURO.match(s))).all() and (
            filled.str.contains(",").any() or (filled.str.count(r"\.") > 1).any()):
        style = "decimal comma"
        values = filled.map(lambda s: s.replace(".", "").replace(",", ".")
                            if _EURO.match(s) else s)
    elif filled.map(lambda s: bool(_PLAIN.match(s) or _ANGLO.match(s))).all():
        style = "thousands comma"
        values = filled.str.replace(",", "", regex=False)
    else:
        return col, None
    out = pd.Series(np.nan, index=col.index, dtype="float64")
    out.loc[values.index] = pd.to_numeric(values, errors="coerce").astype("float64")
    return out, style


def _tidy(rows: list[list[Any]], name: str, info: dict[str, Any],
          key: str | None) -> pd.DataFrame:
    if not rows or all(all(_text(c) == "" for c in r) for r in rows):
        raise InputError(f"{name}: the file is empty; export the table again with its header "
                         "row and one row per district")
    h = _header_row(rows)
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    header = _unique_names([_text(c) for c in rows[h]])
    body = [r for r in rows[h + 1:] if any(_text(c) != "" for c in r)]
    if not body:
        raise InputError(f"{name}: only a header row ({', '.join(header)}), no data rows")
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.loc[:, [c for c in frame.columns
                          if not (c.startswith("column_") and frame[c].map(_text).eq("").all())]]
    try:
        code_col = key or find_code_column(frame)
    except Exception:  # no code column: the join will say so; keep reading
        code_col = None
    styles: dict[str, str] = {}
    text_columns: list[str] = []
    for c in frame.columns:
        if c == code_col:
            frame[c] = frame[c].map(lambda v: _code_text(v))
            continue
        converted, style = _to_numbers(frame[c])
        if converted.dtype == "float64":
            frame[c] = converted
            if style:
                styles[c] = style
        else:
            frame[c] = frame[c].map(lambda v: None if _text(v) in MISSING_CODES else _text(v))
            text_columns.append(c)
    info.update({"header_row": h + 1, "rows": len(frame), "code_column": code_col,
                 "number_styles": styles, "text_columns": text_columns})
    frame.attrs["read"] = info
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _code_text(v: Any) -> str | None:
    t = _text(v)
    if t in MISSING_CODES:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return t


def read_table(source: Source, *, name: str | None = None, sheet: str | int | None = 0,
               key: str | None = None) -> pd.DataFrame:
    """Read a user's CSV or XLSX table of district indicators.

    Parameters
    ----------
    source : path, bytes, or a binary file object (e.g. a Streamlit upload).
    name : the file name to use in messages and to tell CSV from XLSX when ``source`` is not
        a path.
    sheet : XLSX sheet name or position (default: the first sheet).
    key : the code column, when it is known (it is then kept as text).

    Returns
    -------
    DataFrame with numeric columns as floats (missing codes as NaN), the code column as
    text, and ``attrs["read"]``: encoding, delimiter, header row, number styles found.

    Examples
    --------
    >>> import geoprio
    >>> t = geoprio.read_table(b"UBIGEO;cobertura\\n10101;85,5\\n10102;(SD)\\n", name="x.csv")
    >>> t["cobertura"].tolist(), t["UBIGEO"].tolist()
    ([85.5, nan], ['10101', '10102'])
    """
    data, label = _load_bytes(source, name)
    suffix = Path(label).suffix.lower()
    if not data.strip():
        raise InputError(f"{label}: the file is empty; export the table again with its header "
                         "row and one row per district")
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods") or data[:4] == b"PK\x03\x04":
        try:
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None,
                                   engine="calamine", dtype=object)
        except Exception as exc:
            raise InputError(f"{label}: cannot be read as a spreadsheet ({exc}); save it as "
                             ".xlsx or .csv") from exc
        names = list(sheets)
        if isinstance(sheet, int):
            if sheet >= len(names):
                raise InputError(f"{label}: sheet {sheet} does not exist; sheets: {names}")
            sheet = names[sheet]
        if sheet not in sheets:
            raise InputError(f"{label}: no sheet {sheet!r}; sheets: {names}")
        raw = sheets[sheet]
        rows = raw.astype(object).where(raw.notna(), None).values.tolist()
        return _tidy(rows, label, {"file": label, "format": "xlsx", "sheet": sheet}, key)
    text, encoding = _decode(data, label)
    delim = _sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    info = {"file": label, "format": "csv", "encoding": encoding, "delimiter": delim}
    return _tidy(rows, label, info, key)
