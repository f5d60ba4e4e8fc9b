"""Readers for the tables Peruvian offices actually produce.

:func:`read_table` takes a CSV or XLSX as it comes: UTF-8 (with or without BOM), UTF-16 (with
or without BOM) or Latin-1; ``,`` ``;`` tab or ``|`` separators; decimal commas and thousands
separators; title rows above the header and two merged header rows; codes stored as numbers.
Missing-value codes (``(SD)``, ``(****)``, ``-``, ``NA``...) become missing values, never zero.
Cells it cannot read (text in a numeric column, a 7-digit code, a percentage above 100, a code
given twice with different values) are all listed in the frame's report
(:func:`geoprio.read_report`, also ``frame.attrs["read"]``: a
:class:`~geoprio.readers.readreport.ReadReport` that derived frames share, never copy), never
dropped
silently; what it decided (encoding, separator, header row) is kept there too.
Nothing is lost without a word: a quote that is never closed (which would swallow the rest
of the file into one cell) stops the reading with the line where it opens; a cell spanning
several lines, bytes that are not UTF-8 in an otherwise UTF-8 file, values such as ``1e400``
that are not finite numbers, and column names geoprio keeps for its results (``score``,
``rank``, ``geometry``...) are listed as problems. Workbooks are read by :mod:`geoprio.readers.xlsx`
(bounded: a hostile workbook cannot exhaust memory or crash the process). Any other failure
of a reader becomes an :class:`~geoprio.errors.InputError` naming the file.
Boundaries are read by :func:`geoprio.readers.boundaries.read_boundaries`.
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

from geoprio._renamed import renamed
from geoprio.data.columns import DERIVED_NAMES, RESERVED_IDS, RESERVED_NAMES
from geoprio.errors import GeometryError, GeoprioError, InputError
from geoprio.readers.codes import find_code_column
from geoprio.readers.readreport import ReadReport
from geoprio.readers.safety import (
    MAX_MESSAGE_CHARS,
    bare_paths,
    clip,
    names,
    one_line,
    sniff,
    user_file,
)

__all__ = [
    "DERIVED_NAMES",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_TABLE_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_RATIO",
    "MISSING_CODES",
    "NUMERIC_SHARE",
    "RESERVED_IDS",
    "RESERVED_NAMES",
    "check_indicator_id",
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
#: Most columns a table may have (a 49 MB CSV of 20,000 columns took 87 s and 2.8 GB).
MAX_COLUMNS = 1_000
#: Most cells (rows x columns) a table may have: the 1,874 districts with 1,000 columns take
#: about 4 s to read (benchmarks/bench_hostile.py).
MAX_CELLS = 2_000_000

_EURO = r"[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?|[+-]?[0-9]+,[0-9]+"
_ANGLO = r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?"
_PLAIN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PCT_NAME = re.compile(r"%|porcentaje|percent|(?<![a-z])(?:pct|porc)(?![a-z])", re.IGNORECASE)
Source = str | Path | bytes | IO[bytes]
_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_ESCAPED = re.compile("[\udc80-\udcff]+")

# the names no user column may take (geoprio.data.columns), re-exported here as before


def check_indicator_id(id: str, *, what: str = "indicator id") -> str:
    """``id`` if a user's indicator may take it, else an :class:`InputError` that says why.

    An id must be lower-case letters, digits and ``_`` starting with a letter, at most 64
    characters, and not one of :data:`RESERVED_IDS` in any case (a column named ``geometry``,
    ``score`` or ``poor_people`` would replace the map's shapes, the scenario's score or a
    derived count on every rerun).

    Examples
    --------
    >>> check_indicator_id("travel_time_min")
    'travel_time_min'
    >>> check_indicator_id("score")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoprio.errors.InputError: indicator id 'score' is a name geoprio gives its results ...
    """
    if not isinstance(id, str):
        raise TypeError(f"{what} must be a string, got {type(id).__name__}")
    if id.strip().lower() in _reserved():
        raise InputError(f"{what} {clip(id)} is a name geoprio gives its results (score, rank, "
                         "geometry, poor_people...); choose another, e.g. "
                         f"'{id.strip().lower()}_user'")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", id):
        raise InputError(f"{what} must be lower-case letters, digits and '_', starting with a "
                         f"letter, at most 64 characters (e.g. 'elev_mean'); got {clip(id)}")
    return id


def _reserved() -> frozenset[str]:
    # tests check that geoprio.engine.ranking's OUTPUT_COLUMNS and BUDGET_COLUMNS and
    # geoprio.engine.derived's DERIVED are all here
    return RESERVED_IDS


# --------------------------------------------------------------------------- bytes in
def _load_bytes(source: Source, name: str | None, max_bytes: int, what: str) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        label = one_line(name or str(source), 200)
        path = user_file(source, label=label)
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(_too_big(label, size, max_bytes, what))
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:  # it grew while we looked
            raise InputError(_too_big(label, None, max_bytes, what))
        return data, label
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            raise TypeError("source must be opened in binary mode ('rb'), got a text file")
    else:
        raise TypeError(f"source must be a path, bytes or a binary file object, got "
                        f"{type(source).__name__}")
    label = one_line(name or str(getattr(source, "name", "") or what), 200)
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
def _decode(data: bytes, label: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The text of a table, its encoding, and a problem when encodings are mixed."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), "utf-16", []
        head = data[:4000]
        pairs = len(head) // 2
        if pairs >= 2:
            even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
            if odd > 0.3 * pairs and even < 0.05 * pairs:
                return data.decode("utf-16-le"), "utf-16-le", []
            if even > 0.3 * pairs and odd < 0.05 * pairs:
                return data.decode("utf-16-be"), "utf-16-be", []
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: looks like UTF-16 text but cannot be decoded "
                         f"({one_line(exc, 120)}); save it again as CSV UTF-8 or XLSX") from exc
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    try:
        return data.decode("utf-8"), encoding, []
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="surrogateescape")
    if encoding == "utf-8" and _ESCAPED.sub("", text).isascii():
        # no valid UTF-8 sequence at all: a Latin-1 (Windows-1252) file
        return data.decode("cp1252", errors="replace"), "latin-1", []
    # UTF-8 with a few bytes that are not (a Latin-1 'ñ' pasted in): each such byte is read
    # as Latin-1 (Windows-1252), the rest as UTF-8, and the lines are reported
    spots = list(_ESCAPED.finditer(text))
    lines = [text.count("\n", 0, m.start()) + 1 for m in spots[:10]]
    first = spots[0]
    fixed = first.group().encode("utf-8", "surrogateescape").decode("cp1252", "replace")
    text = _ESCAPED.sub(lambda m: m.group().encode("utf-8", "surrogateescape").decode(
        "cp1252", "replace"), text)
    n_bytes = sum(len(m.group()) for m in spots)
    where = ", ".join(map(str, lines)) + (" ..." if len(spots) > 10 else "")
    note = {"kind": "mixed_encoding", "lines": lines, "bytes": n_bytes,
            "message": f"{n_bytes} byte(s) on line(s) {where} are not UTF-8 although the rest "
                       f"of the file is (e.g. byte 0x{ord(first.group()[0]) - 0xdc00:02X} on "
                       f"line {lines[0]}, read as Latin-1 {fixed!r}); check those cells and "
                       "save the file as CSV UTF-8"}
    return text, "utf-8 (mixed)", [note]


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


def _frame_from_rows(rows: list[list[Any]], label: str, info: dict[str, Any],
                     lines: list[int] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    head = [[_text(c) for c in r] for r in rows[:60]]
    if not any(any(_text(c) for c in r) for r in rows):
        raise _empty(label)
    width = max(len(r) for r in rows)
    _check_shape(len(rows), width, label)
    header, start = _header(head, width, info)
    pad = [None] * width
    body, file_rows = [], []
    for i in range(start, len(rows)):
        r = rows[i]
        if any(c is not None and str(c).strip() != "" for c in r):
            body.append(r + pad[len(r):] if len(r) < width else r)
            file_rows.append(lines[i] if lines is not None else i + 1)
    return pd.DataFrame(body, columns=header, dtype=object), np.asarray(file_rows, dtype=int)


def _check_shape(rows: int, width: int, label: str, unit: str = "rows") -> None:
    """Refuse a table wider than :data:`MAX_COLUMNS` or bigger than :data:`MAX_CELLS`."""
    if width > MAX_COLUMNS:
        raise InputError(f"{label}: {width:,} columns, more than the {MAX_COLUMNS:,} a table may "
                         "have (geoprio.readers.tables.MAX_COLUMNS); keep only the columns you "
                         "need")
    if rows * width > MAX_CELLS:
        raise InputError(f"{label}: {rows:,} {unit} x {width:,} columns = {rows * width:,} cells, "
                         f"more than the {MAX_CELLS:,} a table may have "
                         "(geoprio.readers.tables.MAX_CELLS); "
                         "keep only the districts and columns you need")


def _csv_rows(text: str, delim: str, label: str) -> list[list[str]]:
    """Every record of a CSV text, stopped as soon as it exceeds the table limits."""
    rows: list[list[str]] = []
    width = 0
    for row in csv.reader(io.StringIO(text), delimiter=delim):
        rows.append(row)
        if len(row) > width:
            width = len(row)
            _check_shape(1, width, label)
        if len(rows) * width > MAX_CELLS:
            _check_shape(len(rows), width, label)
    return rows


def _quote_scan(text: str, delim: str, label: str, problems: _Problems) -> list[int] | None:
    """The line where each record starts, when a quoted cell spans lines (None otherwise).

    A quote never closed would make the rest of the file one cell: that stops the reading,
    naming the line. A quoted cell that spans lines is legal CSV but usually a quote missing
    elsewhere: each is listed as a ``multiline_cell`` problem.
    """
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    prev = 0
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)
    try:
        for _row in reader:
            starts.append(prev + 1)
            if reader.line_num - prev > 1:
                spans.append((prev + 1, reader.line_num))
            prev = reader.line_num
    except csv.Error as exc:
        if "end of data" in str(exc):
            after = text.count("\n", 0) + (not text.endswith("\n")) - prev - 1
            raise InputError(f"{label}: line {prev + 1}: a quote (\") opens a cell that is never "
                             f"closed, so the {max(after, 0):,} line(s) after it would be read "
                             "as one cell; close the quote or remove it") from None
        starts, spans, prev = [], [], 0  # another quirk ('"a"b'): read leniently, as before
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        for _row in reader:
            starts.append(prev + 1)
            if reader.line_num - prev > 1:
                spans.append((prev + 1, reader.line_num))
            prev = reader.line_num
    for a, b in spans[:20]:
        problems.add("multiline_cell", f"lines {a}-{b}: a quoted cell spans {b - a + 1} lines; "
                     "if a closing quote is missing there, rows were merged into one cell "
                     "(check the quotes)", file_row=a, last_line=b)
    if len(spans) > 20:
        problems.add("multiline_cell", f"{len(spans) - 20} more quoted cells span several "
                     "lines", file_row=spans[20][0])
    return starts if spans else None


def _frame_from_csv(text: str, delim: str, label: str, info: dict[str, Any],
                    problems: _Problems) -> tuple[pd.DataFrame, np.ndarray]:
    """The fast path: pandas' C parser once the header is known; csv module otherwise."""
    lines = _quote_scan(text, delim, label, problems) if '"' in text else None
    if lines is not None:
        return _frame_from_rows(_csv_rows(text, delim, label), label, info, lines)
    reader = csv.reader(io.StringIO("\n".join(text.split("\n", 60)[:60])), delimiter=delim)
    head = list(reader)
    if not any(any(c.strip() for c in r) for r in head) or reader.line_num != len(head):
        return _frame_from_rows(_csv_rows(text, delim, label), label, info)
    width = max(len(r) for r in head)
    _check_shape(text.count("\n") + 1, width, label, "lines")  # at least the rows
    header, start = _header([[c.strip() for c in r] for r in head], width, info)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delim, header=None, names=range(width),
                          skiprows=start, dtype="str", keep_default_na=False, na_filter=False,
                          skip_blank_lines=False, engine="c", quotechar='"')
    except (pd.errors.ParserError, ValueError, csv.Error):
        return _frame_from_rows(_csv_rows(text, delim, label), label, info)
    raw = raw.fillna("")
    keep = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        keep |= (raw[c].str.strip() != "").to_numpy()
    raw.columns = header
    raw = raw[keep]
    file_rows = np.flatnonzero(keep) + start + 1
    return raw.reset_index(drop=True), file_rows


def _tidy(raw: pd.DataFrame, file_row: np.ndarray, label: str, info: dict[str, Any],
          key: str | None, delimiter: str | None, notes: list[dict] | None = None
          ) -> pd.DataFrame:
    """The read table as typed columns: codes normalised, numbers parsed in the file's style,
    text kept; every problem reported in ``info`` and on the frame's ``attrs["read"]``."""
    if raw.empty:
        shown = one_line(", ".join(map(str, raw.columns)), 200)
        raise InputError(f"{label}: only a header row ({shown}), no data rows; export the "
                         "table again with one row per district")
    raw = raw.loc[:, [c for c in raw.columns if not (
        c.startswith("column_") and raw[c].map(_text).eq("").all())]]
    problems = _Problems(notes or [])
    code_col = _code_column(raw, key, problems)
    raw = _rename_reserved(raw, code_col, problems)
    out: dict[str, Any] = {}
    texts = {c: _clean_text(raw[c]) for c in raw.columns if c != code_col}
    styles: dict[str, str] = {}
    parsed_cols = _numeric_columns(texts)
    sure = {s for _, _, s, a in parsed_cols.values() if s and not a}
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
        if ambiguous:
            style, ok = _settle_style(c, filled, ok, style, sure, delimiter, problems)
        out[c] = _number_values(c, text, filled, ok, style, file_row, problems)
        if style:
            styles[c] = style
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
    return _with_report(frame, code_col, styles, label, info, problems)


def _code_column(raw: pd.DataFrame, key: str | None, problems: _Problems) -> str | None:
    """The column of district codes: ``key``, else found by name or content; None (and a
    ``missing_key`` problem) when there is none."""
    if key is not None and key not in raw.columns:
        lower = {str(c).lower(): str(c) for c in raw.columns}
        close = difflib.get_close_matches(key.lower(), list(lower), n=1)
        hint = f" (did you mean {clip(lower[close[0]])}?)" if close else ""
        problems.add("missing_key", f"id_column {clip(key)} is not in the table{hint}; columns: "
                     f"{names(raw.columns)}", column=key)
        return None
    try:
        return key or find_code_column(raw)
    except GeoprioError:
        problems.add("missing_key", "no column of district codes (ubigeo) found among "
                     f"{names(raw.columns)}; name it 'ubigeo' or pass id_column='...'",
                     column=None)
        return None


def _numeric_columns(texts: dict[str, pd.Series]
                     ) -> dict[str, tuple[pd.Series, pd.Series, str | None, bool]]:
    """The columns read as numbers (at least :data:`NUMERIC_SHARE` of their filled cells
    parse): column -> (filled cells, which parse, number style, whether the style is
    ambiguous)."""
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
    return parsed_cols


def _settle_style(c: str, filled: pd.Series, ok: pd.Series, style: str | None,
                  sure: set[str], delimiter: str | None,
                  problems: _Problems) -> tuple[str | None, pd.Series]:
    """The style of a column whose numbers read both ways (``1.234``, ``1,234``): the file's
    other columns' one when they agree, else by the delimiter; the choice is reported."""
    if style is None:
        if sure == {"decimal comma"}:
            style = "decimal comma"
            problems.add("ambiguous_numbers", f"column {clip(c)}: values like "
                         f"{clip(filled[filled.str.contains('.', regex=False)].iloc[0])} read "
                         "with a thousands dot, as the file's other columns use a decimal "
                         "comma", column=c)
        return style, ok
    style = (next(iter(sure)) if len(sure) == 1 else
             "thousands comma" if delimiter == "," else "decimal comma")
    ok = filled.str.fullmatch(_PLAIN) | filled.str.fullmatch(
        _EURO if style == "decimal comma" else _ANGLO)
    problems.add("ambiguous_numbers", f"column {clip(c)}: values like "
                 f"{clip(filled[~filled.str.fullmatch(_PLAIN)].iloc[0])} may use a decimal "
                 f"comma or a thousands comma; read with a {style}", column=c)
    return style, ok


def _number_values(c: str, text: pd.Series, filled: pd.Series, ok: pd.Series,
                   style: str | None, file_row: np.ndarray, problems: _Problems) -> pd.Series:
    """A numeric column's values; text, infinite numbers (read as missing) and percentages
    outside 0-100 (kept) reported cell by cell."""
    values = pd.Series(np.nan, index=text.index, dtype="float64")
    values[ok[ok].index] = _parse(filled[ok], style)
    for idx in ok.index[~ok.to_numpy()]:
        problems.add("text_in_numbers", f"row {idx + 1} (line {file_row[idx]}), column "
                     f"{clip(c)}: {clip(text[idx])} is not a number; read as missing",
                     row=int(idx) + 1, file_row=int(file_row[idx]), column=c,
                     value=text[idx])
    infinite = np.isinf(values.to_numpy())
    for idx in values.index[infinite]:
        problems.add("not_finite", f"row {idx + 1} (line {file_row[idx]}), column "
                     f"{clip(c)}: {clip(text[idx])} is not a finite number (too large for "
                     "a float); read as missing", row=int(idx) + 1,
                     file_row=int(file_row[idx]), column=c, value=text[idx])
    if infinite.any():
        values[infinite] = np.nan
    if _PCT_NAME.search(c) or text.str.endswith("%").mean() > 0.5:
        bad = values[(values < 0) | (values > 100)]
        for idx, v in bad.items():
            problems.add("percent_out_of_range", f"row {idx + 1} (line {file_row[idx]}), "
                         f"column {clip(c)}: {v:g} is outside 0-100 for a percentage; kept "
                         "as is",
                         row=int(idx) + 1, file_row=int(file_row[idx]), column=c,
                         value=float(v))
    return values


def _with_report(frame: pd.DataFrame, code_col: str | None, styles: dict[str, str],
                 label: str, info: dict[str, Any], problems: _Problems) -> pd.DataFrame:
    """Duplicated codes reported; a missing code column raised with every problem; the
    reading's report in ``info`` and on ``frame.attrs["read"]``."""
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
    frame.attrs["read"] = ReadReport(info)  # shared by derived frames, never deep-copied
    return frame


def _rename_reserved(raw: pd.DataFrame, code_col: str | None, problems: _Problems
                     ) -> pd.DataFrame:
    """Columns named like geoprio's results or derived columns (``score``, ``Geometry``,
    ``poor_people``..., in any case) get a ``_table`` suffix."""
    reserved = _reserved() - {"ubigeo"}
    clash = [c for c in raw.columns if c != code_col and str(c).strip().lower() in reserved]
    if not clash:
        return raw
    taken = set(raw.columns)
    new = {}
    for c in clash:
        n, k = f"{c}_table", 1
        while n in taken:
            k += 1
            n = f"{c}_table{k}"
        taken.add(n)
        new[c] = n
        problems.add("reserved_name", f"column {clip(c)} has a name geoprio gives its results; "
                     f"read as {clip(n)} (rename it in the file to keep a name of your own)",
                     column=c, renamed=n)
    return raw.rename(columns=new)


def _with_problems(cls: type[GeoprioError], label: str, fatal: list[dict], problems: list[dict]
                   ) -> GeoprioError:
    lines = [p["message"] for p in fatal]
    others = [p["message"] for p in problems if p not in fatal]
    text = f"{label}: " + "; ".join(lines)
    if others:
        text += f". Also found {len(others)} other problem(s): " + "; ".join(others[:3])
        text += " ..." if len(others) > 3 else ""
    err = cls(one_line(text, MAX_MESSAGE_CHARS))
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
        problems.add("invalid_code", f"row {i + 1} (line {file_row[i]}), column {clip(name)}: "
                     f"{clip(t)} is {why}", row=int(i) + 1, file_row=int(file_row[i]), column=name,
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
        what = f"with different values in {names(differ)}" if differ else \
            "with the same values"
        shown = ", ".join(map(str, rows[:10])) + (f"... ({len(rows)} rows)" if len(rows) > 10
                                                    else "")
        problems.add("duplicate_code", f"code {code} appears in rows {shown} {what}",
                     code=code, rows=rows, columns=differ)


@renamed(key='id_column')
def read_table(source: Source, *, name: str | None = None, sheet: str | int | None = 0,
               id_column: str | None = None, max_bytes: int = MAX_TABLE_BYTES) -> pd.DataFrame:
    """Read a user's CSV or XLSX table of district indicators, reporting every problem.

    Parameters
    ----------
    source : path, bytes, or a binary file object (e.g. a Streamlit upload).
    name : str, optional
        The file name to use in messages and to tell CSV from XLSX when ``source`` is not a
        path.
    sheet : str or int, default=0
        XLSX sheet name or position.
    id_column : str, optional
        The code column, when it is known; found by name or content otherwise.
    max_bytes : int, default=MAX_TABLE_BYTES
        Refuse larger files (50 MB: a table of the districts is far smaller).

    Returns
    -------
    DataFrame
        Numeric columns as floats (missing codes and unreadable cells as NaN), text columns
        as text, the code column as 6-digit text (codes that cannot be fixed kept as they
        came, and reported). ``attrs["read"]`` (the same object as
        ``geoprio.read_report(frame)``, a read-only :class:`~geoprio.readers.readreport.ReadReport`
        shared by every frame derived from this one) holds ``encoding``, ``delimiter``,
        ``header_row``, ``header_rows``, ``code_column``, ``number_styles``, ``rows`` and
        ``problems``: one dict per problem with ``kind`` (``text_in_numbers``,
        ``not_finite`` (``1e400``), ``invalid_code``, ``percent_out_of_range``,
        ``duplicate_code``, ``ambiguous_numbers``, ``mixed_encoding`` (bytes that are not
        UTF-8 in a UTF-8 file, read as Latin-1), ``multiline_cell`` (a quoted cell spanning
        lines), ``reserved_name`` (a column named ``score``, ``geometry``... read with a
        ``_table`` suffix)), ``row`` (data row from 1, as in
        :class:`~geoprio.readers.codes.JoinReport`), ``file_row`` (the line, or the sheet's row),
        ``column``, ``value`` and a ``message``; ``problem_counts`` counts them by kind.

    Raises
    ------
    InputError
        The file is empty, has only a header, is too big, is not what its name says (a
        ``.xlsx`` holding text), cannot be decoded, has a quote that is never closed, has no
        code column (or not ``key``), has more than :data:`MAX_COLUMNS` columns or
        :data:`MAX_CELLS` cells, or is a workbook above the limits of :mod:`geoprio.readers.xlsx`.
        The message (one line, at most 600 characters) names the file and lists the first
        problems; the exception's ``problems`` attribute holds them all as dicts. Any
        unexpected failure while reading is an ``InputError`` naming the file.

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
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise InputError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    if id_column is not None and not isinstance(id_column, str):
        raise TypeError("id_column must be a column name (str) or None, got "
                        f"{type(id_column).__name__}")
    if sheet is not None and not isinstance(sheet, (str, int)):
        raise TypeError(f"sheet must be a sheet name, a position or None, got "
                        f"{type(sheet).__name__}")
    data, label = _load_bytes(source, name, max_bytes, "table")
    try:
        return _read_table(data, label, sheet, id_column)
    except GeoprioError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise InputError(f"{label}: too large or too deeply nested to read "
                         f"({type(exc).__name__}); send a smaller table") from exc
    except Exception as exc:  # a reader failing on a file it does not expect: say which file
        log.debug("%s: unexpected error while reading", label, exc_info=True)
        raise InputError(f"{label}: cannot be read ({type(exc).__name__}: "
                         f"{one_line(bare_paths(exc), 160)}); save it again as CSV UTF-8 or "
                         "XLSX") from exc


def _read_table(data: bytes, label: str, sheet: str | int | None, key: str | None
                ) -> pd.DataFrame:
    suffix = Path(label).suffix.lower()
    if not data.strip():
        raise InputError(f"{label}: the file is empty; export the table again with its header "
                         "row and one row per district")
    kind = sniff(data[:64])
    if kind in ("zip", "ole"):
        return _read_sheet(data, label, sheet, key, kind)
    if suffix in _SHEET_SUFFIXES:
        raise InputError(f"{label}: is named {suffix} but is not a workbook (no spreadsheet "
                         "inside: text, HTML or another format); save it as .xlsx or .csv")
    text, encoding, notes = _decode(data, label)
    if "\x00" in text:
        raise InputError(f"{label}: contains NUL bytes, so it is not a text table (a binary "
                         "file?); save it as CSV UTF-8 or XLSX")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    problems = _Problems(notes)
    try:
        sample = [ln for ln in text[:200_000].split("\n")[:60] if ln.strip()]
        delim = _sniff_delimiter(sample)
        info = {"file": label, "format": "csv", "encoding": encoding, "delimiter": delim}
        raw, file_row = _frame_from_csv(text, delim, label, info, problems)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(f"{label}: a cell is longer than {csv.field_size_limit():,} "
                             "characters, which no table of districts has; check the file (a "
                             "quote or a separator missing?)") from exc
        raise InputError(f"{label}: cannot be read as CSV ({one_line(exc, 120)}); save it again "
                         "as CSV UTF-8 or XLSX") from exc
    return _tidy(raw, file_row, label, info, key, delim, problems)


def _read_sheet(data: bytes, label: str, sheet: str | int | None, key: str | None, kind: str
                ) -> pd.DataFrame:
    from geoprio.readers.xlsx import read_isolated, read_xlsx

    if kind == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                _check_zip(zf, label, InputError)
                members = set(zf.namelist())
                ods = "mimetype" in members and zf.read("mimetype")[:80] == \
                    b"application/vnd.oasis.opendocument.spreadsheet"
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"{label}: not a valid workbook ({one_line(exc, 120)}); save it "
                             "again as .xlsx or .csv") from exc
        if ods:
            rows, name, _ = read_isolated(data, label=label, sheet=sheet, kind="ods")
        elif "[Content_Types].xml" in members:
            rows, name, _ = read_xlsx(data, label=label, sheet=sheet)
        else:
            raise InputError(f"{label}: is a zip archive, not a workbook; send the .xlsx or "
                             ".csv itself")
    else:
        rows, name, _ = read_isolated(data, label=label, sheet=sheet, kind="xls")
    info = {"file": label, "format": "ods" if kind == "zip" and ods else
            "xls" if kind == "ole" else "xlsx", "sheet": name}
    if not rows:
        raise _empty(label)
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


def isolated_task(where: Path, **kwargs: Any) -> pd.DataFrame:
    """The reading child's task (:mod:`geoprio.readers.isolated`): the upload in ``where``."""
    return read_table((where / "payload").read_bytes(), **kwargs)
