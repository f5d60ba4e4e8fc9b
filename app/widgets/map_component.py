"""The district map as a small Streamlit component: geometry once, colours on every rerun.

``streamlit_folium.st_folium`` sends the whole folium page on every rerun, the ~260 kB encoded
geometry included, and the browser rebuilds the map. This component (components v1, plain
JavaScript in ``app/widgets/map_component/``, no build step, only Leaflet besides geoprio's decoder)
splits the two:

- :func:`publish_geometry` writes the display districts once, encoded with
  :func:`geoprio.report.mapcodec.encode_coverage` (department borders included) plus their names,
  to Streamlit's static folder under a content-hash file name, so the browser fetches it
  once and may cache it for good; it also writes geoprio's decoder and copies Leaflet there;
- :func:`district_map` sends only what changes: the palette and each district's class,
  the tooltip table, the outlined districts and the legend. On a rerun where only those
  change, the browser recolours the drawn layer in place: no geometry refetched, no layer
  rebuilt, the user's zoom and pan kept. It returns the ubigeo of the district last clicked.

Needs ``enableStaticServing = true`` under ``[server]`` in ``.streamlit/config.toml``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit.components.v1 as components

from geoprio.errors import InputError
from geoprio.report.mapcodec import DECODER_JS, _json_value, encode_coverage
from geoprio.report.mapping import leaflet_assets

__all__ = ["FRONTEND", "NAME_COLUMNS", "district_map", "publish_geometry"]

log = logging.getLogger(__name__)

FRONTEND = Path(__file__).with_name("map_component")
# Columns written with the geometry (they never change): the tooltip may name them without
# sending them again. ``ubigeo`` is what a click returns.
NAME_COLUMNS = ("ubigeo", "district", "province", "department")
STATIC_URL = "/app/static/"
COMPONENT = f"{__name__}.district_map"  # Streamlit names a component after its module
# Declared once, here, at import (issue 21): declare_component finds its caller's module with
# inspect.getmodule, which under a burst of new sessions once returned None ("module is
# None") when it ran per session. Registration with the server is done in _declared.
_COMPONENT = components.declare_component("district_map", path=str(FRONTEND))
_PUBLISHED: dict[str, dict[str, Any]] = {}  # url -> {"n": features, "columns": [...]}


def _digest(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


def _write_once(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it is there already (atomic: no half-written file)."""
    if path.exists() and path.stat().st_size == len(data):
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
    log.info("wrote %s (%d bytes)", path, len(data))


def decoder_name() -> str:
    """File name of geoprio's decoder in the static folder (hash of its source)."""
    return f"geoprio-decoder.{_digest(DECODER_JS)}.js"


def publish_geometry(static_dir: str | Path, frame: gpd.GeoDataFrame, *,
                     columns: Sequence[str] | None = None, precision: int = 4,
                     url_base: str = STATIC_URL) -> str:
    """Write the encoded districts to ``static_dir`` once; the URL the browser fetches.

    Writes ``districts.<hash>.json`` (the dict of :func:`geoprio.report.mapcodec.encode_coverage`
    with department borders when ``frame`` has a ``department`` column, plus a ``table`` of
    ``columns``), ``geoprio-decoder.<hash>.js`` (``geoprio.report.mapcodec.DECODER_JS``) and copies
    Leaflet's ``leaflet.js`` and ``leaflet.css`` there when missing. The hash is of the
    content: the same districts give the same name, so a file is written once and the
    browser may cache it for good. Cache the call with ``st.cache_resource``.

    Parameters
    ----------
    static_dir : Streamlit's static folder (``static/`` beside the main script).
    frame : the display districts (``geoprio.load_districts(display=True)``), EPSG:4326,
        one row per district in the order the map's colours will follow.
    columns : columns written beside the geometry for the tooltip, default=those of
        ``NAME_COLUMNS`` in the frame. ``ubigeo`` is needed for clicks.
    precision : decimals kept in the coordinates (``4`` ≈ 11 m).
    url_base : where Streamlit serves ``static_dir``, default ``"/app/static/"``.

    Returns
    -------
    str : the geometry's URL, e.g. ``"/app/static/districts.0123456789abcdef.json"``.

    Examples
    --------
    >>> import tempfile, geopandas as gpd
    >>> from shapely import box
    >>> two = gpd.GeoDataFrame({"ubigeo": ["010101", "010102"], "department": ["A", "A"]},
    ...                        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    >>> folder = tempfile.mkdtemp()
    >>> url = publish_geometry(folder, two)
    >>> url == publish_geometry(folder, two.copy()), url.startswith("/app/static/districts.")
    (True, True)
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"frame must be a GeoDataFrame; got {type(frame).__name__}")
    folder = Path(static_dir)
    if not folder.is_dir():
        raise InputError(f"static_dir must be an existing folder; got {str(static_dir)!r}")
    if columns is None:
        columns = [c for c in NAME_COLUMNS if c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"columns {missing} are not in the frame; columns: "
                         f"{[c for c in frame.columns if c != frame.geometry.name]}")
    borders = "department" if "department" in frame.columns else None
    encoded = encode_coverage(frame, precision=precision, borders=borders)
    encoded["table"] = {str(c): [_json_value(v, 6) for v in frame[c].to_numpy()]
                        for c in columns}
    text = json.dumps(encoded, ensure_ascii=False, separators=(",", ":"))
    name = f"districts.{_digest(text)}.json"
    _write_once(folder / name, text.encode("utf-8"))
    _write_once(folder / decoder_name(), DECODER_JS.encode("utf-8"))
    for path in leaflet_assets().values():
        _write_once(folder / path.name, path.read_bytes())
    url = url_base + name
    _PUBLISHED[url] = {"n": int(encoded["n_features"]), "columns": list(encoded["table"])}
    return url



def _length(name: str, values: Any, n: int | None) -> int:
    if n is not None and len(values) != n:
        raise InputError(f"{name} must hold one value per district ({n}); got {len(values)}")
    return len(values)


def map_args(encoded_url: str, *, colours: Sequence, palette: Sequence[str] | None = None,
             table: Mapping[str, Sequence] | pd.DataFrame | None = None,
             fields: Sequence[str] = (), aliases: Sequence[str] | None = None,
             outline: Sequence[bool] | np.ndarray | pd.Series | None = None,
             legend_html: str = "", height: int = 640, name: str = "distritos",
             tiles: str | None = None, attribution: str = "", missing: str = "sin dato",
             locale: str = "es-PE", digits: int = 2,
             style: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON arguments :func:`district_map` sends (checked); see there."""
    if not isinstance(encoded_url, str) or not encoded_url.endswith(".json"):
        raise InputError(f"encoded_url must be the .json URL publish_geometry returned; got "
                         f"{encoded_url!r}")
    known = _PUBLISHED.get(encoded_url, {})
    n = known.get("n")
    if palette is None:  # CSS colours per district: build the palette and the index
        css = [str(c) for c in colours]
        n = _length("colours", css, n)
        palette = list(dict.fromkeys(css))
        lookup = {c: i for i, c in enumerate(palette)}
        index = [lookup[c] for c in css]
    else:
        palette = [str(c) for c in palette]
        index = np.asarray(colours).tolist()
        n = _length("colours", index, n)
        bad = [c for c in index if isinstance(c, bool) or not isinstance(c, int)
               or not 0 <= c < len(palette)]
        if bad:
            raise InputError(f"colours must be integers from 0 to {len(palette) - 1} (indices "
                             f"into palette); got {bad[:5]}")
    props = {} if table is None else \
        {c: table[c] for c in table.columns} if isinstance(table, pd.DataFrame) else dict(table)
    sent: dict[str, list] = {}
    for col, vals in props.items():
        vals = vals.to_numpy() if isinstance(vals, pd.Series) else vals
        _length(f"table[{col!r}]", vals, n)
        sent[str(col)] = [_json_value(v, digits) for v in vals]
    fields = [str(f) for f in fields]
    available = set(sent) | set(known.get("columns", NAME_COLUMNS))
    unknown = [f for f in fields if f not in available]
    if unknown:
        raise InputError(f"fields {unknown} are neither in table {list(sent)} nor written "
                         f"with the geometry {known.get('columns', list(NAME_COLUMNS))}")
    aliases = fields if aliases is None else [str(a) for a in aliases]
    if len(aliases) != len(fields):
        raise InputError(f"aliases must hold one label per field ({len(fields)}); got "
                         f"{len(aliases)}")
    selected: list[int] = []
    if outline is not None:
        flags = np.asarray(pd.Series(outline).fillna(False), dtype=bool)
        _length("outline", flags, n)
        selected = np.flatnonzero(flags).tolist()
    if isinstance(height, bool) or not isinstance(height, int) or not 100 <= height <= 4000:
        raise InputError(f"height must be an integer from 100 to 4000 pixels; got {height!r}")
    base = encoded_url.rsplit("/", 1)[0] + "/"
    return {"geometry": encoded_url, "decoder": base + decoder_name(),
            "leaflet_js": base + "leaflet.js", "leaflet_css": base + "leaflet.css",
            "palette": palette, "colour": index, "table": sent, "fields": fields,
            "aliases": aliases, "outline": selected, "legend": str(legend_html or ""),
            "height": height, "name": str(name), "tiles": tiles, "attribution": attribution,
            "missing": str(missing), "locale": str(locale), "style": dict(style or {})}


def _declared():
    """The component declared at import, registered with the running server if it is not.

    Streamlit registers a component when it is declared during a script run; this module is
    imported earlier (the server's start-up warm-up imports it), so the first run registers
    it here, without declaring it again (no ``inspect`` per session): without it the
    component's frame would answer 404.
    """
    from streamlit.runtime import exists, get_instance

    if exists():
        registry = get_instance().component_registry
        if registry.get_component_path(COMPONENT) is None:
            registry.register_component(_COMPONENT)
    return _COMPONENT


def district_map(encoded_url: str, *, colours: Sequence, palette: Sequence[str] | None = None,
                 table: Mapping[str, Sequence] | pd.DataFrame | None = None,
                 fields: Sequence[str] = (), aliases: Sequence[str] | None = None,
                 outline: Sequence[bool] | np.ndarray | pd.Series | None = None,
                 legend_html: str = "", height: int = 640, key: str = "district_map",
                 **options: Any) -> str | None:
    """Draw the districts of ``encoded_url``; the ubigeo of the district last clicked.

    Parameters
    ----------
    encoded_url : the URL :func:`publish_geometry` returned. Fetched once per page.
    colours : one entry per district in the published order: an index into ``palette``, or
        a CSS colour when ``palette`` is None (e.g. ``ClassBreaks.colour_of()``).
    palette : the CSS colours ``colours`` index (e.g. breaks colours + the missing grey).
    table : ``{column: values}`` or a DataFrame, one value per district: what the tooltip
        shows beyond the columns written with the geometry (values, rank...). Floats are
        rounded to ``digits``; NaN shows as ``missing``.
    fields : tooltip rows, in order: columns of ``table`` or of the published ``columns``
        (``district``, ``province``, ``department``, ``ubigeo``).
    aliases : their labels, default=the field names.
    outline : booleans, one per district: drawn with a thick outline (the selected list).
    legend_html : the legend box (``geoprio.report.mapping.legend_html``), shown over the map.
    height : pixels.
    key : Streamlit widget key. Keep it fixed: it is what lets a rerun update the drawn map
        instead of making a new one. Two maps on one page need two keys.
    **options : ``name`` (``window.geoprioLayers[name]`` in the frame), ``tiles`` (a tile
        URL template for an optional basemap; default none, works offline),
        ``attribution``, ``missing`` (text, default ``"sin dato"``), ``locale`` (number
        format, default ``"es-PE"``), ``digits`` (2), ``style`` (keys of
        ``CompactChoropleth.STYLE``).

    Returns
    -------
    str or None : the ubigeo of the district last clicked (None before any click).

    Examples
    --------
    >>> args = map_args("/app/static/districts.x.json", colours=["#fff", "#000", "#fff"],
    ...                 table={"rank": [2, 1, None]}, fields=["district", "rank"])
    >>> args["palette"], args["colour"], args["table"]["rank"]
    (['#fff', '#000'], [0, 1, 0], [2, 1, None])
    """
    args = map_args(encoded_url, colours=colours, palette=palette, table=table, fields=fields,
                    aliases=aliases, outline=outline, legend_html=legend_html, height=height,
                    **options)
    value = _declared()(**args, key=key, default=None)
    return value if isinstance(value, str) else None
