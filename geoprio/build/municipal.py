"""Municipal budgets per district: MEF SIAF spending of the local governments, 2021–2025.

``mef_gasto_distrito/por-distrito-{year}.json`` aggregate MEF's open data "Presupuesto y
ejecución de gasto" by the district of the *executing unit* and level of government. Only the
``GOBIERNOS LOCALES`` rows measure a district: they are its municipality's own budget.
Regional-government and national-government rows sit
at the seat of the executing unit (a regional government at its capital, a ministry in Lima)
and say nothing about the district where the money is spent: they are left out. The provincial
municipality also governs its capital district ("cercado") and is located there, so a capital
district's figures include province-wide spending and look richer per person.

Municipalities of districts created after 2017 are added to the 2017 district holding most of
their area (the boundaries' crosswalk) and reported; a code neither in the 2017 set nor in the
crosswalk is left out and reported. Per capita figures divide by the MINSA/INEI 2020 population
(the only one by district); 2024 is not in the sources.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.errors import DataBuildError
from geoprio.readers.codes import normalize_ubigeo

__all__ = ["BUDGET_CATALOG", "BUDGET_COLUMNS", "BUDGET_YEARS", "LATEST_CLOSED_YEAR",
           "read_municipal_budgets"]

log = logging.getLogger(__name__)

BUDGET_DIR = "mef_gasto_distrito"
BUDGET_YEARS = (2021, 2022, 2023, 2025)
#: the latest year whose accounts are certainly closed in the sources; the 2025 file's cut-off
#: date is not recorded in it
LATEST_CLOSED_YEAR = 2023
LOCAL = "GOBIERNOS LOCALES"

MEF = ("MEF, Datos abiertos 'Presupuesto y ejecución de gasto' (SIAF), gobiernos locales, "
       "agregado por unimauro/qhaway-dashboard")
MEF_CAVEAT = (
    "Solo filas GOBIERNOS LOCALES (municipalidades), ubicadas por la unidad ejecutora: la "
    "municipalidad provincial gobierna también el distrito capital y se cuenta en él, con su "
    "gasto de alcance provincial (los distritos capitales parecen más ricos por habitante; Lima "
    "Metropolitana en 150101). Las municipalidades de "
    "distritos creados después de 2017 se suman a su distrito de 2017. Per cápita con la "
    "población 2020 (MINSA/INEI). / Local governments only, by executing unit; the capital "
    "district carries the provincial municipality too."
)
Y = LATEST_CLOSED_YEAR

BUDGET_CATALOG: list[tuple] = [
    (f"municipal_pim_{Y}", f"Presupuesto municipal (PIM) {Y}", f"Municipal budget (PIM) {Y}",
     "soles", Y, MEF, None, "count", "sum",
     "Presupuesto institucional modificado de las municipalidades del distrito.", MEF_CAVEAT),
    (f"municipal_spent_{Y}", f"Gasto municipal ejecutado (devengado) {Y}",
     f"Municipal spending executed (devengado) {Y}", "soles", Y, MEF, None, "count", "sum",
     "Gasto devengado de las municipalidades del distrito.", MEF_CAVEAT),
    (f"municipal_pim_pc_{Y}", f"Presupuesto municipal por habitante {Y}",
     f"Municipal budget per person {Y}", "soles por persona", Y, MEF, False, "indicator",
     "wmean:pop_2020", f"municipal_pim_{Y} / pop_2020.",
     "Menor = presupuesto propio más delgado. " + MEF_CAVEAT),
    (f"municipal_spent_pc_{Y}", f"Gasto municipal ejecutado por habitante {Y}",
     f"Municipal spending per person {Y}", "soles por persona", Y, MEF, False, "indicator",
     "wmean:pop_2020", f"municipal_spent_{Y} / pop_2020.",
     "Menor = menos gasto municipal por persona. " + MEF_CAVEAT),
    (f"municipal_execution_{Y}", f"Ejecución del presupuesto municipal {Y}",
     f"Municipal budget execution {Y}", "%", Y, MEF, False, "indicator",
     f"wmean:municipal_pim_{Y}", f"100 × municipal_spent_{Y} / municipal_pim_{Y}.",
     "Una ejecución baja señala capacidad de gasto débil, no necesariamente necesidad. "
     + MEF_CAVEAT),
]
BUDGET_COLUMNS: tuple[str, ...] = tuple(row[0] for row in BUDGET_CATALOG)
LONG_COLUMNS = ("ubigeo", "year", "municipalities", "pim", "devengado", "pim_per_capita",
                "devengado_per_capita", "execution_pct")


def read_year(path: Path) -> pd.DataFrame:
    """One year's rows, checked: ubigeo as text, amounts as non-negative numbers."""
    with open(path, encoding="utf-8") as fh:
        t = pd.DataFrame(json.load(fh))
    need = ["ubigeo", "nivel", "pim", "devengado"]
    if missing := [c for c in need if c not in t.columns]:
        raise DataBuildError(f"{path}: expected fields {missing} not found")
    t["ubigeo"] = normalize_ubigeo(t["ubigeo"])
    for col in ("pim", "devengado"):
        t[col] = pd.to_numeric(t[col], errors="raise").astype(float)
        if (t[col] < 0).any() or t[col].isna().any():
            raise DataBuildError(f"{path}: {col} has negative or missing amounts")
    if t["ubigeo"].isna().any():
        raise DataBuildError(f"{path}: rows without a valid ubigeo")
    return t


def read_municipal_budgets(folder: Path, base: pd.DataFrame, parent: dict[str, str],
                           report: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long table (district × year) and the districts' columns of :data:`LATEST_CLOSED_YEAR`.

    ``base`` has ``ubigeo`` and ``pop_2020``; ``parent`` maps post-2017 codes to 2017 districts.
    """
    valid = set(base["ubigeo"])
    frames = []
    for year in BUDGET_YEARS:
        frame, report[str(year)] = _budget_year(folder / f"por-distrito-{year}.json", year,
                                                valid, parent)
        frames.append(frame)
    long = _long_table(pd.concat(frames, ignore_index=True),
                       base.set_index("ubigeo")["pop_2020"])
    last = long[long["year"] == LATEST_CLOSED_YEAR].set_index("ubigeo")
    wide = pd.DataFrame({
        "ubigeo": last.index,
        f"municipal_pim_{Y}": last["pim"].to_numpy(),
        f"municipal_spent_{Y}": last["devengado"].to_numpy(),
        f"municipal_pim_pc_{Y}": last["pim_per_capita"].to_numpy(),
        f"municipal_spent_pc_{Y}": last["devengado_per_capita"].to_numpy(),
        f"municipal_execution_{Y}": last["execution_pct"].to_numpy(),
    })
    if np.isnan(wide[f"municipal_pim_{Y}"].to_numpy(dtype=float)).any():
        log.warning("municipal budgets: districts without a local-government row in %d", Y)
    return long, wide


def _budget_year(path: Path, year: int, valid: set[str], parent: dict[str, str]
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One year's local-government amounts per 2017 district (post-2017 municipalities added
    to their district, unknown codes left out), and the year's report."""
    t = read_year(path)
    levels = t.groupby("nivel")[["pim", "devengado"]].sum()
    local = t[t["nivel"] == LOCAL].copy()
    file_total = {"pim": round(float(local["pim"].sum()), 2),
                  "devengado": round(float(local["devengado"].sum()), 2)}
    if local["ubigeo"].duplicated().any():
        raise DataBuildError(f"{path}: more than one {LOCAL} row for a ubigeo")
    moved = local["ubigeo"].map(lambda c: parent.get(c) if c not in valid else c)
    dropped = local[moved.isna()]
    local["ubigeo_2017"] = moved
    local = local.dropna(subset=["ubigeo_2017"])
    g = local.groupby("ubigeo_2017").agg(municipalities=("ubigeo", "size"),
                                         pim=("pim", "sum"), devengado=("devengado", "sum"))
    g = g.reindex(sorted(valid))
    g.index.name = "ubigeo"
    g["year"] = year
    return g.reset_index(), {
        "rows": len(t),
        "rows_by_level": {k: int(v) for k, v in t["nivel"].value_counts().sort_index()
                          .items()},
        "left_out_levels_soles": {
            k: {"pim": round(float(r.pim), 2), "devengado": round(float(r.devengado), 2)}
            for k, r in levels.iterrows() if k != LOCAL},
        "local_total_soles": file_total,
        "kept_total_soles": {"pim": round(float(local["pim"].sum()), 2),
                             "devengado": round(float(local["devengado"].sum()), 2)},
        "post2017_added_to_parent": {c: parent[c] for c in sorted(local["ubigeo"])
                                     if c not in valid},
        "left_out_unknown_codes": [
            {"ubigeo": r.ubigeo, "pim": r.pim, "devengado": r.devengado}
            for r in dropped.itertuples()],
        "districts_without_local_row": sorted(set(valid) - set(local["ubigeo_2017"])),
    }


def _long_table(long: pd.DataFrame, pop: pd.Series) -> pd.DataFrame:
    """District × year with amounts per person and execution, rounded, in column order."""
    p = long["ubigeo"].map(pop)
    long["pim_per_capita"] = (long["pim"] / p).where(p > 0)
    long["devengado_per_capita"] = (long["devengado"] / p).where(p > 0)
    long["execution_pct"] = (100 * long["devengado"] / long["pim"]).where(long["pim"] > 0)
    long["municipalities"] = long["municipalities"].astype("Int64")
    long = long[list(LONG_COLUMNS)].sort_values(["ubigeo", "year"]).reset_index(drop=True)
    for col in ("pim", "devengado"):
        long[col] = long[col].round(2)
    for col in ("pim_per_capita", "devengado_per_capita", "execution_pct"):
        long[col] = long[col].round(4)
    return long
