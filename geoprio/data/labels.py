"""Words for geoprio's own columns, in Spanish and English, for exports and screens alike.

The catalog (``geoprio.catalog()``) names the indicators; this module names what geoprio adds
(score, ranks, probabilities, reasons, people reached, budget columns) and the unit of the
score under each normalisation. An export in a planner's language (``export(..., lang="es")``)
and the app read the same words, so what is on screen is what is written.

Examples
--------
>>> column_label("p_selected", "es"), column_label("p_selected", "en")
('Prob. de selección', 'Prob. selected')
>>> score_unit("zscore", "es")
'desviaciones estándar; 0 = promedio'
"""

from __future__ import annotations

import pandas as pd

__all__ = ["COLUMN_LABELS", "SCORE_UNITS", "UNITS_EN", "column_label", "column_labels", "score_unit",
           "unit_label"]

#: geoprio's own columns -> (Spanish, English)
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "ubigeo": ("Ubigeo", "Ubigeo"),
    "department": ("Departamento", "Department"),
    "province": ("Provincia", "Province"),
    "district": ("Distrito", "District"),
    "score": ("Puntaje del escenario", "Scenario score"),
    "rank": ("Puesto", "Rank"),
    "rank_p05": ("Puesto p5", "Rank p5"),
    "rank_median": ("Puesto mediano", "Median rank"),
    "rank_p95": ("Puesto p95", "Rank p95"),
    "p_eligible": ("Prob. de ser elegible", "Prob. eligible"),
    "p_selected": ("Prob. de selección", "Prob. selected"),
    "eligibility_uncertain": ("Elegibilidad incierta", "Uncertain eligibility"),
    "selection_uncertain": ("Selección incierta", "Uncertain selection"),
    "eligible": ("Elegible", "Eligible"),
    "selected": ("Seleccionado", "Selected"),
    "reasons": ("Razones", "Reasons"),
    "poverty_quintile_2018": ("Quintil de pobreza 2018 (1 = más pobre)",
                              "Poverty quintile 2018 (1 = poorest)"),
    "stunted_children": ("Niños con desnutrición crónica (estimado)",
                         "Stunted children (estimate)"),
    "anemic_children": ("Niños con anemia (estimado)", "Anaemic children (estimate)"),
    "poor_people": ("Personas en pobreza (estimado)", "People in poverty (estimate)"),
    "stunted_children_rate_weighted": ("Niños con desnutrición ponderados por la tasa",
                                       "Stunted children weighted by the rate"),
    "anemic_children_rate_weighted": ("Niños con anemia ponderados por la tasa",
                                      "Anaemic children weighted by the rate"),
    "poor_people_rate_weighted": ("Personas en pobreza ponderadas por la tasa",
                                  "People in poverty weighted by the rate"),
    "budget_need": ("Necesidad maximizada por el presupuesto", "Need the budget maximised"),
    "cost": ("Costo", "Cost"),
    "cum_cost": ("Costo acumulado", "Cumulative cost"),
    "cum_coverage": ("Cobertura acumulada de la necesidad", "Cumulative share of the need"),
    "zonal_method": ("Regla de píxeles (estadística zonal)", "Pixel rule (zonal statistics)"),
    # a comparison of two scenarios (geoprio.compare_scenarios); "_a"/"_b" columns below
    "change": ("Cambio de A a B", "Change from A to B"),
    "rank_shift": ("Cambio de puesto (B − A; positivo: baja en la lista)",
                   "Change of rank (B − A; positive: moves down the list)"),
    "within_intervals": ("Cambio dentro de los intervalos", "Move within the intervals"),
    "news": ("Noticia (fuera de los intervalos)", "News (outside the intervals)"),
    # a point of the budget trade-off (geoprio.tradeoff)
    "tradeoff_budget": ("Presupuesto del punto", "Budget of the point"),
    "tradeoff_point": ("Punto de la curva", "Point of the curve"),
    "tradeoff_children_reached": ("Niños alcanzados en el punto", "Children reached at the point"),
    "tradeoff_mean_rate": ("Tasa media en el punto", "Mean rate at the point"),
    # issue 20: paired draws of a comparison, money a frontier point leaves
    "shift_p05": ("Cambio de puesto p5 (B − A, simulaciones pareadas)",
                  "Rank change p5 (B − A, paired draws)"),
    "shift_p95": ("Cambio de puesto p95 (B − A, simulaciones pareadas)",
                  "Rank change p95 (B − A, paired draws)"),
    "unspent": ("Dinero sin usar", "Money left unspent"),
}

#: normalisation -> unit of the score (Spanish, English)
SCORE_UNITS: dict[str, tuple[str, str]] = {
    "minmax": ("0 a 1; 1 = mayor necesidad", "0 to 1; 1 = greatest need"),
    "rank": ("percentil 0 a 1; 1 = mayor necesidad", "percentile 0 to 1; 1 = greatest need"),
    "target": ("0 a 1; 0 = meta cumplida", "0 to 1; 0 = target met"),
    "zscore": ("desviaciones estándar; 0 = promedio", "standard deviations; 0 = average"),
}


#: the catalog's units (written in Spanish) in English; a unit not listed reads as written
UNITS_EN: dict[str, str] = {
    "personas": "people", "niños": "children", "sí/no": "yes/no", "grupo": "group",
    "índice 0-1": "index 0-1", "soles": "soles", "soles por persona": "soles per person",
    "radianes": "radians", "centros": "centres", "establecimientos": "facilities",
    "m s. n. m.": "m above sea level", "puntos": "points", "por 100": "per 100",
    "años": "years", "por 1 000 niños": "per 1,000 children",
}


def unit_label(unit: object, lang: str = "es") -> str:
    """A catalog unit in ``lang`` ("" when missing): the catalog writes units in Spanish.

    Examples
    --------
    >>> unit_label("niños", "en"), unit_label("niños", "es"), unit_label("%", "en")
    ('children', 'niños', '%')
    """
    if unit is None or (isinstance(unit, float) and pd.isna(unit)):
        return ""
    text = str(unit)
    return UNITS_EN.get(text, text) if _index(lang) == 1 else text


def _index(lang: str) -> int:
    if lang not in ("es", "en"):
        raise ValueError(f"lang must be 'es' or 'en'; got {lang!r}")
    return 0 if lang == "es" else 1


def score_unit(normalisation: str, lang: str = "es") -> str:
    """The unit of the score under ``normalisation``."""
    return SCORE_UNITS.get(normalisation, SCORE_UNITS["minmax"])[_index(lang)]


def column_label(column: str, lang: str = "es", catalog: pd.DataFrame | None = None) -> str:
    """A column's name for people: geoprio's own words, else the catalog's label, else the id.

    Examples
    --------
    >>> import geoprio
    >>> column_label("poverty_2018", "es", geoprio.catalog())
    'Pobreza monetaria 2018'
    >>> column_label("mi_columna", "en")
    'mi_columna'
    >>> column_label("rank_p95_b", "es")
    'Puesto p95 (B)'
    """
    i = _index(lang)
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column][i]
    base, _, side = column.rpartition("_")
    if side in ("a", "b") and base in COLUMN_LABELS:  # a comparison's two scenarios
        return f"{COLUMN_LABELS[base][i]} ({side.upper()})"
    if catalog is not None and "id" in catalog:
        rows = catalog[catalog["id"] == column]
        if len(rows):
            text = rows.iloc[0]["label_es" if i == 0 else "label_en"]
            if isinstance(text, str) and text.strip():
                return text
    return column


def column_labels(columns: list[str], lang: str = "es",
                  catalog: pd.DataFrame | None = None) -> list[str]:
    """Labels of ``columns``, made unique (a repeated label gets its id in brackets)."""
    labels = [column_label(c, lang, catalog) for c in columns]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    return [f"{lab} [{col}]" if seen[lab] > 1 else lab
            for col, lab in zip(columns, labels, strict=True)]
