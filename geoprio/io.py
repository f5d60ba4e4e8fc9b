"""Readers for the tables Peruvian offices actually produce.

:func:`read_table` takes a CSV or XLSX as it comes: UTF-8 (with or without BOM), UTF-16 (with
or without BOM) or Latin-1; ``,`` ``;`` tab or ``|`` separators; decimal commas and thousands
separators; title rows above the header and two merged header rows; codes stored as numbers.
Missing-value codes (``(SD)``, ``(****)``, ``-``, ``NA``...) become missing values, never zero.
Cells it cannot read (text in a numeric column, a 7-digit code, a percentage above 100, a code
given twice with different values) are all listed in ``frame.attrs["read"]["problems"]``,
never dropped silently; what it decided (encoding, separator, header row) is kept there too.
Boundaries are read by :func:`geoprio.boundaries.read_boundaries`.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from geoprio.codes import find_code_column
from geoprio.errors import GeometryError, GeoprioError, InputError

__all__ = [
    "MAX_TABLE_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_RATIO",
    "MISSING_CODES",
    "NUMERIC_SHARE",
    "read_table",
]

log = logging.getLogger(__name__)

MISSING_CODES = frozenset({"", "(SD)", "(****)", "-", "--", "NA", "N/A", "n.d.", "ND", "S.I.",
                           "nan", "NaN", "None", "null", "#N/A", "…", "..."})
#: Largest table :func:`read_table` accepts (a table of the 1,874 districts is well under 5 MB).
MAX_TABLE_BYTES = 50 * 1024 * 1024
#: Largest total a zip (an XLSX, a zipped shapefile) may unpack to, read from its central
#: directory before unpacking.
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
#: Largest overall compression ratio of a zip above 1 MiB (shapefiles compress about 3:1).
MAX_ZIP_RATIO = 100
_ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".kmz")
#: Share of a column's filled cells that must be numbers for it to be read as numeric.
NUMERIC_SHARE = 0.75

_EURO = r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?|[+-]?[0-9]+,[0-9]+"
_ANGLO = r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?"
_PLAIN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PCT_NAME = re.compile(r"%|porcentaje|percent|(?<![a-z])(?:pct|porc)(?![a-z])", re.IGNORECASE)
Source = str | Path | bytes | IO[bytes]


# --------------------------------------------------------------------------- bytes in
def _load_bytes(source: Source, name: str | None, max_bytes: int, what: str) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: file not found")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(_too_big(str(path), size, max_bytes, what))
        return path.read_bytes(), name or str(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            raise TypeError("source must be opened in binary mode ('rb'), got a text file")
    else:
        raise TypeError(f"source must be a path, bytes or a binary file object, got "
                        f"{type(source).__name__}")
    label = name or str(getattr(source, "name", "") or what)
    if len(data) > max_bytes:  # a stream is read no further than the limit
        raise InputError(_too_big(label, None if hasattr(source, "read") else len(data),
                                  max_bytes, what))
    return data, label


def _too_big(label: str, size: int | None, limit: int, what: str) -> str:
    got = "it" if size is None else f"{size / 2**20:,.1f} MB"
    return (f"{label}: {got} is more than the {limit / 2**20:,.1f} MB a {what} "
            f"may have (max_bytes={limit:,}); split it (e.g. by department) or keep only the "
            "columns you need")


# --------------------------------------------------------------------------- text tables
def _decode(data: bytes, label: str) -> tuple[str, str]:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), "utf-16"
        head = data[:4000]
        pairs = len(head) // 2
        if pairs >= 2:
            even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
            if odd > 0.3 * pairs and even < 0.05 * pairs:
                return data.decode("utf-16-le"), "utf-16-le"
            if even > 0.3 * pairs and odd < 0.05 * pairs:
                return data.decode("utf-16-be"), "utf-16-be"
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: looks like UTF-16 text but cannot be decoded ({exc}); save "
                         "it again as CSV UTF-8 or XLSX") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "latin-1"


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ",", -1.0
    for delim in (";", ",", "\t", "|"):
        counts = [len(next(csv.reader([line], delimiter=delim), [])) for line in lines]
        if not counts:
            continue
        common, freq = Counter(counts).most_common(1)[0]
        score = freq * (common > 1) + (common - 1) * 0.01
        if score > best_score:
            best, best_score = delim, score
    return best


def _text(v: Any) -> str:
    """A cell as stripped text; whole floats (Excel numbers) without their ``.0``."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v).strip()


def _header_row(rows: list[list[str]]) -> int:
    """Index of the header: the first row nearly as wide as the table's body."""
    widths = [sum(1 for c in r if c != "") for r in rows]
    if not widths or max(widths) == 0:
        return -1
    body = Counter(w for w in widths if w > 1).most_common(1)
    width = body[0][0] if body else max(widths)
    for i, w in enumerate(widths):
        if w >= max(2, 0.6 * width) or (width == 1 and w == 1):
            return i
    return 0


def _sub_header(top: list[str], sub: list[str]) -> bool:
    """Is ``sub`` the second row of a two-row header (a merged group row above it)?"""
    blank_top = [i for i, c in enumerate(top) if c == ""]
    inside = [i for i in blank_top if any(top[:i])]
    return (bool(inside) and all(sub[i] != "" for i in inside)
            and any(t != "" and s == "" for t, s in zip(top, sub, strict=True)))


def _merge_header(top: list[str], sub: list[str]) -> list[str]:
    names, group = [], ""
    for t, s in zip(top, sub, strict=True):
        group = t or group
        names.append(f"{group} {s}".strip() if s else (t or group))
    return names


def _unique_names(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for i, n in enumerate(names):
        n = re.sub(r"\s+", " ", n).strip() or f"column_{i + 1}"
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _number_style(filled: pd.Series) -> tuple[str | None, pd.Series, bool]:
    """The reading that parses most cells: (style, parsed mask, ambiguous)."""
    plain = filled.str.fullmatch(_PLAIN)
    if plain.all():
        dotted = filled[filled.str.contains(".", regex=False)]
        grouped = not dotted.empty and bool(dotted.str.fullmatch(_EURO).all())
        return None, plain, grouped  # "1.234" alone: a decimal point, or a thousands dot?
    rest = filled[~plain]
    euro, anglo = plain.copy(), plain.copy()
    euro[rest.index] = rest.str.fullmatch(_EURO)
    anglo[rest.index] = rest.str.fullmatch(_ANGLO)
    n_plain, n_euro, n_anglo = int(plain.sum()), int(euro.sum()), int(anglo.sum())
    if n_euro == n_anglo == n_plain:
        return None, plain, False
    if n_euro > n_anglo:
        return "decimal comma", euro, False
    if n_anglo > n_euro:
        return "thousands comma", anglo, False
    return "decimal comma", euro, True  # only cells like "1,234": both readings parse them


def _parse(values: pd.Series, style: str | None) -> pd.Series:
    if style == "decimal comma":
        euro = values.str.fullmatch(_EURO)
        fixed = values.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        values = fixed.where(euro, values)
    elif style == "thousands comma":
        values = values.str.replace(",", "", regex=False)
    try:
        return values.astype("float64")
    except (TypeError, ValueError):
        return pd.to_numeric(values, errors="coerce").astype("float64")


def _clean_text(col: pd.Series) -> pd.Series:
    """Stripped text of a column, missing codes as ''."""
    if isinstance(col.dtype, pd.StringDtype):
        text = col.str.strip()
    elif col.map(type).eq(str).all():
        text = pd.Series(col.to_numpy(), index=col.index, dtype="str").str.strip()
    else:
        text = pd.Series(col.map(_text).to_numpy(), index=col.index, dtype="str")
    return text.where(~text.isin(MISSING_CODES), "")


class _Problems(list):
    def add(self, kind: str, message: str, **where: Any) -> None:
        self.append({"kind": kind, **where, "message": message})


def _empty(label: str) -> InputError:
    return InputError(f"{label}: the file is empty; export the table again with its header row "
                      "and one row per district")


def _header(head: list[list[str]], width: int, info: dict[str, Any]) -> tuple[list[str], int]:
    """Column names and the index of the first data row, from the first rows as text."""
    h = _header_row(head)
    header = (head[h] + [""] * width)[:width]
    start = h + 1
    info.update({"header_row": h + 1, "header_rows": 1})
    if start < len(head):
        sub = (head[start] + [""] * width)[:width]
        if _sub_header(header, sub):
            header, start = _merge_header(header, sub), start + 1
            info["header_rows"] = 2
    return _unique_names(header), start


def _frame_from_rows(rows: list[list[Any]], label: str, info: dict[str, Any]
                     ) -> tuple[pd.DataFrame, np.ndarray]:
    head = [[_text(c) for c in r] for r in rows[:60]]
    if not any(any(_text(c) for c in r) for r in rows):
        raise _empty(label)
    width = max(len(r) for r in rows)
    header, start = _header(head, width, info)
    pad = [None] * width
    body, file_rows = [], []
    for i in range(start, len(rows)):
        r = rows[i]
        if any(c is not None and str(c).strip() != "" for c in r):
            body.append(r + pad[len(r):] if len(r) < width else r)
            file_rows.append(i + 1)
    return pd.DataFrame(body, columns=header, dtype=object), np.asarray(file_rows, dtype=int)


def _frame_from_csv(text: str, delim: str, label: str, info: dict[str, Any]
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """The fast path: pandas' C parser once the header is known; csv module otherwise."""
    reader = csv.reader(io.StringIO("\n".join(text.split("\n", 60)[:60])), delimiter=delim)
    head = list(reader)
    if not any(any(c.strip() for c in r) for r in head) or reader.line_num != len(head):
        return _frame_from_rows(list(csv.reader(io.StringIO(text), delimiter=delim)), label, info)
    width = max(len(r) for r in head)
    header, start = _header([[c.strip() for c in r] for r in head], width, info)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delim, header=None, names=range(width),
                          skiprows=start, dtype="str", keep_default_na=False, na_filter=False,
                          skip_blank_lines=False, engine="c", quotechar='"')
    except (pd.errors.ParserError, ValueError, csv.Error):
        return _frame_from_rows(list(csv.reader(io.StringIO(text), delimiter=delim)), label, info)
    raw = raw.fillna("")
    keep = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        keep |= (raw[c].str.strip() != "").to_numpy()
    raw.columns = header
    raw = raw[keep]
    file_rows = np.flatnonzero(keep) + start + 1
    return raw.reset_index(drop=True), file_rows


def _tidy(raw: pd.DataFrame, file_row: np.ndarray, label: str, info: dict[str, Any],
          key: str | None, delimiter: str | None) -> pd.DataFrame:
    if raw.empty:
        raise InputError(f"{label}: only a header row ({', '.join(map(str, raw.columns))}), no "
                         "data rows; export the table again with one row per district")
    raw = raw.loc[:, [c for c in raw.columns if not (
        c.startswith("column_") and raw[c].map(_text).eq("").all())]]
    problems = _Problems()
    if key is not None and key not in raw.columns:
        lower = {str(c).lower(): str(c) for c in raw.columns}
        close = difflib.get_close_matches(key.lower(), list(lower), n=1)
        hint = f" (did you mean {lower[close[0]]!r}?)" if close else ""
        problems.add("missing_key", f"key column {key!r} is not in the table{hint}; columns: "
                     f"{list(raw.columns)}", column=key)
        code_col = None
    else:
        try:
            code_col = key or find_code_column(raw)
        except GeoprioError:
            code_col = None
            problems.add("missing_key", "no column of district codes (ubigeo) found among "
                         f"{list(raw.columns)}; name it 'ubigeo' or pass key='...'", column=None)
    out: dict[str, Any] = {}
    texts = {c: _clean_text(raw[c]) for c in raw.columns if c != code_col}
    styles: dict[str, str] = {}
    parsed_cols: dict[str, tuple[pd.Series, pd.Series, str | None, bool]] = {}
    for c, text in texts.items():
        filled = text[text != ""]
        spaced = filled.str.fullmatch("[-+0-9.,eE]*[ \t\u00a0%][-+0-9.,eE \t\u00a0%]*")
        if spaced.any():
            filled = filled.where(~spaced, filled[spaced].str.replace("[ \t\u00a0%]", "",
                                                                       regex=True))
        if filled.empty:
            continue
        style, ok, ambiguous = _number_style(filled)
        if ok.sum() >= NUMERIC_SHARE * len(filled):
            parsed_cols[c] = (filled, ok, style, ambiguous)
    sure = {s for _, _, s, a in parsed_cols.values() if s and not a}
    hint = sure.copy()
    for c in raw.columns:
        if c == code_col:
            out[c] = _codes_column(raw[c], c, file_row, problems)
            continue
        text = texts[c]
        if (text == "").all():
            out[c] = pd.Series(np.nan, index=raw.index, dtype="float64")
            continue
        if c not in parsed_cols:
            out[c] = pd.Series(text.where(text != "", None).to_numpy(dtype=object),
                               index=raw.index, dtype=object)
            continue
        filled, ok, style, ambiguous = parsed_cols[c]
        if ambiguous and style is None:
            if sure == {"decimal comma"}:
                style = "decimal comma"
                problems.add("ambiguous_numbers", f"column {c!r}: values like "
                             f"{filled[filled.str.contains('.', regex=False)].iloc[0]!r} read "
                             "with a thousands dot, as the file's other columns use a decimal "
                             "comma", column=c)
        elif ambiguous:
            style = (next(iter(hint)) if len(hint) == 1 else
                     "thousands comma" if delimiter == "," else "decimal comma")
            ok = filled.str.fullmatch(_PLAIN) | filled.str.fullmatch(
                _EURO if style == "decimal comma" else _ANGLO)
            problems.add("ambiguous_numbers", f"column {c!r}: values like "
                         f"{filled[~filled.str.fullmatch(_PLAIN)].iloc[0]!r} may use a decimal "
                         f"comma or a thousands comma; read with a {style}", column=c)
        values = pd.Series(np.nan, index=raw.index, dtype="float64")
        values[ok[ok].index] = _parse(filled[ok], style)
        for idx in ok.index[~ok.to_numpy()]:
            problems.add("text_in_numbers", f"row {idx + 1} (line {file_row[idx]}), column "
                         f"{c!r}: {text[idx]!r} is not a number; read as missing",
                         row=int(idx) + 1, file_row=int(file_row[idx]), column=c,
                         value=text[idx])
        if style:
            styles[c] = style
        if _PCT_NAME.search(c) or text.str.endswith("%").mean() > 0.5:
            bad = values[(values < 0) | (values > 100)]
            for idx, v in bad.items():
                problems.add("percent_out_of_range", f"row {idx + 1} (line {file_row[idx]}), "
                             f"column {c!r}: {v:g} is outside 0-100 for a percentage; kept as is",
                             row=int(idx) + 1, file_row=int(file_row[idx]), column=c,
                             value=float(v))
        out[c] = values
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
    if code_col is not None:
        _report_duplicates(frame, code_col, problems)
    fatal = [p for p in problems if p["kind"] == "missing_key"]
    if fatal:
        raise _with_problems(InputError, label, fatal, problems)
    counts = dict(Counter(p["kind"] for p in problems))
    info.update({"rows": len(frame), "code_column": code_col,
                 "number_styles": styles,
                 "text_columns": [c for c in frame.columns if frame[c].dtype == object
                                  and c != code_col],
                 "problems": list(problems), "problem_counts": counts})
    if problems:
        log.warning("%s: %d problem(s) while reading: %s", label, len(problems),
                    "; ".join(p["message"] for p in problems[:5]))
    frame.attrs["read"] = info
    return frame


def _with_problems(cls: type[GeoprioError], label: str, fatal: list[dict], problems: list[dict]
                   ) -> GeoprioError:
    lines = [p["message"] for p in fatal]
    others = [p["message"] for p in problems if p not in fatal]
    text = f"{label}: " + "; ".join(lines)
    if others:
        text += f". Also found {len(others)} other problem(s): " + "; ".join(others[:10])
        text += " ..." if len(others) > 10 else ""
    err = cls(text)
    err.problems = list(problems)  # type: ignore[attr-defined]
    return err


def _codes_column(col: pd.Series, name: str, file_row: np.ndarray, problems: _Problems
                  ) -> pd.Series:
    """District codes as 6-digit text; what cannot be a code kept as it came, and reported."""
    text = _clean_text(col)
    bare = text
    if (text.str.contains("'", regex=False) | text.str.contains('"', regex=False)).any():
        bare = bare.str.strip("'\" ")
    if bare.str.contains(".", regex=False).any():
        bare = bare.str.replace(r"\.0+$", "", regex=True)
    ok = bare.str.fullmatch(r"[0-9]{4,6}")
    codes = bare.str.pad(6, side="left", fillchar="0").where(ok, text)
    out = pd.Series(codes.where(text != "", None).to_numpy(dtype=object), dtype=object)
    for i in np.flatnonzero(~ok.to_numpy() & (text != "").to_numpy()):
        t, digits = text.iloc[i], bare.iloc[i]
        why = (f"{len(digits)} digits; a district code (ubigeo) has 6" if digits.isdigit()
               else "not a district code (6 digits)")
        problems.add("invalid_code", f"row {i + 1} (line {file_row[i]}), column {name!r}: "
                     f"{t!r} is {why}", row=int(i) + 1, file_row=int(file_row[i]), column=name,
                     value=t)
    return out


def _report_duplicates(frame: pd.DataFrame, key: str, problems: _Problems) -> None:
    codes = frame[key]
    valid = codes.notna() & codes.astype(str).str.fullmatch(r"[0-9]{6}")
    dup = valid & codes.duplicated(keep=False)
    if not dup.any():
        return
    others = [c for c in frame.columns if c != key]
    sub = frame.loc[dup]
    groups = sub.groupby(key, sort=True)
    differs = (groups[others].nunique(dropna=False) > 1) if others else None
    index = sub.index.to_numpy()
    flags = differs.to_numpy().tolist() if differs is not None else []
    at = {c: i for i, c in enumerate(differs.index)} if differs is not None else {}
    for code, where in groups.indices.items():
        rows = (index[where] + 1).tolist()
        differ = ([c for c, d in zip(others, flags[at[code]], strict=True) if d]
                  if flags else [])
        what = f"with different values in {differ}" if differ else "with the same values"
        shown = ", ".join(map(str, rows[:10])) + (f"... ({len(rows)} rows)" if len(rows) > 10
                                                    else "")
        problems.add("duplicate_code", f"code {code} appears in rows {shown} {what}",
                     code=code, rows=rows, columns=differ)


def read_table(source: Source, *, name: str | None = None, sheet: str | int | None = 0,
               key: str | None = None, max_bytes: int = MAX_TABLE_BYTES) -> pd.DataFrame:
    """Read a user's CSV or XLSX table of district indicators, reporting every problem.

    Parameters
    ----------
    source : path, bytes, or a binary file object (e.g. a Streamlit upload).
    name : str, optional
        The file name to use in messages and to tell CSV from XLSX when ``source`` is not a
        path.
    sheet : str or int, default=0
        XLSX sheet name or position.
    key : str, optional
        The code column, when it is known; found by name or content otherwise.
    max_bytes : int, default=MAX_TABLE_BYTES
        Refuse larger files (50 MB: a table of the districts is far smaller).

    Returns
    -------
    DataFrame
        Numeric columns as floats (missing codes and unreadable cells as NaN), text columns
        as text, the code column as 6-digit text (codes that cannot be fixed kept as they
        came, and reported). ``attrs["read"]`` holds ``encoding``, ``delimiter``,
        ``header_row``, ``header_rows``, ``code_column``, ``number_styles``, ``rows`` and
        ``problems``: one dict per problem with ``kind`` (``text_in_numbers``,
        ``invalid_code``, ``percent_out_of_range``, ``duplicate_code``,
        ``ambiguous_numbers``), ``row`` (data row from 1, as in
        :class:`~geoprio.codes.JoinReport`), ``file_row``, ``column``, ``value`` and a
        ``message``; ``problem_counts`` counts them by kind.

    Raises
    ------
    InputError
        The file is empty, has only a header, is too big, cannot be decoded, or has no code
        column (or not ``key``). The message lists every problem found, and the exception's
        ``problems`` attribute holds them as dicts.

    Examples
    --------
    >>> import geoprio
    >>> t = geoprio.read_table(b"UBIGEO;cobertura\\n10101;85,5\\n10102;(SD)\\n", name="x.csv")
    >>> t["cobertura"].tolist(), t["UBIGEO"].tolist()
    ([85.5, nan], ['010101', '010102'])
    >>> t = geoprio.read_table(b"ubigeo,pct %\\n010101,120\\n010102,s/d\\n010103,5\\n"
    ...                        b"010104,7\\n", name="y.csv")
    >>> [(p["kind"], p["row"]) for p in t.attrs["read"]["problems"]]
    [('text_in_numbers', 2), ('percent_out_of_range', 1)]
    """
    if not isinstance(max_bytes, int) or max_bytes < 1:
        raise InputError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    if key is not None and not isinstance(key, str):
        raise TypeError(f"key must be a column name (str) or None, got {type(key).__name__}")
    data, label = _load_bytes(source, name, max_bytes, "table")
    suffix = Path(label).suffix.lower()
    if not data.strip():
        raise InputError(f"{label}: the file is empty; export the table again with its header "
                         "row and one row per district")
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods") or data[:4] == b"PK\x03\x04":
        return _read_sheet(data, label, sheet, key)
    text, encoding = _decode(data, label)
    if "\x00" in text:
        raise InputError(f"{label}: contains NUL bytes, so it is not a text table (a binary "
                         "file?); save it as CSV UTF-8 or XLSX")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        sample = [ln for ln in text[:200_000].split("\n")[:60] if ln.strip()]
        delim = _sniff_delimiter(sample)
        info = {"file": label, "format": "csv", "encoding": encoding, "delimiter": delim}
        raw, file_row = _frame_from_csv(text, delim, label, info)
    except csv.Error as exc:
        raise InputError(f"{label}: cannot be read as CSV ({exc}); save it again as CSV "
                         "UTF-8 or XLSX") from exc
    return _tidy(raw, file_row, label, info, key, delim)


def _read_sheet(data: bytes, label: str, sheet: str | int | None, key: str | None
                ) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip(zf, label, InputError)
    except (zipfile.BadZipFile, OSError, EOFError):
        pass  # not a zip (an old .xls): the spreadsheet reader says what is wrong
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None,
                               engine="calamine", dtype=object)
    except Exception as exc:
        raise InputError(f"{label}: cannot be read as a spreadsheet ({exc}); save it as "
                         ".xlsx or .csv") from exc
    names = list(sheets)
    if not names:
        raise InputError(f"{label}: the workbook has no sheet")
    if sheet is None:
        sheet = 0
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(f"{label}: sheet {sheet} does not exist; sheets: {names}")
        sheet = names[sheet]
    if sheet not in sheets:
        raise InputError(f"{label}: no sheet {sheet!r}; sheets: {names}")
    raw = sheets[sheet]
    rows = raw.astype(object).where(raw.notna(), None).values.tolist()
    info = {"file": label, "format": "xlsx", "sheet": sheet}
    frame, file_row = _frame_from_rows(rows, label, info)
    return _tidy(frame, file_row, label, info, key, None)


def _check_zip(zf: zipfile.ZipFile, label: str,
               error: type[GeoprioError] = GeometryError) -> list[zipfile.ZipInfo]:
    """Refuse a zip bomb, nested or encrypted archives, from the central directory only."""
    infos = zf.infolist()
    if len(infos) > 10_000:
        raise error(f"{label}: the archive has {len(infos):,} members; at most 10,000")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise error(f"{label}: the archive would unpack to {total:,} bytes, more than the "
                    f"{MAX_UNZIPPED_BYTES:,} allowed; send only the files needed")
    if total > 2**20 and total > MAX_ZIP_RATIO * max(packed, 1):
        raise error(f"{label}: the archive unpacks {total / max(packed, 1):,.0f} times its "
                    f"size ({packed:,} -> {total:,} bytes), above the {MAX_ZIP_RATIO}:1 "
                    "allowed; this looks like a zip bomb and is not opened")
    if error is GeometryError:
        nested = [i.filename for i in infos if i.filename.lower().endswith(_ARCHIVES)]
        if nested:
            raise error(f"{label}: nested archives are not read ({', '.join(nested[:5])} inside "
                        "the zip); unzip them and send one zip holding the shapefile's parts")
    if any(i.flag_bits & 0x1 for i in infos):
        raise error(f"{label}: the archive is password-protected; send it without a password")
    return infos
