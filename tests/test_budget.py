"""Tests of geoprio.engine.budget: the 0–1 knapsack, exact and greedy, and the people reached."""

from __future__ import annotations

import itertools
from pathlib import Path

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
    # every district has a Fay–Herriot estimate, the 35 with no child measured among them
    assert int(d["stunted_children"].isna().sum()) == 0


def test_beneficiaries_of_known_districts(table):
    d = add_derived(table)
    row = d.set_index("ubigeo").loc["010101"]  # Chachapoyas
    # 253 stunted of 2,255 measured in 2022 (11.2%); Fay–Herriot on ENDES's scale 11.77%
    # (data/indicators/districts.csv); 3,101 children under 5
    assert row["stunted_children"] == pytest.approx(3101 * 11.766564 / 100)
    assert row["anemic_children"] == pytest.approx(1403 * 37.268112 / 100)
    assert row["poor_people"] == pytest.approx(36834 * 9.05 / 100)
    assert "stunted_children" not in table.columns  # input untouched


def test_missing_input_gives_missing_estimate():
    f = pd.DataFrame({"under5_2020": [100.0, 200.0],
                      "stunting_u5_2022_fh_endes": [10.0, np.nan]})
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


def _fd1() -> str:
    import os

    return os.readlink("/proc/self/fd/1")


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="needs /proc")
def test_exact_solver_leaves_the_process_stdout_alone(table, monkeypatch):
    # issue 20: a solve pointed descriptor 1 at /dev/null for the whole process (a server's
    # other sessions and threads lost their output meanwhile)
    import scipy.optimize

    seen = []
    real = scipy.optimize.milp

    def spy(*args, **kwargs):
        seen.append(_fd1())
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", spy)
    before = _fd1()
    res = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50)
    assert res.selected.tolist() == [False, True, True]
    assert seen == [before]


def test_two_exact_solves_run_at_once(monkeypatch):
    # issue 20: one process-wide lock made every solve wait for the others; two threads must
    # be inside the solver together (the barrier times out, and milp falls back to greedy,
    # when they are serialised)
    import threading

    import scipy.optimize

    barrier = threading.Barrier(2, timeout=5)
    real = scipy.optimize.milp

    def meet(*args, **kwargs):
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", meet)
    results = [None, None]

    def solve(i):
        results[i] = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50)

    threads = [threading.Thread(target=solve, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(20)
    assert [r.method for r in results] == ["milp", "milp"]
    assert [r.value for r in results] == [220.0, 220.0]


def test_command_line_prints_no_solver_lines():
    # the geoprio command's stdout carries its report only: on this frontier (cost per child)
    # HiGHS writes 40 debug lines to descriptor 1
    import subprocess
    import sys
    import tempfile

    out = Path(tempfile.mkdtemp()) / "f.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "geoprio.cli", "tradeoff", "--preset", "dci", "--budget", "2e7",
         "--cost-per-beneficiary", "100", "--beneficiary-column", "under5_2020", "--out",
         str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Highs" not in proc.stdout
    assert proc.stdout.startswith("dci: ")
    # point 0 maximises the children reached: the knapsack of the same budget and costs
    import geoprio

    d = add_derived(pd.DataFrame(geoprio.load_districts().drop(columns="geometry")))
    best = knapsack(d["stunted_children"].to_numpy(), d["under5_2020"].to_numpy() * 100.0,
                    budget=2e7).value
    assert f"point  0: {best:12,.0f} reached" in proc.stdout


def test_greedy_refuses_a_negative_cost():
    # issue 20: a negative cost was skipped silently (the district read "no seleccionado")
    with pytest.raises(ScenarioError, match="costs must be >= 0; 1 districts have a negative"):
        greedy_fill(np.array([1.0, 2.0]), np.array([1.0, -1.0]), 5.0)
    # a district that may not be chosen anyway is not an error
    assert greedy_fill(np.array([1.0, 2.0]), np.array([1.0, -1.0]), 5.0,
                       np.array([True, False])).tolist() == [True, False]




# ---------------------------------------------------------------- issue 20: mutation holes
def test_budget_must_be_finite_and_not_negative():
    for bad in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ScenarioError, match=r"^budget must be a finite number >= 0; got "):
            knapsack([1.0], [1.0], budget=bad)
    assert knapsack([1.0], [0.5], budget=0.5).selected.tolist() == [True]
    assert knapsack([1.0], [0.0], budget=0.0).selected.tolist() == [True]
    with pytest.raises(ScenarioError, match="costs must be >= 0; 2 districts have a negative"):
        greedy_fill(np.array([1.0, 2.0, 3.0]), np.array([-1.0, 1.0, -2.0]), 5.0)


def test_greedy_takes_a_later_district_that_fits_the_money_left_exactly():
    # by need per sol: a (3.3), b (1.7), c (0.5); a is funded, b (3) no longer fits in the 2
    # left, c (2) fits exactly
    assert greedy_fill(np.array([10.0, 5.0, 1.0]), np.array([3.0, 3.0, 2.0]), 5.0).tolist() == [
        True, False, True]


def test_exact_solver_reports_its_method_and_status():
    res = knapsack([1.0, 2.0], [1.0, 1.0], budget=1)   # greedy is optimal here
    assert (res.method, res.status) == ("milp", "optimal (relative gap <= 1e-09)")
    assert res.selected.tolist() == [False, True] and res.gap == 0.0
    exact = knapsack([3.0, 4.0], [2.0, 3.0], budget=5)   # both fit, to the sol
    assert exact.method == "milp" and exact.selected.tolist() == [True, True]
    small = knapsack([0.5, 0.4], [1.0, 1.0], budget=1)   # values below 1 are values too
    assert small.method == "milp" and small.selected.tolist() == [True, False]
    nothing = knapsack([0.0, -1.0], [1.0, 1.0], budget=1)
    assert (nothing.method, nothing.status, nothing.gap) == ("milp", "nothing to choose", 0.0)
    # greedy (ties in input order) takes a alone; the optimum b and c: gap 0.15 / 0.6
    gap = knapsack([0.45, 0.3, 0.3], [3.0, 2.0, 2.0], budget=4)
    assert (gap.value, gap.greedy_value) == pytest.approx((0.6, 0.45))
    assert gap.gap == pytest.approx(0.25)
    assert "greedy gap=25.00%" in repr(gap)


def test_allocation_coverage_counts_positive_needs_only():
    t = allocation_table(np.array([3.0, np.nan, 1.0, -2.0]), np.ones(4),
                         np.array([True, False, True, False]), np.array([0, 1, 2, 3]))
    assert t["cum_coverage"].tolist()[0] == 0.75 and t["cum_coverage"].tolist()[2] == 1.0
    small = allocation_table(np.array([0.25, 0.25]), np.ones(2), np.array([True, True]),
                             np.array([1, 0]))
    assert small["cum_coverage"].tolist() == [1.0, 0.5]
    none = allocation_table(np.zeros(2), np.ones(2), np.array([True, True]), np.array([0, 1]))
    assert np.isnan(none["cum_coverage"]).all() and none["cum_cost"].tolist() == [1.0, 2.0]


def test_greedy_on_request_and_the_methods_named():
    res = knapsack([60.0, 100.0, 120.0], [10.0, 20.0, 30.0], budget=50, method="greedy")
    assert (res.method, res.status) == ("greedy", "greedy on request")
    assert res.selected.tolist() == [True, True, False]
    with pytest.raises(ScenarioError, match=r"^method must be one of \['milp', 'greedy'\]; "
                                            r"got 'exact'$"):
        knapsack([1.0], [1.0], budget=1, method="exact")
    with pytest.raises(ScenarioError, match=r"^costs must be >= 0; 1 districts have a negative "
                                            r"cost: a negative cost would fund a district and "
                                            r"add money to the budget$"):
        greedy_fill(np.array([1.0]), np.array([-1.0]), 1.0)
    with pytest.raises(ScenarioError, match=r"^costs must be >= 0; 1 are negative$"):
        greedy_knapsack([1.0], [-1.0], 1.0)


def _fake_milp(monkeypatch, result=None, error=None):
    import types

    import scipy.optimize

    def fake(*args, **kwargs):
        if error is not None:
            raise error
        return types.SimpleNamespace(**result)

    monkeypatch.setattr(scipy.optimize, "milp", fake)


def test_every_way_the_exact_solver_can_fail_falls_back_to_greedy(monkeypatch):
    v, c = [1.0, 2.0], [1.0, 1.0]
    _fake_milp(monkeypatch, error=RuntimeError("boom"))
    res = knapsack(v, c, budget=1.5)
    assert (res.method, res.status, res.selected.tolist()) == (
        "greedy", "milp failed: boom", [False, True])
    _fake_milp(monkeypatch, {"x": None, "message": "infeasible", "status": 2})
    assert (knapsack(v, c, budget=1.5).method, knapsack(v, c, budget=1.5).status) == (
        "greedy", "milp: infeasible")
    # a solution over the budget (2 > 1.5) is not used
    _fake_milp(monkeypatch, {"x": np.array([1.0, 1.0]), "message": "ok", "status": 0})
    over = knapsack(v, c, budget=1.5)
    assert (over.method, over.status) == ("greedy", "milp solution over budget after rounding")
    # a solution below greedy is not used either
    _fake_milp(monkeypatch, {"x": np.array([1.0, 0.0]), "message": "ok", "status": 0})
    below = knapsack(v, c, budget=1.5)
    assert below.method == "greedy" and below.status.startswith("milp solution below greedy")
    # a solution not proven optimal is used, and said
    _fake_milp(monkeypatch, {"x": np.array([0.0, 1.0]), "message": "time limit", "status": 1})
    late = knapsack(v, c, budget=1.5)
    assert (late.method, late.status) == ("milp", "milp not proven optimal: time limit")


def test_exact_solver_on_the_real_districts():
    # HiGHS's default gap (1e-4) stops short of greedy here (132,533.8 children against
    # greedy's 132,534.1); geoprio asks for 1e-9
    import geoprio
    from geoprio.engine.derived import add_derived

    d = add_derived(pd.DataFrame(geoprio.load_districts().drop(columns="geometry")))
    res = knapsack(d["stunted_children"].fillna(-1).to_numpy(),
                   d["under5_2020"].to_numpy() * 100.0, budget=5e7)
    assert (res.method, res.status) == ("milp", "optimal (relative gap <= 1e-09)")
    assert res.value >= res.greedy_value and 0 < res.gap < 1e-3


def test_greedy_with_draws_of_costs_or_of_the_usable_mask():
    v = np.array([10.0, 8.0, 1.0])
    costs = np.array([[1.0, 1.0, 1.0], [5.0, 1.0, 1.0]])   # the cost drawn per row
    assert greedy_fill(v, costs, 2.0).tolist() == [[True, True, False], [False, True, True]]
    usable = np.array([[True, True, True], [False, True, True]])
    assert greedy_fill(v, np.ones(3), 2.0, usable).tolist() == [
        [True, True, False], [False, True, True]]
    # fractional costs: need per sol 2 and 1.5
    assert greedy_fill(np.array([1.0, 3.0]), np.array([0.5, 2.0]), 2.0).tolist() == [True, False]
    # no draws at all
    assert greedy_fill(np.zeros((0, 3)), np.ones(3), 1.0).shape == (0, 3)
    # after the first district that does not fit, a cheap one further on is still funded
    # (by need per sol: a 10, b 9, c 8, d 7, e 6; costs 3, 3, 1, 9, 9)
    got = greedy_fill(np.array([30.0, 27.0, 8.0, 63.0, 54.0]),
                      np.array([3.0, 3.0, 1.0, 9.0, 9.0]), 5.0)
    assert got.tolist() == [True, False, True, False, False]


def test_missing_written_as_none_is_missing():
    assert knapsack([1.0, None], [1.0, 1.0], budget=2).selected.tolist() == [True, False]
    assert knapsack([1.0, 2.0], [1.0, None], budget=2).selected.tolist() == [True, False]
    assert greedy_knapsack([1.0, None], [1.0, 1.0], 2).tolist() == [True, False]
    assert greedy_fill([1.0, None], [None, 1.0], 2).tolist() == [False, False]
    t = allocation_table([2.0, None], [1.0, None], np.array([True, False]), np.array([0, 1]))
    assert list(t.columns) == ["cost", "cum_cost", "cum_coverage"]
    assert t["cum_coverage"].tolist()[0] == 1.0 and np.isnan(t["cost"].iloc[1])
    # a chosen district of negative need over no positive need: coverage unknown, not -inf
    neg = allocation_table(np.array([-1.0]), np.ones(1), np.array([True]), np.array([0]))
    assert np.isnan(neg["cum_coverage"].iloc[0])
