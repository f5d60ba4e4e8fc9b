"""The build's validation report: counts, missing values, ranges, suspicious rows, and the
shipped data beside figures published independently (:mod:`geoprio.build.published`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.build import published as pub

POVERTY_BANDS = ((">= 40%", 40, np.inf), ("20-40%", 20, 40), ("< 20%", -np.inf, 20))


def _wmean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & weights.notna()
    return float(np.average(values[ok], weights=weights[ok]))


def validate(districts: pd.DataFrame, catalog: pd.DataFrame, endes: pd.DataFrame,
             codes: pd.DataFrame, boundaries, *, problems: dict[str, Any], display: dict,
             ceplan_poverty: pd.Series, points: dict | None = None,
             budget: pd.DataFrame | None = None) -> dict[str, Any]:
    """Check the assembled tables; return a JSON-ready report."""
    from geoprio.build.boundaries import overlap_check

    ind = catalog[catalog["kind"].isin(["indicator", "count", "bound", "group"])]["id"]
    # a blank joint-estimate code means "estimated alone", not a missing figure
    ind = [c for c in ind if c in districts.columns and c != "poverty_joint_2018"]
    missing = {c: {"count": int(districts[c].isna().sum()),
                   "ubigeo": sorted(districts.loc[districts[c].isna(), "ubigeo"])[:25]}
               for c in ind}

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
        "out_of_range": _out_of_range(districts, catalog),
        "suspicious": _suspicious(districts),
        "cross_checks": published_checks(districts, problems),
        "endes_checks": endes_checks(endes),
        "poverty_departments": poverty_departments(districts, catalog),
        "poverty_bands": poverty_bands(districts, ceplan_poverty),
        "internal_checks": internal_checks(districts, ceplan_poverty, budget, problems),
        "sources": problems,
        "display_geometry": display,
        "overlaps": overlap_check(boundaries),
    }
    if points is not None:
        report["points"] = points
    return report


def _out_of_range(districts: pd.DataFrame, catalog: pd.DataFrame) -> list[dict[str, Any]]:
    """Percentages outside 0-100 and indices outside 0-1, per indicator (first ten rows)."""
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
    return ranges


def _suspicious(districts: pd.DataFrame) -> dict[str, Any]:
    """Rows kept as published but worth a look: 0% water coverage, 0% stunting or anaemia."""
    zero_water = districts[districts["no_water_2017"] == 100][
        ["ubigeo", "district", "department", "no_water_2017", "no_sewer_2017",
         "no_electricity_2017", "pop_2017"]]
    all_services_zero = zero_water[(zero_water["no_sewer_2017"] == 100)
                                   & (zero_water["no_electricity_2017"] == 100)]
    zero_stunting = districts[districts["stunting_u5_2019"] == 0][["ubigeo", "district"]]
    zero_anemia = districts[districts["anemia_6_35m_2019"] == 0][["ubigeo", "district"]]
    return {
        "zero_water_coverage": zero_water.to_dict("records"),
        "zero_water_and_all_services": all_services_zero["ubigeo"].tolist(),
        "stunting_exactly_0": zero_stunting.to_dict("records"),
        "anemia_exactly_0": zero_anemia.to_dict("records"),
    }


def _check(name: str, value: float, published: float, source: str, note: str,
           unit: str = "%") -> dict[str, Any]:
    return {"check": name, "shipped": round(float(value), 3), "published": published,
            "difference": round(float(value) - published, 3), "unit": unit,
            "source": pub.SOURCES[source], "note": note}


def published_checks(d: pd.DataFrame, problems: dict[str, Any]) -> list[dict[str, Any]]:
    """The shipped district table beside national figures published independently."""
    return [*_population_checks(d, problems), *_census_checks(d), _poverty_check(d),
            *_sien_checks(d), *_survey_comparisons(d)]


def _population_checks(d: pd.DataFrame, problems: dict[str, Any]) -> list[dict[str, Any]]:
    """The 2020 population columns summed beside MINSA's national row."""
    added = problems.get("poblacion_2020_edades_distrito.xlsx", {}).get(
        "added_to_2017_district", [])
    moved = {k: sum(a[k] for a in added) for k in ("pop_2020", "under5_2020", "under3_2020")}
    fix = ("; without adding the row 150144* (Santa María de Huachipa, {n:,.0f}) to 150118 "
           "Lurigancho the sum would fall short by exactly that")
    return [
        _check("under5_2020: sum of the 1,874 districts", d["under5_2020"].sum(),
               pub.MINSA_UNDER5_2020, "minsa_national_row",
               "equal" + fix.format(n=moved["under5_2020"]), "children"),
        _check("under3_2020: sum of the 1,874 districts", d["under3_2020"].sum(),
               pub.MINSA_UNDER3_2020, "minsa_national_row",
               "equal" + fix.format(n=moved["under3_2020"]), "children"),
        _check("pop_2020: sum of the 1,874 districts", d["pop_2020"].sum(),
               pub.MINSA_POP_2020, "minsa_national_row",
               "equal" + fix.format(n=moved["pop_2020"]), "people"),
    ]


def _census_checks(d: pd.DataFrame) -> list[dict[str, Any]]:
    """Census 2017 shares, weighted by population, beside INEI's national figures."""
    return [
        _check("water: 100 − no_water_2017, districts weighted by pop_2017",
               100 - _wmean(d["no_water_2017"], d["pop_2017"]), pub.INEI_WATER_DWELLINGS_2017,
               "inei_census_water",
               "not the same base: the shipped indicator is each district's share of "
               "households with water from the public network (a third party's REDATAM "
               "extract that does not say whether a public standpipe counts); the extract has "
               "no household or dwelling counts, so the national figure here weights "
               "districts by people. INEI counts occupied private dwellings and includes "
               "public standpipes. A like-for-like national figure cannot be formed from the "
               "shipped data; a gap below 1 point is within what the bases explain"),
        _check("rural_share_2017, weighted by pop_2017", _wmean(d["rural_share_2017"],
                                                              d["pop_2017"]),
               pub.INEI_RURAL_2017, "inei_census_profile",
               "the weights (CEPLAN's pop_2017) add INEI's estimate of people the census "
               "missed, more of them rural; INEI's share is of the people counted"),
        _check("illiteracy_2017, weighted by pop_2017", _wmean(d["illiteracy_2017"],
                                                             d["pop_2017"]),
               pub.INEI_ILLITERACY_15PLUS_2017, "inei_census_profile",
               "INEI counts people aged 15 and over; the consultant's age base is not "
               "documented and the weights are the whole population: the shares are close "
               "but not the same measure"),
        _check("no_health_insurance_2017, weighted by pop_2017",
               _wmean(d["no_health_insurance_2017"], d["pop_2017"]), pub.INEI_UNINSURED_2017,
               "inei_census_profile", "same measure; weights are CEPLAN's pop_2017"),
    ]


def _poverty_check(d: pd.DataFrame) -> dict[str, Any]:
    """District poverty, weighted by population, beside INEI's national estimate."""
    return _check("poverty_2018: districts' midpoints weighted by pop_2020",
                  _wmean(d["poverty_2018"], d["pop_2020"]), pub.INEI_POVERTY_NATIONAL_2018,
                  "inei_poverty_2018",
                  "the district figures are small-area model estimates (census + ENAHO), not "
                  "calibrated to add up to the national ENAHO estimate; weights are MINSA's "
                  "2020 population")


def _sien_checks(d: pd.DataFrame) -> list[dict[str, Any]]:
    """SIEN-HIS 2022 district counts summed beside INS's national rows."""
    checks = []
    for key, (prefix, rate) in {"u5": ("u5", "stunting_u5_2022"),
                                "u3": ("u3", "stunting_u3_2022"),
                                "6_35m": ("6_35m", "anemia_6_35m_2022")}.items():
        n_pub, y_pub, pct_pub = pub.INS_SIEN_2022[key]
        cases = "anemic" if key == "6_35m" else "stunted"
        n, y = d[f"evaluated_{prefix}_2022"].sum(), d[f"{cases}_{prefix}_2022"].sum()
        checks += [
            _check(f"evaluated_{prefix}_2022: sum of districts", n, n_pub, "ins_sien_2022",
                   "district rows add up to INS's national row", "children"),
            _check(f"{cases}_{prefix}_2022: sum of districts", y, y_pub, "ins_sien_2022",
                   "district rows add up to INS's national row", "children"),
            _check(f"{rate}: national rate from the district counts", 100 * y / n, pct_pub,
                   "ins_sien_2022", "INS publishes one decimal"),
        ]
    return checks


def _survey_comparisons(d: pd.DataFrame) -> list[dict[str, Any]]:
    """Facility records (SIEN) beside the household survey (ENDES): different measures."""
    return [
        _check("stunting_u5_2022 (SIEN-HIS national) beside ENDES 2022",
               100 * d["stunted_u5_2022"].sum() / d["evaluated_u5_2022"].sum(), 11.7,
               "endes_2022",
               "different measures, not an error: SIEN-HIS counts children seen at MINSA "
               "facilities (more of them poor and rural), ENDES is a household survey of all "
               "children"),
        _check("anemia_6_35m_2022 (SIEN-HIS national) beside ENDES 2022",
               100 * d["anemic_6_35m_2022"].sum() / d["evaluated_6_35m_2022"].sum(), 42.4,
               "endes_2022",
               "SIEN-HIS tests only the children brought for a haemoglobin test (350,000 of "
               "about 1.6 million aged 6-35 months) and runs far below the survey"),
        _check("stunting_u5_2019 (SIEN via CEPLAN), weighted by under5_2020, beside ENDES 2019",
               _wmean(d["stunting_u5_2019"], d["under5_2020"]), 12.2, "endes_2019",
               "facility records beside a survey, as above; 2019 has rates only, so the "
               "national SIEN figure here is a population-weighted mean, not a count"),
    ]


def endes_checks(endes: pd.DataFrame) -> list[dict[str, Any]]:
    """``departments_endes.csv`` (computed from ENDES microdata by a third party) beside INEI."""
    total = endes[endes["area"] == "total"].set_index(["year", "department_code"])
    out = []
    for year, code, indicator, value, source in pub.ENDES_PUBLISHED:
        shipped = float(total.loc[(year, code), indicator])
        out.append({"year": year, "department_code": code,
                    "department": total.loc[(year, code), "department"],
                    "indicator": indicator, "shipped": shipped, "published": value,
                    "difference": round(shipped - value, 3), "source": pub.SOURCES[source]})
    return out


def poverty_departments(d: pd.DataFrame, catalog: pd.DataFrame) -> list[dict[str, Any]]:
    """Department roll-ups of district poverty beside INEI's own department estimates."""
    from geoprio.data.shipped import aggregate

    dep = aggregate(d, "department", catalog).set_index("ubigeo")
    rows = []
    for code, r in dep.iterrows():
        lo, hi = pub.INEI_POVERTY_2018_INTERVALS.get(code, (None, None))
        roll = float(r["poverty_2018"])
        rows.append({
            "department_code": code, "department": r["department"],
            "rollup_2018": round(roll, 2),
            "inei_2018_interval": None if lo is None else [lo, hi],
            "rollup_outside_inei_2018_interval": None if lo is None else not lo <= roll <= hi,
            "inei_2019_midpoint": pub.INEI_POVERTY_2019_MIDPOINTS[code],
            "rollup_minus_inei_2019": round(roll - pub.INEI_POVERTY_2019_MIDPOINTS[code], 2),
        })
    return rows


def poverty_bands(d: pd.DataFrame, ceplan_poverty: pd.Series) -> dict[str, Any]:
    """Districts by poverty band: the shipped midpoints and CEPLAN's copy of the same map."""
    def count(values: pd.Series) -> dict[str, int]:
        v = pd.Series(np.asarray(values, dtype=float))
        return {name: int(((v >= lo) & (v < hi)).sum()) for name, lo, hi in POVERTY_BANDS}

    return {"shipped_midpoints": count(d["poverty_2018"]),
            "ceplan_copy": count(ceplan_poverty),
            "published": None,
            "note": "INEI's summary counts of districts by band for the 2018 map were not found "
                    "(searched INEI's map and its press coverage); the shipped counts are "
                    "compared with the counts from CEPLAN's independent transcription of the "
                    "same INEI district figures instead. INEI itself ranks districts in robust "
                    "groups, not by these bands."}


def internal_checks(d: pd.DataFrame, ceplan_poverty: pd.Series, budget: pd.DataFrame | None,
                    problems: dict[str, Any]) -> list[dict[str, Any]]:
    """Consistency between two copies or two forms of the same figures (not publications)."""
    diff = (d["poverty_2018"] - ceplan_poverty.to_numpy()).abs()
    out = [{"check": "poverty_2018 (INEI midpoint) vs CEPLAN's copy of INEI's 2018 figure",
            "value": round(float(diff.max()), 3), "expected": 0.0,
            "note": "max absolute difference, percentage points (rounding in CEPLAN's copy)"}]
    if budget is not None:
        for year, rep in problems.get("municipal_budget", {}).items():
            if not str(year).isdigit():
                continue
            b = budget[budget["year"] == int(year)]
            added = sum(x["pim"] for x in rep["left_out_unknown_codes"])
            out.append({
                "check": f"municipal_budget {year}: PIM of the districts vs the local-"
                         "government rows of the file",
                "value": round(float(b["pim"].sum()) + added, 2),
                "expected": rep["local_total_soles"]["pim"],
                "note": "equal when every local-government row is counted once (post-2017 "
                        "municipalities in their 2017 district; unknown codes left out and "
                        "added back here)"})
    return out


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
    lines = [*_counts_markdown(r), *_suspicious_markdown(r["suspicious"]),
             *_published_markdown(r["cross_checks"])]
    lines += _endes_markdown(r["endes_checks"])
    lines += _poverty_markdown(r["poverty_departments"], r["poverty_bands"])
    lines += ["", "## Internal consistency (two copies or two forms of the same figures)", "",
              "Not publications: these check that nothing was lost or duplicated.", "",
              "| check | value | expected | note |", "|---|---:|---:|---|"]
    for ch in r["internal_checks"]:
        lines.append(f"| {ch['check']} | {ch['value']:,} | {ch['expected']:,} | "
                     f"{ch['note']} |")
    lines += _new_sources_markdown(r["sources"])
    lines += _joined_markdown(r["sources"])
    lines += _geometry_markdown(r["display_geometry"], r["overlaps"])
    if "points" in r:
        lines += ["", "## Points (populated centres, health facilities)", "", "```",
                  _flat(r["points"]), "```"]
    return "\n".join(lines) + "\n"


def _counts_markdown(r: dict[str, Any]) -> list[str]:
    """The title, the counts, missing values per indicator and values out of range."""
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
    return lines


def _suspicious_markdown(s: dict[str, Any]) -> list[str]:
    """The suspicious rows: 0% water coverage (a table), 0% services, stunting, anaemia."""
    lines = ["", "## Suspicious rows", "",
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
              "facilities, not survey estimates)."]
    return lines


def _published_markdown(checks: list[dict[str, Any]]) -> list[str]:
    """The data beside figures published independently, one table row per check."""
    lines = ["", "## The data beside figures published independently", "",
             "Each published figure is typed from its source (`geoprio/build/published.py`), "
             "never computed from the files the build reads. Where the two differ, the note "
             "says by how much and why.", "",
             "| check | shipped | published | difference | note | source |",
             "|---|---:|---:|---:|---|---|"]
    for ch in checks:
        lines.append(f"| {ch['check']} | {ch['shipped']:,} | {ch['published']:,} | "
                     f"{ch['difference']:+,} | {ch['note']} | {ch['source']} |")
    return lines


def _joined_markdown(sources: dict[str, Any]) -> list[str]:
    """The sources joined: rows, codes outside the 2017 set, VRAEM list, name mismatches."""
    lines = ["", "## Sources joined", ""]
    for name, p in sources.items():
        if isinstance(p, dict) and "rows" in p:
            lines.append(f"- `{name}`: {p['rows']} rows; codes outside the 2017 set: "
                         f"{len(p['codes_outside_2017_set'])} "
                         f"({', '.join(p['codes_outside_2017_set'][:20])}); "
                         f"2017 districts without a row: {len(p['districts_without_row'])}")
    v = sources.get("vraem", {})
    if v:
        lines.append(f"- VRAEM list: {v['codes']} codes; post-2017 codes mapped to their 2017 "
                     f"parent: {v['post2017_mapped_to_parent']}; unknown: {v['unknown']}; "
                     f"NOR-VRAEM codes ({len(v['nor_vraem_codes_not_flagged'])}) are not in "
                     "the `vraem` flag.")
    names = sources.get("name_mismatches", [])
    lines.append(f"- District names that differ between INEI's poverty map and the ubigeo "
                 f"table beyond accents: {len(names)}"
                 + "".join(f"\n  - {n['ubigeo']}: {n['inei_poverty_map']} / {n['ubigeo_table']}"
                           for n in names[:20]))
    return lines


def _geometry_markdown(dg: dict[str, Any], ov: dict[str, Any]) -> list[str]:
    """The display layer's simplification and the overlaps between neighbours."""
    return ["", "## Geometry", "",
            f"- Display layer: `shapely.coverage_simplify` tolerance {dg['tolerance_deg']}°, "
            f"grid {dg['grid_deg']}°; vertices {dg['vertices_full']:,} → "
            f"{dg['vertices_display']:,}; worst area change {dg['max_area_change_pct']}% "
            f"({dg['max_area_change_ubigeo']}); districts changing more than 5%: "
            f"{dg['districts_over_5pct']}, more than 1%: {dg['districts_over_1pct']}. "
            "Area and all statistics use the full geometry.",
            f"- Overlaps between neighbours larger than 0.01 km²: "
            f"{len(ov['overlaps_over_sliver'])} (largest overlap "
            f"{ov['max_overlap_km2']:.6f} km² over {ov['touching_pairs']:,} touching pairs)."]


def _endes_markdown(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    t = pd.DataFrame(rows)
    t["abs"] = t["difference"].abs()
    by_year = t.groupby("year")["abs"].agg(["size", "max"])
    lines = ["", "### ENDES: `departments_endes.csv` beside INEI's published figures", "",
             "`departments_endes.csv` was computed from ENDES microdata by a third party "
             "(JosephOreAll); INEI publishes one decimal. Per year: figures compared and the "
             "largest absolute difference (points).", "", "| year | figures | largest "
             "difference | source |", "|---:|---:|---:|---|"]
    for year, row in by_year.iterrows():
        src = t.loc[t["year"] == year, "source"].iloc[0]
        lines.append(f"| {year} | {int(row['size'])} | {row['max']:.1f} | {src} |")
    off = t[t["abs"] > 0.15]
    lines += ["", f"Differences above 0.1 point: {len(off)}."]
    for r in off.itertuples():
        lines.append(f"- {r.year} {r.department} {r.indicator}: shipped {r.shipped}, INEI "
                     f"{r.published} ({r.difference:+.1f})")
    if len(off):
        lines.append("All of them are in 2020, the year ENDES moved part of its fieldwork to "
                     "telephone interviews (COVID-19): the third-party computation does not "
                     "reproduce INEI's 2020 department figures (its national figures match), "
                     "while every other year matches to the published decimal. Why is not "
                     "documented (the sample or weights used for the children measured in "
                     "person are the likely cause). Use the 2020 department values with care."
                     if set(off["year"]) == {2020} else
                     "These differences are not explained by rounding: check the series.")
    return lines


def _poverty_markdown(deps: list[dict[str, Any]], bands: dict[str, Any]) -> list[str]:
    lines = ["", "### Poverty: department roll-ups beside INEI's department estimates", "",
             "Department and province figures of `poverty_2018` in geoprio are "
             "**population-weighted means of the district midpoints** (weights: pop_2020), "
             "not INEI estimates. INEI estimates departments directly from ENAHO and "
             "publishes them as groups with an interval. INEI's 2018 department intervals "
             "are **not in the raw sources**; the few below were typed from INEI's 2018 "
             "presentation. The raw sources carry INEI's **2019** department figures (group "
             "midpoints, in CEPLAN's matrix): a year later, shown for comparison. INEI's "
             "province estimates of the 2018 map are not in the raw sources either.", "",
             "| department | roll-up 2018 | INEI 2018 interval | roll-up outside it | "
             "INEI 2019 midpoint | roll-up − INEI 2019 |", "|---|---:|---:|---|---:|---:|"]
    for d in deps:
        iv = d["inei_2018_interval"]
        out = {None: "", True: "**yes**", False: "no"}[d["rollup_outside_inei_2018_interval"]]
        lines.append(f"| {d['department']} | {d['rollup_2018']} | "
                     f"{'' if iv is None else f'{iv[0]}–{iv[1]}'} | {out} | "
                     f"{d['inei_2019_midpoint']} | {d['rollup_minus_inei_2019']:+} |")
    caj = next((d for d in deps if d["department_code"] == "06"), None)
    if caj is not None:
        lines += ["", f"Cajamarca: the roll-up ({caj['rollup_2018']}%) lies above INEI's own "
                  f"2018 department interval ({caj['inei_2018_interval'][0]}–"
                  f"{caj['inei_2018_interval'][1]}%). The district estimates are not "
                  "calibrated to add up to INEI's department estimate (Madre de Dios, at "
                  "the other end, lies above its interval too): for statements about a "
                  "department, quote INEI's department figure, not the roll-up."]
    lines += ["", "### Poverty map: districts by band", "",
              "| band | shipped midpoints | CEPLAN's copy |", "|---|---:|---:|"]
    for name in bands["shipped_midpoints"]:
        lines.append(f"| {name} | {bands['shipped_midpoints'][name]} | "
                     f"{bands['ceplan_copy'][name]} |")
    lines += ["", bands["note"]]
    return lines


def _new_sources_markdown(sources: dict[str, Any]) -> list[str]:
    """The sections of the sources added after the first build: population rows moved,
    SIEN-HIS 2022, small-area estimates, census beyond services, municipal budgets."""
    from geoprio.build.smallarea import sae_markdown

    lines = _added_rows_markdown(sources.get("poblacion_2020_edades_distrito.xlsx", {}))
    lines += _sien_markdown(sources.get("sien_his_2022", {}))
    lines += sae_markdown(sources.get("small_area", {}).get("stunting_u5_2022_fh"))
    lines += _census_markdown(sources.get("census_fidt", {}))
    lines += _budget_markdown(sources.get("municipal_budget", {}))
    return lines


def _added_rows_markdown(pop: dict[str, Any]) -> list[str]:
    """Population rows of a post-2017 district added to its 2017 district."""
    lines: list[str] = []
    for a in pop.get("added_to_2017_district", []):
        lines += ["", "## Population rows added to a 2017 district", "",
                  f"- `{a['code']}` {a['name']}: {a['pop_2020']:,.0f} people, "
                  f"{a['under5_2020']:,.0f} under 5, {a['under3_2020']:,.0f} under 3, added to "
                  f"{a['added_to']} (the 2017 boundaries merge it there). The file's footnote "
                  "for `*` names 'Santa María del Mar, Ley 30888'; the row itself is Santa "
                  "María de Huachipa, and 150138 Santa María del Mar has its own row."]
    return lines


def _sien_markdown(sien: dict[str, Any]) -> list[str]:
    """SIEN-HIS 2022: the sheets against the national rows, small counts, smoothing."""
    if not sien:
        return []
    dist = sien.get("districts", {})
    lines = ["", "## SIEN-HIS 2022", "",
             "| sheet | period label | district rows | evaluated (districts / national) "
             "| cases (districts / national) | < 30 evaluated | largest gap to the file's "
             "% |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, s in sien.items():
        if isinstance(s, dict) and "national_row" in s:
            lines.append(
                f"| {name} | {s['period_label']} | {s['district_rows']} | "
                f"{s['district_sum']['evaluated']:,.0f} / "
                f"{s['national_row']['evaluated']:,.0f} | "
                f"{s['district_sum']['cases']:,.0f} / {s['national_row']['cases']:,.0f} | "
                f"{s['under_30']} | {s['max_abs_diff_vs_file_percent']} |")
    lines += ["", f"- Districts with under-5 counts: {dist.get('with_under5_counts')}; "
              f"without (missing, not zero): {len(dist.get('without_under5_counts', []))} "
              f"({', '.join(dist.get('without_under5_counts', []))}); in none of the three "
              "sheets read: "
              f"{', '.join(dist.get('without_any_row', []))}.",
              f"- 2022 rate on fewer than 30 children (or none): "
              f"{dist.get('under5_small_n_2022')}; 2019 rate that may rest on fewer than "
              f"30: {dist.get('under5_small_n_2019_possible')} (2019 has rates only: the "
              "number of children is unknown, only a lower bound can be read from each "
              "rate).",
              f"- Correlation of district stunting 2019 and 2022 where at least 100 "
              f"children were measured in 2022: {dist.get('corr_2019_2022_n100')}."]
    ratio = sien.get("measured_per_resident_u5_2022")
    if ratio:
        lines.append(
            f"- Children measured per 100 resident under-5s (`measured_per_resident_u5_"
            f"2022`, SIEN-HIS 2022 against INEI 2020): above 100 in "
            f"{ratio['above_100']} districts, whose facilities measure children of other "
            f"districts; in {ratio['stunted_counted_above_estimate']} districts the "
            "stunted children counted exceed `stunted_children` (under-5s × smoothed "
            "rate), the estimate of children reached.")
    for key in ("stunting_u5_2022_eb", "anemia_6_35m_2022_eb"):
        e = sien.get(key)
        if e:
            lines.append(f"- `{key}`: {e['method']}; prior mean {e['prior_mean_percent']}%,"
                         f" between-district variance {e['between_district_variance']}, "
                         f"κ = {e['kappa_children']} (a district with κ children measured "
                         f"keeps half its own rate); districts without children: "
                         f"{e['districts_without_children']}.")
    return lines


def _census_markdown(census: dict[str, Any]) -> list[str]:
    """Census 2017 beyond services: made-up zeros shipped as missing, rows per file."""
    if not census:
        return []
    zeros = census.get("rural_no_electricity_zero_without_rural_population", [])
    lines = ["", "## Census 2017 beyond services (FIDT 2024 shares)", "",
             f"- Districts without rural population: {census.get('rural_population_zero')}"
             f"; the electricity file writes 0% 'rural households without electricity' "
             f"for {len(zeros)} of them (a made-up zero): shipped as missing, like the "
             "telecom files do."]
    for name, c in census.items():
        if isinstance(c, dict) and "rows" in c:
            lines.append(f"- `{name}`: {c['rows']} rows; codes outside the 2017 set "
                         f"(post-2017 or old, left out): "
                         f"{', '.join(c['codes_outside_2017_set'])}; 2017 districts "
                         f"without a row: {len(c['districts_without_row'])}")
    return lines


def _budget_markdown(budget: dict[str, Any]) -> list[str]:
    """Municipal budgets: what was kept and what was left out, per year."""
    if not budget:
        return []
    lines = ["", "## Municipal budgets (MEF SIAF)", "",
             "Only `GOBIERNOS LOCALES` rows are kept: regional-government and "
             "national-government rows are placed at the executing unit's seat (a "
             "regional government at its capital, ministries in Lima) and do not measure "
             "the district; their totals are shown here only to say what was left out "
             "(S/).", "",
             "| year | local PIM (kept) | local devengado (kept) | regional PIM (left out) "
             "| national PIM (left out) | "
             "post-2017 municipalities added to their 2017 district | unknown codes left "
             "out (their PIM) |", "|---:|---:|---:|---:|---:|---|---|"]
    for year, b in budget.items():
        lv = b["left_out_levels_soles"]
        kept = b.get("kept_total_soles", b["local_total_soles"])
        unknown = ", ".join(f"{u['ubigeo']} ({u['pim']:,.0f})"
                            for u in b["left_out_unknown_codes"]) or "none"
        lines.append(
            f"| {year} | {kept['pim']:,.0f} | {kept['devengado']:,.0f} | "
            f"{lv.get('GOBIERNOS REGIONALES', {}).get('pim', 0):,.0f} | "
            f"{lv.get('GOBIERNO NACIONAL', {}).get('pim', 0):,.0f} | "
            f"{len(b['post2017_added_to_parent'])} | {unknown} |")
    return lines


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
