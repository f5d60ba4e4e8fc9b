"""Interface strings in Spanish (default) and English: labels, options, messages.

Every text a planner reads comes from here (or from the catalog's ``label_es``/``label_en``):
option ids (``minmax``, ``kmeans``, ``HH``...) are never shown raw; :func:`option` names them.
Numbers are written with :mod:`geoprio.fmt`.
"""

from __future__ import annotations

import re

from geoprio.engine.scenario import PRESET_TITLES

STRINGS: dict[str, tuple[str, str]] = {
    # key: (es, en)
    "title": ("geoprio: ¿qué distritos atender primero?",
              "geoprio: which districts to serve first?"),
    "subtitle": ("{n} distritos del Perú (censo 2017) con pobreza, desnutrición crónica, anemia "
                 "y brechas de servicios. Datos públicos con su fuente; ningún dato inventado.",
                 "Peru's {n} districts (2017 census) with poverty, stunting, anemia and service "
                 "gaps. Public data with their sources; nothing invented."),
    "language": ("Idioma", "Language"),
    "upload_button": ("Elegir archivo", "Choose a file"),
    "upload_limit": ("Arrastre el archivo aquí · hasta 50 MB", "Drop the file here · up to 50 MB"),
    # pages
    "page_map": ("Mapa", "Map"),
    "page_ranking": ("Ranking", "Ranking"),
    "page_clusters": ("Conglomerados", "Clusters"),
    "page_district": ("Distrito", "District"),
    "page_data": ("Datos", "Data"),
    # scenario panel
    "scenario": ("Escenario", "Scenario"),
    "preset": ("Punto de partida", "Start from"),
    "preset_help": ("Cambiar el punto de partida carga todos sus valores en cada control y lo "
                    "aplica.", "Changing the starting point loads all its values into every "
                    "control and applies it."),
    "preset_link": ("Escenario del enlace: {name}", "Scenario from the link: {name}"),
    "not_the_preset": ("«{name}» (del enlace; no es el preset {preset})",
                       "“{name}” (from the link; not the {preset} preset)"),
    "link_not_preset": ("El enlace trae un escenario llamado «{name}» que no es el preset "
                        "{preset}: difiere en {fields}. Se muestra como escenario del enlace; "
                        "elija {preset} arriba para volver al preset.",
                        "The link holds a scenario named “{name}” that is not the {preset} "
                        "preset: it differs in {fields}. It is shown as the link's scenario; "
                        "choose {preset} above to go back to the preset."),
    "sfield_description": ("descripción", "description"),
    "sfield_weights": ("pesos", "weights"),
    "sfield_higher_is_worse": ("dirección de los indicadores (mayor es peor)",
                               "indicator directions (higher is worse)"),
    "sfield_targets": ("metas", "targets"),
    "sfield_normalisation": ("normalización", "normalisation"),
    "sfield_aggregation": ("agregación", "aggregation"),
    "sfield_missing": ("datos faltantes", "missing data"),
    "sfield_rule": ("regla", "rule"),
    "sfield_departments": ("departamentos", "departments"),
    "sfield_provinces": ("provincias", "provinces"),
    "sfield_top_n": ("número de distritos", "number of districts"),
    "sfield_threshold": ("puntaje mínimo", "minimum score"),
    "sfield_budget": ("presupuesto", "budget"),
    "sfield_cost_per_district": ("costo por distrito", "cost per district"),
    "sfield_cost_per_beneficiary": ("costo por beneficiario", "cost per beneficiary"),
    "sfield_beneficiary_column": ("columna de beneficiarios", "beneficiary column"),
    "sfield_need": ("necesidad", "need"),
    "sfield_quintiles": ("quintiles", "quintiles"),
    "sfield_n_draws": ("simulaciones", "draws"),
    "sfield_weight_spread": ("dispersión de los pesos", "weight spread"),
    "sfield_seed": ("semilla", "seed"),
    "sfield_sources": ("fuentes", "sources"),
    "sfield_caveats": ("advertencias", "caveats"),
    "weights": ("Indicadores y pesos", "Indicators and weights"),
    "weights_help": ("Los pesos se reescalan para sumar 1. Un peso 0 quita el indicador.",
                     "Weights are rescaled to sum to 1. A weight of 0 removes the indicator."),
    "add_indicator": ("Añadir un indicador", "Add an indicator"),
    "add_placeholder": ("Elija un indicador…", "Choose an indicator…"),
    "normalisation": ("Normalización", "Normalisation"),
    "aggregation": ("Agregación", "Aggregation"),
    "missing_policy": ("Datos faltantes", "Missing data"),
    "rule": ("Regla de elegibilidad", "Eligibility rule"),
    "rule_help": ("Ejemplo: poverty_2018 >= 40 and (vraem or border). Use los id del catálogo "
                  "(página Datos). Vacía: todos elegibles.",
                  "Example: poverty_2018 >= 40 and (vraem or border). Use catalog ids (Data "
                  "page). Empty: every district eligible."),
    "rule_placeholder": ("Vacía: todos los distritos son elegibles",
                         "Empty: every district is eligible"),
    "departments": ("Departamentos (vacío: todo el país)", "Departments (empty: whole country)"),
    "departments_placeholder": ("Todo el país", "Whole country"),
    "list_size": ("Tamaño de la lista", "List size"),
    "n": ("N distritos", "N districts"),
    "score_min": ("Puntaje mínimo", "Minimum score"),
    "amount_range": ("El valor debe estar entre {low} y {high}.",
                     "The value must be between {low} and {high}."),
    "budget_amount": ("Presupuesto (S/)", "Budget (S/)"),
    "cost_per_district": ("Costo por distrito (S/)", "Cost per district (S/)"),
    "cost_per_beneficiary": ("Costo por beneficiario (S/)", "Cost per beneficiary (S/)"),
    "need": ("Necesidad que el presupuesto maximiza", "Need the budget maximises"),
    "need_help": ("Contar personas favorece a los distritos grandes aunque su tasa sea baja; "
                  "ponderarlas por la tasa favorece las tasas altas.",
                  "Counting people favours large districts even where the rate is low; "
                  "weighting them by the rate favours high rates."),
    "draws": ("Simulaciones Monte Carlo", "Monte Carlo draws"),
    "apply": ("Aplicar", "Apply"),
    "modified": ("modificado", "modified"),
    "added": ("añadido", "added"),
    "modified_summary": ("Modificado respecto de «{base}»: {what}.",
                         "Modified from “{base}”: {what}."),
    "pending": ("Hay cambios sin aplicar: pulse «Aplicar».",
                "There are changes not applied yet: press “Apply”."),
    "link": ("Enlace a esta vista: copie la dirección del navegador (guarda el escenario, la "
             "página, el mapa y la búsqueda).",
             "Link to this view: copy the browser's address (it keeps the scenario, the page, "
             "the map and the search)."),
    "field_weights": ("pesos", "weights"),
    "field_rule": ("regla", "rule"),
    "field_departments": ("departamentos", "departments"),
    "field_list": ("tamaño de la lista", "list size"),
    "field_normalisation": ("normalización", "normalisation"),
    "field_aggregation": ("agregación", "aggregation"),
    "field_missing": ("datos faltantes", "missing data"),
    "field_draws": ("simulaciones", "draws"),
    "field_need": ("necesidad", "need"),
    # errors
    "rule_error": ("La regla no es válida: {msg}", "The rule is not valid: {msg}"),
    "scenario_error": ("El escenario no es válido: {msg}", "The scenario is not valid: {msg}"),
    "link_missing_upload": ("el escenario usa {ids}, un indicador que quien envió el enlace "
                            "subió en su sesión: un enlace no lleva archivos. Pídale el "
                            "archivo y súbalo en la página Datos con el mismo nombre de "
                            "columna; aparecerá un botón para abrir el escenario del enlace",
                            "the scenario uses {ids}, an indicator the sender uploaded in "
                            "their session: a link carries no files. Ask for the file and "
                            "upload it on the Data page with the same column name; a button "
                            "will then open the link's scenario"),
    "open_pending_link": ("Abrir el escenario del enlace", "Open the link's scenario"),
    "link_upload_warning": ("Este escenario usa {ids}, subido en esta sesión: el enlace no "
                            "lleva el archivo. Envíelo junto con el enlace; quien lo abra "
                            "deberá subirlo en Datos.",
                            "This scenario uses {ids}, uploaded in this session: the link "
                            "does not carry the file. Send it with the link; whoever opens "
                            "it must upload it on the Data page."),
    "link_error": ("El enlace no trae un escenario válido ({msg}); se abre «MIDIS desnutrición "
                   "crónica».", "The link holds no valid scenario ({msg}); opening “MIDIS "
                   "chronic malnutrition”."),
    # header
    "scenario_line": ("**Escenario:** {name}", "**Scenario:** {name}"),
    "computing": ("Calculando la incertidumbre ({n} simulaciones): los puestos, las "
                  "probabilidades y las exportaciones aparecen en unos segundos.",
                  "Computing the uncertainty ({n} draws): rank intervals, probabilities and "
                  "exports appear in a few seconds."),
    "mc_busy": ("El servidor está ocupado con los cálculos de otros usuarios: la incertidumbre "
                "se calculará en cuanto haya lugar (la lista ya es la definitiva).",
                "The server is busy with other users' computations: the uncertainty will be "
                "computed as soon as there is room (the list itself is final)."),
    "mc_failed": ("No se pudo calcular la incertidumbre: {msg}",
                  "The uncertainty could not be computed: {msg}"),
    # map
    "map_of": ("Mapa de", "Map of"),
    "score": ("Puntaje del escenario", "Scenario score"),
    "scheme": ("Clasificación", "Classification"),
    "classes": ("Número de clases", "Number of classes"),
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
    "districts_missing": ("{n} {n:distrito|distritos} sin dato (en gris): el dato falta en "
                          "la fuente, no es cero.", "{n} {n:district|districts} without data "
                          "(grey): missing in the source, "
                                   "not zero."),
    "clicked": ("Distrito elegido en el mapa: **{name}**.", "District picked on the map: "
                                                            "**{name}**."),
    "open_district": ("Ver la ficha del distrito", "Open the district's page"),
    "pending_value": ("calculando…", "computing…"),
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
    "score_unit_minmax": ("0 a 1; 1 = mayor necesidad", "0 to 1; 1 = greatest need"),
    "score_unit_rank": ("percentil 0 a 1; 1 = mayor necesidad",
                        "percentile 0 to 1; 1 = greatest need"),
    "score_unit_target": ("0 a 1; 0 = meta cumplida", "0 to 1; 0 = target met"),
    "score_unit_zscore": ("desviaciones estándar; 0 = promedio",
                          "standard deviations; 0 = average"),
    "score_min_help": ("Con mín–máx y percentiles el puntaje va de 0 a 1; con puntajes z, 0 es "
                       "el promedio y los valores negativos están por debajo.",
                       "With min–max and percentiles the score runs from 0 to 1; with z-scores, "
                       "0 is the average and negative values are below it."),
    "rank_p05": ("Puesto p5", "Rank p5"),
    "rank_p95": ("Puesto p95", "Rank p95"),
    "eligible_col": ("Elegible", "Eligible"),
    "selected_col": ("Seleccionado", "Selected"),
    "uncertain_in": ("Inciertos en la lista", "Uncertain in the list"),
    "uncertain_in_help": ("Distritos de la lista cuya selección no es firme: entran en la "
                          "lista en más de 10% y menos de 90% de las simulaciones (pesos, "
                          "pobreza y tasas variados dentro de su incertidumbre).",
                          "Districts in the list whose selection is not firm: they are in "
                          "the list in more than 10% and less than 90% of the draws."),
    "uncertain_out": ("Fuera, podrían entrar", "Outside, could enter"),
    "uncertain_out_help": ("Distritos que no están en la lista pero entran en ella en más de "
                           "10% de las simulaciones.", "Districts not in the list that are in "
                           "it in more than 10% of the draws."),
    "p_selected_help": ("Porcentaje de las simulaciones en que el distrito entra en la lista.",
                        "Share of the draws in which the district is in the list."),
    "n_of_m": ("{n} de {m}", "{n} of {m}"),
    "elig_uncertain_line": ("Elegibilidad incierta: {n} {n:distrito es elegible|distritos "
                            "son elegibles} en más de 10% "
                            "y menos de 90% de las simulaciones (su pobreza está cerca del "
                            "corte de la regla, dentro del intervalo de INEI).",
                            "Uncertain eligibility: {n} {n:district is|districts are} "
                            "eligible in more than "
                            "10% and less than 90% of the draws (their poverty is near the "
                            "rule's cut, within INEI's interval)."),
    "rank_interval_help": ("Puesto p5 y Puesto p95: el puesto del distrito en el 5% mejor y en "
                           "el 5% peor de las simulaciones; en 90% de ellas su puesto cae "
                           "entre ambos. Un intervalo ancho dice que el puesto no es firme.",
                           "Rank p5 and rank p95: the district's rank in the best 5% and the "
                           "worst 5% of the draws; in 90% of them its rank lies between the "
                           "two. A wide interval says the rank is not firm."),
    "uncertain_help": ("Distritos cuya entrada en la lista es casi un volado (probabilidad entre "
                       "10% y 90% al variar pesos y pobreza dentro de su intervalo).",
                       "Districts whose place in the list is close to a coin toss (probability "
                       "between 10% and 90% when weights and poverty vary)."),
    "stunted_children": ("Niños con desnutrición", "Stunted children"),
    "stunted_children_help": ("Niños menores de 5 años con desnutrición crónica en los distritos "
                              "seleccionados (tasa × población: un orden de magnitud).",
                              "Children under 5 with chronic malnutrition in the selected "
                              "districts (rate × population: an order of magnitude)."),
    "anemic_children": ("Niños con anemia", "Anaemic children"),
    "anemic_children_help": ("Niños de 6 a 35 meses con anemia en los distritos seleccionados.",
                             "Children 6 to 35 months old with anemia in the selected "
                             "districts."),
    "poor_people": ("Personas en pobreza", "People in poverty"),
    "poor_people_help": ("Personas en pobreza monetaria en los distritos seleccionados.",
                         "People in monetary poverty in the selected districts."),
    "search": ("Buscar distrito, provincia, departamento o ubigeo",
               "Search district, province, department or ubigeo"),
    "search_placeholder": ("p. ej. Yurúa, rio tambo, junin, 2502",
                           "e.g. Yurúa, rio tambo, junin, 2502"),
    "only_selected": ("Solo seleccionados", "Selected only"),
    "reasons": ("Razones", "Reasons"),
    "score_col": ("Puntaje", "Score"),
    "no_rows": ("Ningún distrito coincide con la búsqueda.", "No district matches the search."),
    "row_opens": ("Marque una fila para abrir la página de su distrito.",
                  "Tick a row to open its district's page."),
    "shown_rows": ("{shown} de {total} distritos", "{shown} of {total} districts"),
    "excluded": ("{n} {n:distrito|distritos} sin puntaje por datos faltantes: {names}",
                 "{n} {n:district|districts} without a score because of missing data: {names}"),
    "suspicious": ("Revisar: {names} están en la lista con 0% de agua de red en el censo 2017, "
                   "una cifra sospechosa (el censo la registra así; puede ser un error de "
                   "registro).", "Check: {names} are in the list with 0% public water in the "
                   "2017 census, a suspicious figure (the census records it so; it may be a "
                   "recording error)."),
    "budget_what": ("**Presupuesto {budget}** ({cost}): {n} {n:distrito|distritos}, {spent} "
                    "asignados. Se "
                    "maximizó **{need}**: la suma en los distritos elegidos.",
                    "**Budget {budget}** ({cost}): {n} {n:district|districts}, {spent} "
                    "allocated. It "
                    "maximised **{need}**: the sum over the districts chosen."),
    "budget_cost_district": ("{cost} por distrito", "{cost} per district"),
    "budget_cost_benef": ("{cost} por beneficiario", "{cost} per beneficiary"),
    "budget_method": ("Método voraz: los distritos entran en orden de necesidad por sol "
                      "invertido hasta agotar el presupuesto; cubre {value} frente a {exact} del "
                      "óptimo exacto ({gap} menos).",
                      "Greedy method: districts enter in order of need per sol spent until the "
                      "budget runs out; it covers {value} against {exact} for the exact optimum "
                      "({gap} less)."),
    "budget_people": ("Por eso entran distritos grandes con tasas bajas: cuentan muchas "
                      "personas. Para favorecer las tasas altas elija «{alt}» en «Necesidad que "
                      "el presupuesto maximiza».",
                      "That is why large districts with low rates are in the list: they hold "
                      "many people. To favour high rates choose “{alt}” under “Need the budget "
                      "maximises”."),
    "budget_weighted": ("Cada persona cuenta en proporción a la tasa de su distrito: las tasas "
                        "altas pesan más que el tamaño.", "Each person counts in proportion to "
                        "their district's rate: high rates weigh more than size."),
    "budget_score": ("El puntaje no cuenta personas: el tamaño del distrito no pesa.",
                     "The score does not count people: district size does not weigh."),
    "budget_shifted": ("Los puntajes z negativos se desplazaron para que el último distrito "
                       "tenga necesidad 0.", "Negative z-scores were shifted so that the last "
                       "district has need 0."),
    "export": ("Exportar", "Export"),
    "export_format": ("Formato", "Format"),
    "export_help": ("Los archivos tienen todas las filas de la tabla mostrada y el escenario.",
                    "Files hold every row of the table shown, and the scenario."),
    "export_wait": ("Las exportaciones estarán listas cuando termine el cálculo de "
                    "incertidumbre.", "Exports will be ready when the uncertainty is computed."),
    "download": ("Descargar {fmt}", "Download {fmt}"),
    "export_timeout": ("La descarga anterior no estuvo lista en {s} s y se dejó de esperar: "
                       "pruebe con menos filas o un formato más liviano (CSV).",
                       "The last download was not ready within {s} s and was given up: try "
                       "fewer rows or a lighter format (CSV)."),
    "export_busy": ("Esta sesión ya tiene {n} descargas en preparación: espere a que terminen.",
                    "This session already has {n} downloads being prepared: wait for them to "
                    "finish."),
    "fmt_csv": ("CSV", "CSV"),
    "fmt_xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
    "fmt_geojson": ("GeoJSON", "GeoJSON"),
    "fmt_gpkg": ("GeoPackage", "GeoPackage"),
    "fmt_zip": ("Shapefile (ZIP)", "Shapefile (ZIP)"),
    "fmt_html": ("Mapa HTML", "HTML map"),
    "fmt_png": ("Mapa PNG", "PNG map"),
    "fmt_toml": ("Escenario TOML", "TOML scenario"),
    # district
    "pick_district": ("Elija un distrito (o haga clic en el mapa)",
                      "Pick a district (or click it on the map)"),
    "district_search": ("Buscar un distrito: nombre, provincia, departamento o ubigeo",
                        "Find a district: name, province, department or ubigeo"),
    "district_none": ("Ningún distrito coincide con «{q}». Pruebe con menos letras, sin "
                      "tildes o con el ubigeo.", "No district matches “{q}”. Try fewer "
                      "letters or the ubigeo."),
    "district_found": ("{n} distritos coinciden; la lista muestra {shown}.",
                       "{n} districts match; the list shows {shown}."),
    "pick_placeholder": ("p. ej. Yurúa, rio tambo, junin, 2502",
                         "e.g. Yurúa, rio tambo, junin, 2502"),
    "indicator": ("Indicador", "Indicator"),
    "value": ("Valor", "Value"),
    "unit": ("Unidad", "Unit"),
    "dept_value": ("Departamento", "Department"),
    "reference_note": ("Departamento y Nacional: la cifra que publica la fuente (INEI, INS, "
                       "PNUD) donde la publica; con *, promedio de los distritos ponderado "
                       "por población (o por niños medidos), que ninguna fuente publica.",
                       "Department and National: the figure the source publishes (INEI, INS, "
                       "UNDP) where it does; with *, a mean of the districts weighted by "
                       "population (or children measured) that no source publishes."),
    "nation_value": ("Nacional", "National"),
    "endes_trend": ("ENDES {dep}: desnutrición crónica y anemia {first}–{last} (encuesta por "
                    "departamento)", "ENDES {dep}: stunting and anemia {first}–{last} (survey "
                    "by department)"),
    "endes_stunting": ("Desnutrición crónica (< 5 años)", "Stunting (under 5)"),
    "endes_anemia": ("Anemia (6 a 35 meses)", "Anemia (6-35 months)"),
    "endes_year": ("Año", "Year"),
    "endes_y": ("% de niños", "% of children"),
    "endes_series": ("Serie", "Series"),
    "district_rank": ("Puesto {rank} (intervalo 90%: {lo}–{hi}); probabilidad de selección {p}",
                      "Rank {rank} (90% interval: {lo}–{hi}); probability of selection {p}"),
    "district_rank_point": ("Puesto {rank}; el intervalo y la probabilidad se están calculando.",
                            "Rank {rank}; the interval and the probability are being "
                            "computed."),
    "not_ranked": ("Sin puesto en este escenario.", "Not ranked in this scenario."),
    "yes": ("sí", "yes"),
    "no": ("no", "no"),
    # data
    "catalog": ("Catálogo de indicadores", "Indicator catalog"),
    "cat_id": ("Id (para reglas)", "Id (for rules)"),
    "cat_label": ("Indicador", "Indicator"),
    "cat_unit": ("Unidad", "Unit"),
    "cat_year": ("Año", "Year"),
    "cat_source": ("Fuente", "Source"),
    "cat_direction": ("Mayor valor es", "Higher value is"),
    "cat_kind": ("Tipo", "Kind"),
    "cat_caveats": ("Advertencias", "Caveats"),
    "worse": ("peor", "worse"),
    "better": ("mejor", "better"),
    "kind_indicator": ("indicador", "indicator"),
    "kind_count": ("conteo", "count"),
    "kind_flag": ("sí/no", "yes/no"),
    "kind_context": ("contexto", "context"),
    "kind_bound": ("límite de intervalo", "interval bound"),
    "kind_group": ("grupo", "group"),
    "upload_table": ("Subir una tabla de indicadores (CSV o XLSX, una fila por distrito)",
                     "Upload an indicator table (CSV or XLSX, one row per district)"),
    "upload_raster": ("Subir un GeoTIFF (estadística zonal por distrito)",
                      "Upload a GeoTIFF (zonal statistic per district)"),
    "upload_bounds": ("Subir límites (GeoPackage, GeoJSON o shapefile en .zip)",
                      "Upload boundaries (GeoPackage, GeoJSON or zipped shapefile)"),
    "upload_note": ("Límite: 50 MB por archivo. Lo que suba vive solo en su sesión: no se guarda "
                    "en el servidor.", "Limit: 50 MB per file. What you upload lives only in "
                    "your session: nothing is kept on the server."),
    "join_report": ("Informe de unión", "Join report"),
    "join_summary": ("{rows} {rows:fila leída|filas leídas} por la columna «{column}» "
                     "(códigos {scheme}): "
                     "{matched} emparejadas, {recoded} recodificadas, {unmatched} sin emparejar, "
                     "{invalid} sin código válido, {duplicates} códigos repetidos; {missing} de "
                     "los {total} distritos no tienen fila.",
                     "{rows} rows read by column “{column}” ({scheme} codes): {matched} matched, "
                     "{recoded} recoded, {unmatched} unmatched, {invalid} without a valid code, "
                     "{duplicates} repeated codes; {missing} of the {total} districts have no "
                     "row."),
    "join_row": ("Fila", "Row"),
    "join_code": ("Código", "Code"),
    "join_problem": ("Qué pasó", "What happened"),
    "join_unmatched": ("no es un distrito de 2017 ni un código RENIEC, posterior a 2017 o "
                       "antiguo conocido: revise el código",
                       "not a 2017 district nor a known RENIEC, post-2017 or old code: check "
                       "the code"),
    "join_invalid": ("no es un código de ubigeo", "not a ubigeo code"),
    "join_duplicate": ("código repetido en las filas {rows}: se usó la primera",
                       "code repeated in rows {rows}: the first was used"),
    "join_recoded": ("recodificado a {ubigeo} ({scheme})", "recoded to {ubigeo} ({scheme})"),
    "scheme_reniec": ("RENIEC", "RENIEC"),
    "scheme_inei": ("INEI", "INEI"),
    "scheme_post2017": ("distrito creado después de 2017", "district created after 2017"),
    "scheme_old": ("código antiguo", "old code"),
    "matched": ("Emparejadas", "Matched"),
    "unmatched": ("Sin emparejar", "Unmatched"),
    "duplicates": ("Duplicadas", "Duplicated"),
    "recoded": ("Recodificadas", "Recoded"),
    "no_row": ("Distritos sin fila", "Districts without a row"),
    "column_to_add": ("Columna a usar como indicador", "Column to use as indicator"),
    "no_numeric": ("El archivo no tiene columnas numéricas para usar como indicador.",
                   "The file has no numeric column to use as an indicator."),
    "new_label": ("Nombre del nuevo indicador", "Name of the new indicator"),
    "new_id": ("Id para reglas: {id}", "Id for rules: {id}"),
    "new_unit": ("Unidad (opcional)", "Unit (optional)"),
    "higher_worse": ("Mayor valor = peor situación", "Higher value = worse"),
    "add": ("Añadir al escenario", "Add to the scenario"),
    "added_ok": ("Indicador «{label}» añadido con el id {id}: ya aparece en «Añadir un "
                 "indicador», en la regla, en el mapa y en la ficha del distrito.",
                 "Indicator “{label}” added with id {id}: it is now in “Add an indicator”, in "
                 "rules, on the map and on the district page."),
    "id_taken": ("El id {id} ya existe en los datos: cambie el nombre del indicador.",
                 "The id {id} already exists in the data: change the indicator's name."),
    "id_reserved": ("El id {id} es el de un resultado o una columna que geoprio calcula "
                    "(puntaje, ranking, seleccionados, personas alcanzadas, geometría…): "
                    "cambie el nombre del indicador, p. ej. «{suggestion}».",
                    "The id {id} is that of a result or a column geoprio computes (score, rank, "
                    "selected, people reached, geometry…): change the indicator's name, e.g. "
                    "“{suggestion}”."),
    "bad_file": ("No se pudo leer el archivo: {msg}", "The file could not be read: {msg}"),
    "stat": ("Estadística", "Statistic"),
    "zonal_methods": ("Cómo se calculó por distrito", "How it was computed per district"),
    "raster_coarsened": ("El ráster es más fino de lo necesario para los distritos: se leyó "
                         "{factor} veces más grueso en cada sentido (un píxel de cada {factor}); "
                         "la suma cuenta cada píxel leído por los que representa.",
                         "The raster is finer than the districts need: it was read {factor} "
                         "times coarser each way (one pixel in {factor}); the sum counts each "
                         "pixel read for those it stands for."),
    "zonal_method": ("Método", "Method"),
    "zonal_count": ("Distritos", "Districts"),
    "uploaded_bounds": ("{n} polígonos leídos (sistema de coordenadas de origen {crs}).",
                        "{n} polygons read (source coordinate system {crs})."),
    "uploaded_by_user": ("{name} (subido por el usuario)", "{name} (uploaded by the user)"),
    # clusters
    "analysis": ("Análisis", "Analysis"),
    "typology": ("Tipologías de distritos", "District typologies"),
    "zones": ("Zonas contiguas de intervención", "Contiguous intervention zones"),
    "hotspots": ("Puntos calientes", "Hot spots"),
    "cluster_indicators": ("Indicadores para agrupar", "Indicators to group on"),
    "cluster_need_two": ("Elija al menos dos indicadores para agrupar.",
                         "Choose at least two indicators to group on."),
    "method": ("Método", "Method"),
    "k": ("Número de grupos (0 = automático)", "Number of groups (0 = automatic)"),
    "min_pop": ("Población mínima por zona (0 = sin mínimo)", "Minimum population per zone "
                                                              "(0 = none)"),
    "alpha": ("Nivel de significancia", "Significance level"),
    "run": ("Calcular", "Compute"),
    "group": ("Grupo", "Group"),
    "zone": ("Zona", "Zone"),
    "profile": ("Perfil", "Profile"),
    "size": ("Distritos", "Districts"),
    "population": ("Población", "Population"),
    "profile_table": ("Promedio de cada indicador por grupo", "Mean of each indicator by group"),
    "profile_heat": ("Cuánto se aparta cada grupo del promedio nacional (desviaciones "
                     "estándar; rojo = más necesidad que el promedio, azul = menos)",
                     "How far each group is from the national average (standard deviations; "
                     "red = more need than average, blue = less)"),
    "z": ("Desviaciones estándar", "Standard deviations"),
    "hotspot_class": ("Clase", "Class"),
    # ---- issue 16: Comparar, Presupuesto, brechas FONIE, fichas (one block, for merging)
    "page_compare": ("Comparar", "Compare"),
    "page_budget": ("Presupuesto", "Budget"),
    "cmp_intro": ("Compare dos escenarios: qué distritos entran, salen o se mantienen en la "
                  "lista, y si cada cambio es noticia o cabe en el intervalo del puesto.",
                  "Compare two scenarios: which districts enter, leave or stay on the list, and "
                  "whether each change is news or fits within the rank interval."),
    "cmp_side_a": ("Escenario A", "Scenario A"),
    "cmp_side_b": ("Escenario B", "Scenario B"),
    "cmp_src_current": ("El escenario aplicado (barra lateral)",
                        "The scenario applied (sidebar)"),
    "cmp_src_file": ("Desde un archivo TOML", "From a TOML file"),
    "cmp_src_link": ("Desde un enlace del aplicativo", "From an app link"),
    "cmp_src_a2019": ("El escenario A con los datos de 2019", "Scenario A on the 2019 data"),
    "cmp_file": ("Archivo de escenario (.toml)", "Scenario file (.toml)"),
    "cmp_file_help": ("Un escenario guardado con Exportar → Escenario TOML (máximo 1 MB).",
                      "A scenario saved with Export → Scenario TOML (at most 1 MB)."),
    "cmp_link": ("Enlace o código del escenario", "Link or scenario code"),
    "cmp_link_placeholder": ("Pegue la dirección completa del aplicativo",
                             "Paste the app's whole address"),
    "cmp_bad_scenario": ("No se pudo leer el escenario: {msg}",
                         "The scenario could not be read: {msg}"),
    "cmp_choose": ("Elija los dos escenarios (suba el archivo o pegue el enlace).",
                   "Choose both scenarios (upload the file or paste the link)."),
    "cmp_names": ("**A:** {a} · **B:** {b}", "**A:** {a} · **B:** {b}"),
    "cmp_computing": ("Calculando los dos rankings…", "Computing both rankings…"),
    "cmp_same": ("Los dos escenarios son iguales: ningún distrito cambia.",
                 "Both scenarios are the same: no district changes."),
    "cmp_spearman": ("Correlación (Spearman)", "Correlation (Spearman)"),
    "cmp_spearman_help": ("Sobre {n:el|los} {n} {n:distrito|distritos} "
                          "con puesto en ambos escenarios; 1 = mismo "
                          "orden.", "Over the {n} districts ranked in both scenarios; 1 = same "
                                    "order."),
    "cmp_kendall": ("Correlación de Kendall", "Kendall correlation"),
    "cmp_change": ("Cambio", "Change"),
    "cmp_change_entering": ("Entran", "Enter"),
    "cmp_change_leaving": ("Salen", "Leave"),
    "cmp_change_kept": ("Se mantienen", "Stay"),
    "cmp_change_out": ("Fuera de ambas listas", "Out of both lists"),
    "cmp_unranked": ("Sin puesto en ambos", "Ranked in neither"),
    "cmp_within_help": ("{n} de ellos cambian dentro de su intervalo del puesto.",
                        "{n} of them move within their rank interval."),
    "cmp_within_line": ("De los {n_e} que entran, {e} cambian dentro de su intervalo del 90% "
                        "del puesto; de los {n_l} que salen, {l}. Esos cambios no son noticia: "
                        "los datos no distinguen los dos puestos.",
                        "Of the {n_e} that enter, {e} move within their 90% rank interval; of "
                        "the {n_l} that leave, {l}. Those moves are not news: the data do not "
                        "tell the two ranks apart."),
    "cmp_map_title": ("Cambio de A a B", "Change from A to B"),
    "cmp_map_caption": ("Borde negro: el distrito entra o sale y los intervalos del puesto no "
                        "lo explican (noticia).",
                        "Black outline: the district enters or leaves and the rank intervals "
                        "do not explain it (news)."),
    "cmp_mark": ("¿Noticia?", "News?"),
    "cmp_mark_help": ("Dentro del intervalo: con los dos escenarios en las mismas "
                      "simulaciones, el intervalo del 90% de la diferencia de puestos incluye "
                      "0: el cambio no es noticia. Noticia: no lo incluye.",
                      "Within the interval: with both scenarios on the same simulations, the "
                      "90% interval of the rank difference holds 0: the move is not news. "
                      "News: it does not."),
    "cmp_news": ("Noticia", "News"),
    "cmp_within": ("Dentro del intervalo", "Within the interval"),
    "cmp_rank_a": ("Puesto A", "Rank A"),
    "cmp_rank_b": ("Puesto B", "Rank B"),
    "cmp_interval_a": ("Intervalo A", "Interval A"),
    "cmp_interval_b": ("Intervalo B", "Interval B"),
    "cmp_reasons_a": ("Razones A", "Reasons A"),
    "cmp_reasons_b": ("Razones B", "Reasons B"),
    "cmp_only_changes": ("Solo los que entran o salen", "Only those that enter or leave"),
    "cmp_people_title": ("Personas alcanzadas por cada lista", "People reached by each list"),
    "cmp_people": ("Personas", "People"),
    "cmp_list_a": ("Lista A", "List A"),
    "cmp_list_b": ("Lista B", "List B"),
    "cmp_difference": ("Diferencia (B − A)", "Difference (B − A)"),
    "cmp_people_note": ("Estimaciones de prevalencia × población (un orden de magnitud); ambas "
                        "listas se cuentan con las tasas suavizadas de 2022.",
                        "Prevalence × population estimates (an order of magnitude); both lists "
                        "are counted with the 2022 smoothed rates."),
    "cmp_export_help": ("La tabla completa de la comparación; la hoja «metodologia» (Excel) y "
                        "la capa «escenario» (GeoPackage) guardan los dos escenarios y las "
                        "cifras de la comparación.",
                        "The whole comparison table; the “metodologia” sheet (Excel) and the "
                        "“escenario” layer (GeoPackage) hold both scenarios and the "
                        "comparison's figures."),
    "bud_intro": ("El mismo dinero puede llegar a la mayor cantidad de niños (distritos grandes "
                  "con tasas bajas) o a las tasas más altas (distritos pequeños y alejados). "
                  "La curva muestra cada lista óptima entre los dos extremos: elija un punto y "
                  "vea su lista y su mapa. La elegibilidad y los costos son los del escenario "
                  "aplicado.",
                  "The same money can reach the most children (large districts with low rates) "
                  "or the highest rates (small remote districts). The curve shows every optimal "
                  "list between the two ends: pick a point and see its list and map. "
                  "Eligibility and costs are the applied scenario's."),
    "bud_people": ("Personas que se cuentan", "People counted"),
    "bud_people_help": ("La tasa es la de esas personas: desnutrición, anemia o pobreza.",
                        "The rate is those people's: stunting, anaemia or poverty."),
    "bud_cost_benef": ("Costo por beneficiario del escenario: {cost}",
                       "The scenario's cost per beneficiary: {cost}"),
    "bud_lo": ("Presupuesto menor (S/)", "Smallest budget (S/)"),
    "bud_hi": ("Presupuesto mayor (S/)", "Largest budget (S/)"),
    "bud_n": ("Curvas", "Curves"),
    "bud_n_help": ("Cuántos presupuestos, repartidos por igual entre el menor y el mayor.",
                   "How many budgets, evenly spread from the smallest to the largest."),
    "bud_steps": ("Puntos por curva", "Points per curve"),
    "bud_steps_help": ("Cada punto es un problema exacto (0-1) resuelto con HiGHS: más puntos, "
                       "más segundos.", "Each point is an exact (0-1) program solved with "
                                        "HiGHS: more points, more seconds."),
    "bud_run": ("Calcular la frontera", "Compute the frontier"),
    "bud_ask": ("Elija el rango de presupuestos y pulse «Calcular la frontera».",
                "Choose the budget range and press “Compute the frontier”."),
    "bud_computing": ("Resolviendo {n} problemas exactos…", "Solving {n} exact programs…"),
    "bud_empty": ("Ningún distrito elegible cabe en esos presupuestos.",
                  "No eligible district fits those budgets."),
    "bud_mean_rate": ("Tasa media de la lista (%)", "Mean rate of the list (%)"),
    "bud_rate": ("Tasa (%)", "Rate (%)"),
    "bud_point": ("Punto", "Point"),
    "bud_n_selected": ("Distritos en la lista", "Districts on the list"),
    "bud_cost": ("Costo de la lista", "Cost of the list"),
    "bud_pick": ("Punto de la curva", "Point on the curve"),
    "bud_pick_help": ("Punto 0: la lista que llega a más personas; el último: la de tasa más "
                      "alta.", "Point 0: the list reaching the most people; the last one: the "
                               "highest rate."),
    "bud_point_label": ("{k}: {n} {n:persona|personas}, tasa {r}, {d} {d:distrito|distritos}",
                        "{k}: {n} {n:person|people}, rate {r}, {d} {d:district|districts}"),
    "bud_chart_note": ("Cada curva es un presupuesto; cada punto, una lista óptima: ninguna otra "
                       "lista de ese costo alcanza a más personas con una tasa media igual o "
                       "mayor. Círculo negro: el punto elegido.",
                       "Each curve is a budget; each point an optimal list: no other list of "
                       "that cost reaches more people with an equal or higher mean rate. Black "
                       "circle: the point chosen."),
    "bud_map_title": ("Lista del punto elegido", "List of the point chosen"),
    "bud_map_chosen": ("En la lista", "On the list"),
    "bud_map_eligible": ("Elegible, fuera de la lista", "Eligible, off the list"),
    "bud_map_other": ("No elegible o sin dato", "Not eligible or no data"),
    "bud_export_help": ("Los distritos de la lista del punto; cada fila lleva el presupuesto, "
                        "el punto y sus dos valores (personas y tasa media), y la hoja "
                        "«metodologia» (Excel) el escenario y el punto.",
                        "The districts of the point's list; each row carries the budget, the "
                        "point and its two values (people and mean rate), and the "
                        "“metodologia” sheet (Excel) the scenario and the point."),
    "fonie_toggle": ("Brechas simultáneas FONIE", "FONIE's simultaneous gaps"),
    "fonie_toggle_help": ("La Ley 29951 pide al FONIE financiar agua, saneamiento, "
                          "electrificación, telecomunicaciones y caminos rurales «de "
                          "preferencia en forma simultánea»: el mapa cuenta en cuántos de esos "
                          "sectores el distrito tiene una brecha sobre la referencia.",
                          "Law 29951 asks FONIE to finance water, sanitation, electrification, "
                          "telecommunications and rural roads “preferably together”: the map "
                          "counts in how many of those sectors the district has a gap above the "
                          "reference."),
    "fonie_reference": ("Referencia", "Reference"),
    "fonie_reference_help": ("Mediana nacional: cada sector con su mediana de los distritos "
                             "(la mitad está por encima). Umbral: un mismo % para todos.",
                             "National median: each sector against its median over the "
                             "districts (half lie above it). Threshold: one % for all."),
    "fonie_ref_median": ("Mediana nacional", "National median"),
    "fonie_ref_threshold": ("Umbral propio", "Own threshold"),
    "fonie_ref_value": ("brecha mayor que {v}", "gap above {v}"),
    "fonie_threshold": ("Umbral (%)", "Threshold (%)"),
    "fonie_roads": ("Caminos rurales", "Rural roads"),
    "fonie_roads_none": ("Sin datos (no se evalúa)", "No data (not assessed)"),
    "fonie_roads_help": ("Los caminos rurales no tienen datos por distrito en las fuentes. "
                         "Suba una tabla en la página Datos (mayor valor = más brecha) y "
                         "elíjala aquí.",
                         "Rural roads have no district data in the sources. Upload a table on "
                         "the Data page (higher = larger gap) and choose it here."),
    "fonie_min": ("Al menos N brechas", "At least N gaps"),
    "fonie_legend": ("Brechas FONIE sobre la referencia", "FONIE gaps above the reference"),
    "fonie_n_gaps": ("{n} brechas", "{n} gaps"),
    "fonie_one_gap": ("1 brecha", "1 gap"),
    "fonie_count": ("Brechas", "Gaps"),
    "fonie_sectors": ("Sectores con brecha", "Sectors with a gap"),
    "fonie_unknown": ("Sectores sin dato", "Sectors without data"),
    "fonie_outlined": ("Borde negro: {n:el|los} {n} {n:distrito|distritos} con al menos {k} "
                       "{k:brecha|brechas}.", "Black outline: the {n} {n:district|districts} "
                       "with at least {k} {k:gap|gaps}."),
    "fonie_method": ("Brecha = por encima de: {refs}. Agua y saneamiento: todos los hogares "
                     "(censo 2017); electrificación y telecomunicaciones: hogares rurales. Un "
                     "sector sin dato no cuenta como brecha ni como ausencia de brecha.",
                     "Gap = above: {refs}. Water and sanitation: all households (2017 census); "
                     "electrification and telecommunications: rural households. A sector "
                     "without data counts neither as a gap nor as no gap."),
    "fonie_no_roads": ("Caminos rurales: las fuentes no tienen datos por distrito, así que "
                       "no se cuentan. Para añadirlos, suba su tabla en la página Datos y "
                       "elíjala en «Caminos rurales».",
                       "Rural roads: the sources have no district data, so they are not "
                       "counted. To add them, upload your table on the Data page and choose it "
                       "under “Rural roads”."),
    "fonie_column": ("Brechas FONIE", "FONIE gaps"),
    "fonie_column_help": ("Número de sectores FONIE con brecha sobre la referencia elegida en el "
                          "mapa (mediana nacional por defecto) y cuáles.",
                          "Number of FONIE sectors with a gap above the reference chosen on the "
                          "map (national median by default), and which."),
    "sheet_download": ("Ficha ({fmt})", "Sheet ({fmt})"),
    "cmp_2019": ("{name}, datos 2019", "{name}, 2019 data"),
    "sheet_help": ("Una página para entregar al municipio: mapa de ubicación, indicadores junto "
                   "a su departamento y el país, tendencia de la desnutrición, puesto e "
                   "intervalo en el escenario aplicado, brechas FONIE y advertencias.",
                   "One page to hand to the municipality: location map, indicators beside the "
                   "department and the country, the stunting trend, rank and interval under "
                   "the scenario applied, FONIE gaps and caveats."),
    "sheets_title": ("Fichas de los distritos de la lista", "Sheets of the list's districts"),
    "sheets_prepare": ("Preparar las {n} fichas (PDF, ZIP)", "Prepare the {n} sheets (PDF, "
                                                            "ZIP)"),
    "sheets_help": ("Un ZIP con la ficha PDF de {n:el|cada uno de los} {n} "
                    "{n:distrito seleccionado|distritos seleccionados} y un "
                    "índice; tarda cerca de {s} min.",
                    "A ZIP with the PDF sheet of each of the {n} selected districts and an "
                    "index; it takes about {s} min."),
    "sheets_preparing": ("Preparando {n} fichas…", "Preparing {n} sheets…"),
    "sheets_download": ("Descargar las {n} fichas (ZIP)", "Download the {n} sheets (ZIP)"),
    "sheets_ready": ("Listo: {mb} MB.", "Ready: {mb} MB."),
    "sheets_progress": ("Preparando las fichas: {done} de {n}…", "Preparing the sheets: {done} of "
                        "{n}…"),
    "sheets_cancel": ("Cancelar", "Cancel"),
    "sheets_cap": ("La lista tiene {n} distritos: la app prepara un ZIP de a lo más {most} "
                   "fichas. Acorte la lista (top N, departamentos) o use la línea de comandos: "
                   "geoprio sheet --scenario escenario.toml --out fichas.zip.",
                   "The list has {n} districts: the app prepares a ZIP of at most {most} "
                   "sheets. Shorten the list (top N, departments) or use the command line: "
                   "geoprio sheet --scenario scenario.toml --out sheets.zip."),
    "sheets_busy": ("El servidor ya prepara otros ZIP de fichas: vuelva a intentarlo en unos "
                    "minutos.", "The server is already preparing other ZIPs of sheets: try "
                    "again in a few minutes."),
    "sheets_timeout": ("El ZIP se detuvo: {msg}. Acorte la lista o use la línea de comandos.",
                       "The ZIP was stopped: {msg}. Shorten the list or use the command line."),
    "sheets_failed": ("No se pudo preparar el ZIP: {msg}", "The ZIP could not be prepared: {msg}"),
    # district monitoring (app/views/monitoring.py): 2019 and 2022 beside ENDES
    "mon_title": ("Seguimiento: desnutrición crónica y anemia 2019 y 2022 del distrito, junto "
                  "a la ENDES de su departamento",
                  "Monitoring: the district's stunting and anaemia in 2019 and 2022, beside its "
                  "department's ENDES"),
    "mon_source": ("Fuente", "Source"),
    "mon_raw": ("Tasa bruta (%)", "Raw rate (%)"),
    "mon_smoothed": ("Tasa suavizada (%)", "Smoothed rate (%)"),
    "mon_interval": ("Intervalo 90 %", "90% interval"),
    "mon_n": ("Niños medidos", "Children measured"),
    "mon_src_2019": ("SIEN 2019 (MINSA, vía CEPLAN)", "SIEN 2019 (MINSA, via CEPLAN)"),
    "mon_src_2022": ("SIEN-HIS 2022 (INS)", "SIEN-HIS 2022 (INS)"),
    "mon_src_endes": ("ENDES {dep} (INEI, encuesta)", "ENDES {dep} (INEI, survey)"),
    "mon_n_min": ("no publicado (al menos {n})", "not published (at least {n})"),
    "mon_n_unpublished": ("no publicado", "not published"),
    "mon_series_endes": ("ENDES {dep}", "ENDES {dep}"),
    "mon_series_raw": ("Distrito, tasa bruta (SIEN)", "District, raw rate (SIEN)"),
    "mon_series_eb": ("Distrito, suavizada (IC 90 %)", "District, smoothed (90% CI)"),
    "mon_small_2022": ("{ind} 2022: niños medidos, {n} (menos de {min}); la tasa bruta es "
                       "sobre todo ruido: lea la tasa suavizada y su intervalo.",
                       "{ind} 2022: children measured, {n} (fewer than {min}); the raw "
                       "rate is mostly noise: read the smoothed rate and its interval."),
    "mon_none_2022": ("{ind} 2022: el distrito no tiene registro en SIEN-HIS (dato faltante, no "
                      "cero): no hay tasa 2022 que comparar.",
                      "{ind} 2022: the district has no SIEN-HIS record (missing, not zero): "
                      "there is no 2022 rate to compare."),
    "mon_small_2019": ("{ind} 2019: la tasa puede basarse en apenas {n} {n:niño|niños} "
                       "(menos de {min}; "
                       "el número no se publicó): tómela con cautela.",
                       "{ind} 2019: the rate may rest on as few as {n} children (fewer than "
                       "{min}; the number was not published): read it with care."),
    "mon_note": ("SIEN cuenta a los niños atendidos en establecimientos del MINSA, por distrito "
                 "del establecimiento; la ENDES es una encuesta representativa por departamento, "
                 "no por distrito. Compare tendencias, no niveles. Tasa suavizada: Bayes "
                 "empírico (Marshall 1991) con su intervalo de 90 %.",
                 "SIEN counts children seen at MINSA facilities, by the facility's district; "
                 "ENDES is a survey representative by department, not by district. Compare "
                 "trends, not levels. Smoothed rate: Empirical Bayes (Marshall 1991) with its "
                 "90% interval."),
}

#: option id -> (es, en), by the control that offers it
OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "preset": dict(PRESET_TITLES),  # one place: documents use the same titles
    "mode": {"all": ("Todos los elegibles", "All eligible"), "top_n": ("Primeros N", "Top N"),
             "threshold": ("Puntaje mínimo", "Score threshold"),
             "budget": ("Presupuesto", "Budget")},
    "normalisation": {"minmax": ("Mín–máx (0 a 1)", "Min–max (0 to 1)"),
                      "zscore": ("Puntaje z", "Z-score"),
                      "rank": ("Percentiles", "Percentiles"),
                      "target": ("Distancia a la meta", "Distance to target")},
    "aggregation": {"arithmetic": ("Media aritmética", "Arithmetic mean"),
                    "geometric": ("Media geométrica", "Geometric mean")},
    "missing": {"reweight": ("Repartir su peso entre los demás", "Share its weight among the "
                                                                 "others"),
                "exclude": ("Dejar el distrito sin puntaje", "Leave the district unscored"),
                "impute": ("Usar la mediana nacional", "Use the national median")},
    "need": {"score": ("Puntaje del escenario", "Scenario score"),
             "stunted_children": ("Niños con desnutrición crónica", "Stunted children"),
             "stunted_children_rate_weighted": ("Niños con desnutrición crónica, ponderados por "
                                                "la tasa", "Stunted children, weighted by the "
                                                           "rate"),
             "anemic_children": ("Niños con anemia", "Anaemic children"),
             "anemic_children_rate_weighted": ("Niños con anemia, ponderados por la tasa",
                                               "Anaemic children, weighted by the rate"),
             "poor_people": ("Personas en pobreza", "People in poverty"),
             "poor_people_rate_weighted": ("Personas en pobreza, ponderadas por la tasa",
                                           "People in poverty, weighted by the rate")},
    "scheme": {"quantiles": ("Cuantiles", "Quantiles"),
               "fisher_jenks": ("Fisher-Jenks", "Fisher-Jenks"),
               "equal_interval": ("Intervalos iguales", "Equal interval"),
               "natural_breaks": ("Cortes naturales", "Natural breaks")},
    "cluster_method": {"kmeans": ("k-medias", "k-means"), "ward": ("Ward (jerárquico)",
                                                                  "Ward (hierarchical)"),
                       "gmm": ("Mezcla gaussiana", "Gaussian mixture")},
    "hotspot_method": {"local_moran": ("Moran local (LISA)", "Local Moran (LISA)"),
                       "gi_star": ("Getis-Ord Gi*", "Getis-Ord Gi*")},
    "hotspot": {"HH": ("alto-alto", "high-high"), "LL": ("bajo-bajo", "low-low"),
                "HL": ("alto rodeado de bajos", "high among lows"),
                "LH": ("bajo rodeado de altos", "low among highs"),
                "hot": ("punto caliente", "hot spot"), "cold": ("punto frío", "cold spot"),
                "ns": ("no significativo", "not significant")},
    "stat": {"mean": ("promedio", "mean"), "median": ("mediana", "median"),
             "max": ("máximo", "maximum"), "min": ("mínimo", "minimum"), "sum": ("suma", "sum")},
    "zonal": {"centre": ("celdas con centro en el distrito", "cells centred in the district"),
              "touched": ("celdas que tocan el distrito (distrito pequeño)",
                          "cells touching the district (small district)"),
              "point": ("celda del centro del distrito (distrito muy pequeño)",
                        "cell at the district's centre (very small district)"),
              "none": ("sin celdas con dato", "no cells with data")},
}


_PLURAL = re.compile(r"\{(\w+):([^|{}]*)\|([^{}]*)\}")


def _one(value: object) -> bool:
    """Whether a count (a number, or a number as the page writes it) is exactly one."""
    text = str(value).replace("\u00a0", "").replace(",", "").strip()
    try:
        return float(text) == 1
    except ValueError:
        return False


def plural(text: str, values: dict[str, object]) -> str:
    """``{n:distrito|distritos}`` in ``text`` as the count ``n`` asks: "1 distrito",
    "2 distritos" (verbs too: ``{n:coincide|coinciden}``).

    Examples
    --------
    >>> plural("{n} {n:distrito|distritos} sin dato", {"n": "1"})
    '{n} distrito sin dato'
    >>> plural("{n} {n:distrito|distritos}", {"n": "1\u00a0874"})
    '{n} distritos'
    """
    return _PLURAL.sub(lambda m: m.group(2) if _one(values.get(m.group(1))) else m.group(3),
                       text)


def t(key: str, lang: str, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (``"es"`` or ``"en"``), singular or plural as its
    counts ask (:func:`plural`)."""
    es, en = STRINGS[key]
    text = en if lang == "en" else es
    return plural(text, kwargs).format(**kwargs) if kwargs else text


def option(group: str, value: object, lang: str) -> str:
    """How option ``value`` of control ``group`` reads in ``lang`` (its id if unknown).

    Examples
    --------
    >>> option("normalisation", "minmax", "es"), option("hotspot", "HH", "en")
    ('Mín–máx (0 a 1)', 'high-high')
    """
    pair = OPTIONS[group].get(str(value))
    if pair is None:
        return str(value)
    return pair[1] if lang == "en" else pair[0]


def label(catalog_row, lang: str) -> str:
    """An indicator's label in ``lang`` from a catalog row (Series or mapping)."""
    return str(catalog_row["label_en" if lang == "en" else "label_es"])


# --- GeoDa's everyday views on the Conglomerados page (issue 12) ---
STRINGS.update({
    "geoda_view": ("Vista", "View"),
    "geoda_error": ("Esta vista no se puede calcular para «{name}»: tiene dato en {n} "
                    "distritos, con {k} valores distintos; se necesitan al menos 4 distritos "
                    "con valores que varíen.",
                    "This view cannot be computed for “{name}”: it has data for {n} "
                    "districts, with {k} distinct values; it needs at least 4 districts with "
                    "values that vary."),
    "cluster_map": ("Conglomerados: {name}", "Clusters: {name}"),
    "significance_map": ("Significancia: {name}", "Significance: {name}"),
    "p_le": ("p ≤ {p}", "p ≤ {p}"),
    "p_class": ("Valor p", "p-value"),
    "significance_note": (
        "Valor p de {runs} corridas de {perms} permutaciones condicionales, ajustado por la "
        "tasa de falsos descubrimientos (FDR) como las etiquetas del mapa de conglomerados: un "
        "distrito tiene clase de p solo si tiene etiqueta. Inestable: menos de {agree} de "
        "{runs} corridas coinciden en su etiqueta; no se cuenta.",
        "p-value from {runs} runs of {perms} conditional permutations, adjusted for the false "
        "discovery rate (FDR) as the cluster map's labels are: a district has a p class only "
        "if it has a label. Unstable: fewer than {agree} of {runs} runs agree on its label; it "
        "is not counted."),
    "moran_i": ("I de Moran global", "Global Moran's I"),
    "moran_i_bv": ("I de Moran bivariado", "Bivariate Moran's I"),
    "moran_p": ("Valor p ({n} permutaciones)", "p-value ({n} permutations)"),
    "scatter_x": ("{name} (estandarizado)", "{name} (standardised)"),
    "scatter_y": ("Promedio de los vecinos en|{name}", "Neighbours' average of|{name}"),
    "quadrant": ("Cuadrante", "Quadrant"),
    "lag": ("Promedio de los vecinos (estandarizado)", "Neighbours' average (standardised)"),
    "z_value": ("Valor estandarizado", "Standardised value"),
    "value": ("Valor", "Value"),
    "scatter_note": (
        "Cada punto es un distrito: su valor estandarizado frente al promedio de sus vecinos "
        "(rezago espacial). La pendiente de la recta es el I de Moran; el valor p compara ese "
        "I con {n} permutaciones al azar de los valores. {dropped} distritos sin dato quedan "
        "fuera.",
        "Each point is a district: its standardised value against its neighbours' average "
        "(spatial lag). The line's slope is Moran's I; the p-value compares that I with {n} "
        "random permutations of the values. {dropped} districts without data are left out."),
    "box_map": ("Mapa de caja: {name}", "Box map: {name}"),
    "box_class": ("Clase del mapa de caja", "Box map class"),
    "box_note": (
        "Cuartiles y vallas a {hinge} veces el rango intercuartílico, como en GeoDa: los "
        "atípicos quedan más allá de las vallas. {high} atípicos altos, {low} atípicos bajos.",
        "Quartiles and fences at {hinge} times the interquartile range, as in GeoDa: outliers "
        "lie beyond the fences. {high} upper outliers, {low} lower outliers."),
    "against": ("Frente al promedio de los vecinos en", "Against the neighbours' average of"),
    "bivariate_same": ("Elija un segundo indicador distinto del primero.",
                       "Choose a second indicator different from the first."),
    "bivariate_map": ("{x} frente a {y} de los vecinos", "{x} against neighbours' {y}"),
    "bivariate_note": (
        "Moran local bivariado (GeoDa, esda): el valor de {x} en cada distrito frente al "
        "promedio de {y} en sus vecinos. Alto-alto: ambos por encima del promedio; alto "
        "rodeado de bajos: valor alto de {x} entre vecinos con valor bajo de {y}.",
        "Bivariate Local Moran (GeoDa, esda): each district's {x} against the average {y} of "
        "its neighbours. High-high: both above average; high among lows: high {x} among "
        "neighbours with low {y}."),
})
OPTIONS["hotspot"]["unstable"] = ("inestable", "unstable")
OPTIONS.update({
    "geoda_view": {"clusters": ("Conglomerados y significancia", "Clusters and significance"),
                   "scatter": ("Diagrama de dispersión de Moran", "Moran scatterplot"),
                   "box": ("Mapa de caja (atípicos)", "Box map (outliers)"),
                   "bivariate": ("Moran local bivariado", "Bivariate Local Moran")},
})


# --- Answers at the edges (issue 20): money a frontier point leaves, how people reached are
# estimated, children measured per 100 resident ---
STRINGS.update({
    "bud_unspent": ("Dinero sin usar", "Money left unspent"),
    "bud_reached_stunted": (
        "Niños con desnutrición alcanzados = niños menores de 5 años que viven en el distrito "
        "(INEI 2020) × su desnutrición estimada por Fay–Herriot con el SIEN-HIS 2022 y ajustada "
        "a la ENDES 2022 de su departamento. SIEN-HIS cuenta a los niños donde se los "
        "midió (su establecimiento de salud), no donde viven: en {k} distritos se midió a más "
        "niños de los que viven allí (más de 100 medidos por cada 100 residentes, página "
        "Distrito), y allí la tasa medida incluye a niños de distritos vecinos.",
        "Stunted children reached = children under 5 living in the district (INEI 2020) × its "
        "stunting estimated by Fay–Herriot from SIEN-HIS 2022 and benchmarked to its "
        "department's ENDES 2022. SIEN-HIS counts children where they were measured (their "
        "health facility), not where they live: in {k} districts more children were measured "
        "than live there (over 100 measured per 100 residents, District page), and there the "
        "measured rate also covers children from neighbouring districts."),
    "bud_reached_children": (
        "Personas alcanzadas = población del distrito en la edad (INEI 2020) × su tasa "
        "suavizada SIEN-HIS 2022, medida donde se atendió a los niños.",
        "People reached = the district's population of that age (INEI 2020) × its smoothed "
        "SIEN-HIS 2022 rate, measured where the children were seen."),
    "bud_reached_poor": (
        "Personas en pobreza alcanzadas = población 2020 (2017 donde falta) × pobreza 2018 "
        "(INEI): un orden de magnitud, no un conteo.",
        "People in poverty reached = population 2020 (2017 where missing) × poverty 2018 "
        "(INEI): an order of magnitude, not a count."),
    "measured_per_resident": ("Niños medidos por cada 100 residentes (menores de 5, 2022)",
                              "Children measured per 100 residents (under 5, 2022)"),
    "measured_over": (
        "En este distrito se midió a más niños de los que viven en él ({v} por cada 100): "
        "SIEN-HIS los cuenta en su establecimiento de salud, y los niños con desnutrición "
        "contados aquí ({counted}) pueden superar la estimación para sus residentes ({est}).",
        "More children were measured in this district than live in it ({v} per 100): SIEN-HIS "
        "counts them at their health facility, and the stunted children counted here "
        "({counted}) may exceed the estimate for its residents ({est})."),
})


# --- Small-area estimates on the District page (issue 23) ---
STRINGS.update({
    "est_title": ("Desnutrición crónica 2022: tres estimaciones",
                  "Stunting 2022: three estimates"),
    "est_kind": ("Estimación", "Estimate"),
    "est_value": ("Valor", "Value"),
    "est_interval": ("Intervalo 90%", "90% interval"),
    "est_from": ("De dónde viene", "Where it comes from"),
    "est_raw": ("Medida (SIEN-HIS)", "Measured (SIEN-HIS)"),
    "est_raw_from": ("{y} de {n} niños menores de 5 años medidos",
                     "{y} of {n} children under 5 measured"),
    "est_raw_none": ("ningún niño medido", "no child measured"),
    "est_eb": ("Bayes empírico", "Empirical Bayes"),
    "est_eb_from": ("la tasa medida, acercada a la nacional cuanto menos niños se midieron",
                    "the measured rate, pulled towards the national one the fewer children "
                    "were measured"),
    "est_fh": ("Fay–Herriot (la que usa el escenario DCI)", "Fay–Herriot (the one DCI uses)"),
    "est_fh_from": ("pesa {g} la tasa medida en el distrito y el resto la de distritos "
                    "parecidos (censo, pobreza, altitud)",
                    "the rate measured in the district weighs {g}, the rate of similar "
                    "districts (census, poverty, altitude) the rest"),
    "est_fh_none": ("solo de distritos parecidos (censo, pobreza, altitud): ningún niño medido",
                    "from similar districts only (census, poverty, altitude): no child "
                    "measured"),
    "interval_width": ("Ancho del intervalo {level}%: {name}", "{level}% interval width: {name}"),
    "points": ("puntos porcentuales", "percentage points"),
    "width_note": ("Cuanto más ancho el intervalo, menos se sabe de la cifra del distrito (p. "
                   "ej., pocos niños medidos).",
                   "The wider the interval, the less is known of the district's figure (e.g. "
                   "few children measured)."),
})
