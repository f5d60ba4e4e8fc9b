"""The app, driven by Streamlit's AppTest: widgets change what the page shows."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import geoprio
from geoprio.scenario import Scenario

TIMEOUT = 120


@pytest.fixture()
def app() -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def ranking_table(at: AppTest):
    return next(df.value for df in at.dataframe if "reasons" in df.value.columns)


def test_opens_in_spanish_with_the_dci_preset(app):
    assert app.title[0].value == "geoprio: ¿qué distritos atender primero?"
    m = metrics(app)
    assert m["Seleccionados"] == "375"
    table = ranking_table(app)
    expected = geoprio.prioritize(geoprio.load_districts(), Scenario.preset("dci"))
    first = expected.loc[expected["rank"] == 1, "ubigeo"].item()
    assert table.iloc[0]["ubigeo"] == first


def test_preset_changes_the_top_district(app):
    before = ranking_table(app).iloc[0]["ubigeo"]
    app.selectbox(key="preset_choice").set_value("fonie").run()
    assert not app.exception
    assert metrics(app)["Seleccionados"] == "800"  # every eligible district (Ley 29951)
    after = ranking_table(app).iloc[0]["ubigeo"]
    fonie = geoprio.prioritize(geoprio.load_districts(), Scenario.preset("fonie"))
    assert after == fonie.loc[fonie["rank"] == 1, "ubigeo"].item()
    assert after != before


def test_bad_rule_shows_a_message_not_a_traceback(app):
    app.sidebar.text_area[0].set_value("__import__('os').system('echo hi')")
    app.sidebar.button[0].click().run()
    assert not app.exception
    errors = [e.value for e in app.sidebar.error]
    assert errors and errors[0].startswith("La regla no es válida")
    assert metrics(app)["Seleccionados"] == "375"  # the previous scenario stays in force


def test_english_switch_translates_the_page(app):
    app.sidebar.radio[0].set_value("en").run()
    assert app.title[0].value == "geoprio: which districts to serve first?"
    assert "Selected" in metrics(app)


def test_scenario_lives_in_the_url(app):
    token = app.query_params["s"][0] if isinstance(app.query_params["s"], list) \
        else app.query_params["s"]
    assert Scenario.from_token(token) == Scenario.preset("dci")


def test_clusters_tab_shows_zones_and_hotspots(app):
    app.radio(key="cluster_kind").set_value("zones").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "8 zonas contiguas" in text
    app.radio(key="cluster_kind").set_value("hotspots").run()
    assert not app.exception
    _, result = geoprio.hotspots(geoprio.load_districts(), "stunting_u5_2019")
    assert result.summary_es in " ".join(m.value for m in app.markdown)


def test_district_tab_profile_of_the_default_district(app):
    tables = [df.value for df in app.dataframe if "Nacional" in df.value.columns]
    assert tables, "district profile table not shown"
    prof = tables[0].set_index("Indicador")
    assert prof.loc["Niños menores de 5 años 2020", "Valor"] == "404"  # Yurúa, 250204
    assert prof.loc["Niños menores de 5 años 2020", "Nacional"] == "2,788,624"


def _upload(values, worse: bool) -> dict:
    return {"cov": {"values": values, "row": {
        "id": "cov", "label_es": "cobertura", "label_en": "coverage", "unit": "%",
        "year": 2024, "source": "test", "higher_is_worse": worse, "kind": "indicator",
        "aggregate": "wmean:pop_2020", "description": "", "caveats": ""}}}


def test_two_sessions_same_values_other_direction_get_their_own_ranking():
    table = geoprio.load_districts().set_index("ubigeo")
    values = table["hdi_2019"].astype("float64")
    token = Scenario(name="mine", weights={"cov": 1}, n_draws=0).to_token()
    first = {}
    for worse in (True, False):  # one session after the other, sharing the process's caches
        at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
        at.session_state["uploads"] = _upload(values, worse)
        at.query_params["s"] = token
        at.run()
        assert not at.exception, at.exception
        first[worse] = ranking_table(at).iloc[0]["ubigeo"]
    assert first[True] == values.idxmax()  # higher is worse: the highest value first
    assert first[False] == values.idxmin()


def test_process_caches_hand_out_private_copies():
    from app import state

    a = state.base_districts()
    a.loc[0, "poverty_2018"] = -1.0
    assert state.base_districts().loc[0, "poverty_2018"] != -1.0
    c = state.base_catalog()
    c.loc[0, "label_es"] = "cambiado"
    assert state.base_catalog().loc[0, "label_es"] != "cambiado"


def test_threshold_on_z_scores_is_accepted():
    s = Scenario(name="z", weights={"poverty_2018": 1}, normalisation="zscore", threshold=-0.5,
                 n_draws=0)
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    at.query_params["s"] = s.to_token()
    at.run()
    assert not at.exception, at.exception
    out = geoprio.prioritize(geoprio.load_districts(), s)
    assert int(out["selected"].sum()) > 1000  # below-average districts pass a negative threshold
    assert metrics(at)["Seleccionados"] == f"{int(out['selected'].sum()):,}"
