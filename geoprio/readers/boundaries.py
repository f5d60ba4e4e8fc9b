"""Boundaries from users: GeoPackage, GeoJSON or zipped shapefile, in any CRS.

:func:`read_boundaries` returns polygons in EPSG:4326 keyed by a normalised ``ubigeo``.
Archives are checked from their central directory before anything is unpacked (size,
compression ratio, nested archives) and their members are never written under the names they
carry.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio._renamed import renamed
from geoprio.errors import GeometryError, GeoprioError, InputError
from geoprio.readers import isolated
from geoprio.readers.codes import _plain, find_code_column, normalize_ubigeo
from geoprio.readers.formats import check_geojson, check_geopackage, check_shapefile
from geoprio.readers.readreport import ReadReport
from geoprio.readers.safety import (
    bare_paths,
    clip,
    gdal_guard,
    names,
    one_line,
    read_head,
    scrub,
    sniff,
    user_file,
)
from geoprio.readers.tables import Source, _check_zip, _load_bytes, _too_big

__all__ = ["MAX_BOUNDARY_BYTES", "MAX_VERTICES", "read_boundaries"]

log = logging.getLogger(__name__)

#: Largest boundary file (or zip) :func:`read_boundaries` accepts.
MAX_BOUNDARY_BYTES = 500 * 1024 * 1024
#: Most vertices a boundary layer may have (the shipped districts have 184,000; a 500 MB
#: GeoPackage can hold about 30 million).
MAX_VERTICES = 10_000_000
#: Peru's bounding box with a margin (west, south, east, north), in degrees.
PERU_BOX = (-81.4, -18.4, -68.6, 0.1)



# --------------------------------------------------------------------------- archives
def _safe_name(member: str) -> str:
    """The bare file name of a zip member: no folders, no drive, no ``..``."""
    base = posixpath.basename(member.replace("\\", "/"))
    return re.sub(r"[^\w.\-]", "_", base).lstrip(".") if base not in ("", ".", "..") else ""


def _unzip_layer(zf: zipfile.ZipFile, label: str, layer: str | None, tmp: Path) -> Path:
    infos = _check_zip(zf, label)
    members: dict[str, zipfile.ZipInfo] = {}
    renamed = []
    for i in infos:
        if i.is_dir() or "__MACOSX" in i.filename or posixpath.basename(
                i.filename.replace("\\", "/")).startswith("._"):
            continue
        safe = _safe_name(i.filename)
        if not safe:
            continue
        if safe != i.filename:
            renamed.append(i.filename)
        if safe.lower() in members:
            raise GeometryError(f"{label}: two members are named {clip(safe)} "
                                f"({clip(members[safe.lower()].filename)} and "
                                f"{clip(i.filename)}); keep one")
        members[safe.lower()] = i
    if any(".." in r or r.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", r)
           for r in renamed):
        log.warning("%s: member paths with '..' or absolute paths read under their bare names "
                    "only: %s", label, renamed[:5])
    stems = sorted({Path(n).stem for n in members if n.endswith(".shp")})
    others = sorted(n for n in members if n.endswith((".gpkg", ".geojson", ".json")))
    if not stems and len(others) == 1:
        return _copy_member(zf, members[others[0]], tmp / ("layer" + Path(others[0]).suffix))
    if not stems:
        raise GeometryError(f"{label}: no shapefile (.shp) in the archive; it holds "
                            f"{names(sorted(members), 10)}")
    if layer is not None:
        if layer.lower() not in stems:
            raise GeometryError(f"{label}: no shapefile named {clip(layer)}; shapefiles: "
                                f"{names(stems, 10)}")
        stem = layer.lower()
    elif len(stems) > 1:
        raise GeometryError(f"{label}: {len(stems)} shapefiles in the archive "
                            f"({names(stems, 10)}); choose one with layer='...' (command "
                            "line: --layer ...)")
    else:
        stem = stems[0]
    missing = [ext for ext in (".shx", ".dbf") if stem + ext not in members]
    if missing:
        parts = {".shx": ".shx (shape index)", ".dbf": ".dbf (attribute table)"}
        raise GeometryError(f"{label}: the shapefile {stem}.shp has no "
                            f"{' and no '.join(parts[m] for m in missing)} in the archive; "
                            "zip all its parts together (.shp, .shx, .dbf, .prj, .cpg)")
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        if stem + ext in members:
            _copy_member(zf, members[stem + ext], tmp / f"layer{ext}")
    return tmp / "layer.shp"


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> Path:
    left = info.file_size
    with zf.open(info) as src, open(dest, "wb") as out:
        while chunk := src.read(min(2**20, left + 1)):
            left -= len(chunk)
            if left < 0:
                raise GeometryError(f"member {clip(info.filename)} unpacks to more than the "
                                    "size its archive declares; the archive is damaged or "
                                    "hostile")
            out.write(chunk)
    return dest


# --------------------------------------------------------------------------- boundaries
@renamed(code_column='id_column')
def read_boundaries(source: Source, *, name: str | None = None, layer: str | None = None,
                    id_column: str | None = None, crs: Any = None,
                    max_bytes: int = MAX_BOUNDARY_BYTES) -> Any:
    """Read district (or other) boundaries in any CRS as polygons in EPSG:4326.

    Parameters
    ----------
    source : path, bytes or binary file object
        A GeoPackage (``.gpkg``), a GeoJSON (``.geojson``/``.json``), a zipped shapefile
        (``.zip``) or a ``.shp`` path with its sidecar files. The format is told from the
        file's bytes, not its name; anything else (an OGR VRT, GML, KML, a plain SQLite
        database, a ``/vsi...`` path or a URL) is refused before GDAL opens it.
    name : str, optional
        File name for messages and to tell the format when ``source`` is not a path.
    layer : str, optional
        The GeoPackage layer, or the shapefile inside a zip, when there are several.
    id_column : str, optional
        The column of district codes; found by name or content when None.
    crs : optional
        The CRS of the coordinates when the file does not say (a shapefile without ``.prj``,
        or a GeoJSON in projected metres), e.g. ``"EPSG:32718"``. A CRS in the file wins.
    max_bytes : int, default=MAX_BOUNDARY_BYTES
        Refuse larger files.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326 with 2D polygons, ``ubigeo`` first (6-digit text; ``None`` where the
        code cannot be read), the other columns as read, and ``attrs["read"]`` (a read-only
        :class:`~geoprio.readers.readreport.ReadReport`, also ``geoprio.read_report(frame)``):
        ``crs`` (the source CRS; also as ``source_crs``), ``crs_assumed`` (why EPSG:4326 was
        assumed, or None), ``reprojected``, ``code_column``, and the rows of each problem:
        ``repaired`` (invalid polygons fixed with ``shapely.make_valid``), ``empty`` (empty or
        missing geometry), ``not_polygons`` (points or lines, set to missing), ``invalid_codes``,
        ``duplicate_codes``, ``not_2017`` (valid codes that are not one of the 1,874 districts
        of 2017), ``outside_peru_rows`` (polygons wholly outside Peru's bounding box);
        ``outside_peru`` (True when the whole layer misses Peru); ``counts`` counts each, with
        ``dropped_z``; ``problems`` lists them all as dicts with ``kind``, the rows and a
        ``message``, as :func:`geoprio.read_table` does.

    Raises
    ------
    GeometryError
        No CRS and none given, a CRS that has no place on the Earth (an engineering CRS), no
        polygon at all, no code column, coordinates that cannot be longitude/latitude, an
        unsafe or incomplete file (zip bomb, nested zip, missing or mismatched ``.dbf`` or
        ``.shx``, a GeoJSON nested too deeply or whose ``crs`` links elsewhere, a GeoPackage
        with views, virtual tables, generated columns or triggers (see
        :func:`geoprio.readers.formats.check_geopackage`), a VRT), more than :data:`MAX_VERTICES`
        vertices, a GeoPackage whose reading child hits its limits
        (:mod:`geoprio.readers.isolated`), an unreadable file. Messages are one line and name the
        file the user gave, never a server path.

    Examples
    --------
    >>> import geoprio
    >>> gj = (b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
    ...       b'"properties": {"UBIGEO": 150101}, "geometry": {"type": "Polygon", '
    ...       b'"coordinates": [[[-77.1, -12.1], [-77.0, -12.1], [-77.0, -12.0], '
    ...       b'[-77.1, -12.1]]]}}]}')
    >>> b = geoprio.read_boundaries(gj, name="lima.geojson")
    >>> b["ubigeo"].tolist(), b.crs.to_epsg(), b.attrs["read"]["crs_assumed"] is not None
    (['150101'], 4326, True)
    """
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise GeometryError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    if layer is not None and not isinstance(layer, str):
        raise TypeError(f"layer must be a layer name (str) or None, got {type(layer).__name__}")
    is_path = isinstance(source, (str, Path))
    label = one_line(name or (str(source) if is_path else str(getattr(source, "name", "") or
                                                               "boundaries")), 200)
    with tempfile.TemporaryDirectory(prefix="geoprio_") as tmpdir, gdal_guard():
        tmp = Path(tmpdir)
        try:
            gdf, fmt, declared, read_layer = _read_layer(source, is_path, label, layer, tmp,
                                                         max_bytes)
        except GeoprioError as exc:
            raise type(exc)(scrub(exc, tmpdir, label)) from exc
        except (MemoryError, RecursionError) as exc:
            raise GeometryError(f"{label}: too large or too deeply nested to read "
                                f"({type(exc).__name__})") from exc
        except Exception as exc:  # a reader failing on what it does not expect: name the file
            log.debug("%s: unexpected error while reading", label, exc_info=True)
            raise GeometryError(f"{label}: cannot be read ({type(exc).__name__}: "
                                f"{one_line(bare_paths(scrub(exc, tmpdir, label)), 160)})"
                                ) from exc
    info: dict[str, Any] = {"file": label, "format": fmt, "layer": read_layer}
    try:
        return _tidy_boundaries(gdf, label, info, declared=declared, crs=crs,
                                code_column=id_column)
    except GeoprioError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise GeometryError(f"{label}: too large or too complex to use "
                            f"({type(exc).__name__})") from exc
    except Exception as exc:
        log.debug("%s: unexpected error while tidying", label, exc_info=True)
        raise GeometryError(f"{label}: cannot be used ({type(exc).__name__}: "
                            f"{one_line(exc, 160)})") from exc


_SUFFIX = {"gpkg": ".gpkg", "geojson": ".geojson", "shapefile": ".shp"}
_DRIVER = {"gpkg": "GPKG", "geojson": "GeoJSON", "shapefile": "ESRI Shapefile"}


def _read_layer(source: Source, is_path: bool, label: str, layer: str | None, tmp: Path,
                max_bytes: int) -> tuple[Any, str, bool, str | None]:
    """Bring the file to a checked local path and read it with GDAL (only its own driver)."""
    path, fmt, private = _local_copy(source, is_path, label, layer, tmp, max_bytes)
    if fmt == "gpkg":  # SQLite: read in a child process with limits, from a private copy
        if not private:
            path = Path(shutil.copyfile(path, tmp / "layer.gpkg"))
        if isolated.inside():
            gdf, read_layer = _gpkg_layer(path, label, layer)
        else:
            gdf, read_layer = isolated.run("gpkg_layer", label=label, error=GeometryError,
                                           path=str(path), label_=label, layer=layer)
        return gdf, fmt, True, read_layer
    declared = True
    if fmt == "geojson":
        declared = check_geojson(path, label)["crs"] is not None
    elif fmt == "shapefile":
        check_shapefile(path, label)
    target = f"GeoJSON:{path}" if fmt == "geojson" else str(path)
    return _read_checked(target, path, fmt, label, None), fmt, declared, None


def _local_copy(source: Source, is_path: bool, label: str, layer: str | None, tmp: Path,
                max_bytes: int) -> tuple[Path, str, bool]:
    """The layer's file on disk, its format, and whether it is a private copy under ``tmp``."""
    data: bytes | None = None
    if is_path:
        path: Path = user_file(source, label=label, error=GeometryError)  # type: ignore[arg-type]
        size = path.stat().st_size
        if size > max_bytes:
            raise GeometryError(_too_big(label, size, max_bytes, "boundary file"))
        head = read_head(path)
    else:
        try:
            data, _ = _load_bytes(source, label, max_bytes, "boundary file")
        except InputError as exc:
            raise GeometryError(str(exc)) from exc
        head = data[:64]
        path = tmp / "upload"
    fmt = _boundary_format(head, label)
    if fmt == "zip":
        try:
            zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise GeometryError(f"{label}: not a valid zip archive ({one_line(exc, 120)})"
                                ) from exc
        with zf:
            path = _unzip_layer(zf, label, layer, tmp)
        return path, _boundary_format(read_head(path), label, inner=True), True
    if data is not None:
        path = tmp / ("layer" + _SUFFIX[fmt])
        path.write_bytes(data)
        return path, fmt, True
    if fmt == "shapefile" and path.suffix.lower() != ".shp":
        raise GeometryError(f"{label}: is a shapefile's .shp under another name; give the "
                            ".shp beside its .shx and .dbf, or zip the parts")
    return path, fmt, False


def _gpkg_layer(path: Path, label: str, layer: str | None) -> tuple[Any, str | None]:
    """A GeoPackage's layer, once its schema is checked (:func:`check_geopackage`)."""
    import pyogrio

    check_geopackage(path, label)
    try:
        layers = [str(x) for x in pyogrio.list_layers(str(path))[:, 0]]
    except Exception as exc:
        raise GeometryError(f"{label}: cannot be read as a GeoPackage "
                            f"({one_line(bare_paths(scrub(exc, path, label)), 160)})") from exc
    if layer is None and len(layers) > 1:
        raise GeometryError(f"{label}: {len(layers)} layers ({names(layers, 10)}); choose "
                            "one with layer='...' (command line: --layer ...)")
    if layer is not None and layer not in layers:
        raise GeometryError(f"{label}: no layer {clip(layer)}; layers: {names(layers, 10)}")
    return _read_checked(str(path), path, "gpkg", label, layer), layer


def _read_checked(target: str, path: Path, fmt: str, label: str, layer: str | None) -> Any:
    """The layer read by GDAL, after checking that GDAL opens it with its own driver."""
    import geopandas as gpd
    import pyogrio

    try:
        driver = pyogrio.read_info(target, layer=layer)["driver"]
    except Exception as exc:
        raise GeometryError(f"{label}: cannot be read as {fmt} "
                            f"({one_line(bare_paths(scrub(exc, path, label)), 160)})") from exc
    if driver != _DRIVER[fmt]:
        raise GeometryError(f"{label}: opens as {clip(driver, 40)}, not as {_DRIVER[fmt]}; send "
                            "a GeoPackage, a GeoJSON or a zipped shapefile")
    try:
        return gpd.read_file(target, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise GeometryError(f"{label}: cannot be read as {fmt} "
                            f"({one_line(bare_paths(scrub(exc, path, label)), 160)})") from exc


def _boundary_format(head: bytes, label: str, inner: bool = False) -> str:
    """The format from the first bytes; what may point elsewhere (XML, SQLite) is named."""
    kind = sniff(head)
    found = {"zip": "zip", "sqlite": "gpkg", "json": "geojson", "shp": "shapefile"}.get(kind)
    if found == "zip" and inner:
        found = None
    if found is not None:
        return found
    what = {"xml": "XML (an OGR/GDAL VRT, GML or KML?), which is not read: such files can "
                   "point at other files or URLs",
            "gtiff": "a GeoTIFF raster, not boundaries",
            "ole": "an old Office file, not boundaries"}.get(kind, "not a format geoprio reads")
    inside = "its layer is " if inner else ""
    raise GeometryError(f"{label}: {inside}{what}; send a GeoPackage (.gpkg), a GeoJSON "
                        "(.geojson) or a zipped shapefile (.zip)")


def _polygonal(g: Any) -> Any:
    """The polygons of a geometry (nested collections flattened), or None."""
    import shapely

    if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts, todo = [], [g]
    while todo:
        for p in shapely.get_parts(todo.pop()):
            if p.geom_type in ("Polygon", "MultiPolygon"):
                parts.append(p)
            elif p.geom_type == "GeometryCollection":
                todo.append(p)
    return shapely.union_all(parts) if parts else None


def _tidy_boundaries(gdf: Any, label: str, info: dict[str, Any], *, declared: bool, crs: Any,
                     code_column: str | None) -> Any:
    """The layer as valid polygons in longitude/latitude with 2017 district codes; every
    repair, drop and doubt in ``info`` and on the frame's ``attrs["read"]``."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    n = len(geoms)
    if n == 0:
        raise GeometryError(f"{label}: the layer has no features")
    geoms, fixes = _polygons_only(geoms, label)
    source_crs, assumed = _source_crs(gdf, geoms, label, info["format"], declared, crs)
    out, reprojected = _to_lonlat(gdf, geoms, source_crs, label)
    outside, away = _where_in_peru(out, geoms, source_crs, label)
    out, code_info = _boundary_codes(out, label, code_column)
    repaired = [int(i) + 1 for i in np.flatnonzero(fixes["invalid"])]
    empty = [int(i) + 1 for i in np.flatnonzero(fixes["missing"])]
    outside_rows = [int(i) + 1 for i in np.flatnonzero(away)]
    not_poly = fixes["not_poly"]
    info.update({"crs": source_crs.to_string(), "source_crs": source_crs.to_string(),
                 "crs_assumed": assumed, "reprojected": reprojected, "rows": n,
                 "repaired": repaired, "empty": empty, "not_polygons": not_poly,
                 "outside_peru": outside, "outside_peru_rows": outside_rows, **code_info})
    info["counts"] = {"rows": n, "dropped_z": int(fixes["has_z"].sum()),
                      "repaired": len(repaired), "empty": len(empty),
                      "not_polygons": len(not_poly),
                      "invalid_codes": len(code_info["invalid_codes"]),
                      "duplicate_codes": len(code_info["duplicate_codes"]),
                      "not_2017": len(code_info["not_2017"]),
                      "outside_peru": len(outside_rows)}
    info["problems"] = _boundary_problems(info, out["ubigeo"])
    issues = {k: v for k, v in info["counts"].items() if k != "rows" and v}
    if issues or outside or assumed or reprojected:
        log.warning("%s: read %d rows from %s%s; %s%s", label, n, source_crs.to_string(),
                    " (reprojected to EPSG:4326)" if reprojected else "", issues or "",
                    "; the layer does not overlap Peru" if outside else "")
    out.attrs["read"] = ReadReport(info)  # shared by derived frames, never deep-copied
    return out


def _polygons_only(geoms: np.ndarray, label: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Two-dimensional valid polygons, the rest None: vertices bounded first, Z dropped,
    polygons taken out of collections, invalid ones repaired. Also returns which rows had Z,
    were missing or invalid (masks) and which were not polygons (rows and types)."""
    import shapely

    vertices = int(shapely.get_num_coordinates(geoms).sum())
    if vertices > MAX_VERTICES:  # before any validity check or repair, which cost more
        raise GeometryError(f"{label}: {vertices:,} vertices, more than the {MAX_VERTICES:,} a "
                            "boundary layer may have (geoprio.readers.boundaries.MAX_VERTICES); "
                            "simplify it (e.g. mapshaper -simplify 10%) or send fewer districts")
    has_z = shapely.has_z(geoms) & ~shapely.is_missing(geoms)
    geoms = np.where(has_z, shapely.force_2d(geoms), geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = np.array([g.geom_type if g is not None else None for g in geoms], dtype=object)
    mixed = ~missing & (kinds == "GeometryCollection")
    geoms[mixed] = [_polygonal(g) for g in geoms[mixed]]
    kinds[mixed] = [g.geom_type if g is not None else "GeometryCollection" for g in geoms[mixed]]
    poly = ~missing & np.isin(kinds, ["Polygon", "MultiPolygon"])
    not_poly = [{"row": int(i) + 1, "type": str(kinds[i])} for i in np.flatnonzero(
        ~missing & ~poly)]
    geoms[~poly] = None
    if not poly.any():
        found = Counter(p["type"] for p in not_poly)
        raise GeometryError(f"{label}: no polygon at all ({dict(found) or 'only empty'} "
                            f"geometries in {len(geoms)} rows); boundaries must be polygons")
    invalid = poly & ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms[invalid] = [_polygonal(g) for g in fixed]
    return geoms, {"has_z": has_z, "missing": missing, "invalid": invalid,
                   "not_poly": not_poly}


def _source_crs(gdf: Any, geoms: np.ndarray, label: str, fmt: str, declared: bool,
                crs: Any) -> tuple[Any, str | None]:
    """The layer's CRS: the file's, else ``crs``, else EPSG:4326 for a GeoJSON (said in the
    second value); a layer without one is refused with a guess from its coordinates."""
    import pyproj

    source_crs = gdf.crs
    assumed = None
    if source_crs is None or (fmt == "geojson" and not declared):
        if crs is not None:
            source_crs = crs
        elif fmt == "geojson":
            source_crs = "EPSG:4326"
            assumed = ("GeoJSON without a 'crs' member: EPSG:4326 longitude/latitude assumed "
                       "(RFC 7946)")
        else:
            raise GeometryError(f"{label}: the coordinates have no CRS (a shapefile without its "
                                f".prj?); {_crs_hint(geoms)}: pass it as crs='EPSG:...', or "
                                "add the .prj to the zip")
    try:
        source_crs = pyproj.CRS.from_user_input(source_crs)
    except pyproj.exceptions.CRSError as exc:
        raise GeometryError(f"crs must be a CRS such as 'EPSG:32718'; got {clip(crs)} "
                            f"({one_line(exc, 120)})") from exc
    if crs is not None and gdf.crs is not None and declared and not source_crs.equals(crs):
        log.warning("%s: the file says its CRS is %s; crs=%r ignored", label,
                    source_crs.to_string(), crs)
    return source_crs, assumed


def _to_lonlat(gdf: Any, geoms: np.ndarray, source_crs: Any, label: str) -> tuple[Any, bool]:
    """The layer with ``geoms`` in EPSG:4326, and whether it was reprojected."""
    import geopandas as gpd
    import pyproj

    out = gdf.drop(columns=gdf.geometry.name)
    out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, index=gdf.index),
                           crs=source_crs)
    wgs84 = pyproj.CRS.from_epsg(4326)
    reprojected = not source_crs.equals(wgs84, ignore_axis_order=True)
    crs_name = one_line(source_crs.name or source_crs.to_string(), 80)
    if source_crs.is_engineering:
        raise GeometryError(f"{label}: its CRS ({crs_name}) is a local engineering system "
                            "with no place on the Earth, so the polygons cannot be put on the "
                            "map; reproject the layer to a real CRS (e.g. EPSG:32718) and send "
                            "it again")
    try:
        out = out.to_crs(wgs84) if reprojected else out.set_crs(wgs84, allow_override=True)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
        raise GeometryError(f"{label}: its CRS ({crs_name}) cannot be converted to "
                            f"longitude/latitude ({one_line(exc, 100)}); reproject the layer "
                            "to EPSG:4326 or EPSG:32718 and send it again") from exc
    return out, reprojected


def _where_in_peru(out: Any, geoms: np.ndarray, source_crs: Any,
                   label: str) -> tuple[bool, np.ndarray]:
    """Whether the whole layer misses Peru's box, and which rows lie outside it; coordinates
    that are not longitude/latitude are refused."""
    import shapely

    x0, y0, x1, y1 = out.geometry.total_bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise GeometryError(f"{label}: coordinates from ({x0:.6g}, {y0:.6g}) to ({x1:.6g}, "
                            f"{y1:.6g}) are not longitude/latitude in {source_crs.to_string()}; "
                            f"{_crs_hint(geoms)}: pass it as crs='EPSG:...'")
    outside = not (x0 < PERU_BOX[2] and x1 > PERU_BOX[0] and y0 < PERU_BOX[3]
                   and y1 > PERU_BOX[1])
    b = shapely.bounds(np.asarray(out.geometry.values, dtype=object))
    with np.errstate(invalid="ignore"):
        away = ~np.isnan(b[:, 0]) & ((b[:, 2] < PERU_BOX[0]) | (b[:, 0] > PERU_BOX[2]) |
                                     (b[:, 3] < PERU_BOX[1]) | (b[:, 1] > PERU_BOX[3]))
    return outside, away


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(map(str, rows[:10]))
    return shown + (f" ... ({len(rows)} rows)" if len(rows) > 10 else "")


def _boundary_problems(info: dict[str, Any], codes: pd.Series) -> list[dict[str, Any]]:
    """Every problem of a boundary layer, one dict each, as :func:`geoprio.read_table` lists."""
    out: list[dict[str, Any]] = []
    code = codes.tolist()

    def at(row: int) -> str:
        c = code[row - 1]
        return f"row {row}" + (f" (ubigeo {c})" if c else "")

    for r in info["repaired"]:
        out.append({"kind": "repaired", "row": r, "message": f"{at(r)}: invalid polygon "
                    "(self-intersecting or badly nested rings) repaired with make_valid; "
                    "check its shape"})
    for r in info["empty"]:
        out.append({"kind": "empty", "row": r, "message": f"{at(r)}: empty or missing "
                    "geometry; the district has no shape on the map"})
    for p in info["not_polygons"]:
        out.append({"kind": "not_polygon", "row": p["row"], "message": f"{at(p['row'])}: a "
                    f"{p['type']}, not a polygon; set to missing"})
    for r in info["outside_peru_rows"]:
        out.append({"kind": "outside_peru", "row": r, "message": f"{at(r)}: the polygon lies "
                    "wholly outside Peru (wrong CRS, or swapped coordinates?)"})
    for p in info["invalid_codes"]:
        out.append({"kind": "invalid_code", "row": p["row"], "value": p["value"],
                    "message": f"row {p['row']}: {clip(p['value'])} is not a district code "
                    "(6 digits)"})
    for p in info["duplicate_codes"]:
        out.append({"kind": "duplicate_code", "code": p["ubigeo"], "rows": p["rows"],
                    "message": f"code {p['ubigeo']} appears in rows {_rows_text(p['rows'])}"})
    for c in info["not_2017"]:
        out.append({"kind": "not_2017", "code": c, "message": f"code {c} is not one of the "
                    "1,874 districts of 2017 (a newer district, or another numbering?)"})
    return out


def _crs_hint(geoms: np.ndarray) -> str:
    import shapely

    valid = geoms[~shapely.is_missing(geoms)]
    if not len(valid):
        return "find its CRS"
    x0, y0, x1, y1 = shapely.total_bounds(valid)
    if x0 >= -82 and x1 <= -68 and y0 >= -19 and y1 <= 1:
        return "the coordinates look like longitude/latitude in Peru (EPSG:4326)"
    if x0 >= 100_000 and x1 <= 900_000 and y0 >= 8_000_000 and y1 <= 10_000_000:
        return ("the coordinates look like UTM metres of the southern hemisphere (Peru: "
                "EPSG:32717, 32718 or 32719 in WGS 84; 24877-24879 in PSAD56)")
    return f"find the CRS of coordinates from ({x0:.6g}, {y0:.6g}) to ({x1:.6g}, {y1:.6g})"


def _boundary_codes(out: Any, label: str, code_column: str | None) -> tuple[Any, dict]:
    attrs = out.drop(columns=out.geometry.name)
    if code_column is not None:
        if code_column not in attrs.columns:
            raise GeometryError(f"id_column {clip(code_column)} is not in {label}; columns: "
                                f"{names(attrs.columns)}")
        col = code_column
    else:
        try:
            col = find_code_column(attrs)
        except GeoprioError as exc:
            raise GeometryError(f"{label}: no column of district codes (ubigeo) among "
                                f"{names(attrs.columns)}; pass id_column='...'") from exc
    raw = attrs[col]
    codes = normalize_ubigeo(raw.reset_index(drop=True))
    if codes.isna().all():
        raise GeometryError(f"{label}: column {clip(col)} holds no district code (6 digits), "
                            f"e.g. {names(raw.head(3).tolist(), 3, 20)}; pass "
                            "id_column='...'")
    invalid = [{"row": i + 1, "value": _plain(v)} for i, (v, c) in
               enumerate(zip(raw.tolist(), codes.tolist(), strict=True)) if c is None]
    dup = codes[codes.notna() & codes.duplicated(keep=False)]
    duplicates = [{"ubigeo": c, "rows": [int(i) + 1 for i in grp.index]}
                  for c, grp in dup.groupby(dup, sort=True)]
    try:
        from geoprio.data.shipped import load_codes

        known = load_codes()
        known = set(known.loc[known["scheme"] == "inei", "code"])
    except Exception:  # the shipped code table is missing: skip the check, say so
        log.warning("data/indicators/codes.csv not found; codes not checked against 2017")
        known = None
    not_2017 = ([] if known is None else
                sorted({c for c in codes.dropna() if c not in known}))
    rest = out.drop(columns=[col])
    if "ubigeo" in rest.columns:
        rest = rest.rename(columns={"ubigeo": "ubigeo_original"})
    rest.insert(0, "ubigeo", pd.Series(codes.to_numpy(dtype=object), index=out.index,
                                       dtype=object))
    rest.index = pd.RangeIndex(len(rest))
    return rest, {"code_column": str(col), "invalid_codes": invalid,
                  "duplicate_codes": duplicates, "not_2017": not_2017}


def isolated_task(where: Path, **kwargs: Any) -> Any:
    """The reading child's task (:mod:`geoprio.readers.isolated`): the upload in ``where``."""
    return read_boundaries((where / "payload").read_bytes(), **kwargs)


def isolated_layer_task(where: Path, *, path: str, label_: str, layer: str | None) -> tuple:
    """The reading child's task for a GeoPackage's layer (a private copy at ``path``)."""
    from geoprio.readers.safety import gdal_guard

    with gdal_guard():
        return _gpkg_layer(Path(path), label_, layer)
