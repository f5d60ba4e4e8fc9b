"""Tests of geoprio.engine.uncertainty: draws, eligibility redrawn, joint groups, flat memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, spearmanr

import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.engine.uncertainty import draw_models, draw_weights, rank_quantiles, simulate


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


@pytest.mark.parametrize("n_draws", [1, 7, 20, 100, 399, 1000])
def test_rank_quantiles_are_numpys_inverted_cdf_at_5_50_95(n_draws):
    rng = np.random.default_rng(n_draws)
    ranks = rng.integers(1, 30, size=(n_draws, 12))
    counts = np.stack([np.bincount(ranks[:, i], minlength=31) for i in range(12)])
    ours = rank_quantiles(counts)
    theirs = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    assert np.array_equal(ours, theirs)


def test_intervals_are_clipped_only_where_the_unit_bounds_them():
    f = pd.DataFrame({"p": [1.0, 99.0], "p_lo": [-9.0, 89.0], "p_hi": [11.0, 109.0],
                      "km": [1.0, 2.0], "km_lo": [-9.0, -8.0], "km_hi": [11.0, 12.0]})
    cat = pd.DataFrame({"id": ["p", "km"], "unit": ["%", "km"]})
    models = draw_models(f, ["p", "km"], cat)
    noise = np.random.default_rng(1).standard_normal((4000, 2))
    p, km = models["p"].sample(noise), models["km"].sample(noise)
    assert p.min() == 0.0 and p.max() == 100.0
    assert km.min() < -5 and km.max() > 8  # a distance is not a percentage: not clipped


def test_joint_estimates_are_drawn_once_per_group(table):
    models = draw_models(table, ["poverty_2018"])
    m = models["poverty_2018"]
    joint = table["poverty_joint_2018"].notna()
    assert int(joint.sum()) == 476 and table.loc[joint, "poverty_joint_2018"].nunique() == 197
    assert m.n_groups == 1874 - 476 + 197
    drawn = m.sample(np.random.default_rng(0).standard_normal((50, m.n_groups)))
    for _, members in table[joint].groupby("poverty_joint_2018").groups.items():
        block = drawn[:, table.index.get_indexer(members)]
        assert (block == block[:, :1]).all()
    # two districts estimated alone with the same figures are drawn independently
    alone = table[~joint & table.duplicated(["poverty_2018", "poverty_2018_lo",
                                              "poverty_2018_hi"], keep=False)]
    a, b = table.index.get_indexer(alone.index[:2])
    assert not np.array_equal(drawn[:, a], drawn[:, b])


def test_eligibility_is_redrawn_with_the_quintile_cut():
    # ten districts; X (mean 50, 95% interval 40-60) and F (fixed at 50) compete for the last
    # place of quintile II (4th poorest of 10): X is eligible exactly when it draws above 50,
    # which happens half of the time (worked by hand); F is eligible in the other half
    f = pd.DataFrame({
        "ubigeo": [f"{i:06d}" for i in range(10)],
        "poverty_2018": [95.0, 85.0, 75.0, 50.0, 50.0, 10.0, 9.0, 8.0, 7.0, 6.0],
    })
    f["poverty_2018_lo"] = f["poverty_2018"]
    f["poverty_2018_hi"] = f["poverty_2018"]
    f.loc[4, ["poverty_2018_lo", "poverty_2018_hi"]] = [40.0, 60.0]
    s = Scenario(weights={"poverty_2018": 1}, rule="poverty_quintile_2018 <= 2",
                 n_draws=4000, weight_spread=0, seed=5)
    out = geoprio.prioritize(f, s)
    assert out["p_eligible"][[0, 1, 2]].tolist() == [1.0, 1.0, 1.0]
    assert out["p_eligible"][4] == pytest.approx(0.5, abs=0.03)
    assert out["p_eligible"][3] + out["p_eligible"][4] == pytest.approx(1.0)
    assert out["p_eligible"][5:].tolist() == [0.0] * 5
    assert out["eligibility_uncertain"][[3, 4]].all()
    assert "elegibilidad incierta" in out["reasons"][4]


def test_fonie_eligibility_follows_the_poverty_interval(table):
    out = geoprio.prioritize(table, Scenario.preset("fonie").replace(n_draws=1000))
    law = out["vraem"] | out["border"]
    assert (out.loc[law, "p_eligible"] == 1.0).all()  # eligible by law, whatever poverty
    # a district whose whole interval lies above (below) every draw's cut is always (never)
    # eligible; one whose interval straddles the point cut is uncertain
    cut = table.loc[out["poverty_quintile_2018"] == 2, "poverty_2018"].min()
    straddle = ~law & (table["poverty_2018_lo"] < cut - 5) & (table["poverty_2018_hi"] > cut + 5)
    assert int(straddle.sum()) > 300
    assert (out.loc[straddle, "p_eligible"].between(0.02, 0.98)).mean() > 0.9
    assert int(out["eligibility_uncertain"].sum()) > 300
    # the probability of being eligible follows the normal model: P(poverty > cut)
    far = ~law & ((table["poverty_2018_hi"] - table["poverty_2018_lo"]) > 0)
    sd = (table["poverty_2018_hi"] - table["poverty_2018_lo"]) / 3.92
    approx = pd.Series(norm.sf((cut - table["poverty_2018"]) / sd), index=table.index)
    rho = spearmanr(approx[far], out.loc[far, "p_eligible"]).statistic
    assert rho > 0.95


def test_reasons_never_call_an_uncertain_choice_firm(table):
    out = geoprio.prioritize(table, Scenario.preset("fonie").replace(top_n=644, n_draws=500))
    unsure = out["selection_uncertain"]
    assert int(unsure.sum()) > 50
    assert out.loc[unsure, "reasons"].str.contains("selección incierta").all()
    assert not out["reasons"].str.contains(r"(?<!no )seleccionado \(en la lista en 0%").any()


def test_budget_list_and_its_probabilities_agree(table):
    # need = people in poverty rests on the drawn poverty: the draws move the need
    s = Scenario.preset("fonie").replace(budget=2e9, cost_per_district=5e6, n_draws=500)
    out = geoprio.prioritize(table, s)
    assert int(out["selected"].sum()) == 400  # equal costs: 2e9 / 5e6 districts
    assert out.attrs["budget"]["gap"] == 0.0  # greedy is exact when every cost is equal
    assert (out.loc[out["selected"], "p_selected"] > 0).all()
    assert not out["reasons"].str.contains(r"(?<!no )seleccionado \(en la lista en 0%").any()
    assert int(out["selection_uncertain"].sum()) > 10


def test_seed_reproducible_and_different_seed_differs(table):
    s = Scenario.preset("dci").replace(n_draws=300, seed=3)
    a = geoprio.prioritize(table, s)
    b = geoprio.prioritize(table, s)
    c = geoprio.prioritize(table, s.replace(seed=4))
    cols = ["rank_p05", "rank_median", "rank_p95", "p_selected", "p_eligible"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert not a["p_selected"].equals(c["p_selected"])
    assert a.attrs["drawn"] == ["anemia_6_35m_2022_eb", "poverty_2018", "stunting_u5_2022_eb"]


def test_real_intervals_contain_point_rank(table):
    a = geoprio.prioritize(table, Scenario.preset("dci").replace(n_draws=400, seed=3))
    r = a[a["rank"].notna()]
    assert len(r) == 1874 - 35  # the 35 districts with no child measured in 2022 are not ranked
    assert ((r["rank_p05"] <= r["rank"]) & (r["rank"] <= r["rank_p95"])).all()
    assert (r["rank_p05"] <= r["rank_median"]).all() and (r["rank_median"] <= r["rank_p95"]).all()


def test_wide_poverty_interval_gives_wide_rank_interval(table, poverty_only):
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
    top = poverty_only[g == 1]
    assert sorted(top["rank"].tolist()) == [1, 2, 3]
    assert (top["p_selected"] == 1.0).all()
    p_by_group = poverty_only[ok].groupby("poverty_group_2018")["p_selected"].mean()
    assert (np.diff(p_by_group.loc[1:12].to_numpy()) <= 0).all()
    assert p_by_group.loc[12] < 0.01


def test_memory_does_not_grow_with_draws(table):
    s = Scenario.preset("fonie")
    peaks = []
    for n in (500, 4000):
        geoprio.prioritize(table, s.replace(n_draws=10))  # warm caches
        tracemalloc.start()
        geoprio.prioritize(table, s.replace(n_draws=n))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0]  # 8x the draws, about the same memory


def test_draws_are_bounded():
    with pytest.raises(geoprio.errors.ScenarioError, match="n_draws must be an integer from 0 "
                                                           "to 10000"):
        Scenario(weights={"poverty_2018": 1}, n_draws=100_000)
    with pytest.raises(geoprio.errors.ScenarioError, match="n_draws must be between 1 and"):
        simulate(lambda v, w: None, {}, np.array([1.0]), n_units=3, n_draws=20_000)


def test_smoothed_rates_are_drawn_from_their_posterior(table):
    from scipy.stats import beta

    model = draw_models(table, ["stunting_u5_2022_eb"])["stunting_u5_2022_eb"]
    drawn = model.draw(np.random.default_rng(11), 20000)
    asuncion = table.index[table["ubigeo"] == "010102"][0]  # 1 stunted of 6 measured
    a, b = model.a[asuncion], model.b[asuncion]
    # the posterior (scipy as oracle) has the shipped rate as mean and the shipped 90% interval
    assert 100 * beta.mean(a, b) == pytest.approx(table.loc[asuncion, "stunting_u5_2022_eb"])
    assert 100 * beta.ppf([0.05, 0.95], a, b) == pytest.approx(
        table.loc[asuncion, ["stunting_u5_2022_eb_lo", "stunting_u5_2022_eb_hi"]].to_numpy(
            dtype=float), abs=1e-4)
    assert np.quantile(drawn[:, asuncion], [0.05, 0.95]) == pytest.approx(
        100 * beta.ppf([0.05, 0.95], a, b), abs=0.5)
    missing = table["evaluated_u5_2022"].isna().to_numpy()
    assert int(missing.sum()) == 35 and np.isnan(drawn[:, missing]).all()


def test_a_handful_of_children_gives_a_wide_rank_interval_not_rank_one(table):
    raw = geoprio.prioritize(table, Scenario(weights={"stunting_u5_2022": 1}, top_n=100,
                                             n_draws=0))
    yauya = raw.index[raw["ubigeo"] == "020703"][0]  # 1 child measured, stunted: 100%
    assert raw.loc[yauya, "rank"] == 1  # the raw rate puts noise first
    out = geoprio.prioritize(table, Scenario(weights={"stunting_u5_2022_eb": 1}, top_n=100))
    few = out["evaluated_u5_2022"] <= 5
    many = out["evaluated_u5_2022"] >= 1000
    width = out["rank_p95"] - out["rank_p05"]
    assert width[few].median() > 5 * width[many].median()
    assert out.loc[yauya, "rank"] > 100 and out.loc[yauya, "p_selected"] < 0.2
    assert width[yauya] > 1000


def test_a_probability_in_the_reasons_never_crosses_the_line_it_misses(table):
    """0.897 reads 89,7%, never 90% (a firm selection); 0.103 reads 10,3%, never 10%."""
    import re

    out = geoprio.prioritize(table, Scenario.preset("dci"))
    text = out["reasons"].str.extract(r"en la lista en ([\d,]+)% de las simulaciones")[0]
    shown = text.str.replace(",", ".").astype(float) / 100
    p = out["p_selected"]
    have = shown.notna()
    assert int(have.sum()) == int(out["rank"].notna().sum())  # every ranked district says it
    for line in (0.1, 0.9):  # same side of each line as the probability itself
        assert ((shown[have] > line) == (p[have] > line)).all()
        assert ((shown[have] < line) == (p[have] < line)).all()
    assert (shown[have] - p[have]).abs().max() <= 0.001 + 1e-12  # 1,000 draws: exact to 0.1%
    uncertain = out["selection_uncertain"]
    assert out.loc[uncertain, "reasons"].map(lambda r: bool(re.search("incierta", r))).all()
