"""Interface strings in Spanish (default) and English."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, en)
    "title": ("geoprio: ¿qué distritos atender primero?",
              "geoprio: which districts to serve first?"),
    "subtitle": ("1 874 distritos del Perú (censo 2017) con pobreza, desnutrición crónica, anemia "
                 "y brechas de servicios. Datos públicos con su fuente; ningún dato inventado.",
                 "Peru's 1,874 districts (2017 census) with poverty, stunting, anemia and service "
                 "gaps. Public data with their sources; nothing invented."),
    "language": ("Idioma", "Language"),
    # scenario panel
    "scenario": ("Escenario", "Scenario"),
    "preset": ("Punto de partida", "Start from"),
    "preset_fonie": ("FONIE (servicios básicos)", "FONIE (basic services)"),
    "preset_dci": ("MIDIS desnutrición crónica", "MIDIS chronic malnutrition"),
    "preset_anemia": ("Anemia (6 a 35 meses)", "Anemia (6-35 months)"),
    "weights": ("Indicadores y pesos", "Indicators and weights"),
    "add_indicator": ("Añadir indicadores", "Add indicators"),
    "normalisation": ("Normalización", "Normalisation"),
    "aggregation": ("Agregación", "Aggregation"),
    "missing_policy": ("Datos faltantes", "Missing data"),
    "rule": ("Regla de elegibilidad", "Eligibility rule"),
    "rule_help": ("Ejemplo: poverty_2018 >= 40 and (vraem or border). Use los id del catálogo "
                  "(pestaña Datos). Vacío: todos elegibles.",
                  "Example: poverty_2018 >= 40 and (vraem or border). Use catalog ids (Data "
                  "tab). Empty: every district eligible."),
    "departments": ("Departamentos (vacío: todo el país)", "Departments (empty: whole country)"),
    "list_size": ("Tamaño de la lista", "List size"),
    "all": ("Todos los elegibles", "All eligible"),
    "top_n": ("Primeros N", "Top N"),
    "threshold": ("Puntaje mínimo", "Score threshold"),
    "budget": ("Presupuesto", "Budget"),
    "n": ("N distritos", "N districts"),
    "score_min": ("Puntaje ≥", "Score ≥"),
    "budget_amount": ("Presupuesto (S/)", "Budget (S/)"),
    "cost_per_district": ("Costo por distrito (S/)", "Cost per district (S/)"),
    "draws": ("Simulaciones Monte Carlo", "Monte Carlo draws"),
    "apply": ("Aplicar", "Apply"),
    "link": ("Enlace a esta vista: copie la dirección del navegador.",
             "Link to this view: copy the browser's address."),
    # errors
    "rule_error": ("La regla no es válida: {msg}", "The rule is not valid: {msg}"),
    "scenario_error": ("El escenario no es válido: {msg}", "The scenario is not valid: {msg}"),
    # tabs
    "tab_map": ("Mapa", "Map"),
    "tab_ranking": ("Ranking", "Ranking"),
    "tab_clusters": ("Conglomerados", "Clusters"),
    "tab_district": ("Distrito", "District"),
    "tab_data": ("Datos", "Data"),
    # map
    "map_of": ("Mapa de", "Map of"),
    "score": ("Puntaje del escenario", "Scenario score"),
    "scheme": ("Clasificación", "Classification"),
    "classes": ("Número de clases", "Number of classes"),
    "quantiles": ("Cuantiles", "Quantiles"),
    "fisher_jenks": ("Fisher-Jenks", "Fisher-Jenks"),
    "equal_interval": ("Intervalos iguales", "Equal interval"),
    "natural_breaks": ("Cortes naturales", "Natural breaks"),
    "basemap": ("Mapa base OpenStreetMap (requiere internet; el mapa funciona sin él)",
                "OpenStreetMap basemap (needs internet; the map works without it)"),
    "outline_selected": ("Distritos seleccionados con borde negro.",
                         "Selected districts outlined in black."),
    "district": ("Distrito", "District"),
    "province": ("Provincia", "Province"),
    "department": ("Departamento", "Department"),
    "ubigeo": ("Ubigeo", "Ubigeo"),
    "rank": ("Puesto", "Rank"),
    "rank_interval": ("Intervalo 90% del puesto", "90% rank interval"),
    "p_selected": ("Prob. de selección", "Prob. selected"),
    "missing": ("sin dato", "no data"),
    "source": ("Fuente", "Source"),
    "caveats": ("Advertencias", "Caveats"),
    "districts_missing": ("{n} distritos sin dato (en gris): el dato falta en la fuente, no es "
                          "cero.", "{n} districts without data (grey): missing in the source, "
                                   "not zero."),
    # ranking
    "eligible": ("Elegibles", "Eligible"),
    "selected": ("Seleccionados", "Selected"),
    "uncertain": ("Selección incierta", "Uncertain selection"),
    "elig_uncertain": ("Elegibilidad incierta", "Uncertain eligibility"),
    "elig_uncertain_help": ("Distritos cuya elegibilidad depende de dónde cae su pobreza dentro "
                            "del intervalo de INEI (elegibles en 10% a 90% de las simulaciones).",
                            "Districts whose eligibility depends on where their poverty falls "
                            "within INEI's interval (eligible in 10% to 90% of the draws)."),
    "p_eligible": ("Prob. de ser elegible", "Prob. eligible"),
    "score_unit_minmax": ("0 a 1 (1 = mayor necesidad)", "0 to 1 (1 = greatest need)"),
    "score_unit_rank": ("percentil 0 a 1 (1 = mayor necesidad)",
                        "percentile 0 to 1 (1 = greatest need)"),
    "score_unit_target": ("0 a 1 (0 = meta cumplida)", "0 to 1 (0 = target met)"),
    "score_unit_zscore": ("desviaciones estándar respecto del promedio (0 = promedio)",
                          "standard deviations from the mean (0 = average)"),
    "score_min_help": ("Con min–max y percentiles el puntaje va de 0 a 1; con puntajes z, 0 es "
                       "el promedio y los valores negativos están por debajo.",
                       "With min–max and percentiles the score runs from 0 to 1; with z-scores, "
                       "0 is the average and negative values are below it."),
    "rank_p05": ("Puesto p5", "Rank p5"),
    "rank_p95": ("Puesto p95", "Rank p95"),
    "eligible_col": ("Elegible", "Eligible"),
    "selected_col": ("Seleccionado", "Selected"),
    "uncertain_help": ("Distritos cuya entrada en la lista es casi un volado (probabilidad entre "
                       "10% y 90% al variar pesos y pobreza dentro de su intervalo).",
                       "Districts whose place in the list is close to a coin toss (probability "
                       "between 10% and 90% when weights and poverty vary)."),
    "stunted_children": ("Niños con desnutrición crónica", "Stunted children"),
    "anemic_children": ("Niños con anemia", "Anaemic children"),
    "poor_people": ("Personas en pobreza", "People in poverty"),
    "search": ("Buscar distrito, provincia o departamento", "Search district, province or "
                                                            "department"),
    "only_selected": ("Solo seleccionados", "Selected only"),
    "reasons": ("Razones", "Reasons"),
    "score_col": ("Puntaje", "Score"),
    "excluded": ("{n} distritos sin puntaje por datos faltantes: {ids}",
                 "{n} districts without a score because of missing data: {ids}"),
    "suspicious": ("Revisar: {names} están en la lista con 0% de agua de red en el censo (dato "
                   "sospechoso, ver VALIDATION.md).",
                   "Check: {names} are in the list with 0% public water in the census (a "
                   "suspicious figure, see VALIDATION.md)."),
    "export": ("Exportar", "Export"),
    "export_help": ("Los archivos tienen todas las filas de la tabla mostrada y el escenario.",
                    "Files hold every row of the table shown, and the scenario."),
    "download": ("Descargar {fmt}", "Download {fmt}"),
    # district
    "pick_district": ("Elija un distrito (o haga clic en el mapa)",
                      "Pick a district (or click it on the map)"),
    "indicator": ("Indicador", "Indicator"),
    "value": ("Valor", "Value"),
    "unit": ("Unidad", "Unit"),
    "dept_value": ("Departamento", "Department"),
    "nation_value": ("Nacional", "National"),
    "endes_trend": ("ENDES {dep}: desnutrición crónica y anemia 2009–2025 (encuesta)",
                    "ENDES {dep}: stunting and anemia 2009-2025 (survey)"),
    "district_rank": ("Puesto {rank} (intervalo 90%: {lo}–{hi}); probabilidad de selección {p}",
                      "Rank {rank} (90% interval: {lo}-{hi}); probability of selection {p}"),
    "not_ranked": ("Sin puesto en este escenario.", "Not ranked in this scenario."),
    # data
    "catalog": ("Catálogo de indicadores", "Indicator catalog"),
    "upload_table": ("Subir una tabla de indicadores (CSV o XLSX, una fila por distrito)",
                     "Upload an indicator table (CSV or XLSX, one row per district)"),
    "upload_raster": ("Subir un GeoTIFF (estadística zonal por distrito)",
                      "Upload a GeoTIFF (zonal statistic per district)"),
    "upload_bounds": ("Subir límites (GeoPackage, GeoJSON o shapefile en .zip)",
                      "Upload boundaries (GeoPackage, GeoJSON or zipped shapefile)"),
    "join_report": ("Informe de unión", "Join report"),
    "matched": ("Emparejadas", "Matched"),
    "unmatched": ("Sin emparejar", "Unmatched"),
    "duplicates": ("Duplicadas", "Duplicated"),
    "recoded": ("Recodificadas", "Recoded"),
    "no_row": ("Distritos sin fila", "Districts without a row"),
    "column_to_add": ("Columna a usar como indicador", "Column to use as indicator"),
    "new_id": ("Id del nuevo indicador", "Id of the new indicator"),
    "higher_worse": ("Mayor valor = peor situación", "Higher value = worse"),
    "add": ("Añadir al escenario", "Add to the scenario"),
    "added": ("Indicador {id} añadido: ya puede usarse en pesos y reglas.",
              "Indicator {id} added: it can now be used in weights and rules."),
    "bad_file": ("No se pudo leer el archivo: {msg}", "The file could not be read: {msg}"),
    "stat": ("Estadística", "Statistic"),
    "uploaded_bounds": ("{n} polígonos leídos (CRS de origen {crs}).",
                        "{n} polygons read (source CRS {crs})."),
    # clusters
    "typology": ("Tipologías de distritos", "District typologies"),
    "hotspots_tab": ("Puntos calientes", "Hot spots"),
    "zones": ("Zonas contiguas de intervención", "Contiguous intervention zones"),
    "hotspots": ("Puntos calientes", "Hot spots"),
    "cluster_indicators": ("Indicadores para agrupar", "Indicators to group on"),
    "method": ("Método", "Method"),
    "k": ("Número de grupos (0 = automático)", "Number of groups (0 = automatic)"),
    "min_pop": ("Población mínima por zona (0 = sin mínimo)", "Minimum population per zone "
                                                              "(0 = none)"),
    "alpha": ("Nivel de significancia", "Significance level"),
    "run": ("Calcular", "Compute"),
}


def t(key: str, lang: str, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (``"es"`` or ``"en"``)."""
    es, en = STRINGS[key]
    text = en if lang == "en" else es
    return text.format(**kwargs) if kwargs else text


def label(catalog_row, lang: str) -> str:
    """An indicator's label in ``lang`` from a catalog row (Series)."""
    return str(catalog_row["label_en" if lang == "en" else "label_es"])
