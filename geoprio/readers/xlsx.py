"""A bounded reader for workbooks that users upload.

A 2 KB XLSX whose used range reaches the sheet's last cell (``XFD1048576``) made the Rust
reader behind ``pandas.read_excel(engine="calamine")`` allocate 512 GB and abort the whole
process; padded shared strings made it run for minutes. :func:`read_xlsx` reads the XML itself,
in a bounded way:

* the zip's declared sizes are checked before anything is unpacked, and the bytes actually
  unpacked are counted as they stream (a member that lies about its size is stopped);
* only cells that hold a value are kept (a used range that is only formatting costs nothing);
  the table built from them is at most :data:`MAX_TABLE_CELLS` cells, and the message names
  the far cell that would make it bigger;
* the XML is parsed by the standard library's expat (no DTD, no external entity is fetched);
  external links, macros and embedded objects are never opened.

Old ``.xls`` and ``.ods`` files go to :func:`read_isolated`: calamine in a child process with
limits on memory and time, so that a native crash or an allocation failure ends the child, not
the server.

Examples
--------
>>> import io
>>> from openpyxl import Workbook
>>> wb = Workbook(); ws = wb.active; ws.append(["ubigeo", "valor"]); ws.append(["010101", 2.5])
>>> buf = io.BytesIO(); wb.save(buf)
>>> rows, sheet, sheets = read_xlsx(buf.getvalue(), label="x.xlsx")
>>> rows, sheet
([['ubigeo', 'valor'], ['010101', 2.5]], 'Sheet')
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import math
import posixpath
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

from geoprio.errors import InputError
from geoprio.readers.safety import clip, one_line

__all__ = [
    "MAX_CELL_ELEMENTS",
    "MAX_SHARED_STRINGS",
    "MAX_SHEET_XML_BYTES",
    "MAX_TABLE_CELLS",
    "MAX_VALUES",
    "read_isolated",
    "read_xlsx",
]

log = logging.getLogger(__name__)

#: Largest uncompressed XML of the sheet read (a sheet of the 1,874 districts with 60 columns
#: is about 10 MB).
MAX_SHEET_XML_BYTES = 100 * 2**20
#: Largest uncompressed shared-strings part, and most strings in it.
MAX_SHARED_BYTES = 100 * 2**20
MAX_SHARED_STRINGS = 2_000_000
#: Largest workbook, relationship or styles part (they are small in real workbooks).
MAX_META_BYTES = 20 * 2**20
#: Most cells holding a value that one sheet may have (the 1,874 districts with 266
#: columns); a sheet this full takes about 4 s to read (benchmarks/bench_hostile.py).
MAX_VALUES = 500_000
#: Most cell elements, empty or not, that one sheet may have (formatting-only cells cost time
#: to parse too).
MAX_CELL_ELEMENTS = 1_000_000
#: Most cells (rows x columns, from A1 to the farthest value) of the table built from a sheet.
MAX_TABLE_CELLS = 10_000_000
#: Memory (bytes) and time (seconds) allowed to the child process that reads .xls and .ods.
ISOLATED_MEMORY = 1536 * 2**20
ISOLATED_SECONDS = 60

_EXCEL_ROWS, _EXCEL_COLS = 1_048_576, 16_384
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DATE_IDS = frozenset({*range(14, 23), 45, 46, 47})
_NS = ("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
       "{http://purl.oclc.org/ooxml/spreadsheetml/main}", "")
_ROW, _C, _V, _IS = (frozenset(ns + t for ns in _NS) for t in ("row", "c", "v", "is"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


class _Book:
    """The parts of one workbook, read with limits."""

    def __init__(self, zf: zipfile.ZipFile, label: str) -> None:
        self.zf, self.label = zf, label
        self.names = {i.filename: i for i in zf.infolist()}

    def error(self, text: str) -> InputError:
        return InputError(f"{self.label}: {text}")

    def events(self, name: str, limit: int, what: str,
               events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, ET.Element]]:
        info = self.names.get(name)
        if info is None:
            raise self.error(f"the workbook has no {name}; save it again from Excel as .xlsx")
        if info.file_size > limit:
            raise self.error(f"its {what} ({name}) would unpack to {info.file_size:,} bytes, more "
                             f"than the {limit:,} read; keep only the table in the workbook")
        parser = ET.XMLPullParser(events)
        seen = 0
        try:
            with self.zf.open(info) as f:
                while chunk := f.read(1 << 20):
                    if seen == 0 and (b"<!DOCTYPE" in chunk[:65536] or b"<!ENTITY" in
                                      chunk[:65536]):
                        raise self.error(f"{name} declares a DTD or entities, which workbooks "
                                         "written by Excel never do; it is not read")
                    seen += len(chunk)
                    if seen > limit:
                        raise self.error(f"its {what} ({name}) unpacks to more than the "
                                         f"{info.file_size:,} bytes it declares; the file is "
                                         "damaged or hostile")
                    parser.feed(chunk)
                    yield from parser.read_events()
            parser.close()
            yield from parser.read_events()
        except ET.ParseError as exc:
            raise self.error(f"{name} is not well-formed XML ({one_line(exc, 120)}); save the "
                             "workbook again from Excel") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
                OSError, EOFError) as exc:
            raise self.error(f"{name} cannot be unpacked ({one_line(exc, 120)})") from None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, resolved part name) of ``part``; external targets left out."""
        folder, base = posixpath.split(part)
        name = posixpath.join(folder, "_rels", base + ".rels")
        if name not in self.names:
            return {}
        out = {}
        for _, el in self.events(name, MAX_META_BYTES, "relationships"):
            if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
                continue
            target = el.get("Target") or ""
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            out[el.get("Id") or ""] = (el.get("Type") or "", resolved)
        return out


def _workbook(book: _Book) -> tuple[str, list[tuple[str, str]], bool]:
    """The workbook part, its sheets as (name, relationship id), and the 1904 date flag."""
    root = [t for ty, t in book.rels("").values() if ty.endswith("/officeDocument")]
    part = root[0] if root else "xl/workbook.xml"
    sheets, date1904 = [], False
    for _, el in book.events(part, MAX_META_BYTES, "workbook part"):
        tag = _local(el.tag)
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            sheets.append((el.get("name") or f"Sheet{len(sheets) + 1}", rid))
        elif tag == "workbookPr":
            date1904 = (el.get("date1904") or "").lower() in ("1", "true")
    return part, sheets, date1904


def _is_date_format(code: str) -> bool:
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code)
    return bool(re.search(r"[dmyhs]", bare, re.IGNORECASE)) and bare.lower() != "general"


def _date_styles(book: _Book, part: str | None) -> frozenset[int]:
    if part is None or part not in book.names:
        return frozenset()
    formats: dict[int, str] = {}
    xfs: list[int] = []
    in_xfs = False
    for event, el in book.events(part, MAX_META_BYTES, "styles part", ("start", "end")):
        tag = _local(el.tag)
        if tag == "cellXfs":
            in_xfs = event == "start"
        elif event == "end" and tag == "numFmt":
            try:
                formats[int(el.get("numFmtId", "-1"))] = el.get("formatCode") or ""
            except ValueError:
                continue
        elif event == "end" and tag == "xf" and in_xfs:
            try:
                xfs.append(int(el.get("numFmtId", "0")))
            except ValueError:
                xfs.append(0)
    return frozenset(i for i, f in enumerate(xfs) if f in _DATE_IDS or (
        f in formats and _is_date_format(formats[f])))


def _text_of(el: ET.Element) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t>, without phonetics."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    text = "".join(parts)
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _shared_strings(book: _Book, part: str | None) -> list[str]:
    if part is None or part not in book.names:
        return []
    out: list[str] = []
    root = None
    for event, el in book.events(part, MAX_SHARED_BYTES, "shared strings", ("start", "end")):
        if event == "start":
            if root is None:
                root = el
            continue
        if _local(el.tag) == "si":
            out.append(_text_of(el))
            if len(out) > MAX_SHARED_STRINGS:
                raise book.error(f"more than {MAX_SHARED_STRINGS:,} shared strings; keep only "
                                 "the table in the workbook")
            el.clear()
            if root is not None:
                with contextlib.suppress(ValueError):
                    root.remove(el)
    return out


def _serial_date(serial: float, date1904: bool) -> Any:
    if not 0 <= serial < 2_958_466:
        return serial
    if date1904:
        base = dt.datetime(1904, 1, 1)
    else:
        base = dt.datetime(1899, 12, 31) if serial < 60 else dt.datetime(1899, 12, 30)
    return base + dt.timedelta(days=serial)


def _value(c: ET.Element, kind: str, shared: list[str], dates: frozenset[int],
           date1904: bool, book: _Book, ref: str) -> Any:
    v = None
    for child in c:
        tag = child.tag
        if tag in _V:
            v = child.text
        elif tag in _IS:
            return _text_of(child)
    if v is None:
        return None
    if kind == "s":
        try:
            return shared[int(v)]
        except (ValueError, IndexError):
            raise book.error(f"cell {ref} refers to shared string {clip(v, 20)}, but the "
                             f"workbook has {len(shared):,}; the file is damaged") from None
    if kind in ("str", "e", "d", "inlineStr"):
        return v
    if kind == "b":
        return v.strip() in ("1", "true")
    try:
        number = float(v)
    except ValueError:
        return v  # not a number although typed as one: the table reader reports it as text
    if not math.isfinite(number):
        return v.strip()  # '1e400': kept as written, reported as not a finite number
    style = c.get("s")
    if style is not None and dates and style.isdigit() and int(style) in dates:
        return _serial_date(number, date1904)
    return number


def read_xlsx(data: bytes, *, label: str, sheet: str | int | None = 0
              ) -> tuple[list[list[Any]], str, list[str]]:
    """Rows of one sheet of an XLSX workbook, read with the limits of this module.

    Parameters
    ----------
    data : bytes
        The workbook.
    label : str
        The file's name, for messages.
    sheet : str or int, default=0
        Sheet name or position (``None`` is the first).

    Returns
    -------
    (rows, sheet_name, sheet_names)
        ``rows`` from row 1 to the last row holding a value, each a list from column A to
        its last value (``None`` for an empty cell): text as ``str``, numbers as ``float``,
        booleans, date-formatted numbers as ``datetime``. Merged cells hold their value in
        the top-left cell only, as in the file.

    Raises
    ------
    InputError
        A damaged or hostile workbook, a missing sheet, or a sheet above the limits (the
        message names the limit and, for the table's size, the farthest cell).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{label}: not a valid XLSX workbook ({one_line(exc, 120)}); save it "
                         "again as .xlsx or .csv") from None
    with zf:
        book = _Book(zf, label)
        part, sheets, date1904 = _workbook(book)
        names = [n for n, _ in sheets]
        if not sheets:
            raise book.error("the workbook has no sheet")
        if sheet is None:
            sheet = 0
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(sheets):
                raise book.error(f"sheet {sheet} does not exist; sheets: {names[:20]}")
            name, rid = sheets[sheet]
        else:
            match = [s for s in sheets if s[0] == sheet]
            if not match:
                raise book.error(f"no sheet {clip(sheet)}; sheets: {names[:20]}")
            name, rid = match[0]
        rels = book.rels(part)
        target = rels.get(rid)
        if target is None or not target[0].endswith("/worksheet"):
            what = "a chart sheet" if target and target[0].endswith("/chartsheet") else \
                "not a worksheet"
            raise book.error(f"sheet {clip(name)} is {what}; choose a sheet holding the table")
        by_type = {ty.rpartition("/")[2]: t for ty, t in rels.values()}
        shared = _shared_strings(book, by_type.get("sharedStrings"))
        dates = _date_styles(book, by_type.get("styles"))
        rows = _sheet_rows(book, target[1], name, shared, dates, date1904)
    return rows, name, names


def _sheet_rows(book: _Book, part: str, name: str, shared: list[str], dates: frozenset[int],
                date1904: bool) -> list[list[Any]]:
    """The sheet's values as rows of cells (None where empty), every bound checked while
    streaming: rows in order, cells and values counted, the table's extent."""
    cells: dict[int, list[tuple[int, Any]]] = {}
    n_values = n_elements = 0
    last_row = 0
    far_row = far_col = (0, 0, None)  # (row, col, value) of the farthest value down / across
    for _, el in book.events(part, MAX_SHEET_XML_BYTES, f"sheet {clip(name)}"):
        if el.tag not in _ROW:
            continue
        r_attr = el.get("r")
        row = int(r_attr) if r_attr and r_attr.isdigit() else last_row + 1
        if not last_row < row <= _EXCEL_ROWS:
            raise book.error(f"sheet {clip(name)} has a row numbered {clip(r_attr, 20)} after "
                             f"row {last_row:,}; rows go up from 1 to {_EXCEL_ROWS:,} (the "
                             "file is damaged)")
        last_row = row
        n_elements += len(el)
        if n_elements > MAX_CELL_ELEMENTS:
            raise book.error(f"sheet {clip(name)} has more than {MAX_CELL_ELEMENTS:,} cells "
                             "(most of them empty or formatting only?); copy the table to a new "
                             "sheet")
        kept = _row_values(book, el, row, name, shared, dates, date1904)
        el.clear()  # a row's cells are freed as soon as they are read
        if kept:
            n_values += len(kept)
            if n_values > MAX_VALUES:
                raise book.error(f"sheet {clip(name)} holds more than {MAX_VALUES:,} values; "
                                 "keep only the table you need")
            cells[row] = kept
            far_row = (row, *kept[-1])
            top = max(kept, key=lambda t: t[0])
            if top[0] > far_col[1]:
                far_col = (row, *top)
    return _table_of(book, name, cells, far_row, far_col)


def _row_values(book: _Book, el: Any, row: int, name: str, shared: list[str],
                dates: frozenset[int], date1904: bool) -> list[tuple[int, Any]]:
    """A row element's non-blank values as (column, value), columns within Excel's."""
    col = 0
    kept: list[tuple[int, Any]] = []
    for c in el:
        if c.tag not in _C:
            continue
        ref = c.get("r")
        m = _REF.fullmatch(ref) if ref else None
        col = _col_number(m.group(1)) if m else col + 1
        if not 1 <= col <= _EXCEL_COLS:
            raise book.error(f"sheet {clip(name)} has a cell {clip(ref, 20)} beyond "
                             f"Excel's last column (XFD)")
        value = _value(c, c.get("t", "n"), shared, dates, date1904, book,
                       ref or f"{_col_letters(col)}{row}")
        if value is None or (value.__class__ is str and not value.strip()):
            continue
        kept.append((col, value))
    return kept


def _table_of(book: _Book, name: str, cells: dict[int, list[tuple[int, Any]]],
              far_row: tuple, far_col: tuple) -> list[list[Any]]:
    """The rows of the table the values span (refused above :data:`MAX_TABLE_CELLS`, naming
    the farthest cell)."""
    n_rows, n_cols = far_row[0], far_col[1]
    if n_rows * n_cols > MAX_TABLE_CELLS:
        r, c, v = far_col if far_col[1] > 1024 else far_row
        raise book.error(
            f"sheet {clip(name)} has a value in cell {_col_letters(c)}{r} "
            f"({f'{v:g}' if isinstance(v, float) else clip(v, 30)}), "
            f"which makes a table of {n_rows:,} rows x {n_cols:,} columns, more than the "
            f"{MAX_TABLE_CELLS:,} cells read; delete what lies outside the table (Ctrl+End "
            "shows the last cell) or copy the table to a new sheet")
    rows: list[list[Any]] = [[] for _ in range(n_rows)]
    for row, kept in cells.items():
        width = max(c for c, _ in kept)
        line: list[Any] = [None] * width
        for c, v in kept:
            line[c - 1] = v
        rows[row - 1] = line
    return rows


# --------------------------------------------------------------------------- isolated reader
_CHILD = r"""
import json, sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
    resource.setrlimit(resource.RLIMIT_CPU, (int(sys.argv[2]), int(sys.argv[2])))
except (ImportError, ValueError, OSError):
    pass
import os, tempfile
from python_calamine import CalamineWorkbook
data = sys.stdin.buffer.read()
fd, path = tempfile.mkstemp(suffix=sys.argv[4])
try:
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    wb = CalamineWorkbook.from_path(path)
finally:
    os.unlink(path)
names = list(wb.sheet_names)
sheet = json.loads(sys.argv[3])
if isinstance(sheet, int):
    if not 0 <= sheet < len(names):
        print(json.dumps({"error": f"sheet {sheet} does not exist; sheets: {names[:20]}"}))
        sys.exit(0)
    sheet = names[sheet]
if sheet not in names:
    print(json.dumps({"error": f"no sheet {sheet!r}; sheets: {names[:20]}"}))
    sys.exit(0)
rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
json.dump({"sheet": sheet, "names": names, "rows": rows}, sys.stdout, default=str)
"""


def read_isolated(data: bytes, *, label: str, sheet: str | int | None = 0, kind: str = "xls"
                  ) -> tuple[list[list[Any]], str, list[str]]:
    """Rows of a ``.xls`` or ``.ods`` sheet, read by calamine in a child process with limits.

    The child may use :data:`ISOLATED_MEMORY` bytes and :data:`ISOLATED_SECONDS` seconds; a
    crash, an allocation failure or a timeout there becomes an :class:`InputError` here.
    ``kind`` is ``"xls"`` or ``"ods"``. Returns the same as :func:`read_xlsx`.
    """
    if kind not in ("xls", "ods"):
        raise ValueError(f"kind must be 'xls' or 'ods', got {kind!r}")
    from geoprio.readers.isolated import reading_slot

    sheet_arg = json.dumps(0 if sheet is None else sheet)
    try:
        with reading_slot(label, InputError, ISOLATED_SECONDS):  # children of a process: few
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(ISOLATED_MEMORY), str(ISOLATED_SECONDS),
                 sheet_arg, "." + kind], input=data, capture_output=True,
                timeout=ISOLATED_SECONDS + 5, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"{label}: reading the spreadsheet took more than "
                         f"{ISOLATED_SECONDS} s and was stopped; save it as .xlsx or .csv"
                         ) from None
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        log.info("%s: isolated reader exited with %s: %s", label, proc.returncode, why[-1:])
        last = why[-1] if why else f"exit status {proc.returncode}"
        raise InputError(f"{label}: cannot be read as a spreadsheet ({one_line(last, 160)}); "
                         "save it as .xlsx or .csv")
    out = json.loads(proc.stdout)
    if "error" in out:
        raise InputError(f"{label}: {one_line(out['error'], 300)}")
    return out["rows"], out["sheet"], out["names"]
