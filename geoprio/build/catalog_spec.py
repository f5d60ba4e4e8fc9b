"""The indicator catalog: what each column of ``districts.csv`` means and where it comes from.

Written by the build to ``data/indicators/catalog.csv``. ``aggregate`` tells
:func:`geoprio.load_districts` how to roll a district column up to provinces and
departments: ``sum``, ``any``, ``max``, ``none`` (not aggregated) or ``wmean:<weight column>``
(a weighted mean, weights from that column).
"""

from __future__ import annotations

import re

import pandas as pd

CEPLAN = "CEPLAN, Matriz de indicadores 2007-2019 (12 jun 2020)"
SIEN = CEPLAN + "; MINSA SIEN/HIS"
REUNIS = "MINSA REUNIS, población estimada 2020 (INEI)"
POVERTY = "INEI, Mapa de pobreza monetaria provincial y distrital 2018"
CENSUS = "INEI, Censos Nacionales 2017 (REDATAM)"
UBIGEO = "ubigeo-peru-aumentado (INEI, MIDIS/PMA)"
CENSUS_WEIGHT = "wmean:pop_2017"

SIEN_CAVEAT = (
    "SIEN: niños atendidos en establecimientos del MINSA, no una encuesta; (SD) sin datos y "
    "(****) menos de 5 registros quedan como faltantes. / SIEN counts children seen at MINSA "
    "facilities, not a survey; (SD) and (****) are missing."
)

# id, label_es, label_en, unit, year, source, higher_is_worse, kind, aggregate,
# description, caveats
CATALOG: list[tuple] = [
    ("pop_2017", "Población 2017", "Population 2017", "personas", 2017, CEPLAN + " (censo 2017)",
     None, "count", "sum", "Población censada 2017.", ""),
    ("pop_2020", "Población 2020", "Population 2020", "personas", 2020, REUNIS, None, "count",
     "sum", "Población estimada al 2020 por INEI, publicada por MINSA.", "Estimación, no censo."),
    ("under5_2020", "Niños menores de 5 años 2020", "Children under 5, 2020", "niños", 2020,
     REUNIS, None, "count", "sum", "Suma de edades simples 0 a 4.", "Estimación."),
    ("under3_2020", "Niños menores de 3 años 2020", "Children under 3, 2020", "niños", 2020,
     REUNIS, None, "count", "sum", "Suma de edades simples 0 a 2.", "Estimación."),
    ("children_6_35m_2020", "Niños de 6 a 35 meses 2020", "Children 6-35 months, 2020", "niños",
     2020, REUNIS, None, "count", "sum", "6-11 meses más edades 1 y 2.", "Estimación."),
    ("stunting_u5_2019", "Desnutrición crónica en menores de 5 años", "Stunting, children under 5",
     "%", 2019, SIEN, True, "indicator", "wmean:under5_2020",
     "Porcentaje de niños menores de 5 años con talla baja para la edad (patrón OMS).",
     SIEN_CAVEAT),
    ("anemia_6_35m_2019", "Anemia en niños de 6 a 35 meses", "Anemia, children 6-35 months", "%",
     2019, SIEN, True, "indicator", "wmean:children_6_35m_2020",
     "Porcentaje de niños de 6 a 35 meses con hemoglobina baja.", SIEN_CAVEAT),
    ("poverty_2018", "Pobreza monetaria 2018", "Monetary poverty 2018", "%", 2018, POVERTY, True,
     "indicator", "wmean:pop_2020",
     "Punto medio del intervalo de confianza al 95% de INEI.",
     "Estimación en áreas pequeñas con intervalo de confianza: INEI ordena por grupos robustos; "
     "distritos 'agrupados' comparten un solo valor. / Small-area estimate with a 95% interval."),
    ("poverty_2018_lo", "Pobreza 2018, límite inferior IC 95%", "Poverty 2018, 95% CI lower", "%",
     2018, POVERTY, True, "bound", "none", "Límite inferior del intervalo al 95%.",
     "No se agrega a provincias: un intervalo no se promedia."),
    ("poverty_2018_hi", "Pobreza 2018, límite superior IC 95%", "Poverty 2018, 95% CI upper", "%",
     2018, POVERTY, True, "bound", "none", "Límite superior del intervalo al 95%.",
     "No se agrega a provincias: un intervalo no se promedia."),
    ("poverty_group_2018", "Grupo robusto de pobreza (INEI)", "INEI robust poverty group",
     "grupo", 2018, POVERTY, False, "group", "none",
     "Grupo robusto nacional de INEI: 1 = el más pobre; distritos de un mismo grupo no se "
     "distinguen estadísticamente.", "Orden, no magnitud: no usar como puntaje continuo."),
    ("poverty_joint_2018", "Estimación conjunta de pobreza (INEI)",
     "INEI joint poverty estimate", "grupo", 2018, POVERTY, None, "group", "none",
     "Código del grupo de distritos que INEI estimó en conjunto (columna 'agrupados'): "
     "comparten una sola estimación y un solo intervalo; vacío si se estimó solo.",
     "476 distritos en 197 grupos. La simulación de rangos sortea un valor por grupo, no uno "
     "por distrito. / Districts of a group share one estimate: drawn once per group."),
    ("extreme_poverty_2013", "Pobreza extrema 2013", "Extreme poverty 2013", "%", 2013, CEPLAN +
     " (INEI, mapa de pobreza 2013)", True, "indicator", "wmean:pop_2017",
     "Porcentaje de la población en pobreza extrema, mapa de pobreza 2013.",
     "Dato de 2013: anterior a los demás indicadores."),
    ("hdi_2019", "Índice de Desarrollo Humano 2019", "Human Development Index 2019", "índice 0-1",
     2019, CEPLAN + " (PNUD Perú)", False, "indicator", "wmean:pop_2020",
     "IDH distrital del PNUD Perú (esperanza de vida, educación, ingreso).",
     "Mayor es mejor."),
    ("food_vulnerability", "Índice de vulnerabilidad a la inseguridad alimentaria",
     "Food-insecurity vulnerability index", "índice 0-1", 2018, UBIGEO + "; MIDIS/PMA (IVIA)",
     True, "indicator", "wmean:pop_2020",
     "Índice de vulnerabilidad a la inseguridad alimentaria (IVIA) de MIDIS y PMA.",
     "Año de referencia según la fuente secundaria; verificar con MIDIS."),
    ("no_water_2017", "Hogares sin agua de red pública", "Households without public water",
     "%", 2017, CENSUS, True, "indicator", CENSUS_WEIGHT,
     "100 menos el % de hogares con agua de red pública (dentro o fuera de la vivienda).",
     "Censo 2017 extraído de REDATAM por un tercero; diez distritos muestran 0% de cobertura "
     "(100% sin agua): revisar. Promedio provincial ponderado por población, no por hogares."),
    ("no_sewer_2017", "Hogares sin desagüe a red pública", "Households without public sewer",
     "%", 2017, CENSUS, True, "indicator", CENSUS_WEIGHT,
     "100 menos el % de hogares con desagüe a red pública.",
     "Censo 2017; promedio provincial ponderado por población, no por hogares."),
    ("no_electricity_2017", "Hogares sin electricidad", "Households without electricity", "%",
     2017, CENSUS, True, "indicator", CENSUS_WEIGHT,
     "100 menos el % de hogares con alumbrado eléctrico por red pública.",
     "Censo 2017; promedio provincial ponderado por población, no por hogares."),
    ("no_internet_2017", "Hogares sin internet", "Households without internet", "%", 2017,
     CENSUS, True, "indicator", CENSUS_WEIGHT,
     "100 menos el % de hogares con acceso a internet.",
     "Censo 2017: telecomunicaciones aproximadas por internet en el hogar."),
    ("altitude_m", "Altitud de la capital", "Altitude of the capital", "m s. n. m.", None, UBIGEO,
     None, "context", "wmean:pop_2020", "Altitud de la capital distrital.", ""),
    ("area_km2", "Superficie", "Area", "km²", 2017, "Límites distritales (innovar/GEO GPS PERÚ)",
     None, "context", "sum", "Área calculada sobre el polígono completo (Albers equivalente).",
     "Puede diferir de la superficie legal."),
    ("border", "Distrito de frontera", "Border district", "sí/no", 2019, CEPLAN, True, "flag",
     "any", "Distrito con país fronterizo según CEPLAN.", ""),
    ("vraem", "Distrito del VRAEM", "VRAEM district", "sí/no", None,
     "Ámbito VRAEM transcrito de PhillypsB/AM (no oficial)", True, "flag", "any",
     "Distrito del ámbito de intervención directa del VRAEM.",
     "Lista no oficial; verificar con DS 040-2016-PCM / DS 102-2018-PCM. Distritos creados "
     "después de 2017 se asignan a su distrito de 2017."),
]

#: kinds whose labels must say their year (a 2019 rate beside a 2022 one must not read as current)
DATED_KINDS = ("indicator", "count")


def with_year(label: str, year: object, lang: str) -> str:
    """``label`` with its year at the end, unless it already names a year.

    Examples
    --------
    >>> with_year("Hogares sin agua de red pública", 2017, "es")
    'Hogares sin agua de red pública 2017'
    >>> with_year("Stunting, children under 5", 2019, "en")
    'Stunting, children under 5, 2019'
    >>> with_year("Anemia 2022 (suavizada)", 2022, "es"), with_year("Altitud", None, "es")
    ('Anemia 2022 (suavizada)', 'Altitud')
    """
    if year is None or pd.isna(year) or re.search(r"(?<!\d)(19|20)\d\d(?!\d)", label):
        return label
    sep = ", " if lang == "en" and "," in label else " "
    return f"{label}{sep}{int(year)}"


def dated(catalog: pd.DataFrame) -> pd.DataFrame:
    """The catalog with every indicator's and count's label carrying its year (es and en)."""
    out = catalog.copy()
    rows = out["kind"].isin(DATED_KINDS)
    for col, lang in (("label_es", "es"), ("label_en", "en")):
        out.loc[rows, col] = [with_year(lab, y, lang) for lab, y in
                              zip(out.loc[rows, col], out.loc[rows, "year"], strict=True)]
    return out


COLUMNS = ["id", "label_es", "label_en", "unit", "year", "source", "higher_is_worse", "kind",
           "aggregate", "description", "caveats"]
