"""Census 2017 beyond services: shares derived for MEF's FIDT 2024 from INEI tables and microdata.

``censo2017_fidt2024/*.dta`` (Stata) hold district shares (0–1) computed by a consultant for
MEF's FIDT 2024 indicators from INEI census 2017 tables sent to MEF (Oficio 000319-2024-INEI/JEF)
and census microdata; the numerators were not kept. geoprio ships them as percentages (0–100),
like the other census columns, and mean years of schooling as years.

Rural-household shares (no mobile phone, fixed phone, internet, electricity) describe rural
households only: where a district has no rural population they are missing. The electricity
file writes 0 there instead (a made-up zero): geoprio turns it into missing and reports it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.errors import DataBuildError
from geoprio.readers.codes import normalize_ubigeo

__all__ = ["CENSUS_CATALOG", "CENSUS_COLUMNS", "FIDT_DIR", "read_census_fidt"]

log = logging.getLogger(__name__)

FIDT_DIR = "censo2017_fidt2024"
#: file -> {source column: shipped column}
FILES = {
    "electrificacion_rural.dta": {"P_Población_rural": "rural_share_2017",
                                  "P_Sin_electricidad_rural": "rural_no_electricity_2017"},
    "educacion.dta": {"P_Analfabeta": "illiteracy_2017", "Schooling": "schooling_years_2017",
                      "Nivel_secundaria_más_17": "secondary_17plus_2017"},
    "salud_basica.dta": {"P_Sin_seguro": "no_health_insurance_2017"},
    "telecomunicacion_rural.dta": {"P_Sin_teléfono_celular_rural": "rural_no_mobile_2017",
                                   "P_Sin_teléfono_fijo_rural": "rural_no_landline_2017",
                                   "P_Sin_conexión_internet_rural": "rural_no_internet_2017"},
}
NOT_PERCENT = {"schooling_years_2017"}
RURAL_ONLY = ("rural_no_electricity_2017", "rural_no_mobile_2017", "rural_no_landline_2017",
              "rural_no_internet_2017")

FIDT = ("INEI, Censos Nacionales 2017 (cuadros enviados al MEF, Oficio 000319-2024-INEI/JEF, y "
        "microdatos), procesado para los indicadores FIDT 2024 del MEF (CarloEduardo/FIDT_2024)")
FIDT_CAVEAT = (
    "Proporción calculada por un tercero (consultor del MEF, FIDT 2024) a partir de cuadros y "
    "microdatos del censo 2017 de INEI; sin numeradores; algunos distritos pequeños tienen "
    "valores redondeados. geoprio la publica en % (0-100); la fuente trae 0-1. / Share derived "
    "by a third party for MEF from INEI census tables and microdata; shipped as 0-100."
)
RURAL_CAVEAT = (" Solo hogares rurales del distrito: vacío si el distrito no tiene población "
                "rural. / Rural households only; empty where the district has no rural people.")
RURAL_WEIGHT = "wmean:rural_pop_2017"

CENSUS_CATALOG: list[tuple] = [
    ("rural_share_2017", "Población rural", "Rural population share", "%", 2017, FIDT, True,
     "indicator", "wmean:pop_2017", "Porcentaje de la población censada que vive en área "
     "rural (definición censal de INEI).",
     "Más rural = más peso en FONIE, que atiende zonas rurales; no es una carencia en sí. "
     + FIDT_CAVEAT),
    ("rural_pop_2017", "Población rural 2017 (estimada)", "Rural population 2017 (estimated)",
     "personas", 2017, "geoprio: pop_2017 × rural_share_2017", None, "count", "sum",
     "pop_2017 × rural_share_2017 / 100, redondeado: peso de los indicadores de hogares rurales.",
     "pop_2017 (CEPLAN) incluye la población omitida estimada por INEI; la proporción rural es "
     "de la población censada. Una aproximación para ponderar, no una cifra publicada."),
    ("illiteracy_2017", "Analfabetismo", "Illiteracy", "%", 2017, FIDT, True, "indicator",
     "wmean:pop_2017", "Porcentaje de la población que no sabe leer ni escribir.",
     "El consultor no documenta la edad de referencia (INEI publica 15 años y más). "
     + FIDT_CAVEAT),
    ("no_health_insurance_2017", "Población sin seguro de salud", "No health insurance", "%",
     2017, FIDT, True, "indicator", "wmean:pop_2017",
     "Porcentaje de la población sin ningún seguro de salud (SIS, EsSalud, privado u otro).",
     FIDT_CAVEAT),
    ("schooling_years_2017", "Años promedio de estudio (17 años y más)",
     "Mean years of schooling (age 17+)", "años", 2017, FIDT, False, "indicator",
     "wmean:pop_2017", "Años de estudio promedio de la población de 17 años y más.",
     "Mayor es mejor. Promedio provincial ponderado por población total, no por población de 17 "
     "años y más. Valor en años, no en %. " + FIDT_CAVEAT),
    ("secondary_17plus_2017", "Población de 17 años y más con nivel secundario",
     "Population aged 17+ with secondary education", "%", 2017, FIDT, False, "indicator",
     "wmean:pop_2017", "Porcentaje de la población de 17 años y más cuyo nivel educativo "
     "alcanzado es secundaria o más (indicador FIDT 'Nivel_secundaria_más_17').",
     "Mayor es mejor. El consultor no documenta si exige secundaria completa. " + FIDT_CAVEAT),
    ("rural_no_electricity_2017", "Hogares rurales sin electricidad",
     "Rural households without electricity", "%", 2017, FIDT, True, "indicator", RURAL_WEIGHT,
     "Porcentaje de hogares rurales sin alumbrado eléctrico por red pública.",
     "La fuente escribe 0 en 68 distritos sin población rural: geoprio los deja vacíos."
     + RURAL_CAVEAT + " " + FIDT_CAVEAT),
    ("rural_no_mobile_2017", "Hogares rurales sin teléfono celular",
     "Rural households without a mobile phone", "%", 2017, FIDT, True, "indicator",
     RURAL_WEIGHT, "Porcentaje de hogares rurales sin teléfono celular: la brecha de "
     "telecomunicaciones de FONIE con más variación entre distritos.",
     RURAL_CAVEAT.strip() + " " + FIDT_CAVEAT),
    ("rural_no_landline_2017", "Hogares rurales sin teléfono fijo",
     "Rural households without a fixed phone", "%", 2017, FIDT, True, "indicator",
     RURAL_WEIGHT, "Porcentaje de hogares rurales sin teléfono fijo.",
     "Casi todos los hogares rurales (mediana 99,6%) carecen de teléfono fijo: distingue poco "
     "entre distritos." + RURAL_CAVEAT + " " + FIDT_CAVEAT),
    ("rural_no_internet_2017", "Hogares rurales sin internet",
     "Rural households without internet", "%", 2017, FIDT, True, "indicator", RURAL_WEIGHT,
     "Porcentaje de hogares rurales sin conexión a internet.",
     "Mediana 99,5%: distingue poco entre distritos." + RURAL_CAVEAT + " " + FIDT_CAVEAT),
]
CENSUS_COLUMNS: tuple[str, ...] = tuple(row[0] for row in CENSUS_CATALOG)


def read_census_fidt(folder: Path, base: pd.DataFrame,
                     report: dict[str, Any]) -> pd.DataFrame:
    """The census columns for the districts of ``base`` (``ubigeo``, ``pop_2017``)."""
    out = base[["ubigeo", "pop_2017"]].copy()
    for name, columns in FILES.items():
        path = folder / name
        t = pd.read_stata(path)
        missing = [c for c in ("ubigeo", *columns) if c not in t.columns]
        if missing:
            raise DataBuildError(f"{path}: expected columns {missing} not found; got "
                                 f"{list(t.columns)}")
        t["ubigeo"] = normalize_ubigeo(t["ubigeo"])
        if t["ubigeo"].isna().any() or t["ubigeo"].duplicated().any():
            raise DataBuildError(f"{path}: district codes missing or duplicated")
        outside = sorted(set(t["ubigeo"]) - set(base["ubigeo"]))
        lacking = sorted(set(base["ubigeo"]) - set(t["ubigeo"]))
        values = t[["ubigeo", *columns]].rename(columns=columns)
        for col in columns.values():
            v = pd.to_numeric(values[col], errors="raise").astype(float)
            if col not in NOT_PERCENT:
                if ((v < 0) | (v > 1)).any():
                    raise DataBuildError(f"{path}: {col} has shares outside 0-1")
                v = (100 * v).round(4)
            values[col] = v.round(4)
        out = out.merge(values, on="ubigeo", how="left", validate="1:1")
        report[name] = {"rows": len(t), "codes_outside_2017_set": outside,
                        "districts_without_row": lacking}
    no_rural = out["rural_share_2017"] == 0
    zeros = no_rural & (out["rural_no_electricity_2017"] == 0)
    report["rural_no_electricity_zero_without_rural_population"] = sorted(
        out.loc[zeros, "ubigeo"])
    for col in RURAL_ONLY:
        out.loc[no_rural, col] = np.nan
    out["rural_pop_2017"] = (out["pop_2017"] * out["rural_share_2017"] / 100).round(0)
    report["rural_population_zero"] = int(no_rural.sum())
    return out[["ubigeo", *CENSUS_COLUMNS]]
