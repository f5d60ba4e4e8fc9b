"""Tests of geoprio.budget: people reached and the 0–1 knapsack."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoprio.budget import (
    add_beneficiaries,
    allocation_table,
    beneficiary_totals,
    greedy_knapsack,
    knapsack,
)
from geoprio.errors import ScenarioError


def test_knapsack_beats_greedy_where_greedy_loses():
    # ratios 6, 5, 4: greedy takes items 0 and 1 (value 160, cost 30) and item 2 no longer
    # fits; the optimum is items 1 and 2 (value 220, cost 50)
    res = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50)
    assert res.selected.tolist() == [False, True, True]
    assert res.value == 220.0 and res.cost == 50.0
    assert res.greedy_value == 160.0
    assert res.gap == pytest.approx(60 / 220)
    assert res.method == "milp"


def test_greedy_on_request_and_skipping():
    res = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50, method="greedy")
    assert res.selected.tolist() == [True, True, False] and res.gap == 0.0
    # greedy skips what does not fit and goes on: item 1 (ratio 2) too big, item 2 fits
    assert greedy_knapsack([10.0, 8.0, 1.0], [4.0, 4.0, 1.0], 5).tolist() == [True, False, True]


def test_missing_values_and_zero_costs():
    res = knapsack([np.nan, 5.0, 3.0, 0.0], [1.0, 0.0, 2.0, 1.0], budget=2)
    # NaN and zero values are never chosen; the free item always is
    assert res.selected.tolist() == [False, True, True, False]
    assert res.value == 8.0


def test_knapsack_errors():
    with pytest.raises(ScenarioError, match="costs must be >= 0; 1 are negative"):
        knapsack([1.0, 2.0], [1.0, -1.0], budget=3)
    with pytest.raises(ScenarioError, match=r"method must be one of \['milp', 'greedy'\]"):
        knapsack([1.0], [1.0], budget=3, method="dp")
    with pytest.raises(ScenarioError, match="same length"):
        knapsack([1.0, 2.0], [1.0], budget=3)


def test_real_knapsack_at_least_greedy_and_within_budget(table):
    d = add_beneficiaries(table)
    values = d["stunted_children"].to_numpy()
    costs = d["under5_2020"].to_numpy() * 50.0
    res = knapsack(values, costs, budget=5e6)
    greedy = greedy_knapsack(values, costs, 5e6)
    assert res.cost <= 5e6
    assert res.value >= np.nansum(values[greedy]) == res.greedy_value
    # the 9 districts without stunting data are never chosen
    assert not res.selected[d["stunted_children"].isna().to_numpy()].any()
    assert int(d["stunted_children"].isna().sum()) == 9


def test_beneficiaries_of_known_districts(table):
    d = add_beneficiaries(table)
    row = d.set_index("ubigeo").loc["010101"]  # Chachapoyas
    assert row["stunted_children"] == pytest.approx(3101 * 10.37037 / 100)
    assert row["anemic_children"] == pytest.approx(1403 * 36.416185 / 100)
    assert row["poor_people"] == pytest.approx(36834 * 9.05 / 100)
    assert "stunted_children" not in table.columns  # input untouched


def test_missing_input_gives_missing_estimate():
    f = pd.DataFrame({"under5_2020": [100.0, 200.0], "stunting_u5_2019": [10.0, np.nan]})
    out = add_beneficiaries(f)
    assert out["stunted_children"].iloc[0] == 10.0
    assert np.isnan(out["stunted_children"].iloc[1])
    assert "poor_people" not in out.columns
    totals = beneficiary_totals(out)
    assert totals == {"stunted_children": 10.0, "stunted_children_missing": 1}


def test_allocation_table_cumulative():
    t = allocation_table(np.array([3.0, 1.0, 6.0, 2.0]), np.array([1.0, 1.0, 2.0, 5.0]),
                         np.array([True, False, True, True]), np.array([2, 0, 3, 1]))
    assert t["cum_cost"].tolist()[0] == 3.0
    assert t["cum_cost"].tolist()[2] == 2.0
    assert t["cum_cost"].tolist()[3] == 8.0
    assert np.isnan(t["cum_cost"].iloc[1])
    assert t["cum_coverage"].tolist()[3] == pytest.approx(11 / 12)
