"""The presets: FONIE, MIDIS chronic malnutrition (DCI) and child anaemia, as policy text.

Each preset is the fields of a :class:`~geoprio.engine.scenario.Scenario` (weights, rule,
list size, sources, caveats) with the reasons for each choice in its docstring: what the law
or MIDIS's guidelines say, and what geoprio chose where they are silent. Data, not class code:
:meth:`Scenario.preset` builds the scenario from these fields, and a new preset is a new
function here and a line in :data:`PRESET_FIELDS` and :data:`PRESET_TITLES`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PRESET_FIELDS", "PRESET_TITLES", "anemia", "dci", "fonie"]

#: how each preset reads in a document and on screen: id -> (Spanish, English)
PRESET_TITLES: dict[str, tuple[str, str]] = {
    "fonie": ("FONIE (servicios básicos)", "FONIE (basic services)"),
    "dci": ("MIDIS desnutrición crónica", "MIDIS chronic malnutrition"),
    "anemia": ("Anemia (6 a 35 meses)", "Anemia (6-35 months)"),
}
_FONIE_SOURCES = [
    "Ley 29951, art. 23 (FONIE)",
    "DS 004-2013-MIDIS, Reglamento del FONIE",
    "INEI, Mapa de pobreza monetaria provincial y distrital 2018",
    "INEI, Censos Nacionales 2017 (XII de Población, VII de Vivienda): servicios del hogar",
    "INEI, Censos 2017, hogares rurales sin teléfono celular (FIDT 2024, MEF; vía "
    "CarloEduardo/FIDT_2024)",
]


def fonie() -> dict[str, Any]:
    """FONIE preset: every eligible district (poverty quintile I–II, VRAEM or border), by score.

    Source: Ley 29951 art. 23 and its reglamento DS 004-2013-MIDIS. FONIE finances water
    and sanitation, electrification, telecommunications and rural roads, "de preferencia
    en forma simultánea", in districts of poverty quintiles I and II with more than 50% of
    households "en proceso de inclusión", and in the VRAEM, Alto Huallaga and border zones.
    The law makes VRAEM, Alto Huallaga and border districts eligible in their own right.

    Choices made here (stated in the scenario's caveats):

    - **the list is every eligible district, ordered by score**: cutting it by score (e.g.
      to the 644 districts MIDIS reported as focalised in 2015) would drop border and VRAEM
      districts that the law names. A planner narrows it with a budget or a top N;
    - quintiles are cut on ``poverty_2018`` by **number of districts** (each quintile holds
      a fifth of the districts with a poverty figure; quintile I = poorest): quintiles I–II
      then hold 751 districts, and with VRAEM and border 800, of the order of MIDIS's 644.
      Cut by population (``quintiles="population"``, equal fifths of ``pop_2017``), the
      poorest two fifths of Peruvians live in 1,449 districts (1,465 with VRAEM and
      border): most of the country, because poor districts are small, and far from the 644
      districts MIDIS reported. The preset therefore cuts by districts; the norm a
      programme applies decides, and a planner can switch;
    - quintiles are recomputed from ``poverty_2018`` (never read from the input) and, in
      the Monte Carlo, cut again in every draw: a district whose INEI interval straddles
      the cut has a ``p_eligible`` between 0 and 1;
    - the ">50% de hogares en proceso de inclusión" criterion is **not** applied: the
      shipped data lack it; a user can upload it as an indicator and add
      ``and hogares_inclusion > 50`` to the rule;
    - Alto Huallaga is not applied (no district list shipped);
    - scored on FONIE's sectors with district data (census 2017): households without public
      water, without sewer, without electricity, and rural households without a mobile phone
      (the telecommunications gap; household internet, used before, is missing in 99.5% of
      rural households in the median district and barely tells districts apart), plus
      poverty 2018, equal weights. **Rural roads**, FONIE's fifth sector, have no district
      data in the sources: say so, and upload it as an indicator where you have it.
    """
    return dict(
        name="fonie",
        description=(
            "FONIE (Ley 29951 art. 23; DS 004-2013-MIDIS): elegibles los distritos de los "
            "quintiles I y II de pobreza 2018 (quintiles por número de distritos), o del "
            "VRAEM, o de frontera; la lista son todos los elegibles, ordenados por puntaje "
            "(brechas de agua, desagüe y electricidad de los hogares, hogares rurales sin "
            "teléfono celular, del censo 2017, y pobreza 2018, pesos iguales): acótela con un "
            "presupuesto o un número de distritos. No hay datos distritales de caminos "
            "rurales. El "
            "criterio 'más de 50% de hogares en proceso de inclusión' NO se aplica: falta "
            "en los datos; puede subirse como indicador y añadirse a la regla."
        ),
        weights={  # equal weights, written as shares of the score (the sliders' percents)
            "no_water_2017": 0.2,
            "no_sewer_2017": 0.2,
            "no_electricity_2017": 0.2,
            "rural_no_mobile_2017": 0.2,
            "poverty_2018": 0.2,
        },
        rule="poverty_quintile_2018 <= 2 or vraem or border",
        need="poor_people",
        sources=list(_FONIE_SOURCES),
        caveats=[
            "La lista son todos los distritos elegibles, ordenados por puntaje: la ley hace "
            "elegibles por sí mismos a los distritos del VRAEM, Alto Huallaga y frontera, y "
            "un corte por puntaje los dejaría fuera. Acote la lista con un presupuesto o un "
            "número de distritos.",
            "El criterio de más de 50% de hogares en proceso de inclusión (DS 004-2013-MIDIS) "
            "requiere datos que no se distribuyen con geoprio: súbalo como indicador (CSV/XLSX "
            "por ubigeo) y añada 'and <id> > 50' a la regla.",
            "Quintiles de pobreza 2018 por número de distritos (quintil I = más pobre; "
            "quintiles I y II: 751 distritos). Por población (quintiles = 'population') los "
            "dos quintiles más pobres abarcan 1 449 distritos.",
            "Los quintiles se recalculan en cada simulación con la pobreza sorteada en el "
            "intervalo de INEI: la probabilidad de ser elegible (p_eligible) lo refleja.",
            "El ámbito Alto Huallaga no se aplica: no se encontró la lista oficial de distritos.",
            "La lista VRAEM es una transcripción no oficial (verificar con DS 040-2016-PCM y "
            "DS 102-2018-PCM).",
            "MIDIS reportó 644 distritos focalizados en 2015; no se encontró la lista oficial.",
            "Brecha de telecomunicaciones: hogares rurales sin teléfono celular (censo 2017, "
            "derivado por un tercero para el MEF); sin dato donde no hay población rural.",
            "Caminos rurales: sin datos distritales en las fuentes; súbalos como indicador si "
            "los tiene.",
        ],
    )


_SIEN_2022 = ("INS/CENAN, Indicadores nutricionales en niños menores de 3 y 5 años, SIEN-HIS "
              "enero-diciembre 2022 (tasas suavizadas por Bayes empírico, geoprio)")


def dci() -> dict[str, Any]:
    """MIDIS chronic child malnutrition (DCI) preset.

    Source: MIDIS (2012), "Lineamientos para la gestión articulada intersectorial e
    intergubernamental orientada a reducir la desnutrición crónica infantil": districts
    prioritised by stunting and poverty; effective interventions include home water and
    sanitation. Weights (a choice of geoprio, stated): stunting 0.30, anemia 0.20,
    poverty 0.20, no public water 0.15, no public sewer 0.15.

    Stunting is the **Fay–Herriot small-area estimate** from the SIEN-HIS 2022 counts
    (``stunting_u5_2022_fh``; :mod:`geoprio.spatial.smallarea`, methodology 3.13–3.14): a
    district where a handful of children were measured is pulled towards districts like it
    (census, poverty, altitude), not towards the national rate, and the 35 districts with no
    child measured get an estimate with its wide interval, so every district is ranked (the
    rule ``stunting_u5_2022_fh >= 0`` keeps only a table without the estimate, e.g. another
    year's, from ranking a district on the other indicators alone). The
    Monte Carlo draws each district from its predictive distribution. Anemia is the SIEN-HIS
    2022 rate smoothed by Empirical Bayes (``anemia_6_35m_2022_eb``: Fay–Herriot did not beat
    it there), drawn from its posterior; a missing anemia figure is re-weighted over the other
    four. The list is the top 375 (a fifth of the districts, a convention of this tool). The
    budget need is ``stunted_children`` (under-5s × the Fay–Herriot estimate on ENDES's
    scale). ``docs/cambios-presets-2022.md`` lists who entered and left the list when
    stunting moved from Empirical Bayes to Fay–Herriot.
    """
    return dict(
        name="dci",
        description=(
            "Desnutrición crónica infantil (MIDIS, Lineamientos 2012): desnutrición crónica "
            "< 5 años 0.30 (SIEN-HIS 2022, estimación Fay–Herriot en áreas pequeñas) y anemia "
            "6-35 meses 0.20 (SIEN-HIS 2022, tasa suavizada por Bayes empírico), pobreza "
            "2018 0.20, hogares sin agua de red 0.15 y sin desagüe 0.15 (censo 2017). Lista: "
            "los 375 primeros (un quinto de los distritos, convención de geoprio)."
        ),
        weights={
            "stunting_u5_2022_fh": 0.30,
            "anemia_6_35m_2022_eb": 0.20,
            "poverty_2018": 0.20,
            "no_water_2017": 0.15,
            "no_sewer_2017": 0.15,
        },
        rule="stunting_u5_2022_fh >= 0",
        top_n=375,
        need="stunted_children",
        beneficiary_column="under5_2020",
        sources=[
            "MIDIS (2012), Lineamientos para la gestión articulada intersectorial e "
            "intergubernamental orientada a reducir la desnutrición crónica infantil",
            _SIEN_2022,
            "INEI, Mapa de pobreza monetaria provincial y distrital 2018",
            "INEI, Censos Nacionales 2017: servicios del hogar",
        ],
        caveats=[
            "La desnutrición y la anemia distritales vienen del SIEN-HIS (niños atendidos en "
            "establecimientos del MINSA), no de la ENDES: no son prevalencias poblacionales.",
            "Desnutrición 2022 estimada por Fay–Herriot: donde se midió a pocos niños la "
            "estimación se acerca a la de distritos parecidos (censo, pobreza, altitud), y la "
            "simulación la sortea en su intervalo. Los 35 distritos sin niños medidos tienen "
            "solo esa estimación, con un intervalo ancho.",
            "Anemia 2022 suavizada por Bayes empírico: donde se midió a pocos niños la tasa "
            "se acerca a la nacional.",
            "Los pesos son una elección de geoprio, no una norma: ajústelos.",
            "Anemia 2022 faltante (37 distritos): su peso se redistribuye entre los otros "
            "cuatro indicadores.",
            "Los niños con desnutrición que alcanza la lista (la necesidad del presupuesto) "
            "usan la estimación Fay–Herriot ajustada a la ENDES 2022 por departamento: un "
            "número de niños que viven allí, en escala poblacional.",
        ],
    )


def anemia() -> dict[str, Any]:
    """Child anemia (6–35 months) preset.

    Anemia 6–35 months (SIEN-HIS 2022, smoothed by Empirical Bayes) weighs 0.5; companions
    that act on its causes weigh the rest: poverty 2018 0.2 (diet and access to iron-rich
    food), no public water 0.15 and no public sewer 0.15 (infections and parasites that
    reduce iron absorption). A choice of geoprio, stated. Districts without an anemia figure
    (no child 6–35 months measured in 2022) are excluded and listed (``missing="exclude"``),
    not ranked on the companions alone. SIEN-HIS anemia runs far below ENDES (29.6% against
    42.4% nationally in 2022). The budget need is ``anemic_children``.
    """
    return dict(
        name="anemia",
        description=(
            "Anemia en niños de 6 a 35 meses (SIEN-HIS 2022, tasa suavizada por Bayes "
            "empírico) 0.5, con pobreza 2018 0.2 y hogares sin agua de red 0.15 y sin desagüe "
            "0.15 (censo 2017) como factores asociados. Distritos sin dato de anemia: "
            "excluidos y listados. Lista: los 375 primeros (convención de geoprio)."
        ),
        weights={
            "anemia_6_35m_2022_eb": 0.5,
            "poverty_2018": 0.2,
            "no_water_2017": 0.15,
            "no_sewer_2017": 0.15,
        },
        missing="exclude",
        top_n=375,
        need="anemic_children",
        beneficiary_column="children_6_35m_2020",
        sources=[
            _SIEN_2022,
            "INEI, Mapa de pobreza monetaria provincial y distrital 2018",
            "INEI, Censos Nacionales 2017: servicios del hogar",
        ],
        caveats=[
            "La anemia distrital viene del SIEN-HIS (niños atendidos en el MINSA), no de la "
            "ENDES, y es bastante menor que la de la ENDES (29,6% frente a 42,4% en 2022).",
            "Tasa 2022 suavizada por Bayes empírico; la simulación la sortea en su intervalo.",
            "Los pesos de los factores asociados son una elección de geoprio: ajústelos.",
        ],
    )



#: preset id -> the function that gives its fields
PRESET_FIELDS = {"fonie": fonie, "dci": dci, "anemia": anemia}
