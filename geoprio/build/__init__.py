"""The data build: raw public sources in, the project's committed ``data/`` out.

``python -m geoprio.build --sources ../shared/peru-data`` (or ``geoprio build``) reads the raw
files, checks them, and writes deterministically (same bytes every run):

- ``data/boundaries/districts.gpkg``, ``provinces.gpkg``, ``departments.gpkg``: full geometry,
  EPSG:4326, ``ubigeo`` as text; ``districts_display.gpkg``: a lighter coverage for the map;
- ``data/indicators/districts.csv``: one row per 2017 district, the indicators;
- ``data/indicators/departments_endes.csv``: the ENDES department series 2009–2025;
- ``data/indicators/municipal_budget.csv``: municipal PIM and spending per district and year;
- ``data/indicators/codes.csv``: INEI, RENIEC, post-2017 and old codes → 2017 ubigeo;
- ``data/indicators/catalog.csv``: what each indicator is;
- ``data/VALIDATION.md`` and ``data/validation.json``: the validation report.
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.build import boundaries as bnd
from geoprio.build import sources as src
from geoprio.build.catalog_spec import CATALOG, COLUMNS, dated
from geoprio.build.census_fidt import CENSUS_CATALOG, FIDT_DIR, read_census_fidt
from geoprio.build.municipal import BUDGET_CATALOG, BUDGET_DIR, read_municipal_budgets
from geoprio.build.published_rows import read_published_rows
from geoprio.build.sien import SIEN_CATALOG, SIEN_FILE, read_sien_2022, sien_columns
from geoprio.build.smallarea import SAE_CATALOG, sae_columns
from geoprio.errors import DataBuildError

log = logging.getLogger(__name__)

PROJECT_DATA = Path(__file__).resolve().parents[2] / "data"
N_DISTRICTS, N_PROVINCES, N_DEPARTMENTS = 1874, 196, 25
# Codes of the ubigeo table that the 2017 layer absorbed (peru-data README, boundaries/).
MERGED = {"150144": ("150118", "Santa María de Huachipa: fusionado en 150118 Lurigancho en la "
                               "capa de límites 2017")}

DISTRICT_COLUMNS = [
    "ubigeo", "department", "province", "district",
    "pop_2017", "pop_2020", "under5_2020", "under3_2020", "children_6_35m_2020",
    "stunting_u5_2019", "anemia_6_35m_2019",
    "poverty_2018", "poverty_2018_lo", "poverty_2018_hi", "poverty_group_2018",
    "poverty_joint_2018",
    "extreme_poverty_2013", "hdi_2019", "food_vulnerability",
    "no_water_2017", "no_sewer_2017", "no_electricity_2017", "no_internet_2017",
    "altitude_m", "area_km2", "border", "border_country", "vraem",
]


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", str(text))
                   if not unicodedata.combining(c)).upper().strip()


def _merge_one(left: pd.DataFrame, right: pd.DataFrame, name: str,
               problems: dict[str, Any]) -> pd.DataFrame:
    """Left-join on ubigeo, recording codes of ``right`` that are not 2017 districts."""
    extra = sorted(set(right["ubigeo"].dropna()) - set(left["ubigeo"]))
    missing = sorted(set(left["ubigeo"]) - set(right["ubigeo"].dropna()))
    dup = sorted(right["ubigeo"][right["ubigeo"].duplicated()].dropna().unique())
    if dup:
        raise DataBuildError(f"{name}: duplicated ubigeo {dup[:10]}")
    problems[name] = {"rows": len(right), "codes_outside_2017_set": extra,
                      "districts_without_row": missing}
    return left.merge(right[right["ubigeo"].isin(left["ubigeo"])], on="ubigeo", how="left",
                      validate="one_to_one")


def build_codes(ubigeo: pd.DataFrame, crosswalk: pd.DataFrame, valid: set[str],
                names: pd.DataFrame) -> pd.DataFrame:
    """Every known district code (INEI, RENIEC, post-2017, old) and its 2017 ubigeo."""
    rows: list[dict[str, str]] = []
    parent = dict(zip(crosswalk["ubigeo_new"], crosswalk["parent_ubigeo_2017"], strict=True))
    note = {r.ubigeo_new: (f"{r.district_new} (creado después de 2017) → "
                           f"{r.parent_ubigeo_2017} {r.parent_district_2017} "
                           f"({float(r.share_in_parent):.1%} de su área"
                           + (f"; también {r.other_parents})" if r.other_parents else ")"))
            for r in crosswalk.itertuples()}
    new_by_name = {_ascii(r.district_new) + "|" + _ascii(r.department): r.parent_ubigeo_2017
                   for r in crosswalk.itertuples()}
    by_name = names.assign(key=names["district"].map(_ascii) + "|" + names["ubigeo"].str[:2])
    by_name = by_name.drop_duplicates("key", keep=False).set_index("key")["ubigeo"]
    for r in ubigeo.itertuples():
        inei, reniec = r.inei, r.reniec
        target = None
        if isinstance(inei, str) and inei in valid:
            target = inei
            rows.append({"code": inei, "scheme": "inei", "ubigeo": inei, "note": ""})
        elif isinstance(inei, str) and inei in parent:
            target = parent[inei]
            rows.append({"code": inei, "scheme": "post2017", "ubigeo": target, "note": note[inei]})
        elif isinstance(inei, str) and inei in MERGED:
            target, why = MERGED[inei]
            rows.append({"code": inei, "scheme": "old", "ubigeo": target, "note": why})
        elif isinstance(inei, str):
            key = _ascii(r.distrito) + "|" + inei[:2]
            if key in by_name.index and by_name[key] != inei:
                target = by_name[key]
                rows.append({"code": inei, "scheme": "old", "ubigeo": target,
                             "note": f"código antiguo de {r.distrito}: mismo nombre y "
                                     f"departamento que {target}"})
        if target is None and isinstance(reniec, str):  # a RENIEC-only post-2017 district
            target = new_by_name.get(_ascii(r.distrito) + "|" + _ascii(r.departamento))
        if isinstance(reniec, str) and target is not None:
            rows.append({"code": reniec, "scheme": "reniec", "ubigeo": target,
                         "note": "" if target == inei else f"RENIEC de {r.distrito}"})
    codes = pd.DataFrame(rows).drop_duplicates(["code", "scheme"])
    return codes.sort_values(["scheme", "code"]).reset_index(drop=True)


def assemble_districts(sources: Path, districts_geo: pd.DataFrame,
                       problems: dict[str, Any]) -> pd.DataFrame:
    """One row per 2017 district with every shipped indicator."""
    ind = sources / "indicators"
    base = districts_geo[["ubigeo"]].copy()
    poverty = src.read_poverty_2018(ind / "pobreza2018_intervalos.csv")
    ceplan = src.read_ceplan(ind / "ceplan_matriz_indicadores_2007_2019.xlsx")
    pop_report: dict[str, Any] = {}
    pop = src.read_population_2020(ind / "poblacion_2020_edades_distrito.xlsx", pop_report)
    census = src.read_census_services(ind / "censo2017_servicios_distrito.json")
    ubi = src.read_ubigeo_table(ind / "ubigeo_distrito.csv")
    ubi_part = pd.DataFrame({
        "ubigeo": ubi["inei"],
        "altitude_m": src.to_number(ubi["altitude"]),
        "food_vulnerability": src.to_number(ubi["indice_vulnerabilidad_alimentaria"]).round(4),
        "name_ubigeo": ubi["distrito"], "province_ubigeo": ubi["provincia"],
        "department_ubigeo": ubi["departamento"],
    }).dropna(subset=["ubigeo"])
    t = _merge_one(base, poverty, "pobreza2018_intervalos.csv", problems)
    t = _merge_one(t, ceplan, "ceplan_matriz_indicadores_2007_2019.xlsx", problems)
    t = _merge_one(t, pop, "poblacion_2020_edades_distrito.xlsx", problems)
    problems["poblacion_2020_edades_distrito.xlsx"].update(pop_report)
    t = _merge_one(t, census, "censo2017_servicios_distrito.json", problems)
    t = _merge_one(t, ubi_part, "ubigeo_distrito.csv", problems)

    # names: INEI's poverty map spells them with accents; check them against the ubigeo table
    mismatch = t[t["name_district"].map(_ascii) != t["name_ubigeo"].map(_ascii)]
    problems["name_mismatches"] = [
        {"ubigeo": r.ubigeo, "inei_poverty_map": r.name_district, "ubigeo_table": r.name_ubigeo}
        for r in mismatch.itertuples()]
    same = t["name_district"].map(_ascii) == t["name_ubigeo"].map(_ascii)
    # accented spelling when it is the same name; the ubigeo table's full name when INEI's
    # poverty map abbreviates or truncates it ("SAN FCO.DE ASIS...", "SANTA CRUZ DE TOLED")
    t["district"] = t["name_district"].where(same, t["name_ubigeo"])
    t["province"] = t["name_province"].fillna(t["province_ubigeo"])
    t["department"] = t["name_department"].fillna(t["department_ubigeo"])

    crosswalk = src.read_crosswalk(sources / "boundaries" / "crosswalk_post2017_to_census2017.csv")
    parent = dict(zip(crosswalk["ubigeo_new"], crosswalk["parent_ubigeo_2017"], strict=True))
    vraem = src.read_vraem(ind / "vraem_distritos.csv")
    vr = vraem[vraem["ambito"] == "VRAEM"]["ubigeo"]
    mapped = vr.map(lambda c: c if c in set(base["ubigeo"]) else parent.get(c))
    problems["vraem"] = {
        "codes": len(vr),
        "post2017_mapped_to_parent": {c: parent[c] for c in vr if c not in set(base["ubigeo"])
                                      and c in parent},
        "unknown": [c for c, m in zip(vr, mapped, strict=True) if m is None],
        "nor_vraem_codes_not_flagged": sorted(vraem[vraem["ambito"] == "NOR-VRAEM"]["ubigeo"]),
    }
    t["vraem"] = t["ubigeo"].isin(set(mapped.dropna()))
    t["area_km2"] = districts_geo.set_index("ubigeo").loc[t["ubigeo"], "area_km2"].to_numpy()
    t["border"] = t["border"].fillna(False).astype(bool)
    t["border_country"] = t["border_country"].fillna("")
    return t


def crosswalk_parents(boundaries_dir: Path) -> dict[str, str]:
    """Post-2017 district code → the 2017 district holding most of its area."""
    crosswalk = src.read_crosswalk(boundaries_dir / "crosswalk_post2017_to_census2017.csv")
    return dict(zip(crosswalk["ubigeo_new"], crosswalk["parent_ubigeo_2017"], strict=True))


def add_2022_census_budget(sources: Path, table: pd.DataFrame, parent: dict[str, str],
                           problems: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped columns in order, with SIEN-HIS 2022, census FIDT and budget columns added.

    Returns the district table and the long municipal budget table.
    """
    ind = sources / "indicators"
    base = table[DISTRICT_COLUMNS]
    sien_report: dict[str, Any] = {}
    counts = read_sien_2022(ind / SIEN_FILE, sien_report)
    sien = sien_columns(counts, table, sien_report)
    census_report: dict[str, Any] = {}
    census = read_census_fidt(ind / FIDT_DIR, table, census_report)
    budget_report: dict[str, Any] = {}
    long, wide = read_municipal_budgets(ind / BUDGET_DIR, table, parent, budget_report)
    problems["sien_his_2022"] = sien_report
    problems["census_fidt"] = census_report
    problems["municipal_budget"] = budget_report
    out = base
    for part in (sien, census, wide):
        out = out.merge(part, on="ubigeo", how="left", validate="one_to_one")
    sae_report: dict[str, Any] = {}
    endes = src.read_endes(ind / "endes_departamentos_2009_2025.xlsx")
    out = out.merge(sae_columns(out, endes, sae_report), on="ubigeo", how="left",
                    validate="one_to_one")
    problems["small_area"] = sae_report
    return out, long


def write_gpkg(frame, path: Path, layer: str) -> None:
    """Write a GeoPackage with a fixed timestamp so the bytes do not change between builds."""
    if path.exists():
        path.unlink()
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def build(sources: Path, out: Path = PROJECT_DATA) -> dict[str, Any]:
    """Run the whole build; return the validation report (also written under ``out``)."""
    from geoprio.build.validate import validate, write_report

    sources, out = Path(sources), Path(out)
    if not (sources / "indicators").is_dir() or not (sources / "boundaries").is_dir():
        raise DataBuildError(f"{sources}: expected the folders indicators/ and boundaries/ "
                             "(point --sources at ../shared/peru-data)")
    os.environ.setdefault("OGR_CURRENT_DATE", "2017-10-22T00:00:00Z")  # census day: fixed bytes
    (out / "boundaries").mkdir(parents=True, exist_ok=True)
    (out / "indicators").mkdir(parents=True, exist_ok=True)
    problems: dict[str, Any] = {}

    b = sources / "boundaries"
    dist = bnd.read_boundaries_source(b / "districts_2017.gpkg", "district", N_DISTRICTS)
    prov = bnd.read_boundaries_source(b / "provinces_2017.gpkg", "province", N_PROVINCES)
    dep = bnd.read_boundaries_source(b / "departments_2017.gpkg", "department", N_DEPARTMENTS)
    dist["area_km2"] = bnd.area_km2(dist.geometry)

    table = assemble_districts(sources, dist, problems)
    table = table.sort_values("ubigeo").reset_index(drop=True)
    ceplan_poverty = table["poverty_ceplan_2018"].copy()  # CEPLAN's copy of INEI's 2018 figure
    districts, budget = add_2022_census_budget(sources, table, crosswalk_parents(b), problems)

    dist_out, display_stats = _write_boundaries(dist, prov, dep, districts, out)
    districts, point_report, point_rows = _add_points(sources, districts, dist_out)
    endes, codes, catalog = _write_tables(sources, districts, budget, point_rows, out)

    report = validate(districts, catalog, endes, codes, dist_out, problems=problems,
                      display=display_stats, ceplan_poverty=ceplan_poverty,
                      points=point_report, budget=budget)
    if point_report is not None:
        report["points_sources"] = {"rows": POINT_SOURCES_ROWS, "what": POINT_SOURCES_WHAT}
    write_report(report, out)
    report.pop("points_sources", None)
    return report


def _write_boundaries(dist: Any, prov: Any, dep: Any, districts: pd.DataFrame,
                      out: Path) -> tuple[Any, dict[str, Any]]:
    """The four boundary layers, names taken from the indicator table (accents); returns
    the districts' layer and the display layer's statistics."""
    names = districts.set_index("ubigeo")[["district", "province", "department"]]
    dist_out = dist[["ubigeo", "geometry"]].join(names, on="ubigeo")
    dist_out = dist_out[["ubigeo", "district", "province", "department", "geometry"]]
    prov_names, dep_names = bnd.names_table(districts)
    prov_out = prov[["ubigeo", "geometry"]].join(prov_names, on="ubigeo")
    prov_out["area_km2"] = bnd.area_km2(prov_out.geometry)
    dep_out = dep[["ubigeo", "geometry"]].join(dep_names, on="ubigeo")
    dep_out["area_km2"] = bnd.area_km2(dep_out.geometry)
    display, display_stats = bnd.display_layer(dist_out)
    write_gpkg(dist_out, out / "boundaries" / "districts.gpkg", "districts")
    write_gpkg(prov_out[["ubigeo", "province", "department", "area_km2", "geometry"]],
               out / "boundaries" / "provinces.gpkg", "provinces")
    write_gpkg(dep_out[["ubigeo", "department", "area_km2", "geometry"]],
               out / "boundaries" / "departments.gpkg", "departments")
    write_gpkg(display, out / "boundaries" / "districts_display.gpkg", "districts_display")
    return dist_out, display_stats


def _add_points(sources: Path, districts: pd.DataFrame, dist_out: Any
                ) -> tuple[pd.DataFrame, dict[str, Any] | None, list]:
    """The point indicators joined when ``sources/points`` exists: the districts, the
    points' report (None without points) and their catalog rows."""
    if not (sources / "points").is_dir():
        return districts, None, []
    from geoprio.build.points import POINT_CATALOG, build_point_indicators

    under5 = districts.set_index("ubigeo")["under5_2020"]
    pts, point_report = build_point_indicators(sources, dist_out, under5=under5)
    point_report.pop("seconds", None)  # timings and paths would make the bytes differ
    point_report["files"] = {k: Path(v).name for k, v in point_report.get("files", {}).items()}
    districts = districts.merge(pts, on="ubigeo", how="left", validate="one_to_one")
    return districts, point_report, list(POINT_CATALOG)


def _write_tables(sources: Path, districts: pd.DataFrame, budget: pd.DataFrame,
                  point_rows: list, out: Path) -> tuple[pd.DataFrame, pd.DataFrame,
                                                        pd.DataFrame]:
    """The indicator tables, the code lookup, the published figures and the catalog;
    returns the ENDES table, the codes and the catalog."""
    b = sources / "boundaries"
    _write_csv(districts, out / "indicators" / "districts.csv")
    endes = src.read_endes(sources / "indicators" / "endes_departamentos_2009_2025.xlsx")
    _write_csv(endes, out / "indicators" / "departments_endes.csv")
    _write_csv(budget, out / "indicators" / "municipal_budget.csv")
    ubi = src.read_ubigeo_table(sources / "indicators" / "ubigeo_distrito.csv")
    crosswalk = src.read_crosswalk(b / "crosswalk_post2017_to_census2017.csv")
    codes = build_codes(ubi, crosswalk, set(districts["ubigeo"]), districts)
    _write_csv(codes, out / "indicators" / "codes.csv")
    # the national and department figures the sources publish (the sheets' Perú column)
    _write_csv(read_published_rows(sources), out / "indicators" / "published.csv")
    catalog_rows = [*CATALOG, *SIEN_CATALOG, *CENSUS_CATALOG, *BUDGET_CATALOG, *SAE_CATALOG,
                    *point_rows]
    catalog = pd.DataFrame(catalog_rows, columns=COLUMNS)
    catalog["year"] = catalog["year"].astype("Int64")
    catalog = dated(catalog)
    _write_csv(catalog, out / "indicators" / "catalog.csv")
    return endes, codes, catalog


POINT_SOURCES_WHAT = (", populated centres, health facilities and straight-line access to them "
                      "(points columns)")
POINT_SOURCES_ROWS = (
    "| `populated_centres`, `rural_centres`, `rural_centres_share` | INEI populated centres "
    "(94,922, with coordinates), from jmcastagnetto/ubigeo-peru-aumentado `ubigeo_ccpp.rds` "
    "(converted); counted by the district polygon each falls in | MIT |\n"
    "| `health_facilities`, `health_facilities_per_1000_u5`, `facilities_internet_known`, "
    "`facilities_no_internet_share` | GeoPerú portal, SUSALUD register as of 2022-04-07 "
    "(regional-government and MINSA facilities), via jmcastagnetto/my_map_prompt_monday "
    "@ bdc7357f; MINSA TB_EESS (open data, @ 24766c8c) fills missing categories | public data |\n"
    "| `dist_health_median_km`, `rural_centres_far_5km`, `_10km`, `_20km`, "
    "`rural_centres_far_i3_10km` | computed by geoprio: **straight-line** distance (UTM 18S, "
    "error under 0.6% against geodesic distance in Peru) from each rural centre to the nearest "
    "facility; not travel time | MIT (computation); inputs as above |\n"
)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == bool:
            frame[col] = frame[col].map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else _fmt(v))
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _fmt(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    return str(o)


def dumps(report: dict[str, Any]) -> str:
    """The report as stable JSON text."""
    return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False,
                      default=_json_default) + "\n"
