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
    assert a.attrs["drawn"] == ["anemia_6_35m_2022_eb", "poverty_2018", "stunting_u5_2022_fh"]


def test_real_intervals_contain_point_rank(table):
    a = geoprio.prioritize(table, Scenario.preset("dci").replace(n_draws=400, seed=3))
    r = a[a["rank"].notna()]
    assert len(r) == 1874  # Fay–Herriot: every district, the 35 with no child measured too
    assert ((r["rank_p05"] <= r["rank"]) & (r["rank"] <= r["rank_p95"])).all()
    # ... with a wider rank interval than districts where many were measured
    span = (r["rank_p95"] - r["rank_p05"]).to_numpy()
    n = table["evaluated_u5_2022"].fillna(0).to_numpy()
    assert np.median(span[n == 0]) > np.median(span[n >= 1000])
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
def test_same_scenario_listed_in_another_order_gives_the_same_draws(table):
    # issue 20: the weights of DCI listed in reverse gave p_selected up to 0.1 apart
    dci = Scenario.preset("dci").replace(n_draws=300)
    reverse = dci.replace(weights=dict(reversed(list(dci.weights.items()))),
                          higher_is_worse=dict(reversed(list(dci.higher_is_worse.items()))))
    assert list(reverse.weights) != list(dci.weights) and reverse.weights == dci.weights
    a = geoprio.prioritize(table, dci)
    b = geoprio.prioritize(table, reverse)
    for col in ("p_selected", "p_eligible", "rank_p05", "rank_median", "rank_p95", "score"):
        assert a[col].equals(b[col]), col
    assert a["reasons"].equals(b["reasons"])


def test_columns_are_drawn_in_name_order_whatever_the_models_order():
    # the draws of each column do not depend on which column a mapping lists first
    f = pd.DataFrame({"p": [50.0, 20.0], "p_lo": [40.0, 10.0], "p_hi": [60.0, 30.0],
                      "q": [5.0, 6.0], "q_lo": [4.0, 5.0], "q_hi": [6.0, 7.0]})
    models = draw_models(f, ["p", "q"])
    seen = []

    def run(values, weights):
        seen.append({k: v.copy() for k, v in values.items()})
        m = len(weights)
        return type("O", (), {"ranked": np.ones((m, 2), bool), "rank": np.ones((m, 2), int),
                              "eligible": np.ones((m, 2), bool),
                              "selected": np.ones((m, 2), bool)})()

    simulate(run, models, np.array([1.0]), n_units=2, n_draws=3, seed=1)
    simulate(run, dict(reversed(list(models.items()))), np.array([1.0]), n_units=2,
             n_draws=3, seed=1)
    assert all(np.array_equal(seen[0][k], seen[1][k]) for k in ("p", "q"))


def test_draws_on_one_department_keep_the_national_prior(table):
    # issue 20: on a subset the posterior was refitted on the subset while the published
    # rate is smoothed nationally: draws sat up to 6 points off the point in Amazonas
    from geoprio.spatial.smoothing import posterior_beta

    national = posterior_beta(table, "stunted_u5_2022", "evaluated_u5_2022")
    part = table[table["ubigeo"].str.startswith("03")]  # Apurímac: 030711 has no child measured
    model = draw_models(part, ["stunting_u5_2022_eb"])["stunting_u5_2022_eb"]
    a_nat = national["a"].to_numpy()[part.index]
    b_nat = national["b"].to_numpy()[part.index]
    ok = np.isfinite(a_nat)
    assert ok.sum() == int((part["evaluated_u5_2022"] > 0).sum()) and not ok.all()
    np.testing.assert_allclose(model.a[ok], a_nat[ok], rtol=1e-5)
    np.testing.assert_allclose(model.b[ok], b_nat[ok], rtol=1e-5)
    # the posterior mean is the published point, to its six decimals
    mean = 100 * model.a / (model.a + model.b)
    np.testing.assert_allclose(mean[ok], part["stunting_u5_2022_eb"].to_numpy()[ok],
                               atol=1e-5)
    assert np.isnan(model.a[~ok]).all()
    draws = model.draw(np.random.default_rng(0), 4000)
    sd = np.sqrt(mean * (100 - mean) / (model.a + model.b + 1))
    z = (draws.mean(axis=0) - mean)[ok] / (sd[ok] / np.sqrt(4000))
    assert np.abs(z).max() < 4.5
    # the prior strength read back from the rates is the national fit's, kappa = m / A
    from geoprio.engine.uncertainty import prior_strength

    m, y, n = (table[c].to_numpy(dtype=float) for c in
               ("stunting_u5_2022_eb", "stunted_u5_2022", "evaluated_u5_2022"))
    kappa = prior_strength(m / 100, y, n)
    fit = geoprio.smooth_rates(table, "stunted_u5_2022", "evaluated_u5_2022")
    assert kappa == pytest.approx(fit.attrs["global_mean"] / fit.attrs["global_var"], rel=1e-5)


def test_a_rate_that_is_not_global_eb_falls_back_to_the_rows_given(caplog):
    f = pd.DataFrame({"ubigeo": list("abcd"), "stunting_u5_2022_eb": [10.0, 50.0, 20.0, 5.0],
                      "stunted_u5_2022": [1.0, 30.0, 5.0, 1.0],
                      "evaluated_u5_2022": [10.0, 50.0, 40.0, 30.0]})
    from geoprio.spatial.smoothing import posterior_beta

    model = draw_models(f, ["stunting_u5_2022_eb"])["stunting_u5_2022_eb"]
    post = posterior_beta(f, "stunted_u5_2022", "evaluated_u5_2022")
    np.testing.assert_allclose(model.a, post["a"])
    assert "is not a global Empirical Bayes rate" in caplog.text


def test_the_department_filter_holds_in_every_draw_when_the_rule_varies(table):
    # issue 20 (a surviving mutant): with a rule on drawn poverty, the draws re-evaluated the
    # rule; the department filter must stay: nobody outside Amazonas is ever eligible
    s = Scenario.preset("fonie").replace(departments=["AMAZONAS"], n_draws=100)
    out = geoprio.prioritize(table, s)
    inside = (table["department"] == "AMAZONAS").to_numpy()
    assert (out.loc[~inside, "p_eligible"] == 0).all()
    assert (out.loc[~inside, "p_selected"] == 0).all()
    assert out.loc[inside, "p_eligible"].between(0, 1).all()
    assert 0 < int((out.loc[inside, "p_eligible"] > 0).sum()) <= int(inside.sum())


def test_imputed_values_are_imputed_in_every_draw(table):
    # missing="impute" must fill a drawn column's gaps in the draws too: a district without a
    # 2022 stunting figure keeps a rank in every draw
    s = Scenario.preset("dci").replace(rule="", missing="impute", n_draws=60)
    out = geoprio.prioritize(table, s).set_index("ubigeo")
    no_rate = table.loc[table["stunting_u5_2022_eb"].isna(), "ubigeo"]
    assert len(no_rate) == 35
    assert out.loc[no_rate, "rank"].notna().all()
    assert out.loc[no_rate, "rank_p05"].notna().all()
    assert out.loc[no_rate, "rank_p95"].notna().all()


def test_a_score_need_is_shifted_in_every_draw(table):
    # z-scores are negative below the mean: a budget that pays for everyone funds everyone in
    # every draw only if the need is shifted to >= 0 within each draw
    s = Scenario.preset("dci").replace(top_n=None, normalisation="zscore", need="score",
                                       budget=1e12, cost_per_district=1.0, n_draws=40)
    out = geoprio.prioritize(table, s)
    ranked = out["rank"].notna()
    assert out.loc[ranked, "selected"].all()
    assert (out.loc[ranked, "p_selected"] == 1.0).all()


def test_a_district_unranked_in_a_draw_is_not_counted_as_rank_zero(table):
    # Tambillo (050113) is eligible for FONIE in about half the draws: its interval is over the
    # draws where it is ranked, never 0
    out = geoprio.prioritize(table, Scenario.preset("fonie").replace(n_draws=200))
    t = out.set_index("ubigeo").loc["050113"]
    assert 0.2 < t["p_eligible"] < 0.8
    assert t["rank_p05"] >= 1
    ranked = out["rank_p05"].notna()
    assert (out.loc[ranked, "rank_p05"] >= 1).all()
    assert (out.loc[ranked, "rank_p05"] <= out.loc[ranked, "rank_p95"]).all()


# ---------------------------------------------------------------- issue 20: mutation holes
def test_a_normal_draw_by_hand():
    from geoprio.engine.uncertainty import DrawModel

    m = DrawModel("p", np.array([50.0, np.nan, 98.0]), np.array([5.0, 5.0, 5.0]),
                  np.array([0, 1, 2]), (0.0, 100.0))
    got = m.sample(np.array([[2.0, 1.0, 1.0], [-1.0, 0.0, -0.5]]))
    assert got[:, 0].tolist() == [60.0, 45.0] and np.isnan(got[:, 1]).all()
    assert got[:, 2].tolist() == [100.0, 95.5]   # clipped to the unit's range


def test_beta_draws_keep_gaps_and_points():
    from geoprio.engine.uncertainty import BetaModel

    a = np.array([2.0, 0.0, np.nan, np.inf, 1.0, 0.5, 3.0])
    b = np.array([3.0, 5.0, np.nan, np.inf, 0.0, 0.5, np.inf])
    mean = np.array([40.0, 10.0, np.nan, 25.0, 30.0, 50.0, 20.0])
    got = BetaModel("r", a, b, mean).draw(np.random.default_rng(0), 500)
    assert ((got[:, 0] > 0) & (got[:, 0] < 100)).all()
    assert abs(got[:, 0].mean() - 40.0) < 3.0
    assert np.isnan(got[:, [1, 2, 4, 6]]).all()   # a or b of 0, missing, one of them infinite
    assert (got[:, 3] == 25.0).all()              # a point posterior: the rate itself
    assert np.isfinite(got[:, 5]).all()           # a and b below 1 are a posterior too


def test_prior_strength_needs_two_varied_rates_and_fits_them_exactly():
    from geoprio.engine.uncertainty import prior_strength

    y, n = np.array([3.0, 20.0]), np.array([5.0, 100.0])
    r = (40.0 * 0.16 + y) / (40.0 + n)
    assert prior_strength(r, y, n) == pytest.approx(40.0)          # two are enough
    assert prior_strength(r[:1], y[:1], n[:1]) is None
    assert prior_strength(np.array([0.2, 0.2]), y, n) is None       # no spread: no fit
    # districts without a measured child or a rate are left out of the fit
    y3, n3 = np.r_[y, 0.0, 4.0], np.r_[n, 0.0, 10.0]
    r3 = np.r_[r, 0.9, np.nan]
    assert prior_strength(r3, y3, n3) == pytest.approx(40.0)
    # a fit missing a rate by more than 1e-6 is no global EB rate; a negative kappa neither
    y3, n3 = np.array([3.0, 20.0, 150.0]), np.array([5.0, 100.0, 1000.0])
    r3 = (40.0 * 0.16 + y3) / (40.0 + n3)
    assert prior_strength(r3, y3, n3) == pytest.approx(40.0)
    assert prior_strength(r3 + np.array([0.0, 1e-4, 0.0]), y3, n3) is None
    assert prior_strength(np.array([0.7, 0.1]), np.array([1.0, 5.0]),
                          np.array([10.0, 10.0])) is None


def test_posterior_of_a_district_without_a_measured_child_is_missing():
    f = pd.DataFrame({"ubigeo": list("abcd"),
                      "stunting_u5_2022_eb": [None, 30.0, None, None],
                      "stunted_u5_2022": ["3", "s/d", "20", "150"],
                      "evaluated_u5_2022": [5.0, 0.0, 100.0, 1000.0]})
    y = np.array([3.0, 20.0, 150.0])
    n = np.array([5.0, 100.0, 1000.0])
    f.loc[[0, 2, 3], "stunting_u5_2022_eb"] = 100 * (40.0 * 0.16 + y) / (40.0 + n)
    m = draw_models(f, ["stunting_u5_2022_eb"])["stunting_u5_2022_eb"]
    assert np.isnan(m.a[1]) and np.isnan(m.b[1])   # 0 measured: no posterior, even with a rate
    np.testing.assert_allclose(m.a[[0, 2, 3]] + m.b[[0, 2, 3]], 40.0 + n)


# ---------------------------------------------- issue 23: Fay–Herriot predictive draws
def test_fay_herriot_draws_hold_the_published_estimate_and_its_90_percent_interval(table):
    """Independent route: the build's bounds are quantiles by bisection; here by sampling."""
    from geoprio.engine.uncertainty import ArcsineModel

    models = draw_models(table, ["stunting_u5_2022_fh", "stunting_u5_2022_fh_endes"])
    assert all(isinstance(m, ArcsineModel) for m in models.values())
    for col in ("stunting_u5_2022_fh", "stunting_u5_2022_fh_endes"):
        draws = models[col].draw(np.random.default_rng(5), 40_000)
        assert not np.isnan(draws).any()  # every district, the 35 unmeasured among them
        published = table[col].to_numpy()
        assert np.abs(draws.mean(axis=0) - published).max() < 0.35  # points of %, MC error
        lo, hi = np.quantile(draws, [0.05, 0.95], axis=0)
        assert np.abs(lo - table[f"{col}_lo"]).max() < 0.5
        assert np.abs(hi - table[f"{col}_hi"]).max() < 0.5
        inside = (draws >= table[f"{col}_lo"].to_numpy()) & (draws <= table[f"{col}_hi"].to_numpy())
        assert inside.mean() == pytest.approx(0.90, abs=0.003)


def test_an_unmeasured_district_draws_wider_than_a_well_measured_one(table):
    models = draw_models(table, ["stunting_u5_2022_fh"])
    draws = models["stunting_u5_2022_fh"].draw(np.random.default_rng(1), 20_000)
    none = (table["evaluated_u5_2022"].fillna(0) == 0).to_numpy()
    many = (table["evaluated_u5_2022"] >= 2000).to_numpy()
    assert int(none.sum()) == 35 and int(many.sum()) > 50
    spread = draws.std(axis=0)
    assert np.median(spread[none]) > 3 * np.median(spread[many])


def test_a_90_percent_interval_is_drawn_with_its_own_width():
    # without the counts an EB rate falls back to its bounds, which are a 90% interval:
    # sd = (hi - lo) / (2 × 1.645), not / 3.92
    f = pd.DataFrame({"stunting_u5_2022_eb": [20.0], "stunting_u5_2022_eb_lo": [10.0],
                      "stunting_u5_2022_eb_hi": [30.0], "poverty_2018": [20.0],
                      "poverty_2018_lo": [10.0], "poverty_2018_hi": [30.0]})
    models = draw_models(f, ["stunting_u5_2022_eb", "poverty_2018"])
    assert models["stunting_u5_2022_eb"].sd[0] == pytest.approx(20 / (2 * norm.ppf(0.95)))
    assert models["poverty_2018"].sd[0] == pytest.approx(20 / 3.92)  # INEI's 95%: 2 × 1.96


def test_a_benchmarked_fay_herriot_draw_is_its_base_draw_times_the_department_ratio(districts):
    """A DCI budget draws stunting twice (the score's SIEN-HIS scale, the need's ENDES scale):
    one draw of a district's stunting in both, as the shipped columns are one estimate at two
    scales (ratio = published ENDES-scale value / published SIEN-HIS value, per district)."""
    from geoprio.engine.ranking import build_plan
    from geoprio.engine.uncertainty import draw_all

    s = Scenario.preset("dci").replace(top_n=None, budget=5e7, cost_per_district=1e6)
    models = build_plan(districts, s).models
    fh, endes = "stunting_u5_2022_fh", "stunting_u5_2022_fh_endes"
    assert {fh, endes} <= set(models)
    drawn = draw_all(models, np.random.default_rng(3), 200)
    ratio = (districts[endes] / districts[fh]).to_numpy()
    expected = np.clip(drawn[fh] * ratio, 0, 100)
    np.testing.assert_allclose(drawn[endes], expected, rtol=1e-12)
    # the two scales move together: in every draw the ENDES-scale rate is above its point
    # value exactly where the SIEN-HIS rate is (independent draws would disagree half the time)
    above_fh = drawn[fh] > districts[fh].to_numpy()
    above_endes = drawn[endes] > districts[endes].to_numpy() * (1 - 1e-12)
    assert (above_fh == above_endes).mean() > 0.999
