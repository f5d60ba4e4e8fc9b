"""Choropleth maps that work offline: class breaks (mapclassify), folium, local Leaflet.

folium's maps load Leaflet, jQuery and Bootstrap from public CDNs; on a ministry intranet (or
this machine) such a map stays blank. geoprio's maps need only Leaflet, which comes from the
installed PyPI package ``django-js-lib-leaflet`` (the Leaflet 1.9.4 distribution files, no
Django needed), and draw no tile basemap unless one is asked for.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from branca.element import MacroElement
from jinja2 import Template

from geoprio.engine.texts import BOX_NAMES
from geoprio.errors import GeoprioError
from geoprio.report.jenks import FisherJenks

__all__ = [
    "BOX_COLOURS",
    "PALETTES",
    "SCHEMES",
    "BoxBreaks",
    "ClassBreaks",
    "add_report_frame",
    "box_breaks",
    "category_map",
    "choropleth",
    "class_breaks",
    "diverging_breaks",
    "filled_map",
    "leaflet_assets",
    "map_html",
    "to_geojson",
]

# ColorBrewer sequential palettes (colour-blind safe), light to dark.
PALETTES: dict[str, list[str]] = {
    "YlOrRd": ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    "PuBu": ["#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#034e7b"],
    "viridis": ["#fde725", "#90d743", "#35b779", "#21918c", "#31688e", "#443983", "#440154"],
}
SCHEMES = {
    "quantiles": mapclassify.Quantiles,
    # mapclassify's in pure Python (no numba) took 6.4 s a map: the same programme in numpy
    # (geoprio.report.jenks, tested against mapclassify) takes well under one
    "fisher_jenks": FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
    "natural_breaks": mapclassify.NaturalBreaks,
}
MISSING_COLOUR = "#d9d9d9"


class ClassBreaks:
    """Class breaks of a column and the colour of each value.

    Attributes
    ----------
    bins : upper bounds of the classes (the last is the maximum).
    lower : the minimum.
    colours : one colour per class.
    yb : class of each value (-1 for missing).
    counts : values per class.
    """

    def __init__(self, values: pd.Series | np.ndarray, *, scheme: str = "quantiles", k: int = 5,
                 palette: str = "YlOrRd", reverse: bool = False) -> None:
        if scheme not in SCHEMES:
            raise GeoprioError(f"scheme must be one of {list(SCHEMES)}; got {scheme!r}")
        if palette not in PALETTES:
            raise GeoprioError(f"palette must be one of {list(PALETTES)}; got {palette!r}")
        if not 2 <= k <= 7:
            raise GeoprioError(f"k (number of classes) must be between 2 and 7; got {k}")
        v = np.asarray(values, dtype="float64")
        ok = ~np.isnan(v)
        if ok.sum() == 0:
            raise GeoprioError("the column has no values to classify")
        k = min(k, len(np.unique(v[ok])))
        classifier = SCHEMES[scheme](v[ok], k=k) if k > 1 else None
        self.scheme, self.k = scheme, k
        self.lower = float(v[ok].min())
        self.bins = np.asarray(classifier.bins if classifier else [v[ok].max()], dtype=float)
        self.yb = np.full(len(v), -1, dtype=int)
        self.yb[ok] = classifier.yb if classifier else 0
        self.counts = np.bincount(self.yb[ok], minlength=len(self.bins))
        colours = _spread(PALETTES[palette], len(self.bins))
        self.colours = colours[::-1] if reverse else colours
        self.missing = int((~ok).sum())

    def colour_of(self) -> list[str]:
        """The colour of each value (grey for missing)."""
        return [self.colours[c] if c >= 0 else MISSING_COLOUR for c in self.yb]

    def labels(self, lang: str = "es") -> list[str]:
        """Human labels of the classes, "10,0 – 20,0" in Spanish, "10.0 – 20.0" in English.

        As many decimals as the breaks need: two classes never read the same
        (:func:`geoprio.fmt.break_labels`).
        """
        from geoprio.fmt import break_labels

        return break_labels(self.lower, list(self.bins), lang)

    def __repr__(self) -> str:
        return (f"ClassBreaks(scheme={self.scheme!r}, k={self.k}, "
                f"bins={np.round(self.bins, 3).tolist()}, counts={self.counts.tolist()}, "
                f"missing={self.missing})")


def class_breaks(values: pd.Series | np.ndarray, *, scheme: str = "quantiles", k: int = 5,
                 palette: str = "YlOrRd", reverse: bool = False) -> ClassBreaks:
    """Front door to :class:`ClassBreaks`.

    Examples
    --------
    >>> cb = class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], scheme="equal_interval", k=2)
    >>> cb.bins.tolist(), cb.counts.tolist()
    ([5.5, 10.0], [5, 5])
    """
    return ClassBreaks(values, scheme=scheme, k=k, palette=palette, reverse=reverse)


#: GeoDa's box map: outliers dark, quartiles light, blue low to red high (ColorBrewer RdBu)
BOX_COLOURS = ["#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b"]


class BoxBreaks:
    """GeoDa's box map: the quartiles and the fences ``hinge`` x IQR beyond them.

    Always six classes, by position: 0 lower outliers (at or below Q1 - hinge x IQR), 1 up
    to Q1, 2 up to the median, 3 up to Q3, 4 up to Q3 + hinge x IQR, 5 upper outliers. The
    breaks and classes are ``mapclassify.BoxPlot``'s (a class without members, such as
    outliers that do not occur, stays empty).

    Attributes
    ----------
    hinge : float
    fences : tuple of float
        Lower and upper fence.
    quartiles : tuple of float
        Q1, median, Q3.
    yb : class of each value (-1 for missing).
    counts : values per class (6).
    colours : :data:`BOX_COLOURS`.
    low_outliers, high_outliers : positions of the outliers in the input.
    """

    def __init__(self, values: pd.Series | np.ndarray, *, hinge: float = 1.5) -> None:
        if isinstance(hinge, bool) or not isinstance(hinge, (int, float)) \
                or not 0 < hinge <= 10:
            raise GeoprioError(f"hinge must be a number above 0 and at most 10 (GeoDa offers "
                               f"1.5 and 3); got {hinge!r}")
        v = np.asarray(values, dtype="float64")
        ok = np.isfinite(v)
        if ok.sum() < 4:
            raise GeoprioError(f"a box map needs at least 4 values; the column has "
                               f"{int(ok.sum())}")
        box = mapclassify.BoxPlot(v[ok], hinge=hinge)
        self.hinge = float(hinge)
        q1, q2, q3 = (float(b) for b in box.bins[1:4])
        self.quartiles = (q1, q2, q3)
        self.fences = (float(box.bins[0]), q3 + hinge * (q3 - q1))
        self.lower, self.upper = float(v[ok].min()), float(v[ok].max())
        self.bins = np.asarray(box.bins, dtype=float)
        self.yb = np.full(len(v), -1, dtype=int)
        self.yb[ok] = box.yb
        self.counts = np.bincount(self.yb[ok], minlength=6)
        self.colours = list(BOX_COLOURS)
        self.missing = int((~ok).sum())
        self.low_outliers = np.flatnonzero(self.yb == 0)
        self.high_outliers = np.flatnonzero(self.yb == 5)

    def colour_of(self) -> list[str]:
        """The colour of each value (grey for missing)."""
        return [self.colours[c] if c >= 0 else MISSING_COLOUR for c in self.yb]

    def labels(self, lang: str = "es") -> list[str]:
        """The six classes' names with their ranges, in ``lang``'s number format.

        Examples
        --------
        >>> box_breaks([1, 2, 3, 4, 5, 6, 7, 8, 30]).labels("en")[3:]
        ['50% – 75% (5.0 – 7.0)', '> 75% (7.0 – 13.0)', 'Upper outlier (> 13.0)']
        """
        from geoprio.fmt import decimals_for, number

        lo, hi = self.fences
        q1, q2, q3 = self.quartiles
        ends = [lo, max(lo, self.lower), q1, q2, q3, min(hi, self.upper), hi]
        d = decimals_for(ends, least=1)
        f = [number(e, d, lang) for e in ends]
        names = BOX_NAMES["en" if lang == "en" else "es"]
        ranges = [f"≤ {f[0]}", f"{f[1]} – {f[2]}", f"{f[2]} – {f[3]}", f"{f[3]} – {f[4]}",
                  f"{f[4]} – {f[5]}", f"> {f[6]}"]
        return [f"{name} ({r})" for name, r in zip(names, ranges, strict=True)]

    def __repr__(self) -> str:
        return (f"BoxBreaks(hinge={self.hinge}, fences={np.round(self.fences, 3).tolist()}, "
                f"quartiles={np.round(self.quartiles, 3).tolist()}, "
                f"counts={self.counts.tolist()}, missing={self.missing})")


def box_breaks(values: pd.Series | np.ndarray, *, hinge: float = 1.5) -> BoxBreaks:
    """GeoDa's box map classes of a column (:class:`BoxBreaks`, ``mapclassify.BoxPlot``).

    Examples
    --------
    >>> b = box_breaks([1, 2, 3, 4, 5, 6, 7, 8, 30])
    >>> b.quartiles, b.fences, b.counts.tolist()
    ((3.0, 5.0, 7.0), (-3.0, 13.0), [0, 3, 2, 2, 1, 1])
    """
    return BoxBreaks(values, hinge=hinge)
#: ColorBrewer RdBu (11 classes) split at its centre, light to dark away from it: blues for
#: values at or below the centre, reds above (for a change where a rise is worse).
DIVERGING_BELOW = ["#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"]
DIVERGING_ABOVE = ["#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]


def diverging_breaks(values: pd.Series | np.ndarray, *, scheme: str = "quantiles", k: int = 5,
                     centre: float = 0.0, reverse: bool = False) -> ClassBreaks:
    """Class breaks with a diverging palette centred on ``centre`` (a change: 0).

    The classes are those of :func:`class_breaks`, with ``centre`` added as a break when it
    falls inside a class, so that no class straddles it. Classes up to ``centre`` take blues
    (``DIVERGING_BELOW``), classes above it reds (``DIVERGING_ABOVE``), each lighter nearer the
    centre; ``reverse=True`` swaps the sides (a rise that is better). A side with more classes
    than its palette has colours reuses the darkest.

    Examples
    --------
    >>> cb = diverging_breaks([-6, -2, -1, 1, 3, 9], scheme="equal_interval", k=3)
    >>> cb.bins.tolist(), cb.counts.tolist()
    ([-1.0, 0.0, 4.0, 9.0], [3, 0, 2, 1])
    >>> cb.colours == ["#92c5de", "#d1e5f0", "#fddbc7", "#f4a582"]
    True
    """
    cb = ClassBreaks(values, scheme=scheme, k=k)
    bins = cb.bins
    if cb.lower < centre < bins[-1] and not np.isclose(bins, centre).any():
        bins = np.sort(np.append(bins, centre))
    v = np.asarray(values, dtype="float64")
    ok = ~np.isnan(v)
    cb.bins = bins
    cb.k = len(bins)
    cb.yb = np.full(len(v), -1, dtype=int)
    cb.yb[ok] = np.minimum(np.searchsorted(bins, v[ok], side="left"), len(bins) - 1)
    cb.counts = np.bincount(cb.yb[ok], minlength=len(bins))
    below, above = (DIVERGING_ABOVE, DIVERGING_BELOW) if reverse else (DIVERGING_BELOW,
                                                                        DIVERGING_ABOVE)
    n_below = int((bins <= centre).sum())
    cb.colours = ([below[min(n_below - 1 - i, len(below) - 1)] for i in range(n_below)]
                  + [above[min(i, len(above) - 1)] for i in range(len(bins) - n_below)])
    return cb


def _spread(colours: list[str], n: int) -> list[str]:
    idx = np.linspace(0, len(colours) - 1, n).round().astype(int)
    return [colours[i] for i in idx]


@functools.lru_cache(maxsize=1)
def leaflet_assets() -> dict[str, Path]:
    """Paths of the installed Leaflet files (``leaflet.js``, ``leaflet.css``)."""
    spec = importlib.util.find_spec("js_lib_leaflet")
    if spec is None or not spec.submodule_search_locations:
        raise GeoprioError("Leaflet files not found: pip install django-js-lib-leaflet "
                           "(it ships Leaflet 1.9.4 for offline maps)")
    root = Path(spec.submodule_search_locations[0]) / "static" / "js_lib_leaflet"
    return {"js": root / "leaflet.js", "css": root / "leaflet.css"}


def to_geojson(frame: gpd.GeoDataFrame, columns: list[str], *, precision: int = 4) -> dict:
    """A compact GeoJSON FeatureCollection: the given properties, rounded coordinates."""
    geoms = shapely.set_precision(frame.geometry.values, 10.0 ** -precision)
    feats = []
    props = frame[columns].astype(object).where(frame[columns].notna(), None)
    for geom, row in zip(geoms, props.itertuples(index=False), strict=True):
        feats.append({"type": "Feature", "properties": dict(zip(columns, row, strict=True)),
                      "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": feats}


def choropleth(frame: gpd.GeoDataFrame, column: str, *, scheme: str = "quantiles", k: int = 5,
               palette: str = "YlOrRd", reverse: bool = False, title: str | None = None,
               unit: str = "", tooltip: dict[str, str] | None = None,
               outline: pd.Series | None = None, borders: bool = True,
               basemap: str | None = None, missing_label: str = "sin dato",
               height: int = 600, lang: str = "es") -> tuple[folium.Map, ClassBreaks]:
    """A folium choropleth of ``column`` with one GeoJSON layer and a legend.

    Parameters
    ----------
    frame : districts (use the display geometry for the web: ``load_districts(display=True)``).
    column : the column to colour.
    scheme, k, palette, reverse : class breaks (:class:`ClassBreaks`).
    title, unit : legend title and unit.
    tooltip : ``{column: label}`` shown on hover (name, ubigeo, value, rank...).
    outline : boolean Series: districts drawn with a thick outline (e.g. the selected list).
    borders : draw department borders (from the frame's ``department`` column).
    basemap : None (no tiles: works offline) or a tile provider name for folium.
    lang : how the legend writes numbers, ``"es"`` (default) or ``"en"``.

    Returns
    -------
    (map, breaks)
    """
    if column not in frame.columns:
        raise GeoprioError(f"column {column!r} is not in the frame; columns: {list(frame.columns)}")
    breaks = class_breaks(frame[column], scheme=scheme, k=k, palette=palette, reverse=reverse)
    legend = legend_html(list(zip(breaks.colours, breaks.labels(lang), breaks.counts,
                                  strict=True))
                         + ([(MISSING_COLOUR, missing_label, breaks.missing)]
                            if breaks.missing else []), title or column, unit, lang)
    m = filled_map(frame, breaks.colour_of(), tooltip=tooltip or {
        "district": "Distrito", "ubigeo": "Ubigeo", column: column}, outline=outline,
        borders=borders, basemap=basemap, height=height, legend=legend, name=title or column)
    return m, breaks


def category_map(frame: gpd.GeoDataFrame, column: str, colours: dict[Any, str],
                 labels: dict[Any, str] | None = None, *, title: str | None = None,
                 tooltip: dict[str, str] | None = None,
                 borders: bool = True, missing_label: str = "sin dato",
                 height: int = 600, lang: str = "es", corner: str = "top-right",
                 compact: bool = False) -> folium.Map:
    """A map of a categorical column (clusters, zones, hot-spot labels) with a legend.

    Values not in ``colours`` are drawn grey and counted under ``missing_label``; counts are
    written as ``lang`` writes numbers. ``corner`` and ``compact`` place and size the legend
    (:func:`legend_html`).
    """
    values = frame[column]
    fills = [colours.get(v, MISSING_COLOUR) for v in values]
    counts = values.value_counts()
    labels = labels or {v: str(v) for v in colours}
    rows = [(c, labels.get(v, str(v)), int(counts.get(v, 0))) for v, c in colours.items()]
    missing = int((~values.isin(list(colours))).sum())
    if missing:
        rows.append((MISSING_COLOUR, missing_label, missing))
    return filled_map(frame, fills, tooltip=tooltip or {"district": "Distrito", column: column},
                      borders=borders, height=height,
                      legend=legend_html(rows, title or column, lang=lang, corner=corner,
                                         compact=compact),
                      name=title or column)


def filled_map(frame: gpd.GeoDataFrame, fills: list[str], *, tooltip: dict[str, str],
               outline: pd.Series | None = None, borders: bool = True,
               basemap: str | None = None, height: int = 600, legend: str = "",
               name: str = "distritos") -> folium.Map:
    """A folium map of polygons with the given fill colours, tooltips and an HTML legend.

    The polygons travel as a compact shared-arc encoding (:mod:`geoprio.report.mapcodec`), about
    a tenth of the bytes of GeoJSON, decoded in the browser by geoprio's own script.
    """
    from geoprio.report.mapcodec import compact_layer

    data = frame.copy()
    for c in tooltip:
        if pd.api.types.is_float_dtype(data[c]):
            data[c] = data[c].round(2)
    minx, miny, maxx, maxy = frame.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=5,
                   tiles=basemap, control_scale=False, prefer_canvas=True, height=height)
    _KmScale().add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    with_borders = borders and "department" in frame.columns
    compact_layer(data, fills, tooltip=tooltip, outline=outline,
                  borders="department" if with_borders else None, name=name).add_to(m)
    if legend:
        m.get_root().html.add_child(folium.Element(legend))
    _offline(m)
    return m


class _KmScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's own adds miles too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def add_report_frame(m: folium.Map, *, heading: str, footer: str,
                     outline: gpd.GeoDataFrame | None = None) -> folium.Map:
    """Make a map fit for a report: a title, a footer (source, date), the country's outline.

    ``outline`` holds the polygons whose borders give context (e.g. the departments); their
    lines are simplified to 0.005° (about 500 m), enough for context at a country's scale.
    """
    if heading:
        m.get_root().html.add_child(folium.Element(
            '<div class="geoprio-title" style="position:absolute;top:10px;left:60px;'
            'z-index:1000;background:rgba(255,255,255,.92);padding:6px 10px;'
            f'font:bold 15px sans-serif;border-radius:4px">{html.escape(heading)}</div>'))
    if footer:
        m.get_root().html.add_child(folium.Element(
            '<div class="geoprio-footer" style="position:absolute;bottom:24px;left:10px;'
            'z-index:1000;background:rgba(255,255,255,.85);padding:3px 8px;'
            f'font:11px sans-serif;color:#333;max-width:70%">{html.escape(footer)}</div>'))
    if outline is not None and len(outline):
        lines = outline.to_crs(4326).geometry.boundary.simplify(0.005)
        country = shapely.union_all(outline.to_crs(4326).geometry.to_numpy()).boundary
        data = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"w": 0.7},
             "geometry": shapely.geometry.mapping(g)} for g in lines] + [
            {"type": "Feature", "properties": {"w": 1.6},
             "geometry": shapely.geometry.mapping(country.simplify(0.005))}]}
        folium.GeoJson(data, name="contorno", interactive=False, style_function=lambda f: {
            "color": "#333333", "weight": f["properties"]["w"], "fill": False}).add_to(m)
        _offline(m)
    return m


#: where a legend sits: the top right (default), or the bottom left, over the Pacific, for
#: maps drawn at half width where a top legend would hide the north of the country
CORNERS = {"top-right": "top:12px;right:12px", "bottom-left": "bottom:28px;left:10px"}


def legend_html(rows: list[tuple[str, str, int]], title: str, unit: str = "",
                lang: str = "es", *, corner: str = "top-right", compact: bool = False) -> str:
    """The legend as a fixed HTML box (no JavaScript): rows of (colour, label, count), the
    counts written as ``lang`` writes numbers ("1 537" in Spanish, "1,537" in English).

    A count is a number: one already written as text ("1 537") is refused, since writing it
    again would read "sin dato".

    Examples
    --------
    >>> "(1\xa0537)" in legend_html([("#fff", "0 – 1", 1537)], "Puntaje")
    True
    """
    from geoprio.fmt import integer

    for _, lab, n in rows:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"legend count of {lab!r} must be an integer; got {n!r}")

    body = "".join(
        f'<div><span style="background:{c};width:14px;height:14px;display:inline-block;'
        f'margin-right:6px;border:1px solid #999"></span>{html.escape(str(lab))} '
        f'<span style="color:#666">({html.escape(integer(n, lang))})</span></div>'
        for c, lab, n in rows)
    unit_text = f" ({html.escape(unit)})" if unit else ""
    if corner not in CORNERS:
        raise ValueError(f"corner must be one of {list(CORNERS)}; got {corner!r}")
    size = ("max-width:48%;white-space:normal;font:11px sans-serif;padding:5px 7px"
            if compact else "white-space:nowrap;font:12px sans-serif;padding:8px 10px")
    return (f'<div class="geoprio-legend" style="position:absolute;{CORNERS[corner]};'
            f'z-index:1000;{size};background:rgba(255,255,255,.92);'
            f'border-radius:4px;box-shadow:0 0 4px #888">'
            f"<b>{html.escape(title)}{unit_text}</b>{body}</div>")


def _offline(m: folium.Map, js: str = "leaflet.js", css: str = "leaflet.css") -> None:
    """Keep only Leaflet among the page's assets, loaded from ``js`` and ``css``."""
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    for child in _walk(m):
        if hasattr(child, "default_js") and child is not m:
            child.default_js = []
        if hasattr(child, "default_css") and child is not m:
            child.default_css = []


def _walk(element: Any):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def serve_assets_from(m: folium.Map, base_url: str) -> folium.Map:
    """Point the map at Leaflet files served at ``base_url`` (e.g. ``/app/static/``)."""
    _offline(m, base_url + "leaflet.js", base_url + "leaflet.css")
    return m


def map_html(m: folium.Map) -> str:
    """A standalone HTML page of the map with Leaflet inlined: opens with no network."""
    _offline(m)
    page = m.get_root().render()
    assets = leaflet_assets()
    js = assets["js"].read_text(encoding="utf-8")
    css = assets["css"].read_text(encoding="utf-8")
    page = _replace_tag(page, "<script src=\"leaflet.js\"></script>", f"<script>{js}</script>")
    page = _replace_tag(page, '<link rel="stylesheet" href="leaflet.css"/>',
                        f"<style>{css}</style>")
    return page


def _replace_tag(page: str, tag: str, new: str) -> str:
    if tag not in page:
        raise GeoprioError(f"map page has no {tag!r}: folium's template changed")
    return page.replace(tag, new, 1)


def payload_size(m: folium.Map) -> int:
    """Bytes of the rendered map page without the Leaflet library itself."""
    return len(m.get_root().render().encode("utf-8"))


def _finite(x: float) -> bool:
    return not (isinstance(x, float) and math.isnan(x))
