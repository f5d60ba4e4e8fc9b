"""Checks of boundary files from their own bytes, before GDAL opens them.

GDAL follows references that a user's file can carry: an OGR VRT names any local file or URL
as its source, a GeoJSON ``crs`` member of type ``link`` is fetched over HTTP, an SQLite
virtual table reads other files. :func:`geoprio.readers.boundaries.read_boundaries` opens a file
only
after these checks say it is one of the three documented formats and holds no such reference:

* :func:`check_geojson` scans the bytes once (in chunks, without building the JSON in memory):
  nesting depth (at most :data:`MAX_JSON_DEPTH`), balance, the top-level ``type`` and the
  ``crs`` member, which may only name a CRS (``EPSG:32718``, ``urn:ogc:def:crs:...``);
* :func:`check_geopackage` reads the SQLite schema with Python's ``sqlite3`` (read-only), as
  SQLite parses it: a GeoPackage has ``gpkg_contents``; views, virtual tables other than the
  R-tree spatial index, generated columns, triggers other than the index's and the standard's,
  and indexes on expressions are refused;
* :func:`check_shapefile` compares the record counts of ``.shp``/``.shx`` and ``.dbf`` (a
  ``.dbf`` with fewer records silently drops polygons in GDAL) and that no part is cut short.

Examples
--------
>>> check_geojson(b'{"type": "FeatureCollection", "features": []}', "x.geojson")
{'type': 'FeatureCollection', 'crs': None, 'depth': 2}
"""

from __future__ import annotations

import json
import re
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from geoprio.errors import GeometryError
from geoprio.readers.safety import clip, names, one_line

__all__ = ["GPKG_SYSTEM_TABLES", "MAX_JSON_DEPTH", "MAX_SCHEMA_ENTRIES", "check_geojson",
           "check_geopackage", "check_shapefile"]

#: Deepest nesting of arrays and objects in a boundary GeoJSON. A MultiPolygon feature in a
#: FeatureCollection needs 9 levels; nested GeometryCollections take 2 more each.
MAX_JSON_DEPTH = 32
_CHUNK = 2**20  # bytes scanned at once (about 40 MB of arrays)
_TOP_KEYS = (b'"type"', b'"crs"')
_CRS_NAME = re.compile(r"(?:EPSG|ESRI|IAU_2015|OGC):[0-9A-Za-z]+|urn:ogc:def:crs:[A-Za-z0-9_.]+:"
                       r"[0-9.]*:[0-9A-Za-z]+|CRS84", re.IGNORECASE)


# --------------------------------------------------------------------------- GeoJSON
def check_geojson(data: bytes | Path, label: str) -> dict[str, Any]:
    """Outline of a GeoJSON (top-level ``type``, ``crs`` member, depth), or a GeometryError.

    Parameters
    ----------
    data : bytes or Path
        The file's bytes, or its path (read in chunks).
    label : str
        The name the user gave, for messages.

    Raises
    ------
    GeometryError
        Nested deeper than :data:`MAX_JSON_DEPTH`, brackets or quotes that do not balance, a
        top level that is not a FeatureCollection or a Feature, or a ``crs`` member that is
        not a CRS name (e.g. ``"type": "link"``, which GDAL would fetch).
    """
    if isinstance(data, Path):
        with open(data, "rb") as f:
            def read(offset: int, n: int) -> bytes:
                f.seek(offset)
                return f.read(n)
            tops, depth = _scan(read, data.stat().st_size, label)
            found = {k: _member(read, pos, k, label) for k, pos in tops.items()}
    else:
        def read(offset: int, n: int) -> bytes:
            return data[offset:offset + n]
        tops, depth = _scan(read, len(data), label)
        found = {k: _member(read, pos, k, label) for k, pos in tops.items()}
    kind = found.get("type")
    if kind not in ("FeatureCollection", "Feature"):
        what = {"Topology": "a TopoJSON", None: "JSON without a GeoJSON 'type'"}.get(
            kind, f"GeoJSON of type {clip(kind, 40)}" if isinstance(kind, str) else "JSON")
        raise GeometryError(f"{label}: is {what}, not a GeoJSON FeatureCollection of district "
                            "polygons with their codes; export the layer as GeoJSON features")
    crs = found.get("crs")
    if crs is not None:
        _check_crs_member(crs, label)
    return {"type": kind, "crs": crs, "depth": depth}


def _check_crs_member(crs: Any, label: str) -> None:
    props = crs.get("properties") if isinstance(crs, dict) else None
    kind = crs.get("type") if isinstance(crs, dict) else None
    ok = isinstance(props, dict) and (
        (kind == "name" and isinstance(props.get("name"), str)
         and _CRS_NAME.fullmatch(props["name"].strip()) is not None)
        or (kind == "EPSG" and isinstance(props.get("code"), int)))
    if not ok:
        raise GeometryError(
            f"{label}: its 'crs' member ({one_line(json.dumps(crs)[:120], 120)}) is not a CRS "
            "name such as EPSG:32718 (a 'link' would make the server fetch a URL or read a "
            "file, and is not followed); write {\"type\": \"name\", \"properties\": {\"name\": "
            "\"EPSG:32718\"}} or save the layer in EPSG:4326 without 'crs'")


def _scan(read: Callable[[int, int], bytes], size: int, label: str
          ) -> tuple[dict[str, int], int]:
    """Depth check over the whole file; positions of the top-level keys of interest."""
    depth = 0          # nesting before the chunk
    in_str = 0         # inside a string before the chunk (0/1)
    slashes = 0        # backslashes ending the previous chunk
    top_quotes: list[int] = []  # string starts at depth 1 (keys and values of the top object)
    max_depth = 0
    offset = 0
    while offset < size:
        chunk = read(offset, _CHUNK)
        if not chunk:
            break
        a = np.frombuffer(chunk, dtype=np.uint8)
        n = a.size
        bs = a == 92
        idx = np.arange(n, dtype=np.int32)
        last = np.maximum.accumulate(np.where(bs, np.int32(-1), idx))
        run = np.empty(n, dtype=np.int64)  # backslashes just before each byte
        run[0] = slashes
        run[1:] = idx[:-1] - last[:-1]
        run[1:][last[:-1] == -1] += slashes
        quote = (a == 34) & (run % 2 == 0)
        del run
        before = np.cumsum(quote, dtype=np.int32) - quote + in_str
        outside = (before & 1) == 0
        step = (((a == 91) | (a == 123)) & outside).astype(np.int32) - (
            ((a == 93) | (a == 125)) & outside)
        level = np.cumsum(step, dtype=np.int64) + depth
        deepest = int(level.max())
        if deepest > MAX_JSON_DEPTH:
            at = offset + int(np.argmax(level > MAX_JSON_DEPTH))
            raise GeometryError(f"{label}: nested more than {MAX_JSON_DEPTH} levels deep (at "
                                f"byte {at:,}); boundary GeoJSON needs fewer (a MultiPolygon "
                                "feature needs 9)")
        if int(level.min()) < 0:
            at = offset + int(np.argmax(level < 0))
            raise GeometryError(f"{label}: not valid JSON (a bracket closes at byte {at:,} "
                                "that was never opened)")
        max_depth = max(max_depth, deepest)
        level_before = level - step
        starts = np.flatnonzero(quote & outside & (level_before == 1))
        if len(top_quotes) < 10_000:
            top_quotes.extend((starts[:10_000] + offset).tolist())
        depth = int(level[-1])
        in_str = int((before[-1] + quote[-1]) & 1)
        slashes = int(n - 1 - last[-1]) if last[-1] >= 0 else slashes + n
        offset += n
    if depth != 0 or in_str:
        raise GeometryError(f"{label}: not valid JSON (cut short: "
                            f"{'a string' if in_str else f'{depth} bracket(s)'} left open at "
                            "the end); export the layer again")
    out: dict[str, int] = {}
    for pos in top_quotes:
        head = read(pos, 16)
        for key in _TOP_KEYS:
            name = key.decode().strip('"')
            if head.startswith(key) and name not in out and \
                    read(pos + len(key), 64).lstrip().startswith(b":"):
                out[name] = pos + len(key)
    return out, max_depth


def _member(read: Callable[[int, int], bytes], pos: int, key: str, label: str) -> Any:
    """The JSON value after ``"key"`` at ``pos`` (at most 64 KB)."""
    text = read(pos, 65536).decode("utf-8", errors="replace")
    colon = text.lstrip()
    if not colon.startswith(":"):
        return None  # a top-level string value equal to "type" or "crs", not a key
    try:
        value, _ = json.JSONDecoder().raw_decode(colon[1:].lstrip())
    except json.JSONDecodeError:
        raise GeometryError(f"{label}: the top-level {key!r} member cannot be read (longer "
                            "than 64 KB or not valid JSON)") from None
    return value


# --------------------------------------------------------------------------- GeoPackage
#: Tables a GeoPackage may hold besides its layers: the standard's own (OGC 12-128r18 and its
#: registered extensions), GDAL's feature counts, and SQLite's bookkeeping.
GPKG_SYSTEM_TABLES = frozenset({
    "gpkg_spatial_ref_sys", "gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions",
    "gpkg_tile_matrix_set", "gpkg_tile_matrix", "gpkg_data_columns",
    "gpkg_data_column_constraints", "gpkg_metadata", "gpkg_metadata_reference",
    "gpkg_2d_gridded_coverage_ancillary", "gpkg_2d_gridded_tile_ancillary", "gpkg_ogr_contents",
    "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})
#: Most entries (tables, indexes, triggers...) in a GeoPackage's schema.
MAX_SCHEMA_ENTRIES = 100_000
_RTREE_SHADOWS = ("_node", "_parent", "_rowid")
_RTREE_TRIGGERS = frozenset({"insert", "delete", *(f"update{i}" for i in range(1, 8))})
_SQL_TOKEN = re.compile(r"""\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$)|"(?:[^"]|"")*"|'(?:[^']|'')*'"""
                        r"""|\[[^\]]*\]|`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_$]*|.""", re.DOTALL)


def check_geopackage(path: Path, label: str) -> None:
    """Refuse an SQLite file that is not a plain GeoPackage, from its parsed schema.

    The file is opened with Python's ``sqlite3`` read-only and immutable (give it a private
    copy: the check and the read must see the same bytes) and nothing of it is run. SQLite's
    own reading of the schema decides (``sqlite_master`` types, ``PRAGMA table_list``,
    ``PRAGMA table_xinfo``, ``PRAGMA index_xinfo``), never a search of its text:

    * views, and virtual tables other than the R-tree index of a registered geometry column
      (the module named after ``USING``, comments skipped), are refused: they can draw on
      other tables and files;
    * generated columns (``GENERATED ALWAYS AS (...)``, which SQLite computes on every row
      read: a 106 kB file took a server from 0.5 to 3.4 GB) and hidden columns are refused;
    * triggers are refused, but those of the R-tree index, GDAL's feature counts and the
      standard's triggers on its own tables; so are indexes on expressions or partial ones.

    Raises
    ------
    GeometryError
        Naming the object refused and why.
    """
    con = _open_read_only(path, label)
    try:
        entries = _schema_entries(con, label)
        present = {n for _, n, _, _ in entries}
        if "gpkg_contents" not in present or "gpkg_geometry_columns" not in present:
            raise GeometryError(f"{label}: is an SQLite database but not a GeoPackage (no "
                                "gpkg_contents table, or no gpkg_geometry_columns); export the "
                                "layer as GeoPackage")
        views = [n for t, n, _, _ in entries if t == "view"]
        if views:
            raise GeometryError(f"{label}: holds view(s) {names(views, 5)}, which are not read "
                                "(a view can draw on other tables and files); export the layer "
                                "as a plain GeoPackage table")
        kinds = {str(r[1]): str(r[2]) for r in con.execute("PRAGMA main.table_list")}
        _check_columns(con, [n for n, k in kinds.items() if k == "table"], label)
        indexes = _rtree_indexes(con)
        _check_virtual(entries, kinds, indexes, label)
        _check_triggers(entries, indexes, label)
        _check_indexes(con, entries, kinds, label)
    except sqlite3.Error as exc:
        raise GeometryError(f"{label}: not a valid GeoPackage ({one_line(exc, 120)}); export "
                            "the layer again") from None
    finally:
        con.close()


def _open_read_only(path: Path, label: str) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        con.execute("PRAGMA trusted_schema=OFF")
        con.execute("PRAGMA cell_size_check=ON")
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 10 * 2**20)
    except sqlite3.Error as exc:
        raise GeometryError(f"{label}: cannot be opened as a GeoPackage "
                            f"({one_line(exc, 120)})") from None
    return con


def _schema_entries(con: sqlite3.Connection, label: str) -> list[tuple[str, str, str, str]]:
    """``(type, name, tbl_name, sql)`` of every schema entry, bounded."""
    try:
        rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master LIMIT "
                           f"{MAX_SCHEMA_ENTRIES + 1}").fetchall()
    except sqlite3.Error as exc:
        raise GeometryError(f"{label}: not a valid GeoPackage ({one_line(exc, 120)}); export "
                            "the layer again") from None
    if len(rows) > MAX_SCHEMA_ENTRIES:
        raise GeometryError(f"{label}: the GeoPackage's schema has more than "
                            f"{MAX_SCHEMA_ENTRIES:,} entries (MAX_SCHEMA_ENTRIES)")
    return [(str(t), str(n), str(tb), str(sql or "")) for t, n, tb, sql in rows]


def _check_columns(con: sqlite3.Connection, tables: list[str], label: str) -> None:
    """No ordinary table may have a generated (computed) or hidden column."""
    what = {1: "a hidden column", 2: "a generated column (GENERATED ALWAYS AS ... VIRTUAL)",
            3: "a generated column (GENERATED ALWAYS AS ... STORED)"}
    for table in tables:
        for row in con.execute("SELECT name, hidden FROM pragma_table_xinfo(?)", (table,)):
            if row[1]:
                raise GeometryError(
                    f"{label}: table {clip(table, 40)} has {what.get(row[1], 'a computed column')}"
                    f" {clip(row[0], 40)}, which SQLite would compute on every row read; export "
                    "the layer as a plain GeoPackage (values, not formulas)")


def _rtree_indexes(con: sqlite3.Connection) -> dict[str, str]:
    """R-tree name -> its layer, for each registered geometry column (``rtree_<t>_<c>``)."""
    rows = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns LIMIT 10001")
    return {f"rtree_{t}_{c}": str(t) for t, c in rows if isinstance(t, str)
            and isinstance(c, str)}


def _check_virtual(entries: list[tuple[str, str, str, str]], kinds: dict[str, str],
                   indexes: dict[str, str], label: str) -> None:
    sql_of = {n: sql for t, n, _, sql in entries if t == "table"}
    for name, kind in kinds.items():
        if kind == "virtual":
            module = _virtual_module(sql_of.get(name, ""))
            if module.lower() != "rtree" or name not in indexes:
                raise GeometryError(
                    f"{label}: holds virtual table {clip(name, 40)} (module {clip(module, 30)}"
                    "), which can read other files and is not opened; only the R-tree index "
                    "of a layer's geometry is; export the layer as a plain GeoPackage")
        elif kind == "shadow" and not any(name == r + s for r in indexes for s in _RTREE_SHADOWS
                                          if kinds.get(r) == "virtual"):
            raise GeometryError(f"{label}: holds {clip(name, 40)}, the shadow table of a "
                                "virtual table that is not a layer's R-tree index; export the "
                                "layer as a plain GeoPackage")


def _virtual_module(sql: str) -> str:
    """The module of ``CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module``.

    Examples
    --------
    >>> _virtual_module("CREATE VIRTUAL TABLE x USING VirtualOGR('/etc/passwd') -- USING rtree(")
    'VirtualOGR'
    >>> _virtual_module('create virtual table "rtree_t_geom" /* USING x( */ using rtree(id)')
    'rtree'
    """
    words = []
    for m in _SQL_TOKEN.finditer(sql):
        token = m.group()
        if token.isspace() or token.startswith(("--", "/*")):
            continue
        words.append(token)
        if len(words) > 12:
            break
    upper = [w.upper() for w in words]
    if "USING" not in upper or upper[:3] != ["CREATE", "VIRTUAL", "TABLE"]:
        return "?"
    following = words[upper.index("USING") + 1:]
    module = following[0] if following else "?"
    return module[1:-1] if module[:1] in "\"'[`" and len(module) > 1 else module


def _check_triggers(entries: list[tuple[str, str, str, str]], indexes: dict[str, str],
                    label: str) -> None:
    """Only the R-tree's, GDAL's feature-count and the standard's own triggers."""
    for kind, name, table, _ in entries:
        if kind != "trigger":
            continue
        rtree, _, action = name.rpartition("_")
        ok = (indexes.get(rtree) == table and action in _RTREE_TRIGGERS) or name in (
            f"trigger_insert_feature_count_{table}", f"trigger_delete_feature_count_{table}") \
            or (table in GPKG_SYSTEM_TABLES and table.startswith("gpkg_")
                and name.startswith(table + "_"))
        if not ok:
            raise GeometryError(f"{label}: holds trigger {clip(name, 40)} on "
                                f"{clip(table, 40)}, which is not part of a GeoPackage (a "
                                "trigger runs SQL of the file's author); export the layer as a "
                                "plain GeoPackage")


def _check_indexes(con: sqlite3.Connection, entries: list[tuple[str, str, str, str]],
                   kinds: dict[str, str], label: str) -> None:
    """Indexes on columns of ordinary tables only (no expression, no partial index)."""
    for kind, name, table, _ in entries:
        if kind != "index":
            continue
        partial = any(row[1] == name and row[4] for row in con.execute(
            "SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list(?)", (table,)))
        expression = any(row[0] == -2 for row in con.execute(
            "SELECT cid FROM pragma_index_xinfo(?)", (name,)))
        if kinds.get(table) != "table" or partial or expression:
            raise GeometryError(f"{label}: holds index {clip(name, 40)} on an expression, a "
                                "condition or a table that is not plain, which is not part of "
                                "a GeoPackage; export the layer as a plain GeoPackage")


# --------------------------------------------------------------------------- shapefile
def _part(shp: Path, ext: str) -> Path | None:
    for cand in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if cand.is_file():
            return cand
    return None


def check_shapefile(shp: Path, label: str) -> int:
    """Number of shapes, after checking that ``.shp``, ``.shx`` and ``.dbf`` agree.

    Raises
    ------
    GeometryError
        A part missing, not a shapefile part, cut short, or a ``.dbf`` whose record count is
        not the number of shapes (GDAL would pair them silently and drop the rest).
    """
    shx, dbf = _part(shp, ".shx"), _part(shp, ".dbf")
    missing = [e for e, p in ((".shx (shape index)", shx), (".dbf (attribute table)", dbf))
               if p is None]
    if missing:
        raise GeometryError(f"{label}: the shapefile has no {' and no '.join(missing)}; send "
                            "all its parts together (.shp, .shx, .dbf, .prj, .cpg) in a zip")
    with open(shp, "rb") as f:
        head = f.read(100)
    with open(shx, "rb") as f:  # type: ignore[arg-type]
        index = f.read()
    if len(head) < 100 or head[:4] != b"\x00\x00\x27\x0a" or len(index) < 100 or \
            index[:4] != b"\x00\x00\x27\x0a":
        raise GeometryError(f"{label}: the .shp or .shx is not a shapefile part (bad header)")
    n_shapes = (len(index) - 100) // 8
    shp_size = shp.stat().st_size
    if n_shapes:
        off, length = struct.unpack(">ii", index[100 + 8 * (n_shapes - 1): 100 + 8 * n_shapes])
        if off * 2 + 8 + length * 2 > shp_size:
            raise GeometryError(f"{label}: the .shp is cut short: its index (.shx) lists "
                                f"{n_shapes:,} shapes, the last ending at byte "
                                f"{off * 2 + 8 + length * 2:,} of a {shp_size:,}-byte file; "
                                "export the layer again")
    with open(dbf, "rb") as f:  # type: ignore[arg-type]
        dhead = f.read(32)
    if len(dhead) < 32:
        raise GeometryError(f"{label}: the .dbf is not an attribute table (too short)")
    n_records, header_len, record_len = struct.unpack("<IHH", dhead[4:12])
    dbf_size = dbf.stat().st_size  # type: ignore[union-attr]
    if n_records != n_shapes:
        raise GeometryError(f"{label}: the .shp holds {n_shapes:,} shapes but the .dbf "
                            f"{n_records:,} records, so shapes cannot be matched to their "
                            "codes; the parts come from different saves: export the layer "
                            "again and send all its parts")
    if header_len + n_records * record_len > dbf_size:
        have = max(dbf_size - header_len, 0) // max(record_len, 1)
        raise GeometryError(f"{label}: the .dbf is cut short: it declares {n_records:,} "
                            f"records but holds {have:,}; export the layer again")
    return n_shapes
