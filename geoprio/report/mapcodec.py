"""A compact, offline map layer: district polygons as shared arcs in a few short strings.

A plain GeoJSON of the 1,874 display districts weighs about 2.4 MB, because every coordinate
is written as decimal text and every border between two districts is written twice. This
module sends the same polygons in a fraction of that:

1. coordinates are quantized to integers on a ``10**-precision`` degree grid;
2. rings are cut into *arcs* at junctions (vertices where the neighbours change, as in
   TopoJSON); a border shared by two districts is stored once and each ring lists the arcs
   it follows (reversed where needed);
3. arcs are written as deltas between consecutive points, zig-zag mapped to non-negative
   integers and written as variable-length digits from an 86-character alphabet that needs no
   escaping in JSON, HTML or a ``<script>``.

Department (or any group's) borders come free from the topology: the arcs whose two sides
belong to different groups, plus the outer boundary.

The browser side is geoprio's own decoder, ``mapcodec.js`` beside this module (no
third-party JavaScript, read into :data:`DECODER_JS`): it rebuilds
GeoJSON features and hands them to ``L.geoJSON`` with per-feature colours, a tooltip table,
thick outlines for selected districts and the group borders on top. :class:`CompactChoropleth`
plugs it into a ``folium.Map`` and works in ``streamlit_folium.st_folium`` and in a standalone
page (:func:`geoprio.report.mapping.map_html`).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import logging
import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geoprio.errors import GeometryError, InputError

__all__ = ["DECODER_JS", "CompactChoropleth", "compact_layer", "decode_borders",
           "decode_coverage", "decode_rings", "encode_coverage", "payload_bytes"]

log = logging.getLogger(__name__)

FORMAT = "geoprio-coverage"
VERSION = 1
# Printable ASCII without " \ < ' & _ { }: safe in JSON strings, HTML, <script> and folium's
# and streamlit-folium's templates (which rewrite ``_name`` variables and ``{{ }}``).
ALPHABET = "".join(chr(c) for c in range(33, 127) if chr(c) not in "\"\\<'&_{}")
BASE = len(ALPHABET) // 2  # 43 final digits, 43 continuation digits
assert len(ALPHABET) == 2 * BASE == 86
_DIGIT = {ch: i for i, ch in enumerate(ALPHABET)}
_CACHE: OrderedDict[str, dict] = OrderedDict()  # the last few encodings, keyed by WKB digest
_CACHE_SIZE = 8
_LOCK = threading.Lock()

Ring = list[tuple[int, int]]


# ----------------------------------------------------------------------------- integers
def _zigzag(v: int) -> int:
    return 2 * v if v >= 0 else -2 * v - 1


def _unzigzag(u: int) -> int:
    return u // 2 if u % 2 == 0 else -(u + 1) // 2


def _write(values: list[int]) -> str:
    """Non-negative integers as variable-length digits (little end first)."""
    alpha, base = ALPHABET, BASE
    out: list[str] = []
    push = out.append
    for u in values:
        while u >= base:
            push(alpha[base + u % base])
            u //= base
        push(alpha[u])
    return "".join(out)


def _read(text: str) -> list[int]:
    digit, base = _DIGIT, BASE
    out: list[int] = []
    value, mul = 0, 1
    for ch in text:
        d = digit[ch]
        if d < base:
            out.append(value + d * mul)
            value, mul = 0, 1
        else:
            value += (d - base) * mul
            mul *= base
    if mul != 1:
        raise InputError("encoded stream ends in the middle of a number: it was truncated")
    return out


# ----------------------------------------------------------------------------- quantize
def _quantize(geom: Any, scale: float, row: int) -> list[list[Ring]]:
    """Polygons → rings → integer vertices (no closing vertex, no repeated vertex)."""
    if geom is None or shapely.is_empty(geom):
        return []
    kind = shapely.get_type_id(geom)
    if kind == 7:  # GeometryCollection: keep its polygons
        parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
        return [poly for p in parts for poly in _quantize(p, scale, row)]
    if kind not in (3, 6):
        raise GeometryError(f"row {row}: geometry must be a Polygon or MultiPolygon; got "
                            f"{shapely.get_type_id(geom)} ({geom.geom_type})")
    polys: list[list[Ring]] = []
    for poly in shapely.get_parts(geom):
        rings = [shapely.get_exterior_ring(poly),
                 *(shapely.get_interior_ring(poly, k)
                   for k in range(shapely.get_num_interior_rings(poly)))]
        out: list[Ring] = []
        for k, ring in enumerate(rings):
            q = np.rint(shapely.get_coordinates(ring) * scale).astype(np.int64)[:-1]
            if len(q):
                q = q[np.any(q != np.roll(q, 1, axis=0), axis=1)]
            if len(q) < 3:
                if k == 0:
                    break  # the exterior collapsed on the grid: drop the polygon
                continue
            out.append(list(map(tuple, q.tolist())))
        if out:
            polys.append(out)
    return polys


# ----------------------------------------------------------------------------- topology
class _Topology:
    """Rings cut into shared arcs at junctions (vertices whose neighbours change)."""

    def __init__(self, shapes: list[list[list[Ring]]]) -> None:
        pair_of: dict[tuple[int, int], tuple] = {}
        junctions: set[tuple[int, int]] = set()
        for feature in shapes:
            for poly in feature:
                for ring in poly:
                    n = len(ring)
                    for i, p in enumerate(ring):
                        a, b = ring[i - 1], ring[(i + 1) % n]
                        pair = (a, b) if a <= b else (b, a)
                        old = pair_of.setdefault(p, pair)
                        if old != pair:
                            junctions.add(p)
        self.arcs: list[Ring] = []
        self.users: list[list[int]] = []
        self._index: dict[tuple, int] = {}
        self.refs = [[[self._cut(ring, junctions, f) for ring in poly] for poly in feature]
                     for f, feature in enumerate(shapes)]

    def _ref(self, pts: Ring, feature: int) -> tuple[int, int]:
        key = tuple(pts)
        idx, rev = self._index.get(key), 0
        if idx is None:
            idx, rev = self._index.get(key[::-1]), 1
        if idx is None:
            idx, rev = len(self.arcs), 0
            self._index[key] = idx
            self.arcs.append(pts)
            self.users.append([])
        self.users[idx].append(feature)
        return idx, rev

    def _cut(self, ring: Ring, junctions: set, feature: int) -> list[tuple[int, int]]:
        n = len(ring)
        cuts = [i for i, p in enumerate(ring) if p in junctions]
        if not cuts:  # a ring with no junction is one closed arc, started at its least vertex
            start = ring.index(min(ring))
            r = ring[start:] + ring[:start]
            return [self._ref([*r, r[0]], feature)]
        start = cuts[0]
        r = ring[start:] + ring[:start]
        bounds = [c - start for c in cuts] + [n]
        return [self._ref(r[a:b + 1] if b < n else [*r[a:], r[0]], feature)
                for a, b in itertools.pairwise(bounds)]


# ----------------------------------------------------------------------------- encode
def encode_coverage(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, precision: int = 4,
                    topology: bool = True,
                    borders: str | Sequence[str] | None = None, cache: bool = True) -> dict:
    """Encode polygons compactly for the browser (shared arcs, quantized, delta, varint).

    Parameters
    ----------
    frame : GeoDataFrame or GeoSeries of Polygons/MultiPolygons, one feature per row (use
        the display geometry: ``load_districts(display=True)``). Reprojected to EPSG:4326
        with a warning when in another CRS.
    precision : int, default=4
        Decimal places kept (``4`` ≈ 11 m). Vertices that fall on the same grid point are
        merged; rings left with fewer than 3 vertices are dropped.
    topology : bool, default=True
        Store borders shared by neighbours once (arcs). ``False`` writes every ring on its
        own (larger; kept for comparison).
    borders : column name(s), default=None
        Groups whose borders to record (e.g. ``"department"``): the arcs whose two sides lie
        in different groups, plus the outer boundary. Needs ``topology=True``.
    cache : bool, default=True
        Reuse one of the last 8 encodings when the geometry (compared by its WKB), the
        group columns and the options are the same (a hash costs ~40 ms on the country, an
        encoding ~0.6 s); each call returns its own copy.

    Returns
    -------
    dict (JSON-ready): ``format``, ``version``, ``precision``, ``topology``, ``n_features``,
    ``n_arcs``, ``arcs`` (all arcs, one string), ``shapes`` (every feature's polygons, one
    string), ``bbox`` and ``borders`` (``{column: string of arc indices}``).

    Rings keep their vertices, order and orientation; a ring may start at another of its
    vertices (where it was cut into arcs).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> two = gpd.GeoSeries([box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    >>> enc = encode_coverage(two, precision=1)
    >>> enc["n_features"], enc["n_arcs"]   # the shared side is stored once
    (2, 3)
    >>> [list(map(len, decode_rings(enc)[i][0][0])) for i in range(2)]
    [[2, 2, 2, 2, 2], [2, 2, 2, 2, 2]]
    """
    if not isinstance(frame, gpd.GeoDataFrame | gpd.GeoSeries):
        raise TypeError(f"frame must be a GeoDataFrame or GeoSeries; got {type(frame).__name__}")
    if isinstance(precision, bool) or not isinstance(precision, int | np.integer) \
            or not 0 <= precision <= 7:
        raise InputError(f"precision must be an integer from 0 to 7; got {precision!r}")
    groups = [borders] if isinstance(borders, str) else list(borders or [])
    if groups and not topology:
        raise InputError("borders need topology=True (they are read from the shared arcs); "
                         f"got borders={borders!r} with topology=False")
    if groups and not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"borders={borders!r} needs a GeoDataFrame with those columns")
    missing = [g for g in groups if g not in frame.columns]
    if missing:
        raise InputError(f"borders: columns {missing} are not in the frame; columns: "
                         f"{[c for c in frame.columns if c != frame.geometry.name]}")
    geo = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    if geo.crs is not None and not geo.crs.equals("EPSG:4326"):
        warnings.warn(f"frame is in {geo.crs.to_string()}; reprojected to EPSG:4326 for the "
                      "web map (call frame.to_crs(4326) to silence this)",
                      UserWarning, stacklevel=2)
        geo = geo.to_crs(4326)
    geoms = geo.to_numpy()
    group_values = {g: frame[g].to_numpy() for g in groups}
    key = _digest(geoms, group_values, int(precision), bool(topology)) if cache else ""
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return copy.deepcopy(hit)
    enc = _encode(geoms, group_values, int(precision), bool(topology))
    enc["bbox"] = [round(float(b), int(precision)) if math.isfinite(b) else None
                   for b in geo.total_bounds]
    if cache:
        with _LOCK:
            _CACHE[key] = enc
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return copy.deepcopy(enc)
    return enc


def _digest(geoms: np.ndarray, groups: dict[str, np.ndarray], precision: int,
            topology: bool) -> str:
    """A key of the geometry (WKB), the group columns and the options."""
    h = hashlib.sha1(repr((precision, topology, list(groups))).encode(),
                     usedforsecurity=False)
    for wkb in shapely.to_wkb(geoms):
        wkb = wkb or b""
        h.update(len(wkb).to_bytes(8, "little"))
        h.update(wkb)
    for values in groups.values():
        h.update(json.dumps([str(v) for v in values]).encode())
    return h.hexdigest()


def _encode(geoms: np.ndarray, group_values: dict[str, np.ndarray], precision: int,
            topology: bool) -> dict:
    scale = 10.0 ** precision
    shapes = [_quantize(g, scale, i) for i, g in enumerate(geoms)]
    values: list[int] = []
    push = values.append
    enc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "precision": precision,
                           "topology": topology, "n_features": len(shapes)}
    if topology:
        topo = _Topology(shapes)
        prev = 0
        for feature in topo.refs:
            push(len(feature))
            for poly in feature:
                push(len(poly))
                for ring in poly:
                    push(len(ring))
                    for idx, rev in ring:
                        push(2 * _zigzag(idx - prev) + rev)
                        prev = idx
        enc["n_arcs"] = len(topo.arcs)
        enc["arcs"] = _write(_stream_points(topo.arcs, with_counts=True))
        enc["shapes"] = _write(values)
        enc["borders"] = {g: _write(_border_arcs(topo, v)) for g, v in group_values.items()}
    else:
        x = y = 0
        for feature in shapes:
            push(len(feature))
            for poly in feature:
                push(len(poly))
                for ring in poly:
                    push(len(ring))
                    for px, py in ring:
                        push(_zigzag(px - x))
                        push(_zigzag(py - y))
                        x, y = px, py
        enc["n_arcs"] = 0
        enc["arcs"] = ""
        enc["shapes"] = _write(values)
        enc["borders"] = {}
    log.debug("encoded %d features: %d arcs, %d + %d characters", len(shapes), enc["n_arcs"],
              len(enc["arcs"]), len(enc["shapes"]))
    return enc


def _stream_points(arcs: list[Ring], *, with_counts: bool) -> list[int]:
    out: list[int] = []
    push = out.append
    x = y = 0
    for arc in arcs:
        if with_counts:
            push(len(arc))
        for px, py in arc:
            push(_zigzag(px - x))
            push(_zigzag(py - y))
            x, y = px, py
    return out


def _border_arcs(topo: _Topology, group: np.ndarray) -> list[int]:
    """Sorted arc indices on a group border or the outer boundary, as deltas."""
    keep = []
    for idx, users in enumerate(topo.users):
        if len(users) == 1 or len({group[u] for u in users}) > 1:
            keep.append(idx)
    deltas = [len(keep)]
    prev = 0
    for idx in keep:
        deltas.append(idx - prev)
        prev = idx
    return deltas


# ----------------------------------------------------------------------------- decode
def _check(encoded: Mapping) -> None:
    if not isinstance(encoded, Mapping) or encoded.get("format") != FORMAT:
        raise InputError(f"encoded must be a dict made by encode_coverage (format {FORMAT!r}); "
                         f"got {type(encoded).__name__}")
    if encoded.get("version") != VERSION:
        raise InputError(f"encoded version must be {VERSION}; got {encoded.get('version')!r}")


def _decode_arcs(encoded: Mapping) -> list[list[tuple[int, int]]]:
    values = _read(encoded["arcs"])
    arcs, pos, x, y = [], 0, 0, 0
    for _ in range(encoded["n_arcs"]):
        n = values[pos]
        pos += 1
        pts = []
        for _k in range(n):
            x += _unzigzag(values[pos])
            y += _unzigzag(values[pos + 1])
            pos += 2
            pts.append((x, y))
        arcs.append(pts)
    return arcs


def decode_rings(encoded: Mapping) -> list[list[list[np.ndarray]]]:
    """Decode to integer grid coordinates: features → polygons → closed rings ``(n, 2)``.

    The exact inverse of :func:`encode_coverage` on the quantized vertices (the closing
    vertex repeats the first, as in GeoJSON).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> enc = encode_coverage(gpd.GeoSeries([box(0, 0, 1, 2)], crs=4326), precision=0)
    >>> decode_rings(enc)[0][0][0].tolist()
    [[0, 0], [1, 0], [1, 2], [0, 2], [0, 0]]
    """
    _check(encoded)
    values = _read(encoded["shapes"])
    arcs = _decode_arcs(encoded) if encoded["topology"] else None
    pos = 0
    prev = x = y = 0
    features = []
    for _f in range(encoded["n_features"]):
        n_polys = values[pos]
        pos += 1
        polys = []
        for _p in range(n_polys):
            n_rings = values[pos]
            pos += 1
            rings = []
            for _r in range(n_rings):
                n = values[pos]
                pos += 1
                pts: list[tuple[int, int]] = []
                if arcs is not None:
                    for j in range(n):
                        code = values[pos]
                        pos += 1
                        rev = code % 2
                        prev += _unzigzag(code // 2)
                        arc = arcs[prev][::-1] if rev else arcs[prev]
                        pts.extend(arc if j == 0 else arc[1:])
                else:
                    for _k in range(n):
                        x += _unzigzag(values[pos])
                        y += _unzigzag(values[pos + 1])
                        pos += 2
                        pts.append((x, y))
                    pts.append(pts[0])
                rings.append(np.asarray(pts, dtype=np.int64).reshape(-1, 2))
            polys.append(rings)
        features.append(polys)
    if pos != len(values):
        raise InputError(f"encoded shapes hold {len(values) - pos} values more than "
                         f"n_features={encoded['n_features']} need")
    return features


def decode_coverage(encoded: Mapping) -> gpd.GeoSeries:
    """Decode to MultiPolygons in EPSG:4326 (coordinates on the ``10**-precision`` grid).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> enc = encode_coverage(gpd.GeoSeries([box(0, 0, 0.5, 0.25)], crs=4326), precision=2)
    >>> decode_coverage(enc).iloc[0].wkt
    'MULTIPOLYGON (((0 0, 0.5 0, 0.5 0.25, 0 0.25, 0 0)))'
    """
    scale = 10.0 ** encoded["precision"] if isinstance(encoded, Mapping) else 1.0
    geoms = []
    for polys in decode_rings(encoded):
        parts = [shapely.Polygon(rings[0] / scale, [r / scale for r in rings[1:]])
                 for rings in polys]
        geoms.append(shapely.MultiPolygon(parts))
    return gpd.GeoSeries(geoms, crs=4326)


def decode_borders(encoded: Mapping, name: str) -> shapely.MultiLineString:
    """The recorded borders of group ``name`` as one MultiLineString (EPSG:4326).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> two = gpd.GeoDataFrame({"dep": ["A", "B"]},
    ...                        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    >>> enc = encode_coverage(two, precision=0, borders="dep")
    >>> decode_borders(enc, "dep").length   # the outline (6) and the shared side (1)
    7.0
    """
    _check(encoded)
    if name not in encoded.get("borders", {}):
        raise InputError(f"name must be one of the encoded borders {list(encoded['borders'])}; "
                         f"got {name!r}")
    values = _read(encoded["borders"][name])
    arcs = _decode_arcs(encoded)
    scale = 10.0 ** encoded["precision"]
    idx = np.cumsum(values[1:1 + values[0]]).tolist()
    return shapely.MultiLineString([np.asarray(arcs[i], dtype=float) / scale for i in idx])


def payload_bytes(encoded: Mapping) -> int:
    """Bytes of ``encoded`` as compact JSON (what the browser receives for the geometry)."""
    return len(json.dumps(encoded, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


# ----------------------------------------------------------------------------- browser
DECODER_PATH = Path(__file__).with_name("mapcodec.js")
# The browser's decoder, in its own file so that it is linted and tested as JavaScript.
DECODER_JS = DECODER_PATH.read_text(encoding="utf-8")

_TEMPLATE = Template("""
{% macro script(this, kwargs) %}
{{ this.decoder_js }}
var {{ this.get_name() }} = window.geoprioCodec.draw({{ this._parent.get_name() }},
    {{ this.data_json }});
{% endmacro %}
""")

_STYLE = {"fill_opacity": 0.85, "line_color": "#ffffff", "line_weight": 0.3,
          "hover_color": "#333333", "hover_weight": 2.0, "border_color": "#444444",
          "border_weight": 1.0, "outline_color": "#000000", "outline_weight": 1.2}


def _json_value(v: Any, digits: int) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(v) else round(float(v), digits)
    return str(v)


def _property_table(properties: Mapping[str, Sequence] | pd.DataFrame | None, n: int,
                    digits: int) -> dict[str, list[Any]]:
    """The tooltip's table: column -> one JSON-ready value per feature."""
    props = {} if properties is None else dict(properties.items()) \
        if isinstance(properties, Mapping) else \
        {c: properties[c] for c in properties.columns}
    table = {}
    for col, vals in props.items():
        vals = list(vals.to_numpy() if isinstance(vals, pd.Series) else vals)
        if len(vals) != n:
            raise InputError(f"properties[{col!r}] must hold {n} values (one per "
                             f"feature); got {len(vals)}")
        table[str(col)] = [_json_value(v, digits) for v in vals]
    return table


def _outlined(outline: Sequence[bool] | np.ndarray | pd.Series | None, n: int) -> list[int]:
    """The positions of the features drawn with an outline."""
    if outline is None:
        return []
    flags = np.asarray(outline, dtype=bool)
    if flags.shape != (n,):
        raise InputError(f"outline must hold {n} booleans (one per feature); got shape "
                         f"{flags.shape}")
    return np.flatnonzero(flags).tolist()


def _borders_drawn(borders: bool | Sequence[str], available: list[str]) -> list[str]:
    """The encoded borders to draw: all (True), none (False) or those named."""
    if borders is True:
        return available
    if borders is False:
        return []
    drawn = [borders] if isinstance(borders, str) else list(borders)
    bad = [b for b in drawn if b not in available]
    if bad:
        raise InputError(f"borders must be among the encoded borders {available}; "
                         f"got {bad}")
    return drawn


class CompactChoropleth(MacroElement):
    """A choropleth layer from :func:`encode_coverage`, decoded in the browser.

    Add it to a ``folium.Map`` like ``folium.GeoJson``. It loads nothing but Leaflet (which
    the map already has): the decoder is inline, so the map works offline, in
    ``streamlit_folium.st_folium`` and in :func:`geoprio.report.mapping.map_html`.

    Parameters
    ----------
    encoded : dict from :func:`encode_coverage`.
    colours : one CSS colour per feature (e.g. ``ClassBreaks.colour_of()``).
    properties : ``{column: values}`` or a DataFrame, one value per feature; shown in the
        tooltip and set as each feature's GeoJSON properties. Floats are rounded to
        ``digits``; NaN becomes ``missing``.
    tooltip_fields : columns of ``properties`` shown on hover, default=all of them.
    tooltip_aliases : their labels, default=the column names.
    outline : booleans, one per feature: drawn with a thick outline (the selected list).
    borders : names of encoded borders to draw (default=all that were encoded), or False.
    name : layer name; the browser keeps the layer in ``window.geoprioLayers[name]``.
    style : overrides of the line and fill style (keys of ``CompactChoropleth.STYLE``).
    missing : text for a missing value. locale : number format in the tooltip
        (default ``"es-PE"``). digits : decimals kept for float properties.

    Attributes
    ----------
    data_json : the JSON the browser receives (geometry, colours, table).
    layer_name, bbox : the name and ``[minx, miny, maxx, maxy]`` of the layer.

    In the browser, ``window.geoprioLayers[name]`` holds ``map``, ``fill`` (the
    ``L.geoJSON`` of the districts, features in frame order with ``feature.id`` = row),
    ``borders`` (``{group: L.geoJSON}``), ``outline``, ``data``, ``timing``
    (``decode_ms``, ``layers_ms``) and ``setColours(palette, index)`` to recolour without
    sending the geometry again; ``window.geoprioLayer`` is the last ``fill`` drawn. The
    tooltip is bound to ``fill`` as folium's ``GeoJsonTooltip`` is, so ``st_folium``'s
    ``last_object_clicked_tooltip`` gets its text.

    Examples
    --------
    >>> import folium, geopandas as gpd
    >>> from shapely import box
    >>> two = gpd.GeoDataFrame({"ubigeo": ["010101", "010102"], "dep": ["01", "01"]},
    ...                        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    >>> m = folium.Map(tiles=None)
    >>> layer = CompactChoropleth(encode_coverage(two, borders="dep"),
    ...                           colours=["#ffffb2", "#b10026"],
    ...                           properties={"ubigeo": two["ubigeo"]},
    ...                           tooltip_aliases=["Ubigeo"], outline=[True, False]).add_to(m)
    >>> "geoprioCodec.draw" in m.get_root().render()
    True
    """

    STYLE = _STYLE
    _template = _TEMPLATE

    def __init__(self, encoded: Mapping, *, colours: Sequence[str],
                 properties: Mapping[str, Sequence] | pd.DataFrame | None = None,
                 tooltip_fields: Sequence[str] | None = None,
                 tooltip_aliases: Sequence[str] | None = None,
                 outline: Sequence[bool] | np.ndarray | pd.Series | None = None,
                 borders: bool | Sequence[str] = True, name: str = "choropleth",
                 style: Mapping[str, Any] | None = None, missing: str = "sin dato",
                 locale: str = "es-PE", digits: int = 2) -> None:
        super().__init__()
        self._name = "CompactChoropleth"
        _check(encoded)
        n = int(encoded["n_features"])
        colours = [str(c) for c in colours]
        if len(colours) != n:
            raise InputError(f"colours must hold one colour per feature ({n}); got "
                             f"{len(colours)}")
        palette = list(dict.fromkeys(colours))
        lookup = {c: i for i, c in enumerate(palette)}
        table = _property_table(properties, n, digits)
        fields = list(table) if tooltip_fields is None else [str(f) for f in tooltip_fields]
        unknown = [f for f in fields if f not in table]
        if unknown:
            raise InputError(f"tooltip_fields {unknown} are not in properties {list(table)}")
        aliases = fields if tooltip_aliases is None else [str(a) for a in tooltip_aliases]
        if len(aliases) != len(fields):
            raise InputError(f"tooltip_aliases must hold one label per field ({len(fields)}); "
                             f"got {len(aliases)}")
        selected = _outlined(outline, n)
        drawn = _borders_drawn(borders, list(encoded.get("borders", {})))
        bad_style = sorted(set(style or {}) - set(_STYLE))
        if bad_style:
            raise InputError(f"style keys must be among {sorted(_STYLE)}; got {bad_style}")
        self.layer_name = str(name)
        self.bbox = encoded.get("bbox")
        data = {"name": self.layer_name, "coverage": dict(encoded), "palette": palette,
                "colour": [lookup[c] for c in colours], "table": table, "fields": fields,
                "aliases": aliases, "outline": selected, "borders": drawn,
                "style": {**_STYLE, **(style or {})}, "missing": str(missing),
                "locale": str(locale)}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # never let a value close the <script> or open an HTML comment
        self.data_json = text.replace("<", "\\u003c").replace("\u2028", "\\u2028") \
            .replace("\u2029", "\\u2029")
        self.decoder_js = DECODER_JS

    def _get_self_bounds(self) -> list[list[float | None]]:
        if not self.bbox or None in self.bbox:
            return [[None, None], [None, None]]
        minx, miny, maxx, maxy = self.bbox
        return [[miny, minx], [maxy, maxx]]


def compact_layer(frame: gpd.GeoDataFrame, fills: Sequence[str], *,
                  tooltip: Mapping[str, str],
                  outline: Sequence[bool] | np.ndarray | pd.Series | None = None,
                  borders: str | Sequence[str] | None = "department",
                  name: str = "distritos", precision: int = 4,
                  **options: Any) -> CompactChoropleth:
    """A :class:`CompactChoropleth` of ``frame`` in one call (the encoding is cached).

    Parameters
    ----------
    frame : districts with display geometry and the ``tooltip`` and ``borders`` columns.
    fills : one CSS colour per row.
    tooltip : ``{column: label}`` shown on hover, in order.
    outline : booleans, one per row: drawn with a thick outline.
    borders : column(s) whose group borders are drawn on top, default=``"department"``;
        None for none.
    name, precision : layer name; decimals kept (:func:`encode_coverage`).
    **options : passed to :class:`CompactChoropleth` (``style``, ``missing``, ``locale``,
        ``digits``).

    Examples
    --------
    >>> import folium, geopandas as gpd
    >>> from shapely import box
    >>> two = gpd.GeoDataFrame({"ubigeo": ["010101", "020101"], "department": ["A", "B"]},
    ...                        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    >>> layer = compact_layer(two, ["#ffffb2", "#b10026"], tooltip={"ubigeo": "Ubigeo"})
    >>> layer.add_to(folium.Map(tiles=None)).layer_name
    'distritos'
    """
    if not isinstance(tooltip, Mapping):
        raise TypeError(f"tooltip must be a dict {{column: label}}; got {type(tooltip).__name__}")
    absent = [c for c in tooltip if c not in frame.columns]
    if absent:
        raise InputError(f"tooltip: columns {absent} are not in the frame")
    encoded = encode_coverage(frame, precision=precision, borders=borders)
    columns = list(dict.fromkeys([*tooltip, *(["ubigeo"] if "ubigeo" in frame else [])]))
    return CompactChoropleth(encoded, colours=fills, properties=frame[columns],
                             tooltip_fields=list(tooltip), tooltip_aliases=list(tooltip.values()),
                             outline=outline, name=name, **options)
