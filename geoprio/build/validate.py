"""The build's validation report: counts, missing values, ranges, suspicious rows, cross-checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Published figures the district table is checked against (see data/SOURCES.md).
PUBLISHED = {
    "under5_2020": (2_786_087, "MINSA REUNIS 2020, national row"),
    "under3_2020": (1_611_549, "MINSA REUNIS 2020, national row"),
    "stunting_u5_2019": (12.236, "CEPLAN national row (ENDES 2019)"),
    "anemia_6_35m_2019": (40.062, "CEPLAN national row (ENDES 2019)"),
    "water_2017": (79.1, "census 2017, population-weighted (peru-data README)"),
    "sewer_2017": (68.9, "census 2017, population-weighted (peru-data README)"),
    "electricity_2017": (88.6, "census 2017, population-weighted (peru-data README)"),
    "internet_2017": (29.1, "census 2017, population-weighted (peru-data README)"),
}


def _wmean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & weights.notna()
    return float(np.average(values[ok], weights=weights[ok]))


def validate(districts: pd.DataFrame, catalog: pd.DataFrame, endes: pd.DataFrame,
             codes: pd.DataFrame, boundaries, *, problems: dict[str, Any], display: dict,
             ceplan_poverty: pd.Series, points: dict | None = None) -> dict[str, Any]:
    """Check the assembled tables; return a JSON-ready report."""
    from geoprio.build.boundaries import overlap_check

    ind = catalog[catalog["kind"].isin(["indicator", "count", "bound", "group"])]["id"]
    # a blank joint-estimate code means "estimated alone", not a missing figure
    ind = [c for c in ind if c in districts.columns and c != "poverty_joint_2018"]
    missing = {c: {"count": int(districts[c].isna().sum()),
                   "ubigeo": sorted(districts.loc[districts[c].isna(), "ubigeo"])[:25]}
               for c in ind}
    ranges = []
    for row in catalog.itertuples():
        if row.id not in districts.columns:
            continue
        col = districts[row.id]
        lo, hi = {"%": (0, 100), "índice 0-1": (0, 1)}.get(row.unit, (None, None))
        if lo is None:
            continue
        bad = districts.loc[(col < lo) | (col > hi), ["ubigeo", row.id]]
        if len(bad):
            ranges.append({"id": row.id, "range": [lo, hi], "count": len(bad),
                           "rows": bad.head(10).to_dict("records")})
    zero_water = districts[districts["no_water_2017"] == 100][
        ["ubigeo", "district", "department", "no_water_2017", "no_sewer_2017",
         "no_electricity_2017", "pop_2017"]]
    all_services_zero = zero_water[(zero_water["no_sewer_2017"] == 100)
                                   & (zero_water["no_electricity_2017"] == 100)]
    zero_stunting = districts[districts["stunting_u5_2019"] == 0][["ubigeo", "district"]]
    zero_anemia = districts[districts["anemia_6_35m_2019"] == 0][["ubigeo", "district"]]

    nat = endes[(endes["level"] == "national") & (endes["area"] == "total")].set_index("year")
    d = districts
    checks = [
        _check("under5_2020 (sum)", float(d["under5_2020"].sum()), *PUBLISHED["under5_2020"]),
        _check("under3_2020 (sum)", float(d["under3_2020"].sum()), *PUBLISHED["under3_2020"]),
        _check("stunting_u5_2019, weighted by under5_2020 (SIEN)",
               _wmean(d["stunting_u5_2019"], d["under5_2020"]), *PUBLISHED["stunting_u5_2019"]),
        _check("anemia_6_35m_2019, weighted by children_6_35m_2020 (SIEN)",
               _wmean(d["anemia_6_35m_2019"], d["children_6_35m_2020"]),
               *PUBLISHED["anemia_6_35m_2019"]),
        _check("ENDES table 2019 stunting (national, total)", float(nat.loc[2019, "stunting_u5"]),
               *PUBLISHED["stunting_u5_2019"]),
        _check("ENDES table 2019 anemia (national, total)", float(nat.loc[2019, "anemia_6_35m"]),
               *PUBLISHED["anemia_6_35m_2019"]),
    ]
    for gap, key in (("no_water_2017", "water_2017"), ("no_sewer_2017", "sewer_2017"),
                     ("no_electricity_2017", "electricity_2017"),
                     ("no_internet_2017", "internet_2017")):
        checks.append(_check(f"100 - {gap}, weighted by pop_2017",
                             100 - _wmean(d[gap], d["pop_2017"]), *PUBLISHED[key]))
    diff = (d["poverty_2018"] - ceplan_poverty.to_numpy()).abs()
    checks.append({"check": "poverty_2018 (INEI midpoint) vs CEPLAN % poverty 2018",
                   "value": round(float(diff.max()), 3), "published": 0.0,
                   "source": "max absolute difference, percentage points",
                   "difference": round(float(diff.max()), 3)})

    report: dict[str, Any] = {
        "counts": {
            "districts": len(districts),
            "districts_with_boundary": len(boundaries),
            "provinces": int(districts["ubigeo"].str[:4].nunique()),
            "departments": int(districts["ubigeo"].str[:2].nunique()),
            "vraem": int(districts["vraem"].sum()),
            "border": int(districts["border"].sum()),
            "codes": {k: int(v) for k, v in codes["scheme"].value_counts().sort_index().items()},
            "endes_rows": len(endes),
            "catalog_rows": len(catalog),
        },
        "missing": missing,
        "out_of_range": ranges,
        "suspicious": {
            "zero_water_coverage": zero_water.to_dict("records"),
            "zero_water_and_all_services": all_services_zero["ubigeo"].tolist(),
            "stunting_exactly_0": zero_stunting.to_dict("records"),
            "anemia_exactly_0": zero_anemia.to_dict("records"),
        },
        "cross_checks": checks,
        "sources": problems,
        "display_geometry": display,
        "overlaps": overlap_check(boundaries),
    }
    if points is not None:
        report["points"] = points
    return report


def _check(name: str, value: float, published: float, source: str) -> dict[str, Any]:
    return {"check": name, "value": round(value, 3), "published": published, "source": source,
            "difference": round(value - published, 3)}


def write_report(report: dict[str, Any], out: Path) -> None:
    """``validation.json`` (everything) and ``VALIDATION.md`` (for people)."""
    from geoprio.build import dumps

    (out / "validation.json").write_text(dumps(report), encoding="utf-8")
    (out / "VALIDATION.md").write_text(to_markdown(report), encoding="utf-8")
    from geoprio.build.sources_md import sources_markdown

    points = report.get("points_sources", {})
    (out / "SOURCES.md").write_text(
        sources_markdown(report, points.get("rows", ""), points.get("what", "")),
        encoding="utf-8")


def to_markdown(r: dict[str, Any]) -> str:
    """The report as Markdown."""
    c = r["counts"]
    lines = ["# Data validation report", "",
             "Written by `python -m geoprio.build`; do not edit by hand.", "",
             "## Counts", "",
             f"- districts: {c['districts']} (with boundary: {c['districts_with_boundary']}); "
             f"provinces: {c['provinces']}; departments: {c['departments']}",
             f"- VRAEM districts: {c['vraem']}; border districts: {c['border']}",
             f"- code lookup rows by scheme: {c['codes']}", "",
             "## Missing values per indicator", "", "| indicator | missing | examples |",
             "|---|---:|---|"]
    for k, v in r["missing"].items():
        lines.append(f"| {k} | {v['count']} | {', '.join(v['ubigeo'][:8])} |")
    lines += ["", "## Values outside their range", ""]
    if not r["out_of_range"]:
        lines.append("None: every percentage is within 0–100 and every index within 0–1.")
    for item in r["out_of_range"]:
        lines.append(f"- {item['id']}: {item['count']} outside {item['range']}")
    s = r["suspicious"]
    lines += ["", "## Suspicious rows", "",
              f"Districts with 0% public water coverage in the census extract "
              f"({len(s['zero_water_coverage'])}; kept as published, flagged here):", "",
              "| ubigeo | district | department | no water % | no sewer % | no electricity % |"
              " pop 2017 |", "|---|---|---|---:|---:|---:|---:|"]
    for z in s["zero_water_coverage"]:
        lines.append(f"| {z['ubigeo']} | {z['district']} | {z['department']} | "
                     f"{z['no_water_2017']:g} | {z['no_sewer_2017']:g} | "
                     f"{z['no_electricity_2017']:g} | {z['pop_2017']:,.0f} |")
    lines += ["", f"Of these, with 0% for water, sewer and electricity at once: "
              f"{', '.join(s['zero_water_and_all_services']) or 'none'}.",
              f"Districts with stunting exactly 0% (SIEN): {len(s['stunting_exactly_0'])}; "
              f"anemia exactly 0%: {len(s['anemia_exactly_0'])} (small counts at MINSA "
              "facilities, not survey estimates).", "",
              "## Cross-checks against published national figures", "",
              "| check | value | published | difference | source |", "|---|---:|---:|---:|---|"]
    for ch in r["cross_checks"]:
        lines.append(f"| {ch['check']} | {ch['value']:,} | {ch['published']:,} | "
                     f"{ch['difference']:+,} | {ch['source']} |")
    lines += ["", "SIEN district figures are children seen at MINSA facilities; the national "
              "row is the ENDES survey, so a gap between the two is expected and is not an "
              "error of the build.", "", "## Sources joined", ""]
    for name, p in r["sources"].items():
        if isinstance(p, dict) and "rows" in p:
            lines.append(f"- `{name}`: {p['rows']} rows; codes outside the 2017 set: "
                         f"{len(p['codes_outside_2017_set'])} "
                         f"({', '.join(p['codes_outside_2017_set'][:20])}); "
                         f"2017 districts without a row: {len(p['districts_without_row'])}")
    v = r["sources"].get("vraem", {})
    if v:
        lines.append(f"- VRAEM list: {v['codes']} codes; post-2017 codes mapped to their 2017 "
                     f"parent: {v['post2017_mapped_to_parent']}; unknown: {v['unknown']}; "
                     f"NOR-VRAEM codes ({len(v['nor_vraem_codes_not_flagged'])}) are not in "
                     "the `vraem` flag.")
    names = r["sources"].get("name_mismatches", [])
    lines.append(f"- District names that differ between INEI's poverty map and the ubigeo "
                 f"table beyond accents: {len(names)}"
                 + "".join(f"\n  - {n['ubigeo']}: {n['inei_poverty_map']} / {n['ubigeo_table']}"
                           for n in names[:20]))
    dg, ov = r["display_geometry"], r["overlaps"]
    lines += ["", "## Geometry", "",
              f"- Display layer: `shapely.coverage_simplify` tolerance {dg['tolerance_deg']}°, "
              f"grid {dg['grid_deg']}°; vertices {dg['vertices_full']:,} → "
              f"{dg['vertices_display']:,}; worst area change {dg['max_area_change_pct']}% "
              f"({dg['max_area_change_ubigeo']}); districts changing more than 5%: "
              f"{dg['districts_over_5pct']}, more than 1%: {dg['districts_over_1pct']}. "
              "Area and all statistics use the full geometry.",
              f"- Overlaps between neighbours larger than 0.01 km²: "
              f"{len(ov['overlaps_over_sliver'])} (largest overlap "
              f"{ov['max_overlap_km2']:.6f} km² over {ov['touching_pairs']:,} touching pairs)."]
    if "points" in r:
        lines += ["", "## Points (populated centres, health facilities)", "", "```",
                  _flat(r["points"]), "```"]
    return "\n".join(lines) + "\n"


def _flat(d: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(d, dict):
        out = []
        for k, v in d.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:\n{_flat(v, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {v}")
        return "\n".join(out)
    if isinstance(d, list):
        return "\n".join(f"{pad}- {x}" for x in d[:20])
    return f"{pad}{d}"
