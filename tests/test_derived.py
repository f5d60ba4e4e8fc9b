"""Tests of geoprio.engine.derived: quintiles and people reached, recomputed, per point and per
draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.engine.derived import add_derived, derive, poverty_quintiles
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
    f = pd.DataFrame({"under5_2020": [1000.0, 200.0], "stunting_u5_2022_eb": [10.0, 40.0],
                      "pop_2017": [50.0, 10.0], "poverty_2018": [20.0, np.nan]})
    d = derive(f, ["stunted_children", "stunted_children_rate_weighted", "poor_people"])
    assert d["stunted_children"].tolist() == [100.0, 80.0]
    # a child in a district at 40% weighs four times one at 10%
    assert d["stunted_children_rate_weighted"].tolist() == [10.0, 32.0]
    assert d["poor_people"][0] == 10.0 and np.isnan(d["poor_people"][1])
    drawn = derive(f, ["poor_people"], values={"poverty_2018": np.array([[10.0, 50.0]])})
    assert drawn["poor_people"].tolist() == [[5.0, 5.0]]
