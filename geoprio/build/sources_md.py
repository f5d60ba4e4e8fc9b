"""``data/SOURCES.md``: attribution and licence of every shipped file, with measured figures."""

from __future__ import annotations

from typing import Any

TEMPLATE = """# Data sources and licences

Everything under `data/` is written by `python -m geoprio.build --sources ../shared/peru-data`
from the public sources below; no raw file is committed. The geoprio **code** is MIT-licensed;
each **data file keeps the licence of its source**, as listed here. Do not edit these files by
hand: change the build and run it again (it writes the same bytes for the same sources).

## Files shipped

| file | what | derived from | licence |
|---|---|---|---|
| `boundaries/districts.gpkg` | 1,874 district polygons (2017 census set), EPSG:4326, full geometry; `ubigeo`, names | healthinnovation/innovar `data/Peru.rda` @ 8bc48a16 (upstream GEO GPS PERÚ "Población estimada 2020 por distrito", based on INEI; 150144 merged into 150118), cleaned as a coverage (`make_valid`, `shapely.coverage_clean`, `coverage_simplify` 0.002°, max area change 0.04%) | MIT (innovar) |
| `boundaries/provinces.gpkg`, `departments.gpkg` | 196 / 25 polygons dissolved from the districts (`coverage_union_all`); names from the district table; area km² | same | MIT (innovar) |
| `boundaries/districts_display.gpkg` | light display coverage for the web map: {display} | same | MIT (innovar) |
| `indicators/districts.csv` | one row per 2017 district: population, stunting and anemia (SIEN 2019 rates; SIEN-HIS 2022 counts, rates, Empirical Bayes rates and Fay–Herriot small-area estimates with intervals), poverty (with 95% interval and INEI robust group), extreme poverty, HDI, food vulnerability, census service gaps and census 2017 education, insurance, rural share and rural telecom and electricity gaps, municipal budget 2023, altitude, area, border and VRAEM flags{points_what} | the sources below | each column keeps its source's terms (below) |
| `indicators/catalog.csv` | label (es/en), unit, year, source, direction and caveats of each indicator | written by geoprio | MIT |
| `indicators/municipal_budget.csv` | municipal budgets per district and year (2021, 2022, 2023, 2025): PIM, executed spending (devengado), per person (population 2020) and execution rate; local-government rows only | MEF open data "Presupuesto y ejecución de gasto" (SIAF), aggregated by unimauro/qhaway-dashboard `public/data/por-distrito-*.json` @ 5cbf007d | public data (MEF) |
| `indicators/departments_endes.csv` | ENDES stunting and anemia by department 2009–2025, total/urban/rural, with sample sizes | JosephOreAll/anemia-y-desnutricion-cronica-ENDES @ e5ee96cc, computed from INEI's ENDES microdata | facts (INEI ENDES) |
| `indicators/published.csv` | national and department figures as the sources publish them: SIEN-HIS 2022 department and national rows (children evaluated, cases, rates), CEPLAN's national and regional rows (population 2017, HDI 2019), INEI's national poverty 2018, rural share and uninsured share 2017 | INS/CENAN SIEN-HIS 2022 (as above); CEPLAN's matrix (as above); INEI's reports, typed (`geoprio/build/published.py`) | as each source |
| `indicators/codes.csv` | INEI, RENIEC, post-2017 and old district codes → 2017 ubigeo | jmcastagnetto/ubigeo-peru-aumentado @ a783fa66 (MIT) and the post-2017 crosswalk (area overlay, a guide, not an official table) | MIT |
| `VALIDATION.md`, `validation.json` | the build's validation report: the data beside figures published independently (typed in `geoprio/build/published.py` with their sources) | written by geoprio | MIT |

## Indicator sources

| columns | source | licence |
|---|---|---|
| `pop_2017`, `stunting_u5_2019`, `anemia_6_35m_2019`, `hdi_2019`, `extreme_poverty_2013`, `border`, `border_country` | CEPLAN, "Matriz de indicadores 2007-2019" (12 Jun 2020), sheet `Distrital`, via jmcastagnetto/misc-viz @ 815918a5. District stunting and anemia are MINSA SIEN (children measured at MINSA facilities, not a survey): `(SD)` (no children recorded) and `(****)` (fewer than 5 records) are kept **missing**, never zero. HDI: UNDP Peru. | Peruvian public data; repository MIT |
| `pop_2020`, `under5_2020`, `under3_2020`, `children_6_35m_2020` | MINSA REUNIS, population 2020 by single year of age (INEI estimates), via jmcastagnetto/misc-viz. The row coded `150144*` (Santa María de Huachipa, created after 2017 inside Lurigancho) is added to 150118 Lurigancho, as the boundaries merge it; the district rows then add up to the file's national row. | public data |
| `evaluated_u5_2022`, `stunted_u5_2022`, `stunting_u5_2022`, `evaluated_u3_2022`, `stunted_u3_2022`, `stunting_u3_2022`, `evaluated_6_35m_2022`, `anemic_6_35m_2022`, `anemia_6_35m_2022`, `stunting_u5_2022_small_n` | INS/CENAN, "Indicadores nutricionales en niños menores de 3 y 5 años", SIEN-HIS (MINSA), January–December 2022, sheets `EN 0-59m`, `EN 0-35m` and `Anemia 6-35m x DISTRITO`; district **of the health facility**; copied from CarloEduardo/FIDT_2024 (blob 763035f4, commit 047404b0, labelled 2022; later commits relabel the same values 2023: taken as 2022). A district absent from a sheet is missing, not 0. | official statistics (public information); attribute INS/CENAN; the copying repository has no licence file |
| `stunting_u5_2022_eb`, `_lo`, `_hi`, `anemia_6_35m_2022_eb`, `_lo`, `_hi` | computed by geoprio from the SIEN-HIS counts: global Empirical Bayes (Marshall 1991) and a 90% beta-binomial posterior interval (`geoprio.spatial.smoothing`) | MIT (computation); inputs as above |
| `stunting_u5_2022_fh`, `_fh_lo`, `_fh_hi`, `_fh_gamma`, `_fh_theta`, `_fh_theta_se`; `stunting_u5_2022_fh_endes`, `_fh_endes_lo`, `_fh_endes_hi` | computed by geoprio (`geoprio.spatial.smallarea`): Fay–Herriot small-area estimates (REML, arcsine scale, 90% interval) from the SIEN-HIS counts, with covariates chosen by BIC among the census 2017, poverty 2018, HDI, IVIA, altitude, population and department columns above; the `_endes` columns are ratio-benchmarked to ENDES 2022 by department (weights: under-5s 2020). The fit is in `VALIDATION.md` | MIT (computation); inputs as above |
| `stunting_u5_change_2019_2022`, `stunting_u5_2019_min_n`, `stunting_u5_2019_small_n` | computed by geoprio from CEPLAN's 2019 rates and the SIEN-HIS 2022 counts (change in points; the fewest children consistent with each published 2019 rate) | MIT (computation); inputs as above |
| `measured_per_resident_u5_2022`, `measured_above_resident_u5_2022` | computed by geoprio: `100 × evaluated_u5_2022 / under5_2020`, children under 5 measured in the district's facilities (SIEN-HIS 2022) per 100 resident under-5s (INEI 2020), and its flag above 100. SIEN-HIS counts a child where it was measured, not where it lives: above 100, the district's facilities serve its neighbours, and the stunted children counted there may exceed `stunted_children` (residents × smoothed rate) | MIT (computation); inputs as above |
| `rural_share_2017`, `illiteracy_2017`, `no_health_insurance_2017`, `schooling_years_2017`, `secondary_17plus_2017`, `rural_no_electricity_2017`, `rural_no_mobile_2017`, `rural_no_landline_2017`, `rural_no_internet_2017` | INEI census 2017 tables sent to MEF (Oficio 000319-2024-INEI/JEF) and census microdata, **processed by a third party** for MEF's FIDT 2024 indicators: CarloEduardo/FIDT_2024 @ 77e13b90 (`salud_basica`, `educacion`, `electrificacion_rural`, `telecomunicacion_rural` `.dta`). Shares 0–1 in the source, shipped as % (0–100); mean years as years. Rural-household columns are missing where a district has no rural population (the electricity file's 0 there is made up). `rural_pop_2017` = `pop_2017` × rural share (geoprio, a weight). | facts (INEI census); third-party derivation |
| `municipal_pim_2023`, `municipal_spent_2023`, `municipal_pim_pc_2023`, `municipal_spent_pc_2023`, `municipal_execution_2023` | MEF SIAF, `GOBIERNOS LOCALES` rows of `por-distrito-2023.json` (2023: the latest year certainly closed; the 2025 file does not record its cut-off date), as in `municipal_budget.csv`. **Regional and national rows are left out**: MEF places them at the executing unit's seat (a regional government at its capital, ministries in Lima), so they do not measure the district where the money is spent. Municipalities of post-2017 districts are added to their 2017 district. | public data (MEF) |
| `poverty_2018`, `poverty_2018_lo`, `poverty_2018_hi`, `poverty_group_2018`, `poverty_joint_2018` | INEI, "Mapa de pobreza monetaria provincial y distrital 2018", via calderonsamuel/perupobreza2018 @ 207e96a6. `poverty_2018` is the midpoint of INEI's 95% interval; districts INEI estimated together ("agrupados", 476 districts in 197 groups) share one value and one interval: `poverty_joint_2018` carries the group code. | MIT (perupobreza2018) |
| `no_water_2017`, `no_sewer_2017`, `no_electricity_2017`, `no_internet_2017` | INEI, Censos Nacionales 2017 (REDATAM), scraped by unimauro/qhaway-dashboard `public/data/indicadores-distrito.json` @ afeef858; stored as gaps (100 − % of households with the service). Ten districts show 0% water coverage: kept, flagged in `VALIDATION.md`. | facts (INEI census) |
| `food_vulnerability`, `altitude_m`; names with accents (checked against INEI's poverty map) | jmcastagnetto/ubigeo-peru-aumentado @ a783fa66 (food-insecurity vulnerability index: MIDIS/WFP) | MIT |
| `vraem` | VRAEM district list transcribed from PhillypsB/AM `DATOS_PNCM/fijo/ambitos_especiales.js` @ fce4fb9b: **unofficial, cites no decree**; verify against DS 040-2016-PCM / DS 102-2018-PCM. Post-2017 codes are assigned to their 2017 parent. | facts |
| `area_km2` | computed by geoprio from the full district polygons in South America Albers Equal Area (ESRI:102033) | MIT |
{points_rows}
## Not shipped (not found as redistributable public data)

District stunting other than SIEN 2019 and SIEN-HIS 2022; NBI and mother tongue by district
from the census; JUNTOS, Cuna Más and Qali Warma coverage by district; road condition by
district (FONIE's rural roads); the official FONIE list of
644 districts and the Alto Huallaga list; FONIE's "hogares en proceso de inclusión" share; any
population, night-lights or travel-time raster. geoprio does not invent them: bring them as a
CSV/XLSX (`geoprio join`, the app's Data tab) or a GeoTIFF (`geoprio zonal`).
"""


def sources_markdown(report: dict[str, Any], point_rows: str = "", points_what: str = "") -> str:
    """Render SOURCES.md with the measured display-geometry figures."""
    dg = report["display_geometry"]
    display = (f"`shapely.coverage_simplify` at {dg['tolerance_deg']}° and coordinates snapped to "
               f"{dg['grid_deg']}°; {dg['vertices_display']:,} vertices instead of "
               f"{dg['vertices_full']:,}; measured worst area change {dg['max_area_change_pct']}%"
               f" (ubigeo {dg['max_area_change_ubigeo']}), {dg['districts_over_5pct']} districts "
               f"change more than 5%. For drawing only: areas and every statistic use the full "
               f"geometry")
    return TEMPLATE.format(display=display, points_rows=point_rows, points_what=points_what)
