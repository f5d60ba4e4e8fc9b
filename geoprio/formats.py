"""Checks of boundary files from their own bytes, before GDAL opens them.

GDAL follows references that a user's file can carry: an OGR VRT names any local file or URL
as its source, a GeoJSON ``crs`` member of type ``link`` is fetched over HTTP, an SQLite
virtual table reads other files. :func:`geoprio.boundaries.read_boundaries` opens a file only
after these checks say it is one of the three documented formats and holds no such reference:

* :func:`check_geojson` scans the bytes once (in chunks, without building the JSON in memory):
  nesting depth (at most :data:`MAX_JSON_DEPTH`), balance, the top-level ``type`` and the
  ``crs`` member, which may only name a CRS (``EPSG:32718``, ``urn:ogc:def:crs:...``);
* :func:`check_geopackage` reads the SQLite schema with Python's ``sqlite3`` (read-only): a
  GeoPackage has ``gpkg_contents``; views and virtual tables other than the R-tree spatial
  index are refused;
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
from geoprio.safety import clip, names, one_line

__all__ = ["MAX_JSON_DEPTH", "check_geojson", "check_geopackage", "check_shapefile"]

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
def check_geopackage(path: Path, label: str) -> None:
    """Refuse an SQLite file that is not a plain GeoPackage (views, virtual tables).

    The schema is read with Python's ``sqlite3`` in read-only, immutable mode; no SQL of the
    file is run.
    """
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise GeometryError(f"{label}: cannot be opened as a GeoPackage "
                            f"({one_line(exc, 120)})") from None
    try:
        rows = con.execute("SELECT type, name, sql FROM sqlite_master LIMIT 100001").fetchall()
    except sqlite3.Error as exc:
        raise GeometryError(f"{label}: not a valid GeoPackage ({one_line(exc, 120)}); export "
                            "the layer again") from None
    finally:
        con.close()
    if len(rows) > 100_000:
        raise GeometryError(f"{label}: the GeoPackage's schema has more than 100,000 entries")
    tables = {str(n) for t, n, _ in rows if t == "table"}
    if "gpkg_contents" not in tables:
        raise GeometryError(f"{label}: is an SQLite database but not a GeoPackage (no "
                            "gpkg_contents table); export the layer as GeoPackage")
    views = [str(n) for t, n, _ in rows if t == "view"]
    if views:
        raise GeometryError(f"{label}: holds view(s) {names(views, 5)}, which are not read "
                            "(a view can draw on other tables and files); export the layer as "
                            "a plain GeoPackage table")
    virtual = [(str(n), str(sql)) for t, n, sql in rows if t == "table" and sql and
               re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE", str(sql), re.IGNORECASE)
               and not re.search(r"\bUSING\s+rtree\s*\(", str(sql), re.IGNORECASE)]
    if virtual:
        module = re.search(r"\bUSING\s+(\w+)", virtual[0][1], re.IGNORECASE)
        raise GeometryError(f"{label}: holds virtual table {clip(virtual[0][0], 40)} (module "
                            f"{clip(module.group(1) if module else '?', 30)}), which can read "
                            "other files and is not opened; export the layer as a plain "
                            "GeoPackage")


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
