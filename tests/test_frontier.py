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
    # Chachapoyas (Amazonas): 21 districts, of which those with a 2022 stunting figure and the
    # most children are kept so that brute force stays small (2**14 lists)
    prov = districts[districts["ubigeo"].str[:4] == "0101"]
    prov = prov[prov["stunting_u5_2022_eb"].notna()].nlargest(14, "under5_2020")
    s = Scenario.preset("dci").replace(top_n=None, budget=60_000.0, cost_per_beneficiary=100.0,
                                       n_draws=0)
    frontier = tradeoff(prov, s, steps=21)
    n = (prov["under5_2020"] * prov["stunting_u5_2022_eb"] / 100).to_numpy()
    r = prov["stunting_u5_2022_eb"].to_numpy()
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
    eligible = d["stunting_u5_2022_eb"].notna()
    stunted = (d["under5_2020"] * d["stunting_u5_2022_eb"] / 100)[eligible]
    # S/ 2 million a district: 50 districts; the most children are the 50 largest counts
    top50 = stunted.sort_values(ascending=False).head(50)
    first = f.iloc[0]
    assert first["n_selected"] == 50
    assert first["children_reached"] == pytest.approx(top50.sum())
    assert round(first["children_reached"]) == 107746
    assert set(first["ubigeos"]) == set(d.loc[top50.index, "ubigeo"])
    # the other end: the district with the highest smoothed stunting rate, alone
    last = f.iloc[-1]
    assert last["ubigeos"] == [d.loc[d["stunting_u5_2022_eb"].idxmax(), "ubigeo"]]
    assert last["mean_rate"] == pytest.approx(d["stunting_u5_2022_eb"].max())
    # along the frontier children fall as the rate rises, and every figure is its list's
    assert f["children_reached"].is_monotonic_decreasing
    assert f["mean_rate"].is_monotonic_increasing
    rate = d.set_index("ubigeo")["stunting_u5_2022_eb"]
    count = (d["under5_2020"] * d["stunting_u5_2022_eb"] / 100).set_axis(d["ubigeo"])
    for row in f.itertuples():
        kids = count[row.ubigeos]
        assert row.children_reached == pytest.approx(kids.sum())
        assert row.mean_rate == pytest.approx((kids * rate[row.ubigeos]).sum() / kids.sum())
        assert row.cost == pytest.approx(2e6 * len(row.ubigeos))


def test_dci_frontier_points_are_within_the_lp_bound(dci_frontier, districts):
    """Each point's children against the LP relaxation of its program (an upper bound)."""
    from scipy.optimize import linprog

    d = districts[districts["stunting_u5_2022_eb"].notna()]
    n = (d["under5_2020"] * d["stunting_u5_2022_eb"] / 100).to_numpy()
    r = d["stunting_u5_2022_eb"].to_numpy()
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
        tradeoff(districts, s, steps=1, objectives=("stunted_children", "stunting_u5_2022_eb"))
    with pytest.raises(ScenarioError, match="more than 400 programs"):
        tradeoff(districts, s, budgets=[1e7] * 10, steps=41,
                 objectives=("stunted_children", "stunting_u5_2022_eb"))
    with pytest.raises(ScenarioError, match="budgets must be numbers > 0"):
        tradeoff(districts, s, budgets=[-1.0],
                 objectives=("stunted_children", "stunting_u5_2022_eb"))


def test_cli_tradeoff(tmp_path, capsys):
    out = tmp_path / "frontera.csv"
    assert main(["tradeoff", "--preset", "dci", "--budget", "100000000",
                 "--cost-per-district", "2000000", "--steps", "5", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"ubigeos": str})
    assert 2 <= len(table) <= 5
    assert round(table["children_reached"].iloc[0]) == 107746
    assert len(table["ubigeos"].iloc[0].split()) == 50
    assert "frontier points" in capsys.readouterr().out
    assert main(["tradeoff", "--preset", "dci", "--budget", "1e8", "--out", str(out)]) == 2
