"""A link reproduces exactly what its sender saw (issue 19, item 5), and a link cannot pose as
an official preset (issue 21, item 5). AppTest, as a planner opens a link in a new session."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")
from test_app import applied, make, page

import geoprio
from geoprio.engine.scenario import Scenario


def sliders(at) -> dict[str, float]:
    return {s.key.removeprefix("sc_w_"): s.value for s in at.slider
            if s.key and s.key.startswith("sc_w_")}


def test_the_sliders_show_the_senders_weights_not_their_shares():
    # the sender moved DCI's sliders to 30/20/20/20/20 (they add up to 110%)
    dci = Scenario.preset("dci")
    sent = dci.replace(name="dci (modificado)", n_draws=0, weights={
        "stunting_u5_2022_fh": 0.3, "anemia_6_35m_2022_eb": 0.2, "poverty_2018": 0.2,
        "no_water_2017": 0.2, "no_sewer_2017": 0.2})
    at = make({"s": sent.to_token()})
    assert sliders(at) == {"stunting_u5_2022_fh": 30.0, "anemia_6_35m_2022_eb": 20.0,
                           "poverty_2018": 20.0, "no_water_2017": 20.0, "no_sewer_2017": 20.0}
    assert applied(at).weights == sent.weights
    # and the ranking is the sender's
    ranked = geoprio.prioritize(geoprio.load_districts(), sent)
    first = ranked.loc[ranked["rank"] == 1, "ubigeo"].item()
    page(at, "ranking")
    shown = next(df.value for df in at.dataframe if "reasons" in df.value.columns)
    assert shown["ubigeo"].iloc[0] == first


def test_fonie_sliders_read_a_fifth_each():
    at = make({"s": Scenario.preset("fonie").replace(n_draws=0).to_token()})
    assert set(sliders(at).values()) == {20.0}


def test_a_link_named_fonie_that_reverses_the_directions_is_not_the_preset():
    fonie = Scenario.preset("fonie")
    hostile = fonie.replace(n_draws=0, higher_is_worse=dict.fromkeys(fonie.weights, False),
                            seed=7)
    at = make({"s": hostile.to_token()})
    # not shown as the preset: the box holds the link, the header names it as not FONIE
    assert at.selectbox(key="sc_preset").value == "link"
    header = " ".join(m.value for m in at.markdown)
    assert "no es el preset FONIE" in header
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "no es el preset FONIE" in warning
    assert "dirección de los indicadores" in warning and "semilla" in warning
    # the scenario applied is the link's, every field of it
    assert applied(at).higher_is_worse == hostile.higher_is_worse
    assert applied(at).seed == 7
    # choosing FONIE in the box brings the real preset back
    at.selectbox(key="sc_preset").set_value("fonie").run()
    assert applied(at) == Scenario.preset("fonie")


def test_the_real_preset_in_a_link_is_the_preset():
    at = make({"s": Scenario.preset("fonie").to_token()})
    assert at.selectbox(key="sc_preset").value == "fonie"
    assert not [w for w in at.sidebar.warning if "no es el preset" in w.value]
    assert "**Escenario:** FONIE (servicios básicos)" in [m.value for m in at.markdown]


def test_a_link_with_an_uploaded_indicator_says_which_and_opens_after_the_upload():
    table = geoprio.load_districts()
    sent = Scenario.preset("dci").replace(name="mio", n_draws=0, weights={
        "poverty_2018": 0.5, "cobertura_vacunacion": 0.5})
    at = make({"s": sent.to_token()})
    error = " ".join(e.value for e in at.sidebar.error)
    assert "«cobertura\\_vacunacion»" in error or "«cobertura_vacunacion»" in error
    assert "Datos" in error and "not" not in error.split()
    assert applied(at) == Scenario.preset("dci")  # meanwhile the DCI preset
    # the receiver uploads the sender's file on Datos
    rows = "\n".join(f"{u},{i % 90}" for i, u in enumerate(table["ubigeo"]))
    page(at, "datos")
    at.file_uploader(key="up_table").set_value(
        ("c.csv", f"ubigeo,cobertura_vacunacion\n{rows}\n".encode(), "text/csv")).run()
    at.button(key="up_table_add").click().run()
    at.button(key="sc_open_link").click().run()
    assert applied(at).weights == sent.weights
    assert not at.exception


def test_the_sender_is_told_the_link_does_not_carry_her_file(app_with_upload):
    at = app_with_upload
    at.selectbox(key="sc_add").set_value("cobertura_vacunacion").run()
    at.button(key="sc_apply").click().run()
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "el enlace no lleva el archivo" in warning


@pytest.fixture()
def app_with_upload():
    table = geoprio.load_districts()
    rows = "\n".join(f"{u},{i % 90}" for i, u in enumerate(table["ubigeo"]))
    at = make()
    page(at, "datos")
    at.file_uploader(key="up_table").set_value(
        ("c.csv", f"ubigeo,cobertura_vacunacion\n{rows}\n".encode(), "text/csv")).run()
    at.button(key="up_table_add").click().run()
    return at


def test_a_budget_is_typed_and_shown_as_peru_writes_it():
    at = make({"s": Scenario.preset("dci").replace(n_draws=0).to_token()})
    at.radio(key="sc_mode").set_value("budget").run()
    at.text_input(key="sc_budget_txt").set_value("S/ 80 000 000").run()
    at.text_input(key="sc_cost_txt").set_value("2.500.000").run()
    at.button(key="sc_apply").click().run()
    s = applied(at)
    assert (s.budget, s.cost_per_district) == (80_000_000.0, 2_500_000.0)
    # shown back with no-break spaces between thousands, as INEI prints them
    assert at.text_input(key="sc_budget_txt").value == "80\u00a0000\u00a0000"
    assert at.text_input(key="sc_cost_txt").value == "2\u00a0500\u00a0000"
    # a figure that reads two ways is refused, in Spanish, and the budget stays
    at.text_input(key="sc_budget_txt").set_value("1.500").run()
    assert [e.value for e in at.sidebar.error] == [
        "«1.500» puede leerse como 1 500 o como 1,5: escriba una de las dos formas"]
    assert at.session_state["sc_budget"] == 80_000_000.0
