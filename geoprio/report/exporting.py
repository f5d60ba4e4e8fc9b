"""One way out for every result: ``export(frame, path, scenario=None)``.

The format comes from the file extension: ``.csv`` (UTF-8 with BOM so Excel shows accents;
cells and column names that start with ``= + - @`` neutralised), ``.xlsx`` (with a
``metodologia`` sheet; names and cells neutralised the same way),
``.geojson``, ``.gpkg``, ``.zip`` (a zipped shapefile), ``.html`` (an interactive map that works
offline), ``.png`` (a static map for reports) and ``.toml`` / ``.json`` (the scenario alone).
Every row of the frame is written, in order; the app uses this same function, so a GIS analyst
gets the same files as a planner. With ``lang="es"`` (or ``"en"``) the tables are written for a
planner: column names in words (:mod:`geoprio.data.labels`) with the ids kept in a second header
row, a ``campos`` sheet in the XLSX, and in Spanish a CSV as a Spanish spreadsheet opens it
(``;`` between fields, decimal comma). Without ``lang`` they keep the ids, for GIS staff. Maps
(``.png``, ``.html``) are made for a report: title with the scenario's name, the indicator's
label and unit in the legend, source and date, the outline of Peru and its departments, and a
scale bar in kilometres; the PNG is an A4 page at 200 dpi (1,654 × 2,339 px). The same
inputs give the same bytes in every format: no clock time is written (the XLSX carries a date
only when ``date=`` is given; zip, XLSX and GeoPackage times are fixed) and the HTML map's
element ids are numbered, not random.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from geoprio.data.labels import unit_label
from geoprio.engine.texts import EXPORT
from geoprio.errors import GeoprioError
from geoprio.report.cells import spreadsheet_cell
from geoprio.report.planner import methodology_table, planner_table

__all__ = ["FORMATS", "export", "methodology_rows", "neutralise_formulas", "safe_filename",
           "shapefile_field_names"]

log = logging.getLogger(__name__)

FORMATS = (".csv", ".xlsx", ".geojson", ".gpkg", ".zip", ".html", ".png", ".toml", ".json")
FIXED_TIME = (2017, 10, 22, 0, 0, 0)  # zip member times: fixed so the bytes do not change
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-zA-Z])")


class ScenarioLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    def to_toml(self) -> str: ...


def safe_filename(name: str, *, default: str = "geoprio") -> str:
    """A file name with no folders, no control or shell characters, at most 120 characters.

    Examples
    --------
    >>> safe_filename("../../etc/prioridad FONIE: Ayacucho?.csv")
    'prioridad_FONIE_Ayacucho_.csv'
    """
    base = os.path.basename(str(name).replace("\\", "/"))
    base = re.sub(r"[^\w.\-áéíóúñÁÉÍÓÚÑü ]+", "_", base).strip(" ._")
    base = re.sub(r"[ _]+", "_", base)
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem[:100] or default
    return f"{stem}.{ext[:10]}" if ext else stem


def _neutral(v: Any) -> Any:
    # formulas, control characters, Excel's length (geoprio.report.cells)
    return spreadsheet_cell(v)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells and column names a spreadsheet would run as a formula with ``'``.

    Numbers are left alone (a negative number is not a formula).

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-x"], "=b": [-1, 2, 3]}))
           a  '=b
    0  '=1+1   -1
    1     ok    2
    2    '-x    3
    """
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or  # numbers stay numbers
                pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].astype(object).map(_neutral).astype(object)
    out.columns = [_neutral(c) for c in out.columns]
    return out


def _tabular(frame: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))
    for col in table.columns:
        if table[col].map(lambda v: isinstance(v, (list, tuple, dict))).any():
            table[col] = table[col].map(
                lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else
                (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v))
    return table


def methodology_rows(frame: pd.DataFrame, scenario: ScenarioLike | None,
                     catalog: pd.DataFrame | None = None,
                     date: dt.date | None = None) -> pd.DataFrame:
    """The ``metodologia`` sheet: scenario, weights, rules, data vintages, counts, and the
    date when one is given (none by default, so that the same inputs give the same file)."""
    rows: list[tuple[str, str]] = [("generado por", "geoprio")]
    if date is not None:
        rows.append(("fecha", date.isoformat()))
    rows.append(("distritos en el archivo", f"{len(frame)}"))
    if "selected" in frame.columns:
        rows.append(("distritos seleccionados", f"{int(frame['selected'].sum())}"))
    if scenario is not None:
        for key, value in scenario.to_dict().items():
            rows.append((f"escenario.{key}", json.dumps(value, ensure_ascii=False, default=str)
                         if not isinstance(value, str) else value))
    if catalog is not None:
        used = catalog[catalog["id"].isin(frame.columns)]
        for r in used.itertuples():
            year = "" if pd.isna(r.year) else f" {r.year}"
            rows.append((f"dato.{r.id}", f"{r.label_es} ({r.unit}{year}); fuente: {r.source}"))
    rows.append(("fuentes y licencias", "data/SOURCES.md del repositorio geoprio"))
    return pd.DataFrame(rows, columns=["campo", "valor"])


def export(frame: pd.DataFrame, path: str | Path, scenario: ScenarioLike | None = None, *,
           catalog: pd.DataFrame | None = None, column: str | None = None,
           date: dt.date | None = None, map_options: dict[str, Any] | None = None,
           lang: str | None = None) -> Path:
    """Write ``frame`` to ``path`` in the format its extension names.

    Parameters
    ----------
    frame : the districts (a GeoDataFrame for map and GIS formats).
    path : destination; the extension picks the format (see ``FORMATS``).
    scenario : written beside the data (XLSX sheet, GeoJSON/GPKG metadata, TOML in the zip).
    catalog : used for labels and data vintages (``geoprio.catalog()`` when None).
    column : the column to colour in ``.html`` and ``.png`` maps (``score`` if present).
    date : the date written in the methodology, the XLSX properties and the map's footer (none
        when None: the same inputs then give the same bytes on any day).
    map_options : for maps: ``title``, ``unit``, ``palette``, ``scheme``, ``k``, ``source``.
    lang : ``"es"`` or ``"en"`` writes tables and maps for a planner in that language (see the
        module docstring); None (default) keeps column ids, for GIS staff.

    Returns
    -------
    The path written.

    Examples
    --------
    >>> import geoprio, tempfile, pathlib
    >>> d = geoprio.load_districts()
    >>> out = export(d.head(3), pathlib.Path(tempfile.mkdtemp()) / "tres.csv")
    >>> out.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    path = Path(path)
    ext = "".join(path.suffixes[-1:]).lower()
    if ext not in FORMATS:
        raise GeoprioError(f"cannot export to {path.name!r}: the extension must be one of "
                           f"{', '.join(FORMATS)}")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a DataFrame or GeoDataFrame, got {type(frame).__name__}")
    if lang not in (None, "es", "en"):
        raise GeoprioError(f"lang must be None, 'es' or 'en'; got {lang!r}")
    if catalog is None:
        from geoprio.data.shipped import catalog as load_catalog

        catalog = load_catalog()
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = _WRITERS[ext]
    writer(frame, path, scenario=scenario, catalog=catalog, column=column, date=date,
           map_options=map_options or {}, lang=lang)
    log.info("exported %d rows to %s", len(frame), path)
    return path


def _draws(scenario: ScenarioLike | None) -> int:
    """The draws behind the probabilities (how many decimals they need to be exact)."""
    if scenario is None:
        return 1000
    values = [v for k, v in scenario.to_dict().items() if k.split(".")[-1] == "n_draws"]
    return max([int(v) for v in values if isinstance(v, (int, np.integer))] or [1000])


def _csv(frame, path, *, catalog, lang, scenario=None, **_: Any) -> None:
    if lang is None:  # GIS staff: the ids, values as they are
        table = neutralise_formulas(_tabular(frame))
        table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        return
    # a planner's CSV (geoprio.report.planner): one header row of words, the decision first; in
    # Spanish ';' between fields and a decimal comma, as a spreadsheet set to Spanish reads it
    laid = planner_table(frame, lang, catalog, n_draws=_draws(scenario))
    sep, mark = (";", ",") if lang == "es" else (",", ".")
    # text neutralised while the numbers are still numbers: "-3,5" is a number, not a formula
    body = neutralise_formulas(laid.frame).astype(object)
    for col, original in zip(body.columns, laid.frame.columns, strict=True):
        if pd.api.types.is_float_dtype(laid.frame[original]):
            body[col] = [None if pd.isna(v) else _plain_number(v, mark)
                         for v in laid.frame[original]]
    body.columns = [_neutral(lab) for lab in laid.labels]
    text = body.to_csv(index=False, sep=sep, lineterminator="\r\n")
    path.write_bytes(("\ufeff" + text).encode("utf-8"))


def _plain_number(value: float, mark: str) -> str:
    """A number as a CSV cell: no binary noise, no ``,0`` on a whole number."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text).replace(".", mark)


def _xlsx(frame, path, *, scenario, catalog, date, lang, **_: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    if lang is None:
        _xlsx_ids(wb, frame, scenario, catalog, date)
    else:
        _xlsx_planner(wb, frame, scenario, catalog, date, lang)
    stamp = dt.datetime.combine(date, dt.time()) if date is not None else \
        dt.datetime(*FIXED_TIME)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "geoprio"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_fixed_xlsx_times(buf.getvalue(), stamp))


def _xlsx_ids(wb, frame, scenario, catalog, date) -> None:
    """GIS staff's workbook: column ids, values as they are, settings as key | value."""
    ws = wb.create_sheet("distritos")
    table = neutralise_formulas(_tabular(frame))
    ws.freeze_panes = "A2"
    _widths(ws, [str(c) for c in table.columns])
    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    meta = wb.create_sheet("metodologia")
    meta.column_dimensions["A"].width = 28
    meta.column_dimensions["B"].width = 100
    for r in neutralise_formulas(methodology_rows(frame, scenario, catalog, date)).itertuples(
            index=False):
        meta.append(list(r))


def _xlsx_planner(wb, frame, scenario, catalog, date, lang) -> None:
    """A planner's workbook (:mod:`geoprio.report.planner`): one header row, the decision first, a
    number format on every numeric cell; ``campos`` (label ↔ id) and ``metodologia``."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    laid = planner_table(frame, lang, catalog, n_draws=_draws(scenario))
    ws = wb.create_sheet("distritos")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{_column_letter(len(laid.ids))}{len(laid.frame) + 1}"
    _widths(ws, laid.labels, laid.frame)
    bold = Font(bold=True)
    header = []
    for lab in laid.labels:
        cell = WriteOnlyCell(ws, value=_neutral(lab))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    formats = [laid.formats[c] for c in laid.ids]
    for row in neutralise_formulas(laid.frame).itertuples(index=False):
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            cell = WriteOnlyCell(ws, value=_cell(value))
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        ws.append(cells)
    fields = wb.create_sheet("campos")
    _widths(fields, ["campo" * 8, "id" * 12, "unidad", "fuente" * 12])
    words = EXPORT["es" if lang == "es" else "en"]
    fields.append([words["field"], "id", words["unit"], words["source"]])
    info = catalog.set_index("id") if "id" in catalog else pd.DataFrame()
    for lab, col in zip(laid.labels, laid.ids, strict=True):
        row = info.loc[col] if col in info.index else None
        fields.append([_neutral(v) for v in (
            lab, str(col), "" if row is None else unit_label(row["unit"], lang),
            "" if row is None or pd.isna(row["source"]) else str(row["source"]))])
    meta = wb.create_sheet("metodologia")
    meta.column_dimensions["A"].width = 40
    meta.column_dimensions["B"].width = 110
    items = neutralise_formulas(methodology_table(frame, scenario, catalog, date, lang))
    meta.append(list(items.columns))
    for r in items.itertuples(index=False):
        meta.append(list(r))


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(max(1, n))


def _widths(ws, headers: list[str], values: pd.DataFrame | None = None) -> None:
    """Columns as wide as their header or most of their values (a district's name is not
    cut), between 8 and 40 characters; reasons and other long texts wrap at 40."""
    for i, text in enumerate(headers, start=1):
        width = len(str(text)) + 2
        if values is not None:
            cells = values.iloc[:, i - 1].dropna().astype(str).str.len()
            if len(cells):
                width = max(min(width, 24), int(cells.quantile(0.95)) + 2)
        ws.column_dimensions[_column_letter(i)].width = min(40, max(8, width))


def _fixed_xlsx_times(data: bytes, stamp: dt.datetime) -> bytes:
    """The same workbook with fixed times (openpyxl stamps 'modified' with the clock)."""
    out = io.BytesIO()
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + when +
                                 rb"\g<2>", content)
            _zip_add(dst, info.filename, content)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _need_geometry(frame, path) -> None:
    if "geometry" not in frame.columns:
        raise GeoprioError(f"{path.name}: this format needs geometry; pass the GeoDataFrame from "
                           "geoprio.load_districts() or prioritize()")


def _gis_frame(frame):
    import geopandas as gpd

    table = _tabular(frame)
    for col in table.columns:
        if table[col].dtype == bool:
            table[col] = table[col].astype("int8")  # GIS formats vary on booleans
        elif isinstance(table[col].dtype, pd.Int64Dtype):
            # integers with gaps (ranks of districts without a rank) read back as floats:
            # write them as floats, so export -> read -> export gives the same file
            table[col] = table[col].astype("float64")
    return gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=frame.crs)


def _geojson(frame, path, *, scenario, **_: Any) -> None:
    import shapely

    _need_geometry(frame, path)
    g = _gis_frame(frame).to_crs(4326)
    props = pd.DataFrame(g.drop(columns="geometry"))
    props = props.astype(object).where(props.notna(), None)
    geoms = shapely.to_geojson(g.geometry.values)
    parts = []
    for geom, row in zip(geoms, props.itertuples(index=False), strict=True):
        record = {k: _cell(v) for k, v in zip(props.columns, row, strict=True)}
        parts.append('{"type":"Feature","properties":'
                     + json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                     + ',"geometry":' + (geom if geom is not None else "null") + "}")
    head = '{"type":"FeatureCollection",'
    if scenario is not None:
        head += '"geoprio_scenario":' + json.dumps(scenario.to_dict(), ensure_ascii=False,
                                                   default=str) + ","
    path.write_text(head + '"features":[' + ",".join(parts) + "]}", encoding="utf-8")


def _gpkg(frame, path, *, scenario, **_: Any) -> None:
    _need_geometry(frame, path)
    os.environ.setdefault("OGR_CURRENT_DATE", "2017-10-22T00:00:00Z")
    if path.exists():
        path.unlink()
    g = _gis_frame(frame)
    g.to_file(path, layer="distritos", driver="GPKG", engine="pyogrio")
    if scenario is not None:
        import pyogrio

        meta = pd.DataFrame({"clave": ["scenario_toml"], "valor": [scenario.to_toml()]})
        pyogrio.write_dataframe(meta, path, layer="escenario", driver="GPKG", append=False)


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Unique DBF field names of at most 10 characters for ``columns``.

    Examples
    --------
    >>> shapefile_field_names(["poverty_2018", "poverty_2018_lo", "ubigeo"])
    {'poverty_2018': 'poverty_20', 'poverty_2018_lo': 'poverty_01', 'ubigeo': 'ubigeo'}
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        short = str(col)[:10]
        n = 0
        while short.lower() in used:
            n += 1
            short = f"{str(col)[:8]}{n:02d}"
        used.add(short.lower())
        names[col] = short
    return names


def _shapefile_zip(frame, path, *, scenario, **_: Any) -> None:
    _need_geometry(frame, path)
    g = _gis_frame(frame)
    names = shapefile_field_names([c for c in g.columns if c != "geometry"])
    g = g.rename(columns=names)
    fields = pd.DataFrame({"campo_shp": list(names.values()), "columna": list(names)})
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "distritos.shp"
        g.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member in sorted(Path(tmp).iterdir()):
                _zip_add(zf, member.name, member.read_bytes())
            _zip_add(zf, "campos.csv", neutralise_formulas(fields).to_csv(index=False).encode(
                "utf-8-sig"))
            if scenario is not None:
                _zip_add(zf, "escenario.toml", scenario.to_toml().encode("utf-8"))


def _zip_add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def _map_column(frame, column) -> str:
    column = column or ("score" if "score" in frame.columns else None)
    if column is None or column not in frame.columns:
        raise GeoprioError("a map export needs column=... (the column to colour)")
    return column


def _html(frame, path, *, column, catalog, map_options, scenario, date, lang, **_: Any) -> None:
    from geoprio.report import mapping

    _need_geometry(frame, path)
    column = _map_column(frame, column)
    opts = _map_labels(column, catalog, map_options, scenario, lang or "es")
    report = {k: opts.pop(k) for k in ("source", "heading") if k in opts}
    m, _breaks = mapping.choropleth(frame, column, lang=lang or "es", **opts)
    mapping.add_report_frame(m, heading=report.get("heading", ""),
                             footer=_footer(report.get("source", ""), date, lang or "es"),
                             outline=_country(frame))
    path.write_text(_numbered_ids(mapping.map_html(m)), encoding="utf-8")


def _numbered_ids(page: str) -> str:
    """folium's random element ids (``map_<32 hex>``) numbered in order of appearance."""
    seen: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: seen.setdefault(m.group(), f"{len(seen):032x}"), page)


def _map_labels(column: str, catalog: pd.DataFrame, options: dict[str, Any],
                scenario: ScenarioLike | None = None, lang: str = "es") -> dict[str, Any]:
    """Title, unit, palette and source of a map of ``column``, in ``lang``."""
    from geoprio.data.labels import column_label, score_unit
    from geoprio.engine.scenario import title_of

    opts = dict(options)
    row = catalog.set_index("id").loc[column] if column in set(catalog["id"]) else None
    settings = scenario.to_dict() if scenario is not None else {}
    if row is not None:
        opts.setdefault("title", row["label_es" if lang == "es" else "label_en"])
        year = "" if pd.isna(row["year"]) else f", {row['year']}"
        opts.setdefault("unit", f"{row['unit']}{year}")
        if row["higher_is_worse"] is False:
            opts.setdefault("palette", "PuBu")
        opts.setdefault("source", str(row["source"]))
    else:
        opts.setdefault("title", column_label(column, lang, catalog))
        if column == "score":
            opts.setdefault("unit", score_unit(settings.get("normalisation", "minmax"), lang))
            sources = settings.get("sources") or []
            opts.setdefault("source", "; ".join(sources) if sources else "geoprio")
    if settings.get("name"):  # the preset's title, never its id ("dci")
        word = EXPORT["es" if lang == "es" else "en"]["scenario"]
        opts.setdefault("heading", f"{word}: {title_of(settings, lang)} — {opts['title']}")
    else:
        opts.setdefault("heading", opts["title"])
    return opts


def _footer(source: str, date: dt.date | None, lang: str) -> str:
    words = EXPORT["es" if lang == "es" else "en"]["footer"]
    text = (f"{words[0]}: {source}. {words[1]}: INEI / GEO GPS PERÚ (innovar, 2017). "
            f"{words[2]}")
    return text + (f", {date.isoformat()}." if date is not None else ".")


def _country(frame: pd.DataFrame) -> Any:
    """Department polygons for context (the shipped ones), in the frame's CRS."""
    from geoprio.data.shipped import load_districts

    departments = load_districts("department")[["ubigeo", "geometry"]]
    crs = getattr(frame, "crs", None)
    return departments.to_crs(crs) if crs is not None else departments


#: an A4 page at 200 dpi: 1,654 x 2,339 pixels
_PNG_SIZE, _PNG_DPI = (8.27, 11.69), 200
#: the PNG's projection: metres, so that the scale bar is true (UTM 18S covers central Peru)
_PNG_CRS = "EPSG:32718"


def _png(frame, path, *, column, catalog, map_options, scenario, date, lang, **_: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib_scalebar.scalebar import ScaleBar

    from geoprio.report import mapping

    _need_geometry(frame, path)
    column = _map_column(frame, column)
    lang = lang or "es"
    opts = _map_labels(column, catalog, map_options, scenario, lang)
    breaks = mapping.class_breaks(frame[column], scheme=opts.get("scheme", "quantiles"),
                                  k=opts.get("k", 5), palette=opts.get("palette", "YlOrRd"))
    projected = frame.to_crs(_PNG_CRS)
    departments = _country(frame).to_crs(_PNG_CRS)
    fig = plt.figure(figsize=_PNG_SIZE, dpi=_PNG_DPI)
    ax = fig.add_axes((0.04, 0.08, 0.92, 0.82))
    projected.plot(ax=ax, color=breaks.colour_of(), edgecolor="white", linewidth=0.08)
    departments.boundary.plot(ax=ax, color="#555555", linewidth=0.45)
    country = departments.geometry.union_all()
    from geopandas import GeoSeries

    GeoSeries([country.boundary], crs=_PNG_CRS).plot(ax=ax, color="#222222", linewidth=0.9)
    if "selected" in frame.columns and frame["selected"].any():
        projected[projected["selected"].astype(bool)].boundary.plot(ax=ax, color="black",
                                                                    linewidth=0.6)
    handles = [Patch(facecolor=c, edgecolor="#999", label=lab)
               for c, lab in zip(breaks.colours, breaks.labels(lang=lang), strict=True)]
    if breaks.missing:
        word = EXPORT["es" if lang == "es" else "en"]["no_data"]
        handles.append(Patch(facecolor=mapping.MISSING_COLOUR, label=f"{word} ({breaks.missing})"))
    if "selected" in frame.columns and frame["selected"].any():
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=1.2,
                             label=EXPORT["es" if lang == "es" else "en"]["selected"]))
    unit = opts.get("unit", "")
    ax.legend(handles=handles, title=f"{opts['title']}\n({unit})" if unit else opts["title"],
              loc="lower left", fontsize=8, title_fontsize=9, frameon=True)
    ax.add_artist(ScaleBar(1, "m", location="lower right", length_fraction=0.2, box_alpha=0.8,
                           font_properties={"size": 8}))
    ax.set_axis_off()
    fig.text(0.5, 0.955, opts["heading"], ha="center", va="top", fontsize=13, wrap=True)
    fig.text(0.04, 0.035, _footer(opts.get("source", ""), date, lang), ha="left", va="bottom",
             fontsize=7, color="#444444", wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": "geoprio"})
    plt.close(fig)
    path.write_bytes(buf.getvalue())


def _scenario_only(frame, path, *, scenario, **_: Any) -> None:
    if scenario is None:
        raise GeoprioError(f"{path.name}: pass scenario=... to export a scenario")
    text = scenario.to_toml() if path.suffix.lower() == ".toml" else json.dumps(
        scenario.to_dict(), indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")


_WRITERS = {".csv": _csv, ".xlsx": _xlsx, ".geojson": _geojson, ".gpkg": _gpkg,
            ".zip": _shapefile_zip, ".html": _html, ".png": _png, ".toml": _scenario_only,
            ".json": _scenario_only}
