"""The user-facing words of the engine, the decisions and the reports, in Spanish and English.

One place for them (issue 22): the ranking's reasons (:data:`RANKING`), the district sheet
(:data:`SHEET`), the box map's classes (:data:`BOX_NAMES`), the planner's workbook
(:data:`YES_NO`, :data:`PLANNER_ITEMS`, :data:`PLANNER_WORDS`, :data:`PLANNER_PARTS`,
:data:`PLANNER_FIGURES`) and the exported files and maps (:data:`EXPORT`). The modules that
show them read them from here; :func:`text` is the accessor for new code::

    >>> text("ranking.rank", "es", rank=3, total=1874)
    'puesto 3 de 1874'
    >>> text("planner_words.zscore", "en")
    'z-score'

Spanish first: every table has Spanish and English, and a message keeps its wording byte for
byte (the tests compare them).
"""

from __future__ import annotations

import ast
from typing import Any

from geoprio.errors import InputError

__all__ = ["BOX_NAMES", "DERIVED_LABELS", "EXPORT", "FLAG_PHRASES", "FRONTIER_POINT", "LANGS",
           "PLANNER_FIGURES", "PLANNER_ITEMS", "PLANNER_PARTS", "PLANNER_WORDS", "RANKING",
           "RULE_ALLOWED_ES", "RULE_OPS_TEXT", "RULE_SYNTAX_ES", "RULE_WHAT_ES", "RULE_WORDS",
           "SHEET", "YES_NO", "text"]

#: the languages of every table, in the order of the (Spanish, English) pairs
LANGS = ("es", "en")

RANKING: dict[str, dict[str, Any]] = {
    "es": {"filter": "fuera del filtro", "dept": "departamento", "prov": "provincia",
           "noscore": "sin puntaje (faltan datos: {ids}; política de datos faltantes: "
                      "{policy})",
           "policy": {"exclude": "excluir", "reweight": "repartir el peso",
                      "impute": "imputar la mediana"},
           "rank": "puesto {rank} de {total}", "sel": "seleccionado", "nosel": "no seleccionado",
           "unsure": "selección incierta", "ineligible": "no elegible",
           "elig_p": "elegible en {p} de las simulaciones", "elig_unsure":
           "elegibilidad incierta", "sel_p": "seleccionado en {p} de las simulaciones",
           "in_list_p": "en la lista en {p} de las simulaciones",
           "spread": "sin dato de {ids}: su peso se repartió entre los demás indicadores",
           "no_need": "no financiable por falta de dato: {what} sin dato",
           "tie": "empate en el corte de la lista: {k} distritos con el mismo puntaje en los "
                  "puestos {first} a {last}, {inside} dentro; el orden de entrada decide"},
    "en": {"filter": "outside the filter", "dept": "department", "prov": "province",
           "noscore": "no score (missing data: {ids}; missing-data policy: {policy})",
           "policy": {"exclude": "exclude", "reweight": "reweight", "impute": "impute"},
           "rank": "rank {rank} of {total}", "sel": "selected", "nosel": "not selected",
           "unsure": "uncertain selection", "ineligible": "not eligible",
           "elig_p": "eligible in {p} of the simulations", "elig_unsure":
           "uncertain eligibility", "sel_p": "selected in {p} of the simulations",
           "in_list_p": "in the list in {p} of the simulations",
           "spread": "no data for {ids}: its weight was shared among the other indicators",
           "no_need": "cannot be funded for lack of data: {what} missing",
           "tie": "tie at the list's cut: {k} districts with the same score at ranks "
                  "{first} to {last}, {inside} inside; input order decides"},
}


SHEET: dict[str, dict[str, str]] = {
    "es": {
        "title": "Ficha distrital", "prov": "Provincia", "dept": "Departamento",
        "pop": "Población 2020", "u5": "Menores de 5 años 2020", "area": "Superficie",
        "rural": "Población rural 2017", "indicator": "Indicador", "district": "Distrito",
        "peru": "Perú", "year": "Año", "source": "Fuente", "trend":
        "Desnutrición crónica en menores de 5 años (%)", "endes_dept": "ENDES {name}",
        "endes_nat": "ENDES Perú",
        "sien_raw": "Distrito, tasa bruta (SIEN 2019, SIEN-HIS 2022)",
        "sien_eb": "Distrito 2022 suavizada (IC 90%)",
        "trend_note": "ENDES es una encuesta de hogares representativa por departamento; "
        "el SIEN cuenta niños atendidos en el MINSA: compare tendencias, no niveles.",
        "rank_head": "Puesto en el escenario {name}", "rank":
        "Puesto {rank} de {total} (intervalo 90%: {lo}–{hi})", "p_sel":
        "En la lista en {p} de las simulaciones: {state}.", "selected": "seleccionado",
        "not_selected": "no seleccionado", "not_ranked": "Sin puesto: {reason}",
        "no_scenario": "Sin escenario: indique uno (p. ej. --preset dci) para ver el puesto.",
        "fonie_head": "Brechas FONIE (sobre la mediana nacional de los distritos)",
        "fonie_count": "{n} de {m} sectores con dato por encima de la mediana",
        "fonie_none": "Ningún sector por encima de la mediana nacional.",
        "fonie_unknown": "Sin dato: {sectors}.", "roads": "caminos rurales: sin datos "
        "distritales", "caveats": "Advertencias", "sources": "Fuentes", "footer":
        "geoprio {version} · datos del repositorio geoprio (data/) · ubigeo {ubigeo}",
        "no_data": "s. d.", "table_note": "Departamento y Perú: la cifra que publica la fuente "
        "(INEI, INS, PNUD); con *, promedio de los distritos ponderado por población, que "
        "ninguna fuente publica.",
        "map_note": "En rojo: el distrito; en gris: su departamento.",
        "c_none": "Ningún niño menor de 5 años medido en 2022 (SIEN-HIS): la desnutrición 2022 "
        "es solo la estimación de distritos parecidos (Fay–Herriot {fh}, IC 90% {lo}–{hi}).",
        "c_few": "Desnutrición 2022 medida en solo {n} niños: la tasa bruta ({raw}) es poco "
        "fiable; se usa la estimación Fay–Herriot ({fh}, IC 90% {lo}–{hi}), que toma de los "
        "niños del distrito el {g} y el resto de distritos parecidos.",
        "estimates": "Desnutrición 2022, tres estimaciones: medida {raw} en {n} niños · Bayes "
        "empírico {eb} ({eb_lo}–{eb_hi}) · Fay–Herriot {fh} ({lo}–{hi}), {g} de datos propios.",
        "estimates_none": "Desnutrición 2022: ningún niño medido; Fay–Herriot {fh} ({lo}–{hi}) "
        "solo con distritos parecidos (censo, pobreza, altitud).",
        "c_2019": "La tasa 2019 pudo basarse en menos de 30 niños (mínimo compatible: {n}): "
        "el cambio 2019→2022 no es una tendencia.",
        "c_water": "El censo registra 0% de hogares con agua de red pública (100% sin agua): "
        "cifra sospechosa, verifíquela antes de decidir.",
        "c_post": "Después de 2017 se creó {name} ({code}) en este distrito: sus datos están "
        "incluidos en los del distrito de 2017.",
        "c_rural": "Sin población rural en 2017: las brechas rurales (electricidad, celular) "
        "no se evalúan.",
        "c_vraem": "Distrito del VRAEM según una lista no oficial (verificar con DS "
        "040-2016-PCM).",
        "c_unsure": "Selección incierta: en la lista en {p} de las simulaciones.",
        "c_always": "El SIEN cuenta niños atendidos en el MINSA, no es una encuesta; el censo "
        "es de 2017 y no refleja obras posteriores.",
    },
    "en": {
        "title": "District sheet", "prov": "Province", "dept": "Department",
        "pop": "Population 2020", "u5": "Children under 5, 2020", "area": "Area",
        "rural": "Rural population 2017", "indicator": "Indicator", "district": "District",
        "peru": "Peru", "year": "Year", "source": "Source", "trend":
        "Stunting, children under 5 (%)", "endes_dept": "ENDES {name}",
        "endes_nat": "ENDES Peru",
        "sien_raw": "District, raw rate (SIEN 2019, SIEN-HIS 2022)",
        "sien_eb": "District 2022 smoothed (90% CI)",
        "trend_note": "ENDES is a household survey representative by department; "
        "SIEN counts children seen at MINSA facilities: compare trends, not levels.",
        "rank_head": "Rank in the scenario {name}", "rank":
        "Rank {rank} of {total} (90% interval: {lo}–{hi})", "p_sel":
        "On the list in {p} of the simulations: {state}.", "selected": "selected",
        "not_selected": "not selected", "not_ranked": "No rank: {reason}",
        "no_scenario": "No scenario: give one (e.g. --preset dci) to see the rank.",
        "fonie_head": "FONIE gaps (above the national median of the districts)",
        "fonie_count": "{n} of {m} sectors with data above the median",
        "fonie_none": "No sector above the national median.",
        "fonie_unknown": "No data: {sectors}.", "roads": "rural roads: no district data",
        "caveats": "Caveats", "sources": "Sources", "footer":
        "geoprio {version} · data of the geoprio repository (data/) · ubigeo {ubigeo}",
        "no_data": "n/a", "table_note": "Department and Peru: the figure the source publishes "
        "(INEI, INS, UNDP); with *, a population-weighted mean of the districts that no "
        "source publishes.",
        "map_note": "In red: the district; in grey: its department.",
        "c_none": "No child under 5 measured in 2022 (SIEN-HIS): 2022 stunting is only the "
        "estimate from similar districts (Fay–Herriot {fh}, 90% CI {lo}–{hi}).",
        "c_few": "2022 stunting measured on only {n} children: the raw rate ({raw}) is "
        "unreliable; the Fay–Herriot estimate is used ({fh}, 90% CI {lo}–{hi}), {g} from the "
        "district's own children and the rest from similar districts.",
        "estimates": "2022 stunting, three estimates: measured {raw} on {n} children · "
        "Empirical Bayes {eb} ({eb_lo}–{eb_hi}) · Fay–Herriot {fh} ({lo}–{hi}), {g} own data.",
        "estimates_none": "2022 stunting: no child measured; Fay–Herriot {fh} ({lo}–{hi}) "
        "from similar districts only (census, poverty, altitude).",
        "c_2019": "The 2019 rate may rest on fewer than 30 children (fewest compatible: {n}): "
        "the 2019→2022 change is not a trend.",
        "c_water": "The census records 0% of households with public water (100% without): a "
        "suspect figure, check it before deciding.",
        "c_post": "{name} ({code}) was created inside this district after 2017: its data are "
        "included in the 2017 district's.",
        "c_rural": "No rural population in 2017: rural gaps (electricity, mobile) are not "
        "assessed.",
        "c_vraem": "VRAEM district per an unofficial list (check DS 040-2016-PCM).",
        "c_unsure": "Uncertain selection: on the list in {p} of the simulations.",
        "c_always": "SIEN counts children seen at MINSA facilities, it is not a survey; the "
        "census is from 2017 and misses later works.",
    },
}

# children measured per 100 residents (issue 20): SIEN-HIS counts a child at its facility
SHEET["es"].update({
    "c_measured": "Se midió a más niños de los que viven en el distrito ({v} por cada 100 "
    "menores de 5): SIEN-HIS los cuenta en su establecimiento de salud. Los niños con "
    "desnutrición contados aquí ({counted}) pueden superar la estimación para sus residentes "
    "({est}, menores de 5 × tasa estimada), que es la que usan las listas con presupuesto.",
})
SHEET["en"].update({
    "c_measured": "More children were measured than live in the district ({v} per 100 "
    "under-5s): SIEN-HIS counts them at their health facility. The stunted children counted "
    "here ({counted}) may exceed the estimate for its residents ({est}, under-5s × estimated "
    "rate), the one budget lists use.",
})


BOX_NAMES = {"es": ("Atípico bajo", "< 25%", "25% – 50%", "50% – 75%", "> 75%", "Atípico alto"),
              "en": ("Lower outlier", "< 25%", "25% – 50%", "50% – 75%", "> 75%",
                     "Upper outlier")}


YES_NO = {"es": ("sí", "no"), "en": ("yes", "no")}


PLANNER_ITEMS = {  # key -> (Spanish, English)
    "made_by": ("Elaborado con", "Made with"), "date": ("Fecha de descarga", "Downloaded on"),
    "rows": ("Distritos en el archivo", "Districts in the file"),
    "selected": ("Distritos seleccionados", "Districts selected"),
    "scenario": ("Escenario", "Scenario"), "description": ("Descripción", "Description"),
    "weight": ("Peso de «{name}»", "Weight of “{name}”"),
    "direction": ("Dirección de «{name}»", "Direction of “{name}”"),
    "rule": ("Regla de elegibilidad", "Eligibility rule"),
    "departments": ("Departamentos", "Departments"), "provinces": ("Provincias", "Provinces"),
    "list": ("Tamaño de la lista", "List size"),
    "normalisation": ("Normalización", "Normalisation"),
    "aggregation": ("Agregación", "Aggregation"), "missing": ("Datos faltantes", "Missing data"),
    "draws": ("Simulaciones Monte Carlo", "Monte Carlo draws"), "seed": ("Semilla", "Seed"),
    "need": ("Necesidad que el presupuesto maximiza", "Need the budget maximises"),
    "caveat": ("Advertencia", "Caveat"), "source": ("Fuente del escenario", "Scenario source"),
    "data": ("Dato: {name}", "Data: {name}"),
    "licences": ("Fuentes y licencias", "Sources and licences"),
    "licences_value": ("data/SOURCES.md del repositorio geoprio",
                       "data/SOURCES.md in the geoprio repository"),
    "part": ("{part}: {item}", "{part}: {item}"),
    "per_district": ("{money} por distrito", "{money} per district"),
    "per_beneficiary": ("{money} por beneficiario", "{money} per beneficiary"),
    "first_n": ("los primeros {n}", "the first {n}"),
    "score_at_least": ("puntaje ≥ {x}", "score ≥ {x}"),
    "item_head": ("ítem", "item"), "value_head": ("valor", "value"),
}
PLANNER_WORDS = {  # option values in words
    "minmax": ("mín–máx (0 a 1)", "min–max (0 to 1)"), "zscore": ("puntaje z", "z-score"),
    "rank": ("percentiles", "percentiles"), "target": ("distancia a la meta", "distance to target"),
    "arithmetic": ("media aritmética", "arithmetic mean"),
    "geometric": ("media geométrica", "geometric mean"),
    "reweight": ("repartir el peso entre los demás indicadores",
                 "share the weight among the other indicators"),
    "exclude": ("excluir el distrito", "exclude the district"),
    "impute": ("imputar la mediana", "impute the median"),
    "worse": ("mayor es peor", "higher is worse"), "better": ("mayor es mejor", "higher is better"),
    "all": ("todos los elegibles", "every eligible district"),
    "none": ("ninguna: todos elegibles", "none: every district eligible"),
    "country": ("todo el país", "the whole country"),
}


#: a record's parts and figures in words (comparisons, trade-off points)
PLANNER_PARTS = {"a": ("Escenario A", "Scenario A"), "b": ("Escenario B", "Scenario B"),
          "comparacion": ("Comparación", "Comparison"), "punto": ("Punto", "Point"),
          "escenario": ("", "")}
PLANNER_FIGURES = {
    "spearman": ("Correlación de Spearman de los puestos", "Spearman correlation of ranks"),
    "kendall": ("Correlación de Kendall de los puestos", "Kendall correlation of ranks"),
    "ranked_in_both": ("Distritos con puesto en ambos", "Districts ranked in both"),
    "kept": ("Se mantienen en la lista", "Stay in the list"),
    "entering": ("Entran", "Enter"), "leaving": ("Salen", "Leave"),
    "entering_within_intervals": ("Entran dentro de sus intervalos",
                                  "Enter within their intervals"),
    "leaving_within_intervals": ("Salen dentro de sus intervalos",
                                 "Leave within their intervals"),
    "budget": ("Presupuesto", "Budget"), "point": ("Punto de la curva", "Point of the curve"),
    "children_reached": ("Niños alcanzados", "Children reached"),
    "mean_rate": ("Tasa media de la lista", "Mean rate of the list"),
    "n_selected": ("Distritos en la lista", "Districts in the list"),
    "cost": ("Costo de la lista", "Cost of the list"),
    "unspent": ("Presupuesto sin gastar", "Budget left unspent"),
    "rate_floor": ("Tasa mínima exigida", "Rate floor required"),
    "people": ("Personas contadas", "People counted"), "rate": ("Tasa", "Rate"),
    "method": ("Método", "Method"),
}


#: the words of the exported tables, maps and images
EXPORT: dict[str, dict[str, str]] = {
    "es": {"field": "campo", "unit": "unidad", "source": "fuente", "scenario": "Escenario",
           "footer": ("Fuente", "Límites", "Elaborado con geoprio"), "no_data": "sin dato",
           "selected": "seleccionado"},
    "en": {"field": "field", "unit": "unit", "source": "source", "scenario": "Scenario",
           "footer": ("Source", "Boundaries", "Made with geoprio"), "no_data": "no data",
           "selected": "selected"},
}

#: tables keyed by language first ({"es": {...}, "en": {...}})
_BY_LANG: dict[str, dict[str, Any]] = {"ranking": RANKING, "sheet": SHEET, "export": EXPORT,
                                       "box_names": BOX_NAMES, "yes_no": YES_NO}
#: tables keyed by message first (key -> (Spanish, English))
_PAIRED: dict[str, dict[str, tuple[str, str]]] = {
    "planner_items": PLANNER_ITEMS, "planner_words": PLANNER_WORDS,
    "planner_parts": PLANNER_PARTS, "planner_figures": PLANNER_FIGURES}


# ----------------------------------------------------------------- rules (engine/rules.py)
#: what a rule may not hold, by the syntax node that holds it (English; Spanish below)
RULE_OPS_TEXT: dict[type, str] = {
    ast.Pow: "power operator **",
    ast.FloorDiv: "floor division //",
    ast.Mod: "modulo %",
    ast.BitAnd: "operator & (use 'and')",
    ast.BitOr: "operator | (use 'or')",
    ast.BitXor: "operator ^",
    ast.LShift: "operator <<",
    ast.RShift: "operator >>",
    ast.MatMult: "operator @",
    ast.Invert: "operator ~ (use 'not')",
    ast.Is: "'is' (use ==)",
    ast.IsNot: "'is not' (use !=)",
}
#: Spanish of what a rule may not hold (the English texts above and rules._FORBIDDEN)
RULE_WHAT_ES = {
    "power operator **": "la potencia **", "floor division //": "la división entera //",
    "modulo %": "el módulo %", "operator & (use 'and')": "el operador & (use 'and')",
    "operator | (use 'or')": "el operador | (use 'or')", "operator ^": "el operador ^",
    "operator <<": "el operador <<", "operator >>": "el operador >>",
    "operator @": "el operador @", "operator ~ (use 'not')": "el operador ~ (use 'not')",
    "'is' (use ==)": "'is' (use ==)", "'is not' (use !=)": "'is not' (use !=)",
    "function call": "una llamada a función", "attribute access": "el acceso a un atributo",
    "subscript": "un índice [ ]", "'in' without a [list] on its right":
    "'in' sin una [lista] a su derecha", "a list item that is not a number or a text":
    "un elemento de lista que no es número ni texto",
}
#: what a rule may hold, in Spanish
RULE_ALLOWED_ES = ("una regla solo admite ids de columnas (página Datos), números, texto entre "
               "comillas, True/False, comparaciones (< <= > >= == != in), and/or/not, "
               "+ - * / y paréntesis")
#: Python's parser messages a planner meets most, in Spanish
RULE_SYNTAX_ES = {"invalid syntax": "sintaxis no válida",
              "unexpected EOF while parsing": "la regla termina antes de tiempo",
              "invalid decimal literal": "número no válido (decimales con punto: 40.5)",
              "unterminated string literal": "un texto entre comillas no se cierra",
              "'(' was never closed": "un paréntesis «(» no se cierra",
              "unmatched ')'": "sobra un paréntesis «)»",
              "cannot assign to expression": "para comparar use ==, no ="}
#: the words of a rule's reasons
RULE_WORDS: dict[str, dict[str, str]] = {
    "es": {"no_data": "sin dato", "in": "en", "not_in": "no en", "yes": "sí", "no": "no",
           "T": "cumple", "F": "no cumple", "U": "sin dato", "always": "siempre",
           "never": "nunca"},
    "en": {"no_data": "no data", "in": "in", "not_in": "not in", "yes": "yes", "no": "no",
           "T": "meets", "F": "fails", "U": "no data", "always": "always", "never": "never"},
}
#: labels of the columns geoprio derives (:mod:`geoprio.engine.derived`), used with a catalog
DERIVED_LABELS: dict[str, dict[str, str]] = {
    "poverty_quintile_2018": {"es": "quintil de pobreza 2018",
                              "en": "poverty quintile 2018"},
    "stunted_children": {"es": "niños con desnutrición crónica", "en": "stunted children"},
    "anemic_children": {"es": "niños con anemia", "en": "anaemic children"},
    "poor_people": {"es": "personas en pobreza", "en": "people in poverty"},
}
#: phrasing of known flags: id -> {lang: (when true, when false)}
FLAG_PHRASES: dict[str, dict[str, tuple[str, str]]] = {
    "vraem": {"es": ("en VRAEM", "fuera del VRAEM"), "en": ("in the VRAEM", "outside the VRAEM")},
    "border": {
        "es": ("en zona de frontera", "fuera de zona de frontera"),
        "en": ("in a border zone", "not in a border zone"),
    },
}

# -------------------------------------------------------- frontier (decide/frontier.py)
#: a frontier point's reason for a district in or out of its list
FRONTIER_POINT = {
    "es": ("seleccionado en el punto {k} de la frontera",
           "no seleccionado en el punto {k} de la frontera"),
    "en": ("selected at point {k} of the frontier", "not selected at point {k} of the frontier"),
}


def text(key: str, lang: str, **fields: Any) -> Any:
    """A message in ``lang``, its ``{fields}`` filled in.

    Parameters
    ----------
    key : str
        ``"<table>.<message>"``, e.g. ``"sheet.title"``; a nested message adds its part
        (``"ranking.policy.impute"``). Tables: ``ranking``, ``sheet``, ``export``,
        ``box_names``, ``yes_no``, ``planner_items``, ``planner_words``, ``planner_parts``,
        ``planner_figures``.
    lang : {"es", "en"}
        The language.
    **fields
        Values for the message's ``{placeholders}``; without them the message is returned
        as stored (a tuple stays a tuple).

    Returns
    -------
    str or tuple
        The message.

    Raises
    ------
    InputError
        An unknown language, table or message (named).
    """
    if lang not in LANGS:
        raise InputError(f"lang must be one of {list(LANGS)}; got {lang!r}",
                         es=f"el idioma debe ser uno de {list(LANGS)}; se recibió {lang!r}")
    table, _, name = key.partition(".")
    try:
        if table in _PAIRED:
            value = _PAIRED[table][name][LANGS.index(lang)]
        else:
            value = _BY_LANG[table][lang]
            for part in name.split(".") if name else ():
                value = value[part]
    except (KeyError, TypeError):
        raise InputError(f"no message {key!r}: tables are {sorted({*_BY_LANG, *_PAIRED})}",
                         es=f"no hay mensaje {key!r}: las tablas son "
                            f"{sorted({*_BY_LANG, *_PAIRED})}") from None
    return value.format(**fields) if fields else value
