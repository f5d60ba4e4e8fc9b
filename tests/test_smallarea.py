"""Fay–Herriot small-area estimates: samplics and a second implementation as oracles, cases by hand.

Oracles:

- samplics' ``EblupAreaModel`` (test dependency) on the ``milk`` data of R's sae package (Arora
  and Lahiri 1997; samplics ships the same 43 rows as sae's ``data/milk.rda``: same ``yi``,
  ``SD``, ``ni`` and ``MajorArea``). samplics follows sae for REML and the FH moment method;
  its ML scoring stops after two steps (σ²_u 0.015545 where the likelihood's maximum is
  0.015518), so ML is checked against the maximum of the likelihood found by scipy and
  against the second implementation;
- a second implementation written here from the formulas of sae's methodology vignette
  (Molina & Marhuenda 2015), with the full m×m matrices P and V that geoprio avoids;
- cases worked by hand (equal sampling variances, intercept only).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

import geoprio
from geoprio.errors import GeoprioError
from geoprio.spatial.smallarea import (
    FitError,
    back_transform,
    endes_targets,
    fay_herriot,
    predictive_draws,
    predictive_quantile,
    small_area,
)


@pytest.fixture(scope="module")
def milk() -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    samplics = pytest.importorskip("samplics")
    del samplics
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.datasets import load_expenditure_milk
    data = load_expenditure_milk()["data"]
    data = data.to_pandas() if hasattr(data, "to_pandas") else pd.DataFrame(data)
    x = pd.get_dummies(data["major_area"], prefix="MajorArea", drop_first=True).astype(float)
    return (data["direct_est"].to_numpy(float), data["std_error"].to_numpy(float) ** 2, x,
            data["small_area"].to_numpy())


def _samplics(method: str, y, psi, x, area):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.sae import EblupAreaModel
        from samplics.utils.types import FitMethod

        model = EblupAreaModel(method={"reml": FitMethod.reml, "fh": FitMethod.fh,
                                       "ml": FitMethod.ml}[method])
        model.fit(yhat=y, X=x.to_numpy(), area=area, error_std=np.sqrt(psi), tol=1e-13,
                  maxiter=500)
        model.predict(X=x.to_numpy(), area=area)
    est = np.array([model.area_est[a] for a in area])
    mse = np.array([model.area_mse[a] for a in area])
    return model, est, mse


def vignette_fh(y, psi, x, method):
    """Second implementation, from sae's methodology vignette, with full matrices."""
    x = np.column_stack([np.ones(y.size), x])
    m, p = x.shape

    def beta_of(a):
        vinv = np.diag(1 / (a + psi))
        q = np.linalg.inv(x.T @ vinv @ x)
        return q @ x.T @ vinv @ y, q, vinv

    def score(a):
        beta, q, vinv = beta_of(a)
        r = y - x @ beta
        if method == "fh":
            return r @ vinv @ r - (m - p), np.trace(vinv)
        if method == "ml":
            return (-0.5 * np.trace(vinv) + 0.5 * r @ vinv @ vinv @ r,
                    0.5 * np.trace(vinv @ vinv))
        big_p = vinv - vinv @ x @ q @ x.T @ vinv
        return (-0.5 * np.trace(big_p) + 0.5 * y @ big_p @ big_p @ y,
                0.5 * np.trace(big_p @ big_p))

    a = np.median(psi)
    for _ in range(500):
        s, f = score(a)
        new = a + s / f
        if abs(new - a) / a < 1e-13:
            a = new
            break
        a = new
    beta, q, vinv = beta_of(a)
    b_d = psi / (a + psi)
    eblup = x @ beta + (1 - b_d) * (y - x @ beta)
    g1 = psi * (1 - b_d)
    g2 = b_d**2 * np.array([xd @ q @ xd for xd in x])
    if method == "fh":
        var_a = 2 * m / np.trace(vinv) ** 2
        bias = 2 * (m * np.trace(vinv @ vinv) - np.trace(vinv) ** 2) / np.trace(vinv) ** 3
    else:
        var_a = 2 / np.trace(vinv @ vinv)
        bias = (-np.trace(q @ x.T @ vinv @ vinv @ x) / np.trace(vinv @ vinv)
                if method == "ml" else 0.0)
    g3 = b_d**2 * var_a / (a + psi)
    return a, beta, eblup, g1 + g2 + 2 * g3 - bias * b_d**2


# ------------------------------------------------------------------------- oracles: milk
@pytest.mark.parametrize("method", ["reml", "fh"])
def test_milk_equals_samplics(milk, method):
    y, psi, x, area = milk
    r = fay_herriot(y, psi, x, method=method)
    model, est, mse = _samplics(method, y, psi, x, area)
    assert r.sigma2_u == pytest.approx(model.re_std**2, abs=1e-9)
    assert np.abs(r.beta - model.fixed_effects).max() < 1e-8
    assert np.abs(r.estimate - est).max() < 1e-8
    assert np.abs(r.mse - mse).max() < 1e-8
    assert r.names == ("(Intercept)", "MajorArea_2", "MajorArea_3", "MajorArea_4")


@pytest.mark.parametrize("method", ["reml", "ml", "fh"])
def test_milk_equals_the_vignette_implementation(milk, method):
    y, psi, x, _ = milk
    r = fay_herriot(y, psi, x, method=method)
    a, beta, eblup, mse = vignette_fh(y, psi, x.to_numpy(), method)
    assert r.sigma2_u == pytest.approx(a, abs=1e-10)
    assert np.abs(r.beta - beta).max() < 1e-9
    assert np.abs(r.estimate - eblup).max() < 1e-9
    assert np.abs(r.mse - mse).max() < 1e-9


@pytest.mark.parametrize("method", ["ml", "reml"])
def test_milk_variance_maximises_the_likelihood(milk, method):
    """scipy's bounded search of the (restricted) profile likelihood finds the same σ²_u."""
    y, psi, x, _ = milk
    xx = np.column_stack([np.ones(y.size), x.to_numpy()])

    def minus_loglike(a):
        w = 1 / (a + psi)
        beta = np.linalg.solve((xx * w[:, None]).T @ xx, xx.T @ (w * y))
        value = np.sum(np.log(a + psi) + w * (y - xx @ beta) ** 2)
        if method == "reml":
            value += np.linalg.slogdet((xx * w[:, None]).T @ xx)[1]
        return value

    best = optimize.minimize_scalar(minus_loglike, bounds=(0, 1), method="bounded",
                                    options={"xatol": 1e-12}).x
    assert fay_herriot(y, psi, x, method=method).sigma2_u == pytest.approx(best, abs=1e-7)


def test_sae_default_precision_stops_near_the_fixed_point(milk):
    y, psi, x, _ = milk
    loose = fay_herriot(y, psi, x, tol=1e-4)   # sae's PRECISION
    tight = fay_herriot(y, psi, x)
    assert loose.iterations < tight.iterations
    assert np.abs(loose.estimate - tight.estimate).max() < 1e-6


def test_goodness_of_fit_as_sae_defines_it(milk):
    y, psi, x, _ = milk
    r = fay_herriot(y, psi, x)
    v = r.sigma2_u + psi
    loglike = -0.5 * np.sum(np.log(2 * np.pi * v) + (y - r.synthetic) ** 2 / v)
    assert r.loglike == pytest.approx(loglike, abs=1e-12)
    assert r.aic == pytest.approx(-2 * loglike + 2 * 5)
    assert r.bic == pytest.approx(-2 * loglike + 5 * np.log(43))
    table = r.coefficients()
    assert list(table.index) == list(r.names)
    assert table["p_value"].iloc[0] < 1e-10


# ------------------------------------------------------------------------ by hand
Y4, PSI4 = np.array([1.0, 2.0, 4.0, 5.0]), np.full(4, 1 / 3)


def test_reml_and_moment_with_equal_variances_worked_by_hand():
    # intercept only, equal ψ: REML and the moment method give s² − ψ; s² = 10/3, ψ = 1/3
    for method in ("reml", "fh"):
        r = fay_herriot(Y4, PSI4, np.zeros((4, 0)), method=method)
        assert r.sigma2_u == pytest.approx(3.0, abs=1e-9)
        # γ = 3 / (3 + 1/3) = 0.9; EBLUP = 3 + 0.9 (y − 3)
        assert r.gamma.tolist() == pytest.approx([0.9] * 4)
        assert r.estimate.tolist() == pytest.approx([1.2, 2.1, 3.9, 4.8])
    # REML MSE: g1 = ψγ = 0.3; g2 = B² (A + ψ)/m = 0.01 · 5/6; g3 = B² · (2/Σ(1/v²)) / v
    #           = 0.01 · (2 / (4 · 0.09)) / (10/3) = 1/60
    r = fay_herriot(Y4, PSI4, np.zeros((4, 0)))
    assert r.mse.tolist() == pytest.approx([0.3 + 0.01 * 5 / 6 + 2 / 60] * 4, abs=1e-9)


def test_ml_with_equal_variances_worked_by_hand():
    # ML divides by m: A = 10/4 − 1/3
    r = fay_herriot(Y4, PSI4, np.zeros((4, 0)), method="ml")
    assert r.sigma2_u == pytest.approx(2.5 - 1 / 3, abs=1e-9)


def test_an_area_without_data_gets_the_synthetic_estimate_and_its_mse():
    y = np.append(Y4, np.nan)
    r = fay_herriot(y, np.append(PSI4, np.nan), np.zeros((5, 0)))
    assert r.sigma2_u == pytest.approx(3.0)  # the fit uses the four areas with data
    assert r.estimate[4] == pytest.approx(3.0) and r.gamma[4] == 0
    # σ²_u + x'Qx = 3 + (A + ψ)/m = 3 + 5/6 (REML: no bias term)
    assert r.mse[4] == pytest.approx(3 + 5 / 6)
    assert r.synthetic_mse[4] == pytest.approx(3 + 5 / 6)
    assert r.sampled.tolist() == [True] * 4 + [False]


def test_without_data_mse_is_the_limit_of_sae_formula(milk):
    """A huge ψ makes sae's MSE of an area with data tend to the MSE used without data.

    (Not for the moment method, whose equation counts the areas: one more area changes it.)
    """
    y, psi, x, _ = milk
    for method in ("reml", "ml"):
        gone = fay_herriot(np.append(y, np.nan), np.append(psi, np.nan),
                           pd.concat([x, x.iloc[[5]]], ignore_index=True), method=method)
        a = vignette_fh(y, psi, x.to_numpy(), method)[0]
        assert gone.sigma2_u == pytest.approx(a, abs=1e-10)
        # the same area with ψ = 1e6 added to the fit changes the fit by O(1/ψ)
        far = fay_herriot(np.append(y, y[5]), np.append(psi, 1e6),
                          pd.concat([x, x.iloc[[5]]], ignore_index=True), method=method)
        assert gone.mse[-1] == pytest.approx(far.mse[-1], rel=1e-6)


def test_bad_input_is_named():
    with pytest.raises(GeoprioError, match="method must be one of"):
        fay_herriot(Y4, PSI4, np.zeros((4, 0)), method="bayes")
    with pytest.raises(FitError, match="'x2' is constant or a combination"):
        fay_herriot(Y4, PSI4, np.column_stack([[0, 1, 2, 3], [0, 2, 4, 6]]))
    with pytest.raises(GeoprioError, match="covariates must be complete"):
        fay_herriot(Y4, PSI4, np.array([[0.0], [np.nan], [1.0], [2.0]]))
    with pytest.raises(GeoprioError, match="variance must be a positive number"):
        fay_herriot(Y4, np.array([1, 0, 1, 1.0]), np.zeros((4, 0)))
    with pytest.raises(FitError, match="only 2 areas have data"):
        fay_herriot([1.0, 2.0, np.nan], [1, 1, 1.0], [[0.0], [1.0], [2.0]])


# ------------------------------------------------------------------- back-transformation
def test_back_transform_by_numerical_integration():
    mu, s2 = 0.35, 0.004
    pdf = stats.norm(mu, np.sqrt(s2)).pdf
    mean = integrate.quad(lambda t: np.sin(t) ** 2 * pdf(t), -3, 4)[0]
    second = integrate.quad(lambda t: np.sin(t) ** 4 * pdf(t), -3, 4)[0]
    m, v = back_transform(np.array([mu]), np.array([s2]))
    assert m[0] == pytest.approx(mean, abs=1e-12)
    assert v[0] == pytest.approx(second - mean**2, abs=1e-12)
    # the naive sin²(μ) is biased low here: the correction matters
    assert m[0] - np.sin(mu) ** 2 == pytest.approx(0.0030, abs=2e-4)


def test_predictive_quantiles_and_draws_agree():
    theta, mse = np.array([0.05, 0.4, 1.5]), np.array([0.01, 0.002, 0.01])
    draws = np.sin(np.random.default_rng(5).normal(theta, np.sqrt(mse), (400_000, 3))) ** 2
    for prob in (0.05, 0.95):
        q = predictive_quantile(theta, mse, prob)
        assert q == pytest.approx(np.quantile(draws, prob, axis=0), abs=2e-3)
    r = pd.DataFrame({"theta": theta, "theta_mse": mse})
    d = predictive_draws(r, 200_000, np.random.default_rng(1), transform="arcsine", scale=100)
    assert d.mean(axis=0) == pytest.approx(100 * back_transform(theta, mse)[0], abs=0.05)


# ---------------------------------------------------------------------- from counts
@pytest.fixture(scope="module")
def stunting(table):
    return small_area(table, "stunted_u5_2022", "evaluated_u5_2022", scale=100,
                      benchmark="endes")


def test_arcsine_direct_and_its_variance(stunting, table):
    n = table["evaluated_u5_2022"].to_numpy()
    y = table["stunted_u5_2022"].to_numpy()
    ok = n > 0
    assert stunting["direct"].to_numpy()[ok] == pytest.approx(100 * y[ok] / n[ok])
    assert stunting["direct_var"].to_numpy()[ok] == pytest.approx(1 / (4 * n[ok]))
    # 0 of n stunted: the arcsine variance is still 1/(4n), never 0
    zero = ok & (y == 0)
    assert zero.any() and (stunting["direct_var"].to_numpy()[zero] > 0).all()


def test_every_district_has_an_estimate_and_an_interval(stunting, table):
    assert len(stunting) == 1874
    for col in ("estimate", "lo", "hi", "mse", "gamma", "synthetic"):
        assert stunting[col].notna().all(), col
    assert (stunting["lo"] < stunting["estimate"]).all()
    assert (stunting["estimate"] < stunting["hi"]).all()
    unmeasured = ~stunting["measured"]
    assert int(unmeasured.sum()) == 35
    assert set(stunting.loc[unmeasured, "ubigeo"]) == set(
        table.loc[table["evaluated_u5_2022"].isna(), "ubigeo"])
    u = stunting[unmeasured]
    assert (u["gamma"] == 0).all()
    assert u["estimate"].to_numpy() == pytest.approx(u["synthetic"].to_numpy())
    # no child measured: wider than a district with its own data
    big = stunting[stunting["trials"] >= 500]
    assert (u["hi"] - u["lo"]).min() > (big["hi"] - big["lo"]).median()


def test_gamma_is_the_share_from_own_data(stunting):
    fit = stunting.attrs["fit"]
    m = stunting["measured"].to_numpy()
    s2 = fit["sigma2_u"]
    assert stunting["gamma"].to_numpy()[m] == pytest.approx(
        s2 / (s2 + stunting["direct_var"].to_numpy()[m]))
    assert 0 < fit["r2"] < 1 and fit["sigma2_u"] < fit["sigma2_u_without_covariates"]


def test_endes_benchmark_matches_each_department(stunting, table):
    targets = endes_targets("stunting_u5", 2022)
    assert targets["09"] == 29.9 and targets["15"] == 4.2  # Huancavelica, Lima (ENDES 2022)
    w = table["under5_2020"].to_numpy()
    for code, target in targets.items():
        inside = (table["ubigeo"].str[:2] == code).to_numpy()
        mean = np.sum(w[inside] * stunting["benchmarked"].to_numpy()[inside]) / w[inside].sum()
        assert mean == pytest.approx(target, abs=1e-9), code
    ratio = stunting["benchmark_ratio"].to_numpy()
    assert stunting["benchmarked_hi"].to_numpy() == pytest.approx(
        stunting["hi"].to_numpy() * ratio)


def test_benchmark_with_a_mapping_and_errors(table):
    r = small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"],
                   benchmark={"1": 10.0}, population="under5_2020")
    amazonas = (table["ubigeo"].str[:2] == "01").to_numpy()
    w = table["under5_2020"].to_numpy()[amazonas]
    assert np.sum(w * r["benchmarked"].to_numpy()[amazonas]) / w.sum() == pytest.approx(10.0)
    assert r.loc[~amazonas, "benchmarked"].isna().all()
    with pytest.raises(GeoprioError, match="benchmark must be one of"):
        small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"],
                   benchmark="dhs")
    with pytest.raises(GeoprioError, match="needs population"):
        small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"],
                   benchmark={"01": 10.0})


def test_missing_covariate_uses_the_reduced_model(table):
    r = small_area(table, "stunted_u5_2022", "evaluated_u5_2022",
                   ["poverty_2018", "stunting_u5_2019"])
    no2019 = table["stunting_u5_2019"].isna().to_numpy()
    assert int(no2019.sum()) == 9
    assert (r.loc[no2019, "covariates_dropped"] == "stunting_u5_2019").all()
    assert (r.loc[~no2019, "covariates_dropped"] == "").all()
    alone = small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"])
    assert r.loc[no2019, "estimate"].to_numpy() == pytest.approx(
        alone.loc[no2019, "estimate"].to_numpy())
    assert r.attrs["fit"]["reduced_models"][0]["districts"] == 9


def test_small_area_refuses_bad_counts_and_names(table):
    t = table[["ubigeo", "stunted_u5_2022", "evaluated_u5_2022", "poverty_2018"]].copy()
    t.loc[3, "stunted_u5_2022"] = t.loc[3, "evaluated_u5_2022"] + 1
    with pytest.raises(GeoprioError, match=f"more cases than children, e.g. \\['{t.ubigeo[3]}'"):
        small_area(t, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"])
    with pytest.raises(GeoprioError, match="neither columns of districts nor"):
        small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["pobreza"])
    with pytest.raises(GeoprioError, match="transform must be one of"):
        small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"],
                   transform="logit")


def test_transform_none_uses_the_binomial_variance_at_the_eb_rate(table):
    r = small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"],
                   transform="none")
    eb = geoprio.smooth_rates(table, "stunted_u5_2022", "evaluated_u5_2022")["rate"]
    m = r["measured"].to_numpy()
    n = table["evaluated_u5_2022"].to_numpy()
    assert r["direct_var"].to_numpy()[m] == pytest.approx(
        (eb * (1 - eb)).to_numpy()[m] / n[m])
    assert (r["lo"] >= 0).all() and (r["hi"] <= 1).all()


def test_same_input_same_answer(table):
    a = small_area(table, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"])
    shuffled = table.sample(frac=1, random_state=3)
    b = small_area(shuffled, "stunted_u5_2022", "evaluated_u5_2022", ["poverty_2018"])
    b = b.set_index("ubigeo").loc[a["ubigeo"]].reset_index()
    assert np.abs(a["estimate"].to_numpy() - b["estimate"].to_numpy()).max() < 1e-9
