"""Tests of geoprio.prioritize: the whole engine on the shipped districts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.errors import InputError, ScenarioError
from geoprio.ranking import compare_scenarios, poverty_quintiles, prioritize
from geoprio.scenario import Scenario


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
                "eligible", "reasons", "selected", "stunted_children", "anemic_children",
                "poor_people", "poverty_quintile_2018"):
        assert col in out.columns
    assert set(gdf.columns) <= set(out.columns)
    pd.testing.assert_frame_equal(gdf, before)  # input not mutated
    assert int(out["selected"].sum()) == 644
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
    assert out.loc[~aya, "reasons"].str.startswith("fuera del filtro: departamento ").all()
    assert int(out["selected"].sum()) == 10
    best = districts[aya].sort_values("poverty_2018", ascending=False, kind="stable").head(10)
    assert sorted(out.loc[out["selected"], "ubigeo"]) == sorted(best["ubigeo"])
    with pytest.raises(ScenarioError, match=r"department filter names \['Ayacuchu'\]"):
        prioritize(districts, s.replace(departments=["Ayacuchu"]))


def test_missing_exclude_leaves_district_unranked_with_reason(districts):
    out = prioritize(districts, Scenario.preset("anemia").replace(n_draws=0))
    lacking = districts["anemia_6_35m_2019"].isna()
    assert int(lacking.sum()) == 69
    assert out.loc[lacking, "rank"].isna().all() and out.loc[lacking, "score"].isna().all()
    assert out.loc[lacking, "reasons"].str.contains(
        r"sin puntaje \(faltan datos: anemia_6_35m_2019; política 'exclude'\)").all()
    assert out["rank"].max() == 1874 - 69


def test_threshold_and_budget(districts):
    thr = prioritize(districts, Scenario(weights={"poverty_2018": 1}, threshold=0.5, n_draws=0))
    expected = (districts["poverty_2018"] - 0.05) / (81.3 - 0.05) >= 0.5
    assert thr["selected"].tolist() == expected.tolist()
    s = Scenario.preset("dci").replace(top_n=None, budget=5e6, cost_per_beneficiary=50.0,
                                       n_draws=100)
    out = prioritize(districts, s)
    cost = (out.loc[out["selected"], "under5_2020"] * 50.0).sum()
    assert cost <= 5e6 and cost == pytest.approx(out.attrs["knapsack"]["cost"])
    ks = out.attrs["knapsack"]
    assert ks["method"] == "milp" and ks["value"] >= ks["greedy_value"]
    assert out.loc[out["selected"], "stunted_children"].sum() == pytest.approx(ks["value"])
    assert out["cum_cost"].max() == pytest.approx(cost)
    assert out["cum_coverage"].max() == pytest.approx(
        ks["value"] / out["stunted_children"].sum())


def test_english_reasons(districts, cat):
    out = prioritize(districts, Scenario.preset("fonie").replace(n_draws=0), catalog=cat,
                     lang="en")
    row = out.set_index("ubigeo").loc["050410"]  # Uchuraccay
    assert row["reasons"].startswith("meets: ")
    assert "in the VRAEM" in row["reasons"] and "selected (p = 1.00)" in row["reasons"]


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
    assert c.n_common == 1874 - 69
    assert 0 < c.spearman < 1


def test_poverty_quintiles_population_weighted():
    q = poverty_quintiles([80.0, 60.0, 40.0, 20.0, 10.0], population=[100, 100, 100, 100, 600])
    # the poorest 10% of people are in quintile I, the rest are cut by cumulative population
    assert q.tolist() == [1.0, 1.0, 2.0, 2.0, 3.0]
    assert np.isnan(poverty_quintiles([np.nan, 5.0])[0])
