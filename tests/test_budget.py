"""Tests of geoprio.engine.budget: the 0–1 knapsack, exact and greedy, and the people reached."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from geoprio.engine import budget
from geoprio.engine.budget import allocation_table, greedy_fill, greedy_knapsack, knapsack
from geoprio.engine.derived import add_derived, people_totals
from geoprio.errors import ScenarioError


def _brute_force(values: np.ndarray, costs: np.ndarray, cap: float) -> float:
    """Independent route: the best value over every subset."""
    best = 0.0
    for mask in itertools.product([False, True], repeat=len(values)):
        m = np.array(mask)
        if costs[m].sum() <= cap:
            best = max(best, values[m].sum())
    return best


def _greedy_by_hand(values: list[float], costs: list[float], cap: float) -> list[bool]:
    """Independent route: the greedy rule as a plain loop (free first, zero value last)."""
    items = [i for i in range(len(values))
             if np.isfinite(values[i]) and values[i] >= 0 and np.isfinite(costs[i])]
    items.sort(key=lambda i: -(values[i] / costs[i]) if costs[i] > 0 else -np.inf)
    chosen, spent = [False] * len(values), 0.0
    for i in items:
        if spent + costs[i] <= cap:
            chosen[i], spent = True, spent + costs[i]
    return chosen


@pytest.mark.parametrize("seed", range(12))
def test_exact_knapsack_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 11))
    values = rng.integers(1, 50, n).astype(float)
    costs = rng.integers(1, 20, n).astype(float)
    cap = float(rng.integers(5, int(costs.sum()) + 1))
    res = knapsack(values, costs, budget=cap)
    assert res.value == _brute_force(values, costs, cap)
    assert res.cost <= cap and res.value >= res.greedy_value


@pytest.mark.parametrize("seed", range(8))
def test_greedy_fill_equals_the_rule_by_hand_in_every_draw(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 10, size=(5, 25)).astype(float)
    values[0, 3] = np.nan
    costs = rng.integers(0, 6, size=25).astype(float)
    chosen = greedy_fill(values, costs, 20.0)
    for d in range(5):
        assert chosen[d].tolist() == _greedy_by_hand(values[d].tolist(), costs.tolist(), 20.0)


def test_exact_solver_never_returns_less_than_greedy(monkeypatch):
    # a solver that stops early on a poor answer: item 2 alone (value 10) instead of greedy's 160
    class Poor:
        x = np.array([0.0, 0.0, 1.0])
        status, message = 1, "time limit reached"

    import scipy.optimize

    monkeypatch.setattr(scipy.optimize, "milp", lambda **kw: Poor())
    res = budget.knapsack([60.0, 100.0, 10.0], [10.0, 20.0, 30.0], budget=50)
    assert res.method == "greedy" and res.value == 160.0
    assert "below greedy" in res.status and "greedy kept" in res.status


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


def test_missing_values_zero_values_and_zero_costs():
    # NaN is never chosen; the free item always is; a zero value is funded last if money remains
    assert greedy_fill(np.array([np.nan, 5.0, 3.0, 0.0]), np.array([1.0, 0.0, 2.0, 1.0]),
                       2.0).tolist() == [False, True, True, False]
    assert greedy_fill(np.array([np.nan, 5.0, 3.0, 0.0]), np.array([1.0, 0.0, 2.0, 1.0]),
                       3.0).tolist() == [False, True, True, True]
    assert greedy_fill(np.array([-1.0, 2.0]), np.array([1.0, 1.0]), 9.0).tolist() == [False, True]
    res = knapsack([np.nan, 5.0, 3.0, 0.0], [1.0, 0.0, 2.0, 1.0], budget=2)
    assert res.selected.tolist() == [False, True, True, False] and res.value == 8.0


def test_knapsack_errors():
    with pytest.raises(ScenarioError, match="costs must be >= 0; 1 are negative"):
        knapsack([1.0, 2.0], [1.0, -1.0], budget=3)
    with pytest.raises(ScenarioError, match=r"method must be one of \['milp', 'greedy'\]"):
        knapsack([1.0], [1.0], budget=3, method="dp")
    with pytest.raises(ScenarioError, match="same length"):
        knapsack([1.0, 2.0], [1.0], budget=3)


def test_real_knapsack_at_least_greedy_and_within_budget(table):
    d = add_derived(table)
    values = d["stunted_children"].to_numpy()
    costs = d["under5_2020"].to_numpy() * 50.0
    res = knapsack(values, costs, budget=5e6)
    greedy = greedy_knapsack(values, costs, 5e6)
    assert res.cost <= 5e6
    assert res.value >= np.nansum(values[greedy]) == res.greedy_value
    # the 35 districts with no child measured in 2022 are never chosen
    assert not res.selected[d["stunted_children"].isna().to_numpy()].any()
    assert int(d["stunted_children"].isna().sum()) == 35


def test_beneficiaries_of_known_districts(table):
    d = add_derived(table)
    row = d.set_index("ubigeo").loc["010101"]  # Chachapoyas
    # 253 stunted of 2,255 measured in 2022, smoothed to 11.25%; 3,101 children under 5
    assert row["stunted_children"] == pytest.approx(3101 * 11.253923 / 100)
    assert row["anemic_children"] == pytest.approx(1403 * 37.268112 / 100)
    assert row["poor_people"] == pytest.approx(36834 * 9.05 / 100)
    assert "stunted_children" not in table.columns  # input untouched


def test_missing_input_gives_missing_estimate():
    f = pd.DataFrame({"under5_2020": [100.0, 200.0], "stunting_u5_2022_eb": [10.0, np.nan]})
    out = add_derived(f)
    assert out["stunted_children"].iloc[0] == 10.0
    assert np.isnan(out["stunted_children"].iloc[1])
    assert "poor_people" not in out.columns
    totals = people_totals(out)
    assert totals == {"stunted_children": 10.0, "stunted_children_missing": 1}


def test_allocation_table_cumulative():
    t = allocation_table(np.array([3.0, 1.0, 6.0, 2.0]), np.array([1.0, 1.0, 2.0, 5.0]),
                         np.array([True, False, True, True]), np.array([2, 0, 3, 1]))
    assert t["cum_cost"].tolist()[0] == 3.0
    assert t["cum_cost"].tolist()[2] == 2.0
    assert t["cum_cost"].tolist()[3] == 8.0
    assert np.isnan(t["cum_cost"].iloc[1])
    assert t["cum_coverage"].tolist()[3] == pytest.approx(11 / 12)


def test_exact_solver_prints_nothing(table, capfd):
    # on this instance HiGHS writes debug lines to the process's stdout; users must not see them
    d = add_derived(table)
    res = knapsack(d["stunted_children"].fillna(-1).to_numpy(),
                   d["under5_2020"].to_numpy() * 100.0, budget=2e7)
    assert res.method == "milp"
    out, _ = capfd.readouterr()
    assert out == ""
