"""The app, driven by Streamlit's AppTest: the pages as a planner uses them.

Each page is a Streamlit page (``st.navigation``): ``page(at, "ranking")`` opens one. The
Monte Carlo runs in a background job: :func:`settle` waits for it and reruns, as the page's
own poll does in a browser. Expected figures come from ``geoprio`` called directly (the
engine as oracle), from hand-written conventions (INEI's number format) or from the presets'
documented definitions.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import geoprio
from app.runtime.state import jobs
from geoprio.engine.scenario import Scenario

TIMEOUT = 120
NBSP = "\u00a0"


def settle(at: AppTest) -> AppTest:
    """Wait for the background Monte Carlo and rerun (what the page's poll does)."""
    jobs().wait_all(timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def make(query: dict | None = None, session: dict | None = None,
         timeout: float = TIMEOUT) -> AppTest:
    """The app after its first run (and the Monte Carlo), with ``?query`` and session state."""
    at = AppTest.from_file("../streamlit_app.py", default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return settle(at)


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"app/pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture()
def app() -> AppTest:
    return make()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def ranking_table(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "reasons" in df.value.columns)


def token(at: AppTest) -> str:
    value = at.query_params["s"]
    return value[0] if isinstance(value, list) else value


def applied(at: AppTest) -> Scenario:
    return Scenario.from_token(token(at))


def expected(scenario: Scenario, lang: str = "es") -> pd.DataFrame:
    return geoprio.prioritize(geoprio.load_districts(), scenario, lang=lang)


# ----------------------------------------------------------------------------- opening
def test_opens_in_spanish_on_the_map_with_the_dci_preset(app):
    assert app.title[0].value == "geoprio: ¿qué distritos atender primero?"
    assert app.caption[0].value.startswith(f"1{NBSP}874 distritos del Perú")
    assert applied(app) == Scenario.preset("dci")
    assert app.selectbox(key="mapa").value == "score"  # the map page is the default
    page(app, "ranking")
    m = metrics(app)
    assert m["Seleccionados"] == "375"
    out = expected(Scenario.preset("dci"))
    assert m["Elegibles"] == f"{int(out['eligible'].sum()):,}".replace(",", NBSP)
    first = out.loc[out["rank"] == 1, "ubigeo"].item()
    assert ranking_table(app).iloc[0]["ubigeo"] == first


def test_english_switch_translates_the_page_and_the_presets():
    at = make({"lang": "en"})
    assert at.title[0].value == "geoprio: which districts to serve first?"
    assert at.caption[0].value.startswith("Peru's 1,874 districts")
    box = at.selectbox(key="sc_preset")
    assert box.options == ["FONIE (basic services)", "MIDIS chronic malnutrition",
                           "Anemia (6-35 months)"]
    page(at, "ranking")
    assert metrics(at)["Selected"] == "375"


# ----------------------------------------------------------- the scenario on screen (blocker)
def test_preset_switch_loads_every_control_and_applying_it_gives_the_preset(app):
    fonie = Scenario.preset("fonie")
    app.selectbox(key="sc_preset").set_value("fonie").run()
    # each slider shows FONIE's weight (equal weights: 20% each), none left from DCI
    shown = {s.key.removeprefix("sc_w_"): s.value for s in app.slider}
    assert shown == {k: pytest.approx(100 / len(fonie.weights)) for k in fonie.weights}
    assert app.text_area(key="sc_rule").value == fonie.rule
    assert app.radio(key="sc_mode").value == "all"
    assert applied(app) == fonie
    app.button(key="sc_apply").click().run()  # "Aplicar" without touching anything
    assert applied(app) == fonie  # exactly the documented preset, under its own name
    assert not any("modificado" in s.label for s in app.slider)
    page(settle(app), "ranking")
    out = expected(fonie)
    assert metrics(app)["Seleccionados"] == str(int(out["selected"].sum()))  # every eligible


def test_a_changed_control_says_modificado_and_so_do_the_name_and_the_methodology(app):
    app.selectbox(key="sc_preset").set_value("fonie").run()
    app.slider(key="sc_w_poverty_2018").set_value(50.0).run()
    label = app.slider(key="sc_w_poverty_2018").label
    assert label == "Pobreza monetaria 2018 · modificado"
    assert [s.label for s in app.slider if "modificado" in s.label] == [label]
    assert "Hay cambios sin aplicar: pulse «Aplicar»." in [w.value for w in app.warning]
    app.button(key="sc_apply").click().run()
    new = applied(app)
    assert new.name == "fonie (modificado)"
    assert new.description.startswith("Modificado a partir de «FONIE (servicios básicos)» "
                                      "(pesos).")
    # FONIE's five weights at 20% each, poverty moved to 50%: shares 20/130 and 50/130
    assert new.weights["poverty_2018"] == 0.5 and new.weights["no_water_2017"] == 0.2
    assert {k: v for k, v in new.to_dict().items() if k not in ("name", "description",
                                                                 "weights")} == {
        k: v for k, v in Scenario.preset("fonie").to_dict().items()
        if k not in ("name", "description", "weights")}
    assert not [w.value for w in app.warning if "sin aplicar" in w.value]
    assert any("FONIE (servicios básicos) · modificado" in m.value for m in app.markdown)
    # the export: its file name and its methodology sheet say so
    from app.views.ranking import export_bytes

    page(settle(app), "ranking")  # (the browser test checks the downloaded file's name)
    assert [b.label for b in app.get("download_button")] == ["Descargar CSV"]
    data = export_bytes(("t", "u", "", True, "es", ".xlsx", "", "2026-11-28"),
                        _table=ranking_table(app),
                        _scenario=new, _catalog=geoprio.catalog())
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data))["metodologia"]
    rows = {r[0]: r[1] for r in sheet.iter_rows(values_only=True)}
    assert rows["Escenario"] == "FONIE (servicios básicos) (modificado)"
    assert rows["Descripción"].startswith("Modificado a partir de «FONIE (servicios básicos)»")
    assert rows["Fecha de descarga"] == "2026-11-28"  # the date of the export, as the key says


def test_bad_rule_shows_a_message_and_keeps_the_scenario(app):
    app.text_area(key="sc_rule").set_value("__import__('os').system('echo hi')").run()
    app.button(key="sc_apply").click().run()
    assert not app.exception
    errors = [e.value for e in app.sidebar.error]
    assert errors and errors[0].startswith("La regla no es válida")
    assert applied(app) == Scenario.preset("dci")  # the previous scenario stays in force


@pytest.mark.parametrize(("rule", "said"), [
    ("poverty_2018 >= 40 and", "en la columna 22: la regla termina antes de tiempo"),
    ("poverty_2018 = 40", "(para comparar use ==, no =)"),
    ("povrety_2018 >= 40", "nombre desconocido «povrety_2018» (¿quiso decir «poverty_2018», "
                           "«poverty_2018_lo»"),
    ("vraem or len(x)", "una llamada a función en la columna 10"),
])
def test_a_rule_typo_is_told_in_spanish_with_its_position(app, rule, said):
    app.text_area(key="sc_rule").set_value(rule).run()
    app.button(key="sc_apply").click().run()
    error = " ".join(e.value for e in app.sidebar.error)
    assert error.startswith("La regla no es válida: "), error
    assert said in error, error
    assert not re.search(r"\b(rule|is not|valid|expression|unknown|name)\b", error), error


def test_a_link_restores_the_scenario_the_map_and_the_search():
    s = Scenario.preset("anemia").replace(top_n=50, n_draws=0)
    at = make({"s": s.to_token(), "mapa": "poverty_2018", "clasificacion": "fisher_jenks",
               "clases": "7"})
    # the preset with two controls changed: named so, everything else as in the link
    assert applied(at).replace(name=s.name, description=s.description) == s
    assert applied(at).name == "anemia (modificado)"
    assert at.selectbox(key="sc_preset").value == "anemia"
    assert at.selectbox(key="mapa").value == "poverty_2018"
    assert at.selectbox(key="clasificacion").value == "fisher_jenks"
    assert at.number_input(key="clases").value == 7
    at.query_params["buscar"] = "junin"
    page(at, "ranking")
    assert at.text_input(key="buscar").value == "junin"
    table = ranking_table(at)
    assert len(table) and (table["department"] == "JUNÍN").all()


def test_a_link_from_the_old_app_with_a_preset_name_and_other_weights_says_modificado():
    # the defect's own link: "fonie" carrying DCI's shared weights
    wrong = Scenario.preset("fonie").replace(weights={**Scenario.preset("fonie").weights,
                                                      "no_water_2017": 0.15})
    at = make({"s": wrong.to_token()})
    assert applied(at).name == "fonie (modificado)"
    assert at.slider(key="sc_w_no_water_2017").label.endswith("· modificado")


# ----------------------------------------------------------------------------- search
@pytest.mark.parametrize(("query", "ubigeo"), [("Yurúa", "250204"), ("yurua", "250204"),
                                                ("rio tambo", "120608"),
                                                ("RÍO TAMBO", "120608"),
                                                ("pangoa junin", "120606"), ("250204", "250204")])
def test_search_ignores_accents_and_case(app, query, ubigeo):
    page(app, "ranking")
    app.checkbox(key="solo").set_value(False)
    app.text_input(key="buscar").set_value(query).run()
    table = ranking_table(app)
    assert ubigeo in set(table["ubigeo"])
    assert len(table) < 10


# ------------------------------------------------------------------- uploaded indicators
def test_an_uploaded_column_with_an_accented_header_reaches_every_page(app):
    table = geoprio.load_districts()
    rows = "\n".join(f"{u},{i % 97}" for i, u in enumerate(table["ubigeo"]))
    csv = f"ubigeo,Cobertura vacunación niño (%)\n{rows}\n".encode()
    page(app, "datos")
    app.file_uploader(key="up_table").set_value(("cobertura.csv", csv, "text/csv")).run()
    assert not app.exception
    assert app.text_input(key="up_table_label").value == "Cobertura vacunación niño (%)"
    assert "cobertura_vacunacion_nino" in " ".join(c.value for c in app.caption)
    app.button(key="up_table_add").click().run()
    assert not app.exception
    assert any("cobertura_vacunacion_nino" in s.value for s in app.success)
    # at once: the weights' "add an indicator", the map's indicators, a rule, the district
    assert "Cobertura vacunación niño (%)" in app.selectbox(key="sc_add").options
    app.selectbox(key="sc_add").set_value("cobertura_vacunacion_nino").run()
    assert app.slider(key="sc_w_cobertura_vacunacion_nino").label.startswith(
        "Cobertura vacunación niño (%)")
    app.text_area(key="sc_rule").set_value("cobertura_vacunacion_nino >= 10").run()
    app.button(key="sc_apply").click().run()
    assert not app.sidebar.error, [e.value for e in app.sidebar.error]
    new = applied(app)
    assert new.rule == "cobertura_vacunacion_nino >= 10"
    assert "cobertura_vacunacion_nino" in new.weights
    page(app, "mapa")
    assert "Cobertura vacunación niño (%)" in app.selectbox(key="mapa").options
    page(app, "distrito")
    profile = next(df.value for df in app.dataframe if "Nacional" in df.value.columns)
    assert "Cobertura vacunación niño (%)" in set(profile["Indicador"])


# ----------------------------------------------------------------------------- budget
def test_budget_says_what_it_maximised_and_why_large_towns_enter():
    s = Scenario.preset("dci").replace(top_n=None, budget=50_000_000,
                                       cost_per_district=1_000_000, n_draws=0)
    at = page(make({"s": s.to_token()}), "ranking")
    note = " ".join(i.value for i in at.info)
    out = expected(s)
    info = out.attrs["budget"]
    assert "**Presupuesto S/\u00a050\u00a0000\u00a0000**" in note
    assert "Se maximizó **niños con desnutrición crónica**" in note
    assert f"{int(out['selected'].sum())} distritos" in note  # 50: one million each
    assert int(out["selected"].sum()) == 50
    assert "Por eso entran distritos grandes con tasas bajas" in note
    assert "ponderados por la tasa" in note
    assert info["need"] == "stunted_children"
    weighted = s.replace(need="stunted_children_rate_weighted")
    at = page(make({"s": weighted.to_token()}), "ranking")
    note = " ".join(i.value for i in at.info)
    assert "Cada persona cuenta en proporción a la tasa de su distrito" in note


# ----------------------------------------------------------------------------- numbers
def test_numbers_as_inei_writes_them(app):
    page(app, "ranking")
    m = metrics(app)
    out = expected(Scenario.preset("dci"))
    pop = out.loc[out["selected"], "poor_people"].sum()
    assert m["Personas en pobreza"] == f"{pop:,.0f}".replace(",", NBSP)
    assert re.fullmatch(r"375 de 1\u00a0874 distritos", app.caption[-3].value) or any(
        c.value == f"375 de 1{NBSP}874 distritos" for c in app.caption)
    config = json.loads(next(df for df in app.dataframe
                             if "reasons" in df.value.columns).proto.columns)
    assert config["rank"]["type_config"]["format"] == f"%'{NBSP},d"
    page(app, "distrito")
    profile = next(df.value for df in app.dataframe if "Nacional" in df.value.columns)
    row = profile.set_index("Indicador").loc["Niños menores de 5 años 2020"]
    nation = geoprio.load_districts()["under5_2020"].sum()
    assert row["Valor"] == "404"  # Yurúa, 250204
    assert row["Nacional"] == f"{nation:,.0f}".replace(",", NBSP)
    assert row["Nacional"] == f"2{NBSP}788{NBSP}624"  # MINSA's national row (Huachipa counted)
    stunting = profile.set_index("Indicador").loc["Desnutrición crónica en menores de 5 años 2019"]
    assert re.fullmatch(r"\d+,\d", stunting["Valor"])  # one decimal, a comma
    # Peru's poverty is INEI's published 20.5%; a mean no source publishes says "*"
    poverty = profile.set_index("Indicador").loc["Pobreza monetaria 2018"]
    assert poverty["Nacional"] == "20,5" and poverty["Departamento"].endswith(" *")
    s22 = profile.set_index("Indicador").loc["Desnutrición crónica en menores de 5 años 2022 "
                                             "(tasa bruta)"]
    assert s22["Nacional"] == "15,3" and not s22["Departamento"].endswith("*")  # INS's rows


def test_legend_labels_never_repeat_on_the_fonie_map():
    """FONIE's score map read "0.5 – 0.5" in three of five classes; not any more."""
    from app.views.map import render  # noqa: F401  (the page uses geoprio.fmt.break_labels)
    from geoprio import fmt
    from geoprio.report import mapping

    out = expected(Scenario.preset("fonie").replace(n_draws=0))
    breaks = mapping.class_breaks(out["score"], scheme="quantiles", k=5)
    new = fmt.break_labels(breaks.lower, breaks.bins)
    assert breaks.labels() == new  # the exported maps' legends use the same labels
    # the breaks that read "0.5 – 0.5" at one decimal, worked by hand: three decimals needed
    assert fmt.break_labels(0.4989, [0.5012, 0.5049, 0.5101, 0.79]) == [
        "0,499 – 0,501", "0,501 – 0,505", "0,505 – 0,510", "0,510 – 0,790"]
    assert len(set(new)) == len(new) == 5
    assert all(a != b for a, b in (label.split(" – ") for label in new))
    at = make({"s": Scenario.preset("fonie").to_token()})
    legend = json.loads(next(e for e in at.get("component_instance")).proto.json_args)["legend"]
    for label in new:
        assert label in legend


# ----------------------------------------------------------------------------- charts
def test_endes_chart_reads_years_as_years_and_says_its_unit():
    from app.views.district import endes_chart

    title, chart = endes_chart("25", "es")
    spec = chart.to_dict()
    enc = spec["encoding"]
    assert title == "ENDES Ucayali: desnutrición crónica y anemia 2009–2025 (encuesta por " \
                    "departamento)"
    assert enc["x"]["axis"]["format"] == "d"  # 2009, not 2,009
    assert enc["x"]["scale"]["domain"] == [2009, 2025] and enc["x"]["scale"]["nice"] is False
    assert enc["y"]["title"] == "% de niños"
    series = set(pd.DataFrame(spec["datasets"][spec["data"]["name"]])["series"])
    assert series == {"Desnutrición crónica (< 5 años) · Ucayali",
                      "Desnutrición crónica (< 5 años) · Perú",
                      "Anemia (6 a 35 meses) · Ucayali", "Anemia (6 a 35 meses) · Perú"}
    assert enc["color"]["legend"]["labelLimit"] == 0


def test_cluster_profile_is_a_diverging_heat_table_not_stacked_bars(app):
    page(app, "conglomerados")
    charts = app.get("vega_lite_chart")
    spec = json.loads(charts[0].proto.spec)
    layers = spec["layer"]
    assert layers[0]["mark"]["type"] == "rect"
    colour = layers[0]["encoding"]["color"]
    assert colour["scale"]["domainMid"] == 0 and colour["scale"]["scheme"] == "redblue"
    # one row per indicator (long labels on the left, never over the values), a column a group
    enc = layers[0]["encoding"]
    assert enc["y"]["field"] == "indicator" and enc["y"]["axis"]["labelLimit"] == 0
    assert enc["x"]["field"] == "number" and enc["x"]["axis"]["labelAngle"] == 0
    assert spec["height"] >= 40 * 4  # four indicators, 40 px each at least
    means = next(df.value for df in app.dataframe if "Grupo" in df.value.columns)
    assert list(means.columns[:4]) == ["Grupo", "Perfil", "Distritos", "Población"]
    assert "Pobreza monetaria 2018 (%)" in means.columns


def test_weights_are_sliders_with_whole_labels_not_chips(app):
    labels = [s.label for s in app.slider]
    cat = geoprio.catalog().set_index("id")
    assert labels == [cat.loc[i, "label_es"] for i in Scenario.preset("dci").weights]
    assert len(set(labels)) == len(labels)
    assert not [m for m in app.sidebar.multiselect if m.label.startswith("Indicadores")]


# ------------------------------------------------------------------- Spanish throughout
RAW_OPTIONS = ("minmax", "zscore", "arithmetic", "arithme", "geometric", "reweight",
               "exclude", "impute", "kmeans", "gmm", "local_moran", "gi_star", "quantiles",
               "fisher_jenks", "equal_interval", "natural_breaks", "top_n", "threshold",
               "label_es", "label_en", "population", "size", "empty", "typology", "hotspots",
               "HH", "HL", "LH", "LL", "ns", "VALIDATION.md", "--scheme")
ENGLISH = re.compile(r"\b(the|of|and|with|without|is|are|not|rows?|selected|empty|see|"
                     r"score|matched|districts?)\b", re.IGNORECASE)
#: columns whose cells are data or codes, not the page's words
DATA_COLUMNS = {"Id (para reglas)", "Fuente", "Advertencias", "Distrito", "Provincia",
                "Departamento", "Ubigeo", "Perfil", "Código"}


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows that the app wrote: titles, labels, options, help, values,
    headers, alerts, metric labels and values, chart titles and legends, the map's legend."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "warning", "error", "success"):
        out += [e.value for e in getattr(at, kind)]
    for m in at.metric:
        out += [m.label, m.value, m.help or ""]
    for kind in ("selectbox", "multiselect", "radio", "select_slider"):
        for w in getattr(at, kind):
            out += [w.label, w.help or "", *map(str, w.options)]
            out.append(getattr(w.proto, "placeholder", ""))
    for kind in ("slider", "checkbox", "text_input", "text_area", "number_input", "button"):
        for w in getattr(at, kind):
            out += [w.label, w.help or ""]
            out.append(getattr(w.proto, "placeholder", ""))
    for df in at.dataframe:
        config = json.loads(df.proto.columns or "{}")
        headers = {c: (config.get(c, {}) or {}).get("label") or c for c in df.value.columns}
        out += list(headers.values())
        for col, header in headers.items():
            if header in DATA_COLUMNS or not pd.api.types.is_string_dtype(df.value[col]):
                continue
            out += [str(v) for v in df.value[col].dropna().unique()[:200]]
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        out += [json.dumps(spec.get("encoding", {}), ensure_ascii=False)]
        for layer in spec.get("layer", []):
            out += [json.dumps(layer.get("encoding", {}), ensure_ascii=False)]
    for comp in at.get("component_instance"):
        args = json.loads(comp.proto.json_args)
        out += [re.sub(r"<[^>]+>", " ", args.get("legend", "")), *args.get("aliases", [])]
    return [x for x in out if x]


def _raw(text: str, ids: set[str]) -> list[str]:
    found = [w for w in RAW_OPTIONS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    found += [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text)]
    return found


@pytest.mark.parametrize("name", ["mapa", "ranking", "conglomerados", "distrito", "datos"])
def test_spanish_pages_show_no_raw_id_and_no_english_sentence(name):
    at = page(make(), name)
    if name == "conglomerados":
        texts = page_texts(at)
        at.radio(key="analisis").set_value("zones").run()
        texts += page_texts(at)
        at.radio(key="analisis").set_value("hotspots").run()
        texts += page_texts(at)
    else:
        texts = page_texts(at)
    ids = set(geoprio.catalog()["id"]) | {"score", "stunted_children", "anemic_children",
                                          "poor_people", "poverty_quintile_2018"}
    # the rule box holds a rule (ids are its syntax) and its help shows one: not page words
    rule = Scenario.preset("dci").rule
    problems = {}
    for text in texts:
        if text == rule or text.startswith("Ejemplo: poverty_2018"):
            continue
        raw, english = _raw(text, ids), ENGLISH.findall(text)
        english = [w for w in english if not re.search(
            r"(?i)\b(Fisher-Jenks|Getis-Ord|Ward|OpenStreetMap|GeoPackage|GeoJSON)\b", w)]
        if raw or english:
            problems[text[:120]] = raw + english
    assert not problems, problems


def test_the_check_catches_what_the_old_page_showed():
    """The check above is not blind: the texts issue 12 found on the old page fail it."""
    ids = set(geoprio.catalog()["id"])
    for old in ("arithme", "minmax", "kmeans", "HH", "poverty_2018_z",
                "The join report: 3 rows matched (--scheme)", "empty",
                "anemia_6_35m · Amazonas", "Revisar … ver VALIDATION.md"):
        assert _raw(old, ids | {"poverty_2018_z", "anemia_6_35m"}) or ENGLISH.findall(old), old


# ----------------------------------------------------------------- sessions and caches
def _upload(values, worse: bool) -> dict:
    return {"cov": {"values": values, "row": {
        "id": "cov", "label_es": "cobertura", "label_en": "coverage", "unit": "%",
        "year": 2024, "source": "test", "higher_is_worse": worse, "kind": "indicator",
        "aggregate": "wmean:pop_2020", "description": "", "caveats": ""}}}


def test_two_sessions_same_values_other_direction_get_their_own_ranking():
    table = geoprio.load_districts().set_index("ubigeo")
    values = table["hdi_2019"].astype("float64")
    scenario = Scenario(name="mine", weights={"cov": 1}, n_draws=0)
    first = {}
    for worse in (True, False):  # one session after the other, sharing the process's caches
        at = page(make({"s": scenario.to_token()}, {"uploads": _upload(values, worse)}),
                  "ranking")
        first[worse] = ranking_table(at).iloc[0]["ubigeo"]
    assert first[True] == values.idxmax()  # higher is worse: the highest value first
    assert first[False] == values.idxmin()


def test_process_caches_hand_out_private_copies():
    from app.runtime import state

    a = state.base_districts()
    a.loc[0, "poverty_2018"] = -1.0
    assert state.base_districts().loc[0, "poverty_2018"] != -1.0
    c = state.base_catalog()
    c.loc[0, "label_es"] = "cambiado"
    assert state.base_catalog().loc[0, "label_es"] != "cambiado"


def test_threshold_on_z_scores_is_accepted():
    s = Scenario(name="z", weights={"poverty_2018": 1}, normalisation="zscore", threshold=-0.5,
                 n_draws=0)
    at = page(make({"s": s.to_token()}), "ranking")
    out = expected(s)
    assert int(out["selected"].sum()) > 1000  # below-average districts pass a negative threshold
    assert metrics(at)["Seleccionados"] == f"{int(out['selected'].sum()):,}".replace(",", NBSP)


def test_the_point_ranking_comes_first_and_the_monte_carlo_fills_it_in():
    s = Scenario.preset("dci").replace(weights={**Scenario.preset("dci").weights,
                                                "anemia_6_35m_2019": 0.33})
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params["s"] = s.to_token()
    at.run()
    page(at, "ranking")
    view = at.session_state["view"]
    out = expected(s)
    if not view.complete:  # the draws still running: final list, no probabilities yet
        assert metrics(at)["Inciertos en la lista"] == "calculando…"
        assert "p_selected" not in ranking_table(at).columns
        assert (view.ranked["selected"] == out["selected"]).all()
    settle(at)
    view = at.session_state["view"]
    assert view.complete
    # the uncertain ones counted apart: those in the list (of its size) and those outside
    unsure, chosen = out["selection_uncertain"], out["selected"]
    assert metrics(at)["Inciertos en la lista"] == (
        f"{int((unsure & chosen).sum())} de {int(chosen.sum())}")
    assert metrics(at)["Fuera, podrían entrar"] == str(int((unsure & ~chosen).sum()))
    pd.testing.assert_series_equal(view.ranked["p_selected"], out["p_selected"])


def test_scenario_form_round_trip_for_every_preset():
    from app.widgets.scenario_form import changed, form_values, scenario_from

    for name in ("fonie", "dci", "anemia"):
        s = Scenario.preset(name)
        values = form_values(s)
        assert scenario_from(values, s, "es") == s
        assert changed(values, form_values(s)) == set()
        # every weight scaled alike is the same scenario (the engine rescales them)
        doubled = {k: (2 * v if k.startswith("sc_w_") else v) for k, v in values.items()}
        assert scenario_from(doubled, s, "es") == s


def test_a_control_streamlit_dropped_comes_back_from_the_applied_scenario(monkeypatch):
    """A run interrupted before the panel was drawn (a second rerun arriving first, e.g. the
    Monte Carlo's) makes Streamlit forget those widgets' values: found by the load benchmark,
    where the next run broke with a KeyError. The panel puts them back from the scenario
    applied. (AppTest cannot drop a widget's key, so the session is a plain dict here.)"""
    import streamlit as st

    from app.widgets import sidebar
    from app.widgets.scenario_form import form_values

    anemia = Scenario.preset("anemia")
    state = {"sc_applied": anemia, "sc_base": anemia, **form_values(anemia)}
    for key in ("sc_norm", "sc_missing", "sc_rule", "sc_w_poverty_2018", "sc_inds"):
        del state[key]
    monkeypatch.setattr(st, "session_state", state)
    sidebar._restore_missing()
    assert state["sc_missing"] == anemia.missing == "exclude"
    assert state["sc_rule"] == anemia.rule and state["sc_norm"] == anemia.normalisation
    assert state["sc_inds"] == list(anemia.weights)
    assert state["sc_w_poverty_2018"] == pytest.approx(20.0)  # 0.2 of the weights' sum, 1


# ------------------------------------------------------- small-area estimates (issue 23)
@pytest.mark.parametrize(("code", "rows"), [
    # Asunción (Amazonas): 1 of 6 stunted; EB 15.7% (5.7-28.8), FH 16.7% (10.2-24.0), as the
    # methodology (3.13) states them
    ("010102", [["Medida (SIEN-HIS)", "16,7%", "—", "1 de 6 niños menores de 5 años medidos"],
                ["Bayes empírico", "15,7%", "5,7%–28,8%"],
                ["Fay–Herriot (la que usa el escenario DCI)", "16,7%", "10,2%–24,0%"]]),
    # Huanchay (Áncash): no child under 5 measured; FH 20.2% (12.8-28.2), methodology 3.13
    ("020104", [["Medida (SIEN-HIS)", "—", "—", "ningún niño medido"],
                ["Bayes empírico", "—", "—"],
                ["Fay–Herriot (la que usa el escenario DCI)", "20,2%", "12,8%–28,2%"]]),
])
def test_the_district_page_sets_the_three_stunting_estimates_side_by_side(code, rows):
    at = page(make({"distrito": code}), "distrito")
    table = next(df.value for df in at.dataframe if "De dónde viene" in df.value.columns)
    got = table.values.tolist()
    assert got[0] == rows[0]
    assert [r[:3] for r in got[1:]] == rows[1:]
    gamma = geoprio.load_districts().set_index("ubigeo").loc[code, "stunting_u5_2022_fh_gamma"]
    if code == "010102":
        assert got[2][3].startswith(f"pesa {peru_pct(gamma)} la tasa medida en el distrito")
    else:
        assert got[2][3].startswith("solo de distritos parecidos")
    assert "Desnutrición crónica 2022: tres estimaciones" in [m.value.strip("*")
                                                             for m in at.markdown]


def peru_pct(x: float) -> str:
    """A percentage with one decimal as Peru writes it, by hand."""
    return f"{x:.1f}".replace(".", ",") + "%"


def test_the_map_shows_the_width_of_a_fay_herriot_interval():
    """Issue 23: the map of an estimate's interval width; the 35 districts with no child
    measured, estimated from similar districts alone, sit among the widest: 32 of the 35 in the
    top fifth, their median width more than twice the measured districts'."""
    import json

    from geoprio.report.mapping import class_breaks

    at = make({"mapa": "stunting_u5_2022_fh__ancho", "clasificacion": "quantiles",
               "clases": "5"})
    assert at.selectbox(key="mapa").value == "stunting_u5_2022_fh__ancho"
    opts = at.selectbox(key="mapa").options
    assert "Ancho del intervalo 90%: Desnutrición crónica en menores de 5 años 2022 " \
           "(Fay–Herriot)" in opts
    assert "Ancho del intervalo 95%: Pobreza monetaria 2018" in opts
    comp = next(c for c in at.get("component_instance") if "map" in c.id)
    args = json.loads(comp.proto.json_args)
    d = geoprio.load_districts(display=True)
    width = d["stunting_u5_2022_fh_hi"] - d["stunting_u5_2022_fh_lo"]
    # quintiles by hand with pandas: the class of each district, the widest fifth on top
    by_hand = pd.qcut(width, 5, labels=False).to_numpy()
    breaks = class_breaks(width, scheme="quantiles", k=5, palette="PuBu")
    assert [breaks.colours.index(args["palette"][i]) for i in args["colour"]] == \
        by_hand.tolist()
    unmeasured = d["evaluated_u5_2022"].fillna(0).eq(0).to_numpy()
    assert (by_hand[unmeasured] == 4).sum() == 32
    assert (by_hand[unmeasured] >= 3).all()
    assert width[unmeasured].median() > 2 * width[~unmeasured].median()
    assert "Ancho del intervalo 90%" in args["legend"]
    assert "puntos porcentuales" in args["legend"]
