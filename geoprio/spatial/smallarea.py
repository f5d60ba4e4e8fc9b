"""Small-area estimation: the Fay–Herriot area-level model, from counts to district prevalence.

SIEN-HIS counts the children measured at MINSA facilities: in a district where 12 children were
measured the raw rate is mostly noise, and in 35 districts no child was measured at all.
Empirical Bayes (:mod:`geoprio.spatial.smoothing`) pulls a small district towards the **national**
rate, whatever the district is like. The Fay–Herriot model (Fay & Herriot 1979; the model of
INEI's district stunting maps and of the World Bank's poverty maps) pulls it towards what the
census and the poverty map say about districts like it.

**The model** is the area-level ``y_d = x_d'β + u_d + e_d`` with ``ψ_d = var(e_d)`` known,
fitted by :func:`geoprio.spatial.fayherriot.fay_herriot` as R's ``sae::eblupFH`` and
``sae::mseFH`` do (that module states every formula: REML/ML/moment fits, EBLUP, γ_d, the
second-order MSE, the synthetic estimate where no child was measured).

**From counts** (:func:`small_area`): on the arcsine scale ``y_d = arcsin √(cases/n)`` has
sampling variance ``ψ_d = 1/(4 n_d)`` whatever the rate, so a district with 0 of 5 children
stunted does not get ``ψ = 0`` (the binomial ``p(1 − p)/n`` would, and would then be taken as
exact). The estimate is brought back to a prevalence with its bias correction: under the normal
predictive distribution ``θ_d ~ N(θ̂_d, mse_d)``, ``E[sin² θ_d] = (1 − cos(2θ̂_d) e^{−2 mse_d}) / 2``;
the interval is the equal-tailed interval of ``sin² θ_d`` under the same distribution.

References
----------
Fay, R. E. and Herriot, R. A. (1979). Estimates of income for small places: an application of
James-Stein procedures to census data. *JASA* 74, 269-277.
Datta, G. S. and Lahiri, P. (2000). A unified measure of uncertainty of estimated best linear
unbiased predictors in small area estimation problems. *Statistica Sinica* 10, 613-627.
Datta, G. S., Rao, J. N. K. and Smith, D. D. (2005). On measuring the variability of small area
estimators under a basic area level model. *Biometrika* 92, 183-196.
Molina, I. and Marhuenda, Y. (2015). sae: An R package for small area estimation. *The R
Journal* 7(1), 81-98.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr

from geoprio._renamed import renamed
from geoprio.errors import InputError
from geoprio.spatial.fayherriot import (
    INTERCEPT,
    METHODS,
    TRANSFORMS,
    FayHerriotResult,
    FitError,
    _check_options,
    _column,
    _Counts,
    _counts,
    _direct,
    fay_herriot,
)

__all__ = ["METHODS", "TRANSFORMS", "FayHerriotResult", "FitError", "fay_herriot",
           "predictive_draws", "small_area"]

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------- from counts
@renamed(weights='population')
def small_area(
    districts: pd.DataFrame,
    events: str | Any,
    trials: str | Any,
    covariates: Sequence[str] | pd.DataFrame | None = None,
    *,
    transform: str = "arcsine",
    level: float = 0.9,
    scale: float = 1.0,
    benchmark: str | Mapping[str, float] | None = None,
    population: str | None = None,
    method: str = "reml",
    id_column: str = "ubigeo",
) -> pd.DataFrame:
    """District prevalence from counts by the Fay–Herriot model, with a 90% interval.

    Parameters
    ----------
    districts : DataFrame
        One row per district, with the counts and the covariates.
    events, trials : str or array-like
        Columns (or values in row order) of the cases (e.g. ``stunted_u5_2022``) and of the
        children measured (``evaluated_u5_2022``). Missing or 0 trials: no child measured.
    covariates : list of column names, a DataFrame aligned with ``districts``, or None
        None: chosen from geoprio's documented candidates by forward selection on BIC
        (:func:`geoprio.spatial.covariates.select_covariates`). A district missing a chosen
        covariate gets its estimate from the model refitted without that covariate
        (``covariates_dropped`` says which).
    transform : ``"arcsine"`` (default) or ``"none"``
        ``"arcsine"``: ``y = arcsin √(cases/n)``, ``ψ = 1/(4n)``, estimates back-transformed
        with the bias correction. ``"none"``: the rate itself with the binomial
        ``ψ = p̃(1 − p̃)/n`` at the global Empirical Bayes rate ``p̃`` (never 0 when the rates
        vary); estimate and interval cut to [0, 1].
    level : probability of the interval (default 0.9).
    scale : multiplies rates (100 for percentages); ``direct_var``, ``theta`` and
        ``theta_mse`` stay on the model's scale.
    benchmark : None, ``"endes"`` (ENDES 2022 stunting under 5), ``"endes_anemia"`` (ENDES
        2022 anaemia 6–35 months) or a mapping {department code (2 digits): target, in the
        units of ``scale``}. Adds ``benchmarked``, ``benchmarked_lo``, ``benchmarked_hi`` and
        ``benchmark_ratio``: each department's estimates are multiplied by one ratio so that
        their weighted mean equals the target.
    population : column of the benchmark weights (default ``under5_2020`` for ``"endes"``,
        ``children_6_35m_2020`` for ``"endes_anemia"``; required with a mapping).
    method : ``"reml"`` (default), ``"ml"`` or ``"fh"``, see :func:`fay_herriot`.
    id_column : default ``"ubigeo"``.

    Returns
    -------
    DataFrame in input order: the id, ``events``, ``trials``, ``direct`` (raw rate),
    ``direct_var`` (ψ on the model's scale), ``estimate``, ``lo``, ``hi``, ``mse`` (variance
    of the predictive distribution of the rate, in ``scale²``), ``gamma`` (weight of the
    district's own data; 0 where no child was measured), ``synthetic`` (the estimate the
    model gives a district like this one without its data), ``measured``, ``theta`` and
    ``theta_mse`` (the predictive N(theta, theta_mse) on the model's scale, for draws: see
    :func:`predictive_draws`) and ``covariates_dropped``. ``attrs["fit"]`` holds the fit:
    σ²_u, β with standard errors, R², log-likelihood, the covariates and checks of the
    standardised residuals.

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> r = small_area(d, "stunted_u5_2022", "evaluated_u5_2022",
    ...                ["poverty_2018", "rural_share_2017"], scale=100)
    >>> int(r["estimate"].notna().sum()), int((~r["measured"]).sum())
    (1874, 35)
    """
    from geoprio.spatial.covariates import covariate_frame, select_covariates

    counts = _counts(districts, events, trials, id_column)
    _check_options(transform, level, scale, method)
    theta_dir, psi = _direct(counts, transform)
    if covariates is None:
        chosen = select_covariates(districts, events, trials, transform=transform,
                                   id_column=id_column).chosen
        xf = covariate_frame(districts, chosen)
    elif isinstance(covariates, pd.DataFrame):
        xf = covariates.reset_index(drop=True)
    else:
        xf = _covariate_columns(districts, covariates)
    if len(xf) != len(districts):
        raise InputError(f"covariates has {len(xf)} rows but districts has {len(districts)}")
    theta, theta_mse, gamma, syn, syn_mse, dropped, fit = _fit_patterns(
        theta_dir, psi, xf, method)
    out = _assemble(counts, theta_dir, psi, theta, theta_mse, gamma, syn, syn_mse, transform,
                    level, scale, id_column)
    out["covariates_dropped"] = dropped
    out.attrs["fit"] = fit
    out.attrs.update(transform=transform, level=level, method=method)
    if benchmark is not None:
        _benchmark(out, districts, benchmark, population, scale, id_column)
    return out


def _covariate_columns(districts: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """geoprio's candidates (e.g. ``altitude_km``, ``department``) built as
    :func:`geoprio.spatial.covariates.covariate_frame` does; other columns as they are."""
    from geoprio.spatial.covariates import CANDIDATES, covariate_frame

    if isinstance(names, str):
        names = [names]
    missing = [c for c in names if c not in districts.columns and c not in CANDIDATES]
    if missing:
        raise InputError(f"covariates {missing} are neither columns of districts nor geoprio's "
                         f"candidates ({list(CANDIDATES)[:6]}...)")
    parts = []
    for c in names:
        if c in CANDIDATES:  # a candidate's name wins: "department" is also a column of names
            parts.append(covariate_frame(districts, [c]))
        else:
            try:
                values = pd.to_numeric(districts[c].reset_index(drop=True), errors="raise")
            except (TypeError, ValueError):
                raise InputError(f"covariate {c!r} must hold numbers") from None
            parts.append(values.astype(float).rename(c).to_frame())
    return pd.concat(parts, axis=1)


def _fit_patterns(theta_dir: np.ndarray, psi: np.ndarray, xf: pd.DataFrame, method: str
                  ) -> tuple[np.ndarray, ...]:
    """Fit the full model; refit without the missing covariates for districts lacking some."""
    names = list(xf.columns)
    x = xf.to_numpy(dtype=float)
    missing = np.isnan(x)
    full = ~missing.any(axis=1)
    theta = np.full(theta_dir.size, np.nan)
    mse, gamma, syn, syn_mse = theta.copy(), theta.copy(), theta.copy(), theta.copy()
    dropped = np.array([""] * theta_dir.size, dtype=object)
    fit: dict[str, Any] = {}
    patterns = sorted({tuple(row) for row in missing[~full]})
    for pattern in [tuple([False] * len(names)), *patterns]:
        keep = [j for j, gone in enumerate(pattern) if not gone]
        rows = (missing == np.array(pattern)).all(axis=1)
        usable = ~missing[:, keep].any(axis=1)
        r = fay_herriot(theta_dir[usable], psi[usable], x[usable][:, keep],
                        method=method, names=[names[j] for j in keep])
        at = np.nonzero(usable)[0]
        sel = rows[usable]
        theta[at[sel]], mse[at[sel]] = r.estimate[sel], r.mse[sel]
        gamma[at[sel]], syn[at[sel]] = r.gamma[sel], r.synthetic[sel]
        syn_mse[at[sel]] = r.synthetic_mse[sel]
        gone = [names[j] for j, g in enumerate(pattern) if g]
        dropped[at[sel]] = ", ".join(gone)
        if not gone:
            fit = _fit_summary(r, theta_dir[usable], psi[usable], method)
        else:
            fit.setdefault("reduced_models", []).append(
                {"without": gone, "districts": int(sel.sum()), "sigma2_u": r.sigma2_u})
    return theta, mse, gamma, syn, syn_mse, dropped, fit


def _fit_summary(r: FayHerriotResult, y: np.ndarray, psi: np.ndarray,
                 method: str) -> dict[str, Any]:
    """σ²_u, β, R² (share of the between-district variance explained) and residual checks."""
    ok = r.sampled
    null = fay_herriot(y[ok], psi[ok], np.zeros((int(ok.sum()), 0)), method=method)
    z = (y[ok] - r.synthetic[ok]) / np.sqrt(r.sigma2_u + psi[ok])
    r2 = 1 - r.sigma2_u / null.sigma2_u if null.sigma2_u > 0 else float("nan")
    return {
        "method": method, "covariates": [n for n in r.names if n != INTERCEPT],
        "areas_with_data": int(ok.sum()), "areas_without_data": int((~ok).sum()),
        "sigma2_u": r.sigma2_u, "sigma2_u_without_covariates": null.sigma2_u, "r2": r2,
        "coefficients": r.coefficients(), "loglike": r.loglike, "aic": r.aic, "bic": r.bic,
        "iterations": r.iterations,
        "mean_gamma": float(np.mean(r.gamma[ok])),
        "standardised_residuals": {
            "mean": float(np.mean(z)), "sd": float(np.std(z, ddof=1)),
            "skewness": float(stats.skew(z)), "excess_kurtosis": float(stats.kurtosis(z)),
            "share_beyond_1.645": float(np.mean(np.abs(z) > 1.645)),
            "share_beyond_2.576": float(np.mean(np.abs(z) > 2.576)),
        },
    }


def _assemble(counts: _Counts, theta_dir: np.ndarray, psi: np.ndarray, theta: np.ndarray,
              theta_mse: np.ndarray, gamma: np.ndarray, syn: np.ndarray, syn_mse: np.ndarray,
              transform: str, level: float, scale: float, id_column: str) -> pd.DataFrame:
    tail = (1 - level) / 2
    mean, var = back_transform(theta, theta_mse, transform)
    lo = predictive_quantile(theta, theta_mse, tail, transform)
    hi = predictive_quantile(theta, theta_mse, 1 - tail, transform)
    syn_mean, _ = back_transform(syn, syn_mse, transform)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(counts.measured, counts.y / counts.n, np.nan)
    return pd.DataFrame({
        id_column: counts.ids, "events": counts.y, "trials": counts.n,
        "direct": raw * scale, "direct_var": psi, "estimate": mean * scale, "lo": lo * scale,
        "hi": hi * scale, "mse": var * scale**2, "gamma": gamma, "synthetic": syn_mean * scale,
        "measured": counts.measured, "theta": theta, "theta_mse": theta_mse,
    })


# ----------------------------------------------------------------------- back-transform
def back_transform(theta: np.ndarray, mse: np.ndarray,
                   transform: str = "arcsine") -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the rate under the predictive ``θ ~ N(theta, mse)``.

    Arcsine: the rate is ``sin² θ`` (``sin²`` folds the normal's tails back into [0, 1]);
    with ``E cos(kθ) = cos(kμ) e^{−k²s²/2}``, ``E sin² θ = (1 − cos 2μ e^{−2s²}) / 2`` and
    ``E sin⁴ θ = (3 − 4 cos 2μ e^{−2s²} + cos 4μ e^{−8s²}) / 8``. ``"none"``: the mean cut to
    [0, 1] and the variance itself.

    Examples
    --------
    >>> m, v = back_transform(np.array([np.arcsin(np.sqrt(0.2))]), np.array([0.0]))
    >>> round(float(m[0]), 12), round(float(v[0]), 12)
    (0.2, 0.0)
    """
    theta, mse = np.asarray(theta, float), np.asarray(mse, float)
    if transform == "none":
        return np.clip(theta, 0.0, 1.0), mse.copy()
    c2 = np.cos(2 * theta) * np.exp(-2 * mse)
    c4 = np.cos(4 * theta) * np.exp(-8 * mse)
    mean = (1 - c2) / 2
    second = (3 - 4 * c2 + c4) / 8
    return mean, np.maximum(second - mean**2, 0.0)


def predictive_quantile(theta: np.ndarray, mse: np.ndarray, prob: float,
                        transform: str = "arcsine") -> np.ndarray:
    """The ``prob`` quantile of the rate under ``θ ~ N(theta, mse)`` (vectorised bisection).

    For the arcsine scale ``P(sin² θ ≤ q) = Σ_k [Φ((kπ + a − μ)/s) − Φ((kπ − a − μ)/s)]`` with
    ``a = arcsin √q``; the bisection runs to machine precision on q in [0, 1].
    """
    theta, mse = np.asarray(theta, float), np.asarray(mse, float)
    s = np.sqrt(mse)
    if transform == "none":
        return np.clip(theta + stats.norm.ppf(prob) * s, 0.0, 1.0)
    out = np.full(theta.shape, np.nan)
    ok = np.isfinite(theta) & np.isfinite(s)
    point = ok & (s == 0)
    out[point] = np.sin(theta[point]) ** 2
    todo = ok & (s > 0)
    mu, sd = theta[todo], s[todo]
    lo, hi = np.zeros(mu.size), np.ones(mu.size)
    for _ in range(52):  # 2^-52: machine precision on [0, 1]
        mid = (lo + hi) / 2
        below = _sin2_cdf(mid, mu, sd) < prob
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out[todo] = (lo + hi) / 2
    return out


def _sin2_cdf(q: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    a = np.arcsin(np.sqrt(q))
    total = np.zeros(q.shape)
    for k in range(-2, 4):  # θ within (−2π, 4π): beyond is > 4 sd from any θ̂ in [0, π/2]
        total += ndtr((k * np.pi + a - mu) / sd) - ndtr((k * np.pi - a - mu) / sd)
    return total


def predictive_draws(result: pd.DataFrame, size: int, rng: np.random.Generator, *,
                     transform: str | None = None, scale: float = 1.0) -> np.ndarray:
    """Draws of each district's rate from its predictive distribution, shape (size, D).

    ``θ ~ N(theta, theta_mse)`` on the model's scale, brought back as ``sin² θ`` (arcsine) or
    cut to [0, 1] (none), times ``scale``. Their mean is ``result["estimate"]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame({"theta": [0.4, 0.6], "theta_mse": [0.01, 0.0004]})
    >>> d = predictive_draws(r, 200_000, np.random.default_rng(0), transform="arcsine")
    >>> m, _ = back_transform(r["theta"].to_numpy(), r["theta_mse"].to_numpy())
    >>> bool(np.allclose(d.mean(axis=0), m, atol=1e-3))
    True
    """
    transform = transform or result.attrs.get("transform", "arcsine")
    theta = result["theta"].to_numpy(float)
    sd = np.sqrt(result["theta_mse"].to_numpy(float))
    t = rng.normal(theta, sd, size=(size, theta.size))
    rate = np.sin(t) ** 2 if transform == "arcsine" else np.clip(t, 0.0, 1.0)
    return rate * scale


# ---------------------------------------------------------------------------- benchmark
ENDES_TARGETS = {"endes": ("stunting_u5", "under5_2020"),
                 "endes_anemia": ("anemia_6_35m", "children_6_35m_2020")}


def endes_targets(indicator: str = "stunting_u5", year: int = 2022) -> dict[str, float]:
    """ENDES department figures (%, total of urban and rural) for one year, by 2-digit code."""
    from geoprio.data.shipped import load_endes

    e = load_endes()
    rows = e[(e["year"] == year) & (e["level"] == "department") & (e["area"] == "total")]
    return {str(c): float(v) for c, v in zip(rows["department_code"], rows[indicator],
                                             strict=True) if pd.notna(v)}


def _benchmark(out: pd.DataFrame, districts: pd.DataFrame, benchmark: Any, weights: str | None,
               scale: float, id_column: str) -> None:
    """Ratio benchmarking by department; the ratio is treated as fixed for the interval."""
    if isinstance(benchmark, str):
        if benchmark not in ENDES_TARGETS:
            raise InputError(f"benchmark must be one of {list(ENDES_TARGETS)} or a mapping "
                             f"{{department code: target}}; got {benchmark!r}")
        indicator, default_w = ENDES_TARGETS[benchmark]
        targets = {k: v / 100 * scale for k, v in endes_targets(indicator).items()}
        weights = weights or default_w
    elif isinstance(benchmark, Mapping):
        targets = {str(k).zfill(2): float(v) for k, v in benchmark.items()}
        if weights is None:
            raise InputError("a benchmark mapping needs population=<column> (e.g. under5_2020)")
    else:
        raise TypeError(f"benchmark must be a name or a mapping; got {type(benchmark).__name__}")
    w = _column(districts, weights, "weights")
    dept = out[id_column].str[:2].to_numpy()
    ratio = np.full(len(out), np.nan)
    for code in sorted(set(dept)):
        inside = dept == code
        if code not in targets:
            continue
        ok = inside & np.isfinite(w) & np.isfinite(out["estimate"].to_numpy())
        mean = np.sum(w[ok] * out["estimate"].to_numpy()[ok]) / np.sum(w[ok])
        ratio[inside] = targets[code] / mean
    absent = sorted(set(dept) - set(targets))
    if absent:
        log.warning("benchmark: no target for departments %s; left unbenchmarked", absent)
    out["benchmark_ratio"] = ratio
    for col in ("estimate", "lo", "hi"):
        name = "benchmarked" if col == "estimate" else f"benchmarked_{col}"
        out[name] = out[col] * ratio
    out.attrs["benchmark"] = {"targets": targets, "weights": weights,
                              "ratio_by_department": {c: float(ratio[dept == c][0])
                                                      for c in sorted(set(dept))
                                                      if c in targets}}
