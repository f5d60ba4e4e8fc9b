"""Boundaries from users: GeoPackage, GeoJSON or zipped shapefile, in any CRS.

:func:`read_boundaries` returns polygons in EPSG:4326 keyed by a normalised ``ubigeo``.
Archives are checked from their central directory before anything is unpacked (size,
compression ratio, nested archives) and their members are never written under the names they
carry.
"""

from __future__ import annotations

import io
import json
import logging
import posixpath
import re
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.codes import _plain, find_code_column, normalize_ubigeo
from geoprio.errors import GeometryError, GeoprioError, InputError
from geoprio.io import Source, _check_zip, _load_bytes, _too_big

__all__ = ["MAX_BOUNDARY_BYTES", "read_boundaries"]

log = logging.getLogger(__name__)

#: Largest boundary file (or zip) :func:`read_boundaries` accepts.
MAX_BOUNDARY_BYTES = 500 * 1024 * 1024



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
            raise GeometryError(f"{label}: two members are named {safe!r} "
                                f"({members[safe.lower()].filename!r} and {i.filename!r}); "
                                "keep one")
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
                            f"{sorted(members)[:10]}")
    if layer is not None:
        if layer.lower() not in stems:
            raise GeometryError(f"{label}: no shapefile named {layer!r}; shapefiles: {stems}")
        stem = layer.lower()
    elif len(stems) > 1:
        raise GeometryError(f"{label}: {len(stems)} shapefiles in the archive ({stems}); "
                            "choose one with layer='...'")
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
                raise GeometryError(f"member {info.filename!r} unpacks to more than the size "
                                    "its archive declares; the archive is damaged or hostile")
            out.write(chunk)
    return dest


# --------------------------------------------------------------------------- boundaries
def read_boundaries(source: Source, *, name: str | None = None, layer: str | None = None,
                    code_column: str | None = None, crs: Any = None,
                    max_bytes: int = MAX_BOUNDARY_BYTES) -> Any:
    """Read district (or other) boundaries in any CRS as polygons in EPSG:4326.

    Parameters
    ----------
    source : path, bytes or binary file object
        A GeoPackage (``.gpkg``), a GeoJSON (``.geojson``/``.json``), a zipped shapefile
        (``.zip``) or a ``.shp`` path with its sidecar files.
    name : str, optional
        File name for messages and to tell the format when ``source`` is not a path.
    layer : str, optional
        The GeoPackage layer, or the shapefile inside a zip, when there are several.
    code_column : str, optional
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
        code cannot be read), the other columns as read, and ``attrs["read"]``: ``crs`` (the
        source CRS), ``crs_assumed`` (why EPSG:4326 was assumed, or None), ``reprojected``,
        ``code_column``, and the rows of each problem: ``repaired`` (invalid polygons fixed
        with ``shapely.make_valid``), ``empty`` (empty or missing geometry), ``not_polygons``
        (points or lines, set to missing), ``invalid_codes``, ``duplicate_codes``,
        ``not_2017`` (valid codes that are not one of the 1,874 districts of 2017),
        ``outside_peru``; ``counts`` counts each, with ``dropped_z``.

    Raises
    ------
    GeometryError
        No CRS and none given, no polygon at all, no code column, coordinates that cannot be
        longitude/latitude, an unsafe or incomplete archive (zip bomb, nested zip, missing
        ``.dbf`` or ``.shx``), an unreadable file.

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
    import geopandas as gpd
    import pyogrio

    if not isinstance(max_bytes, int) or max_bytes < 1:
        raise GeometryError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    is_path = isinstance(source, (str, Path))
    label = name or (str(source) if is_path else str(getattr(source, "name", "") or
                                                    "boundaries"))
    suffix = Path(label).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="geoprio_") as tmpdir:
        tmp = Path(tmpdir)
        if is_path and suffix in (".gpkg", ".shp", ".geojson", ".json", ".zip") and Path(
                source).is_file():
            size = Path(source).stat().st_size
            if size > max_bytes:
                raise GeometryError(_too_big(label, size, max_bytes, "boundary file"))
            data, path = None, Path(source)
            if suffix in (".geojson", ".json"):
                data = path.read_bytes()
        else:
            try:
                data, label = _load_bytes(source, name, max_bytes, "boundary file")
            except InputError as exc:
                raise GeometryError(str(exc)) from exc
            path = None
        fmt = _boundary_format(data, path, label)
        if fmt == "zip":
            try:
                zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise GeometryError(f"{label}: not a valid zip archive ({exc})") from exc
            with zf:
                path = _unzip_layer(zf, label, layer, tmp)
            fmt = {".shp": "shapefile", ".gpkg": "gpkg"}.get(path.suffix, "geojson")
            if fmt == "geojson":
                data = path.read_bytes()
        elif path is None:
            path = tmp / ("layer" + {"gpkg": ".gpkg", "geojson": ".geojson"}[fmt])
            path.write_bytes(data)
        declared = _geojson_declares_crs(data, label) if fmt == "geojson" else True
        read_layer = layer if fmt == "gpkg" else None
        if fmt == "gpkg":
            try:
                layers = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
            except Exception as exc:
                raise GeometryError(f"{label}: cannot be read as a GeoPackage ({exc})") from exc
            if layer is None and len(layers) > 1:
                raise GeometryError(f"{label}: {len(layers)} layers ({layers}); choose one "
                                    "with layer='...'")
            if layer is not None and layer not in layers:
                raise GeometryError(f"{label}: no layer {layer!r}; layers: {layers}")
        try:
            gdf = gpd.read_file(path, layer=read_layer, engine="pyogrio")
        except Exception as exc:
            raise GeometryError(f"{label}: cannot be read as {fmt} ({exc})") from exc
    info: dict[str, Any] = {"file": label, "format": fmt, "layer": read_layer}
    return _tidy_boundaries(gdf, label, info, declared=declared, crs=crs,
                            code_column=code_column)


def _boundary_format(data: bytes | None, path: Path | None, label: str) -> str:
    suffix = Path(label).suffix.lower()
    head = data[:16] if data is not None else path.open("rb").read(16)  # type: ignore[union-attr]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06") or suffix == ".zip":
        return "zip"
    if head.startswith(b"SQLite format 3") or suffix == ".gpkg":
        return "gpkg"
    if suffix == ".shp":
        return "shapefile"
    if suffix in (".geojson", ".json") or head.lstrip()[:1] in (b"{", b"["):
        return "geojson"
    raise GeometryError(f"{label}: unknown boundary format; send a GeoPackage (.gpkg), a "
                        "GeoJSON (.geojson) or a zipped shapefile (.zip)")


def _geojson_declares_crs(data: bytes | None, label: str) -> bool:
    try:
        obj = json.loads(data or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeometryError(f"{label}: not valid GeoJSON ({exc})") from exc
    return isinstance(obj, dict) and obj.get("crs") is not None


def _polygonal(g: Any) -> Any:
    import shapely

    if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _tidy_boundaries(gdf: Any, label: str, info: dict[str, Any], *, declared: bool, crs: Any,
                     code_column: str | None) -> Any:
    import geopandas as gpd
    import pyproj
    import shapely

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    n = len(geoms)
    if n == 0:
        raise GeometryError(f"{label}: the layer has no features")
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
                            f"geometries in {n} rows); boundaries must be polygons")
    invalid = poly & ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms[invalid] = [_polygonal(g) for g in fixed]
    source_crs = gdf.crs
    assumed = None
    if source_crs is None or (info["format"] == "geojson" and not declared):
        if crs is not None:
            source_crs = crs
        elif info["format"] == "geojson":
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
        raise GeometryError(f"crs must be a CRS such as 'EPSG:32718'; got {crs!r} ({exc})"
                            ) from exc
    if crs is not None and gdf.crs is not None and declared and not source_crs.equals(crs):
        log.warning("%s: the file says its CRS is %s; crs=%r ignored", label,
                    source_crs.to_string(), crs)
    out = gdf.drop(columns=gdf.geometry.name)
    out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, index=gdf.index),
                           crs=source_crs)
    wgs84 = pyproj.CRS.from_epsg(4326)
    reprojected = not source_crs.equals(wgs84, ignore_axis_order=True)
    out = out.to_crs(wgs84) if reprojected else out.set_crs(wgs84, allow_override=True)
    x0, y0, x1, y1 = out.geometry.total_bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise GeometryError(f"{label}: coordinates from ({x0:.6g}, {y0:.6g}) to ({x1:.6g}, "
                            f"{y1:.6g}) are not longitude/latitude in {source_crs.to_string()}; "
                            f"{_crs_hint(geoms)}: pass it as crs='EPSG:...'")
    outside = not (x0 < -68.6 and x1 > -81.4 and y0 < 0.1 and y1 > -18.4)
    out, code_info = _boundary_codes(out, label, code_column)
    repaired = [int(i) + 1 for i in np.flatnonzero(invalid)]
    empty = [int(i) + 1 for i in np.flatnonzero(missing)]
    info.update({"crs": source_crs.to_string(), "crs_assumed": assumed,
                 "reprojected": reprojected, "rows": n, "repaired": repaired, "empty": empty,
                 "not_polygons": not_poly, "outside_peru": outside, **code_info})
    info["counts"] = {"rows": n, "dropped_z": int(has_z.sum()), "repaired": len(repaired),
                      "empty": len(empty), "not_polygons": len(not_poly),
                      "invalid_codes": len(code_info["invalid_codes"]),
                      "duplicate_codes": len(code_info["duplicate_codes"]),
                      "not_2017": len(code_info["not_2017"])}
    issues = {k: v for k, v in info["counts"].items() if k != "rows" and v}
    if issues or outside or assumed or reprojected:
        log.warning("%s: read %d rows from %s%s; %s%s", label, n, source_crs.to_string(),
                    " (reprojected to EPSG:4326)" if reprojected else "", issues or "",
                    "; the layer does not overlap Peru" if outside else "")
    out.attrs["read"] = info
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
            raise GeometryError(f"code_column {code_column!r} is not in {label}; columns: "
                                f"{list(attrs.columns)}")
        col = code_column
    else:
        try:
            col = find_code_column(attrs)
        except GeoprioError as exc:
            raise GeometryError(f"{label}: no column of district codes (ubigeo) among "
                                f"{list(attrs.columns)}; pass code_column='...'") from exc
    raw = attrs[col]
    codes = normalize_ubigeo(raw.reset_index(drop=True))
    if codes.isna().all():
        raise GeometryError(f"{label}: column {col!r} holds no district code (6 digits), e.g. "
                            f"{raw.head(3).tolist()}; pass code_column='...'")
    invalid = [{"row": i + 1, "value": _plain(v)} for i, (v, c) in
               enumerate(zip(raw.tolist(), codes.tolist(), strict=True)) if c is None]
    dup = codes[codes.notna() & codes.duplicated(keep=False)]
    duplicates = [{"ubigeo": c, "rows": [int(i) + 1 for i in grp.index]}
                  for c, grp in dup.groupby(dup, sort=True)]
    try:
        from geoprio.data import load_codes

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
