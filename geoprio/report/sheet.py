"""A one-page sheet per district, to hand to a municipality: PDF or HTML, Spanish first.

:func:`district_sheet` writes one district's sheet; :func:`district_sheets` a ZIP with the
sheet of every district of a list. A sheet holds, on one A4 page (the caveats and sources
move to a second one when a scenario weighs so many indicators that they would not fit):

- the district's names, code, population and a **location map** (its department's districts,
  the district in red, and Peru with the department);
- the **rank and its 90% interval** under a scenario, the probability of selection and the
  reasons (when a scenario or a :func:`geoprio.prioritize` output is given);
- **FONIE's gaps** (:func:`geoprio.fonie_gaps`, national medians): which sectors lag;
- **each indicator beside its department and national values**, with year and numbered
  source (department and Peru: the catalog's roll-up, e.g. population-weighted means);
- the **three 2022 stunting estimates** side by side: the rate measured and its children,
  Empirical Bayes and Fay–Herriot with their 90% intervals, and the share of the Fay–Herriot
  estimate from the district's own children (γ);
- the **stunting trend**: SIEN 2019 and SIEN-HIS 2022 (smoothed, with its 90% interval)
  beside the department's and the nation's ENDES series (:func:`geoprio.stunting_trend`);
- the **caveats that apply**: few children measured, a suspect 0% piped water, districts
  created after 2017 inside it, no rural population, uncertain selection.

Numbers are written as Peru writes them (``1 234 567``, ``15,7%``). The PDF is built with
``fpdf2`` and DejaVu Sans (shipped with matplotlib, so accents print everywhere); the map and
the chart are matplotlib PNGs. The same inputs give the same bytes (fixed creation date, a
content-derived file id, no clock anywhere).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import io
import logging
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.data.shipped import reference_figure
from geoprio.engine.derived import PEOPLE
from geoprio.engine.scenario import title_of
from geoprio.engine.texts import SHEET as _T  # the sheet's words
from geoprio.errors import GeoprioError, InputError, ScenarioError
from geoprio.fmt import probability
from geoprio.report.exporting import neutralise_formulas, safe_filename
from geoprio.report.pdffonts import add_fonts
from geoprio.report.workers import ordered_map

logger = logging.getLogger(__name__)

__all__ = ["FIXED_DATE", "MAX_SHEETS", "MAX_WORKERS", "PARALLEL_FROM", "SHEET_INDICATORS",
           "district_sheet", "district_sheets", "format_number"]

#: date written in every PDF (no clock: the same inputs give the same bytes)
FIXED_DATE = dt.datetime(2017, 10, 22, tzinfo=dt.timezone.utc)
#: most sheets one ZIP may hold (every district)
MAX_SHEETS = 1874
_ZIP_TIME = (2017, 10, 22, 0, 0, 0)
#: indicators of the table: id -> (decimals, Spanish label, English label)
SHEET_INDICATORS: dict[str, tuple[int, str, str]] = {
    "poverty_2018": (1, "Pobreza monetaria", "Monetary poverty"),
    "stunting_u5_2022_fh": (1, "Desnutrición crónica < 5 años (Fay–Herriot)",
                            "Stunting, under 5 (Fay–Herriot)"),
    "stunting_u5_2019": (1, "Desnutrición crónica < 5 años", "Stunting, under 5"),
    "anemia_6_35m_2022_eb": (1, "Anemia 6-35 meses (suavizada)",
                             "Anaemia, 6-35 months (smoothed)"),
    "no_water_2017": (1, "Hogares sin agua de red pública", "Households without public water"),
    "no_sewer_2017": (1, "Hogares sin desagüe a red pública", "Households without sewer"),
    "no_electricity_2017": (1, "Hogares sin electricidad", "Households without electricity"),
    "rural_no_electricity_2017": (1, "Hogares rurales sin electricidad",
                                  "Rural households without electricity"),
    "rural_no_mobile_2017": (1, "Hogares rurales sin celular",
                             "Rural households without a mobile phone"),
    "rural_share_2017": (1, "Población rural", "Rural population"),
    "illiteracy_2017": (1, "Analfabetismo", "Illiteracy"),
    "no_health_insurance_2017": (1, "Población sin seguro de salud", "No health insurance"),
    "hdi_2019": (3, "Índice de Desarrollo Humano", "Human Development Index"),
    "municipal_pim_pc_2023": (0, "Presupuesto municipal por habitante",
                              "Municipal budget per person"),
}
_ENDES_SOURCE = "INEI, Encuesta Demográfica y de Salud Familiar (ENDES), serie departamental"
_PARTICLES = {"de", "del", "la", "las", "los", "y", "el", "en"}



def _measured_caveat(row: pd.Series, t: dict[str, str], lang: str) -> list[str]:
    """The caveat of a district that measures more under-5s than live in it."""
    ratio = row.get("measured_per_resident_u5_2022")
    if not (isinstance(ratio, (int, float, np.floating)) and np.isfinite(ratio) and ratio > 100):
        return []
    counts, rate = PEOPLE["stunted_children"]  # the budget lists' own estimate
    est = float(row.get(counts[0], np.nan)) * float(row.get(rate, np.nan))
    return [t["c_measured"].format(v=format_number(ratio, 0, lang=lang),
                                   counted=format_number(row.get("stunted_u5_2022"), 0,
                                                         lang=lang),
                                   est=format_number(est / 100, 0, lang=lang))]


def _measured(n: Any) -> bool:
    """Whether some child under 5 was measured (a count, not missing, above 0)."""
    return isinstance(n, (int, float, np.floating)) and bool(np.isfinite(n)) and n > 0


def _stunting_figures(row: pd.Series, lang: str) -> dict[str, str]:
    """The 2022 stunting estimates of a district, as the sheet writes them: the measured
    rate and its children, Empirical Bayes and Fay–Herriot with their 90% intervals, and
    the share of the Fay–Herriot estimate from the district's own children (γ)."""
    def pct(col: str) -> str:
        return format_number(row.get(col), 1, lang=lang, unit="%")

    return {"n": format_number(row.get("evaluated_u5_2022"), 0, lang=lang),
            "raw": pct("stunting_u5_2022"), "eb": pct("stunting_u5_2022_eb"),
            "eb_lo": pct("stunting_u5_2022_eb_lo"), "eb_hi": pct("stunting_u5_2022_eb_hi"),
            "fh": pct("stunting_u5_2022_fh"), "lo": pct("stunting_u5_2022_fh_lo"),
            "hi": pct("stunting_u5_2022_fh_hi"),
            "g": format_number(row.get("stunting_u5_2022_fh_gamma"), 0, lang=lang, unit="%")}


def format_number(value: Any, decimals: int = 1, *, lang: str = "es", unit: str = "") -> str:
    """A number as Peru writes it: a space between thousands, a decimal comma.

    Missing values give ``"s. d."`` (sin dato; ``"n/a"`` in English). ``unit`` ``"%"`` is
    glued to the number; any other unit follows a space.

    Examples
    --------
    >>> format_number(1234567.891, 1)
    '1 234 567,9'
    >>> format_number(15.73, 1, unit="%"), format_number(float("nan"))
    ('15,7%', 's. d.')
    >>> format_number(0.5, 2, lang="en")
    '0.50'
    """
    from geoprio.fmt import number

    text = number(value, decimals, lang if lang in ("es", "en") else "es")
    if text == number(None, 0, lang if lang in ("es", "en") else "es"):
        return _T.get(lang, _T["es"])["no_data"]
    text = text.replace("\u00a0", " ")  # a printed page: a plain space between thousands
    if unit == "%":
        return text + "%"
    return f"{text} {unit}" if unit else text


def _title(name: str) -> str:
    """'SAN FRANCISCO DE DAGUAS' -> 'San Francisco de Daguas'."""
    words = str(name).lower().split()
    return " ".join(w if (i and w in _PARTICLES) else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


# ----------------------------------------------------------------------------- context
@dataclass
class _Context:
    """What every sheet of a batch shares, computed once."""

    districts: pd.DataFrame
    display: Any
    departments: Any
    dept_values: pd.DataFrame
    nation: pd.Series
    published: pd.DataFrame
    catalog: pd.DataFrame
    gaps: pd.DataFrame
    codes: pd.DataFrame
    result: pd.DataFrame | None
    lang: str
    cache: dict[Any, Any] = field(default_factory=dict)
    png: bool = True  # figures as PNG (HTML) or as pixels (PDF)


def _context(districts: pd.DataFrame | None, result: pd.DataFrame | None,
             catalog: pd.DataFrame | None, lang: str) -> _Context:
    import geoprio
    from geoprio.data.shipped import aggregate, load_codes, load_published, read_indicators
    from geoprio.decide.fonie import fonie_gaps

    if lang not in _T:
        raise GeoprioError(f"lang must be one of {list(_T)}; got {lang!r}")
    cat = catalog if catalog is not None else geoprio.catalog()
    frame = districts if districts is not None else geoprio.load_districts()
    display = _display_geometry()
    depts = geoprio.load_districts("department")
    dept_values = pd.DataFrame(depts.drop(columns="geometry")).set_index("ubigeo")
    nation = aggregate(read_indicators(), "nation", cat).iloc[0]
    try:
        gaps = fonie_gaps(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
    except ScenarioError:  # a user's frame without the census columns: the shipped ones
        gaps = fonie_gaps(read_indicators())
    return _Context(pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
                    .set_index("ubigeo", drop=False), display, _outline(depts), dept_values,
                    nation, load_published(), cat, gaps.set_index("ubigeo", drop=False),
                    load_codes(), result, lang)


@functools.lru_cache(maxsize=1)
def _display_geometry() -> Any:
    import geoprio

    g = geoprio.load_districts(display=True)[["ubigeo", "geometry"]]
    return g.set_index("ubigeo", drop=False)


def _outline(depts: Any) -> Any:
    out = depts[["ubigeo", "geometry"]].copy()
    out["geometry"] = out.geometry.simplify(0.02, preserve_topology=True)
    return out


# ----------------------------------------------------------------------------- figures
def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": "geoprio"})
    return buf.getvalue()


def _raster(fig: Any, png: bool) -> Any:
    """The figure as PNG bytes, or (for a PDF) as the same pixels in a PIL image.

    A PDF holds pixels, not PNG files: fpdf2 decodes the PNG it is given and compresses
    the pixels again, so handing it the pixels skips an encoding and a decoding and gives
    the same PDF.
    """
    if png:
        return _png(fig)
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=150)
    raw = buf.getvalue()
    width = int(fig.bbox_inches.width * 150)  # as Agg sizes its canvas at 150 dpi
    return Image.frombuffer("RGBA", (width, len(raw) // (4 * width)), raw, "raw", "RGBA", 0, 1)


def _figure(width: float, height: float) -> Any:
    """A matplotlib figure outside pyplot (no global state to close or leak)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _path(geom: Any) -> Any:
    """A (multi)polygon as one matplotlib path, holes included."""
    from matplotlib.path import Path as MplPath

    polys = getattr(geom, "geoms", [geom])
    rings = [MplPath(np.asarray(ring.coords)[:, :2], closed=True)
             for poly in polys if not poly.is_empty
             for ring in (poly.exterior, *poly.interiors)]
    return MplPath.make_compound_path(*rings)


def _paths(ctx: _Context, key: str, frame: Any) -> dict[str, Any]:
    """Paths of ``frame``'s polygons by ubigeo, built once per batch."""
    if key not in ctx.cache:
        ctx.cache[key] = {str(u): _path(g) for u, g in zip(frame["ubigeo"], frame.geometry,
                                                           strict=True)}
    return ctx.cache[key]


def _draw(ax: Any, paths: dict[str, Any], colours: dict[str, str], default: str,
          edge: str, width: float) -> None:
    from matplotlib.collections import PathCollection

    codes = list(paths)
    ax.add_collection(PathCollection(
        [paths[c] for c in codes], facecolors=[colours.get(c, default) for c in codes],
        edgecolors=edge, linewidths=width))
    ax.autoscale_view()
    lat = np.mean(ax.get_ylim())
    ax.set_aspect(1 / np.cos(np.radians(lat)))  # degrees drawn to scale at that latitude
    ax.set_axis_off()


def _map_png(ctx: _Context, code: str) -> Any:
    """The department's districts, ``code`` in red, and Peru with the department.

    The figure is drawn once per department and batch; each district recolours it.
    """
    dept = code[:2]
    key = ("map", dept)
    if key not in ctx.cache:
        g = ctx.display
        mine = _paths(ctx, f"dept{dept}", g[g["ubigeo"].str[:2] == dept])
        peru = _paths(ctx, "peru", ctx.departments)
        fig = _figure(2.5, 2.5)
        ax = fig.add_axes((0.22, 0.0, 0.78, 1.0))
        _draw(ax, mine, {code: "#b2182b"}, "#d9d9d9", "white", 0.3)
        inset = fig.add_axes((0.0, 0.0, 0.3, 0.42))
        _draw(inset, peru, {dept: "#555555"}, "#eeeeee", "#999999", 0.2)
        ctx.cache[key] = (fig, list(mine), ax.collections[0])
    fig, codes, districts = ctx.cache[key]
    districts.set_facecolor(["#b2182b" if c == code else "#d9d9d9" for c in codes])
    return _raster(fig, ctx.png)


def _trend_png(trend: pd.DataFrame, t: dict[str, str], dept_name: str,
               ctx: _Context | None = None) -> Any:
    """The district's stunting beside its department's and Peru's ENDES series.

    With a batch's ``ctx``, the figure drawn for a department is kept with its ENDES lines,
    axes and ticks; the next district of the department removes the previous district's
    series, adds its own as a new figure would and draws the same pixels.
    """
    charts = None if ctx is None else ctx.cache.setdefault("trends", {})
    s = trend[trend["indicator"] == "stunting_u5"]
    endes = [(s[s["level"] == level].dropna(subset=["value"]), colour, label)
             for level, colour, label in (
                 ("department", "#2166ac", t["endes_dept"].format(name=dept_name)),
                 ("national", "#999999", t["endes_nat"]))]
    key = (t["sien_raw"], t["sien_eb"], t is _T["es"],
           *((label, tuple(e["year"]), tuple(e["value"])) for e, _, label in endes))
    kept = None if charts is None else charts.get(key)
    if kept is None:
        fig = _figure(7.4, 2.0)
        ax = fig.add_subplot()
        for e, colour, label in endes:
            ax.plot(e["year"], e["value"], marker="o", markersize=2.5, color=colour,
                    linewidth=1.2, label=label)
        added = _district_series(ax, s, t)
        ax.set_xlim(2008.5, 2025.5)
        ax.set_ylim(bottom=0)
        _trend_style(fig, ax, t)
    else:
        fig, ax, previous = kept
        for artist in previous:
            artist.remove()
        ax.relim()  # the ENDES lines' limits, as before any district series was added
        ax.set_autoscaley_on(True)
        added = _district_series(ax, s, t)
        ax.set_ylim(bottom=0)
        _trend_legend(ax)
    if charts is not None:
        charts[key] = (fig, ax, added)
    return _raster(fig, ctx is None or ctx.png)


def _district_series(ax: Any, s: pd.DataFrame, t: dict[str, str]) -> list[Any]:
    """The district's raw rates and its smoothed 2022 rate with its interval (if known)."""
    added = []
    d = s[s["level"] == "district"].dropna(subset=["value"])
    if len(d):  # like with like: the raw rates of both years form the district's series
        added.extend(ax.plot(d["year"], d["value"], marker="s", markersize=3.5,
                             color="#b2182b", linewidth=1, label=t["sien_raw"]))
    r22 = s[(s["level"] == "district") & (s["year"] == 2022)].dropna(subset=["smoothed"])
    if len(r22):  # the smoothed 2022 rate apart, with its interval: no line joins it to 2019
        v = float(r22["smoothed"].iloc[0])
        added.append(ax.errorbar([2022.35], [v], yerr=[[v - float(r22["lo"].iloc[0])],
                                                       [float(r22["hi"].iloc[0]) - v]],
                                 fmt="o", color="#7570b3", markersize=3.5, capsize=3,
                                 linewidth=1, label=t["sien_eb"]))
    return added


def _trend_style(fig: Any, ax: Any, t: dict[str, str]) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.tick_params(labelsize=7)
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _trend_legend(ax)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.84, bottom=0.13)
    if t is _T["es"]:
        ax.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _: format_number(v, 0)))


def _trend_legend(ax: Any) -> None:
    ax.legend(fontsize=6.5, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncol=3)


# ----------------------------------------------------------------------------- content
@dataclass
class _Sheet:
    code: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    rank_head: str
    rank_lines: list[str]
    fonie_head: str
    fonie_lines: list[str]
    header: list[str]
    rows: list[list[str]]
    sources: list[str]
    caveats: list[str]
    trend_title: str
    trend_note: str
    table_note: str
    map_note: str
    estimates: str
    footer: str
    map_png: Any  # PNG bytes, or a PIL image for a PDF (:func:`_raster`)
    trend_png: Any
    lang: str


def _resolve(ctx: _Context, ubigeo: str | int) -> str:
    from geoprio.readers.codes import normalize_ubigeo

    code = normalize_ubigeo(pd.Series([ubigeo])).iloc[0]
    if code is None:
        raise InputError(f"ubigeo {ubigeo!r} is not a 6-digit district code")
    if code in ctx.districts.index:
        return code
    known = ctx.codes[(ctx.codes["code"] == code) & ctx.codes["scheme"].isin(["post2017",
                                                                                "old"])]
    if len(known) and known["ubigeo"].iloc[0] in ctx.districts.index:
        logger.warning("ubigeo %s is not a 2017 district: its sheet is %s's", code,
                       known["ubigeo"].iloc[0])
        return str(known["ubigeo"].iloc[0])
    raise InputError(f"ubigeo {code!r} is not one of the districts (2017 set) nor a known "
                     "post-2017 or old code; check it (INEI numbering, 6 digits)")


def _reference(ctx: _Context, ind: str, code: str, rollup: Any, fmt: Any) -> str:
    """Peru's or the department's figure as the source published it; a mean of district
    figures no source published ends in "*" (the table's note says so)."""
    key = ("reference", ind, code)  # the same for every district of a department
    if key not in ctx.cache:
        ctx.cache[key] = reference_figure(ctx.published, ctx.catalog, ind, code,
                                          float(rollup) if rollup is not None else np.nan)
    value, is_rollup = ctx.cache[key]
    text = fmt(value)
    return f"{text}*" if is_rollup and text != _T[ctx.lang]["no_data"] else text


def _sheet_indicators(ctx: _Context, cat: pd.DataFrame) -> dict[str, tuple[int, str, str]]:
    """The sheet's indicators, then every other one the scenario weighs (an uploaded
    indicator among them: what decided the rank is on the sheet), with the catalog's words."""
    out = dict(SHEET_INDICATORS)
    weights = ((ctx.result.attrs.get("scenario") or {}).get("weights") or {}
               if ctx.result is not None else {})
    for ind in weights:
        if ind not in out and ind in cat.index:
            out[ind] = (1, str(cat.loc[ind, "label_es"]), str(cat.loc[ind, "label_en"]))
    return out


def _content(ctx: _Context, code: str) -> _Sheet:
    """Everything one district's sheet says, block by block (PDF and HTML draw the same)."""
    import geoprio
    from geoprio.decide.monitoring import stunting_trend

    t, lang = _T[ctx.lang], ctx.lang
    row = ctx.districts.loc[code]
    dept_name = _title(row.get("department", ""))
    subtitle = (f"{t['prov']} {_title(row.get('province', ''))} · {t['dept']} {dept_name} · "
                f"ubigeo {code}")
    rows, sources = _indicator_rows(ctx, code, row)
    rank_head, rank_lines, unsure_p = _rank_block(ctx, code)
    header = [t["indicator"], t["district"], t["dept"], t["peru"], t["year"], t["source"]]
    return _Sheet(
        code=code, title=_title(row.get("district", code)), subtitle=subtitle,
        facts=_facts(row, t, lang), rank_head=rank_head, rank_lines=rank_lines,
        fonie_head=t["fonie_head"], fonie_lines=_fonie_lines(ctx, code), header=header,
        rows=rows, sources=sources, caveats=_caveats(ctx, code, row, unsure_p),
        trend_title=t["trend"], trend_note=t["trend_note"], table_note=t["table_note"],
        map_note=t["map_note"], estimates=_estimates_line(row, t, lang),
        footer=t["footer"].format(version=geoprio.__version__, ubigeo=code),
        map_png=_map_png(ctx, code),
        trend_png=_trend_png(stunting_trend(code), t, dept_name, ctx), lang=lang)


def _estimates_line(row: pd.Series, t: dict[str, str], lang: str) -> str:
    """The three 2022 stunting estimates in one line (the last two when none was measured)."""
    measured = _measured(row.get("evaluated_u5_2022"))
    return t["estimates" if measured else "estimates_none"].format(**_stunting_figures(row, lang))


def _facts(row: pd.Series, t: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """The line under the title: population, children under 5, area, rural share."""
    return [(t["pop"], format_number(row.get("pop_2020"), 0, lang=lang)),
            (t["u5"], format_number(row.get("under5_2020"), 0, lang=lang)),
            (t["area"], format_number(row.get("area_km2"), 0, lang=lang, unit="km²")),
            (t["rural"], format_number(row.get("rural_share_2017"), 1, lang=lang, unit="%"))]


def _formatter(decimals: int, unit: str, lang: str) -> Callable[[Any], str]:
    """How one indicator's values print: a percentage, soles (``S/ 1 234``) or a number."""
    shown_unit = "%" if unit == "%" else ("S/" if unit.startswith("soles") else "")
    no_data = _T[lang]["no_data"]

    def fmt(v: Any) -> str:
        if shown_unit == "S/":
            text = format_number(v, decimals, lang=lang)
            return text if text == no_data else f"S/ {text}"
        return format_number(v, decimals, lang=lang, unit=shown_unit)

    return fmt


def _indicator_rows(ctx: _Context, code: str,
                    row: pd.Series) -> tuple[list[list[str]], list[str]]:
    """The table: each indicator beside its department and Peru, with year and the number of
    its source; the sources in order of first use (ENDES last, for the trend)."""
    lang = ctx.lang
    cat = ctx.catalog.set_index("id")
    dept_row = ctx.dept_values.loc[code[:2]] if code[:2] in ctx.dept_values.index else None
    sources: list[str] = []
    rows = []
    for ind, (dec, label_es, label_en) in _sheet_indicators(ctx, cat).items():
        if ind not in ctx.districts.columns:
            continue
        info = cat.loc[ind] if ind in cat.index else None
        fmt = _formatter(dec, "" if info is None else str(info["unit"]), lang)
        src = "" if info is None else str(info["source"])
        if src and src not in sources:
            sources.append(src)
        year = "" if info is None or pd.isna(info["year"]) else str(int(info["year"]))
        dept = _reference(ctx, ind, code[:2], dept_row.get(ind) if dept_row is not None
                          else np.nan, fmt)
        rows.append([label_es if lang == "es" else label_en, fmt(row.get(ind)), dept,
                     _reference(ctx, ind, "00", ctx.nation.get(ind, np.nan), fmt), year,
                     f"[{sources.index(src) + 1}]" if src else ""])
    sources.append(_ENDES_SOURCE)
    return rows, sources


def _rank_block(ctx: _Context, code: str) -> tuple[str, list[str], str | None]:
    """The rank under the scenario: its heading, its lines, and the probability of selection
    when it is uncertain (between 10% and 90%; None otherwise)."""
    t, lang, result = _T[ctx.lang], ctx.lang, ctx.result
    if result is None:
        return t["no_scenario"], [], None
    scen = title_of(result.attrs.get("scenario", {}), lang)  # its title, never "dci"
    rank_lines: list[str] = []
    unsure_p = None
    r = result.loc[result["ubigeo"].astype(str) == code]
    if len(r):
        r = r.iloc[0]
        total = int(result["rank"].notna().sum())
        if pd.notna(r["rank"]):
            rank_lines.append(t["rank"].format(
                rank=format_number(r["rank"], 0, lang=lang),
                total=format_number(total, 0, lang=lang),
                lo=format_number(r.get("rank_p05"), 0, lang=lang),
                hi=format_number(r.get("rank_p95"), 0, lang=lang)))
            p = float(r.get("p_selected", float(bool(r["selected"]))))
            # rounded toward 50%: 0.897 is 89,7%, never a firm-looking 90%
            pct = probability(p, 0 if p in (0.0, 1.0) else 1, lang)
            rank_lines.append(t["p_sel"].format(
                p=pct, state=t["selected"] if r["selected"] else t["not_selected"]))
            if 0.1 < p < 0.9:
                unsure_p = pct
        else:
            rank_lines.append(t["not_ranked"].format(reason=""))
        rank_lines.append(str(r.get("reasons", "")))
    return t["rank_head"].format(name=scen), rank_lines, unsure_p


def _fonie_lines(ctx: _Context, code: str) -> list[str]:
    """FONIE's gaps: the sectors above the national median, then those without data."""
    from geoprio.decide.fonie import FONIE_SECTORS

    t, lang = _T[ctx.lang], ctx.lang
    g = ctx.gaps.loc[code]
    refs = ctx.gaps.attrs.get("fonie_gaps", {})
    fonie_lines = []
    sector_label = {sid: (s.label_es if lang == "es" else s.label_en)
                    for sid, s in FONIE_SECTORS.items()}
    if g["fonie_gap_count"] > 0:
        fonie_lines.append(t["fonie_count"].format(n=int(g["fonie_gap_count"]),
                                                   m=int(g["fonie_gap_assessed"])) + ":")
        for sid in g["fonie_gap_sectors"]:
            col = refs[sid]["column"]
            fonie_lines.append(
                f"{sector_label[sid]}: {format_number(g.get(col), 1, lang=lang, unit='%')} "
                f"({'mediana' if lang == 'es' else 'median'} "
                f"{format_number(refs[sid]['reference'], 1, lang=lang, unit='%')})")
    else:
        fonie_lines.append(t["fonie_none"])
    unknown = [sector_label[s] for s in g["fonie_gap_unknown"] if s != "roads"]
    tail = [*unknown, t["roads"]]
    fonie_lines.append(t["fonie_unknown"].format(sectors="; ".join(tail)))
    return fonie_lines


def _caveats(ctx: _Context, code: str, row: pd.Series, unsure_p: str | None) -> list[str]:
    """The caveats that apply to this district, the one that always applies last."""
    t, lang = _T[ctx.lang], ctx.lang
    caveats = _stunting_caveats(row, t, lang)
    if row.get("no_water_2017") == 100:
        caveats.append(t["c_water"])
    post = ctx.codes[(ctx.codes["scheme"] == "post2017") & (ctx.codes["ubigeo"] == code)]
    for p in post.itertuples():
        caveats.append(t["c_post"].format(name=str(p.note).split(" (")[0], code=p.code))
    if row.get("rural_share_2017") == 0:
        caveats.append(t["c_rural"])
    if bool(row.get("vraem", False)):
        caveats.append(t["c_vraem"])
    caveats.extend(_measured_caveat(row, t, lang))
    if unsure_p is not None:
        caveats.append(t["c_unsure"].format(p=unsure_p))
    caveats.append(t["c_always"])
    return caveats


def _stunting_caveats(row: pd.Series, t: dict[str, str], lang: str) -> list[str]:
    """Few or no children measured in 2022; a 2019 rate that may rest on fewer than 30."""
    caveats = []
    figures = _stunting_figures(row, lang)
    n22 = row.get("evaluated_u5_2022")
    if not _measured(n22):
        caveats.append(t["c_none"].format(**figures))
    elif n22 < 30:
        caveats.append(t["c_few"].format(**figures))
    if bool(row.get("stunting_u5_2019_small_n", False)):
        caveats.append(t["c_2019"].format(n=format_number(row.get("stunting_u5_2019_min_n"), 0,
                                                          lang=lang)))
    return caveats


# ----------------------------------------------------------------------------- PDF
_FONT = "DejaVu"


def _font_paths() -> tuple[Path, Path]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"


def _fitting(pdf: Any, text: str, width: float) -> int:
    """How many leading characters of ``text`` fit ``width`` mm at the current font.

    Measured once per font, text and width in a process (:func:`_fitting_now`): measuring
    maps no character into the PDF, so a kept answer is the same answer.
    """
    if len(text) > _KEPT_TEXT:
        return _fitting_now(pdf, text, width)
    key = (*_font_key(pdf), width, text)
    fits = _FITS.get(key)
    if fits is None:
        fits = _fitting_now(pdf, text, width)
        _FITS.put(key, fits)
    return fits


def _fitting_now(pdf: Any, text: str, width: float) -> int:
    """How many leading characters of ``text`` fit ``width`` mm at the current font.

    A prefix's width grows with its length (fpdf2 sums the glyphs' widths; no kerning without
    text shaping), so the answer is found by doubling the prefix until it no longer fits,
    then bisecting: about 2·log2(k) measures of at most 2k characters, k the answer. The
    cost follows what fits on the page (a line: tens of characters), not the text's length:
    a name of a million characters costs what a short one does (shortening it one character
    at a time, as before, cost its length squared: hours).
    """
    fits, tried = 0, 1
    while tried < len(text) and pdf.get_string_width(text[:tried]) <= width:
        fits, tried = tried, 2 * tried
    tried = min(tried, len(text))
    if pdf.get_string_width(text[:tried]) <= width:
        return tried
    while tried - fits > 1:  # text[:fits] fits, text[:tried] does not
        mid = (fits + tried) // 2
        if pdf.get_string_width(text[:mid]) <= width:
            fits = mid
        else:
            tried = mid
    return fits


def _clip(pdf: Any, text: str, width: float) -> str:
    """Cut ``text`` with an ellipsis so that it fits ``width`` mm at the current font."""
    n = _fitting(pdf, text, width)
    if n == len(text):
        return text
    return text[:_fitting(pdf, text[:n], width - pdf.get_string_width("…"))].rstrip() + "…"


def _head(pdf: Any, text: str, width: float, lines: int) -> str:
    """The start of ``text`` that fills ``lines`` lines of ``width`` mm and more, so that
    wrapping it gives the same first ``lines`` lines as wrapping all of it (the rest is never
    shown): wrapping stays as cheap for a million characters as for a paragraph."""
    return text[:_fitting(pdf, text, width * (lines + 1))]


class _Kept:
    """A bounded, thread-safe memo of one kind of text measure (least recently used out)."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_WRAPS = _Kept(4096)  # wrapped paragraphs (most repeat on every sheet)
_FITS = _Kept(16384)  # how much of a text fits a width (table cells repeat too)
_KEPT_TEXT = 2000  # longer texts are measured every time (they are rare, and keys stay small)


def _font_key(pdf: Any) -> tuple:
    """What besides the text and the width decides how fpdf2 measures and wraps it."""
    font = pdf.current_font
    return (font.fontkey, str(getattr(font, "ttffile", "")), pdf.font_size_pt, pdf.c_margin,
            pdf.font_stretching, pdf.char_spacing)


def _wrapped(pdf: Any, width: float, height: float, text: str) -> list[str]:
    """``pdf.multi_cell(..., dry_run=True, output="LINES")``, each paragraph wrapped once.

    The notes, sources and most caveats are the same on every sheet. A dry run still maps
    the characters it meets into the font's subset (the PDF's bytes depend on that order),
    so the characters a paragraph mapped are kept with its lines and mapped again, in the
    same order, when the kept lines are reused.
    """
    key = (*_font_key(pdf), width, height, text)
    kept = _WRAPS.get(key) if len(text) <= _KEPT_TEXT else None
    subset = pdf.current_font.subset
    if kept is not None:
        for char in kept[1]:
            subset.pick(char)
        return list(kept[0])
    mapped: list[int] = []
    pick = subset.pick
    subset.pick = lambda char: (mapped.append(char), pick(char))[1]
    try:
        lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    finally:
        del subset.pick
    if len(text) <= _KEPT_TEXT:
        _WRAPS.put(key, (tuple(lines), tuple(dict.fromkeys(mapped))))
    return lines


def _lines(pdf: Any, x: float, width: float, texts: list[str], size: float, height: float,
           max_lines: int) -> None:
    """Write ``texts`` as wrapped paragraphs at ``x``, at most ``max_lines`` lines in all."""
    pdf.set_font(_FONT, "", size)
    used = 0
    for text in texts:
        room = max_lines - used
        if room <= 0:
            break
        lines = _wrapped(pdf, width, height, _head(pdf, text, width, room))
        if len(lines) > room:
            lines = [*lines[:room - 1], _clip(pdf, lines[room - 1], width - 2)]
        for line in lines:
            pdf.set_x(x)
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")
        used += len(lines)


def _text_lines(pdf: Any, texts: list[str], size: float, width: float) -> int:
    """How many lines ``texts`` take as wrapped paragraphs at ``size``."""
    pdf.set_font(_FONT, "", size)
    return sum(len(_wrapped(pdf, width, 3, _head(pdf, x, width, 12))) for x in texts)


def _chart_height(pdf: Any, s: _Sheet, top: float, full: float) -> float:
    """The trend chart's height: its full 2:7.4 shape when the page holds everything below
    it (trend note, caveats, sources, footer), shorter when it does not, never under 30 mm."""
    below = (2 * 3 + 1.5 + 5 + 3.6 * _text_lines(pdf, [f"• {c}" for c in s.caveats], 7.5, full)
             + 1.5 + 3.5 + 2.7 * _text_lines(
                 pdf, [f"[{i}] {x}" for i, x in enumerate(s.sources, 1)], 6, full) + 3)
    return float(np.clip(284.0 - top - below, 30.0, full * 2.0 / 7.4))


def _footer(pdf: Any, s: _Sheet, full: float) -> None:
    pdf.set_xy(12, 287)
    pdf.set_font(_FONT, "", 6)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(full, 3, _clip(pdf, s.footer, full), align="C")


def _caveats_and_sources(pdf: Any, s: _Sheet, full: float) -> None:
    """Caveats, then the sources anchored at the foot of the page; both on a second page
    when the first cannot hold them all (a scenario weighing many indicators): nothing cut."""
    caveats = [f"• {c}" for c in s.caveats]
    src = [f"[{i}] {x}" for i, x in enumerate(s.sources, start=1)]
    n_caveats, n_src = (_text_lines(pdf, caveats, 7.5, full), _text_lines(pdf, src, 6, full))
    needed = 1.5 + 5 + 3.6 * n_caveats + 1.5 + 3.5 + 2.7 * n_src
    if pdf.get_y() + needed > 284.0:
        _footer(pdf, s, full)
        pdf.add_page()
        pdf.set_y(12)
    pdf.set_y(pdf.get_y() + 1.5)
    pdf.set_x(12)
    pdf.set_font(_FONT, "B", 9.5)
    pdf.cell(full, 5, _T[s.lang]["caveats"], new_x="LMARGIN", new_y="NEXT")
    _lines(pdf, 12, full, caveats, 7.5, 3.6, n_caveats)
    pdf.set_xy(12, max(pdf.get_y() + 1.5, 284.0 - 2.7 * n_src - 3.5))
    pdf.set_font(_FONT, "B", 7)
    pdf.cell(full, 3.5, _T[s.lang]["sources"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(90, 90, 90)
    _lines(pdf, 12, full, src, 6, 2.7, n_src)
    _footer(pdf, s, full)


#: the page's printable width (A4, 12 mm margins), mm
_FULL = 186.0


def _pdf_image(image: Any) -> Any:
    return io.BytesIO(image) if isinstance(image, bytes) else image


def _pdf(s: _Sheet) -> bytes:
    """The sheet as a one-page A4 PDF, block by block from the top, sources from the bottom."""
    pdf = _new_pdf(s)
    _pdf_header(pdf, s)
    _pdf_map_rank_fonie(pdf, s)
    _pdf_table(pdf, s)
    _pdf_trend(pdf, s)
    _pdf_caveats_sources(pdf, s)
    return bytes(pdf.output())


def _new_pdf(s: _Sheet) -> Any:
    """An A4 page with DejaVu Sans and fixed metadata (same inputs, same bytes)."""
    from fpdf import FPDF

    regular, bold = _font_paths()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_creator("geoprio")
    pdf.set_author("geoprio")
    pdf.set_title(f"{s.title} ({s.code})")
    pdf.set_auto_page_break(False)
    pdf.set_margins(12, 10, 12)
    add_fonts(pdf, [(_FONT, "", regular), (_FONT, "B", bold)])
    pdf.add_page()
    return pdf


def _pdf_header(pdf: Any, s: _Sheet) -> None:
    """A red rule, "Ficha distrital", the district's name, where it is and its facts."""
    full = _FULL
    pdf.set_fill_color(178, 24, 43)
    pdf.rect(12, 10, full, 1.2, style="F")
    pdf.set_xy(12, 13)
    pdf.set_font(_FONT, "", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(full, 4, _T[s.lang]["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(_FONT, "B", 17)
    pdf.cell(full, 8, _clip(pdf, s.title, full), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 9)
    pdf.cell(full, 5, _clip(pdf, s.subtitle, full), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 8)
    pdf.cell(full, 5, _clip(pdf, "   ·   ".join(f"{k}: {v}" for k, v in s.facts), full),
             new_x="LMARGIN", new_y="NEXT")


def _pdf_map_rank_fonie(pdf: Any, s: _Sheet) -> None:
    """The location map on the left; the rank and FONIE's gaps on the right."""
    top = 40.0
    pdf.image(_pdf_image(s.map_png), x=12, y=top, w=58, h=58)
    pdf.set_xy(12, top + 58)
    pdf.set_font(_FONT, "", 6.5)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(58, 3, _clip(pdf, s.map_note, 58))
    pdf.set_text_color(0, 0, 0)
    right, rw = 74.0, 124.0
    pdf.set_xy(right, top)
    pdf.set_font(_FONT, "B", 9.5)
    pdf.cell(rw, 5, _clip(pdf, s.rank_head, rw), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + 5.5)
    _lines(pdf, right, rw, s.rank_lines, 8, 3.8, 7)
    pdf.set_y(top + 34)
    pdf.set_x(right)
    pdf.set_font(_FONT, "B", 9.5)
    pdf.cell(rw, 5, _clip(pdf, s.fonie_head, rw), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + 39.5)
    _lines(pdf, right, rw, s.fonie_lines, 8, 3.8, 6)


def _pdf_table(pdf: Any, s: _Sheet) -> None:
    """The indicator table, rows shaded in turn, and its note."""
    widths = [70.0, 24.0, 26.0, 22.0, 12.0, 32.0]
    pdf.set_xy(12, 104.0)
    pdf.set_font(_FONT, "B", 7.5)
    pdf.set_fill_color(235, 235, 235)
    for w, h in zip(widths, s.header, strict=True):
        pdf.cell(w, 5, h, border=0, fill=True, align="L" if w == widths[0] else "R")
    pdf.ln(5)
    pdf.set_font(_FONT, "", 7.5)
    for i, r in enumerate(s.rows):
        pdf.set_x(12)
        fill = i % 2 == 1
        pdf.set_fill_color(248, 248, 248)
        for j, (w, v) in enumerate(zip(widths, r, strict=True)):
            pdf.cell(w, 4.4, _clip(pdf, v, w - 1), fill=fill, align="L" if j == 0 else "R")
        pdf.ln(4.4)
    pdf.set_x(12)
    pdf.set_font(_FONT, "", 6.5)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(_FULL, 3.2, _clip(pdf, s.table_note, _FULL), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    _lines(pdf, 12, _FULL, [s.estimates], 7.5, 3.6, 2)


def _pdf_trend(pdf: Any, s: _Sheet) -> None:
    """The stunting trend chart under its title, and its note."""
    full = _FULL
    y = pdf.get_y() + 2.5
    pdf.set_xy(12, y)
    pdf.set_font(_FONT, "B", 9.5)
    pdf.cell(full, 5, s.trend_title, new_x="LMARGIN", new_y="NEXT")
    chart_h = _chart_height(pdf, s, y + 5, full)
    pdf.image(_pdf_image(s.trend_png), x=12, y=y + 5, w=chart_h * 7.4 / 2.0, h=chart_h)
    y = y + 5 + chart_h
    pdf.set_xy(12, y)
    pdf.set_text_color(110, 110, 110)
    _lines(pdf, 12, full, [s.trend_note], 6.5, 3, 2)
    pdf.set_text_color(0, 0, 0)


def _pdf_caveats_sources(pdf: Any, s: _Sheet) -> None:
    """Caveats and sources with the footer; on a second page when they do not fit."""
    _caveats_and_sources(pdf, s, _FULL)


# ----------------------------------------------------------------------------- HTML
def _html(s: _Sheet) -> str:
    e = html.escape

    def img(data: bytes, alt: str, style: str) -> str:
        return (f'<img alt="{e(alt)}" style="{style}" src="data:image/png;base64,'
                f'{base64.b64encode(data).decode()}">')

    rows = "\n".join("<tr>" + "".join(
        f"<td{' class=n' if j else ''}>{e(v)}</td>" for j, v in enumerate(r)) + "</tr>"
        for r in s.rows)
    head = "".join(f"<th{' class=n' if j else ''}>{e(h)}</th>" for j, h in enumerate(s.header))
    items = lambda xs: "".join(f"<li>{e(x)}</li>" for x in xs)  # noqa: E731
    return f"""<!DOCTYPE html>
<html lang="{s.lang}"><head><meta charset="utf-8">
<title>{e(s.title)} ({s.code})</title>
<style>
@page {{ size: A4; margin: 10mm 12mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; max-width: 186mm;
       margin: auto; color: #000; }}
h1 {{ font-size: 17pt; margin: 0; }} h2 {{ font-size: 10pt; margin: 6px 0 2px; }}
.muted {{ color: #666; font-size: 8pt; }} .row {{ display: flex; gap: 4mm; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8pt; }}
th {{ background: #ebebeb; text-align: left; }} td, th {{ padding: 1px 3px; }}
.n {{ text-align: right; }} tr:nth-child(even) td {{ background: #f8f8f8; }}
ul {{ margin: 2px 0; padding-left: 14px; }} .src {{ font-size: 6.5pt; color: #555; }}
</style></head><body>
<div class="muted">{e(_T[s.lang]["title"])}</div>
<h1>{e(s.title)}</h1>
<div>{e(s.subtitle)}</div>
<div class="muted">{e("   ·   ".join(f"{k}: {v}" for k, v in s.facts))}</div>
<div class="row"><div>{img(s.map_png, s.title, "width:58mm;height:58mm")}
<div class="muted">{e(s.map_note)}</div></div>
<div><h2>{e(s.rank_head)}</h2><ul>{items(s.rank_lines)}</ul>
<h2>{e(s.fonie_head)}</h2><ul>{items(s.fonie_lines)}</ul></div></div>
<table><thead><tr>{head}</tr></thead><tbody>
{rows}
</tbody></table>
<div class="muted">{e(s.table_note)}</div>
<div>{e(s.estimates)}</div>
<h2>{e(s.trend_title)}</h2>
{img(s.trend_png, s.trend_title, "width:100%")}
<div class="muted">{e(s.trend_note)}</div>
<h2>{e(_T[s.lang]["caveats"])}</h2><ul>{items(s.caveats)}</ul>
<h2>{e(_T[s.lang]["sources"])}</h2>
<ol class="src">{items(s.sources)}</ol>
<div class="muted" style="text-align:center">{e(s.footer)}</div>
</body></html>
"""


# ----------------------------------------------------------------------------- front doors
def _result_for(districts: pd.DataFrame | None, scenario: Any, result: pd.DataFrame | None,
                catalog: pd.DataFrame | None, lang: str) -> pd.DataFrame | None:
    if result is not None:
        if not isinstance(result, pd.DataFrame) or not {"ubigeo", "rank", "selected"} <= set(
                result.columns):
            raise InputError("result must be a geoprio.prioritize() output")
        return result
    if scenario is None:
        return None
    import geoprio

    frame = districts if districts is not None else geoprio.load_districts()
    return geoprio.prioritize(frame, scenario, catalog=catalog, lang=lang)


def _render(ctx: _Context, code: str, suffix: str) -> bytes:
    ctx.png = suffix != ".pdf"  # a PDF takes the figures' pixels (:func:`_raster`)
    sheet = _content(ctx, code)
    if suffix == ".pdf":
        return _pdf(sheet)
    return _html(sheet).encode("utf-8")


def district_sheet(
    ubigeo: str | int,
    path: str | Path,
    scenario: Any = None,
    lang: str = "es",
    *,
    districts: pd.DataFrame | None = None,
    result: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
) -> Path:
    """Write one district's one-page sheet: ``.pdf`` or ``.html`` by the extension.

    Parameters
    ----------
    ubigeo : str or int
        6-digit INEI code (a post-2017 district gives its 2017 district's sheet).
    path : str or Path
        Where to write; ``.pdf`` (A4, one page; two when the scenario weighs many indicators)
        or ``.html`` (self-contained, prints on A4).
    scenario : Scenario or preset name, optional
        Ranks the districts for the rank block (skipped when ``result`` is given).
    lang : {"es", "en"}, default="es"
    districts : DataFrame, optional
        The districts (default ``geoprio.load_districts()``).
    result : DataFrame, optional
        A :func:`geoprio.prioritize` output to take the rank, interval and reasons from.
    catalog : DataFrame, optional

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = district_sheet("010102", pathlib.Path(tempfile.mkdtemp()) / "ficha.pdf")
    >>> out.read_bytes()[:5]
    b'%PDF-'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise GeoprioError(f"cannot write a sheet to {path.name!r}: the extension must be "
                           ".pdf or .html")
    res = _result_for(districts, scenario, result, catalog, lang)
    ctx = _context(districts, res, catalog, lang)
    code = _resolve(ctx, ubigeo)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_render(ctx, code, suffix))
    logger.info("sheet of %s written to %s", code, path)
    return path


def district_sheets(
    result: pd.DataFrame,
    path: str | Path,
    *,
    which: str = "selected",
    fmt: str = "pdf",
    lang: str = "es",
    districts: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> Path:
    """A ZIP with the sheet of every district of a list, and an index (``indice.csv``).

    Parameters
    ----------
    result : DataFrame
        A :func:`geoprio.prioritize` output.
    path : str or Path
        The ``.zip`` to write.
    which : {"selected", "eligible", "all"}, default="selected"
        The districts: the list, every eligible district, or all (at most ``MAX_SHEETS``).
    fmt : {"pdf", "html"}, default="pdf"
    lang : {"es", "en"}, default="es"
    districts, catalog : DataFrame, optional
    progress : callable, optional
        Called as ``progress(done, total)`` before the first sheet and after each one; an
        exception it raises stops the ZIP (how the app cancels or times out a long one).
    workers : int, optional
        Processes drawing the sheets (:func:`geoprio.report.workers.ordered_map`). By default
        one per core (at most :data:`MAX_WORKERS`) for :data:`PARALLEL_FROM` sheets or more,
        else none: the sheets are drawn in this process. The bytes are the same either way.

    Returns
    -------
    Path
        The ZIP, its members in rank order (``001_150101_lima.pdf``...) with fixed times.
    """
    path = Path(path)
    if path.suffix.lower() != ".zip":
        raise GeoprioError(f"sheets for a list go in a .zip; got {path.name!r}")
    if which not in ("selected", "eligible", "all"):
        raise ScenarioError(f"which must be 'selected', 'eligible' or 'all'; got {which!r}")
    if fmt not in ("pdf", "html"):
        raise ScenarioError(f"fmt must be 'pdf' or 'html'; got {fmt!r}")
    res = _result_for(districts, None, result, catalog, lang)
    assert res is not None
    keep = (res["selected"].astype(bool) if which == "selected" else
            res["eligible"].astype(bool) if which == "eligible" else
            pd.Series(True, index=res.index))
    chosen = res[keep.to_numpy()]
    if len(chosen) == 0:
        raise ScenarioError(f"no district is {which}: nothing to write")
    if len(chosen) > MAX_SHEETS:
        raise ScenarioError(f"at most {MAX_SHEETS} sheets in one ZIP; got {len(chosen)}")
    order = chosen.assign(_r=chosen["rank"].astype("Float64").fillna(np.inf)).sort_values(
        ["_r", "ubigeo"], kind="stable")
    codes = [str(u) for u in order["ubigeo"]]
    sheets = _sheets(codes, f".{fmt}", (districts, res, catalog, lang),
                     _workers(workers, len(codes)))
    path.parent.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress(0, len(order))
    index_rows = []
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for k, (r, data) in enumerate(zip(order.itertuples(), sheets, strict=True),
                                          start=1):
                code = str(r.ubigeo)
                name = safe_filename(
                    f"{k:03d}_{code}_{_title(getattr(r, 'district', ''))}.{fmt}")
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
                index_rows.append({"orden": k, "ubigeo": code,
                                   "distrito": getattr(r, "district", ""),
                                   "puesto": None if pd.isna(r.rank) else int(r.rank),
                                   "archivo": name})
                if progress is not None:
                    progress(k, len(order))
            info = zipfile.ZipInfo("indice.csv", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            index = neutralise_formulas(pd.DataFrame(index_rows))  # the sources' names
            zf.writestr(info, index.to_csv(index=False).encode("utf-8-sig"))
    finally:
        sheets.close()  # stops the workers when the ZIP stops early
    logger.info("%d sheets written to %s", len(index_rows), path)
    return path


#: most processes one ZIP of sheets starts
MAX_WORKERS = 4
#: sheets from which a ZIP is drawn in other processes (below, starting them costs more)
PARALLEL_FROM = 40


def _workers(asked: int | None, n: int) -> int:
    """Processes for ``n`` sheets: ``asked``, or one per core from PARALLEL_FROM sheets."""
    if asked is not None:
        if not isinstance(asked, int) or isinstance(asked, bool) or asked < 1:
            raise GeoprioError(f"workers must be a positive integer; got {asked!r}")
        return min(asked, MAX_WORKERS)
    if n < PARALLEL_FROM:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return max(1, min(cores, MAX_WORKERS))


def _sheets(codes: list[str], suffix: str, inputs: tuple, workers: int) -> Iterator[bytes]:
    """Each sheet's bytes in order: here (one worker) or in worker processes."""
    if workers > 1:
        districts, res, catalog, lang = inputs
        if districts is not None:  # the context drops the geometry: do not ship it
            districts = pd.DataFrame(districts.drop(columns="geometry", errors="ignore"))
        yield from ordered_map(("geoprio.report.sheet", "_renderer",
                                (districts, res, catalog, lang, suffix)), codes, workers)
        return
    render = _renderer(*inputs, suffix)
    for code in codes:
        yield render(code)


def _renderer(districts: pd.DataFrame | None, result: pd.DataFrame | None,
              catalog: pd.DataFrame | None, lang: str, suffix: str) -> Callable[[str], bytes]:
    """The batch's context, made once; returns the function drawing one sheet."""
    ctx = _context(districts, result, catalog, lang)
    return lambda code: _render(ctx, code, suffix)
