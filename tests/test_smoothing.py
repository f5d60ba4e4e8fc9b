"""Empirical Bayes smoothing: cases worked by hand, esda as the oracle on the real 2022 counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import geoprio
from geoprio.errors import GeoprioError, InputError
from geoprio.spatial.smoothing import posterior_beta, smooth_rates


def _line(n: int) -> sp.csr_matrix:
    """Districts 0-1-2-...: each touches the next one."""
    i = np.arange(n - 1)
    return sp.csr_matrix((np.ones(2 * (n - 1)), (np.r_[i, i + 1], np.r_[i + 1, i])),
                         shape=(n, n))


HAND = pd.DataFrame({"ubigeo": ["a", "b", "c", "d"], "y": [0, 2, 4, 6], "n": [10] * 4})


def test_global_eb_worked_by_hand():
    # m = 12/40 = 0.3; rates 0, .2, .4, .6; s² = 10(.09+.01+.01+.09)/40 = .05;
    # A = s² − m/n̄ = .05 − .3/10 = .02; weight on the own rate = A/(A + m/n) = .02/.05 = .4
    # EB = .3 + .4 (r − .3) = .18, .26, .34, .42; κ = m/A = 15
    r = smooth_rates(HAND, "y", "n")
    assert r["rate"].tolist() == pytest.approx([0.18, 0.26, 0.34, 0.42], abs=1e-12)
    assert r["prior_mean"].iloc[0] == pytest.approx(0.3)
    assert r["prior_var"].iloc[0] == pytest.approx(0.02)
    assert r["shrinkage"].tolist() == pytest.approx([0.4] * 4)
    # posterior Beta(κm + y, κ(1−m) + n − y) = Beta(4.5 + y, 20.5 − y)
    assert r["a"].tolist() == pytest.approx([4.5, 6.5, 8.5, 10.5])
    assert r["b"].tolist() == pytest.approx([20.5, 18.5, 16.5, 14.5])
    assert (r["a"] / (r["a"] + r["b"])).tolist() == pytest.approx(r["rate"].tolist())


def test_posterior_interval_by_numerical_integration():
    r = smooth_rates(HAND, "y", "n", level=0.9)
    a, b = 4.5, 20.5  # district "a"
    x = np.linspace(0, 1, 400_001)[1:-1]
    logpdf = ((a - 1) * np.log(x) + (b - 1) * np.log1p(-x)
              + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b))
    cdf = np.cumsum(np.exp(logpdf)) * (x[1] - x[0])
    assert r["lo"].iloc[0] == pytest.approx(np.interp(0.05, cdf, x), abs=1e-4)
    assert r["hi"].iloc[0] == pytest.approx(np.interp(0.95, cdf, x), abs=1e-4)


def test_negative_variance_is_set_to_zero_as_marshall_does():
    # n = 10, 10, 20; y = 1, 3, 4: m = .2, s² = .005, m/n̄ = .015 → A < 0 → every rate = m
    t = pd.DataFrame({"ubigeo": list("abc"), "y": [1, 3, 4], "n": [10, 10, 20]})
    with pytest.warns(UserWarning, match="vary no more than sampling noise"):
        r = smooth_rates(t, "y", "n")
    assert r["rate"].tolist() == pytest.approx([0.2, 0.2, 0.2])
    assert r["lo"].tolist() == r["hi"].tolist() == pytest.approx([0.2, 0.2, 0.2])


def test_spatial_eb_worked_by_hand():
    # a line of four districts, 10 children each, cases 0, 4, 2, 7
    # d1 {1,2}: m = 4/20 = .2, A = (.4 + .4)/20 − .2/10 = .02, w = .5 → .1
    # d2 {1,2,3}: m = 6/30 = .2, A = .8/30 − .02 = .00667, w = .25 → .2 + .25·.2 = .25
    # d3 {2,3,4}: m = 13/30, A = 1.26667/30 − .04333 < 0: no usable local prior (fallback)
    #   → the global prior: m = 13/40, A = 10·.2675/40 − 13/400 = 11/320, w = 55/107,
    #   13/40 − (1/8)(55/107) = 279/1070 (issue 20: Marshall's 13/30 lay outside the interval
    #   of the posterior built with the global spread)
    # d4 {3,4}: m = 9/20 = .45, A = 1.25/20 − .045 = .0175, w = .28 → .45 + .28·.25 = .52
    t = pd.DataFrame({"ubigeo": list("abcd"), "y": [0, 4, 2, 7], "n": [10] * 4})
    r = smooth_rates(t, "y", "n", method="spatial_eb", spatial_weights=_line(4))
    assert r["rate"].tolist() == pytest.approx([0.1, 0.25, 279 / 1070, 0.52], abs=1e-12)
    assert r["variance_fallback"].tolist() == [False, False, True, False]
    assert r["shrinkage"].iloc[2] == pytest.approx(55 / 107, abs=1e-12)
    assert (r["prior_mean"].iloc[2], r["prior_var"].iloc[2]) == pytest.approx((13 / 40, 11 / 320))
    # one model: the posterior mean is the rate, and the interval holds it
    assert (r["a"] / (r["a"] + r["b"])).tolist() == pytest.approx(r["rate"].tolist(), abs=1e-12)
    assert ((r["lo"] < r["rate"]) & (r["rate"] < r["hi"])).all()
    assert r["hi"].iloc[2] - r["lo"].iloc[2] > 0.1


def test_a_neighbourhood_without_any_event_gets_a_usable_posterior():
    # issue 20: three neighbouring districts without a stunted child gave m_i = 0 and a
    # posterior Beta(0, b), which rng.beta refuses
    t = pd.DataFrame({"ubigeo": list("abcdef"), "y": [0, 0, 0, 3, 6, 2],
                      "n": [12, 20, 15, 30, 25, 40]})
    r = smooth_rates(t, "y", "n", method="spatial_eb", spatial_weights=_line(6))
    g = smooth_rates(t, "y", "n")   # the global prior, by the global method
    # a {a,b} and b {a,b,c}: no event around them → the global prior, global EB's answer
    assert r["variance_fallback"].tolist()[:2] == [True, True]
    for i in (0, 1):
        assert r["rate"].iloc[i] == pytest.approx(g["rate"].iloc[i], abs=1e-12)
        assert (r["a"].iloc[i], r["b"].iloc[i]) == pytest.approx((g["a"].iloc[i],
                                                                  g["b"].iloc[i]))
        assert r["rate"].iloc[i] > 0
    post = posterior_beta(t, "y", "n", method="spatial_eb", spatial_weights=_line(6))
    draws = np.random.default_rng(0).beta(post["a"], post["b"], size=(4000, 6))
    assert np.isfinite(draws).all()
    np.testing.assert_allclose(draws.mean(axis=0), r["rate"], atol=0.01)


def test_a_prior_without_spread_is_a_point_everywhere():
    t = pd.DataFrame({"ubigeo": list("abc"), "y": [1, 3, 4], "n": [10, 10, 20]})
    with pytest.warns(UserWarning):
        r = smooth_rates(t, "y", "n", method="spatial_eb", spatial_weights=_line(3))
    assert np.isinf(r["a"]).all() and np.isinf(r["b"]).all()
    assert (r["lo"] == r["rate"]).all() and (r["hi"] == r["rate"]).all()
    assert (r["shrinkage"] == 0).all()


@pytest.fixture(scope="module")
def counts_2022(sources, districts):
    """Under-5 counts read straight from the raw SIEN-HIS sheet (openpyxl), in district order."""
    raw = pd.read_excel(sources / "indicators" / "sien_his_2022_indicadores_ninos.xlsx",
                        sheet_name="EN 0-59m x DISTRITO", header=None, engine="openpyxl")
    codes = raw[4].astype(str)
    rows = raw[codes.str.fullmatch(r"\d{6}")]
    c = pd.DataFrame({"ubigeo": rows[4].astype(str), "n": rows[5].astype(float),
                      "y": rows[6].astype(float)})
    return districts[["ubigeo", "geometry"]].merge(c, on="ubigeo", how="left")


def test_global_eb_equals_esda_on_the_2022_counts(counts_2022, table):
    from esda.smoothing import Empirical_Bayes

    ok = counts_2022["n"].notna().to_numpy()
    assert ok.sum() == 1839
    expected = Empirical_Bayes(counts_2022.loc[ok, "y"].to_numpy(),
                               counts_2022.loc[ok, "n"].to_numpy()).r.ravel()
    got = smooth_rates(counts_2022, "y", "n")
    assert np.abs(got.loc[ok, "rate"].to_numpy() - expected).max() < 1e-9
    assert got.loc[~ok, "rate"].isna().all()
    # the shipped column is the same estimate in %, written with 6 decimals
    shipped = table.set_index("ubigeo").loc[counts_2022.loc[ok, "ubigeo"],
                                           "stunting_u5_2022_eb"].to_numpy()
    assert np.abs(shipped - 100 * expected).max() < 1e-6


def test_shipped_anemia_eb_and_interval_from_the_raw_counts(sources, table):
    """Anaemia 6-35 months: esda on the raw counts; Asunción's interval by integration."""
    from esda.smoothing import Empirical_Bayes

    raw = pd.read_excel(sources / "indicators" / "sien_his_2022_indicadores_ninos.xlsx",
                        sheet_name="Anemia 6-35m x DISTRITO", header=None, engine="openpyxl")
    rows = raw[raw[4].astype(str).str.fullmatch(r"\d{6}")]
    y, n = rows[6].to_numpy(dtype=float), rows[5].to_numpy(dtype=float)
    expected = 100 * Empirical_Bayes(y, n).r.ravel()
    shipped = table.set_index("ubigeo").loc[rows[4].astype(str), "anemia_6_35m_2022_eb"]
    assert np.abs(shipped.to_numpy() - expected).max() < 1e-6

    # stunting, Asunción (1 of 6): prior from the raw counts, posterior integrated numerically
    u5 = pd.read_excel(sources / "indicators" / "sien_his_2022_indicadores_ninos.xlsx",
                       sheet_name="EN 0-59m x DISTRITO", header=None, engine="openpyxl")
    u5 = u5[u5[4].astype(str).str.fullmatch(r"\d{6}")]
    yy, nn = u5[6].to_numpy(dtype=float), u5[5].to_numpy(dtype=float)
    m = yy.sum() / nn.sum()
    big_a = (nn * (yy / nn - m) ** 2).sum() / nn.sum() - m / nn.mean()
    a, b = m / big_a * m + 1, m / big_a * (1 - m) + 5
    x = np.linspace(0, 1, 400_001)[1:-1]
    logpdf = ((a - 1) * np.log(x) + (b - 1) * np.log1p(-x)
              + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b))
    cdf = np.cumsum(np.exp(logpdf)) * (x[1] - x[0])
    asun = table.set_index("ubigeo").loc["010102"]
    assert asun["stunting_u5_2022_eb"] == pytest.approx(100 * a / (a + b), abs=1e-5)
    assert asun["stunting_u5_2022_eb_lo"] == pytest.approx(100 * np.interp(0.05, cdf, x),
                                                           abs=1e-2)
    assert asun["stunting_u5_2022_eb_hi"] == pytest.approx(100 * np.interp(0.95, cdf, x),
                                                           abs=1e-2)


def test_spatial_eb_equals_esda_on_the_2022_counts(counts_2022, districts):
    from esda.smoothing import Empirical_Bayes, Spatial_Empirical_Bayes
    from libpysal.weights import w_subset

    from geoprio.spatial.autocorrelation import queen_contiguity

    w = queen_contiguity(districts)
    ok = counts_2022["n"].notna().to_numpy()
    # districts without children are left out, also as neighbours: esda on the same subset
    ids = counts_2022.loc[ok, "ubigeo"].tolist()
    ws = w_subset(w.w, ids, silence_warnings=True)
    ws.id_order = ids
    expected = Spatial_Empirical_Bayes(counts_2022.loc[ok, "y"].to_numpy(),
                                       counts_2022.loc[ok, "n"].to_numpy(), ws).r.ravel()
    overall = Empirical_Bayes(counts_2022.loc[ok, "y"].to_numpy(),
                              counts_2022.loc[ok, "n"].to_numpy()).r.ravel()
    got = smooth_rates(counts_2022, "y", "n", method="spatial_eb", spatial_weights=w)
    # esda's spatial rates where the neighbourhood gives a prior, its global ones elsewhere
    fell = got.loc[ok, "variance_fallback"].to_numpy()
    rate = got.loc[ok, "rate"].to_numpy()
    assert np.abs(rate[~fell] - expected[~fell]).max() < 1e-9
    assert np.abs(rate[fell] - overall[fell]).max() < 1e-9
    # one model (issue 20: 13 districts had their rate outside their own interval): the
    # posterior mean is the rate, the interval holds it, the shrinkage is the weight on the
    # district's own rate
    a, b = got.loc[ok, "a"].to_numpy(), got.loc[ok, "b"].to_numpy()
    assert np.abs(a / (a + b) - rate).max() < 1e-12
    assert ((got.loc[ok, "lo"] <= got.loc[ok, "rate"])
            & (got.loc[ok, "rate"] <= got.loc[ok, "hi"])).all()
    m, raw = got.loc[ok, "prior_mean"].to_numpy(), got.loc[ok, "raw_rate"].to_numpy()
    moved = np.abs(raw - m) > 1e-9
    w_own = got.loc[ok, "shrinkage"].to_numpy()
    assert np.abs((m + w_own * (raw - m) - rate)[moved]).max() < 1e-12
    # the same with the weights given as a libpysal W or a sparse matrix
    again = smooth_rates(counts_2022, "y", "n", method="spatial_eb", spatial_weights=w.w)
    assert np.allclose(again["rate"], got["rate"], equal_nan=True, atol=0)
    assert int(got["variance_fallback"].sum()) == 213


def test_five_children_give_a_wide_interval_and_draws(counts_2022):
    post = posterior_beta(counts_2022, "y", "n")
    r = smooth_rates(counts_2022, "y", "n")
    small = (counts_2022["n"] == 5).to_numpy()
    assert small.any()
    width = (r["hi"] - r["lo"])[small]
    assert (width > 0.2).all()  # over 20 points for every district with 5 children
    big = (counts_2022["n"] > 5000).to_numpy()
    assert ((r["hi"] - r["lo"])[big] < 0.03).all()
    rng = np.random.default_rng(7)
    i = int(np.flatnonzero(small)[0])
    draws = rng.beta(post["a"].iloc[i], post["b"].iloc[i], size=20_000)
    inside = ((draws >= r["lo"].iloc[i]) & (draws <= r["hi"].iloc[i])).mean()
    assert inside == pytest.approx(0.9, abs=0.01)
    assert post["a"].isna().sum() == 35


def test_public_api_and_errors(counts_2022):
    assert geoprio.smooth_rates is smooth_rates
    assert geoprio.posterior_beta is posterior_beta
    with pytest.raises(GeoprioError, match=r"method must be one of \['eb', 'spatial_eb'\]"):
        smooth_rates(HAND, "y", "n", method="bayes")
    with pytest.raises(GeoprioError, match="more events than population"):
        smooth_rates(HAND.assign(y=[0, 2, 40, 6]), "y", "n")
    with pytest.raises(GeoprioError, match="'children' is not a column"):
        smooth_rates(HAND, "y", "children")
    with pytest.raises(GeoprioError, match="spatial_weights is 3x3 but there are 4 districts"):
        smooth_rates(HAND, "y", "n", method="spatial_eb", spatial_weights=_line(3))
    with pytest.raises(TypeError, match="DataFrame"):
        smooth_rates([1, 2], "y", "n")


def test_cli_smooth_writes_a_table(tmp_path, capsys):
    from geoprio.cli import main

    out = tmp_path / "eb.csv"
    assert main(["smooth", "stunted_u5_2022", "evaluated_u5_2022", "--percent",
                 "--out", str(out)]) == 0
    assert "eb: 1839 districts smoothed, 35 without population" in capsys.readouterr().out
    t = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig").set_index("ubigeo")
    assert len(t) == 1874
    assert t.loc["010102", "population"] == 6
    assert main(["smooth", "stunted_u5_2022", "nope", "--out", str(out)]) == 2


def test_cli_smooth_refuses_an_ambiguous_numbering_unless_told(tmp_path, capsys):
    """150101 and 250204 are districts in INEI and (other ones) in RENIEC numbering."""
    from geoprio.cli import main

    table = tmp_path / "conteos.csv"
    table.write_text("ubigeo,y,n\n150101,3,40\n250204,2,10\n010101,1,20\n", encoding="utf-8")
    out = tmp_path / "eb.csv"
    assert main(["smooth", "y", "n", "--table", str(table), "--out", str(out)]) == 2
    assert "both INEI and RENIEC numbering" in capsys.readouterr().err
    assert main(["smooth", "y", "n", "--table", str(table), "--scheme", "inei",
                 "--out", str(out)]) == 0
    t = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig").set_index("ubigeo")
    assert t.loc["250204", "population"] == 10  # Yurúa in INEI numbering, not Neshuya


# ---------------------------------------------------------------- issue 20: mutation holes
def test_scale_multiplies_rates_and_squares_the_variance():
    one = smooth_rates(HAND, "y", "n")
    pct = smooth_rates(HAND, "y", "n", scale=100)
    for col in ("raw_rate", "rate", "lo", "hi", "prior_mean"):
        np.testing.assert_allclose(pct[col], 100 * one[col], rtol=1e-12)
    np.testing.assert_allclose(pct["prior_var"], 1e4 * one["prior_var"], rtol=1e-12)
    for col in ("a", "b", "shrinkage", "events", "population"):
        np.testing.assert_allclose(pct[col], one[col], rtol=0)
    assert list(pct.columns) == ["ubigeo", "events", "population", "raw_rate", "rate", "lo",
                                 "hi", "prior_mean", "prior_var", "shrinkage", "a", "b",
                                 "variance_fallback"]


def test_attrs_say_method_level_and_the_global_prior():
    # HAND: 0, 2, 4, 6 of 10: m = 0.3, A = (0.09 + 0.01 + 0.01 + 0.09) / 4 − 0.03 = 0.02
    r = smooth_rates(HAND, "y", "n", level=0.8)
    assert (r.attrs["method"], r.attrs["level"], r.attrs["no_data"]) == ("eb", 0.8, [])
    assert (r.attrs["global_mean"], r.attrs["global_var"]) == pytest.approx((0.3, 0.02))
    gaps = HAND.assign(n=[10, 0, 10, np.nan], y=[0, 0, 4, np.nan])
    p = posterior_beta(gaps, "y", "n", method="spatial_eb", spatial_weights=_line(4))
    assert (p.attrs["method"], p.attrs["no_data"]) == ("spatial_eb", ["b", "d"])
    assert list(p.columns) == ["ubigeo", "a", "b"]


def test_districts_without_children_are_left_out():
    # n = 0, a missing count or missing cases: no rate, no posterior, listed
    t = pd.DataFrame({"ubigeo": list("abcde"), "y": [1.0, 0.0, np.nan, 2.0, 3.0],
                      "n": [10.0, 0.0, 10.0, np.nan, 20.0]})
    r = smooth_rates(t, "y", "n")
    assert r.attrs["no_data"] == ["b", "c", "d"]
    assert r["rate"].isna().tolist() == [False, True, True, True, False]
    # the others are smoothed as if the three were absent
    alone = smooth_rates(t.iloc[[0, 4]], "y", "n")
    np.testing.assert_allclose(r["rate"].iloc[[0, 4]], alone["rate"], rtol=1e-12)


def test_count_errors_name_the_fault():
    with pytest.raises(InputError, match=r"^events='casos' is not a column of districts; "
                                         r"columns are \['ubigeo', 'y', 'n'\]$"):
        smooth_rates(HAND, "casos", "n")
    with pytest.raises(InputError, match=r"^population must hold numbers \(counts\)$"):
        smooth_rates(HAND, "y", ["a", "b", "c", "d"])
    with pytest.raises(InputError, match=r"^events has 3 values but districts has 4 rows$"):
        smooth_rates(HAND, [1, 2, 3], "n")
    with pytest.raises(TypeError, match=r"^districts must be a pandas DataFrame; got dict$"):
        smooth_rates({"y": [1]}, "y", "n")
    with pytest.raises(InputError, match=r"^method must be one of \['eb', 'spatial_eb'\]; "
                                         r"got 'EB'$"):
        smooth_rates(HAND, "y", "n", method="EB")
    with pytest.raises(InputError, match=r"^id_column='code' is not a column of districts$"):
        smooth_rates(HAND, "y", "n", id_column="code")
    for y, n, bad in (([1, -1, 0, 0], [10] * 4, "b"), ([1, 1, 0, 0], [10, -5, 10, 10], "b"),
                      ([1, 11, 0, 0], [10] * 4, "b"), ([1, np.inf, 0, 0], [10] * 4, "b"),
                      ([1, 1, 0, 0], [10, np.inf, 10, 10], "b")):
        with pytest.raises(InputError, match=rf"^1 districts have counts that are negative, "
                                             rf"infinite or with more events than population, "
                                             rf"e\.g\. \['{bad}'\]: check the two columns$"):
            smooth_rates(HAND.assign(y=y, n=n), "y", "n")
    with pytest.raises(InputError, match=r"^smoothing needs at least 2 districts with "
                                         r"population > 0; got 1$"):
        smooth_rates(HAND.assign(y=[0, 0, 0, 0], n=[10, 0, 0, 0]), "y", "n")
    two = smooth_rates(HAND.assign(y=[0, 2, 0, 0], n=[10, 10, 0, 0]), "y", "n")  # enough
    assert two["rate"].notna().sum() == 2
    with pytest.raises(InputError, match=r"^level must be between 0 and 1; got 1\.5$"):
        smooth_rates(HAND, "y", "n", level=1.5)


def test_no_spread_warns_as_a_user_warning():  # (stacklevel: mutmut adds a frame)
    t = pd.DataFrame({"ubigeo": list("ab"), "y": [3, 3], "n": [10, 10]})
    with pytest.warns(UserWarning, match="vary no more than sampling noise") as caught:
        smooth_rates(t, "y", "n")
    assert caught[0].category is UserWarning
