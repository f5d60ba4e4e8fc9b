"""The budget trade-off: every frontier point checked against brute force and by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import geoprio
from geoprio.cli import main
from geoprio.decide.frontier import AUGMENT, tradeoff, tradeoff_list
from geoprio.engine.scenario import Scenario
from geoprio.errors import ScenarioError
from geoprio.report.decisions import export_tradeoff


def all_lists(n: int) -> np.ndarray:
    """Every 0-1 list of n items, (2**n, n)."""
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=bool)


def brute_force(n, r, c, budget):
    """Children, mean rate and cost of every affordable non-empty list."""
    x = all_lists(len(n))
    cost = x @ c
    reached = x @ n
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (x @ (n * r)) / reached
    ok = (cost <= budget * (1 + 1e-12)) & x.any(axis=1)
    return x[ok], reached[ok], mean[ok]


def pareto(reached, mean):
    """Indices of the non-dominated lists (by brute force)."""
    keep = []
    for i in range(len(reached)):
        dom = ((reached >= reached[i]) & (mean >= mean[i])
               & ((reached > reached[i] * (1 + 1e-12)) | (mean > mean[i] * (1 + 1e-12))))
        if not dom.any():
            keep.append(i)
    return keep


def check_frontier(frontier, n, r, c, codes, budget):
    _, reached, mean = brute_force(n, r, c, budget)
    front = pareto(reached, mean)
    front_points = {(round(reached[i], 6), round(mean[i], 6)) for i in front}
    top = float(r.max())
    for row in frontier.itertuples():
        chosen = np.isin(codes, row.ubigeos)
        # the figures of the row are those of its list
        assert row.children_reached == pytest.approx(n[chosen].sum())
        assert row.mean_rate == pytest.approx((n * r)[chosen].sum() / n[chosen].sum())
        assert row.cost == pytest.approx(c[chosen].sum()) and row.cost <= budget * (1 + 1e-9)
        assert row.mean_rate >= row.epsilon - 1e-9
        # optimal for its severity floor: the augmented objective, by brute force
        feasible = mean >= row.epsilon - 1e-9
        objective = reached + AUGMENT / top * reached * mean
        assert row.children_reached + AUGMENT / top * row.children_reached * row.mean_rate == (
            pytest.approx(objective[feasible].max(), rel=1e-9))
        # within a millionth of the most children any list with that floor reaches
        assert row.children_reached >= reached[feasible].max() * (1 - AUGMENT) - 1e-9
        # and on the true Pareto frontier
        assert (round(row.children_reached, 6), round(row.mean_rate, 6)) in front_points
    # no point dominates another
    pts = frontier[["children_reached", "mean_rate"]].to_numpy()
    for i, p in enumerate(pts):
        for j, q in enumerate(pts):
            if i != j:
                assert not ((q >= p).all() and (q > p).any())
    # the two ends: the most children, and the highest affordable rate
    assert frontier["children_reached"].max() == pytest.approx(reached.max())
    assert frontier["mean_rate"].max() == pytest.approx(mean.max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frontier_is_exact_on_random_instances_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    k = 12
    n = rng.uniform(5, 500, k).round(1)
    r = rng.uniform(5, 60, k).round(1)
    f = pd.DataFrame({"ubigeo": [f"{i:02d}" for i in range(k)], "n": n, "r": r,
                      "base": rng.integers(10, 200, k).astype(float)})
    budget = 0.4 * float((f["base"] * 10).sum())
    s = Scenario(weights={"r": 1}, higher_is_worse={"r": True}, budget=budget,
                 cost_per_beneficiary=10.0, beneficiary_column="base", n_draws=0)
    frontier = tradeoff(f, s, steps=15, objectives=("n", "r"))
    assert len(frontier) >= 5 and frontier["optimal"].all()
    check_frontier(frontier, n, r, (f["base"] * 10).to_numpy(), f["ubigeo"].to_numpy(), budget)


def test_frontier_is_exact_on_a_real_province_by_brute_force(districts):
    # Chachapoyas (Amazonas): 21 districts, of which those with a 2022 stunting estimate and the
    # most children are kept so that brute force stays small (2**14 lists)
    prov = districts[districts["ubigeo"].str[:4] == "0101"]
    prov = prov[prov["stunting_u5_2022_fh_endes"].notna()].nlargest(14, "under5_2020")
    s = Scenario.preset("dci").replace(top_n=None, budget=60_000.0, cost_per_beneficiary=100.0,
                                       n_draws=0)
    frontier = tradeoff(prov, s, steps=21)
    n = (prov["under5_2020"] * prov["stunting_u5_2022_fh_endes"] / 100).to_numpy()
    r = prov["stunting_u5_2022_fh_endes"].to_numpy()
    c = (prov["under5_2020"] * 100).to_numpy()
    assert c.sum() > 60_000 > c.min()
    check_frontier(frontier, n, r, c, prov["ubigeo"].to_numpy(), 60_000.0)


@pytest.fixture(scope="module")
def dci_frontier(districts):
    s = Scenario.preset("dci").replace(top_n=None, budget=1e8, cost_per_district=2e6)
    return tradeoff(districts, s, steps=11)


def test_dci_frontier_ends_by_hand(dci_frontier, districts):
    d = districts
    f = dci_frontier
    eligible = d["stunting_u5_2022_fh_endes"].notna()
    stunted = (d["under5_2020"] * d["stunting_u5_2022_fh_endes"] / 100)[eligible]
    # S/ 2 million a district: 50 districts; the most children are the 50 largest counts
    top50 = stunted.sort_values(ascending=False).head(50)
    first = f.iloc[0]
    assert first["n_selected"] == 50
    assert first["children_reached"] == pytest.approx(top50.sum())
    assert round(first["children_reached"]) == 86771
    assert set(first["ubigeos"]) == set(d.loc[top50.index, "ubigeo"])
    # the other end: the district with the highest stunting estimate, alone
    last = f.iloc[-1]
    assert last["ubigeos"] == [d.loc[d["stunting_u5_2022_fh_endes"].idxmax(), "ubigeo"]]
    assert last["mean_rate"] == pytest.approx(d["stunting_u5_2022_fh_endes"].max())
    # along the frontier children fall as the rate rises, and every figure is its list's
    assert f["children_reached"].is_monotonic_decreasing
    assert f["mean_rate"].is_monotonic_increasing
    rate = d.set_index("ubigeo")["stunting_u5_2022_fh_endes"]
    count = (d["under5_2020"] * d["stunting_u5_2022_fh_endes"] / 100).set_axis(d["ubigeo"])
    for row in f.itertuples():
        kids = count[row.ubigeos]
        assert row.children_reached == pytest.approx(kids.sum())
        assert row.mean_rate == pytest.approx((kids * rate[row.ubigeos]).sum() / kids.sum())
        assert row.cost == pytest.approx(2e6 * len(row.ubigeos))


def test_dci_frontier_points_are_within_the_lp_bound(dci_frontier, districts):
    """Each point's children against the LP relaxation of its program (an upper bound)."""
    from scipy.optimize import linprog

    d = districts[districts["stunting_u5_2022_fh_endes"].notna()]
    n = (d["under5_2020"] * d["stunting_u5_2022_fh_endes"] / 100).to_numpy()
    r = d["stunting_u5_2022_fh_endes"].to_numpy()
    for row in dci_frontier.itertuples():
        lp = linprog(-n, A_ub=np.vstack([np.full(len(n), 2e6), -(n * (r - row.epsilon))]),
                     b_ub=[1e8, 0.0], bounds=(0, 1), method="highs")
        assert row.children_reached <= -lp.fun + 1e-6
        # an integer list of 50 loses at most two fractional districts against the LP
        assert row.children_reached >= -lp.fun - 2 * n.max()


def test_list_of_a_point_and_its_export(tmp_path, districts, dci_frontier):
    s = Scenario.preset("dci").replace(top_n=None, budget=1e8, cost_per_district=2e6,
                                       n_draws=0)
    result = geoprio.prioritize(districts, s)
    chosen = tradeoff_list(result, dci_frontier, 3)
    assert set(chosen.loc[chosen["selected"], "ubigeo"]) == set(dci_frontier.iloc[3]["ubigeos"])
    assert chosen["p_selected"].isna().all()
    assert chosen.attrs["totals"]["stunted_children"] == pytest.approx(
        dci_frontier.iloc[3]["children_reached"])
    out = export_tradeoff(chosen, tmp_path / "punto.xlsx")
    sheet = {r[0]: r[1] for r in load_workbook(out)["metodologia"].iter_rows(values_only=True)}
    assert float(sheet["escenario.punto.children_reached"]) == pytest.approx(
        dci_frontier.iloc[3]["children_reached"])
    assert float(sheet["escenario.punto.mean_rate"]) == pytest.approx(
        dci_frontier.iloc[3]["mean_rate"])
    assert sheet["escenario.escenario.name"] == "dci"
    with pytest.raises(ScenarioError, match="0 rows for point 99"):
        tradeoff_list(result, dci_frontier, 99)


def test_errors(districts):
    with pytest.raises(ScenarioError, match="has no cost"):
        tradeoff(districts, "dci", budgets=[1e8])
    with pytest.raises(ScenarioError, match="needs a budget"):
        tradeoff(districts, "dci")
    s = Scenario.preset("dci").replace(top_n=None, budget=1e8, cost_per_district=2e6,
                                       need="score")
    with pytest.raises(ScenarioError, match="pass objectives="):
        tradeoff(districts, s)
    with pytest.raises(ScenarioError, match="steps must be an integer from 2"):
        tradeoff(districts, s, steps=1,
                 objectives=("stunted_children", "stunting_u5_2022_fh_endes"))
    with pytest.raises(ScenarioError, match="more than 400 programs"):
        tradeoff(districts, s, budgets=[1e7] * 10, steps=41,
                 objectives=("stunted_children", "stunting_u5_2022_fh_endes"))
    with pytest.raises(ScenarioError, match="budgets must be numbers > 0"):
        tradeoff(districts, s, budgets=[-1.0],
                 objectives=("stunted_children", "stunting_u5_2022_fh_endes"))


def test_cli_tradeoff(tmp_path, capsys):
    out = tmp_path / "frontera.csv"
    assert main(["tradeoff", "--preset", "dci", "--budget", "100000000",
                 "--cost-per-district", "2000000", "--steps", "5", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"ubigeos": str})
    assert 2 <= len(table) <= 5
    assert round(table["children_reached"].iloc[0]) == 86771
    assert len(table["ubigeos"].iloc[0].split()) == 50
    assert "frontier points" in capsys.readouterr().out
    assert main(["tradeoff", "--preset", "dci", "--budget", "1e8", "--out", str(out)]) == 2


def test_a_points_list_has_its_own_figures_and_reasons():
    # issue 20: the point's list kept the greedy list's reasons, cost and budget figures: a
    # district of the point read "no seleccionado (p = 0,00)" and the export carried the
    # sidebar's cost instead of the one the frontier was computed with
    f = pd.DataFrame({"ubigeo": ["a", "b", "c", "d"], "n": [100.0, 60.0, 10.0, 30.0],
                      "r": [10.0, 20.0, 50.0, 30.0]})
    greedy = Scenario(weights={"r": 1}, higher_is_worse={"r": True}, budget=2,
                      cost_per_district=1, n_draws=0)
    result = geoprio.prioritize(f, greedy.replace(need="n"))
    assert result["selected"].tolist() == [True, True, False, False]   # greedy: most n
    frontier = tradeoff(f, greedy.replace(budget=5, cost_per_district=2), budgets=[5],
                        steps=3, objectives=("n", "r"))
    # worked by hand: two districts fit in 5 at 2 each; {a, b} 160 at 13.75%, {c, d} 40 at
    # 35%, {c} 10 at 50%; each leaves 5 - cost unspent
    assert frontier[["children_reached", "cost", "unspent"]].values.tolist() == [
        [160.0, 4.0, 1.0], [40.0, 4.0, 1.0], [10.0, 2.0, 3.0]]
    picked = tradeoff_list(result, frontier, 1)
    assert picked["selected"].tolist() == [False, False, True, True]
    assert picked["cost"].tolist() == [2.0, 2.0, 2.0, 2.0]
    assert picked["budget_need"].tolist() == [100.0, 60.0, 10.0, 30.0]
    # walked in rank order (c 1st, d 2nd): 2 then 4 spent, 10 then 40 of 200 covered
    assert picked["cum_cost"].tolist()[2:] == [2.0, 4.0]
    assert np.isnan(picked["cum_cost"].iloc[0])
    assert picked["cum_coverage"].tolist()[2:] == [0.05, 0.2]
    assert picked["reasons"].tolist() == [
        "Puesto 4 de 4; no seleccionado en el punto 1 de la frontera",
        "Puesto 3 de 4; no seleccionado en el punto 1 de la frontera",
        "Puesto 1 de 4; seleccionado en el punto 1 de la frontera",
        "Puesto 2 de 4; seleccionado en el punto 1 de la frontera"]
    assert picked.attrs["budget"] == {"need": "n", "method": "frontier point (exact 0-1)",
                                      "budget": 5.0, "value": 40.0, "cost": 4.0,
                                      "unspent": 1.0}
    assert picked.attrs["tradeoff"]["unspent"] == 1.0
    en = tradeoff_list(geoprio.prioritize(f, greedy.replace(need="n"), lang="en"), frontier, 2)
    assert en["reasons"].iloc[2] == "Rank 1 of 4; selected at point 2 of the frontier"
    # a cost per beneficiary: each district's own cost in the frontier
    per_child = greedy.replace(cost_per_district=None, cost_per_beneficiary=0.1,
                               beneficiary_column="n", budget=12)
    front = tradeoff(f, per_child, steps=3, objectives=("n", "r"))
    top = tradeoff_list(result, front, 0)
    assert top["cost"].tolist() == pytest.approx([10.0, 6.0, 1.0, 3.0])
    assert front["unspent"].tolist() == pytest.approx(
        [12 - c for c in front["cost"]])


def test_dci_points_that_spend_less_say_so(dci_frontier):
    # the highest-rate point funds one district: S/ 98 million of the S/ 100 million unspent
    last = dci_frontier.iloc[-1]
    assert last["n_selected"] == 1 and last["unspent"] == pytest.approx(9.8e7)
    assert (dci_frontier["unspent"] == 1e8 - dci_frontier["cost"]).all()


def test_augmentation_trades_at_most_a_millionth_of_the_children():
    # issue 20 (a surviving mutant): the weight on the rate is 1e-6 / max rate; a larger one
    # would give up children for rate. {a}: 1,000 children at 10%; {b}: 999.9 at 50%: the
    # list reaching the most children is {a} (b is 0.01% short, far more than a millionth)
    f = pd.DataFrame({"ubigeo": ["a", "b"], "n": [1000.0, 999.9], "r": [10.0, 50.0]})
    s = Scenario(weights={"r": 1}, higher_is_worse={"r": True}, budget=1,
                 cost_per_district=1, n_draws=0)
    t = tradeoff(f, s, steps=2, objectives=("n", "r"))
    assert t["ubigeos"].tolist() == [["a"], ["b"]]
    assert t["children_reached"].tolist() == [1000.0, 999.9]
    assert t["optimal"].tolist() == [True, True]
    # two lists with the same children: the augmented objective takes the higher rate
    g = pd.DataFrame({"ubigeo": ["a", "b"], "n": [500.0, 500.0], "r": [10.0, 30.0]})
    t = tradeoff(g, s, steps=2, objectives=("n", "r"))
    assert t["ubigeos"].tolist() == [["b"]] and t["epsilon"].tolist() == [30.0]


def test_only_affordable_districts_set_the_highest_severity():
    # z has the highest rate but costs more than the budget: the severity floors run from the
    # mean rate of the most-children list (a, b: 140 at 13.57%) to the highest affordable rate
    # (c, 40%), evenly: 13.57, 26.79, 40. At 26.79 {b, c} reaches only 26% (1,300 / 50): the
    # best list is {c}, found again at 40 and kept once (with z's 90% as the top, the floors
    # 51.8 and 90 would find nothing and the frontier would stop at {a, b})
    f = pd.DataFrame({"ubigeo": ["a", "b", "c", "z"], "n": [100.0, 40.0, 10.0, 500.0],
                      "r": [10.0, 22.5, 40.0, 90.0], "price": [1.0, 1.0, 1.0, 10.0]})
    s = Scenario(weights={"r": 1}, higher_is_worse={"r": True}, budget=2,
                 cost_per_beneficiary=1.0, beneficiary_column="price", n_draws=0)
    t = tradeoff(f, s, steps=3, objectives=("n", "r"))
    m0 = (100 * 10 + 40 * 22.5) / 140
    assert t["epsilon"].tolist() == pytest.approx([m0, (m0 + 40) / 2])
    assert t["ubigeos"].tolist() == [["a", "b"], ["c"]]
    assert t["unspent"].tolist() == [0.0, 1.0]
    # a budget below every cost: no frontier at all
    assert tradeoff(f, s.replace(budget=0.5), steps=3, objectives=("n", "r")).empty
