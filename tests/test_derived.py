"""Tests of geoprio.engine.derived: quintiles and people reached, recomputed, per point and per
draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.engine.derived import add_derived, derive, inputs_of, people_totals, poverty_quintiles
from geoprio.engine.scenario import Scenario
from geoprio.errors import ScenarioError


def _quintiles_by_pandas(poverty: pd.Series) -> pd.Series:
    """Independent route: the min rank from the poorest, cut into fifths of the districts."""
    r = (-poverty).rank(method="min")
    n = poverty.notna().sum()
    return np.floor(5 * (r - 1) / n) + 1


def test_quintiles_by_districts_match_pandas_on_real_data(table):
    q = poverty_quintiles(table["poverty_2018"])
    expected = _quintiles_by_pandas(table["poverty_2018"])
    assert np.array_equal(q, expected.to_numpy(), equal_nan=True)
    counts = pd.Series(q).value_counts().sort_index().tolist()
    assert counts == [375, 376, 375, 374, 374]
    assert int((q <= 2).sum()) == 751


def test_quintiles_by_population_follow_cumulative_population(table):
    p, pop = table["poverty_2018"], table["pop_2017"]
    q = poverty_quintiles(p, population=pop)
    # independent route: population of every district strictly poorer, by a sort in pandas
    order = table.assign(p=p, pop=pop).sort_values("p", ascending=False)
    before = order.groupby("p", sort=False)["pop"].sum().cumsum().shift(fill_value=0)
    share = order["p"].map(before) / pop.sum()
    expected = np.clip(np.floor(5 * share) + 1, 1, 5).reindex(table.index)
    assert np.array_equal(q, expected.to_numpy())
    assert int((q <= 2).sum()) == 1449


def test_quintiles_per_draw_equal_quintiles_of_each_draw():
    rng = np.random.default_rng(4)
    draws = rng.uniform(0, 100, size=(6, 40)).round(0)  # rounding makes ties
    draws[2, 5] = np.nan
    q = poverty_quintiles(draws)
    for d in range(6):
        expected = _quintiles_by_pandas(pd.Series(draws[d]))
        assert np.array_equal(q[d], expected.to_numpy(), equal_nan=True)


def test_stale_quintile_in_the_input_is_recomputed(table):
    stale = table.assign(poverty_quintile_2018=5.0)  # e.g. copied from another year
    out = add_derived(stale)
    assert out["poverty_quintile_2018"].tolist() == poverty_quintiles(
        table["poverty_2018"]).tolist()
    fonie = geoprio.prioritize(stale, Scenario.preset("fonie").replace(n_draws=0))
    assert int(fonie["eligible"].sum()) == 800


def test_derived_column_without_inputs_is_refused_or_dropped(table):
    lost = table.drop(columns=["poverty_2018"]).assign(poverty_quintile_2018=1.0)
    assert "poverty_quintile_2018" not in add_derived(lost).columns
    with pytest.raises(ScenarioError, match="'poverty_quintile_2018' is computed by geoprio "
                                            "from poverty_2018"):
        geoprio.prioritize(lost, Scenario.preset("fonie").replace(n_draws=0))


def test_people_reached_and_rate_weighted_by_hand():
    f = pd.DataFrame({"under5_2020": [1000.0, 200.0], "stunting_u5_2022_fh_endes": [10.0, 40.0],
                      "pop_2017": [50.0, 10.0], "poverty_2018": [20.0, np.nan]})
    d = derive(f, ["stunted_children", "stunted_children_rate_weighted", "poor_people"])
    assert d["stunted_children"].tolist() == [100.0, 80.0]
    # a child in a district at 40% weighs four times one at 10%
    assert d["stunted_children_rate_weighted"].tolist() == [10.0, 32.0]
    assert d["poor_people"][0] == 10.0 and np.isnan(d["poor_people"][1])
    drawn = derive(f, ["poor_people"], values={"poverty_2018": np.array([[10.0, 50.0]])})
    assert drawn["poor_people"].tolist() == [[5.0, 5.0]]


def test_poor_people_fall_back_to_2017_row_by_row():
    # issue 20: the docstring promised pop_2017 where 2020 is absent, but a missing 2020
    # value in one district gave that district no estimate at all
    f = pd.DataFrame({"pop_2020": [1000.0, np.nan, 400.0], "pop_2017": [900.0, 800.0, np.nan],
                      "poverty_2018": [50.0, 25.0, 10.0]})
    out = add_derived(f)
    assert out["poor_people"].tolist() == [500.0, 200.0, 40.0]
    weighted = derive(f, ["poor_people_rate_weighted"])["poor_people_rate_weighted"]
    assert weighted.tolist() == [250.0, 50.0, 4.0]
    # missing in both years stays missing, never zero
    f.loc[1, "pop_2017"] = np.nan
    assert np.isnan(add_derived(f)["poor_people"].iloc[1])
    # drawn poverty of shape (draws, n) broadcasts over the filled counts
    drawn = derive(f.assign(pop_2017=[900.0, 800.0, np.nan]), ["poor_people"],
                   values={"poverty_2018": np.array([[50.0, 25.0, 10.0], [10.0, 50.0, 20.0]])})
    assert drawn["poor_people"].tolist() == [[500.0, 200.0, 40.0], [100.0, 400.0, 80.0]]


# ---------------------------------------------------------------- issue 20: mutation holes
def test_a_tie_at_the_top_takes_the_first_districts_quintile():
    # five districts, one per quintile; the two poorest tie: both in quintile I
    assert poverty_quintiles([90, 90, 80, 70, 60]).tolist() == [1.0, 1.0, 3.0, 4.0, 5.0]
    assert poverty_quintiles([60, 90, 70, 90, 80]).tolist() == [5.0, 1.0, 4.0, 1.0, 3.0]


def test_population_quintiles_with_shares_and_gaps():
    # populations given as shares (summing to 0.5): the cut is by share of their total
    assert poverty_quintiles([90, 80, 70, 60, 50], population=[0.1] * 5).tolist() == [
        1.0, 2.0, 3.0, 4.0, 5.0]
    # a district without poverty weighs nothing; one without population too
    got = poverty_quintiles([90, np.nan, 80, 70, 60, 50],
                            population=[10, 1000, 10, np.nan, 10, 10]).tolist()
    assert got[1] != got[1]  # missing stays missing
    # people with a figure: 40; before each: 0, 10, 20 (70 has no people: 20), 20, 30
    assert got[0] == 1.0 and got[2] == 2.0 and got[3] == 3.0 and got[4] == 3.0
    assert got[5] == 4.0


def test_population_quintiles_through_derive():
    f = pd.DataFrame({"poverty_2018": [90.0, 80.0, 70.0, 60.0, 50.0],
                      "pop_2017": [10.0, 10.0, 10.0, 10.0, 160.0]})
    out = derive(f, ["poverty_quintile_2018"], quintiles="population")
    assert out["poverty_quintile_2018"].tolist() == [1.0, 1.0, 1.0, 1.0, 2.0]
    # drawn population replaces the frame's: the poorest now holds 160 of 200 people, so the
    # others start at 160/200 = 0.8 of the people or later: quintile V
    drawn = derive(f, ["poverty_quintile_2018"], quintiles="population",
                   values={"pop_2017": np.array([160.0, 10.0, 10.0, 10.0, 10.0])})
    assert drawn["poverty_quintile_2018"].tolist() == [1.0, 5.0, 5.0, 5.0, 5.0]
    with pytest.raises(ScenarioError, match=r"^quintiles='population' needs a 'pop_2017' "
                                            r"column$"):
        derive(f[["poverty_2018"]], ["poverty_quintile_2018"], quintiles="population")
    with pytest.raises(ScenarioError, match=r"^quintiles must be one of \['districts', "
                                            r"'population'\]; got 'people'$"):
        derive(f, quintiles="people")
    # text in a numeric column reads as missing, never as an error or a zero
    g = f.assign(poverty_2018=["90", "s/d", "70", "60", "50"])
    q = derive(g, ["poverty_quintile_2018"])["poverty_quintile_2018"]
    assert np.isnan(q[1]) and q[0] == 1.0


def test_required_derived_columns_are_computed_or_named(caplog):
    import logging

    f = pd.DataFrame({"under5_2020": [100.0], "stunting_u5_2022_fh_endes": [20.0]})
    got = derive(f, [], required=["stunted_children", "vraem"])
    assert list(got) == ["stunted_children"] and got["stunted_children"].tolist() == [20.0]
    both = derive(f, ["stunted_children"], required=["stunted_children"])
    assert list(both) == ["stunted_children"]
    with pytest.raises(ScenarioError, match=r"^'anemic_children' is computed by geoprio from "
                                            r"children_6_35m_2020 and anemia_6_35m_2022_eb, "
                                            r"which the districts frame lacks; add those "
                                            r"columns \(e\.g\. geoprio\.load_districts\(\)\) "
                                            r"or do not use it$"):
        derive(f, required=["anemic_children"])
    with pytest.raises(ScenarioError, match="from pop_2020 or pop_2017 and poverty_2018"):
        derive(f, required=["poor_people"])
    with caplog.at_level(logging.INFO, logger="geoprio.engine.derived"):
        out = derive(f)
    assert sorted(out) == ["stunted_children"]
    assert "poverty_quintile_2018 not computed: needs poverty_2018" in caplog.text
    assert "poor_people not computed: needs pop_2020 or pop_2017 and poverty_2018" in caplog.text


def test_stale_derived_columns_are_dropped_and_said(caplog):
    import logging

    f = pd.DataFrame({"under5_2020": [100.0], "stunting_u5_2022_fh_endes": [20.0],
                      "poor_people": [5.0], "stunted_children": [999.0]})
    with caplog.at_level(logging.WARNING, logger="geoprio.engine.derived"):
        out = add_derived(f)
    assert "poor_people" not in out.columns and out["stunted_children"].tolist() == [20.0]
    assert "derived columns ['poor_people'] dropped: their inputs are absent" in caplog.text
    # quintiles by population reach add_derived
    g = pd.DataFrame({"poverty_2018": [90.0, 80.0, 70.0, 60.0, 50.0],
                      "pop_2017": [10.0, 10.0, 10.0, 10.0, 160.0]})
    assert add_derived(g, quintiles="population")["poverty_quintile_2018"].tolist() == [
        1.0, 1.0, 1.0, 1.0, 2.0]


def test_inputs_of_in_order_once_and_only_present():
    assert inputs_of(["poverty_quintile_2018", "vraem", "poor_people"],
                     ["poverty_2018", "pop_2017", "pop_2020"]) == [
        "poverty_2018", "pop_2017", "pop_2020"]
    assert inputs_of(["stunted_children", "stunted_children_rate_weighted"],
                     {"under5_2020", "stunting_u5_2022_fh_endes"}) == [
        "under5_2020", "stunting_u5_2022_fh_endes"]
    assert inputs_of(["vraem"], ["vraem"]) == []


def test_people_totals_of_all_or_the_selected():
    f = pd.DataFrame({"stunted_children": [10.0, 5.0, np.nan], "x": [1, 2, 3]})
    assert people_totals(f) == {"stunted_children": 15.0, "stunted_children_missing": 1}
    assert people_totals(f, [False, True, True]) == {"stunted_children": 5.0,
                                                      "stunted_children_missing": 1}
    assert people_totals(f, np.array([1, 0, 0])) == {"stunted_children": 10.0,
                                                      "stunted_children_missing": 0}
    assert people_totals(pd.DataFrame({"x": [1]})) == {}


def test_quintile_cuts_exactly_at_their_bounds():
    # one fifth of the people each; a district without poverty weighs nothing even when it is
    # the most populous
    got = poverty_quintiles([90, 80, 70, 60, 50, np.nan], population=[10, 10, 10, 10, 10, 99])
    assert got[:5].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0] and np.isnan(got[5])
    # a district without population weighs nothing: 3.9 of 10 people before the third
    got = poverty_quintiles([90, 80, 70], population=[np.nan, 3.9, 6.1])
    assert got.tolist() == [1.0, 1.0, 2.0]
    # None is missing, in the rates and in the populations
    assert poverty_quintiles([90.0, None, 50.0])[1] != poverty_quintiles([90.0, None, 50.0])[1]
    assert poverty_quintiles([90, 80, 70], population=[None, 3.9, 6.1]).tolist() == [
        1.0, 1.0, 2.0]
    f = pd.DataFrame({"under5_2020": [100.0, 100.0], "stunting_u5_2022_fh_endes": [20.0, 10.0]})
    drawn = derive(f, ["stunted_children"], values={"stunting_u5_2022_fh_endes": [30, None]})
    assert drawn["stunted_children"][0] == 30.0 and np.isnan(drawn["stunted_children"][1])
