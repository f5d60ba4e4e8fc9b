"""Tests of geoprio.prioritize: the whole engine on the shipped districts."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.decide.comparison import compare_scenarios
from geoprio.engine.ranking import prioritize
from geoprio.engine.scenario import Scenario
from geoprio.errors import InputError, ScenarioError


@pytest.fixture(scope="module")
def gdf() -> gpd.GeoDataFrame:
    return geoprio.load_districts()


@pytest.fixture(scope="module")
def districts(gdf) -> pd.DataFrame:
    return pd.DataFrame(gdf.drop(columns="geometry"))


@pytest.mark.parametrize(("column", "ascending"), [("no_water_2017", False),
                                                   ("hdi_2019", True)])
def test_all_weight_on_one_indicator_orders_by_that_column(districts, cat, column, ascending):
    s = Scenario(weights={column: 1}, n_draws=0)
    out = prioritize(districts, s, catalog=cat)
    by_rank = out.sort_values("rank")["ubigeo"].tolist()
    by_column = districts.sort_values(column, ascending=ascending, kind="stable")["ubigeo"]
    assert by_rank == by_column.tolist()


def test_every_district_kept_in_order_with_columns(gdf, cat):
    before = gdf.copy()
    out = prioritize(gdf, Scenario.preset("fonie").replace(n_draws=50), catalog=cat)
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == gdf.crs
    assert out["ubigeo"].tolist() == gdf["ubigeo"].tolist()
    for col in ("score", "rank", "rank_p05", "rank_median", "rank_p95", "p_selected",
                "p_eligible", "eligible", "reasons", "selected", "stunted_children",
                "anemic_children", "poor_people", "poverty_quintile_2018"):
        assert col in out.columns
    assert set(gdf.columns) <= set(out.columns)
    pd.testing.assert_frame_equal(gdf, before)  # input not mutated
    assert int(out["selected"].sum()) == int(out["eligible"].sum()) == 800
    assert not out.loc[~out["eligible"], "selected"].any()
    assert out.loc[~out["eligible"], "rank"].isna().all()
    assert out.attrs["scenario"]["name"] == "fonie"
    assert out.attrs["weights"] == {k: 0.2 for k in Scenario.preset("fonie").weights}


def test_same_scenario_same_bytes(districts):
    s = Scenario.preset("anemia").replace(n_draws=200)
    a = prioritize(districts, s).to_csv(index=False).encode()
    b = prioritize(districts, s).to_csv(index=False).encode()
    assert a == b


def test_department_filter_keeps_everyone_and_says_why(districts):
    s = Scenario(weights={"poverty_2018": 1}, departments=["Ayacucho"], top_n=10, n_draws=0)
    out = prioritize(districts, s)
    assert len(out) == 1874
    aya = out["department"] == "AYACUCHO"
    assert out["eligible"].tolist() == aya.tolist()
    assert int(aya.sum()) == 119
    assert out.loc[~aya, "reasons"].str.startswith("Fuera del filtro: departamento ").all()
    assert int(out["selected"].sum()) == 10
    best = districts[aya].sort_values("poverty_2018", ascending=False, kind="stable").head(10)
    assert sorted(out.loc[out["selected"], "ubigeo"]) == sorted(best["ubigeo"])
    with pytest.raises(ScenarioError, match=r"department filter names \['Ayacuchu'\]"):
        prioritize(districts, s.replace(departments=["Ayacuchu"]))


def test_missing_exclude_leaves_district_unranked_with_reason(districts):
    out = prioritize(districts, Scenario.preset("anemia").replace(n_draws=0))
    lacking = districts["anemia_6_35m_2022_eb"].isna()
    assert int(lacking.sum()) == 37
    assert out.loc[lacking, "rank"].isna().all() and out.loc[lacking, "score"].isna().all()
    assert out.loc[lacking, "reasons"].str.contains(
        r"Sin puntaje \(faltan datos: Anemia en niños de 6 a 35 meses 2022 \(suavizada\); "
        r"política de datos "
        r"faltantes: excluir\)").all()
    assert out["rank"].max() == 1874 - 37


def test_fonie_list_keeps_every_district_the_law_names(districts):
    out = prioritize(districts, Scenario.preset("fonie").replace(n_draws=0))
    law = districts["vraem"] | districts["border"]
    assert int(law.sum()) == 153  # 69 VRAEM, 84 border, none both
    assert out.loc[law.to_numpy(), "selected"].all()
    # ordered by score: the list's ranks are 1..800 with no gap
    assert sorted(out.loc[out["selected"], "rank"].tolist()) == list(range(1, 801))


def test_threshold_and_budget(districts):
    thr = prioritize(districts, Scenario(weights={"poverty_2018": 1}, threshold=0.5, n_draws=0))
    expected = (districts["poverty_2018"] - 0.05) / (81.3 - 0.05) >= 0.5
    assert thr["selected"].tolist() == expected.tolist()
    s = Scenario.preset("dci").replace(top_n=None, budget=5e6, cost_per_beneficiary=50.0,
                                       n_draws=100)
    out = prioritize(districts, s)
    cost = (out.loc[out["selected"], "under5_2020"] * 50.0).sum()
    b = out.attrs["budget"]
    assert cost <= 5e6 and cost == pytest.approx(b["cost"])
    assert b["method"] == "greedy" and b["need"] == "stunted_children"
    assert b["exact_value"] >= b["value"]
    assert b["gap"] == pytest.approx((b["exact_value"] - b["value"]) / b["exact_value"])
    assert b["gap"] < 0.01
    assert out.loc[out["selected"], "stunted_children"].sum() == pytest.approx(b["value"])
    assert out["cum_cost"].max() == pytest.approx(cost)
    assert out["cum_coverage"].max() == pytest.approx(
        b["value"] / out.loc[out["eligible"], "stunted_children"].sum())


def test_budget_on_z_scores_funds_below_average_districts(districts):
    s = Scenario(weights={"poverty_2018": 1}, normalisation="zscore", budget=1e12,
                 cost_per_district=1.0, n_draws=0)
    out = prioritize(districts, s)
    assert (out["score"] < 0).sum() > 800  # below the mean
    assert out["selected"].all()  # unlimited money funds every district
    assert out.attrs["budget"]["need_shifted"]
    # the need is the score shifted so that the least needy district has need 0
    assert out["budget_need"].min() == 0.0
    assert out["budget_need"].to_numpy() == pytest.approx(
        (out["score"] - out["score"].min()).to_numpy())


def test_budget_need_errors_are_geoprio_errors(districts):
    base = Scenario(weights={"poverty_2018": 1}, budget=1e6, cost_per_district=1e5, n_draws=0)
    with pytest.raises(ScenarioError, match="need 'department' must be numeric"):
        prioritize(districts, base.replace(need="department"))
    no_counts = districts.drop(columns=["under5_2020"])
    with pytest.raises(ScenarioError, match="'stunted_children' is computed by geoprio from "
                                            "under5_2020 and stunting_u5_2022_fh_endes"):
        prioritize(no_counts, base.replace(need="stunted_children"))
    negative = districts.assign(gap=districts["poverty_2018"] - 50)
    with pytest.raises(ScenarioError, match=r"need 'gap' is negative in .* eligible districts"):
        prioritize(negative, base.replace(need="gap"), catalog=None)


def test_budget_says_which_objective_it_maximised(districts):
    s = Scenario.preset("dci").replace(top_n=None, budget=2e7, cost_per_district=2e6,
                                       n_draws=0)
    by_children = prioritize(districts, s)
    by_rate = prioritize(districts, s.replace(need="stunted_children_rate_weighted"))
    assert by_children.attrs["budget"]["need"] == "stunted_children"
    # ten districts either way; children reached favours large districts with lower rates
    a, b = by_children[by_children["selected"]], by_rate[by_rate["selected"]]
    assert len(a) == len(b) == 10
    assert a["stunted_children"].sum() > b["stunted_children"].sum()
    assert a["stunting_u5_2022_fh_endes"].mean() < b["stunting_u5_2022_fh_endes"].mean()
    expected = districts.assign(
        v=districts["under5_2020"] * districts["stunting_u5_2022_fh_endes"] / 100)
    top10 = expected.sort_values("v", ascending=False, kind="stable").head(10)["ubigeo"]
    assert sorted(a["ubigeo"]) == sorted(top10)


def test_english_reasons(districts, cat):
    out = prioritize(districts, Scenario.preset("fonie").replace(n_draws=0), catalog=cat,
                     lang="en")
    row = out.set_index("ubigeo").loc["050410"]  # Uchuraccay
    # no draws, no probability: the point ranking says only what it knows
    assert re.fullmatch(r"Meets: poverty quintile 2018 1 ≤ 2; in the VRAEM\. Rank \d+ of 800; "
                        r"selected", row["reasons"]), row["reasons"]


def test_reasons_are_sentences_with_numbers_as_spanish_writes_them(districts, cat):
    # the 800 eligible districts of FONIE (Ley 29951); a decimal comma, a capital per sentence
    out = prioritize(districts, Scenario.preset("fonie").replace(n_draws=0), catalog=cat)
    row = out.set_index("ubigeo").loc["050410"]  # Uchuraccay: quintile 1, VRAEM
    assert re.fullmatch(r"Cumple: quintil de pobreza 2018 1 ≤ 2; en VRAEM\. Puesto \d+ de 800; "
                        r"seleccionado", row["reasons"]), row["reasons"]
    # ranks past 999 and totals take a space between thousands (INEI); 1,874 with poverty
    s = Scenario(weights={"poverty_2018": 1}, top_n=10, n_draws=0)
    ranked = prioritize(districts, s, catalog=cat)
    assert int(ranked["rank"].max()) == 1874
    least_poor = districts.sort_values("poverty_2018", kind="stable")["ubigeo"].iloc[0]
    assert ranked.set_index("ubigeo").loc[least_poor, "reasons"] == (
        "Puesto 1\u00a0874 de 1\u00a0874; no seleccionado")


def test_a_rule_every_district_with_data_meets_adds_nothing(districts, cat):
    # "stunting_u5_2019 >= 0" (DCI's kind of rule) holds wherever stunting is known: the reason
    # starts with the rank; the districts without a stunting figure still say so
    s = Scenario(weights={"poverty_2018": 1}, rule="stunting_u5_2019 >= 0", n_draws=0)
    out = prioritize(districts, s, catalog=cat)
    known = districts["stunting_u5_2019"].notna().to_numpy()
    assert int((~known).sum()) == 9  # (SD) or (****) in SIEN 2019 (see data/VALIDATION.md)
    assert out.loc[known, "reasons"].str.startswith("Puesto ").all()
    assert not out["reasons"].str.contains("≥ 0").any()
    assert out.loc[~known, "reasons"].str.startswith(
        "Sin dato: Desnutrición crónica en menores de 5 años 2019 sin dato").all()
    # so does an empty rule ("every district eligible")
    empty = prioritize(districts, s.replace(rule=""), catalog=cat)
    assert empty["reasons"].str.startswith("Puesto ").all()
    # a rule some district fails keeps its reason everywhere
    some = prioritize(districts, s.replace(rule="stunting_u5_2019 >= 20"), catalog=cat)
    assert some.loc[known, "reasons"].str.match(r"(No cumple|Cumple): Desnutrición").all()


def test_input_checks(districts):
    with pytest.raises(InputError, match="must have a 'ubigeo' column"):
        prioritize(districts.drop(columns="ubigeo"), "dci")
    with pytest.raises(TypeError, match="scenario must be a Scenario or a preset name"):
        prioritize(districts, 3)
    with pytest.raises(ScenarioError, match="uses unknown ids: 'vrame'"):
        prioritize(districts, Scenario(weights={"poverty_2018": 1}, rule="vrame"))


def test_compare_scenarios(districts):
    a = prioritize(districts, Scenario.preset("dci").replace(n_draws=0))
    b = prioritize(districts, Scenario.preset("anemia").replace(n_draws=0))
    same = compare_scenarios(a, a)
    assert same.spearman == pytest.approx(1.0) and same.kendall == pytest.approx(1.0)
    assert same.entering.empty and same.leaving.empty and same.n_kept == 375
    c = compare_scenarios(a, b)
    sel_a = set(a.loc[a["selected"], "ubigeo"])
    sel_b = set(b.loc[b["selected"], "ubigeo"])
    assert set(c.entering["ubigeo"]) == sel_b - sel_a
    assert set(c.leaving["ubigeo"]) == sel_a - sel_b
    assert c.n_kept == len(sel_a & sel_b)
    # ranked in both: a 2022 stunting estimate (DCI) and a 2022 anemia figure (anemia preset)
    both = districts["stunting_u5_2022_fh"].notna() & districts["anemia_6_35m_2022_eb"].notna()
    assert c.n_common == int(both.sum())
    assert 0 < c.spearman < 1


def test_catalog_defaults_to_the_shipped_one(districts):
    # HDI: higher is better. Without a catalog the shipped one decides, so the lowest HDI is
    # first (the old default, "higher is worse", put Lima's richest district first)
    out = prioritize(districts, Scenario(weights={"hdi_2019": 1}, n_draws=0))
    first = out.loc[out["rank"] == 1, "ubigeo"].item()
    assert first == districts.loc[districts["hdi_2019"].idxmin(), "ubigeo"]
    c = compare_scenarios(Scenario(weights={"hdi_2019": 1}, top_n=5, n_draws=0),
                          Scenario(weights={"poverty_2018": 1}, top_n=5, n_draws=0),
                          districts=districts)
    assert c.spearman > 0.5  # both rank the poor first


def test_indicator_without_direction_is_an_error(districts):
    f = districts.assign(coverage=50.0)
    with pytest.raises(ScenarioError, match=r"'coverage' has no known direction.*"
                                            r"higher_is_worse=\{'coverage': True\}"):
        prioritize(f, Scenario(weights={"coverage": 1}, n_draws=0))
    ok = prioritize(f, Scenario(weights={"coverage": 1}, higher_is_worse={"coverage": False},
                                n_draws=0))
    assert ok["score"].notna().all()


def test_unequal_weights_by_hand():
    f = pd.DataFrame({"ubigeo": ["a", "b", "c"], "x": [0.0, 5.0, 10.0], "y": [4.0, 0.0, 2.0]})
    s = Scenario(weights={"x": 3, "y": 1}, higher_is_worse={"x": True, "y": True}, n_draws=0)
    out = prioritize(f, s)
    # minmax: x -> 0, 0.5, 1; y -> 1, 0, 0.5; score = 0.75 x + 0.25 y
    assert out["score"].tolist() == pytest.approx([0.25, 0.375, 0.875])
    assert out["rank"].tolist() == [3, 2, 1]


def test_geometric_mean_of_z_scores_rescales_first():
    f = pd.DataFrame({"ubigeo": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": [3.0, 1.0, 2.0]})
    s = Scenario(weights={"x": 1, "y": 1}, higher_is_worse={"x": True, "y": True},
                 normalisation="zscore", aggregation="geometric", n_draws=0)
    out = prioritize(f, s)
    # z-scores rescaled to [0, 1]: x -> 0, 0.5, 1; y -> 1, 0, 0.5; then
    # exp(mean(log(v + 0.01))) - 0.01 by hand
    by_hand = [np.sqrt(0.01 * 1.01) - 0.01, np.sqrt(0.51 * 0.01) - 0.01,
               np.sqrt(1.01 * 0.51) - 0.01]
    assert out["score"].tolist() == pytest.approx(by_hand)


def test_a_missing_figure_whose_weight_was_spread_says_so(districts, cat):
    # DCI re-weights: a district without anaemia 2022 is scored on the other four indicators,
    # and its reasons say whose weight was shared (issue 19)
    out = prioritize(districts, Scenario.preset("dci").replace(n_draws=0), catalog=cat)
    lacking = districts["anemia_6_35m_2022_eb"].isna() & districts[
        ["stunting_u5_2022_eb", "poverty_2018", "no_water_2017", "no_sewer_2017"]].notna().all(
        axis=1)
    assert int(lacking.sum()) > 0
    said = out.loc[lacking.to_numpy(), "reasons"]
    assert said.str.contains("Sin dato de Anemia en niños de 6 a 35 meses 2022 (suavizada): su "
                             "peso se repartió entre los demás indicadores", regex=False).all()
    complete = districts[["stunting_u5_2022_eb", "anemia_6_35m_2022_eb", "poverty_2018",
                          "no_water_2017", "no_sewer_2017"]].notna().all(axis=1)
    assert not out.loc[complete.to_numpy(), "reasons"].str.contains("se repartió").any()
    # excluded, not re-weighted: no such sentence (the district has no score instead)
    excl = prioritize(districts, Scenario.preset("dci").replace(n_draws=0, missing="exclude"),
                      catalog=cat)
    assert not excl["reasons"].str.contains("se repartió").any()
def test_a_tie_at_the_top_n_cut_is_reported_not_hidden():
    # issue 20: districts 2 and 3 have the same score; rank order (input order) put 2 on the
    # list and 3 off it without a word
    f = pd.DataFrame({"ubigeo": ["1", "2", "3", "4"], "x": [4.0, 3.0, 3.0, 1.0]})
    s = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, top_n=2, n_draws=0)
    out = prioritize(f, s)
    assert out["selected"].tolist() == [True, True, False, False]
    tie = out.attrs["tie_at_cut"]
    assert tie["ranks"] == [2, 3] and tie["selected"] == ["2"] and tie["left_out"] == ["3"]
    assert tie["score"] == pytest.approx(2 / 3)
    said = "empate en el corte de la lista: 2 distritos con el mismo puntaje en los puestos 2 a 3"
    assert [said in r for r in out["reasons"]] == [False, True, True, False]
    en = prioritize(f, s, lang="en")["reasons"].iloc[2]
    assert "tie at the list's cut: 2 districts with the same score at ranks 2 to 3, 1 inside" \
        in en
    # a tie inside the list, or no tie at the cut, is not reported
    for n in (1, 3):
        assert "tie_at_cut" not in prioritize(f, s.replace(top_n=n)).attrs
    # the whole list fits: no cut
    assert "tie_at_cut" not in prioritize(f, s.replace(top_n=4)).attrs


def test_a_district_not_funded_for_lack_of_data_says_so():
    # issue 20: with need="anemic_children", a district without an anaemia figure was skipped
    # by the budget and read only "no seleccionado"
    f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [3.0, 2.0, 1.0],
                      "children_6_35m_2020": [100.0, 200.0, 300.0],
                      "anemia_6_35m_2022_eb": [40.0, np.nan, 10.0]})
    s = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, budget=10.0,
                 cost_per_district=1.0, need="anemic_children", n_draws=0)
    out = prioritize(f, s)
    assert out["selected"].tolist() == [True, False, True]
    assert out.attrs["budget"]["unfunded_no_data"] == 1
    assert out.attrs["budget"]["unfunded_no_data_ubigeos"] == ["2"]
    # the reason names the figure that is missing: the anaemia rate behind the need
    assert out["reasons"].iloc[1].endswith(
        "Puesto 2 de 3; no seleccionado; no financiable por falta de dato: Anemia en niños de 6 a "
        "35 meses 2022 (suavizada) sin dato")
    assert "falta de dato" not in out["reasons"].iloc[2]
    assert prioritize(f, s, lang="en")["reasons"].iloc[1].endswith(
        "cannot be funded for lack of data: Anaemia, children 6-35 months, 2022 (smoothed) "
        "missing")
    # a need that is a column of its own is named itself
    own = prioritize(f.assign(z=[1.0, np.nan, 2.0]), s.replace(need="z"))
    assert own["reasons"].iloc[1].endswith("falta de dato: z sin dato")
    # a missing cost base names the beneficiary column
    g = f.assign(anemia_6_35m_2022_eb=[40.0, 30.0, 10.0], under5_2020=[10.0, np.nan, 5.0])
    cb = s.replace(cost_per_district=None, cost_per_beneficiary=1.0,
                   beneficiary_column="under5_2020")
    out = prioritize(g, cb, catalog=geoprio.catalog())
    assert out.attrs["budget"]["unfunded_no_data_ubigeos"] == ["2"]
    assert out["reasons"].iloc[1].endswith("falta de dato: Niños menores de 5 años 2020 sin dato")


def test_population_quintiles_reach_the_rule_through_prioritize():
    # issue 20: quintiles="population" must cut by people, not by districts, inside prioritize
    f = pd.DataFrame({"ubigeo": list("abcde"), "poverty_2018": [90.0, 80.0, 70.0, 60.0, 50.0],
                      "pop_2017": [10.0, 10.0, 10.0, 10.0, 160.0]})
    s = Scenario(weights={"poverty_2018": 1}, rule="poverty_quintile_2018 <= 2", n_draws=0)
    by_districts = prioritize(f, s)
    by_people = prioritize(f, s.replace(quintiles="population"))
    # by districts: 2 of 5 districts in quintiles I-II; by people the 4 small ones hold 40 of
    # 200 people (the first fifth), the large one starts at 40/200 = 0.2: quintile II
    assert by_districts["poverty_quintile_2018"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert by_people["poverty_quintile_2018"].tolist() == [1.0, 1.0, 1.0, 1.0, 2.0]
    assert by_people["eligible"].tolist() == [True] * 5
    assert by_districts["eligible"].tolist() == [True, True, False, False, False]


def test_budget_report_of_a_list_by_hand():
    f = pd.DataFrame({"ubigeo": list("abc"), "x": [3.0, 2.0, 1.0], "n": [60.0, 100.0, 120.0],
                      "u": [10.0, 20.0, 30.0]})
    s = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, budget=50.0,
                 cost_per_beneficiary=1.0, beneficiary_column="u", need="n", n_draws=0)
    out = prioritize(f, s)
    # greedy by need per sol: a (6), b (5) fit in 50; the exact optimum b, c: 220
    assert out["selected"].tolist() == [True, True, False]
    rep = out.attrs["budget"]
    assert (rep["value"], rep["cost"], rep["exact_value"]) == (160.0, 30.0, 220.0)
    assert (rep["exact_method"], rep["exact_status"]) == ("milp",
                                                          "optimal (relative gap <= 1e-09)")
    assert rep["gap"] == pytest.approx(60 / 220) and rep["need_shifted"] is False
    assert out["cost"].tolist() == [10.0, 20.0, 30.0]
    assert out["cum_cost"].tolist()[:2] == [10.0, 30.0] and np.isnan(out["cum_cost"].iloc[2])
    # z-scores below the mean: the score need is shifted, and said so
    z = prioritize(f, s.replace(need="score", normalisation="zscore"))
    assert z.attrs["budget"]["need_shifted"] is True
    assert z["budget_need"].min() == 0.0


def test_budget_inputs_must_be_counts():
    f = pd.DataFrame({"ubigeo": list("abc"), "x": [3.0, 2.0, 1.0], "n": [6.0, -1.0, -2.0],
                      "u": [1.0, -5.0, 3.0], "t": ["a", "b", "c"]})
    s = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, budget=5.0,
                 cost_per_district=1.0, need="n", n_draws=0)
    with pytest.raises(ScenarioError, match=r"^need 'n' is negative in 2 eligible districts "
                                            r"\(e\.g\. \['b', 'c'\]\); a budget maximises a "
                                            r"need >= 0: choose another need or rescale this "
                                            r"column$"):
        prioritize(f, s)
    # a negative need outside the eligible districts is no matter
    assert prioritize(f, s.replace(rule="x > 2"))["selected"].tolist() == [True, False, False]
    per = s.replace(need="x", cost_per_district=None, cost_per_beneficiary=1.0,
                    beneficiary_column="u")
    with pytest.raises(ScenarioError, match=r"^beneficiary_column 'u' has negative counts; a "
                                            r"cost per beneficiary needs counts >= 0$"):
        prioritize(f, per)
    with pytest.raises(ScenarioError, match=r"^beneficiary_column 't' must be numeric; it "
                                            r"holds text \(e\.g\. \['a', 'b', 'c'\]\): choose "
                                            r"a numeric column$"):
        prioritize(f, per.replace(beneficiary_column="t"))
