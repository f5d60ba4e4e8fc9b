"""Tests of geoprio.uncertainty: Monte Carlo ranks, seeded and vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import geoprio
from geoprio.budget import greedy_knapsack
from geoprio.scenario import Scenario
from geoprio.uncertainty import _greedy_by_draw, draw_weights, monte_carlo, ranks_of


@pytest.fixture(scope="module")
def poverty_only(table) -> pd.DataFrame:
    s = Scenario(name="pov", weights={"poverty_2018": 1}, top_n=375, n_draws=1000, seed=7)
    return geoprio.prioritize(table, s)


def test_dirichlet_weights_centred_with_documented_spread():
    w = draw_weights(np.array([0.2, 0.8]), n_draws=20000, weight_spread=0.1,
                     rng=np.random.default_rng(3))
    assert w.mean(axis=0) == pytest.approx([0.2, 0.8], abs=0.002)
    # sd = sqrt(w (1 - w) / (kappa + 1)), kappa = 1 / 0.1**2 = 100
    assert w[:, 0].std() == pytest.approx(np.sqrt(0.2 * 0.8 / 101), rel=0.03)
    fixed = draw_weights(np.array([1.0, 3.0]), n_draws=5, weight_spread=0.0,
                         rng=np.random.default_rng(3))
    assert fixed.tolist() == [[0.25, 0.75]] * 5


def test_ranks_ties_keep_input_order_and_skip_unranked():
    s = np.array([[0.5, 0.9, 0.5, np.nan], [0.1, 0.2, 0.3, 0.4]])
    ranked = np.array([True, True, True, True])
    assert ranks_of(s, ranked).tolist() == [[2, 1, 3, 0], [4, 3, 2, 1]]


def test_greedy_by_draw_equals_scalar_greedy():
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 10, size=(4, 30))
    values[0, 3] = np.nan
    costs = rng.uniform(1, 5, size=30)
    ranked = np.ones(30, dtype=bool)
    ranked[7] = False
    chosen = _greedy_by_draw(values, costs, 25.0, ranked)
    for d in range(4):
        v = np.where(ranked, values[d], np.nan)
        assert chosen[d].tolist() == greedy_knapsack(v, costs, 25.0).tolist()


def test_seed_reproducible_and_different_seed_differs():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 100, size=(200, 3))
    lo, hi = raw[:, 0] - 10, raw[:, 0] + 10
    kw = dict(intervals={0: (lo, hi)}, top_n=50, n_draws=300)
    a = monte_carlo(raw, ["p", "b", "c"], np.array([1.0, 1.0, 1.0]), seed=1, **kw)
    b = monte_carlo(raw, ["p", "b", "c"], np.array([1.0, 1.0, 1.0]), seed=1, **kw)
    c = monte_carlo(raw, ["p", "b", "c"], np.array([1.0, 1.0, 1.0]), seed=2, **kw)
    assert np.array_equal(a.ranks, b.ranks) and np.array_equal(a.p_selected, b.p_selected)
    assert not np.array_equal(a.ranks, c.ranks)
    assert a.drawn == ["p"] and a.ranks.shape == (300, 200)


def test_real_reproducible_and_intervals_contain_point_rank(table):
    s = Scenario.preset("dci").replace(n_draws=400, seed=3)
    a = geoprio.prioritize(table, s)
    b = geoprio.prioritize(table, s)
    cols = ["rank_p05", "rank_median", "rank_p95", "p_selected"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    r = a[a["rank"].notna()]
    # dci: the 9 districts without a stunting figure are not eligible, so not ranked
    assert len(r) == 1874 - 9
    assert ((r["rank_p05"] <= r["rank"]) & (r["rank"] <= r["rank_p95"])).all()
    assert (r["rank_p05"] <= r["rank_median"]).all() and (r["rank_median"] <= r["rank_p95"]).all()


def test_wide_poverty_interval_gives_wide_rank_interval(table, poverty_only):
    # among districts with poverty between 45% and 50%, the widest and the narrowest
    # INEI interval; weights are fixed (one indicator), so only poverty draws move ranks
    band = table[table["poverty_2018"].between(45, 50)]
    width = band["poverty_2018_hi"] - band["poverty_2018_lo"]
    wide, narrow = width.idxmax(), width.idxmin()
    assert width[wide] > 2 * width[narrow]
    span = poverty_only["rank_p95"] - poverty_only["rank_p05"]
    assert span[wide] > span[narrow]
    cochas = poverty_only.index[poverty_only["ubigeo"] == "120205"][0]  # widest in Peru
    assert (table.loc[cochas, "poverty_2018_hi"] - table.loc[cochas, "poverty_2018_lo"]
            == pytest.approx(55.3))
    assert 0.1 < poverty_only.loc[cochas, "p_selected"] < 0.9
    assert poverty_only.loc[cochas, "selection_uncertain"]


def test_agrees_with_inei_robust_groups(poverty_only):
    g = poverty_only["poverty_group_2018"]
    ok = g.notna()
    rho = spearmanr(g[ok], poverty_only.loc[ok, "rank_median"].astype(float)).statistic
    assert rho > 0.99
    # INEI's group 1 (3 poorest districts) is always in a top-375 list, ranks 1-3 on the point
    top = poverty_only[g == 1]
    assert sorted(top["rank"].tolist()) == [1, 2, 3]
    assert (top["p_selected"] == 1.0).all()
    # the chance of being listed falls from one robust group to the next
    p_by_group = poverty_only[ok].groupby("poverty_group_2018")["p_selected"].mean()
    assert (np.diff(p_by_group.loc[1:12].to_numpy()) <= 0).all()
    assert p_by_group.loc[12] < 0.01


def test_coin_tosses_are_visible(poverty_only):
    near = poverty_only[poverty_only["rank"].between(370, 380)]
    assert len(near) == 11
    assert near["selection_uncertain"].all()
    assert near["reasons"].str.contains("selección incierta").all()
