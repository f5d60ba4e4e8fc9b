"""Service-gap indicators from real locations: populated centres and health facilities.

Reads the raw point files under ``sources/points/`` and returns one row per district:

* ``centros_poblados.csv.gz``: 94,922 INEI populated centres (urban/rural, WGS84 lat/lon);
* ``establecimientos_salud_geoperu_2022.xlsx``: the **primary** facility source, the GeoPeru
  register of regional-government and MINSA facilities (SUSALUD, 2022-04-07). It is the public
  network that serves the rural poor, every row has coordinates, a category and the internet
  field ``conect``; every one of its RENAES codes is also in TB_EESS with the same coordinates;
* ``establecimientos_salud_minsa_tb_eess.csv.gz``: MINSA TB_EESS (30,281 rows, all sectors,
  including private surgeries and dental offices, 45 % without coordinates, and the missing
  ones are mostly private urban ones). It is read for the report and to fill GeoPeru
  categories coded ``0``; its ``id_ubigeo`` is a MINSA id, so it is placed spatially.

Decisions (also stated in the report):

* District of a point = the polygon it falls in (``ubigeo_spatial``), not the code the point
  carries: counts and distances then rest on the same geometry as the shipped map; the
  disagreements with the carried code are counted and the most frequent pairs listed.
  A point outside every polygon (153 centres, 108 of them the Uros islands of Lake
  Titicaca, a hole in the polygons) takes the code it carries when that district lies within
  ``SNAP_KM`` (15 km); counted in the report either way, never dropped.
* Facilities counted: GeoPeru rows of type "ESTABLECIMIENTO DE SALUD SIN/CON INTERNAMIENTO"
  whose state (``est_estado``) and condition (``est_condic``) are both "ACTIVO",
  deduplicated on the RENAES code (``cod_ipress``). Support services (laboratories, patient
  transport, protected homes) and itinerant teams ("OFERTA FLEXIBLE") are left out.
* Distances are straight lines in EPSG:32718 (see :func:`geoprio.spatial.points.nearest_distance`),
  not travel time.

Examples
--------
>>> from pathlib import Path
>>> import geopandas as gpd
>>> root = Path("../shared/peru-data")  # doctest: +SKIP
>>> districts = gpd.read_file(root / "boundaries/districts_2017.gpkg")  # doctest: +SKIP
>>> table, report = build_point_indicators(root, districts)  # doctest: +SKIP
>>> len(table) == len(districts)  # doctest: +SKIP
True
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoprio.errors import DataBuildError, InputError
from geoprio.spatial.points import DEFAULT_DISTANCE_CRS, nearest_distance, points_in_districts

__all__ = ["I3_OR_HIGHER", "POINT_CATALOG", "POINT_COLUMNS", "build_point_indicators"]

logger = logging.getLogger(__name__)

CENTRES_FILE = "centros_poblados.csv.gz"
GEOPERU_FILE = "establecimientos_salud_geoperu_2022.xlsx"
TB_EESS_FILE = "establecimientos_salud_minsa_tb_eess.csv.gz"

#: MINSA categories counted as "I-3 or higher": health centres with a physician (I-3), with
#: beds (I-4), hospitals (II-1, II-2, III-1, III-2) and specialised ones (II-E, III-E).
I3_OR_HIGHER = ("I-3", "I-4", "II-1", "II-2", "II-E", "III-1", "III-2", "III-E")
FACILITY_TYPES = (
    "ESTABLECIMIENTO DE SALUD SIN INTERNAMIENTO",
    "ESTABLECIMIENTO DE SALUD CON INTERNAMIENTO",
)
FAR_KM = (5, 10, 20)
#: A point outside every polygon but within this distance (km) of the polygon of the district
#: code it carries is counted in that district: islands of Lake Titicaca (a hole in the
#: polygons; the Uros of 210101 Puno lie 1-10 km off the shore), coastline and border
#: digitisation. Farther points stay without a district (none in the 2022 files).
SNAP_KM = 15.0

_CCPP = "INEI, centros poblados (jmcastagnetto/ubigeo-peru-aumentado, MIT)"
_EESS = "GeoPerú / SUSALUD, establecimientos de salud al 7 abr 2022"
_BOTH = _CCPP + "; " + _EESS
_LINE = (
    "Distancia en línea recta (EPSG:32718, error < 0,6 %), no tiempo de viaje: ríos, montañas y "
    "caminos no cuentan. Vacío si el distrito no tiene centros poblados rurales. / Straight-line "
    "distance, not travel time; empty where the district has no rural centre."
)
_PUBLIC = (
    "Solo establecimientos de gobiernos regionales y MINSA activos; no incluye EsSalud, FF.AA., "
    "policía, municipales ni privados. / Regional-government and MINSA facilities only."
)

# id, label_es, label_en, unit, year, source, higher_is_worse, kind, aggregate,
# description, caveats  (the columns of geoprio.build.catalog_spec.COLUMNS)
POINT_CATALOG: list[tuple] = [
    (
        "populated_centres",
        "Centros poblados",
        "Populated centres",
        "centros",
        None,
        _CCPP,
        None,
        "count",
        "sum",
        "Centros poblados (urbanos y rurales) cuyas coordenadas caen en el polígono del distrito.",
        "Sin población por centro: un caserío y una ciudad cuentan igual. / No population per "
        "centre.",
    ),
    (
        "rural_centres",
        "Centros poblados rurales",
        "Rural populated centres",
        "centros",
        None,
        _CCPP,
        None,
        "count",
        "sum",
        "Centros poblados de tipo Rural (INEI) en el polígono del distrito; denominador de las "
        "distancias.",
        "Sin población por centro. / No population per centre.",
    ),
    (
        "rural_centres_share",
        "Centros poblados rurales (% del total)",
        "Rural share of populated centres",
        "%",
        None,
        _CCPP,
        True,
        "indicator",
        "wmean:populated_centres",
        "100 × centros rurales / todos los centros del distrito.",
        "Proporción de lugares, no de personas. / A share of places, not of people.",
    ),
    (
        "health_facilities",
        "Establecimientos de salud públicos",
        "Public health facilities",
        "establecimientos",
        2022,
        _EESS,
        False,
        "count",
        "sum",
        "Establecimientos de salud activos (con o sin internamiento, uno por código RENAES) de "
        "gobiernos regionales y MINSA ubicados en el polígono del distrito.",
        _PUBLIC + " Servicios de apoyo y oferta flexible excluidos.",
    ),
    (
        "health_facilities_per_1000_u5",
        "Establecimientos de salud por 1 000 menores de 5 años",
        "Public health facilities per 1,000 children under 5",
        "por 1 000 niños",
        2022,
        _EESS + "; " + "MINSA REUNIS 2020",
        False,
        "indicator",
        "wmean:under5_2020",
        "health_facilities × 1000 / under5_2020.",
        _PUBLIC + " Vacío si falta la población menor de 5 años o es 0; poblaciones pequeñas dan "
        "valores altos e inestables.",
    ),
    (
        "dist_health_median_km",
        "Distancia mediana en línea recta de centros rurales al establecimiento de salud "
        "más cercano",
        "Median straight-line distance from rural centres to the nearest health facility",
        "km",
        2022,
        _BOTH,
        True,
        "indicator",
        "none",
        "Mediana, entre los centros poblados rurales del distrito, de la distancia en línea recta "
        "al establecimiento contado más cercano (de cualquier distrito).",
        _LINE + " " + _PUBLIC,
    ),
    *[
        (
            f"rural_centres_far_{km}km",
            f"Centros rurales a más de {km} km en línea recta de un establecimiento de salud",
            f"Rural centres more than {km} km (straight line) from a health facility",
            "%",
            2022,
            _BOTH,
            True,
            "indicator",
            "wmean:rural_centres",
            f"100 × centros rurales cuyo establecimiento contado más cercano está a más de {km} km "
            "/ centros rurales del distrito.",
            _LINE + " " + _PUBLIC,
        )
        for km in (5, 10, 20)
    ],
    (
        "rural_centres_far_i3_10km",
        "Centros rurales a más de 10 km en línea recta de un establecimiento I-3 o superior",
        "Rural centres more than 10 km (straight line) from a facility of category I-3 or higher",
        "%",
        2022,
        _BOTH,
        True,
        "indicator",
        "wmean:rural_centres",
        "Como rural_centres_far_10km, contando solo establecimientos de categoría I-3, I-4, II-1, "
        "II-2, II-E, III-1, III-2 o III-E (centros con médico y superiores).",
        _LINE + " Los I-3 especializados (centros de salud mental comunitarios) cuentan.",
    ),
    (
        "facilities_internet_known",
        "Establecimientos con dato de internet",
        "Facilities with a known internet answer",
        "establecimientos",
        2022,
        _EESS,
        None,
        "count",
        "sum",
        "Establecimientos contados con conect = 'Tiene' o 'No tiene'; denominador de "
        "facilities_no_internet_share.",
        "'Sin información' excluido.",
    ),
    (
        "facilities_no_internet_share",
        "Establecimientos de salud sin internet (%)",
        "Health facilities without internet",
        "%",
        2022,
        _EESS,
        True,
        "indicator",
        "wmean:facilities_internet_known",
        "100 × establecimientos con conect = 'No tiene' / los que responden 'Tiene' o 'No tiene'.",
        "Brecha de telecomunicaciones en los establecimientos, no en los hogares; 'Sin "
        "información' excluido; vacío si ningún establecimiento tiene dato. / Facilities' "
        "connectivity, not households'.",
    ),
]

#: The columns built here, in order (``ubigeo`` first in the table).
POINT_COLUMNS: tuple[str, ...] = tuple(row[0] for row in POINT_CATALOG)

_CENTRE_COLUMNS = ("inei_ccpp", "inei_distrito", "tipo", "latitude", "longitude")
_GEOPERU_COLUMNS = (
    "cod_ipress",
    "cod_dist",
    "tipo_estab",
    "ctg_codigo",
    "est_estado",
    "est_condic",
    "conect",
    "x_gis",
    "y_gis",
)
_TB_EESS_COLUMNS = ("codigo_renaes", "categoria", "longitud", "latitud")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataBuildError(
            f"{path.name} lacks columns {missing}; it has: " + ", ".join(map(str, frame.columns))
        )


def _points(frame: pd.DataFrame, x: str, y: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame[x], frame[y]), crs=4326)


def _pad(values: pd.Series) -> pd.Series:
    """District codes as six-digit text, None where a value is not a code."""
    from geoprio.readers.codes import normalize_ubigeo

    return normalize_ubigeo(values)


def _coords_report(frame: pd.DataFrame, x: str, y: str) -> dict[str, int]:
    has = frame[x].notna() & frame[y].notna() & (frame[x] != 0) & (frame[y] != 0)
    located = frame.loc[has, [x, y]]
    return {
        "rows": len(frame),
        "without_coordinates": int((~has).sum()),
        "duplicated_coordinates": int(located.duplicated().sum()),
    }


def _read_centres(path: Path) -> pd.DataFrame:
    centres = pd.read_csv(path, dtype={"inei_ccpp": "str", "inei_distrito": "str"})
    _require(centres, _CENTRE_COLUMNS, path)
    return centres


def _read_geoperu(path: Path) -> pd.DataFrame:
    frame = pd.read_excel(path, engine="calamine")
    _require(frame, _GEOPERU_COLUMNS, path)
    frame["cod_dist"] = _pad(frame["cod_dist"])
    frame["ctg_codigo"] = frame["ctg_codigo"].astype("str").str.strip()
    return frame


def _read_tb_eess(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"id_ubigeo": "str"})
    _require(frame, _TB_EESS_COLUMNS, path)
    return frame


def _select_facilities(
    raw: pd.DataFrame, tb_eess: pd.DataFrame, report: dict[str, Any]
) -> pd.DataFrame:
    """Deduplicate GeoPeru on RENAES, keep active establishments, fill unknown categories."""
    dup = raw["cod_ipress"].duplicated()
    report["duplicated_renaes_rows"] = int(dup.sum())
    unique = raw.loc[~dup]
    is_type = unique["tipo_estab"].isin(FACILITY_TYPES)
    active = (unique["est_estado"] == "ACTIVO") & (unique["est_condic"] == "ACTIVO")
    report["unique_facilities"] = len(unique)
    report["excluded_not_an_establishment"] = (
        unique.loc[~is_type, "tipo_estab"].value_counts().astype(int).to_dict()
    )
    report["excluded_not_active"] = int((is_type & ~active).sum())
    kept = unique.loc[is_type & active].copy()
    known = tb_eess.loc[tb_eess["categoria"].isin((*I3_OR_HIGHER, "I-1", "I-2"))]
    fill = kept["cod_ipress"].map(known.set_index("codigo_renaes")["categoria"])
    unknown = ~kept["ctg_codigo"].str.match(r"^I")
    filled = unknown & fill.notna()
    kept.loc[filled, "ctg_codigo"] = fill[filled]
    report["category_filled_from_tb_eess"] = int(filled.sum())
    report["category_unknown"] = int((unknown & ~filled).sum())
    report["counted_facilities"] = len(kept)
    report["counted_i3_or_higher"] = int(kept["ctg_codigo"].isin(I3_OR_HIGHER).sum())
    return kept


def _snap_outside(
    joined: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, code_column: str
) -> tuple[pd.Series, dict[str, int]]:
    """District used for counts: the polygon, else the point's own code if that polygon is near.

    Points outside every polygon (lake islands, coastline, border digitisation) are given
    their own district code when its polygon lies within :data:`SNAP_KM`; the others stay
    without a district.
    """
    max_km = 0.0
    used = joined["ubigeo_spatial"].copy()
    outside = used.isna() & ~joined.geometry.is_empty & joined.geometry.notna()
    own = _pad(joined[code_column])
    polys = districts.set_index(districts["ubigeo"].astype("str")).geometry
    candidates = outside & own.isin(polys.index)
    if candidates.any():
        pts = joined.loc[candidates].geometry.to_crs(DEFAULT_DISTANCE_CRS).values
        near = polys.to_crs(DEFAULT_DISTANCE_CRS).reindex(own[candidates].to_numpy()).values
        km = shapely.distance(pts, near) / 1000
        snap = candidates.copy()
        snap[candidates] = km <= SNAP_KM
        used[snap] = own[snap]
        max_km = float(km[km <= SNAP_KM].max()) if (km <= SNAP_KM).any() else 0.0
    n_snapped = int(outside.sum() - used[outside].isna().sum())
    return used, {
        "outside_every_polygon": int(outside.sum()),
        "assigned_to_own_district": n_snapped,
        "max_km_to_own_district": round(max_km, 3),
        "left_without_district": int(used.isna().sum()),
    }


def _check_under5(under5: pd.Series | None, order: np.ndarray) -> pd.Series:
    if under5 is None:
        return pd.Series(np.nan, index=order)
    if not isinstance(under5, pd.Series):
        raise TypeError(
            f"under5 must be a pandas Series indexed by ubigeo or None, got {type(under5).__name__}"
        )
    values = pd.to_numeric(under5, errors="coerce").astype(float)
    values.index = _pad(pd.Series(under5.index.astype("str"))).to_numpy()
    if values.index.duplicated().any():
        raise InputError("under5 has duplicated ubigeo codes in its index")
    return values.reindex(order)


def _share(mask: pd.Series, groups: pd.Series, order: np.ndarray) -> np.ndarray:
    """100 × mean of a boolean per district; NaN where the district has no member."""
    return (mask.astype(float).groupby(groups.to_numpy()).mean() * 100).reindex(order).to_numpy()


def build_point_indicators(
    sources: Path,
    districts: gpd.GeoDataFrame,
    *,
    under5: pd.Series | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Build the point-based service-gap indicators, one row per district.

    Parameters
    ----------
    sources : pathlib.Path
        The raw-data root holding ``points/`` with the three point files.
    districts : geopandas.GeoDataFrame
        District polygons with a unique ``ubigeo`` column (the 1,874 of the 2017 census).
    under5 : pandas.Series, optional, default=None
        Children under 5 (2020) indexed by ubigeo, for ``health_facilities_per_1000_u5``;
        when None that column is all NaN.

    Returns
    -------
    table : pandas.DataFrame
        ``ubigeo`` then :data:`POINT_COLUMNS`, in the order of
        ``districts``. Counts are 0 where nothing falls in the district; shares, medians and
        ratios are NaN where their denominator is empty.
    report : dict
        Per-file row counts, duplicates, points without coordinates or outside every
        district, code disagreements, the decisions taken and national figures.

    Raises
    ------
    DataBuildError
        If a file is missing or lacks an expected column.

    Examples
    --------
    >>> table, report = build_point_indicators(root, districts)  # doctest: +SKIP
    >>> report["centres"]["rows"]  # doctest: +SKIP
    94922
    """
    start = time.perf_counter()
    paths = _point_files(sources)
    order = districts["ubigeo"].astype("str").to_numpy()
    u5 = _check_under5(under5, order)
    centres, c_report = _place_centres(paths["centres"], districts)
    facilities, g_report, t_report = _place_facilities(paths, districts)

    # straight-line distances from rural centres (all of them, even outside every polygon)
    rural = centres.loc[centres["tipo"] == "Rural"]
    upper = facilities.loc[facilities["ctg_codigo"].isin(I3_OR_HIGHER)]
    to_any = nearest_distance(rural, facilities, crs=DEFAULT_DISTANCE_CRS)["distance_m"] / 1000
    to_i3 = nearest_distance(rural, upper, crs=DEFAULT_DISTANCE_CRS)["distance_m"] / 1000

    table = _district_table(order, centres, facilities, u5, to_any, to_i3)
    report: dict[str, Any] = {
        "files": {k: str(p) for k, p in paths.items()},
        "centres": c_report,
        "geoperu": g_report,
        "tb_eess": t_report,
        "decisions": _point_decisions(under5 is not None),
        "districts": _district_counts(table),
        "national": _national_figures(rural["ubigeo_spatial"].notna(), to_any, to_i3,
                                      facilities),
    }
    report["seconds"] = round(time.perf_counter() - start, 2)
    logger.info("point indicators built in %.1f s", report["seconds"])
    return table, report


def _point_files(sources: Path) -> dict[str, Path]:
    """The three point files under ``sources/points``; all must exist."""
    folder = Path(sources) / "points"
    paths = {
        k: folder / f
        for k, f in (
            ("centres", CENTRES_FILE),
            ("geoperu", GEOPERU_FILE),
            ("tb_eess", TB_EESS_FILE),
        )
    }
    absent = [str(p) for p in paths.values() if not p.is_file()]
    if absent:
        raise DataBuildError("point sources not found: " + ", ".join(absent))
    return paths


def _place_centres(
    path: Path, districts: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Populated centres with coordinates, each in its district (``ubigeo_spatial``)."""
    centres = _read_centres(path)
    c_report: dict[str, Any] = _coords_report(centres, "longitude", "latitude")
    c_report["by_type"] = centres["tipo"].value_counts().astype(int).to_dict()
    centres = centres.loc[centres["latitude"].notna() & centres["longitude"].notna()]
    centres, join = points_in_districts(
        _points(centres, "longitude", "latitude"), districts, id_column="inei_distrito"
    )
    c_report["placement"] = join.to_dict()
    centres["ubigeo_spatial"], c_report["outside"] = _snap_outside(
        centres, districts, "inei_distrito"
    )
    return centres, c_report


def _place_facilities(
    paths: dict[str, Path], districts: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, Any], dict[str, Any]]:
    """Counted health facilities (GeoPeru primary, TB_EESS for categories and the report),
    each in its district; the GeoPeru and TB_EESS reports."""
    tb = _read_tb_eess(paths["tb_eess"])
    t_report: dict[str, Any] = _coords_report(tb, "longitud", "latitud")
    tb_located = tb.loc[tb["longitud"].notna() & tb["latitud"].notna()]
    _, t_join = points_in_districts(_points(tb_located, "longitud", "latitud"), districts)
    t_report["placement"] = t_join.to_dict()
    raw = _read_geoperu(paths["geoperu"])
    g_report: dict[str, Any] = _coords_report(raw, "x_gis", "y_gis")
    t_report["renaes_also_in_geoperu"] = int(tb["codigo_renaes"].isin(raw["cod_ipress"]).sum())
    facilities = _select_facilities(raw, tb, g_report)
    g_report["duplicated_coordinates_counted_facilities"] = int(
        facilities.duplicated(["x_gis", "y_gis"]).sum()
    )
    facilities = facilities.loc[facilities["x_gis"].notna() & facilities["y_gis"].notna()]
    facilities, f_join = points_in_districts(
        _points(facilities, "x_gis", "y_gis"), districts, id_column="cod_dist"
    )
    g_report["placement"] = f_join.to_dict()
    facilities["ubigeo_spatial"], g_report["outside"] = _snap_outside(
        facilities, districts, "cod_dist"
    )
    g_report["conect"] = facilities["conect"].value_counts().astype(int).to_dict()
    return facilities, g_report, t_report


def _internet_known(facilities: pd.DataFrame) -> pd.DataFrame:
    """Facilities whose internet connection is known (``conect`` "Tiene" or "No tiene")."""
    return facilities.loc[facilities["conect"].isin(["Tiene", "No tiene"])]


def _district_table(
    order: np.ndarray,
    centres: pd.DataFrame,
    facilities: pd.DataFrame,
    u5: pd.Series,
    to_any: pd.Series,
    to_i3: pd.Series,
) -> pd.DataFrame:
    """``ubigeo`` then :data:`POINT_COLUMNS`, one row per district of ``order``."""
    table = pd.DataFrame({"ubigeo": order})
    c_code = centres["ubigeo_spatial"]
    r_code = centres.loc[centres["tipo"] == "Rural", "ubigeo_spatial"]
    n_all = c_code.value_counts().reindex(order, fill_value=0).to_numpy()
    n_rural = r_code.value_counts().reindex(order, fill_value=0).to_numpy()
    table["populated_centres"] = n_all
    table["rural_centres"] = n_rural
    with np.errstate(invalid="ignore", divide="ignore"):
        table["rural_centres_share"] = np.where(n_all > 0, 100 * n_rural / n_all, np.nan)
    n_fac = facilities["ubigeo_spatial"].value_counts().reindex(order, fill_value=0)
    table["health_facilities"] = n_fac.to_numpy()
    pop = u5.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["health_facilities_per_1000_u5"] = np.where(
            pop > 0, 1000 * n_fac.to_numpy() / pop, np.nan
        )
    table["dist_health_median_km"] = (
        to_any.groupby(r_code.to_numpy()).median().reindex(order).to_numpy()
    )
    for km in FAR_KM:
        table[f"rural_centres_far_{km}km"] = _share(to_any > km, r_code, order)
    table["rural_centres_far_i3_10km"] = _share(to_i3 > 10, r_code, order)
    known = _internet_known(facilities)
    table["facilities_internet_known"] = (
        known["ubigeo_spatial"].value_counts().reindex(order, fill_value=0).to_numpy()
    )
    table["facilities_no_internet_share"] = _share(
        known["conect"] == "No tiene", known["ubigeo_spatial"], order
    )
    count_cols = [c for c, *_, kind, _, _, _ in POINT_CATALOG if kind == "count"]
    table[count_cols] = table[count_cols].astype("int64")
    return table[["ubigeo", *POINT_COLUMNS]]


def _point_decisions(under5_given: bool) -> dict[str, Any]:
    """The decisions the point indicators rest on, for the build report."""
    return {
        "district_of_a_point": (
            "the polygon it falls in (ubigeo_spatial); carried codes are compared and "
            "disagreements reported; a point outside every polygon takes its carried code "
            f"when that district lies within {SNAP_KM:g} km (Lake Titicaca islands, coast), "
            "otherwise it stays in no district but still gets a distance"
        ),
        "primary_facility_source": "GeoPeru 2022 (regional governments + MINSA), active "
        "establishments, one per RENAES code; TB_EESS only fills unknown categories",
        "facility_types": list(FACILITY_TYPES),
        "i3_or_higher": list(I3_OR_HIGHER),
        "distance": f"straight line, planar in {DEFAULT_DISTANCE_CRS}, not travel time",
        "under5_given": under5_given,
    }


def _district_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many districts lack centres, rural centres, facilities or a ratio."""
    return {
        "n": len(table),
        "without_centres": int((table["populated_centres"] == 0).sum()),
        "without_rural_centres_distance_shares_nan": int((table["rural_centres"] == 0).sum()),
        "without_counted_facility": int((table["health_facilities"] == 0).sum()),
        "per_1000_u5_nan": int(table["health_facilities_per_1000_u5"].isna().sum()),
        "no_internet_share_nan": int(table["facilities_no_internet_share"].isna().sum()),
    }


def _national_figures(
    located_rural: pd.Series, to_any: pd.Series, to_i3: pd.Series, facilities: pd.DataFrame
) -> dict[str, Any]:
    """National distances and shares, over rural centres that fall in a district."""
    known = _internet_known(facilities)
    return {
        "rural_centres_in_districts": int(located_rural.sum()),
        "rural_median_km": round(float(to_any[located_rural].median()), 3),
        **{
            f"rural_far_{km}km_pct": round(float((to_any[located_rural] > km).mean() * 100), 2)
            for km in FAR_KM
        },
        "rural_far_i3_10km_pct": round(float((to_i3[located_rural] > 10).mean() * 100), 2),
        "facilities_no_internet_pct": round(
            float((known["conect"] == "No tiene").mean() * 100), 2
        ),
        "max_rural_km": round(float(to_any.max()), 2),
    }
